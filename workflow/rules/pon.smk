"""Panel of normals: alleles seen in several normals, built by a separate target from a
configured set of normals (`pon.normals`), then frozen and given to somatic calling as a file
(`pon.vcf`). Somatic calling never depends on this rule's output directly: with a panel built
from the whole cohort's normals, every new patient would change the panel and so rerun every
tumour's calling; a frozen, versioned panel changes only when it is deliberately rebuilt and
swapped in (its checksum and normal count in each somatic VCF say which one was used).
"""


rule pon_pileup:
    input:
        normals=pon_normal_alignments(),
        fasta=GENOME,
        fai=f"{GENOME}.fai",
    output:
        temp("results/pon/normals.pileup.bcf"),
    log:
        "logs/pon/pileup.log",
    benchmark:
        "benchmarks/pon/pileup.tsv"
    conda:
        "../../envs/bcftools.yaml"
    threads: 1
    resources:
        mem_mb=mem_mb(1000),
        runtime=runtime_min(120),
    params:
        min_mapq=config["alignment"]["min_mapq_for_calling"],
        min_bq=config["somatic"]["min_base_quality"],
        max_depth=config["somatic"]["pileup_max_depth"],
        # Sites where some normal has enough reads of the (most common) alt allele.
        enough_alt_reads=f"MAX(FORMAT/AD[*:1])>={config['pon']['min_alt_reads']}",
    shell:
        # --ignore-RG: one sample per alignment file, whatever its read groups say.
        "(bcftools mpileup --no-version --ignore-RG -f {input.fasta:q} "
        "  -q {params.min_mapq:q} -Q {params.min_bq:q} -d {params.max_depth:q} "
        "  -a FORMAT/AD -Ou {input.normals:q} "
        " | bcftools view --no-version -i {params.enough_alt_reads:q} -Ob -o {output:q}) "
        "2> {log:q}"


rule pon_build:
    input:
        "results/pon/normals.pileup.bcf",
    output:
        vcf="results/pon/panel_of_normals.vcf.gz",
        tbi="results/pon/panel_of_normals.vcf.gz.tbi",
        json="results/pon/panel_of_normals.json",
    log:
        "logs/pon/build.log",
    benchmark:
        "benchmarks/pon/build.tsv"
    conda:
        "../../envs/python.yaml"
    threads: 1
    resources:
        mem_mb=mem_mb(1000),
        runtime=runtime_min(60),
    params:
        normals=pon_normal_alignments(),
        settings=config["pon"],
    script:
        "../../scripts/somatic_pon.py"

"""Somatic small variants on each tumour: pileup allele counts of tumour and matched normal,
scored per allele (Fisher exact, tumour vs normal) with readable FILTER reasons."""


rule somatic_pileup:
    input:
        unpack(pair_alignments),
        fasta=GENOME,
        fai=f"{GENOME}.fai",
        targets=targets_bed(),
    output:
        temp("results/somatic/pileup/{tumour}.bcf"),
    log:
        "logs/somatic/{tumour}.pileup.log",
    benchmark:
        "benchmarks/somatic/{tumour}.pileup.tsv"
    conda:
        "../../envs/bcftools.yaml"
    threads: 1
    resources:
        mem_mb=mem_mb(4000),
        runtime=runtime_min(480),
    params:
        min_mapq=config["alignment"]["min_mapq_for_calling"],
        min_bq=config["somatic"]["min_base_quality"],
        min_alt=config["somatic"]["min_tumour_alt_reads"],
        normal=pair_normal_bam,
    shell:
        # Deep panels and amplicons exceed mpileup's default of 250 reads per file.
        "(bcftools mpileup -f {input.fasta} -R {input.targets} -q {params.min_mapq} "
        "  -Q {params.min_bq} -d 100000 -a FORMAT/AD,FORMAT/DP,FORMAT/ADF,FORMAT/ADR -Ou "
        "  {input.tumour} {params.normal} "
        " | bcftools view -i 'FORMAT/AD[0:1]>={params.min_alt}' -Ob -o {output}) 2> {log}"


rule somatic_call:
    input:
        "results/somatic/pileup/{tumour}.bcf",
    output:
        vcf="results/somatic/{tumour}.vcf.gz",
        tbi="results/somatic/{tumour}.vcf.gz.tbi",
    log:
        "logs/somatic/{tumour}.call.log",
    benchmark:
        "benchmarks/somatic/{tumour}.call.tsv"
    conda:
        "../../envs/python.yaml"
    threads: 1
    resources:
        mem_mb=mem_mb(2000),
        runtime=runtime_min(120),
    params:
        tumour="{tumour}",
        normal=pair_normal_name,
        thresholds=config["somatic"],
    script:
        "../../scripts/somatic_call.py"

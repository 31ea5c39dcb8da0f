"""Germline small variants on each normal: called, normalised (left-aligned, multiallelics
split), soft-filtered, bgzipped and indexed."""


rule germline_bcftools:
    input:
        unpack(sample_alignment),
        fasta=GENOME,
        fai=f"{GENOME}.fai",
        targets=targets_bed(),
    output:
        temp("results/germline/raw/{sample}.bcftools.bcf"),
    log:
        "logs/germline/{sample}.bcftools.log",
    benchmark:
        "benchmarks/germline/{sample}.bcftools.tsv"
    conda:
        "../../envs/bcftools.yaml"
    threads: 1
    resources:
        mem_mb=mem_mb(4000),
        runtime=runtime_min(240),
    params:
        min_mapq=config["alignment"]["min_mapq_for_calling"],
        min_bq=config["germline"]["min_base_quality"],
        mpileup_extra=config["germline"]["bcftools_mpileup_extra"],
        call_extra=config["germline"]["bcftools_call_extra"],
    shell:
        "(bcftools mpileup -f {input.fasta} -R {input.targets} -q {params.min_mapq} "
        "  -Q {params.min_bq} "
        "  -a FORMAT/AD,FORMAT/DP {params.mpileup_extra} -Ou {input.bam} "
        " | bcftools call -m -v {params.call_extra} -Ob -o {output}) 2> {log}"


rule germline_freebayes:
    input:
        unpack(sample_alignment),
        fasta=GENOME,
        fai=f"{GENOME}.fai",
        targets=targets_bed(),
    output:
        temp("results/germline/raw/{sample}.freebayes.bcf"),
    log:
        "logs/germline/{sample}.freebayes.log",
    benchmark:
        "benchmarks/germline/{sample}.freebayes.tsv"
    conda:
        "../../envs/freebayes.yaml"
    threads: 1
    resources:
        mem_mb=mem_mb(4000),
        runtime=runtime_min(240),
    params:
        min_mapq=config["alignment"]["min_mapq_for_calling"],
        min_bq=config["germline"]["min_base_quality"],
        extra=config["germline"]["freebayes_extra"],
    shell:
        "(freebayes -f {input.fasta} -t {input.targets} --min-mapping-quality {params.min_mapq} "
        "  --min-base-quality {params.min_bq} {params.extra} {input.bam} "
        " | bcftools view -Ob -o {output}) 2> {log}"


rule germline_normalise:
    input:
        calls=f"results/germline/raw/{{sample}}.{config['germline']['caller']}.bcf",
        fasta=GENOME,
    output:
        vcf="results/germline/{sample}.vcf.gz",
        tbi="results/germline/{sample}.vcf.gz.tbi",
    log:
        "logs/germline/{sample}.normalise.log",
    benchmark:
        "benchmarks/germline/{sample}.normalise.tsv"
    conda:
        "../../envs/bcftools.yaml"
    threads: 1
    resources:
        mem_mb=mem_mb(2000),
        runtime=runtime_min(60),
    params:
        min_qual=config["germline"]["min_qual"],
        min_depth=config["germline"]["min_depth"],
    shell:
        "(bcftools norm -f {input.fasta} -m -any -a --atom-overlaps . -Ou {input.calls} "
        " | bcftools norm -f {input.fasta} -d exact -Ou "
        " | bcftools view -e 'ALT=\"*\"' -Ou "
        " | bcftools filter -s LowQual -e 'QUAL<{params.min_qual}' -Ou "
        " | bcftools filter -s LowDepth -e 'INFO/DP<{params.min_depth}' -Oz -o {output.vcf} "
        " && tabix -p vcf {output.vcf}) 2> {log}"

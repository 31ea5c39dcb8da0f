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
        # Pasted unquoted on purpose: argument strings (config/README.md).
        mpileup_extra=config["germline"]["bcftools_mpileup_extra"],
        call_extra=config["germline"]["bcftools_call_extra"],
    shell:
        # --no-version: no command lines (with data_dir paths) or dates in the VCF header; the
        # tool versions are in results/versions.tsv.
        "(bcftools mpileup --no-version -f {input.fasta:q} -R {input.targets:q} "
        "  -q {params.min_mapq:q} -Q {params.min_bq:q} "
        "  -a FORMAT/AD,FORMAT/DP {params.mpileup_extra} -Ou {input.bam:q} "
        " | bcftools call --no-version -m -v {params.call_extra} -Ob -o {output:q}) 2> {log:q}"


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
        # Pasted unquoted on purpose: an argument string (config/README.md).
        extra=config["germline"]["freebayes_extra"],
    shell:
        # freebayes' ##commandline (with data_dir paths) and ##fileDate leave the header; the
        # tool versions are in results/versions.tsv.
        "(freebayes -f {input.fasta:q} -t {input.targets:q} "
        "  --min-mapping-quality {params.min_mapq:q} "
        "  --min-base-quality {params.min_bq:q} {params.extra} {input.bam:q} "
        " | grep -v -e '^##commandline=' -e '^##fileDate=' "
        " | bcftools view --no-version -Ob -o {output:q}) 2> {log:q}"


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
        low_qual=f"QUAL<{config['germline']['min_qual']}",
        low_depth=f"INFO/DP<{config['germline']['min_depth']}",
    shell:
        # --no-version: no command lines or dates in the header (see germline_bcftools).
        "(bcftools norm --no-version -f {input.fasta:q} -m -any -a --atom-overlaps . -Ou "
        "   {input.calls:q} "
        " | bcftools norm --no-version -f {input.fasta:q} -d exact -Ou "
        " | bcftools view --no-version -e 'ALT=\"*\"' -Ou "
        " | bcftools filter --no-version -s LowQual -e {params.low_qual:q} -Ou "
        " | bcftools filter --no-version -s LowDepth -e {params.low_depth:q} -Oz "
        "   -o {output.vcf:q} "
        " && tabix -p vcf {output.vcf:q}) 2> {log:q}"

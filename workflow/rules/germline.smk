"""Germline small variants on each normal: called, normalised (left-aligned, multiallelics
split), soft-filtered, bgzipped and indexed."""


rule germline_bcftools:
    input:
        unpack(sample_alignment),
        unpack(chunk_beds),
        fasta=GENOME,
        fai=f"{GENOME}.fai",
    output:
        temp("results/germline/chunks/{sample}/{chunk}.bcftools.bcf"),
    log:
        "logs/germline/{sample}/chunk{chunk}.bcftools.log",
    benchmark:
        "benchmarks/germline/{sample}/chunk{chunk}.bcftools.tsv"
    conda:
        "../../envs/bcftools.yaml"
    threads: 1
    resources:
        mem_mb=chunk_mem_mb("germline_bcftools"),
        runtime=chunk_runtime("germline_bcftools"),
    params:
        min_mapq=config["alignment"]["min_mapq_for_calling"],
        min_bq=config["germline"]["min_base_quality"],
        # Pasted unquoted on purpose: argument strings (config/README.md).
        mpileup_extra=config["germline"]["bcftools_mpileup_extra"],
        call_extra=config["germline"]["bcftools_call_extra"],
    shell:
        # The padded regions are called, the records starting in the chunk's own regions kept
        # (KEEP_CHUNK_RECORDS). --no-version: no command lines (with data_dir paths) or dates
        # in the VCF header; the tool versions are in results/versions.tsv.
        "(start=$(date +%s); "
        " bcftools mpileup --no-version -f {input.fasta:q} -R {input.padded:q} "
        "  -q {params.min_mapq:q} -Q {params.min_bq:q} "
        "  -a FORMAT/AD,FORMAT/DP {params.mpileup_extra} -Ou {input.bam:q} "
        " | bcftools call --no-version -m -v {params.call_extra} -Ou "
        f" | {KEEP_CHUNK_RECORDS}; {CHUNK_SUMMARY}) 2> {{log:q}}"


rule germline_freebayes:
    input:
        unpack(sample_alignment),
        unpack(chunk_beds),
        fasta=GENOME,
        fai=f"{GENOME}.fai",
        depth=sample_depth_summary,
    output:
        temp("results/germline/chunks/{sample}/{chunk}.freebayes.bcf"),
    log:
        "logs/germline/{sample}/chunk{chunk}.freebayes.log",
    benchmark:
        "benchmarks/germline/{sample}/chunk{chunk}.freebayes.tsv"
    conda:
        "../../envs/freebayes.yaml"
    threads: 1
    resources:
        mem_mb=chunk_mem_mb("germline_freebayes"),
        runtime=chunk_runtime("germline_freebayes"),
    params:
        min_mapq=config["alignment"]["min_mapq_for_calling"],
        min_bq=config["germline"]["min_base_quality"],
        best_n=config["calling"]["freebayes_best_n_alleles"],
        # Pasted unquoted on purpose: an argument string (config/README.md).
        extra=config["germline"]["freebayes_extra"],
    shell:
        # Bounded: at most best_n alleles per site, no site deeper than SKIP_COVERAGE reads.
        # freebayes' ##commandline (with data_dir paths) and ##fileDate leave the header; the
        # tool versions are in results/versions.tsv.
        f"(start=$(date +%s); skip=$({SKIP_COVERAGE}); "
        "freebayes -f {input.fasta:q} -t {input.padded:q} "
        "  --min-mapping-quality {params.min_mapq:q} --min-base-quality {params.min_bq:q} "
        '  --use-best-n-alleles {params.best_n:q} --skip-coverage "$skip" '
        "  {params.extra} {input.bam:q} "
        " | grep -v -e '^##commandline=' -e '^##fileDate=' "
        f" | {KEEP_CHUNK_RECORDS}; {CHUNK_SUMMARY}) 2> {{log:q}}"


rule germline_gather:
    input:
        germline_chunk_calls,
    output:
        bcf=temp("results/germline/raw/{sample}.{caller}.bcf"),
        csi=temp("results/germline/raw/{sample}.{caller}.bcf.csi"),
    log:
        "logs/germline/{sample}.{caller}.gather.log",
    benchmark:
        "benchmarks/germline/{sample}.{caller}.gather.tsv"
    conda:
        "../../envs/bcftools.yaml"
    threads: 1
    resources:
        mem_mb=mem_mb(1000),
        runtime=gather_runtime,
    shell:
        # The chunks are contiguous in reference order and share one header: concatenated
        # without recompression, they form one sorted file.
        "(bcftools concat --no-version --naive -Ob -o {output.bcf:q} {input:q} "
        " && bcftools index {output.bcf:q}) 2> {log:q}"


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
        runtime=calls_runtime("germline_normalise"),
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

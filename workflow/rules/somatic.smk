"""Somatic small variants on each tumour: two calling methods on tumour and matched normal
(bcftools mpileup allele counts; freebayes joint calling), each scored with the same
tumour/normal likelihood model, then a consensus with readable FILTER reasons."""


rule somatic_pileup:
    input:
        unpack(pair_alignments),
        unpack(chunk_beds),
        fasta=GENOME,
        fai=f"{GENOME}.fai",
    output:
        temp("results/somatic/chunks/{tumour}/{chunk}.pileup.bcf"),
    log:
        "logs/somatic/{tumour}/chunk{chunk}.pileup.log",
    benchmark:
        "benchmarks/somatic/{tumour}/chunk{chunk}.pileup.tsv"
    conda:
        "../../envs/bcftools.yaml"
    threads: 1
    resources:
        mem_mb=chunk_mem_mb("somatic_pileup"),
        runtime=chunk_runtime("somatic_pileup"),
    params:
        min_mapq=config["alignment"]["min_mapq_for_calling"],
        min_bq=config["somatic"]["min_base_quality"],
        enough_alt_reads=f"FORMAT/AD[0:1]>={config['somatic']['min_tumour_alt_reads']}",
        # Per sample: allele depths, per strand, and base-quality sums per allele (QS) for the
        # likelihood model; INFO/I16 (always written) adds mapping quality and read-end distance.
        annotations="FORMAT/AD,FORMAT/DP,FORMAT/ADF,FORMAT/ADR,FORMAT/QS",
        # Deep panels and amplicons exceed mpileup's default of 250 reads per file.
        max_depth=config["somatic"]["pileup_max_depth"],
        # Pasted unquoted on purpose: an argument string (config/README.md).
        extra=config["somatic"]["bcftools_mpileup_extra"],
        # "" for a tumour-only analysis: `{params.normal:q}` then renders as no argument at
        # all (Snakemake leaves an empty value unquoted), not as an empty '' file name.
        normal=pair_normal_bam,
    shell:
        # The padded regions are called, the records starting in the chunk kept
        # (KEEP_CHUNK_RECORDS). --no-version: no command lines or dates in the header.
        "(start=$(date +%s); "
        " bcftools mpileup --no-version -f {input.fasta:q} -R {input.padded:q} "
        "  -q {params.min_mapq:q} -Q {params.min_bq:q} -d {params.max_depth:q} "
        "  -a {params.annotations:q} {params.extra} -Ou "
        "  {input.tumour:q} {params.normal:q} "
        " | bcftools view --no-version -i {params.enough_alt_reads:q} -Ou "
        f" | {KEEP_CHUNK_RECORDS}; {CHUNK_SUMMARY}) 2> {{log:q}}"


rule somatic_freebayes:
    input:
        unpack(pair_alignments),
        unpack(chunk_beds),
        fasta=GENOME,
        fai=f"{GENOME}.fai",
        depth=pair_depth_summaries,
    output:
        temp("results/somatic/chunks/{tumour}/{chunk}.freebayes.bcf"),
    log:
        "logs/somatic/{tumour}/chunk{chunk}.freebayes.log",
    benchmark:
        "benchmarks/somatic/{tumour}/chunk{chunk}.freebayes.tsv"
    conda:
        "../../envs/freebayes.yaml"
    threads: 1
    resources:
        mem_mb=chunk_mem_mb("somatic_freebayes"),
        runtime=chunk_runtime("somatic_freebayes"),
    params:
        min_mapq=config["alignment"]["min_mapq_for_calling"],
        min_bq=config["somatic"]["min_base_quality"],
        min_af=config["somatic"]["min_tumour_af"],
        min_alt_count=config["somatic"]["freebayes_min_alternate_count"],
        best_n=config["calling"]["freebayes_best_n_alleles"],
        # Pasted unquoted on purpose: an argument string (config/README.md).
        extra=config["somatic"]["freebayes_extra"],
        # "" for a tumour-only analysis: no argument at all (see somatic_pileup).
        normal=pair_normal_bam,
    shell:
        # Pooled-continuous: allele frequencies are not constrained to diploid genotypes.
        # Bounded by --use-best-n-alleles and --skip-coverage (SKIP_COVERAGE). freebayes'
        # ##commandline (with data_dir paths) and ##fileDate leave the header.
        f"(start=$(date +%s); skip=$({SKIP_COVERAGE}); "
        'echo "freebayes --skip-coverage $skip" >&2; '
        "freebayes -f {input.fasta:q} -t {input.padded:q} --pooled-discrete "
        "  --pooled-continuous --genotype-qualities --allele-balance-priors-off "
        "  --min-alternate-fraction {params.min_af:q} "
        "  --min-alternate-count {params.min_alt_count:q} "
        "  --min-mapping-quality {params.min_mapq:q} --min-base-quality {params.min_bq:q} "
        '  --use-best-n-alleles {params.best_n:q} --skip-coverage "$skip" '
        "  {params.extra} {input.tumour:q} {params.normal:q} "
        " | grep -v -e '^##commandline=' -e '^##fileDate=' "
        f" | {KEEP_CHUNK_RECORDS}; {CHUNK_SUMMARY}) 2> {{log:q}}"


rule somatic_gather:
    input:
        chunks=somatic_chunk_calls,
        fasta=GENOME,
    output:
        temp("results/somatic/{method}/{tumour}.bcf"),
    log:
        "logs/somatic/{tumour}.{method}.gather.log",
    benchmark:
        "benchmarks/somatic/{tumour}.{method}.gather.tsv"
    conda:
        "../../envs/bcftools.yaml"
    threads: 1
    resources:
        mem_mb=mem_mb(1000),
        runtime=gather_runtime,
    params:
        # freebayes' records are split into one allele per record here, after gathering:
        # left-alignment may move a record across a chunk cut, and bcftools norm re-sorts.
        split=lambda wildcards: wildcards.method == "freebayes",
    shell:
        # The chunks are contiguous in reference order and share one header: concatenated
        # without recompression, they form one sorted file.
        "(if [ {params.split:q} = True ]; then "
        "   bcftools concat --no-version --naive -Ob -o - {input.chunks:q} "
        "   | bcftools norm --no-version -f {input.fasta:q} -m -any -a --atom-overlaps . -Ob "
        "     -o {output:q}; "
        " else bcftools concat --no-version --naive -Ob -o {output:q} {input.chunks:q}; fi) "
        "2> {log:q}"


rule somatic_method_call:
    input:
        "results/somatic/{method}/{tumour}.bcf",
        # Read at the candidates for their pair orientation (OrientationBias).
        unpack(pair_alignments),
        fasta=GENOME,
    output:
        vcf="results/somatic/methods/{tumour}.{method}.vcf.gz",
        tbi="results/somatic/methods/{tumour}.{method}.vcf.gz.tbi",
    log:
        "logs/somatic/{tumour}.{method}.call.log",
    benchmark:
        "benchmarks/somatic/{tumour}.{method}.call.tsv"
    conda:
        "../../envs/python.yaml"
    threads: 1
    resources:
        mem_mb=mem_mb(2000),
        runtime=calls_runtime("somatic_method_call"),
    params:
        method="{method}",
        tumour="{tumour}",
        normal=pair_normal_name,
        thresholds=config["somatic"],
        min_mapq=config["alignment"]["min_mapq_for_calling"],
        min_bq=config["somatic"]["min_base_quality"],
    script:
        "../../scripts/somatic_method_call.py"


rule somatic_consensus:
    input:
        unpack(pon_vcf),
        methods=somatic_method_vcfs,
        population=population_vcf(),
    output:
        vcf="results/somatic/{tumour}.vcf.gz",
        tbi="results/somatic/{tumour}.vcf.gz.tbi",
    log:
        "logs/somatic/{tumour}.consensus.log",
    benchmark:
        "benchmarks/somatic/{tumour}.consensus.tsv"
    conda:
        "../../envs/python.yaml"
    threads: 1
    resources:
        mem_mb=mem_mb(2000),
        runtime=calls_runtime("somatic_consensus"),
    params:
        methods=config["somatic"]["methods"],
        tumour="{tumour}",
        normal=pair_normal_name,
        thresholds=config["somatic"],
        population_field=REF["known_sites"].get("gnomad_af_field", "AF"),
    script:
        "../../scripts/somatic_consensus.py"

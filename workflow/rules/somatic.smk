"""Somatic small variants on each tumour: two calling methods on tumour and matched normal
(bcftools mpileup allele counts; freebayes joint calling), each scored with the same
tumour/normal likelihood model, then a consensus with readable FILTER reasons."""


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
        enough_alt_reads=f"FORMAT/AD[0:1]>={config['somatic']['min_tumour_alt_reads']}",
        # Deep panels and amplicons exceed mpileup's default of 250 reads per file.
        max_depth=config["somatic"]["pileup_max_depth"],
        # Pasted unquoted on purpose: an argument string (config/README.md).
        extra=config["somatic"]["bcftools_mpileup_extra"],
        # "" for a tumour-only analysis: `{params.normal:q}` then renders as no argument at
        # all (Snakemake leaves an empty value unquoted), not as an empty '' file name.
        normal=pair_normal_bam,
    shell:
        # --no-version: no command lines (with data_dir paths) or dates in the header.
        "(bcftools mpileup --no-version -f {input.fasta:q} -R {input.targets:q} "
        "  -q {params.min_mapq:q} -Q {params.min_bq:q} -d {params.max_depth:q} "
        "  -a FORMAT/AD,FORMAT/DP,FORMAT/ADF,FORMAT/ADR {params.extra} -Ou "
        "  {input.tumour:q} {params.normal:q} "
        " | bcftools view --no-version -i {params.enough_alt_reads:q} -Ob -o {output:q}) 2> {log:q}"


rule somatic_freebayes:
    input:
        unpack(pair_alignments),
        fasta=GENOME,
        fai=f"{GENOME}.fai",
        targets=targets_bed(),
    output:
        temp("results/somatic/freebayes/{tumour}.bcf"),
    log:
        "logs/somatic/{tumour}.freebayes.log",
    benchmark:
        "benchmarks/somatic/{tumour}.freebayes.tsv"
    conda:
        "../../envs/freebayes.yaml"
    threads: 1
    resources:
        mem_mb=mem_mb(8000),
        runtime=runtime_min(720),
    params:
        min_mapq=config["alignment"]["min_mapq_for_calling"],
        min_bq=config["somatic"]["min_base_quality"],
        min_af=config["somatic"]["min_tumour_af"],
        min_alt_count=config["somatic"]["freebayes_min_alternate_count"],
        # Pasted unquoted on purpose: an argument string (config/README.md).
        extra=config["somatic"]["freebayes_extra"],
        # "" for a tumour-only analysis: no argument at all (see somatic_pileup).
        normal=pair_normal_bam,
    shell:
        # Pooled-continuous: allele frequencies are not constrained to diploid genotypes.
        # freebayes' ##commandline (with data_dir paths) and ##fileDate leave the header.
        "(freebayes -f {input.fasta:q} -t {input.targets:q} --pooled-discrete "
        "  --pooled-continuous --genotype-qualities --allele-balance-priors-off "
        "  --min-alternate-fraction {params.min_af:q} "
        "  --min-alternate-count {params.min_alt_count:q} "
        "  --min-mapping-quality {params.min_mapq:q} --min-base-quality {params.min_bq:q} "
        "  {params.extra} {input.tumour:q} {params.normal:q} "
        " | grep -v -e '^##commandline=' -e '^##fileDate=' "
        " | bcftools norm --no-version -f {input.fasta:q} -m -any -a --atom-overlaps . -Ob "
        "   -o {output:q}) 2> {log:q}"


rule somatic_method_call:
    input:
        "results/somatic/{method}/{tumour}.bcf",
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
        runtime=runtime_min(120),
    params:
        method="{method}",
        tumour="{tumour}",
        normal=pair_normal_name,
        thresholds=config["somatic"],
    script:
        "../../scripts/somatic_method_call.py"


rule somatic_consensus:
    input:
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
        runtime=runtime_min(60),
    params:
        methods=config["somatic"]["methods"],
        tumour="{tumour}",
        normal=pair_normal_name,
        thresholds=config["somatic"],
        population_field=REF["known_sites"].get("gnomad_af_field", "AF"),
    script:
        "../../scripts/somatic_consensus.py"

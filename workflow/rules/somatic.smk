"""Somatic small variants on each tumour: two calling methods on tumour and matched normal
(bcftools mpileup allele counts; freebayes joint calling), each scored with the same
tumour/normal likelihood model, then a consensus with readable FILTER reasons."""


rule somatic_calls:
    input:
        unpack(pair_alignments),
        chunks=CHUNK_STAMP,
        fasta=GENOME,
        fai=f"{GENOME}.fai",
        depth=somatic_depth_summaries,
    output:
        temp("results/somatic/{method}/{tumour}.bcf"),
    log:
        "logs/somatic/{tumour}.{method}.calls.log",
    benchmark:
        "benchmarks/somatic/{tumour}.{method}.calls.tsv"
    conda:
        "../../envs/calling.yaml"
    threads: config["threads"]["somatic_calls"]
    resources:
        mem_mb=scattered_mem_mb,
        runtime=scattered_runtime,
    params:
        # The chunks' regions, checked by their stamp (input chunks).
        core=CHUNK_CORE_BEDS,
        padded=CHUNK_PADDED_BEDS,
        # One method on each calling chunk's padded regions, keeping the records that start
        # in the chunk (icope.core.scatter), gathered in chunk order; freebayes' records are
        # split into one allele per record after gathering (icope.core.callers).
        method="{method}",
        # "" for a tumour-only analysis: the tumour is called alone.
        normal=pair_normal_name,
        # The method's own settings only: a change to the other method's reruns nothing.
        settings=somatic_method_settings,
    script:
        "../../scripts/somatic_calls.py"


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
    threads: config["threads"]["somatic_method_call"]
    resources:
        mem_mb=sized_mem_mb("somatic_method_call"),
        runtime=sized_runtime("somatic_method_call"),
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
        mem_mb=sized_mem_mb("somatic_consensus"),
        runtime=sized_runtime("somatic_consensus"),
    params:
        methods=config["somatic"]["methods"],
        tumour="{tumour}",
        normal=pair_normal_name,
        thresholds=config["somatic"],
        population_field=REF["known_sites"].get("gnomad_af_field", "AF"),
    script:
        "../../scripts/somatic_consensus.py"

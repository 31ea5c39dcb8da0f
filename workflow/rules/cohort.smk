"""The cohort: per-patient Parquet fragments, the DuckDB database with its MAF, cBioPortal
study and shareable aggregate (docs/cohort.md), and the flat cohort variant tables."""


rule cohort_fragment:
    input:
        unpack(cohort_fragment_inputs),
    output:
        **cohort_fragment_outputs(),
    log:
        "logs/cohort/fragment/{patient}.log",
    benchmark:
        "benchmarks/cohort/fragment/{patient}.tsv"
    conda:
        "../../envs/python.yaml"
    threads: 1
    resources:
        mem_mb=sized_mem_mb("cohort_fragment"),
        runtime=sized_runtime("cohort_fragment"),
    params:
        patient="{patient}",
        samples=patient_metadata,
        files=patient_sample_files,
        expression=cohort_expression_files,
    script:
        "../../scripts/cohort_fragment.py"


rule cohort_database:
    input:
        unpack(cohort_database_inputs),
    output:
        database=COHORT_OUTPUTS["database"],
        maf=COHORT_OUTPUTS["maf"],
        aggregate=COHORT_OUTPUTS["aggregate"],
        cbioportal=directory(COHORT_OUTPUTS["cbioportal"]),
    log:
        "logs/cohort/cohort_database.log",
    benchmark:
        "benchmarks/cohort/cohort_database.tsv"
    conda:
        "../../envs/python.yaml"
    threads: 2
    resources:
        mem_mb=sized_mem_mb("cohort_database"),
        runtime=sized_runtime("cohort_database"),
    params:
        fragments=cohort_fragments(),
        sources=annotation_sources(),
        settings=config["cohort"],
    script:
        "../../scripts/cohort_database.py"


rule cohort_tables:
    input:
        unpack(cohort_inputs),
    output:
        tsv="results/cohort/variants.tsv",
        parquet="results/cohort/variants.parquet",
    log:
        "logs/cohort/cohort_tables.log",
    benchmark:
        "benchmarks/cohort/cohort_tables.tsv"
    conda:
        "../../envs/python.yaml"
    threads: 1
    resources:
        mem_mb=sized_mem_mb("cohort_tables"),
        runtime=sized_runtime("cohort_tables"),
    params:
        samples=sample_metadata(),
        calls=cohort_calls(),
        sources=annotation_sources(),
    script:
        "../../scripts/cohort_tables.py"

"""Per-patient report (JSON + self-contained HTML), cohort variant tables, tool versions."""


rule software_versions:
    output:
        "results/versions.tsv",
    log:
        "logs/versions.log",
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    conda:
        "../../envs/python.yaml"
    script:
        "../../scripts/software_versions.py"


rule patient_report:
    input:
        unpack(patient_inputs),
    output:
        json="results/patients/{patient}/report.json",
        html="results/patients/{patient}/report.html",
    params:
        patient="{patient}",
        samples=sample_metadata(),
        sources=annotation_sources(),
        panel=config["panel"],
    log:
        "logs/report/{patient}.log",
    benchmark:
        "benchmarks/report/{patient}.tsv"
    threads: 1
    resources:
        mem_mb=mem_mb(2000),
        runtime=30,
    conda:
        "../../envs/python.yaml"
    script:
        "../../scripts/patient_report.py"


rule cohort_tables:
    input:
        unpack(cohort_inputs),
    output:
        tsv="results/cohort/variants.tsv",
        parquet="results/cohort/variants.parquet",
    params:
        samples=sample_metadata(),
        sources=annotation_sources(),
    log:
        "logs/cohort/cohort_tables.log",
    benchmark:
        "benchmarks/cohort/cohort_tables.tsv"
    threads: 1
    resources:
        mem_mb=mem_mb(4000),
        runtime=60,
    conda:
        "../../envs/python.yaml"
    script:
        "../../scripts/cohort_tables.py"

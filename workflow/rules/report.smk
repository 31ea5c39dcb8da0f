"""Per-patient report (JSON + self-contained HTML) and tool versions (cohort tables:
cohort.smk)."""


rule software_versions:
    output:
        "results/versions.tsv",
    log:
        "logs/versions.log",
    benchmark:
        "benchmarks/reference/software_versions.tsv"
    conda:
        "../../envs/python.yaml"
    threads: 1
    resources:
        mem_mb=mem_mb(1000),
        runtime=runtime_min(10),
    script:
        "../../scripts/software_versions.py"


rule patient_report:
    input:
        unpack(patient_inputs),
    output:
        json="results/patients/{patient}/report.json",
        html="results/patients/{patient}/report.html",
    log:
        "logs/report/{patient}.log",
    benchmark:
        "benchmarks/report/{patient}.tsv"
    conda:
        "../../envs/python.yaml"
    threads: 1
    resources:
        mem_mb=sized_mem_mb("patient_report"),
        runtime=sized_runtime("patient_report"),
    params:
        patient="{patient}",
        samples=patient_metadata,
        files=patient_sample_files,
        sources=annotation_sources(),
        panel=PANEL,
        qc=config.get("qc", {}),
    script:
        "../../scripts/patient_report.py"

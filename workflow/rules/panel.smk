"""Predisposition-panel filtering: germline variants in the panel genes, rare and
protein-altering, into one table per patient."""


rule germline_panel:
    input:
        germline=patient_germline,
        panel="results/reference/panel_genes.tsv",
    output:
        "results/patients/{patient}/germline_panel.tsv",
    params:
        patient="{patient}",
        max_af=config["panel"]["max_population_af"],
        consequences=config["panel"]["consequences"],
    log:
        "logs/panel/{patient}.log",
    threads: 1
    resources:
        mem_mb=mem_mb(2000),
        runtime=30,
    conda:
        "../../envs/python.yaml"
    script:
        "../../scripts/germline_panel.py"

"""Predisposition-panel filtering: germline variants in the panel genes, rare and
protein-altering, into one table per patient."""


rule germline_panel:
    input:
        germline=patient_germline,
        panel=panel_genes_table(),
    output:
        "results/patients/{patient}/germline_panel.tsv",
    log:
        "logs/panel/{patient}.log",
    conda:
        "../../envs/python.yaml"
    threads: 1
    resources:
        mem_mb=mem_mb(2000),
        runtime=30,
    params:
        patient="{patient}",
        max_af=panel_setting("max_population_af"),
        consequences=panel_setting("consequences"),
    script:
        "../../scripts/germline_panel.py"

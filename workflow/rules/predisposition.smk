"""Germline predisposition: variants in the panel genes classified with ACMG/AMP criteria,
and secondary findings outside the panel for patients who consented to them."""


rule germline_panel:
    input:
        germline=patient_germline,
        panel=panel_genes_table(),
        transcripts=transcript_table(),
        fasta=hgvs_fasta(),
        population=population_vcf(),
        gene_thresholds=gene_thresholds_file(),
    output:
        panel="results/patients/{patient}/germline_panel.tsv",
        secondary="results/patients/{patient}/secondary_findings.tsv",
    log:
        "logs/panel/{patient}.log",
    benchmark:
        "benchmarks/panel/{patient}.tsv"
    conda:
        "../../envs/python.yaml"
    threads: 1
    resources:
        mem_mb=sized_mem_mb("germline_panel"),
        runtime=sized_runtime("germline_panel"),
    params:
        patient="{patient}",
        max_af=panel_setting("max_population_af"),
        consequences=panel_setting("consequences"),
        consent=patient_consent,
        classification=config["classification"],
        population_source=annotation_sources()["gnomad"],
    script:
        "../../scripts/germline_panel.py"


rule two_hit:
    input:
        panel="results/patients/{patient}/germline_panel.tsv",
        somatic=patient_somatic_annotated,
        segments=patient_cnv_segments,
        cnv=patient_two_hit_cnv,
        svs=patient_sv_tables,
        tumours=patient_tumour_alignments,
        fasta=GENOME,
        transcripts=transcript_table(),
    output:
        "results/patients/{patient}/two_hit.tsv",
    log:
        "logs/panel/{patient}.two_hit.log",
    benchmark:
        "benchmarks/panel/{patient}.two_hit.tsv"
    conda:
        "../../envs/python.yaml"
    threads: 1
    resources:
        mem_mb=sized_mem_mb("two_hit"),
        runtime=sized_runtime("two_hit"),
    params:
        patient="{patient}",
        tumours=patient_tumour_files,
        settings=config["two_hit"],
    script:
        "../../scripts/two_hit.py"

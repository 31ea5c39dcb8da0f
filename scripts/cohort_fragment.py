"""Rule cohort_fragment: one patient's cohort tables as Parquet fragments (Hive partition)."""

from icope.cohort.fragment import PatientFiles, patient_tables, write_fragments
from icope.core.hgvs import load_annotator
from icope.core.rulelog import rule_log

with rule_log(snakemake.log[0]) as log:
    # consequence and HGVS on each gene's preferred transcript, as in the panel and report
    annotator = (
        load_annotator(snakemake.input.transcripts, snakemake.input.fasta)
        if snakemake.input.transcripts
        else None
    )
    patient = PatientFiles(
        patient=snakemake.params.patient,
        samples=snakemake.params.samples,
        # gene-level counts and TPM of the RNA samples, not salmon's own table
        files={
            sample: files | {"expression": snakemake.params.expression[sample]}
            if sample in snakemake.params.expression
            else files
            for sample, files in snakemake.params.files.items()
        },
        qc=snakemake.input.qc,
        panel=snakemake.input.panel,
        two_hit=snakemake.input.two_hit[0] if snakemake.input.two_hit else None,
        preferred=annotator,
    )
    tables = patient_tables(patient)
    write_fragments(tables, {name: snakemake.output[name] for name in tables})
    for name, table in tables.items():
        log.info("%s: %d rows", name, len(table))

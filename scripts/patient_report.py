"""Rule patient_report: JSON + self-contained HTML report for one patient."""

from pathlib import Path

from icope.core.rulelog import rule_log
from icope.report.patient_report import build_report, write_report

with rule_log(snakemake.log[0]):
    inputs = dict(snakemake.input.items())
    report = build_report(
        snakemake.params.patient,
        snakemake.params.samples,
        inputs,
        snakemake.params.sources,
        snakemake.params.panel,
        snakemake.params.files,
        qc_thresholds=snakemake.params.qc,
        config=snakemake.config,
        checkout=Path(snakemake.scriptdir).parent,
    )
    write_report(report, snakemake.output.json, snakemake.output.html)

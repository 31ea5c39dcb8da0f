"""Rule patient_report: JSON + self-contained HTML report for one patient."""

from icope.report import build_report, write_report
from icope.rulelog import rule_log

with rule_log(snakemake.log[0]):
    inputs = dict(snakemake.input.items())
    report = build_report(
        snakemake.params.patient,
        snakemake.params.samples,
        inputs,
        snakemake.params.sources,
        snakemake.params.panel,
    )
    write_report(report, snakemake.output.json, snakemake.output.html)

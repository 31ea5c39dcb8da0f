"""Rule patient_report: JSON + self-contained HTML report for one patient."""

from icope.report import build_report, write_report
from icope.rulelog import rule_log

with rule_log(snakemake.log[0]):  # noqa: F821
    inputs = {key: snakemake.input[key] for key in snakemake.input.keys()}  # noqa: F821
    report = build_report(
        snakemake.params.patient,  # noqa: F821
        snakemake.params.samples,  # noqa: F821
        inputs,
        snakemake.params.sources,  # noqa: F821
        snakemake.params.panel,  # noqa: F821
    )
    write_report(report, snakemake.output.json, snakemake.output.html)  # noqa: F821

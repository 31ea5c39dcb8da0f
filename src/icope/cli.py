"""Command-line tools around the workflow: check inputs before a run, convert annotations,
re-render a report."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
import jsonschema
import yaml

from icope import __version__
from icope.bench.compare import bench
from icope.bench.run import germline_command, somatic_command
from icope.bench.simulate import simulate_command
from icope.core.annotation import read_annotation, write_csq_gff3, write_gene_table, write_tx2gene
from icope.core.datafiles import DataError, check_manifest, resolve_data_dir
from icope.core.sheets import SheetError, load_sample_sheet
from icope.germline.panel_build import build_panels_command
from icope.report.patient_report import render_html

WORKFLOW_DIR = Path(__file__).resolve().parents[2]


@click.group()
@click.version_option(__version__)
def main() -> None:
    """icope: childhood-cancer germline / somatic / RNA pipeline helpers."""


bench.add_command(germline_command)
bench.add_command(somatic_command)
main.add_command(bench)
main.add_command(simulate_command)
main.add_command(build_panels_command)


@main.command()
@click.option(
    "--config",
    "config_path",
    default="config/config.yaml",
    show_default=True,
    type=click.Path(exists=True, dir_okay=False),
    help="Workflow config file.",
)
def validate(config_path: str) -> None:
    """Check the data manifest and the sample sheets named in CONFIG, as the workflow does."""
    config = yaml.safe_load(Path(config_path).read_text())
    schema = yaml.safe_load((WORKFLOW_DIR / "workflow/schemas/config.schema.yaml").read_text())
    try:
        jsonschema.validate(config, schema)
    except jsonschema.ValidationError as exc:
        field = ".".join(str(p) for p in exc.absolute_path) or "(top level)"
        click.echo(f"invalid input:\n{config_path}: field '{field}': {exc.message}", err=True)
        sys.exit(1)
    try:
        data_dir = resolve_data_dir(config.get("data_dir", "auto"), WORKFLOW_DIR)
        if config.get("data_manifest"):
            checked = check_manifest(config["data_manifest"], data_dir)
            click.echo(f"data manifest: {checked} files match")
        sheet = load_sample_sheet(config["samples"], config["units"], data_dir)
    except (DataError, SheetError, FileNotFoundError) as exc:
        click.echo(f"invalid input:\n{exc}", err=True)
        sys.exit(1)
    click.echo(
        f"{len(sheet.samples)} samples, {len(sheet.units)} units, "
        f"{len(sheet.patients)} patients, {len(sheet.tumour_normal_pairs())} tumour/normal pairs"
    )


@main.command()
@click.argument("annotation", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--gff3",
    required=True,
    type=click.Path(dir_okay=False),
    help="Output: Ensembl-style GFF3 for bcftools csq.",
)
@click.option("--genes", type=click.Path(dir_okay=False), help="Output: gene table (TSV).")
@click.option("--tx2gene", type=click.Path(dir_okay=False), help="Output: transcript-gene map.")
def annotation(annotation: str, gff3: str, genes: str | None, tx2gene: str | None) -> None:
    """Convert a GTF/GFF3 ANNOTATION into the files the pipeline's tools read."""
    model = read_annotation(annotation)
    written = write_csq_gff3(model, gff3)
    if genes:
        write_gene_table(model, genes)
    if tx2gene:
        write_tx2gene(model, tx2gene)
    click.echo(f"{len(model.genes)} genes, {written} transcripts")


@main.command()
@click.argument("report_json", type=click.Path(exists=True, dir_okay=False))
@click.argument("html", type=click.Path(dir_okay=False))
def render(report_json: str, html: str) -> None:
    """Render a patient REPORT_JSON as self-contained HTML."""
    Path(html).write_text(render_html(json.loads(Path(report_json).read_text())))

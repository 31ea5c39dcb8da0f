"""Per-patient report: one JSON document, rendered as self-contained HTML (inline CSS, no
scripts, fonts or images from the network) so it opens on an offline HPC node."""

from __future__ import annotations

import base64
import json
import math
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import pandas as pd
from jinja2 import Environment, StrictUndefined, select_autoescape

from icope import __version__
from icope.core.hgvs import load_annotator
from icope.core.tables import read_tsv
from icope.core.variants import read_variants
from icope.rna.expression import gene_expression

REPORT_SCHEMA_VERSION = 1
#: genes shown in the expression section when no panel is configured
TOP_GENES = 20

SOMATIC_FIELDS = [
    "sample",
    "normal_sample",
    "chrom",
    "pos",
    "ref",
    "alt",
    "variant_type",
    "filter",
    "gene",
    "transcript",
    "consequence",
    "hgvs_c",
    "hgvs_p",
    "tumour_depth",
    "tumour_af",
    "normal_depth",
    "normal_af",
    "gnomad_af",
    "id",
]
GERMLINE_FIELDS = [
    "sample",
    "chrom",
    "pos",
    "ref",
    "alt",
    "variant_type",
    "id",
    "genotype",
    "depth",
    "vaf",
    "gene",
    "transcript",
    "consequence",
    "hgvs_c",
    "hgvs_p",
    "gnomad_af",
    "filter",
    "panel_filter",
    "clinvar_significance",
    "clinvar_review",
    "mechanism",
    "acmg_class",
    "acmg_points",
    "acmg_criteria",
    "acmg_not_assessable",
    "acmg_evidence",
]
PATHOGENIC = ("Pathogenic", "Likely pathogenic")


def _clean(value):
    """JSON-safe scalars: NaN and pandas missing values become null."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        return _clean(value.item())
    return value


def _present(frame: pd.DataFrame, fields: list[str]) -> list[str]:
    return [f for f in fields if f in frame.columns]


def _records(frame: pd.DataFrame, fields: list[str]) -> list[dict]:
    return [{f: _clean(row[f]) for f in fields} for row in frame.to_dict("records")]


def secondary_findings_policy(consent: bool) -> str:
    """The reporting policy applied, stated in every report."""
    if consent:
        return (
            "Consent for secondary findings recorded for the germline sample: pathogenic and "
            "likely pathogenic variants outside the configured panel are reported in their own "
            "section."
        )
    return (
        "No consent for secondary findings (the default): only genes of the configured panel "
        "are analysed and reported; variants outside it were not classified."
    )


def _own_samples(patient: str, samples: dict) -> dict:
    return {name: meta for name, meta in samples.items() if meta["patient"] == patient}


def _own_rows(table: pd.DataFrame, own: dict) -> pd.DataFrame:
    return table[table["sample"].isin(own)]


def _consent(own: dict) -> bool:
    """The secondary-findings consent of the patient's germline (normal) sample."""
    normals = [meta for meta in own.values() if meta["type"] == "normal"]
    return bool(normals) and normals[0]["secondary_findings_consent"]


def _optional_tsv(path) -> pd.DataFrame | None:
    return read_tsv(path) if path else None


def _panel_classes(path: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """``(panel table, P/LP findings, VUS)`` from the germline panel table."""
    panel_table = read_tsv(path)
    if "acmg_class" not in panel_table:
        panel_table = panel_table.assign(acmg_class=None)
    findings = panel_table[panel_table["acmg_class"].isin(PATHOGENIC)]
    vus = panel_table[panel_table["acmg_class"] == "Uncertain significance"]
    return panel_table, findings, vus


def _annotator(inputs: dict):
    """HGVS and consequences on each gene's preferred transcript (the choice every output
    shares), when the reference has an annotation."""
    if inputs.get("transcripts") and inputs.get("fasta"):
        return load_annotator(inputs["transcripts"], inputs["fasta"])
    return None


def _somatic_section(
    patient: str, own: dict, files: dict, annotator=None
) -> tuple[dict, list[dict]]:
    """``(counts per tumour, PASS variants)`` from each tumour's annotated somatic VCF."""
    variants, counts = [], {}
    for tumour, paths in files.items():
        if "somatic" not in paths:
            continue
        normal = own[tumour]["normal"] or ""
        rows = read_variants(paths["somatic"], patient, "somatic", normal, annotator)
        counts[tumour] = {
            "candidates": len(rows),
            "pass": sum(r.filter == "PASS" for r in rows),
            "tumour_only": own[tumour]["tumour_only"],
        }
        variants += [r.as_dict() for r in rows if r.filter == "PASS"]
    return counts, [{f: _clean(v[f]) for f in SOMATIC_FIELDS} for v in variants]


def _structural_variants(files: dict) -> list[dict]:
    found = []
    for paths in files.values():
        if "sv" in paths:
            table = read_tsv(paths["sv"])
            found += _records(table[table["filter"] == "PASS"], list(table.columns))
    return found


def _copy_number(files: dict) -> dict:
    """Segments and plot of each tumour with copy-number results."""
    copy_number = {}
    for tumour, paths in files.items():
        if "cnv_segments" not in paths:
            continue
        segments = read_tsv(paths["cnv_segments"])
        plot = paths.get("cnv_plot")
        copy_number[tumour] = {
            "segments": _records(segments, list(segments.columns)),
            "plot": str(plot) if plot else None,
        }
    return copy_number


def _expression(
    files: dict, gene_table: pd.DataFrame | None, panel_genes: pd.DataFrame | None
) -> list[dict]:
    """Panel genes' expression of each RNA sample, or its most expressed genes (no panel)."""
    panel_gene_names = set(panel_genes["gene"]) if panel_genes is not None else set()
    expression = []
    for sample, paths in files.items():
        if "expression" not in paths:
            continue
        table = gene_expression(paths["expression"], gene_table, sample, panel_gene_names)
        shown = table[table["in_panel"]] if panel_genes is not None else table.head(TOP_GENES)
        expression += _records(shown, list(table.columns))
    return expression


def _panel_section(panel_config: dict | None, panel_genes: pd.DataFrame | None) -> dict | None:
    if not panel_config:
        return None
    return {
        "name": panel_config["name"],
        "genes": sorted(set(panel_genes["gene"]) if panel_genes is not None else set()),
        "max_population_af": panel_config["max_population_af"],
        "consequences": panel_config["consequences"],
    }


def _germline_fields(table: pd.DataFrame) -> list[dict]:
    return _records(table, _present(table, GERMLINE_FIELDS))


def build_report(
    patient: str,
    samples: dict,
    inputs: dict,
    sources: dict,
    panel_config: dict | None,
    files: dict,
) -> dict:
    """Assemble the report document from the pipeline's result files.

    ``inputs`` holds the patient's tables (qc, panel, secondary, two_hit, genes, panel_genes,
    versions); ``files`` is the per-sample manifest ``{sample: {kind: path}}`` with kinds
    ``somatic``, ``sv``, ``cnv_segments``, ``cnv_plot`` and ``expression``: a sample's name
    is never taken from a file name. Without a panel (``panel_config`` None) the report has no
    panel section and shows the most expressed genes instead of the panel genes' expression.
    """
    own = _own_samples(patient, samples)
    qc = _own_rows(read_tsv(inputs["qc"]), own)
    panel_genes = _optional_tsv(inputs.get("panel_genes"))
    panel_table, findings, vus = _panel_classes(inputs["panel"])
    consent = _consent(own)
    secondary = _optional_tsv(inputs.get("secondary"))
    two_hit = read_tsv(inputs["two_hit"][0]) if inputs.get("two_hit") else None
    versions = read_tsv(inputs["versions"])
    somatic_counts, somatic_variants = _somatic_section(patient, own, files, _annotator(inputs))
    return {
        "schema_version": REPORT_SCHEMA_VERSION,
        "patient": patient,
        "generated": datetime.now(UTC).isoformat(timespec="seconds"),
        "pipeline": {"name": "icope", "version": __version__},
        "annotation_sources": sources,
        "software_versions": versions.to_dict("records"),
        "secondary_findings_consent": consent,
        "secondary_findings_policy": secondary_findings_policy(consent),
        "samples": [{"sample": name, **meta} for name, meta in sorted(own.items())],
        "qc": _records(qc, list(qc.columns)),
        "panel": _panel_section(panel_config, panel_genes),
        "germline_findings": _germline_fields(findings),
        "germline_vus": _germline_fields(vus),
        "secondary_findings": (
            _germline_fields(secondary) if consent and secondary is not None else None
        ),
        "two_hit": _records(two_hit, list(two_hit.columns)) if two_hit is not None else None,
        "germline_panel_variants": _germline_fields(panel_table),
        "somatic_counts": somatic_counts,
        "somatic_variants": somatic_variants,
        "copy_number": _copy_number(files),
        "structural_variants": _structural_variants(files),
        "expression": _expression(files, _optional_tsv(inputs.get("genes")), panel_genes),
    }


def _data_uri(path: str | None) -> str | None:
    """A PNG as a data URI, so the HTML stays one self-contained file."""
    if not path or not Path(path).is_file():
        return None
    return "data:image/png;base64," + base64.b64encode(Path(path).read_bytes()).decode()


def render_html(report: dict) -> str:
    template_text = resources.files("icope.report").joinpath("templates/report.html.j2").read_text()
    env = Environment(
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = _format_number
    images = {t: _data_uri(cn.get("plot")) for t, cn in report.get("copy_number", {}).items()}
    return env.from_string(template_text).render(r=report, images=images)


def _format_number(value, digits: int = 3) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    return str(value)


def write_report(report: dict, json_path: str, html_path: str) -> None:
    Path(json_path).write_text(json.dumps(report, indent=2, sort_keys=False) + "\n")
    Path(html_path).write_text(render_html(report))

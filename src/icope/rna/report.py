"""The report's RNA section: per patient, built by rule rna_patient into one JSON file that
the patient report reads (a patient without an RNA sample: "not analysed")."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from icope.rna.alleles import NOT_ANALYSED


def _records(table: pd.DataFrame) -> list[dict]:
    return json.loads(table.to_json(orient="records"))


def rna_summary(
    patient: str, qc: list[pd.DataFrame], alleles: pd.DataFrame, fusions: list[pd.DataFrame]
) -> dict:
    """The JSON-ready RNA document of one patient (rule rna_patient writes it)."""
    fusion_table = pd.concat(fusions, ignore_index=True) if fusions else pd.DataFrame()
    return {
        "patient": patient,
        "status": "analysed",
        "qc": _records(pd.concat(qc, ignore_index=True)) if qc else [],
        "allele_counts": _records(alleles),
        "fusions": _records(fusion_table),
        "fusion_filter": "STAR chimeric junctions, rna.fusion_* settings (config/README.md)",
    }


def rna_section(path: str | None) -> dict:
    """What patient_report puts under "rna": the rna_patient document, or "not analysed"."""
    if not path:
        return {
            "status": NOT_ANALYSED,
            "reason": "no RNA sample",
            "allele_counts": [],
            "fusions": [],
            "qc": [],
        }
    return json.loads(Path(path).read_text())


RNA_FIELDS = ["rna_sample", "rna_ref", "rna_alt", "rna_depth", "rna_vaf", "ase", "ase_p"]
#: report lists whose variant records get the RNA allele counts
FINDING_LISTS = (
    "germline_findings",
    "germline_vus",
    "germline_panel_variants",
    "secondary_findings",
    "somatic_variants",
)


def _variant_records(value):
    """The variant dicts of a report list (a plain list, or a dict holding one)."""
    if isinstance(value, dict):
        value = value.get("rows") or value.get("variants") or value.get("items") or []
    return [v for v in value or [] if isinstance(v, dict) and "pos" in v and "alt" in v]


def add_rna_evidence(report: dict) -> dict:
    """Give every germline/somatic variant record of the report its RNA allele counts
    (RNA_FIELDS, of the first RNA sample covering it): "not analysed" without an RNA sample,
    "no RNA coverage" for a site RNA was looked at but has no read (and sites RNA was not
    looked at, e.g. germline calls outside the panel genes: "not analysed")."""
    section = report.get("rna") or {}
    counts: dict[tuple, dict] = {}
    for row in section.get("allele_counts", []):
        key = (str(row["chrom"]), int(row["pos"]), row["ref"], row["alt"])
        best = counts.get(key)
        if best is None or (best["rna_depth"] == 0 and row["rna_depth"] > 0):
            counts[key] = row
    for name in FINDING_LISTS:
        for record in _variant_records(report.get(name)):
            key = (str(record.get("chrom")), int(record["pos"]), record["ref"], record["alt"])
            row = counts.get(key)
            if row is None:
                record.update(dict.fromkeys(RNA_FIELDS, NOT_ANALYSED))
            else:
                record.update({field: row[field] for field in RNA_FIELDS})
    return report

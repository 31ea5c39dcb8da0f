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

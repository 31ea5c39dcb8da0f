"""Cohort variant table: every germline and somatic call of every patient, one row per
variant and sample, with annotation and panel status, as TSV and Parquet for pooling."""

from __future__ import annotations

import pandas as pd

from icope.core.tables import read_tsv
from icope.core.variants import VARIANT_COLUMNS, read_variants

COHORT_COLUMNS = [
    *VARIANT_COLUMNS,
    "panel_filter",
    "acmg_class",
    "acmg_criteria",
    "reference",
    "annotation_sources",
]
PANEL_FIELDS = ["panel_filter", "acmg_class", "acmg_criteria"]
_KEY = ["sample", "chrom", "pos", "ref", "alt"]


def _calls(calls: dict, samples: dict, annotator=None) -> list[dict]:
    """Variant rows of every sample's VCF, germline ones first, samples in manifest order;
    ``annotator`` (:func:`icope.core.hgvs.load_annotator`): the shared transcript choice."""
    rows = []
    for origin in ("germline", "somatic"):
        for sample, vcfs in calls.items():
            if origin not in vcfs:
                continue
            meta = samples[sample]
            rows += [
                r.as_dict()
                for r in read_variants(
                    vcfs[origin], meta["patient"], origin, meta.get("normal") or "", annotator
                )
            ]
    return rows


def cohort_table(
    calls: dict, panels: list[str], samples: dict, sources: dict, annotator=None
) -> pd.DataFrame:
    """Collect calls from annotated VCFs; ``panel_filter`` is set for germline panel calls.

    ``calls`` is the manifest ``{sample: {"germline" | "somatic": annotated VCF}}``: a
    sample's name is never taken from a file name.
    """
    rows = _calls(calls, samples, annotator)
    table = pd.DataFrame(rows, columns=VARIANT_COLUMNS)
    panel_frames = [read_tsv(p) for p in panels]
    panel_frames = [f for f in panel_frames if not f.empty]
    if panel_frames:
        panel = pd.concat(panel_frames)
        fields = [f for f in PANEL_FIELDS if f in panel.columns]
        panel = panel[_KEY + fields].assign(origin="germline")
        table = table.merge(panel, on=[*_KEY, "origin"], how="left")
    for missing in (f for f in PANEL_FIELDS if f not in table.columns):
        table[missing] = None
    table["reference"] = sources.get("reference", "")
    table["annotation_sources"] = "; ".join(f"{k}={v}" for k, v in sources.items())
    return table[COHORT_COLUMNS].sort_values(["patient", "origin", "sample", "chrom", "pos"])


def write_cohort(table: pd.DataFrame, tsv: str, parquet: str) -> None:
    table.to_csv(tsv, sep="\t", index=False, na_rep="")
    table.to_parquet(parquet, index=False)

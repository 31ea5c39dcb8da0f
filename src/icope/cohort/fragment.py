"""One patient's cohort tables, built from that patient's own result files only, written as
Parquet fragments of the Hive-partitioned dataset (``<table>/patient=<id>/part-0.parquet``).

Germline and somatic calls are kept apart: a somatic candidate that the patient's normal
carries as a germline call and that the somatic filters rejected is a germline variant seen
again, not a somatic call, and is left out of ``somatic_variants``. Every table has one row
per call (a VCF record); annotation sources and versions go to the ``runs`` table, not rows.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from icope.cohort.schema import (
    INTEGER,
    PARQUET_KEY,
    REAL,
    SCHEMA_VERSION,
    TABLES,
    impact_class,
    is_protein_altering,
)
from icope.core.tables import read_tsv
from icope.core.variants import read_variants

log = logging.getLogger(__name__)

KEY = ["sample", "chrom", "pos", "ref", "alt"]
#: Panel-table columns a germline row takes over (the panel's shared-transcript annotation
#: wins over the VCF's own when the panel table has it).
PANEL_FIELDS = ["panel_gene", "panel_filter", "acmg_class", "acmg_points", "acmg_criteria"]
SHARED_TRANSCRIPT_FIELDS = ["gene", "transcript", "consequence", "hgvs_c", "hgvs_p"]
#: Alternative column names of a gene-level expression table (salmon's, or a counts table).
EXPRESSION_NAMES = {
    "Name": "gene_id",
    "TPM": "tpm",
    "NumReads": "num_reads",
    "counts": "num_reads",
}


@dataclass
class PatientFiles:
    """What one patient's fragment is built from (the rule's inputs and params).

    ``samples``: {sample: metadata} (patient_metadata); ``files``: {sample: {kind: path}}
    (patient_sample_files: germline, somatic, sv, cnv_segments, expression); ``preferred``:
    the shared transcript choice (:func:`icope.core.hgvs.load_annotator`) or None.
    """

    patient: str
    samples: dict
    files: dict
    qc: str | None = None
    panel: str | None = None
    two_hit: str | None = None
    preferred: object | None = field(default=None, repr=False)


def _paths(files: dict, kind: str) -> dict[str, str]:
    return {sample: f[kind] for sample, f in files.items() if f.get(kind)}


def _read(path: str | None) -> pd.DataFrame:
    if not path or not os.path.exists(path) or os.path.getsize(path) == 0:
        return pd.DataFrame()
    return read_tsv(path)


def _consequence_columns(table: pd.DataFrame) -> pd.DataFrame:
    for column in ("hgvs_c", "hgvs_p"):
        if column not in table.columns:
            table[column] = ""
    table["impact"] = table["consequence"].map(impact_class) if len(table) else []
    table["protein_altering"] = table["impact"].map(is_protein_altering).astype("Int64")
    return table


def _variant_frame(rows) -> pd.DataFrame:
    frame = pd.DataFrame([r.as_dict() for r in rows])
    if frame.empty:
        return pd.DataFrame(columns=[c for c in TABLES["germline_variants"] if c != "impact"])
    return frame.drop_duplicates(subset=KEY)


def germline_table(patient: PatientFiles) -> pd.DataFrame:
    """Every germline call of the patient's normals, with panel status, ACMG and two-hit."""
    frames = [
        _variant_frame(read_variants(vcf, patient.patient, "germline", "", patient.preferred))
        for vcf in _paths(patient.files, "germline").values()
    ]
    table = pd.concat(frames, ignore_index=True) if frames else _variant_frame([])
    table = table.drop(
        columns=[c for c in ("patient", "origin", "normal_sample") if c in table.columns]
    )
    panel = _read(patient.panel)
    if not panel.empty and not table.empty:
        taken = [c for c in PANEL_FIELDS + SHARED_TRANSCRIPT_FIELDS if c in panel.columns]
        panel = panel[KEY + taken].drop_duplicates(subset=KEY)
        panel["pos"] = panel["pos"].astype(int)
        table = table.merge(panel, on=KEY, how="left", suffixes=("", "_panel"))
        for column in SHARED_TRANSCRIPT_FIELDS:
            shared = f"{column}_panel"
            if shared in table.columns:
                table[column] = table[shared].where(table[shared].notna(), table.get(column))
                table = table.drop(columns=shared)
        table["panel_gene"] = table.get("panel_gene", pd.Series(dtype=str)).notna()
    else:
        table["panel_gene"] = False
    table["panel_gene"] = table["panel_gene"].astype("Int64")
    table = _consequence_columns(table)
    table["two_hit_status"] = _two_hit_status(patient, table)
    return table


def _two_hit_status(patient: PatientFiles, table: pd.DataFrame) -> list[str]:
    """The two-hit result of each germline call: its row's second_hit, or why none exists."""
    tumours = [s for s, meta in patient.samples.items() if meta.get("type") == "tumour"]
    two_hit = _read(patient.two_hit)
    found = {}
    if not two_hit.empty:
        status = "second_hit" if "second_hit" in two_hit.columns else two_hit.columns[-1]
        for row in two_hit.itertuples(index=False):
            found[(row.chrom, int(row.pos), row.ref, row.alt)] = str(getattr(row, status))
    default = "not analysed: no tumour" if not tumours else "not analysed: not P/LP"
    return [
        found.get((r.chrom, int(r.pos), r.ref, r.alt), default)
        for r in table[["chrom", "pos", "ref", "alt"]].itertuples(index=False)
    ]


def somatic_table(patient: PatientFiles, germline: pd.DataFrame) -> pd.DataFrame:
    """Every somatic call of the patient's tumours, less the germline calls seen again."""
    germline_keys = set(
        zip(germline["chrom"], germline["pos"], germline["ref"], germline["alt"], strict=True)
    )
    frames = []
    for sample, vcf in _paths(patient.files, "somatic").items():
        normal = patient.samples.get(sample, {}).get("normal") or ""
        rows = read_variants(vcf, patient.patient, "somatic", normal, patient.preferred)
        kept = [
            r
            for r in rows
            if r.filter == "PASS" or (r.chrom, r.pos, r.ref, r.alt) not in germline_keys
        ]
        log.info(
            "%s: %d somatic records, %d germline calls left out",
            sample,
            len(rows),
            len(rows) - len(kept),
        )
        frames.append(_variant_frame(kept))
    table = pd.concat(frames, ignore_index=True) if frames else _variant_frame([])
    drop = ["patient", "origin", "genotype", "depth", "alt_depth", "vaf", "qual"]
    table = table.drop(columns=[c for c in drop if c in table.columns])
    return _consequence_columns(table)


def samples_table(patient: PatientFiles) -> pd.DataFrame:
    qc = _read(patient.qc)
    qc_of = {r["sample"]: r for r in qc.to_dict("records")} if not qc.empty else {}
    rows = []
    for sample, meta in patient.samples.items():
        check = qc_of.get(sample, {})
        rows.append(
            {
                "sample": sample,
                "type": meta.get("type"),
                "sex": meta.get("sex"),
                "secondary_findings_consent": int(bool(meta.get("secondary_findings_consent"))),
                "tumour_only": int(bool(meta.get("tumour_only"))),
                "normal_sample": meta.get("normal") or "",
                "qc_status": check.get("status") or "not assessed: no QC row",
                "qc_reasons": "" if pd.isna(check.get("reasons")) else check.get("reasons", ""),
            }
        )
    return pd.DataFrame(rows)


def _per_sample(paths: dict[str, str], rename: dict | None = None) -> pd.DataFrame:
    frames = []
    for sample, path in paths.items():
        table = _read(path)
        if rename:
            table = table.rename(columns={k: v for k, v in rename.items() if k in table})
        frames.append(table.assign(sample=sample) if not table.empty else table)
    frames = [f for f in frames if not f.empty]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def patient_tables(patient: PatientFiles) -> dict[str, pd.DataFrame]:
    """Every table of one patient (without the ``patient`` column: it is the partition)."""
    germline = germline_table(patient)
    two_hit = _read(patient.two_hit)
    return {
        "samples": samples_table(patient),
        "germline_variants": germline,
        "somatic_variants": somatic_table(patient, germline),
        "cnv_segments": _per_sample(_paths(patient.files, "cnv_segments")),
        "structural_variants": _per_sample(_paths(patient.files, "sv")),
        "two_hit": two_hit.drop(columns=["patient"], errors="ignore"),
        "expression": _per_sample(_paths(patient.files, "expression"), EXPRESSION_NAMES),
    }


_ARROW = {INTEGER: pa.int64(), REAL: pa.float64()}


def arrow_table(name: str, frame: pd.DataFrame) -> pa.Table:
    """Core columns first with their types (present even when the frame is empty), then
    any extra column the producer added, text unless numeric."""
    core = TABLES[name]
    frame = frame.drop(columns=["patient"], errors="ignore")
    arrays, fields = [], []
    for column, kind in core.items():
        values = frame[column] if column in frame.columns else pd.Series([None] * len(frame))
        arrays.append(_array(values, _ARROW.get(kind, pa.string())))
        fields.append(pa.field(column, _ARROW.get(kind, pa.string())))
    for column in (c for c in frame.columns if c not in core):
        values = frame[column]
        numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
        kind = pa.float64() if numeric else pa.string()
        arrays.append(_array(values, kind))
        fields.append(pa.field(str(column), kind))
    schema = pa.schema(fields, metadata={PARQUET_KEY: SCHEMA_VERSION.encode()})
    return pa.Table.from_arrays(arrays, schema=schema)


def _array(values: pd.Series, kind: pa.DataType) -> pa.Array:
    if kind == pa.string():
        values = values.astype(object).where(values.notna(), None)
        return pa.array([None if v is None else str(v) for v in values], type=kind)
    numbers = pd.to_numeric(values, errors="coerce")
    if kind == pa.int64():
        numbers = numbers.round().astype("Int64")
    return pa.array(numbers, type=kind, from_pandas=True)


def write_fragments(tables: dict[str, pd.DataFrame], outputs: dict[str, str]) -> None:
    """Write each table to its fragment path (``outputs``: table -> path)."""
    for name, path in outputs.items():
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        pq.write_table(arrow_table(name, tables[name]), path)


def fragment_path(root: str, table: str, patient: str) -> str:
    """Where a patient's fragment of a table lives in the Hive-partitioned dataset."""
    return os.path.join(root, table, f"patient={patient}", "part-0.parquet")

"""Per-sample QC summary: metrics from fastp, samtools stats, mosdepth and salmon, judged
pass / warn / fail against thresholds from the config."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

QC_COLUMNS = [
    "sample",
    "patient",
    "type",
    "status",
    "reasons",
    "raw_reads",
    "reads_after_trimming",
    "q30_rate",
    "mapping_rate",
    "duplication_rate",
    "mean_depth",
    "rna_mapping_rate",
    "star_mapping_rate",
    "rna_strandedness",
    "salmon_library_type",
]

#: metric -> (threshold key in config, direction): "min" fails when below, "max" when above.
CHECKS = {
    "reads_after_trimming": ("min_reads", "min"),
    "mean_depth": ("min_mean_depth", "min"),
    "duplication_rate": ("max_duplication", "max"),
    "mapping_rate": ("min_mapping_rate", "min"),
    "rna_mapping_rate": ("min_rna_mapping_rate", "min"),
}


def read_fastp(paths: list[str]) -> dict[str, float]:
    """Sum fastp read counts over a sample's units; q30 rate weighted by bases."""
    raw = kept = bases = q30 = 0
    for path in paths:
        summary = json.loads(Path(path).read_text())["summary"]
        raw += summary["before_filtering"]["total_reads"]
        after = summary["after_filtering"]
        kept += after["total_reads"]
        bases += after["total_bases"]
        q30 += after["q30_bases"]
    return {
        "raw_reads": raw,
        "reads_after_trimming": kept,
        "q30_rate": round(q30 / bases, 4) if bases else None,
    }


def read_samtools_stats(path: str) -> dict[str, float]:
    """Mapping and duplication rates from ``samtools stats`` SN lines (primary reads)."""
    sn = {}
    for line in Path(path).read_text().splitlines():
        if line.startswith("SN\t"):
            _, key, value, *_ = line.split("\t")
            sn[key.rstrip(":")] = float(value)
    total = sn.get("raw total sequences", 0.0)
    mapped = sn.get("reads mapped", 0.0)
    return {
        "mapping_rate": round(mapped / total, 4) if total else None,
        "duplication_rate": round(sn.get("reads duplicated", 0.0) / mapped, 4) if mapped else None,
    }


def read_mosdepth_summary(path: str) -> dict[str, float]:
    """Mean depth over the target regions (``total_region``), else over the whole genome."""
    rows = {}
    lines = Path(path).read_text().splitlines()
    header = lines[0].split("\t")
    for line in lines[1:]:
        fields = dict(zip(header, line.split("\t"), strict=False))
        rows[fields["chrom"]] = float(fields["mean"])
    mean = rows.get("total_region", rows.get("total"))
    return {"mean_depth": round(mean, 2) if mean is not None else None}


def read_salmon_mapping_rate(quant_dir: str) -> dict[str, float]:
    meta = json.loads((Path(quant_dir) / "aux_info" / "meta_info.json").read_text())
    return {"rna_mapping_rate": round(meta["percent_mapped"] / 100, 4)}


def _number(value: float) -> str:
    """A value as the reasons show it: read counts in full, rates and depths short.

    >>> _number(1_000_000), _number(6.15), _number(0.2)
    ('1000000', '6.15', '0.2')
    """
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def judge(metrics: dict[str, float | None], thresholds: dict) -> tuple[str, list[str]]:
    """``(status, reasons)``: fail beats warn beats pass; a missing metric is not judged."""
    rank = {"pass": 0, "warn": 1, "fail": 2}
    status, reasons = "pass", []
    for metric, (key, direction) in CHECKS.items():
        value = metrics.get(metric)
        if value is None or key not in thresholds:
            continue
        for level in ("fail", "warn"):
            limit = thresholds[key][level]
            if value < limit if direction == "min" else value > limit:
                sign = "<" if direction == "min" else ">"
                reasons.append(f"{level}:{metric}={_number(value)}{sign}{_number(limit)}")
                status = max(status, level, key=rank.get)
                break
    return status, reasons


def read_rna_qc(path: str) -> dict:
    """STAR's mapping rate, the strandedness and salmon's library type (icope.rna.qc)."""
    row = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False).iloc[0]
    return {
        "star_mapping_rate": float(row["star_mapping_rate"]),
        "rna_strandedness": row["strandedness"],
        "salmon_library_type": row["salmon_library_type"],
    }


def summarise_sample(
    sample: str,
    meta: dict,
    fastp: list[str],
    stats: str | None,
    mosdepth: str | None,
    salmon: str | None,
    thresholds: dict,
    rna_qc: str | None = None,
) -> dict:
    metrics: dict[str, float | None] = {column: None for column in QC_COLUMNS[5:]}
    metrics.update(read_fastp(fastp))
    if stats:
        metrics.update(read_samtools_stats(stats))
    if mosdepth:
        metrics.update(read_mosdepth_summary(mosdepth))
    if salmon:
        metrics.update(read_salmon_mapping_rate(salmon))
    if rna_qc:
        metrics.update(read_rna_qc(rna_qc))
    status, reasons = judge(metrics, thresholds)
    return {
        "sample": sample,
        "patient": meta["patient"],
        "type": meta["type"],
        "status": status,
        "reasons": ";".join(reasons),
        **metrics,
    }


def summarise_samples(samples: dict, files: dict, thresholds: dict) -> list[dict]:
    """One QC row per sample of ``samples`` (name -> metadata), in that order.

    ``files`` is the per-sample manifest ``{sample: {"fastp": [paths], "stats": path,
    "mosdepth": path, "salmon": path}}`` (None or absent: not produced for that sample); file
    names are never parsed for sample names.
    """
    rows = []
    for sample, meta in samples.items():
        own = files.get(sample, {})
        rows.append(
            summarise_sample(
                sample,
                meta,
                fastp=list(own.get("fastp") or []),
                stats=own.get("stats"),
                mosdepth=own.get("mosdepth"),
                salmon=own.get("salmon"),
                thresholds=thresholds,
                rna_qc=own.get("rna_qc"),
            )
        )
    return rows


def write_qc_table(rows: list[dict], path) -> None:
    pd.DataFrame(rows, columns=QC_COLUMNS).to_csv(path, sep="\t", index=False, na_rep="")


def gather_qc_tables(paths: list, sample_order: list[str]) -> pd.DataFrame:
    """The per-patient QC tables as one table, rows in ``sample_order`` (the sheet's order)."""
    # As text: the cohort table repeats each patient's cells exactly as written.
    tables = [pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False) for path in paths]
    table = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=QC_COLUMNS)
    rank = {name: i for i, name in enumerate(sample_order)}
    order = table["sample"].map(rank).fillna(len(rank)).astype(int)
    return table.iloc[order.argsort(kind="stable")].reset_index(drop=True)[QC_COLUMNS]

"""Somatic structural variants from delly: readable filters, final VCF and TSV.

Input: the BCF of ``delly call`` on the tumour and (optionally) its matched normal, and, for a
pair, the output of ``delly filter -f somatic`` on it. Every delly call is written to the final
VCF, with a FILTER that says why a rejected one was rejected (PASS = somatic SV), so a reviewer
can see what was dropped and why. Read support follows delly's FORMAT fields: ALT support is
DV (variant pairs) + RV (variant junction reads), REF support DR + RR.

Tumour-only analyses cannot use ``delly filter -f somatic`` (it needs a control), so calls are
judged by the same thresholds without the normal-based filters and marked ``UNMATCHED``: they
may be germline.
"""

from __future__ import annotations

import csv
import logging
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import pysam

from icope.core.rulelog import run_tool

log = logging.getLogger("icope")

#: FILTER ids and their human-readable descriptions, in the order they are tested.
FILTERS = {
    "LowTumourSupport": "Fewer than min_tumour_alt_support tumour reads support the SV (DV+RV)",
    "LowTumourAF": "Tumour ALT support / (ALT + REF support) below min_tumour_af",
    "NormalSupport": (
        "More than max_normal_alt_support matched-normal reads support the SV "
        "(germline or contamination)"
    ),
    "LowMapq": "Median mapping quality of the supporting reads below min_mapq",
    "TooSmall": "SV shorter than min_size bp",
    "DellyLowQual": "Delly's own site filter failed (LowQual: too few or low-quality PE/SR)",
    "NotDellySomatic": (
        "Rejected by delly filter -f somatic (site quality, tumour coverage or ALT fraction, "
        "or ALT support in the control)"
    ),
}

#: Columns of the TSV, in order.
TSV_COLUMNS = [
    "chrom",
    "pos",
    "end",
    "svtype",
    "svlen",
    "id",
    "filter",
    "precise",
    "tumour_alt_support",
    "tumour_ref_support",
    "normal_alt_support",
    "normal_ref_support",
    "mapq",
    "pe_support",
    "sr_support",
    "chrom2",
]


@dataclass(frozen=True)
class SvThresholds:
    min_tumour_alt_support: int = 4
    min_tumour_af: float = 0.05
    max_normal_alt_support: int = 0
    min_mapq: int = 20
    min_size: int = 50


@dataclass(frozen=True)
class SvCall:
    """One delly call, reduced to what the filters and the TSV need."""

    chrom: str
    pos: int
    end: int
    svtype: str
    svlen: int | None
    id: str
    precise: bool
    tumour_alt: int
    tumour_ref: int
    normal_alt: int | None
    normal_ref: int | None
    mapq: int
    pe: int
    sr: int
    chrom2: str
    delly_pass: bool

    @property
    def tumour_af(self) -> float:
        total = self.tumour_alt + self.tumour_ref
        return self.tumour_alt / total if total else 0.0


def sv_length(svtype: str, pos: int, end: int, inslen: int | None) -> int | None:
    """Length in bp: END-POS for DEL/DUP/INV, the insertion length for INS, None for BND.

    >>> sv_length("DEL", 450000, 550001, 0)
    100001
    >>> sv_length("INS", 1000, 1001, 35)
    35
    >>> sv_length("BND", 1000, 1001, 0) is None
    True
    """
    if svtype == "BND":
        return None
    if svtype == "INS":
        return inslen or 0
    return end - pos


def support(sample) -> tuple[int, int]:
    """(ALT, REF) read support of one delly sample: (DV + RV, DR + RR); missing counts as 0."""

    def get(key: str) -> int:
        value = sample.get(key)
        return int(value) if value is not None else 0

    return get("DV") + get("RV"), get("DR") + get("RR")


def parse_call(record, tumour: str, normal: str | None) -> SvCall:
    info = record.info
    svtype = info["SVTYPE"]
    # pysam exposes INFO/END only as record.stop (1-based END of the SV).
    end = record.stop
    pe = info.get("PE") or 0
    sr = info.get("SR") or 0
    # Split-read-only calls have no paired ends, and delly then reports MAPQ 0: use the
    # split-read mapping quality, so small precise calls are not rejected as low-MAPQ.
    mapq = (info.get("MAPQ") or 0) if pe > 0 else (info.get("SRMAPQ") or 0)
    t_alt, t_ref = support(record.samples[tumour])
    n_alt, n_ref = support(record.samples[normal]) if normal else (None, None)
    return SvCall(
        chrom=record.chrom,
        pos=record.pos,
        end=end,
        svtype=svtype,
        svlen=sv_length(svtype, record.pos, end, info.get("INSLEN")),
        id=record.id or ".",
        precise=bool(info.get("PRECISE", False)),
        tumour_alt=t_alt,
        tumour_ref=t_ref,
        normal_alt=n_alt,
        normal_ref=n_ref,
        mapq=mapq,
        pe=pe,
        sr=sr,
        chrom2=info.get("CHR2", record.chrom),
        delly_pass=list(record.filter.keys()) in ([], ["PASS"]),
    )


def judge_sv(call: SvCall, thresholds: SvThresholds, delly_somatic: bool | None) -> list[str]:
    """FILTER reasons for one call (empty = PASS).

    ``delly_somatic`` is whether ``delly filter -f somatic`` kept the call, or None for a
    tumour-only analysis (no such filter, and no normal-based reasons).
    """
    reasons = []
    if call.tumour_alt < thresholds.min_tumour_alt_support:
        reasons.append("LowTumourSupport")
    if call.tumour_af < thresholds.min_tumour_af:
        reasons.append("LowTumourAF")
    if call.normal_alt is not None and call.normal_alt > thresholds.max_normal_alt_support:
        reasons.append("NormalSupport")
    if call.mapq < thresholds.min_mapq:
        reasons.append("LowMapq")
    if call.svlen is not None and call.svlen < thresholds.min_size:
        reasons.append("TooSmall")
    if not call.delly_pass:
        reasons.append("DellyLowQual")
    if delly_somatic is False:
        reasons.append("NotDellySomatic")
    return reasons


def _key(record) -> tuple[str, int, str]:
    return record.chrom, record.pos, record.id or "."


def read_somatic(path: str) -> dict[tuple[str, int, str], float | None]:
    """Calls kept by ``delly filter -f somatic``, with their tumour/normal read-depth ratio."""
    with pysam.VariantFile(path) as somatic:
        return {_key(r): r.info.get("RDRATIO") for r in somatic}


def _header(template: pysam.VariantHeader, tumour: str, normal: str | None):
    header = template.copy()
    for fid, desc in FILTERS.items():
        if fid not in header.filters:
            header.filters.add(fid, None, None, desc)
    infos = [
        ("SOMATIC", 0, "Flag", "Somatic structural variant (tumour vs matched normal)"),
        ("UNMATCHED", 0, "Flag", "Tumour-only call: no matched normal was available"),
        ("RDRATIO", 1, "Float", "Read-depth ratio of tumor vs. normal."),
        ("TALT", 1, "Integer", "Tumour ALT read support (DV+RV)"),
        ("TREF", 1, "Integer", "Tumour REF read support (DR+RR)"),
        ("NALT", 1, "Integer", "Normal ALT read support (DV+RV)"),
        ("NREF", 1, "Integer", "Normal REF read support (DR+RR)"),
    ]
    for iid, number, vtype, desc in infos:
        if iid not in header.info:
            header.info.add(iid, number, vtype, desc)
    header.add_line("##source=icope.sv:delly")
    samples = list(header.samples)
    wanted = [tumour] + ([normal] if normal else [])
    missing = [s for s in wanted if s not in samples]
    if missing:
        raise ValueError(
            f"sample(s) {', '.join(missing)} not in the delly calls (samples: "
            f"{', '.join(samples) or 'none'}); the BAM read groups' SM must match the sheet"
        )
    return header


def _tsv_row(call: SvCall, reasons: list[str]) -> dict[str, object]:
    def blank(value):
        return "" if value is None else value

    return {
        "chrom": call.chrom,
        "pos": call.pos,
        "end": call.end,
        "svtype": call.svtype,
        "svlen": blank(call.svlen),
        "id": call.id,
        "filter": ";".join(reasons) or "PASS",
        "precise": "PRECISE" if call.precise else "IMPRECISE",
        "tumour_alt_support": call.tumour_alt,
        "tumour_ref_support": call.tumour_ref,
        "normal_alt_support": blank(call.normal_alt),
        "normal_ref_support": blank(call.normal_ref),
        "mapq": call.mapq,
        "pe_support": call.pe,
        "sr_support": call.sr,
        "chrom2": call.chrom2,
    }


def finalise_sv_calls(
    calls_path: str,
    somatic_path: str | None,
    vcf_path: str,
    tsv_path: str,
    tumour: str,
    normal: str | None,
    thresholds: SvThresholds,
) -> dict[str, int]:
    """Judge every delly call and write the final VCF (bgzipped, sorted) and TSV.

    ``somatic_path`` is the output of ``delly filter -f somatic`` for a pair, None for a
    tumour-only analysis. A run without any call writes a header-only VCF and TSV.
    Returns counts: calls written and PASS calls.
    """
    somatic = read_somatic(somatic_path) if normal and somatic_path else None
    counts = {"calls": 0, "pass": 0}
    rows = []
    with pysam.VariantFile(calls_path) as calls:
        header = _header(calls.header, tumour, normal)
        contig_order = {name: i for i, name in enumerate(header.contigs)}
        records = sorted(calls, key=lambda r: (contig_order.get(r.chrom, len(contig_order)), r.pos))
        with pysam.VariantFile(vcf_path, "wz", header=header) as out:
            for record in records:
                call = parse_call(record, tumour, normal)
                kept = None if somatic is None else _key(record) in somatic
                reasons = judge_sv(call, thresholds, kept)
                record.translate(out.header)
                _annotate(record, call, reasons, normal, somatic if kept else None)
                out.write(record)
                rows.append(_tsv_row(call, reasons))
                counts["calls"] += 1
                counts["pass"] += not reasons
    _write_tsv(rows, tsv_path)
    return counts


def somatic_filter_command(calls_path, samples_path, out_bcf, settings: dict) -> list[str]:
    """``delly filter -f somatic`` of a pair's calls: ``settings`` holds
    sv.delly_filter's min_site_quality, min_tumour_coverage, min_tumour_af, max_normal_af."""
    return [
        "delly", "filter", "-f", "somatic", "-s", str(samples_path),
        "-y", str(settings["min_site_quality"]), "-v", str(settings["min_tumour_coverage"]),
        "-a", str(settings["min_tumour_af"]), "-c", str(settings["max_normal_af"]),
        "-o", str(out_bcf), str(calls_path),
    ]  # fmt: skip


def delly_somatic_filter(calls_path, tumour: str, normal: str, settings: dict, out_bcf) -> None:
    """Run :func:`somatic_filter_command` (its samples file beside ``out_bcf``); delly's
    messages go to the log, a failure raises RuntimeError."""
    samples = Path(out_bcf).with_suffix(".samples.tsv")
    samples.write_text(f"{tumour}\ttumor\n{normal}\tcontrol\n")
    command = somatic_filter_command(calls_path, samples, out_bcf, settings)
    run_tool(command, "delly filter", log)


def filter_and_finalise(
    calls_path, vcf_path, tsv_path, tumour: str, normal: str | None, settings: dict, params
) -> dict[str, int]:
    """Rule sv_finalise: delly's somatic filter for a pair (``settings``: sv.delly_filter; its
    BCF in a scratch directory under ``TMPDIR``), then :func:`finalise_sv_calls` with
    sv.filter's thresholds (``params``). A tumour-only analysis skips delly filter: it needs
    a control; the calls are judged without normal-based filters (``UNMATCHED``)."""
    with tempfile.TemporaryDirectory(prefix="icope_sv_") as scratch:
        somatic = None
        if normal:
            somatic = Path(scratch) / f"{tumour}.somatic.bcf"
            delly_somatic_filter(calls_path, tumour, normal, settings, somatic)
        else:
            log.info("tumour-only: delly filter -f somatic skipped, calls marked UNMATCHED")
        return finalise_sv_calls(
            str(calls_path),
            str(somatic) if somatic else None,
            str(vcf_path),
            str(tsv_path),
            tumour,
            normal,
            thresholds_from_params(params),
        )


def _annotate(record, call, reasons: list[str], normal: str | None, somatic) -> None:
    """FILTER and INFO of one judged call; ``somatic`` is delly's somatic table when the call
    passed ``delly filter -f somatic``."""
    record.filter.clear()
    for reason in reasons or ["PASS"]:
        record.filter.add(reason)
    record.info["TALT"] = call.tumour_alt
    record.info["TREF"] = call.tumour_ref
    if not normal:
        record.info["UNMATCHED"] = True
        return
    record.info["NALT"] = call.normal_alt
    record.info["NREF"] = call.normal_ref
    if not reasons:
        record.info["SOMATIC"] = True
    if somatic is not None and somatic[_key(record)] is not None:
        record.info["RDRATIO"] = somatic[_key(record)]


def _write_tsv(rows: list[dict], tsv_path: str) -> None:
    with open(tsv_path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=TSV_COLUMNS, delimiter="\t")
        writer.writeheader()
        writer.writerows(rows)


def thresholds_from_params(params: dict) -> SvThresholds:
    """SvThresholds from a rule's params mapping; unknown keys are an error, not ignored."""
    known = set(SvThresholds.__dataclass_fields__)
    unknown = set(params) - known
    if unknown:
        raise ValueError(f"unknown SV threshold(s): {', '.join(sorted(unknown))}")
    defaults = asdict(SvThresholds())
    return SvThresholds(**{k: type(defaults[k])(v) for k, v in params.items()})

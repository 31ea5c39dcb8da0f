"""Pileup-based paired somatic caller.

Input: ``bcftools mpileup -a FORMAT/AD,FORMAT/DP,FORMAT/ADF,FORMAT/ADR`` over the tumour and
(optionally) the matched normal. For every alternative allele the tumour and normal read
counts are compared with a one-sided Fisher exact test (is the allele enriched in the
tumour?), in the spirit of VarScan 2's somatic mode. Every candidate is written, with a FILTER
that says why a rejected one was rejected, and standard tumour/normal depth and allele-fraction
fields (FORMAT GT:DP:AD:AF; INFO TDP, TAF, NDP, NAF) that downstream reporters read as they are.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pysam

#: FILTER ids and their human-readable descriptions, in the order they are tested.
FILTERS = {
    "LowTumourDepth": "Tumour depth below min_tumour_depth",
    "LowNormalDepth": "Normal depth below min_normal_depth",
    "LowAltReads": "Fewer than min_tumour_alt_reads tumour reads support the allele",
    "LowTumourAF": "Tumour allele fraction below min_tumour_af",
    "NormalEvidence": "Normal allele fraction above max_normal_af (germline or contamination)",
    "NotEnriched": "Fisher exact p (tumour vs normal) above max_fisher_p",
    "StrandBias": "All tumour alt reads on one strand (with at least 6 alt reads)",
}


@dataclass(frozen=True)
class SomaticThresholds:
    min_tumour_depth: int = 10
    min_normal_depth: int = 8
    min_tumour_alt_reads: int = 4
    min_tumour_af: float = 0.03
    max_normal_af: float = 0.05
    max_fisher_p: float = 0.01


def _log_choose(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def fisher_greater(t_alt: int, t_ref: int, n_alt: int, n_ref: int) -> float:
    """One-sided Fisher exact p that the tumour alt fraction exceeds the normal's.

    >>> round(fisher_greater(10, 10, 0, 20), 6)
    0.000218
    >>> fisher_greater(0, 10, 0, 10)
    1.0
    """
    alt_total = t_alt + n_alt
    tumour_total = t_alt + t_ref
    total = tumour_total + n_alt + n_ref
    if alt_total == 0 or tumour_total == 0 or total == tumour_total:
        return 1.0
    denominator = _log_choose(total, tumour_total)
    p = 0.0
    for x in range(t_alt, min(alt_total, tumour_total) + 1):
        p += math.exp(
            _log_choose(alt_total, x)
            + _log_choose(total - alt_total, tumour_total - x)
            - denominator
        )
    return min(1.0, p)


@dataclass(frozen=True)
class AlleleCounts:
    depth: int
    ref: int
    alt: int
    alt_forward: int = 0
    alt_reverse: int = 0

    @property
    def af(self) -> float:
        return self.alt / self.depth if self.depth else 0.0


def judge(
    tumour: AlleleCounts, normal: AlleleCounts | None, thresholds: SomaticThresholds
) -> tuple[list[str], float]:
    """Return the FILTER reasons (empty = PASS) and the Fisher p for one candidate allele."""
    reasons = []
    if tumour.depth < thresholds.min_tumour_depth:
        reasons.append("LowTumourDepth")
    if normal is not None and normal.depth < thresholds.min_normal_depth:
        reasons.append("LowNormalDepth")
    if tumour.alt < thresholds.min_tumour_alt_reads:
        reasons.append("LowAltReads")
    if tumour.af < thresholds.min_tumour_af:
        reasons.append("LowTumourAF")
    p = 1.0
    if normal is not None:
        if normal.af > thresholds.max_normal_af:
            reasons.append("NormalEvidence")
        p = fisher_greater(tumour.alt, tumour.ref, normal.alt, normal.ref)
        if p > thresholds.max_fisher_p:
            reasons.append("NotEnriched")
    if tumour.alt >= 6 and min(tumour.alt_forward, tumour.alt_reverse) == 0:
        reasons.append("StrandBias")
    return reasons, p


def _counts(record, sample: str, allele: int) -> AlleleCounts:
    fmt = record.samples[sample]
    ad = [x or 0 for x in fmt["AD"]]
    adf = [x or 0 for x in fmt.get("ADF", [0] * len(ad))] if "ADF" in record.format else None
    adr = [x or 0 for x in fmt.get("ADR", [0] * len(ad))] if "ADR" in record.format else None
    # Depth as the sum of allele counts: mpileup's FORMAT/DP also counts filtered bases.
    return AlleleCounts(
        depth=sum(ad),
        ref=ad[0],
        alt=ad[allele],
        alt_forward=adf[allele] if adf else 0,
        alt_reverse=adr[allele] if adr else 0,
    )


def _header(
    template: pysam.VariantHeader, tumour: str, normal: str | None, source: str
) -> pysam.VariantHeader:
    header = pysam.VariantHeader()
    for contig in template.contigs.values():
        header.contigs.add(contig.name, length=contig.length)
    header.add_line(f"##source={source}")
    for fid, desc in FILTERS.items():
        header.filters.add(fid, None, None, desc)
    infos = [
        ("TDP", 1, "Integer", "Tumour read depth (sum of allele counts)"),
        ("TAF", 1, "Float", "Tumour allele fraction of ALT"),
        ("NDP", 1, "Integer", "Normal read depth (sum of allele counts)"),
        ("NAF", 1, "Float", "Normal allele fraction of ALT"),
        ("FISHER_P", 1, "Float", "One-sided Fisher exact p, ALT enriched in tumour vs normal"),
        ("SOMATIC", 0, "Flag", "Candidate somatic variant"),
        ("UNMATCHED", 0, "Flag", "Tumour-only call: no matched normal was available"),
        ("METHODS", ".", "String", "Somatic calling methods supporting the call"),
        ("INDEL", 0, "Flag", "Indel"),
    ]
    for iid, number, vtype, desc in infos:
        header.info.add(iid, number, vtype, desc)
    formats = [
        ("GT", 1, "String", "Genotype"),
        ("DP", 1, "Integer", "Read depth (sum of allele counts)"),
        ("AD", "R", "Integer", "Allelic depths for the REF and ALT alleles"),
        ("AF", "A", "Float", "Allele fraction of ALT"),
    ]
    for fid, number, vtype, desc in formats:
        header.formats.add(fid, number, vtype, desc)
    header.add_sample(tumour)
    if normal:
        header.add_sample(normal)
    return header


def call_somatic(
    pileup_path: str,
    out_path: str,
    tumour: str,
    normal: str | None,
    thresholds: SomaticThresholds,
    method: str = "pileup_fisher",
) -> dict[str, int]:
    """Score every ALT allele of an mpileup BCF/VCF and write the somatic VCF (bgzipped).

    Returns counts: candidates written and PASS calls.
    """
    counts = {"candidates": 0, "pass": 0}
    with pysam.VariantFile(pileup_path) as pileup:
        header = _header(pileup.header, tumour, normal, f"icope.somatic:{method}")
        with pysam.VariantFile(out_path, "wz", header=header) as out:
            for record in pileup:
                for allele_index, alt in enumerate(record.alts or (), start=1):
                    if alt.startswith("<"):
                        continue
                    t = _counts(record, tumour, allele_index)
                    if t.alt == 0:
                        continue
                    n = _counts(record, normal, allele_index) if normal else None
                    reasons, p = judge(t, n, thresholds)
                    new = out.new_record(
                        contig=record.contig,
                        start=record.start,
                        alleles=(record.ref, alt),
                        filter=reasons or ["PASS"],
                    )
                    new.info["TDP"] = t.depth
                    new.info["TAF"] = round(t.af, 4)
                    new.info["METHODS"] = (method,)
                    if "INDEL" in record.info and record.info["INDEL"]:
                        new.info["INDEL"] = True
                    if n is not None:
                        new.info["NDP"] = n.depth
                        new.info["NAF"] = round(n.af, 4)
                        new.info["FISHER_P"] = float(f"{p:.3g}")
                        new.info["SOMATIC"] = True
                    else:
                        new.info["UNMATCHED"] = True
                    for name, c, gt in ((tumour, t, (0, 1)), (normal, n, (0, 0))):
                        if c is None:
                            continue
                        new.samples[name]["GT"] = gt
                        new.samples[name]["DP"] = c.depth
                        new.samples[name]["AD"] = (c.ref, c.alt)
                        new.samples[name]["AF"] = (round(c.af, 4),)
                    out.write(new)
                    counts["candidates"] += 1
                    counts["pass"] += not reasons
    return counts

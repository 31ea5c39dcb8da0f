"""Paired somatic SNV/indel calling: two methods and their consensus.

Both methods score each candidate allele with the same likelihood model, in the spirit of
MuTect: a tumour log-odds (TLOD) that the allele is present in the tumour at its observed
fraction rather than being sequencing error, and a normal log-odds (NLOD) that the normal is
homozygous reference rather than heterozygous (i.e. that the allele is not germline). They
differ in how candidates and read counts are obtained:

``pileup``
    ``bcftools mpileup`` allele counts of tumour and normal (per-base, no local realignment
    beyond BAQ) per strand (ADF/ADR), the tumour alt reads' base qualities (FORMAT/QS), and
    from INFO/I16 the alt reads' mapping quality and distance to the read ends.
``freebayes``
    ``freebayes`` called jointly on tumour and normal as pooled samples (haplotype-based
    candidates, so indels and complex alleles are realigned; the approach bcbio-nextgen used),
    per-sample allele observations AO/RO, the alt base qualities (QA/AO), strand (SAF/SAR,
    SRF/SRR) and mapping quality (MQM) of the alt observations.

Each allele's error rate comes from the base and mapping qualities of the reads that carry it
(:mod:`icope.somatic.evidence`), never below the config's ``error_rate``.

Every candidate is written with a FILTER that says why a rejected one was rejected, and
standard fields downstream reporters read as they are: FORMAT GT:DP:AD:AF per sample and INFO
TDP, TAF, NDP, NAF. :func:`consensus` merges the methods' calls, records which methods called
and which passed each allele, and adds the filters that need the whole call set or an
external resource (near an indel, population allele frequency).
"""

from __future__ import annotations

import gc
import math
import multiprocessing
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path

import pysam

from icope.somatic import pon as panel
from icope.somatic.evidence import (
    OrientationCounts,
    ReadEnds,
    StrandCounts,
    allele_error,
    error_alone_p,
    orientation_counts,
    orientation_prone,
    phred_to_error,
)

#: FILTER ids and their human-readable descriptions.
FILTERS = {
    "LowTumourDepth": "Tumour depth below min_tumour_depth",
    "LowNormalDepth": "Normal depth below min_normal_depth",
    "LowAltReads": "Fewer tumour alt reads than min_tumour_alt_reads (or min_alt_reads_per_100x "
    "per 100 reads of depth, if more), or than sequencing error alone reaches at this depth "
    "with probability max_error_p",
    "LowTumourAF": "Tumour allele fraction below min_tumour_af",
    "NormalEvidence": "Normal allele fraction above max_normal_af (germline or contamination), "
    "more alt reads than sequencing error gives with probability normal_error_p",
    "LowTLOD": "Tumour log-odds (allele vs sequencing error) below min_tlod",
    "GermlineRisk": "Normal log-odds (hom-ref vs het) below min_nlod: normal too thin to "
    "exclude a germline variant",
    "StrandBias": "Tumour alt reads on one strand: binomial p of their forward/reverse split "
    "(vs the ref reads') below strand_bias_p and at most strand_bias_minor_fraction on the "
    "other strand",
    "ReadEndBias": "Alt bases nearer the read ends than the ref bases: mean distance more than "
    "read_end_z standard errors below the ref reads' (read_end_z_one_strand when the alt reads "
    "are on one strand; pileup only)",
    "OrientationBias": "C>A/G>T or C>T/G>A alt reads in one pair orientation (F1R2 vs F2R1; "
    "oxoG / FFPE-style artefact): binomial p of their split (vs the ref reads') below "
    "orientation_bias_p and at most orientation_bias_minor_fraction in the other orientation",
    "PanelOfNormals": "Site with alt reads in at least pon.min_normals normals of the panel of "
    "normals (recurrent artefact or unfiltered germline site)",
    "LowMapQ": "Mean mapping quality of the alt reads below min_mapq",
    "NearIndel": "SNV within near_indel_bp of an indel candidate",
    "PopulationAF": "Population allele frequency (gnomAD) above max_population_af",
    "SingleMethod": "Passed by fewer than min_methods calling methods",
}

SOMATIC_INFO = [
    ("TDP", 1, "Integer", "Tumour read depth (ref + alt reads)"),
    ("TAF", 1, "Float", "Tumour allele fraction of ALT"),
    ("NDP", 1, "Integer", "Normal read depth (ref + alt reads)"),
    ("NAF", 1, "Float", "Normal allele fraction of ALT"),
    ("TLOD", 1, "Float", "Tumour log10 odds: ALT at observed fraction vs sequencing error"),
    ("NLOD", 1, "Float", "Normal log10 odds: homozygous reference vs heterozygous"),
    ("FISHER_P", 1, "Float", "One-sided Fisher exact p, ALT enriched in tumour vs normal"),
    ("ALT_MQ", 1, "Float", "Mean mapping quality of reads supporting ALT"),
    ("ALT_BQ", 1, "Float", "Mean base quality of the tumour reads supporting ALT"),
    ("ERROR", 1, "Float", "Per-read error rate of the ALT reads used by TLOD/NLOD"),
    ("STRAND_P", 1, "Float", "Binomial p of the tumour ALT reads' strand split"),
    ("READ_END_Z", 1, "Float", "ALT vs REF mean distance to the read ends, in standard errors"),
    ("ORIENTATION_P", 1, "Float", "Binomial p of the tumour ALT reads' F1R2/F2R1 split"),
    ("F1R2", 2, "Integer", "Tumour REF and ALT reads in F1R2 orientation"),
    ("F2R1", 2, "Integer", "Tumour REF and ALT reads in F2R1 orientation"),
    ("PON_NORMALS", 1, "Integer", "Normals of the panel of normals with alt reads at the site"),
    ("SOMATIC", 0, "Flag", "Somatic candidate from a tumour/normal pair"),
    ("UNMATCHED", 0, "Flag", "Tumour-only call: no matched normal was used"),
    ("METHODS", ".", "String", "Somatic calling methods that reported the allele"),
    ("PASS_METHODS", ".", "String", "Methods whose own filters the allele passed"),
    ("POP_AF", 1, "Float", "Population allele frequency used by the PopulationAF filter"),
    ("INDEL", 0, "Flag", "Indel"),
]
#: The statistics of a method's call that the consensus carries over.
METHOD_STATS = ("TLOD", "NLOD", "FISHER_P", "ERROR", "STRAND_P", "READ_END_Z", "ORIENTATION_P")
METHOD_STATS += ("F1R2", "F2R1")

FORMATS = [
    ("GT", 1, "String", "Genotype"),
    ("DP", 1, "Integer", "Read depth (ref + alt reads)"),
    ("AD", "R", "Integer", "Allelic depths for the REF and ALT alleles"),
    ("AF", "A", "Float", "Allele fraction of ALT"),
]


@dataclass(frozen=True)
class SomaticThresholds:
    min_tumour_depth: int = 10
    min_normal_depth: int = 8
    min_tumour_alt_reads: int = 4
    min_alt_reads_per_100x: float = 1.0
    min_tumour_af: float = 0.03
    max_normal_af: float = 0.05
    normal_error_p: float = 0.01
    min_tlod: float = 6.3
    min_nlod: float = 2.2
    error_rate: float = 0.001
    max_error_p: float = 1e-5
    strand_bias_p: float = 0.01
    strand_bias_minor_fraction: float = 0.05
    read_end_z: float = 4.0
    read_end_z_one_strand: float = 2.5
    orientation_bias_p: float = 0.05
    orientation_bias_minor_fraction: float = 0.1
    min_mapq: float = 30.0
    near_indel_bp: int = 10
    max_population_af: float = 0.001
    min_methods: int = 1

    @classmethod
    def from_config(cls, settings: dict) -> SomaticThresholds:
        known = cls.__dataclass_fields__
        return cls(**{k: v for k, v in settings.items() if k in known})


# --- statistics ---------------------------------------------------------------------------


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


def allele_log_likelihood(alt: int, ref: int, fraction: float, error: float) -> float:
    """log10 P(reads | allele fraction), each read wrong with probability ``error``."""
    p_alt = fraction * (1 - error) + (1 - fraction) * error / 3
    p_ref = fraction * error / 3 + (1 - fraction) * (1 - error)
    return alt * math.log10(p_alt) + ref * math.log10(p_ref)


def tumour_lod(alt: int, ref: int, error: float) -> float:
    """log10 odds that the allele is present at its observed fraction vs absent (error only).

    >>> round(tumour_lod(6, 54, 0.001), 2)
    12.4
    >>> tumour_lod(0, 60, 0.001)
    0.0
    """
    if alt == 0:
        return 0.0
    fraction = alt / (alt + ref)
    return allele_log_likelihood(alt, ref, fraction, error) - allele_log_likelihood(
        alt, ref, 0.0, error
    )


def normal_lod(alt: int, ref: int, error: float) -> float:
    """log10 odds that the normal is homozygous reference rather than heterozygous.

    >>> round(normal_lod(0, 30, 0.001), 2)
    9.03
    """
    return allele_log_likelihood(alt, ref, 0.0, error) - allele_log_likelihood(alt, ref, 0.5, error)


# --- candidates -----------------------------------------------------------------------------


@dataclass(frozen=True)
class AlleleCounts:
    ref: int
    alt: int
    alt_forward: int | None = None
    alt_reverse: int | None = None
    ref_forward: int | None = None
    ref_reverse: int | None = None

    @property
    def strands(self) -> StrandCounts | None:
        """Alt and ref reads per strand, None when the caller did not report the alt reads'
        (ref reads without strands count as half on each)."""
        if self.alt_forward is None or self.alt_reverse is None:
            return None
        ref_forward, ref_reverse = self.ref_forward, self.ref_reverse
        if ref_forward is None or ref_reverse is None:
            ref_forward = ref_reverse = self.ref // 2
        return StrandCounts(ref_forward, ref_reverse, self.alt_forward, self.alt_reverse)

    @property
    def depth(self) -> int:
        return self.ref + self.alt

    @property
    def af(self) -> float:
        return self.alt / self.depth if self.depth else 0.0


@dataclass
class Candidate:
    """One ALT allele at one site with tumour (and normal) read counts."""

    chrom: str
    pos: int  # 1-based
    ref: str
    alt: str
    tumour: AlleleCounts
    normal: AlleleCounts | None
    alt_mapq: float | None = None
    error: float = 0.001  # per-base error of the alt reads' base calls (their base qualities)
    reasons: list[str] = field(default_factory=list)
    stats: dict[str, float] = field(default_factory=dict)
    alt_base_quality: float | None = None
    read_ends: ReadEnds | None = None
    orientation: OrientationCounts | None = None

    @property
    def key(self) -> tuple[str, int, str, str]:
        return (self.chrom, self.pos, self.ref, self.alt)

    @property
    def is_indel(self) -> bool:
        return len(self.ref) != len(self.alt)


def min_alt_reads(depth: int, thresholds: SomaticThresholds) -> int:
    """Alt reads a tumour allele needs at ``depth``: ``min_tumour_alt_reads``, or
    ``min_alt_reads_per_100x`` per 100 reads when that is more (site-specific errors and
    mismapped reads grow with depth, and their base qualities do not show it).

    >>> t = SomaticThresholds(min_tumour_alt_reads=3, min_alt_reads_per_100x=1.0)
    >>> min_alt_reads(60, t), min_alt_reads(450, t), min_alt_reads(1000, t)
    (3, 5, 10)
    """
    return max(
        thresholds.min_tumour_alt_reads, math.ceil(thresholds.min_alt_reads_per_100x * depth / 100)
    )


def _tumour_reasons(t: AlleleCounts, thresholds: SomaticThresholds, error: float) -> list[str]:
    reasons = []
    if t.depth < thresholds.min_tumour_depth:
        reasons.append("LowTumourDepth")
    if (
        t.alt < min_alt_reads(t.depth, thresholds)
        or error_alone_p(t.alt, t.depth, error) >= thresholds.max_error_p
    ):
        reasons.append("LowAltReads")
    if t.af < thresholds.min_tumour_af:
        reasons.append("LowTumourAF")
    return reasons


def _normal_reasons(
    t: AlleleCounts, n: AlleleCounts, thresholds: SomaticThresholds, error: float
) -> tuple[list[str], dict[str, float]]:
    """FILTER reasons from the matched normal, and its statistics (NLOD, FISHER_P)."""
    reasons = []
    if n.depth < thresholds.min_normal_depth:
        reasons.append("LowNormalDepth")
    if (
        n.af > thresholds.max_normal_af
        and error_alone_p(n.alt, n.depth, error) < thresholds.normal_error_p
    ):
        reasons.append("NormalEvidence")
    nlod = normal_lod(n.alt, n.ref, error)
    if nlod < thresholds.min_nlod:
        reasons.append("GermlineRisk")
    stats = {
        "NLOD": round(nlod, 2),
        "FISHER_P": float(f"{fisher_greater(t.alt, t.ref, n.alt, n.ref):.3g}"),
    }
    return reasons, stats


def _strand_bias(strands: StrandCounts | None, thresholds: SomaticThresholds):
    """``(StrandBias?, alt reads on one strand?, p)``; p is None without strand counts."""
    if strands is None:
        return False, False, None
    p = strands.bias_p()
    one_strand = strands.minor_fraction <= thresholds.strand_bias_minor_fraction
    return one_strand and p < thresholds.strand_bias_p, one_strand, p


def _artefact_reasons(
    candidate: Candidate, thresholds: SomaticThresholds
) -> tuple[list[str], dict[str, float]]:
    """Strand, read-end and mapping-quality filters, and the statistics behind them.

    A few alt reads on one strand are common by chance (3 reads: 1 in 4), and so are a few
    near the read ends; both together are not, so alt reads on one strand need less read-end
    evidence (``read_end_z_one_strand``) than alt reads on both (``read_end_z``).
    """
    reasons, stats = [], {}
    strand_bias, one_strand, p = _strand_bias(candidate.tumour.strands, thresholds)
    if p is not None:
        stats["STRAND_P"] = float(f"{p:.3g}")
    if strand_bias:
        reasons.append("StrandBias")
    z = candidate.read_ends.z() if candidate.read_ends is not None else None
    if z is not None:
        stats["READ_END_Z"] = round(z, 2)
        bar = thresholds.read_end_z_one_strand if one_strand else thresholds.read_end_z
        if z < -bar:
            reasons.append("ReadEndBias")
    if candidate.alt_mapq is not None and candidate.alt_mapq < thresholds.min_mapq:
        reasons.append("LowMapQ")
    orientation_reasons, orientation_stats = _orientation_bias(candidate, thresholds)
    return reasons + orientation_reasons, stats | orientation_stats


def _orientation_bias(
    candidate: Candidate, thresholds: SomaticThresholds
) -> tuple[list[str], dict]:
    """OrientationBias of a C>A/G>T or C>T/G>A SNV with F1R2/F2R1 counts, and its statistics."""
    counts = candidate.orientation
    if counts is None:
        return [], {}
    p = counts.bias_p()
    stats = {
        "ORIENTATION_P": float(f"{p:.3g}"),
        "F1R2": (counts.ref_f1r2, counts.alt_f1r2),
        "F2R1": (counts.ref_f2r1, counts.alt_f2r1),
    }
    biased = (
        p < thresholds.orientation_bias_p
        and counts.minor_fraction <= thresholds.orientation_bias_minor_fraction
    )
    return ["OrientationBias"] if biased else [], stats


def candidate_error(candidate: Candidate, thresholds: SomaticThresholds) -> float:
    """Error rate of the candidate's alt reads: base calls and mapping, floored."""
    return allele_error(candidate.error, candidate.alt_mapq, thresholds.error_rate)


def judge(candidate: Candidate, thresholds: SomaticThresholds) -> list[str]:
    """Set and return the FILTER reasons (empty = PASS) and the statistics of a candidate."""
    t, n = candidate.tumour, candidate.normal
    error = candidate_error(candidate, thresholds)
    reasons = _tumour_reasons(t, thresholds, error)
    tlod = tumour_lod(t.alt, t.ref, error)
    if tlod < thresholds.min_tlod:
        reasons.append("LowTLOD")
    stats = {"TLOD": round(tlod, 2), "ERROR": float(f"{error:.3g}")}
    if n is not None:
        normal_reasons, normal_stats = _normal_reasons(t, n, thresholds, error)
        reasons += normal_reasons
        stats |= normal_stats
    artefact_reasons, artefact_stats = _artefact_reasons(candidate, thresholds)
    candidate.reasons, candidate.stats = reasons + artefact_reasons, stats | artefact_stats
    return candidate.reasons


def _ints(values) -> list[int]:
    return [0 if v is None else int(v) for v in values]


def _pileup_tumour(fmt, index: int) -> tuple[AlleleCounts, float | None]:
    """Tumour allele counts per strand and the alt reads' mean base quality (FORMAT/QS)."""
    ad, adf, adr = _ints(fmt["AD"]), _ints(fmt["ADF"]), _ints(fmt["ADR"])
    counts = AlleleCounts(ad[0], ad[index], adf[index], adr[index], adf[0], adr[0])
    qs = fmt.get("QS")
    known = qs is not None and qs[index] is not None and ad[index] > 0
    return counts, qs[index] / ad[index] if known else None


def _pileup_i16(record) -> tuple[float | None, ReadEnds | None]:
    """Alt reads' mean mapping quality and read-end distances from INFO/I16.

    I16 sums all non-reference reads of both samples: exact when the site has a single real
    ALT (mpileup always adds the symbolic <*>) and the normal has no alt reads to speak of.
    """
    i16 = record.info.get("I16")
    real_alts = [a for a in record.alts if not a.startswith("<")]
    if i16 is None or len(real_alts) != 1 or i16[2] + i16[3] == 0:
        return None, None
    return i16[10] / (i16[2] + i16[3]), ReadEnds.from_i16(i16)


def pileup_candidates(path: str, tumour: str, normal: str | None) -> Iterator[Candidate]:
    """Candidates from ``bcftools mpileup -a FORMAT/AD,FORMAT/ADF,FORMAT/ADR,FORMAT/QS``
    output (without QS the base-quality error falls back to the config's floor)."""
    with pysam.VariantFile(path) as pileup:
        for record in pileup:
            for index, alt in enumerate(record.alts or (), start=1):
                if alt.startswith("<"):
                    continue
                t, quality = _pileup_tumour(record.samples[tumour], index)
                if t.alt == 0:
                    continue
                n = None
                if normal:
                    n_ad = _ints(record.samples[normal]["AD"])
                    n = AlleleCounts(n_ad[0], n_ad[index])
                mapq, read_ends = _pileup_i16(record)
                error = phred_to_error(quality) if quality is not None else 0.0
                yield Candidate(
                    record.contig,
                    record.pos,
                    record.ref,
                    alt,
                    t,
                    n,
                    mapq,
                    error,
                    alt_base_quality=quality,
                    read_ends=read_ends,
                )


def _first(record, key: str):
    """First value of an INFO field, None when absent or not declared."""
    if key not in record.header.info:
        return None
    value = record.info.get(key)
    return value[0] if isinstance(value, tuple) else value


def freebayes_candidates(path: str, tumour: str, normal: str | None) -> Iterator[Candidate]:
    """Candidates from joint tumour/normal freebayes output split with ``bcftools norm -m -``.

    The base-call error is taken from the tumour's alt base qualities (QA/AO).
    """
    with pysam.VariantFile(path) as calls:
        for record in calls:
            alt = record.alts[0] if record.alts else None
            if alt is None or alt.startswith("<") or alt == "*":
                continue
            fmt = record.samples[tumour]
            ro, ao = int(fmt["RO"] or 0), int((fmt["AO"] or (0,))[0] or 0)
            if ao == 0:
                continue
            qa = (fmt.get("QA") or (None,))[0]
            quality = qa / ao if qa else None
            n = None
            if normal:
                nf = record.samples[normal]
                n = AlleleCounts(int(nf["RO"] or 0), int((nf["AO"] or (0,))[0] or 0))
            # SAF/SAR (and SRF/SRR) are summed over both samples; with the normal's alt reads
            # near zero for somatic candidates they describe the tumour's alt reads.
            strands = [_first(record, k) for k in ("SAF", "SAR", "SRF", "SRR")]
            t = AlleleCounts(ro, ao, *strands)
            yield Candidate(
                record.contig,
                record.pos,
                record.ref,
                alt,
                t,
                n,
                _first(record, "MQM"),
                phred_to_error(quality) if quality is not None else 0.0,
                alt_base_quality=quality,
            )


# --- writing ---------------------------------------------------------------------------------


def somatic_header(
    contigs, tumour: str, normal: str | None, source: str, extra_lines: list[str] = ()
) -> pysam.VariantHeader:
    header = pysam.VariantHeader()
    for name, length in contigs:
        header.contigs.add(name, length=length)
    header.add_line(f"##source={source}")
    for line in extra_lines:
        header.add_line(line)
    for fid, desc in FILTERS.items():
        header.filters.add(fid, None, None, desc)
    for iid, number, vtype, desc in SOMATIC_INFO:
        header.info.add(iid, number, vtype, desc)
    for fid, number, vtype, desc in FORMATS:
        header.formats.add(fid, number, vtype, desc)
    header.add_sample(tumour)
    if normal:
        header.add_sample(normal)
    return header


def _write(
    out,
    candidate: Candidate,
    tumour: str,
    normal: str | None,
    methods: list[str],
    passed: list[str],
    extra_info: dict | None = None,
) -> None:
    record = out.new_record(
        contig=candidate.chrom,
        start=candidate.pos - 1,
        alleles=(candidate.ref, candidate.alt),
        filter=candidate.reasons or ["PASS"],
    )
    t, n = candidate.tumour, candidate.normal
    record.info["TDP"] = t.depth
    record.info["TAF"] = round(t.af, 4)
    record.info["METHODS"] = tuple(methods)
    if passed:
        record.info["PASS_METHODS"] = tuple(passed)
    if candidate.alt_mapq is not None:
        record.info["ALT_MQ"] = round(float(candidate.alt_mapq), 1)
    if candidate.alt_base_quality is not None:
        record.info["ALT_BQ"] = round(float(candidate.alt_base_quality), 1)
    if candidate.is_indel:
        record.info["INDEL"] = True
    for key, value in candidate.stats.items():
        record.info[key] = value
    if n is not None:
        record.info["NDP"] = n.depth
        record.info["NAF"] = round(n.af, 4)
        record.info["SOMATIC"] = True
    else:
        record.info["UNMATCHED"] = True
    for key, value in (extra_info or {}).items():
        record.info[key] = value
    for name, counts, gt in ((tumour, t, (0, 1)), (normal, n, (0, 0))):
        if counts is None or name is None:
            continue
        record.samples[name]["GT"] = gt
        record.samples[name]["DP"] = counts.depth
        record.samples[name]["AD"] = (counts.ref, counts.alt)
        record.samples[name]["AF"] = (round(counts.af, 4),)
    out.write(record)


def _contigs(path: str) -> list[tuple[str, int]]:
    """``(name, length)`` of the contigs in a VCF header, in header order."""
    with pysam.VariantFile(path) as template:
        return [(c.name, c.length) for c in template.header.contigs.values()]


@dataclass(frozen=True)
class TumourReads:
    """The tumour's alignments, read at candidates for what the callers do not report (pair
    orientation), with the calling's base and mapping quality cuts."""

    path: str
    reference: str | None = None
    min_base_quality: int = 20
    min_mapq: int = 20

    def open(self) -> pysam.AlignmentFile:
        return pysam.AlignmentFile(self.path, reference_filename=self.reference)


#: Orientation sites a worker reads in one go (add_orientation with several workers).
ORIENTATION_BATCH = 5000


def _needs_orientation(candidate: Candidate, min_alt: int) -> bool:
    return (
        not candidate.is_indel
        and len(candidate.ref) == 1
        and orientation_prone(candidate.ref, candidate.alt)
        and candidate.tumour.alt >= min_alt
    )


def _orientation_batch(
    reads: TumourReads, sites: list[tuple[str, int, str, str]]
) -> list[OrientationCounts]:
    """The F1R2/F2R1 counts of ``sites`` (chrom, 1-based pos, ref, alt), in order."""
    with reads.open() as alignments:
        return [
            orientation_counts(
                alignments, chrom, pos, ref, alt, reads.min_base_quality, reads.min_mapq
            )
            for chrom, pos, ref, alt in sites
        ]


def add_orientation(
    candidates: list[Candidate], reads: TumourReads | None, min_alt: int = 2, workers: int = 1
) -> list[Candidate]:
    """The candidates, the C>A/G>T and C>T/G>A SNVs with at least ``min_alt`` alt reads given
    their F1R2/F2R1 counts from ``reads`` (all unchanged without reads). With ``workers`` > 1
    the sites are read in batches by that many processes (forked: call it before any output
    file is open); the counts are the same as one process reads."""
    if reads is None:
        return candidates
    needing = [c for c in candidates if _needs_orientation(c, min_alt)]
    sites = [(c.chrom, c.pos, c.ref, c.alt) for c in needing]
    batches = [sites[i : i + ORIENTATION_BATCH] for i in range(0, len(sites), ORIENTATION_BATCH)]
    if workers <= 1 or len(batches) <= 1:
        counts = [n for batch in batches for n in _orientation_batch(reads, batch)]
    else:
        # The forked workers share the parent's candidates (millions on a WGS tumour) copy on
        # write; frozen, the garbage collector of a worker does not touch (and copy) them.
        gc.freeze()
        try:
            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
                counts = [
                    n for done in pool.map(_orientation_batch, repeat(reads), batches) for n in done
                ]
        finally:
            gc.unfreeze()
    for candidate, orientation in zip(needing, counts, strict=True):
        candidate.orientation = orientation
    return candidates


def call_method(
    method: str,
    input_path: str,
    out_path: str,
    tumour: str,
    normal: str | None,
    thresholds: SomaticThresholds,
    reads: TumourReads | None = None,
    workers: int = 1,
) -> dict[str, int]:
    """Score one method's candidates and write its somatic VCF (bgzipped). Returns counts.

    With ``reads`` (the tumour's alignments) C>A/G>T and C>T/G>A SNVs get the OrientationBias
    test, their reads read by ``workers`` processes."""
    reader = {"pileup": pileup_candidates, "freebayes": freebayes_candidates}[method]
    contigs = _contigs(input_path)
    header = somatic_header(contigs, tumour, normal, f"icope.somatic:{method}")
    order = {name: i for i, (name, _) in enumerate(contigs)}
    counts = {"candidates": 0, "pass": 0}
    candidates = sorted(
        reader(input_path, tumour, normal), key=lambda c: (order[c.chrom], c.pos, c.ref, c.alt)
    )
    candidates = add_orientation(candidates, reads, workers=workers)
    with pysam.VariantFile(out_path, "wz", header=header) as out:
        for candidate in candidates:
            judge(candidate, thresholds)
            passed = [] if candidate.reasons else [method]
            _write(out, candidate, tumour, normal, [method], passed)
            counts["candidates"] += 1
            counts["pass"] += not candidate.reasons
    return counts


# --- consensus -------------------------------------------------------------------------------


def _read_method_calls(path: str, tumour: str, normal: str | None) -> dict[tuple, Candidate]:
    calls = {}
    with pysam.VariantFile(path) as vcf:
        for record in vcf:
            t_ad = record.samples[tumour]["AD"]
            t = AlleleCounts(int(t_ad[0]), int(t_ad[1]))
            n = None
            if normal:
                n_ad = record.samples[normal]["AD"]
                n = AlleleCounts(int(n_ad[0]), int(n_ad[1]))
            reasons = [f for f in record.filter if f != "PASS"]
            stats = {k: record.info[k] for k in METHOD_STATS if k in record.info}
            candidate = Candidate(
                record.contig,
                record.pos,
                record.ref,
                record.alts[0],
                t,
                n,
                record.info.get("ALT_MQ"),
                reasons=reasons,
                stats=stats,
                alt_base_quality=record.info.get("ALT_BQ"),
            )
            calls[candidate.key] = candidate
    return calls


def population_af(vcf: pysam.VariantFile | None, candidate: Candidate, field: str = "AF"):
    """Allele frequency of the same allele in a population VCF, None when absent."""
    if vcf is None:
        return None
    try:
        records = vcf.fetch(candidate.chrom, candidate.pos - 1, candidate.pos)
    except ValueError:
        return None
    for record in records:
        if record.pos != candidate.pos or record.ref != candidate.ref:
            continue
        for index, alt in enumerate(record.alts or ()):
            if alt == candidate.alt:
                value = record.info.get(field)
                if isinstance(value, tuple):
                    value = value[index] if index < len(value) else None
                return None if value is None else float(value)
    return None


def _indel_sites(per_method: dict[str, dict[tuple, Candidate]]) -> list[tuple[str, int, int]]:
    """Spans of the indel candidates with some support, for the NearIndel filter."""
    return [
        (c.chrom, c.pos, c.pos + len(c.ref))
        for calls in per_method.values()
        for c in calls.values()
        if c.is_indel and (c.tumour.alt >= 3 or (c.normal is not None and c.normal.alt >= 2))
    ]


def _near_indel(candidate: Candidate, indel_sites: list[tuple[str, int, int]], bp: int) -> bool:
    return not candidate.is_indel and any(
        chrom == candidate.chrom and start - bp <= candidate.pos <= end + bp
        for chrom, start, end in indel_sites
    )


def _open_population(population_vcf: str | None) -> pysam.VariantFile | None:
    if population_vcf and not any(
        Path(f"{population_vcf}.{ext}").exists() for ext in ("tbi", "csi")
    ):
        raise ValueError(f"{population_vcf}: population VCF needs a tabix (.tbi/.csi) index")
    return pysam.VariantFile(population_vcf) if population_vcf else None


def _method_votes(per_method: dict, key: tuple, thresholds: SomaticThresholds):
    """``(reporting methods, passing methods, base call, reasons)`` of one allele: the read
    counts come from the first reporting method; below ``min_methods`` passes the methods'
    reasons are merged (plus SingleMethod when one method passed it)."""
    reporting = [m for m in per_method if key in per_method[m]]
    passed = [m for m in reporting if not per_method[m][key].reasons]
    base = per_method[reporting[0]][key]
    if len(passed) >= thresholds.min_methods:
        return reporting, passed, base, []
    reasons = sorted({r for m in reporting for r in per_method[m][key].reasons})
    if passed:
        reasons.append("SingleMethod")
    return reporting, passed, base, reasons


def _population_check(population, base: Candidate, field: str, max_af: float):
    """``(extra INFO, reasons)`` from the allele's population frequency."""
    pop_af = population_af(population, base, field)
    if pop_af is None:
        return {}, []
    return {"POP_AF": float(f"{pop_af:.4g}")}, ["PopulationAF"] if pop_af > max_af else []


def _resource_checks(population, pon, base: Candidate, field: str, max_af: float):
    """``(extra INFO, reasons)`` from the population frequencies and the panel of normals."""
    extra, reasons = _population_check(population, base, field, max_af)
    pon_extra, pon_reasons = _pon_check(pon, base)
    return extra | pon_extra, reasons + pon_reasons


def _pon_check(pon, base: Candidate) -> tuple[dict, list[str]]:
    """``(extra INFO, reasons)`` from the panel of normals."""
    normals = panel.panel_normals(pon, base.chrom, base.pos, base.ref, base.alt)
    if normals is None:
        return {}, []
    return {"PON_NORMALS": normals}, ["PanelOfNormals"]


def _open_pon(pon_vcf: str | None) -> tuple[pysam.VariantFile | None, list[str]]:
    """The panel of normals (indexed) and the header lines that name its version."""
    if not pon_vcf:
        return None, []
    if not any(Path(f"{pon_vcf}.{ext}").exists() for ext in ("tbi", "csi")):
        raise ValueError(f"{pon_vcf}: panel of normals needs a tabix (.tbi/.csi) index")
    vcf = pysam.VariantFile(pon_vcf)
    version = panel.panel_version(vcf)
    lines = [f"##icope_pon_file={Path(pon_vcf).name}"]
    lines += [f"##{key}={value}" for key, value in version.items()]
    return vcf, lines


def consensus(
    method_vcfs: dict[str, str],
    out_path: str,
    tumour: str,
    normal: str | None,
    thresholds: SomaticThresholds,
    population_vcf: str | None = None,
    population_field: str = "AF",
    pon_vcf: str | None = None,
) -> dict[str, int]:
    """Merge the methods' calls into one somatic VCF.

    An allele passes when at least ``min_methods`` methods passed it and it is neither near an
    indel candidate nor common in the population nor in the panel of normals (``pon_vcf``,
    whose version the header records); read counts come from the first method (in the given
    order) that reported it. Tumour-only calls (no normal) are marked UNMATCHED and filtered
    by population frequency (and the panel) only, which is how likely germline variants are
    removed.
    """
    per_method = {m: _read_method_calls(p, tumour, normal) for m, p in method_vcfs.items()}
    indel_sites = _indel_sites(per_method)
    contigs = _contigs(next(iter(method_vcfs.values())))
    order = {name: i for i, (name, _) in enumerate(contigs)}
    keys = sorted(
        {k for calls in per_method.values() for k in calls},
        key=lambda k: (order.get(k[0], len(order)), k[1], k[2], k[3]),
    )
    methods = [f"##icope_somatic_methods={','.join(method_vcfs)}"]
    methods.append(f"##icope_min_methods={thresholds.min_methods}")
    pon, pon_lines = _open_pon(pon_vcf)
    header = somatic_header(contigs, tumour, normal, "icope.somatic:consensus", methods + pon_lines)
    population = _open_population(population_vcf)
    counts = {"candidates": 0, "pass": 0}
    try:
        with pysam.VariantFile(out_path, "wz", header=header) as out:
            for key in keys:
                reporting, passed, base, reasons = _method_votes(per_method, key, thresholds)
                if _near_indel(base, indel_sites, thresholds.near_indel_bp):
                    reasons.append("NearIndel")
                extra, resource_reasons = _resource_checks(
                    population, pon, base, population_field, thresholds.max_population_af
                )
                reasons += resource_reasons
                base.reasons = sorted(set(reasons), key=reasons.index)
                _write(out, base, tumour, normal, reporting, passed, extra)
                counts["candidates"] += 1
                counts["pass"] += not base.reasons
    finally:
        for resource in (population, pon):
            if resource is not None:
                resource.close()
    return counts

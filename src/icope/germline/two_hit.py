"""Two-hit analysis as a statistical call: did the tumour lose the wild-type allele of a gene
with a germline pathogenic / likely pathogenic variant, or gain a second hit in it?

For every such variant in a tumour-suppressor gene (loss-of-function mechanism):

- **Allelic test** (:func:`allelic_test`). The tumour's ref/alt reads at the variant and at the
  normal's het SNPs nearby (same copy-number segment, within ``het_window_bp``) are tested
  against purity-adjusted expectations: *retained* (the mutant allele kept, the wild type lost:
  tumour VAF ``m``), *lost* (the mutant allele lost: ``1 - m``) and *balanced* (0.5). ``m`` is
  the major-allele fraction of the segment's fitted allele-specific state at the tumour's
  purity (``purity.json``); for a balanced or unknown state the LOH states 1+0 and 2+0 at that
  purity, and without a purity any ``m`` in 0.55-0.99 (a composite hypothesis). The nearby SNPs,
  phase unknown, enter each hypothesis as a mixture of ``m`` and ``1 - m`` (0.5 for balanced).
  Expected VAFs are scaled by the normal's own allele ratio at the variant (mapping bias of an
  indel). Binomial log-likelihoods; the best hypothesis is called when it beats both others by
  ``min_log_lr`` (natural log), else "not assessable"; ``imbalance_p`` is the likelihood-ratio
  test of any imbalance against balanced (chi-square, 1 d.f.).
- **Second hits** count only from: PASS somatic variants in the gene with a protein-altering or
  splice consequence passed by ``min_methods`` methods or with TLOD >= ``high_tlod`` (a lone
  single-method call is listed as unconfirmed and never makes a "found"); PASS somatic
  deletion SVs over the variant (``deletion_window_bp``); a homozygous deletion segment; and
  LOH when the allelic test says the mutant allele was retained.

``mechanism``: ``somatic LoF``, ``deletion``, ``copy-loss LOH`` (1+0), ``copy-neutral LOH`` (2+0
or more copies without a minor allele), several joined by "; ". ``second_hit`` is ``found``
with a mechanism, ``not found`` when the allelic test was conclusive (balanced, or the mutant
allele lost) and no somatic hit was confirmed, and ``not assessable`` otherwise, with the
reason.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pysam

from icope.core.hgvs import SEVERITY
from icope.core.tables import read_tsv
from icope.core.variants import read_variants
from icope.germline.predisposition import PATHOGENIC
from icope.somatic.purity import minor_fraction

TWO_HIT_COLUMNS = [
    "patient",
    "tumour",
    "gene",
    "chrom",
    "pos",
    "ref",
    "alt",
    "germline_class",
    "normal_vaf",
    "tumour_vaf",
    "tumour_depth",
    "allelic_imbalance",
    "cnv_call",
    "cnv_segment",
    "somatic_hits",
    "second_hit",
    "evidence",
    "mechanism",
    "reason",
    "tumour_ref",
    "tumour_alt",
    "normal_ref",
    "normal_alt",
    "n_het_nearby",
    "purity",
    "purity_source",
    "segment_state",
    "expected_vaf_retained",
    "expected_vaf_lost",
    "expected_vaf_balanced",
    "log_lr_retained_vs_balanced",
    "log_lr_retained_vs_lost",
    "imbalance_p",
    "test",
    "somatic_unconfirmed",
    "sv_deletions",
]
LOH_CALLS = {"LOH_copy_loss", "copy_neutral_LOH", "LOH_gain"}
RETAINED, LOST, BALANCED = "mutant allele retained", "mutant allele lost", "balanced"
NOT_ASSESSABLE = "not assessable"
#: Composite alternative without a purity: major-allele fractions tried.
MAJOR_FRACTION_GRID = np.round(np.arange(0.55, 0.995, 0.01), 3)
#: Nearby het SNPs count with at least this tumour depth (as in the copy-number BAF).
MIN_SNP_DEPTH = 10
#: Pseudo-counts shrinking the normal's allele ratio at the variant towards 1:1.
NORMAL_PSEUDO = 5
MIN_VAF_DEPTH = 20


@dataclass(frozen=True)
class TwoHitSettings:
    """Config ``two_hit`` (see the schema for each key)."""

    min_depth: int = MIN_VAF_DEPTH
    min_log_lr: float = 4.6
    het_window_bp: int = 1_000_000
    min_methods: int = 2
    high_tlod: float = 20.0
    #: protein-altering or splice-site terms: the consequence scale down to missense
    consequences: tuple[str, ...] = tuple(SEVERITY[: SEVERITY.index("missense") + 1])
    deletion_window_bp: int = 10_000

    @classmethod
    def from_config(cls, values: dict | None) -> TwoHitSettings:
        values = dict(values or {})
        if "consequences" in values:
            values["consequences"] = tuple(values["consequences"])
        return cls(**values)


@dataclass
class TwoHitResult:
    patient: str
    tumour: str
    gene: str
    chrom: str
    pos: int
    ref: str
    alt: str
    germline_class: str
    normal_vaf: float | None = None
    tumour_vaf: float | None = None
    tumour_depth: int = 0
    allelic_imbalance: str = NOT_ASSESSABLE
    cnv_call: str = NOT_ASSESSABLE
    cnv_segment: str = ""
    somatic_hits: str = ""
    second_hit: str = NOT_ASSESSABLE
    evidence: list[str] = field(default_factory=list)
    mechanism: str = ""
    reason: str = ""
    tumour_ref: int | None = None
    tumour_alt: int | None = None
    normal_ref: int | None = None
    normal_alt: int | None = None
    n_het_nearby: int = 0
    purity: float | None = None
    purity_source: str = ""
    segment_state: str = ""
    expected_vaf_retained: float | None = None
    expected_vaf_lost: float | None = None
    expected_vaf_balanced: float | None = None
    log_lr_retained_vs_balanced: float | None = None
    log_lr_retained_vs_lost: float | None = None
    imbalance_p: float | None = None
    test: str = ""
    somatic_unconfirmed: str = ""
    sv_deletions: str = ""

    def as_row(self) -> dict:
        row = asdict(self)
        row["evidence"] = "; ".join(self.evidence)
        return row


def allele_counts(
    bam: str,
    chrom: str,
    pos: int,
    ref: str,
    alt: str,
    reference: str | None = None,
    min_mapq: int = 20,
    min_baseq: int = 20,
) -> tuple[int, int]:
    """(ref reads, alt reads) at a SNV or indel, from the alignment itself.

    Indels are counted from the read's own CIGAR at the anchor base: an alt read carries an
    insertion/deletion of the expected length right after ``pos``.
    """
    ref_n = alt_n = 0
    indel = len(ref) - len(alt)
    with pysam.AlignmentFile(bam, reference_filename=reference) as aln:
        for column in aln.pileup(
            chrom,
            pos - 1,
            pos,
            truncate=True,
            min_base_quality=min_baseq,
            min_mapping_quality=min_mapq,
            stepper="samtools",
            ignore_orphans=False,
        ):
            for read in column.pileups:
                if read.is_refskip:
                    continue
                if indel:
                    if read.indel == -indel:
                        alt_n += 1
                    elif read.indel == 0 and not read.is_del:
                        ref_n += 1
                    continue
                if read.is_del or read.query_position is None:
                    continue
                base = read.alignment.query_sequence[read.query_position]
                if base == alt:
                    alt_n += 1
                elif base == ref:
                    ref_n += 1
    return ref_n, alt_n


# --- the allelic test -----------------------------------------------------------------------


@dataclass
class AllelicTest:
    call: str
    expected_retained: float | None
    expected_lost: float | None
    expected_balanced: float
    log_lr_retained_vs_balanced: float
    log_lr_retained_vs_lost: float
    imbalance_p: float
    n_snps: int
    reason: str = ""


def _biased(vaf, bias_odds: float):
    """A VAF under the normal's allele bias (odds scaled; 1: no bias)."""
    odds = np.asarray(vaf, dtype=float) / (1 - np.asarray(vaf, dtype=float))
    return odds * bias_odds / (1 + odds * bias_odds)


def _binomial(alt, depth, vaf) -> np.ndarray:
    vaf = np.clip(np.asarray(vaf, dtype=float), 1e-3, 1 - 1e-3)
    return alt * np.log(vaf) + (depth - alt) * np.log1p(-vaf)


def _snp_mixture(alt, depth, major) -> np.ndarray:
    """Summed log-likelihood of SNP counts under fraction ``major`` or ``1 - major`` (phase
    unknown), for each value of ``major``."""
    if len(depth) == 0:
        return np.zeros(len(np.atleast_1d(major)))
    alt = np.asarray(alt, dtype=float)[:, None]
    depth = np.asarray(depth, dtype=float)[:, None]
    major = np.atleast_1d(np.asarray(major, dtype=float))[None, :]
    one, other = _binomial(alt, depth, major), _binomial(alt, depth, 1 - major)
    return (np.logaddexp(one, other) - math.log(2)).sum(axis=0)


def major_fractions(purity: float | None, state: tuple[int, int | None] | None) -> np.ndarray:
    """Major-allele read fractions the imbalance hypotheses may take (module docstring).

    >>> major_fractions(0.6, (3, 1)).round(3).tolist()
    [0.615]
    >>> major_fractions(0.6, (2, 1)).round(3).tolist()
    [0.714, 0.8]
    """
    if purity is None:
        return MAJOR_FRACTION_GRID
    if state is not None and state[1] is not None and state[0] > 0:
        total, minor = state
        if total - minor > minor:
            return np.array([1 - float(minor_fraction(purity, total, minor))])
    return np.array([1 - float(minor_fraction(purity, t, 0)) for t in (1, 2)])


def allelic_test(
    tumour_ref: int,
    tumour_alt: int,
    snp_alt,
    snp_depth,
    purity: float | None,
    state: tuple[int, int | None] | None = None,
    normal_counts: tuple[int, int] | None = None,
    settings: TwoHitSettings = TwoHitSettings(),  # noqa: B008 - frozen, immutable
) -> AllelicTest:
    """Retained / lost / balanced for one germline het variant (module docstring)."""
    depth = tumour_ref + tumour_alt
    bias = 1.0
    if normal_counts is not None:
        n_ref, n_alt = normal_counts
        bias = (n_alt + NORMAL_PSEUDO) / (n_ref + NORMAL_PSEUDO)
    snp_alt, snp_depth = np.asarray(snp_alt, dtype=float), np.asarray(snp_depth, dtype=float)
    majors = major_fractions(purity, state)
    snps = _snp_mixture(snp_alt, snp_depth, majors)
    retained = _binomial(tumour_alt, depth, _biased(majors, bias)) + snps
    lost = _binomial(tumour_alt, depth, _biased(1 - majors, bias)) + snps
    balanced_vaf = float(_biased(0.5, bias))
    balanced = float(
        _binomial(tumour_alt, depth, balanced_vaf) + _snp_mixture(snp_alt, snp_depth, 0.5)[0]
    )
    i, j = int(retained.argmax()), int(lost.argmax())
    scores = {RETAINED: float(retained[i]), LOST: float(lost[j]), BALANCED: balanced}
    ranked = sorted(scores, key=scores.get, reverse=True)
    margin = scores[ranked[0]] - scores[ranked[1]]
    statistic = 2 * max(0.0, max(scores[RETAINED], scores[LOST]) - balanced)
    test = AllelicTest(
        ranked[0],
        round(float(_biased(majors[i], bias)), 4),
        round(float(_biased(1 - majors[j], bias)), 4),
        round(balanced_vaf, 4),
        round(scores[RETAINED] - balanced, 3),
        round(scores[RETAINED] - scores[LOST], 3),
        float(f"{math.erfc(math.sqrt(statistic / 2)):.3g}"),
        len(snp_depth),
    )
    if depth < settings.min_depth:
        test.call = NOT_ASSESSABLE
        test.reason = f"tumour depth {depth} < {settings.min_depth} at the variant"
    elif margin < settings.min_log_lr:
        test.call = NOT_ASSESSABLE
        test.reason = (
            f"inconclusive: {ranked[0]} beats {ranked[1]} by ln LR {margin:.2f} "
            f"< {settings.min_log_lr} (two_hit.min_log_lr)"
        )
    return test


# --- evidence per tumour --------------------------------------------------------------------


def _segment_at(segments: pd.DataFrame | None, chrom: str, pos: int):
    if segments is None or segments.empty:
        return None
    hits = segments[
        (segments["chrom"] == chrom) & (segments["start"] < pos) & (segments["end"] >= pos)
    ]
    return None if hits.empty else hits.iloc[0]


def _state_of(segment) -> tuple[int, int | None] | None:
    if segment is None or "total_cn" not in segment or pd.isna(segment["total_cn"]):
        return None
    minor = segment.get("minor_cn")
    return int(segment["total_cn"]), (None if pd.isna(minor) else int(minor))


def _nearby_snps(baf: pd.DataFrame | None, result, segment, window: int) -> pd.DataFrame:
    if baf is None or baf.empty:
        return pd.DataFrame(columns=["tumour_alt", "tumour_depth"])
    near = baf[
        (baf["chrom"] == result.chrom)
        & ((baf["pos"] - result.pos).abs() <= window)
        & (baf["pos"] != result.pos)
        & (baf["tumour_depth"] >= MIN_SNP_DEPTH)
    ]
    if segment is not None:
        near = near[(near["pos"] > segment["start"]) & (near["pos"] <= segment["end"])]
    return near


def _assess_copy_number(result: TwoHitResult, segment) -> None:
    if segment is None or segment["call"] == "not_assessable":
        result.evidence.append("copy number not assessable at the variant")
        return
    result.cnv_call = str(segment["call"])
    result.cnv_segment = f"{segment['chrom']}:{int(segment['start']) + 1}-{int(segment['end'])}"
    state = _state_of(segment)
    if state is not None:
        total, minor = state
        result.segment_state = (
            f"{total - minor}+{minor}" if minor is not None else f"{total} copies"
        )
    result.evidence.append(
        f"copy-number segment {result.cnv_segment}: {result.cnv_call}"
        f" ({result.segment_state or 'state not fitted'}, log2 {segment['log2']:.2f})"
    )


def _assess_allelic(result, tumour_bam, reference, snps, state, settings, counts=None) -> None:
    if counts is None and not tumour_bam:
        result.evidence.append("no tumour alignment: allelic test not done")
        return
    ref_n, alt_n = counts or allele_counts(
        tumour_bam, result.chrom, result.pos, result.ref, result.alt, reference
    )
    result.tumour_ref, result.tumour_alt, result.tumour_depth = ref_n, alt_n, ref_n + alt_n
    if result.tumour_depth:
        result.tumour_vaf = round(alt_n / result.tumour_depth, 3)
    normal = None
    if result.normal_ref is not None and result.normal_alt is not None:
        normal = (result.normal_ref, result.normal_alt)
    test = allelic_test(
        ref_n, alt_n, snps["tumour_alt"], snps["tumour_depth"], result.purity, state, normal,
        settings,
    )  # fmt: skip
    result.allelic_imbalance = test.call
    result.n_het_nearby = test.n_snps
    result.expected_vaf_retained = test.expected_retained
    result.expected_vaf_lost = test.expected_lost
    result.expected_vaf_balanced = test.expected_balanced
    result.log_lr_retained_vs_balanced = test.log_lr_retained_vs_balanced
    result.log_lr_retained_vs_lost = test.log_lr_retained_vs_lost
    result.imbalance_p = test.imbalance_p
    result.test = (
        f"binomial likelihood ratio: variant {alt_n}/{result.tumour_depth} alt reads and "
        f"{test.n_snps} nearby het SNPs (phase unknown) vs retained/lost/balanced"
    )
    purity = f"purity {result.purity}" if result.purity is not None else "purity unknown"
    text = (
        f"germline allele VAF tumour {result.tumour_vaf} ({alt_n}/{result.tumour_depth} reads), "
        f"expected {test.expected_retained} retained / {test.expected_lost} lost / "
        f"{test.expected_balanced} balanced ({purity}); ln LR retained vs balanced "
        f"{test.log_lr_retained_vs_balanced}, vs lost {test.log_lr_retained_vs_lost}: {test.call}"
    )
    result.evidence.append(text + (f" ({test.reason})" if test.reason else ""))
    if test.reason:
        result.reason = test.reason


def _methods(record) -> tuple[int, float | None]:
    passed = record.info.get("PASS_METHODS") if "PASS_METHODS" in record.info else None
    tlod = record.info.get("TLOD") if "TLOD" in record.info else None
    return (len(passed) if passed else 0), (None if tlod is None else float(tlod))


def _is_second_hit_consequence(consequence: str, settings: TwoHitSettings) -> bool:
    terms = {t for part in str(consequence or "").split(",") for t in part.split("&")}
    return bool(terms & set(settings.consequences))


def _assess_somatic(result: TwoHitResult, somatic: pd.DataFrame | None, settings) -> None:
    """Confirmed protein-altering / splice PASS somatic variants in the gene (second hits) and
    unconfirmed ones (listed, never counted)."""
    if somatic is None or somatic.empty:
        return
    in_gene = somatic[
        (somatic["filter"] == "PASS")
        & somatic["all_genes"].fillna("").str.split(",").apply(lambda genes: result.gene in genes)
    ]
    confirmed, unconfirmed = [], []
    for r in in_gene.itertuples():
        if not _is_second_hit_consequence(r.consequence, settings):
            continue
        n_methods, tlod = getattr(r, "pass_methods", 0), getattr(r, "tlod", None)
        text = f"{r.chrom}:{r.pos}{r.ref}>{r.alt} {r.consequence or ''} TAF {r.tumour_af}"
        if n_methods >= settings.min_methods or (tlod is not None and tlod >= settings.high_tlod):
            confirmed.append(text)
        else:
            unconfirmed.append(f"{text} ({n_methods} method(s), TLOD {tlod})")
    result.somatic_hits = ";".join(confirmed)
    result.somatic_unconfirmed = ";".join(unconfirmed)
    if confirmed:
        result.evidence.append(f"somatic variant(s) in {result.gene}: {result.somatic_hits}")
    if unconfirmed:
        result.evidence.append(
            f"unconfirmed somatic call(s) in {result.gene}, not counted (fewer than "
            f"{settings.min_methods} methods and TLOD < {settings.high_tlod}): "
            f"{result.somatic_unconfirmed}"
        )


def _assess_deletions(result: TwoHitResult, svs: pd.DataFrame | None, settings) -> None:
    if svs is None or svs.empty:
        return
    window = settings.deletion_window_bp
    hits = svs[
        (svs["filter"] == "PASS")
        & (svs["svtype"] == "DEL")
        & (svs["chrom"] == result.chrom)
        & (svs["pos"] - window <= result.pos)
        & (svs["end"] + window >= result.pos)
    ]
    result.sv_deletions = ",".join(str(i) for i in hits["id"])
    if result.sv_deletions:
        result.evidence.append(f"PASS somatic deletion(s) over the variant: {result.sv_deletions}")


def _loh_mechanism(segment, state) -> str:
    if state is not None and state[1] == 0:
        return "copy-loss LOH" if state[0] == 1 else "copy-neutral LOH"
    if state is not None:
        return "copy-loss LOH" if state[0] < 2 else "copy-neutral LOH"
    return "LOH (type not determined)"


def _decide(result: TwoHitResult, segment, state) -> None:
    mechanisms = []
    if result.somatic_hits:
        mechanisms.append("somatic LoF")
    homozygous = state is not None and state[0] == 0
    if homozygous:
        mechanisms.append("deletion")
    elif result.allelic_imbalance == RETAINED:
        loh = segment is not None and result.cnv_call in LOH_CALLS
        if result.sv_deletions and not loh:
            mechanisms.append("deletion")
        else:
            mechanisms.append(_loh_mechanism(segment, state))
    if mechanisms:
        result.second_hit, result.mechanism, result.reason = "found", "; ".join(mechanisms), ""
        return
    if result.allelic_imbalance == LOST:
        result.second_hit = "not found"
        result.reason = "the mutant allele was lost (the wild type kept): not a second hit"
    elif result.allelic_imbalance == BALANCED:
        result.second_hit = "not found"
        result.reason = "both alleles retained and no confirmed somatic hit"
    else:
        result.second_hit = NOT_ASSESSABLE
        extra = []
        if result.cnv_call in LOH_CALLS or result.sv_deletions:
            extra.append("LOH or deletion over the variant, but which allele was lost is open")
        if result.somatic_unconfirmed:
            extra.append("only unconfirmed single-method somatic calls")
        result.reason = "; ".join([result.reason or "allelic test not done", *extra])


def assess(
    variant: dict,
    patient: str,
    tumour: str,
    tumour_bam: str | None,
    segments: pd.DataFrame | None,
    somatic: pd.DataFrame | None,
    reference: str | None = None,
    *,
    purity: dict | None = None,
    baf: pd.DataFrame | None = None,
    svs: pd.DataFrame | None = None,
    settings: TwoHitSettings = TwoHitSettings(),  # noqa: B008 - frozen, immutable
    tumour_counts: tuple[int, int] | None = None,
) -> TwoHitResult:
    """Two-hit evidence and call for one germline P/LP variant (a row of the panel table).

    ``tumour_counts`` (ref, alt reads) replaces counting in ``tumour_bam`` (benchmarks)."""
    depth, alt_depth = variant.get("depth"), variant.get("alt_depth")
    counts = (
        (None, None) if depth is None or alt_depth is None or pd.isna(depth) or pd.isna(alt_depth)
        else (int(depth) - int(alt_depth), int(alt_depth))
    )  # fmt: skip
    result = TwoHitResult(
        patient,
        tumour,
        variant["gene"],
        variant["chrom"],
        int(variant["pos"]),
        variant["ref"],
        variant["alt"],
        variant["acmg_class"],
        normal_vaf=None if pd.isna(variant.get("vaf")) else float(variant["vaf"]),
        normal_ref=counts[0],
        normal_alt=counts[1],
    )
    if purity:
        result.purity = purity.get("purity")
        result.purity_source = purity.get("source", "")
    segment = _segment_at(segments, result.chrom, result.pos)
    _assess_copy_number(result, segment)
    state = (
        _state_of(segment) if segment is not None and segment["call"] != "not_assessable" else None
    )
    snps = _nearby_snps(baf, result, segment, settings.het_window_bp)
    _assess_allelic(result, tumour_bam, reference, snps, state, settings, tumour_counts)
    _assess_somatic(result, somatic, settings)
    _assess_deletions(result, svs, settings)
    _decide(result, segment, state)
    return result


def two_hit_candidates(panel: pd.DataFrame) -> pd.DataFrame:
    """The germline variants assessed for a second hit: ACMG class pathogenic or likely
    pathogenic, in a gene whose mechanism includes loss of function (``LoF``).

    A table without a ``mechanism`` column keeps every P/LP variant; a missing mechanism in a
    row does not count as loss of function.
    """
    candidates = panel[panel["acmg_class"].isin(PATHOGENIC)]
    if "mechanism" not in candidates:
        return candidates
    return candidates[candidates["mechanism"].fillna("").str.contains("LoF")]


def somatic_calls(path: str | None, patient: str, annotator=None) -> pd.DataFrame | None:
    """Annotated somatic calls with the number of methods that passed each (PASS_METHODS) and
    its TLOD; ``annotator`` (:func:`icope.core.hgvs.load_annotator`): consequences on the
    shared preferred transcripts."""
    if not path:
        return None
    rows = read_variants(path, patient, "somatic", "", annotator)
    table = pd.DataFrame([r.as_dict() for r in rows])
    if table.empty:
        return table
    stats = {}
    with pysam.VariantFile(path) as vcf:
        for record in vcf:
            for alt in record.alts or ():
                stats[(record.chrom, record.pos, record.ref, alt)] = _methods(record)
    keys = zip(table["chrom"], table["pos"], table["ref"], table["alt"], strict=True)
    values = [stats.get(k, (0, None)) for k in keys]
    table["pass_methods"] = [v[0] for v in values]
    table["tlod"] = [v[1] for v in values]
    return table


def _read_optional(path, reader):
    return reader(path) if path else None


def assess_patient(
    panel: pd.DataFrame,
    patient: str,
    tumours: dict[str, dict],
    reference: str | None = None,
    settings: TwoHitSettings = TwoHitSettings(),  # noqa: B008 - frozen, immutable
    annotator=None,
) -> pd.DataFrame:
    """Two-hit results of every candidate (:func:`two_hit_candidates`) in every tumour.

    ``tumours`` is the per-tumour manifest ``{tumour: {"somatic", "segments", "purity", "baf",
    "sv", "bam"}}`` (paths), in the order of the results; a missing or None entry (a tumour
    without copy number) is not assessed for that kind of evidence.
    """
    candidates = two_hit_candidates(panel).to_dict("records")
    results = []
    for tumour, files in tumours.items():
        evidence = {
            "purity": _read_optional(
                files.get("purity"), lambda p: json.loads(Path(p).read_text())
            ),
            "baf": _read_optional(files.get("baf"), read_tsv),
            "svs": _read_optional(files.get("sv"), read_tsv),
            "settings": settings,
        }
        somatic = somatic_calls(files.get("somatic"), patient, annotator)
        segments = _read_optional(files.get("segments"), read_tsv)
        results += [
            assess(
                variant, patient, tumour, files.get("bam"), segments, somatic, reference,
                **evidence,
            ).as_row()
            for variant in candidates
        ]  # fmt: skip
    return pd.DataFrame(results, columns=TWO_HIT_COLUMNS)

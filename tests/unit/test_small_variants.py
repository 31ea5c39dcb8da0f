"""Tests for icope.somatic: statistics, per-allele judgement, the two methods and consensus."""

from __future__ import annotations

import doctest
import math

import pysam
import pytest

from icope.somatic import small_variants as somatic
from icope.somatic.small_variants import (
    FILTERS,
    AlleleCounts,
    Candidate,
    SomaticThresholds,
    allele_log_likelihood,
    call_method,
    consensus,
    fisher_greater,
    freebayes_candidates,
    judge,
    normal_lod,
    pileup_candidates,
    somatic_header,
    tumour_lod,
)

try:
    from scipy.stats import fisher_exact
except ImportError:  # pragma: no cover - scipy is optional
    fisher_exact = None


T = SomaticThresholds()
VCF_COLUMNS = ["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT"]


def _filters(record) -> list[str]:
    return list(record.filter.keys())


# --------------------------------------------------------------------------- fisher_greater

# (t_alt, t_ref, n_alt, n_ref) -> one-sided p computed by hand from the hypergeometric law
HAND_COMPUTED = [
    # all 10 alt reads in the tumour, 20 + 20 reads: C(30,10) / C(40,20)
    ((10, 10, 0, 20), math.comb(30, 10) / math.comb(40, 20)),
    # 5 alt of 5 tumour reads, 5 ref normal reads: 1 / C(10,5)
    ((5, 0, 0, 5), 1 / 252),
    ((1, 0, 0, 1), 0.5),
    # P(X >= 3), X ~ Hypergeom(20 reads, 4 alt, 10 tumour)
    ((3, 7, 1, 9), (4 * math.comb(16, 7) + math.comb(16, 6)) / math.comb(20, 10)),
    # nothing to test: no alt reads, or no tumour reads, or no normal reads
    ((0, 10, 0, 10), 1.0),
    ((0, 0, 3, 10), 1.0),
    ((4, 6, 0, 0), 1.0),
    # tumour depleted relative to the normal: p is (nearly) 1
    ((0, 10, 10, 0), 1.0),
]


@pytest.mark.parametrize(("table", "expected"), HAND_COMPUTED)
def test_fisher_greater_hand_computed(table, expected):
    assert fisher_greater(*table) == pytest.approx(expected, rel=1e-9)


@pytest.mark.skipif(fisher_exact is None, reason="scipy not installed")
@pytest.mark.parametrize(
    "table",
    [
        (10, 10, 0, 20),
        (10, 30, 0, 30),
        (50, 50, 48, 52),
        (4, 96, 0, 100),
        (7, 3, 2, 8),
        (2, 40, 1, 60),
        (15, 15, 5, 25),
        (1, 99, 3, 97),
    ],
)
def test_fisher_greater_matches_scipy(table):
    t_alt, t_ref, n_alt, n_ref = table
    _, expected = fisher_exact([[t_alt, t_ref], [n_alt, n_ref]], alternative="greater")
    assert fisher_greater(*table) == pytest.approx(expected, rel=1e-9)


def test_fisher_greater_is_a_probability():
    for table in [(0, 1, 0, 1), (100, 0, 0, 100), (3, 3, 3, 3), (0, 50, 50, 0)]:
        assert 0.0 < fisher_greater(*table) <= 1.0


# --------------------------------------------------------------------------- likelihoods


def test_allele_log_likelihood_hand_computed():
    # 3 alt, 7 ref at fraction 0.3, error 0.01 (spread over the 3 other bases)
    p_alt = 0.3 * 0.99 + 0.7 * 0.01 / 3
    p_ref = 0.3 * 0.01 / 3 + 0.7 * 0.99
    expected = 3 * math.log10(p_alt) + 7 * math.log10(p_ref)
    assert allele_log_likelihood(3, 7, 0.3, 0.01) == pytest.approx(expected, rel=1e-12)
    # no error: a fair coin per read
    assert allele_log_likelihood(2, 2, 0.5, 0.0) == pytest.approx(4 * math.log10(0.5))
    # fraction 0: every alt read is an error, every ref read correct
    assert allele_log_likelihood(2, 5, 0.0, 0.003) == pytest.approx(
        2 * math.log10(0.001) + 5 * math.log10(0.997)
    )
    assert allele_log_likelihood(0, 0, 0.4, 0.01) == 0.0


def test_tumour_lod_hand_computed():
    # 6 alt of 60 reads: f = 0.1
    e = 0.001
    expected = 6 * math.log10((0.1 * (1 - e) + 0.9 * e / 3) / (e / 3)) + 54 * math.log10(
        (0.1 * e / 3 + 0.9 * (1 - e)) / (1 - e)
    )
    assert tumour_lod(6, 54, e) == pytest.approx(expected, rel=1e-12)
    # NB the module's doctest claims 9.63 here; by the documented model it is 12.40
    assert round(tumour_lod(6, 54, e), 2) == 12.40
    # 10 alt of 40: f = 0.25
    expected = 10 * math.log10((0.25 * (1 - e) + 0.75 * e / 3) / (e / 3)) + 30 * math.log10(
        (0.25 * e / 3 + 0.75 * (1 - e)) / (1 - e)
    )
    assert tumour_lod(10, 30, e) == pytest.approx(expected, rel=1e-12)
    assert round(tumour_lod(10, 30, e), 2) == 25.0


@pytest.mark.parametrize(("ref", "error"), [(0, 0.001), (60, 0.001), (1000, 0.05)])
def test_tumour_lod_zero_without_alt_reads(ref, error):
    assert tumour_lod(0, ref, error) == 0.0


def test_tumour_lod_is_monotonic_in_alt_count():
    at_fixed_depth = [tumour_lod(alt, 60 - alt, 0.001) for alt in range(0, 31)]
    assert all(a < b for a, b in zip(at_fixed_depth, at_fixed_depth[1:], strict=False))
    at_fixed_ref = [tumour_lod(alt, 50, 0.001) for alt in range(0, 20)]
    assert all(a < b for a, b in zip(at_fixed_ref, at_fixed_ref[1:], strict=False))


def test_tumour_lod_error_floor_effect():
    lods = [tumour_lod(10, 30, e) for e in (0.0001, 0.001, 0.01, 0.1)]
    assert all(a > b for a, b in zip(lods, lods[1:], strict=False))
    assert tumour_lod(10, 30, 0.1) < T.min_tlod < tumour_lod(10, 30, 0.001)
    assert round(tumour_lod(10, 30, 0.1), 2) == 5.16


def test_normal_lod_hand_computed():
    e = 0.001
    per_ref_read = math.log10((1 - e) / (0.5 * e / 3 + 0.5 * (1 - e)))
    per_alt_read = math.log10((e / 3) / (0.5 * (1 - e) + 0.5 * e / 3))
    assert normal_lod(0, 30, e) == pytest.approx(30 * per_ref_read, rel=1e-12)
    assert round(normal_lod(0, 30, e), 2) == 9.03
    assert normal_lod(1, 19, e) == pytest.approx(19 * per_ref_read + per_alt_read, rel=1e-12)
    assert normal_lod(0, 0, e) == 0.0
    # a heterozygous normal is strongly against hom-ref
    assert normal_lod(48, 52, e) < -100
    # each extra ref read adds evidence, each alt read removes it
    assert normal_lod(0, 31, e) > normal_lod(0, 30, e) > normal_lod(1, 29, e)


# --------------------------------------------------------------------------- thresholds


def test_thresholds_defaults():
    assert T.min_tumour_depth == 10
    assert T.min_normal_depth == 8
    assert T.min_tumour_alt_reads == 4
    assert T.min_tumour_af == 0.03
    assert T.max_normal_af == 0.05
    assert T.min_tlod == 6.3
    assert T.min_nlod == 2.2
    assert T.error_rate == 0.001
    assert T.min_mapq == 30.0
    assert T.near_indel_bp == 10
    assert T.max_population_af == 0.001
    assert T.min_methods == 1


def test_thresholds_from_config_ignores_unknown_keys():
    settings = {"min_tlod": 10.0, "min_methods": 2, "methods": ["pileup"], "max_fisher_p": 0.01}
    thresholds = SomaticThresholds.from_config(settings)
    assert thresholds == SomaticThresholds(min_tlod=10.0, min_methods=2)
    assert SomaticThresholds.from_config({}) == T


# --------------------------------------------------------------------------- judge


def _candidate(tumour, normal=None, alt_mapq=None, error=0.001, ref="A", alt="G"):
    return Candidate("chr1", 100, ref, alt, tumour, normal, alt_mapq, error)


CLEAN_TUMOUR = AlleleCounts(ref=30, alt=10, alt_forward=5, alt_reverse=5)
CLEAN_NORMAL = AlleleCounts(ref=30, alt=0)


def test_allele_counts():
    assert AlleleCounts(30, 10).depth == 40
    assert AlleleCounts(30, 10).af == 0.25
    assert AlleleCounts(0, 0).af == 0.0


def test_judge_clean_pass():
    candidate = _candidate(CLEAN_TUMOUR, CLEAN_NORMAL, alt_mapq=60.0)
    assert judge(candidate, T) == []
    assert candidate.reasons == []
    assert candidate.stats == {
        "TLOD": round(tumour_lod(10, 30, 0.001), 2),
        "ERROR": 0.001,
        "NLOD": round(normal_lod(0, 30, 0.001), 2),
        "FISHER_P": float(f"{fisher_greater(10, 30, 0, 30):.3g}"),
        "STRAND_P": 1.0,
    }
    assert candidate.stats["TLOD"] == 25.0
    assert candidate.stats["NLOD"] == 9.03


@pytest.mark.parametrize(
    ("tumour", "normal", "kwargs", "thresholds", "reason"),
    [
        # 9 reads, all alt: only the depth is too low
        (AlleleCounts(0, 9, 4, 5), CLEAN_NORMAL, {}, T, "LowTumourDepth"),
        # 9 normal reads (NLOD 2.71 still above 2.2) under min_normal_depth 10
        (
            CLEAN_TUMOUR,
            AlleleCounts(9, 0),
            {},
            SomaticThresholds(min_normal_depth=10),
            "LowNormalDepth",
        ),
        # 3 alt reads of 12 (TLOD 7.50)
        (AlleleCounts(9, 3, 2, 1), CLEAN_NORMAL, {}, T, "LowAltReads"),
        # 5 alt of 200 = 2.5 % < 3 % (TLOD 7.26)
        (AlleleCounts(195, 5, 3, 2), CLEAN_NORMAL, {}, T, "LowTumourAF"),
        # 6 alt of 100 in the normal = 6 % (NLOD 9.23)
        (AlleleCounts(50, 50, 25, 25), AlleleCounts(94, 6), {}, T, "NormalEvidence"),
        # 5 alt of 50 with a 1 % error rate: TLOD 5.37 (error alone: p 8.7e-7)
        (AlleleCounts(45, 5, 3, 2), CLEAN_NORMAL, {"error": 0.01}, T, "LowTLOD"),
        # 4 alt of 40 with a 1 % error rate: error alone reaches 4 reads with p 1.1e-5
        (
            AlleleCounts(36, 4, 2, 2),
            CLEAN_NORMAL,
            {"error": 0.01},
            SomaticThresholds(min_tlod=4.0),
            "LowAltReads",
        ),
        # 6 normal reads all ref: NLOD 1.81 < 2.2
        (
            CLEAN_TUMOUR,
            AlleleCounts(6, 0),
            {},
            SomaticThresholds(min_normal_depth=5),
            "GermlineRisk",
        ),
        # 8 alt reads all forward
        (AlleleCounts(32, 8, 8, 0), CLEAN_NORMAL, {}, T, "StrandBias"),
        # alt reads with mean MAPQ 20
        (CLEAN_TUMOUR, CLEAN_NORMAL, {"alt_mapq": 20.0}, T, "LowMapQ"),
    ],
)
def test_judge_single_reason(tumour, normal, kwargs, thresholds, reason):
    candidate = _candidate(tumour, normal, **kwargs)
    assert judge(candidate, thresholds) == [reason]
    assert candidate.reasons == [reason]
    assert reason in FILTERS


def test_judge_low_mapq_boundary_and_unknown_mapq():
    assert judge(_candidate(CLEAN_TUMOUR, CLEAN_NORMAL, alt_mapq=30.0), T) == []
    assert judge(_candidate(CLEAN_TUMOUR, CLEAN_NORMAL, alt_mapq=29.9), T) == ["LowMapQ"]
    assert judge(_candidate(CLEAN_TUMOUR, CLEAN_NORMAL, alt_mapq=None), T) == []


def test_strand_bias_needs_known_strands_and_a_significant_split():
    def reasons(tumour):
        return judge(_candidate(tumour, None), T)

    # all on one strand: p 0.0625 (5 reads), 0.031 (6), 0.0078 (8) against strand_bias_p 0.01
    assert reasons(AlleleCounts(35, 5, 5, 0)) == []
    assert reasons(AlleleCounts(34, 6, 0, 6)) == []
    assert reasons(AlleleCounts(32, 8, 0, 8)) == ["StrandBias"]
    assert reasons(AlleleCounts(32, 8, 1, 7)) == []
    # strands unknown (None) on either side: never StrandBias
    assert reasons(AlleleCounts(32, 8, None, None)) == []
    assert reasons(AlleleCounts(32, 8, 8, None)) == []
    assert reasons(AlleleCounts(32, 8, None, 0)) == []


def test_strand_bias_scales_with_depth_and_follows_the_ref_reads():
    def reasons(tumour):
        return judge(_candidate(tumour, CLEAN_NORMAL), T)

    # 1,000x: 100 alt reads, 2 on the reverse strand: the old "all on one strand" rule
    # missed it
    assert reasons(AlleleCounts(900, 100, 98, 2, 450, 450)) == ["StrandBias"]
    # ... but not when the ref reads are as one-sided (an amplicon read from one end)
    assert reasons(AlleleCounts(900, 100, 98, 2, 890, 10)) == []
    # 30 of 100 on the reverse strand is no strand bias
    assert reasons(AlleleCounts(900, 100, 70, 30, 450, 450)) == []


def test_low_alt_reads_bar_rises_with_depth_and_error():
    lenient = SomaticThresholds(min_tumour_af=0.0, min_tlod=0.0, min_tumour_alt_reads=3)

    def reasons(tumour, error=0.001):
        return judge(_candidate(tumour, CLEAN_NORMAL, error=error), lenient)

    assert reasons(AlleleCounts(57, 3, 2, 1)) == []
    # the same 3 reads at 300x: error alone gives them with p 1.5e-4
    assert reasons(AlleleCounts(297, 3, 2, 1)) == ["LowAltReads"]
    # ... or at 60x with Q20 alt bases (error 0.01, p 1.1e-3)
    assert reasons(AlleleCounts(57, 3, 2, 1), error=0.01) == ["LowAltReads"]
    assert reasons(AlleleCounts(54, 6, 3, 3), error=0.01) == []


def test_normal_evidence_allows_for_sequencing_error():
    tumour = AlleleCounts(40, 20, 10, 10)
    thin_normal = SomaticThresholds(min_nlod=0.0)  # 18 normal reads: NLOD alone says little
    # 1 alt read of 18 in the normal: evidence at error 0.001 (p 0.006), not at 0.01 (p 0.06)
    assert judge(_candidate(tumour, AlleleCounts(17, 1)), thin_normal) == ["NormalEvidence"]
    assert judge(_candidate(tumour, AlleleCounts(17, 1), error=0.01), thin_normal) == []
    # a germline het stays NormalEvidence at any error rate
    het = judge(_candidate(tumour, AlleleCounts(15, 15), error=0.02), thin_normal)
    assert het == ["NormalEvidence", "GermlineRisk"]


def test_judge_error_from_base_and_mapping_quality():
    candidate = _candidate(CLEAN_TUMOUR, CLEAN_NORMAL, alt_mapq=20.0, error=0.001)
    judge(candidate, SomaticThresholds(min_mapq=0))
    assert candidate.stats["ERROR"] == pytest.approx(1 - 0.999 * 0.99, rel=1e-2)
    assert candidate.stats["TLOD"] == round(tumour_lod(10, 30, 1 - 0.999 * 0.99), 2)


def test_judge_many_reasons():
    candidate = _candidate(AlleleCounts(4, 1), AlleleCounts(2, 2))
    assert judge(candidate, T) == [
        "LowTumourDepth",
        "LowAltReads",
        "LowTLOD",
        "LowNormalDepth",
        "NormalEvidence",
        "GermlineRisk",
    ]
    assert candidate.stats["FISHER_P"] == float(f"{fisher_greater(1, 4, 2, 2):.3g}")


def test_germline_het_is_not_passed():
    candidate = _candidate(AlleleCounts(50, 50, 25, 25), AlleleCounts(52, 48))
    assert judge(candidate, T) == ["NormalEvidence", "GermlineRisk"]
    assert candidate.stats["NLOD"] < 0
    assert candidate.stats["FISHER_P"] == pytest.approx(fisher_greater(50, 50, 48, 52), rel=1e-2)
    assert candidate.stats["FISHER_P"] > 0.4


def test_tumour_only_skips_normal_filters_and_stats():
    # with any normal like the tumour this would be NormalEvidence / GermlineRisk
    candidate = _candidate(AlleleCounts(50, 50, 25, 25), None)
    assert judge(candidate, T) == []
    assert set(candidate.stats) == {"TLOD", "ERROR", "STRAND_P"}
    assert candidate.stats["TLOD"] == round(tumour_lod(50, 50, 0.001), 2)
    # tumour-side filters still apply
    assert judge(_candidate(AlleleCounts(5, 3, 3, 0), None), T) == [
        "LowTumourDepth",
        "LowAltReads",
    ]


def test_stats_keys_with_and_without_normal():
    tumour_stats = {"TLOD", "ERROR", "STRAND_P"}
    assert set(judge_stats(CLEAN_TUMOUR, CLEAN_NORMAL)) == tumour_stats | {"NLOD", "FISHER_P"}
    assert set(judge_stats(CLEAN_TUMOUR, None)) == tumour_stats
    # TLOD is there even when there are no alt reads; no strands known: no STRAND_P
    assert judge_stats(AlleleCounts(40, 0), None) == {"TLOD": 0.0, "ERROR": 0.001}


def judge_stats(tumour, normal):
    candidate = _candidate(tumour, normal)
    judge(candidate, T)
    return candidate.stats


@pytest.mark.parametrize(
    ("candidate_error", "threshold_error", "used"),
    [(0.01, 0.001, 0.01), (0.0001, 0.001, 0.001), (0.001, 0.01, 0.01), (0.05, 0.05, 0.05)],
)
def test_judge_uses_max_of_candidate_and_threshold_error(candidate_error, threshold_error, used):
    candidate = _candidate(CLEAN_TUMOUR, CLEAN_NORMAL, error=candidate_error)
    judge(candidate, SomaticThresholds(error_rate=threshold_error))
    assert candidate.stats["TLOD"] == round(tumour_lod(10, 30, used), 2)
    assert candidate.stats["NLOD"] == round(normal_lod(0, 30, used), 2)


def test_candidate_key_and_indel():
    snv = _candidate(CLEAN_TUMOUR)
    assert snv.key == ("chr1", 100, "A", "G")
    assert not snv.is_indel
    assert _candidate(CLEAN_TUMOUR, ref="ACG", alt="A").is_indel
    assert _candidate(CLEAN_TUMOUR, ref="A", alt="AT").is_indel
    assert not _candidate(CLEAN_TUMOUR, ref="AC", alt="GT").is_indel  # MNP


# --------------------------------------------------------------------------- pileup method

PILEUP_HEADER = """\
##fileformat=VCFv4.2
##FILTER=<ID=PASS,Description="All filters passed">
##source=bcftools_mpileup
##contig=<ID=chr1,length=1000>
##contig=<ID=chr2,length=500>
##INFO=<ID=INDEL,Number=0,Type=Flag,Description="Indicates that the variant is an INDEL.">
##INFO=<ID=DP,Number=1,Type=Integer,Description="Raw read depth">
##INFO=<ID=I16,Number=16,Type=Float,Description="Auxiliary tag used for calling">
##FORMAT=<ID=PL,Number=G,Type=Integer,Description="List of Phred-scaled genotype likelihoods">
##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Number of high-quality bases">
##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths (high-quality bases)">
##FORMAT=<ID=ADF,Number=R,Type=Integer,Description="Allelic depths on the forward strand">
##FORMAT=<ID=ADR,Number=R,Type=Integer,Description="Allelic depths on the reverse strand">
"""
PILEUP_FMT = "PL:DP:AD:ADF:ADR"
PL2 = "0,3,30"  # REF + one ALT: 3 genotypes
PL3 = "0,3,30,3,30,30"  # two alleles + <*>: 6 genotypes
PL4 = "0,3,30,3,30,30,3,30,30,30"  # three alleles + <*>: 10 genotypes


def _i16(ref_fwd, ref_rev, alt_fwd, alt_rev, alt_mq_sum, ref_mq_sum=None):
    """I16 in bcftools order; [2], [3] alt strands, [10] sum of alt mapping qualities."""
    ref_reads = ref_fwd + ref_rev
    ref_mq_sum = 60 * ref_reads if ref_mq_sum is None else ref_mq_sum
    values = [ref_fwd, ref_rev, alt_fwd, alt_rev]
    values += [30 * ref_reads, 900 * ref_reads, 30 * (alt_fwd + alt_rev), 0]
    values += [ref_mq_sum, 3600 * ref_reads, alt_mq_sum, 0, 0, 0, 0, 0]
    return "I16=" + ",".join(str(v) for v in values)


def _pileup_row(chrom, pos, ref, alt, info, tum, nor):
    return "\t".join([chrom, str(pos), ".", ref, alt, "0", ".", info, PILEUP_FMT, tum, nor])


PILEUP_ROWS = [
    # written out of order on purpose: chr2 first, chr1 positions shuffled
    # somatic deletion: 8 alt of 30, normal 30 ref
    _pileup_row(
        "chr2",
        50,
        "ACG",
        "A,<*>",
        "INDEL;DP=60;" + _i16(26, 26, 4, 4, 480),
        f"{PL3}:30:22,8,0:11,4,0:11,4,0",
        f"{PL3}:30:30,0,0:15,0,0:15,0,0",
    ),
    # germline het: tumour 50/100, normal 48/100
    _pileup_row(
        "chr1",
        200,
        "C",
        "T,<*>",
        "DP=200;" + _i16(51, 51, 49, 49, 5880),
        f"{PL3}:100:50,50,0:25,25,0:25,25,0",
        f"{PL3}:100:52,48,0:26,24,0:26,24,0",
    ),
    # somatic SNV: tumour 30 ref / 10 alt (5 fwd, 5 rev), normal 30 ref; alt MAPQ 50
    _pileup_row(
        "chr1",
        100,
        "A",
        "G,<*>",
        "DP=75;" + _i16(30, 30, 5, 5, 500),
        f"{PL3}:42:30,10,0:15,5,0:15,5,0",
        f"{PL3}:31:30,0,0:15,0,0:15,0,0",
    ),
    # nothing but <*>
    _pileup_row(
        "chr1",
        300,
        "G",
        "<*>",
        "DP=80;" + _i16(40, 40, 0, 0, 0),
        f"{PL2}:40:40,0:20,0:20,0",
        f"{PL2}:40:40,0:20,0:20,0",
    ),
    # two real ALTs: T somatic (12 reads), C only in the normal (not in tumour: skipped)
    _pileup_row(
        "chr1",
        400,
        "A",
        "T,C,<*>",
        "DP=80;" + _i16(33, 33, 6, 8, 700),
        f"{PL4}:40:28,12,0,0:14,6,0,0:14,6,0,0",
        f"{PL4}:40:38,0,2,0:19,0,1,0:19,0,1,0",
    ),
    # two real ALTs both in the tumour: written as C then T
    _pileup_row(
        "chr1",
        500,
        "A",
        "T,C,<*>",
        "DP=80;" + _i16(35, 35, 5, 5, 600),
        f"{PL4}:40:30,8,2,0:15,4,1,0:15,4,1,0",
        f"{PL4}:40:40,0,0,0:20,0,0,0:20,0,0,0",
    ),
    # strand-biased SNV: 8 alt reads all on the forward strand
    _pileup_row(
        "chr1",
        600,
        "G",
        "A,<*>",
        "DP=70;" + _i16(31, 31, 8, 0, 480),
        f"{PL3}:40:32,8,0:16,8,0:16,0,0",
        f"{PL3}:30:30,0,0:15,0,0:15,0,0",
    ),
    # SNV written without <*> (biallelic record): alt reads with mean MAPQ 20
    _pileup_row(
        "chr1",
        700,
        "T",
        "C",
        "DP=70;" + _i16(30, 30, 5, 5, 200),
        "0,3,30:40:30,10:15,5:15,5",
        "0,3,30:30:30,0:15,0:15,0",
    ),
]


def _write_text_vcf(path, header, rows, samples):
    path.write_text(header + "\t".join(VCF_COLUMNS + samples) + "\n" + "\n".join(rows) + "\n")
    return path


@pytest.fixture
def pileup(tmp_path):
    return _write_text_vcf(tmp_path / "pileup.vcf", PILEUP_HEADER, PILEUP_ROWS, ["TUM", "NOR"])


def _read(path):
    with pysam.VariantFile(str(path)) as vcf:
        samples = list(vcf.header.samples)
        filters = set(vcf.header.filters.keys())
        ordered = list(vcf)
    return samples, filters, ordered, {(r.contig, r.pos, r.alts[0]): r for r in ordered}


def test_pileup_candidates_counts_and_strands(pileup):
    candidates = {c.key: c for c in pileup_candidates(str(pileup), "TUM", "NOR")}
    assert set(candidates) == {
        ("chr2", 50, "ACG", "A"),
        ("chr1", 200, "C", "T"),
        ("chr1", 100, "A", "G"),
        ("chr1", 400, "A", "T"),
        ("chr1", 500, "A", "T"),
        ("chr1", 500, "A", "C"),
        ("chr1", 600, "G", "A"),
        ("chr1", 700, "T", "C"),
    }
    snv = candidates[("chr1", 100, "A", "G")]
    assert snv.tumour == AlleleCounts(30, 10, 5, 5, 15, 15)
    assert snv.normal == AlleleCounts(30, 0)
    # no FORMAT/QS: base-call error unknown (0), the config's floor applies
    assert snv.error == 0.0 and snv.alt_base_quality is None
    multi = candidates[("chr1", 400, "A", "T")]
    assert multi.tumour == AlleleCounts(28, 12, 6, 6, 14, 14)
    assert multi.normal == AlleleCounts(38, 0)
    assert multi.alt_mapq is None  # I16 cannot be split between several ALTs
    assert multi.read_ends is None
    second = candidates[("chr1", 500, "A", "C")]
    assert second.tumour == AlleleCounts(30, 2, 1, 1, 15, 15)
    assert candidates[("chr1", 600, "G", "A")].tumour == AlleleCounts(32, 8, 8, 0, 16, 16)
    # biallelic record without <*>: alt MAPQ = I16[10] / (I16[2] + I16[3])
    assert candidates[("chr1", 700, "T", "C")].alt_mapq == pytest.approx(20.0)


def test_pileup_alt_mapq_with_symbolic_allele(pileup, tmp_path):
    candidates = {c.key: c for c in pileup_candidates(str(pileup), "TUM", "NOR")}
    assert candidates[("chr1", 100, "A", "G")].alt_mapq == pytest.approx(50.0)
    assert candidates[("chr2", 50, "ACG", "A")].alt_mapq == pytest.approx(60.0)
    out = tmp_path / "mq.vcf.gz"
    call_method("pileup", str(pileup), str(out), "TUM", "NOR", T)
    _, _, _, records = _read(out)
    assert records[("chr1", 100, "G")].info["ALT_MQ"] == pytest.approx(50.0)


def test_call_method_pileup_paired(pileup, tmp_path):
    out = tmp_path / "out.vcf.gz"
    counts = call_method("pileup", str(pileup), str(out), "TUM", "NOR", SomaticThresholds())
    samples, filters, ordered, records = _read(out)

    assert samples == ["TUM", "NOR"]
    assert set(FILTERS) <= filters
    # sorted by header contig order, position, ref, alt; '<*>'-only site absent
    assert [(r.contig, r.pos, r.alts[0]) for r in ordered] == [
        ("chr1", 100, "G"),
        ("chr1", 200, "T"),
        ("chr1", 400, "T"),
        ("chr1", 500, "C"),
        ("chr1", 500, "T"),
        ("chr1", 600, "A"),
        ("chr1", 700, "C"),
        ("chr2", 50, "A"),
    ]
    # PASS: 100, 400, 500 T, chr2:50 ; 700 is LowMapQ
    assert counts == {"candidates": 8, "pass": 4}

    snv = records[("chr1", 100, "G")]
    assert snv.ref == "A"
    assert snv.alts == ("G",)
    assert _filters(snv) == ["PASS"]
    assert snv.info["TDP"] == 40  # sum of AD, not FORMAT/DP (42)
    assert snv.info["TAF"] == pytest.approx(0.25)
    assert snv.info["NDP"] == 30
    assert snv.info["NAF"] == pytest.approx(0.0)
    assert snv.info["TLOD"] == pytest.approx(round(tumour_lod(10, 30, 0.001), 2))
    assert snv.info["NLOD"] == pytest.approx(9.03)
    assert snv.info["FISHER_P"] == pytest.approx(fisher_greater(10, 30, 0, 30), rel=1e-2)
    assert snv.info["SOMATIC"] is True
    assert "UNMATCHED" not in snv.info
    assert "INDEL" not in snv.info
    assert snv.info["METHODS"] == ("pileup",)
    assert snv.info["PASS_METHODS"] == ("pileup",)
    assert snv.samples["TUM"]["AD"] == (30, 10)
    assert snv.samples["TUM"]["AF"] == (pytest.approx(0.25),)
    assert snv.samples["TUM"]["DP"] == 40
    assert snv.samples["TUM"]["GT"] == (0, 1)
    assert snv.samples["NOR"]["AD"] == (30, 0)
    assert snv.samples["NOR"]["AF"] == (pytest.approx(0.0),)
    assert snv.samples["NOR"]["DP"] == 30
    assert snv.samples["NOR"]["GT"] == (0, 0)

    het = records[("chr1", 200, "T")]
    assert _filters(het) == ["NormalEvidence", "GermlineRisk"]
    assert het.info["METHODS"] == ("pileup",)
    assert "PASS_METHODS" not in het.info
    assert het.info["TAF"] == pytest.approx(0.5)
    assert het.info["NAF"] == pytest.approx(0.48)
    assert het.info["NLOD"] < 0
    assert het.samples["NOR"]["AD"] == (52, 48)

    # the first ALT of a multi-ALT site, read at its own AD index
    multi = records[("chr1", 400, "T")]
    assert multi.alleles == ("A", "T")
    assert _filters(multi) == ["PASS"]
    assert multi.samples["TUM"]["AD"] == (28, 12)
    assert multi.info["TAF"] == pytest.approx(0.3)
    assert multi.samples["NOR"]["AD"] == (38, 0)
    assert multi.info["NDP"] == 38
    assert "ALT_MQ" not in multi.info

    # the second ALT of a multi-ALT site
    second = records[("chr1", 500, "C")]
    assert second.alleles == ("A", "C")
    assert second.samples["TUM"]["AD"] == (30, 2)
    assert "LowAltReads" in second.filter
    assert _filters(records[("chr1", 500, "T")]) == ["PASS"]
    assert records[("chr1", 500, "T")].samples["TUM"]["AD"] == (30, 8)

    assert _filters(records[("chr1", 600, "A")]) == ["StrandBias"]

    low_mq = records[("chr1", 700, "C")]
    assert _filters(low_mq) == ["LowMapQ"]
    assert low_mq.info["ALT_MQ"] == pytest.approx(20.0)

    indel = records[("chr2", 50, "A")]
    assert indel.alleles == ("ACG", "A")
    assert indel.info["INDEL"] is True
    assert _filters(indel) == ["PASS"]
    assert indel.info["TDP"] == 30


def test_call_method_never_writes_symbolic_alleles(pileup, tmp_path):
    out = tmp_path / "out.vcf.gz"
    call_method("pileup", str(pileup), str(out), "TUM", "NOR", T)
    with pysam.VariantFile(str(out)) as vcf:
        records = list(vcf)
    assert records
    assert all(not alt.startswith("<") and alt != "*" for r in records for alt in r.alts)
    assert 300 not in {r.pos for r in records}
    assert all(len(r.alts) == 1 for r in records)


def test_call_method_pileup_tumour_only(pileup, tmp_path):
    out = tmp_path / "tonly.vcf.gz"
    counts = call_method("pileup", str(pileup), str(out), "TUM", None, T)
    samples, _, _, records = _read(out)

    assert samples == ["TUM"]
    assert counts == {"candidates": 8, "pass": 5}  # the germline het now passes too
    for rec in records.values():
        assert rec.info["UNMATCHED"] is True
        for key in ("NDP", "NAF", "NLOD", "FISHER_P", "SOMATIC"):
            assert key not in rec.info
        assert "TLOD" in rec.info
    het = records[("chr1", 200, "T")]
    assert _filters(het) == ["PASS"]
    assert het.info["TDP"] == 100
    assert het.samples["TUM"]["AD"] == (50, 50)
    assert het.samples["TUM"]["GT"] == (0, 1)


def test_call_method_header_and_bgzip(pileup, tmp_path):
    out = tmp_path / "out.vcf.gz"
    call_method("pileup", str(pileup), str(out), "TUM", "NOR", T)
    with open(out, "rb") as handle:
        magic = handle.read(4)
    assert magic[:2] == b"\x1f\x8b"
    assert magic[3] & 4  # FEXTRA flag: BGZF block, so tabix can index it
    pysam.tabix_index(str(out), preset="vcf", force=True)
    with pysam.VariantFile(str(out)) as vcf:
        assert "##source=icope.somatic:pileup" in str(vcf.header)
        assert list(vcf.header.contigs) == ["chr1", "chr2"]
        assert vcf.header.contigs["chr2"].length == 500
        assert [r.pos for r in vcf.fetch("chr1", 150, 250)] == [200]


def test_call_method_unknown_method(pileup, tmp_path):
    with pytest.raises(KeyError):
        call_method("mutect", str(pileup), str(tmp_path / "x.vcf.gz"), "TUM", "NOR", T)


# --------------------------------------------------------------------------- freebayes method

FREEBAYES_HEADER = """\
##fileformat=VCFv4.2
##source=freeBayes v1.3.6
##contig=<ID=chr1,length=1000>
##contig=<ID=chr2,length=500>
##INFO=<ID=DP,Number=1,Type=Integer,Description="Total read depth at the locus">
##INFO=<ID=SAF,Number=A,Type=Integer,Description="Alternate observations on the forward strand">
##INFO=<ID=SAR,Number=A,Type=Integer,Description="Alternate observations on the reverse strand">
##INFO=<ID=MQM,Number=A,Type=Float,Description="Mean mapping quality of observed alternate alleles">
##INFO=<ID=TYPE,Number=A,Type=String,Description="The type of allele">
##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Read Depth">
##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Number of observation for each allele">
##FORMAT=<ID=RO,Number=1,Type=Integer,Description="Reference allele observation count">
##FORMAT=<ID=QR,Number=1,Type=Integer,Description="Sum of quality of the reference observations">
##FORMAT=<ID=AO,Number=A,Type=Integer,Description="Alternate allele observation count">
##FORMAT=<ID=QA,Number=A,Type=Integer,Description="Sum of quality of the alternate observations">
"""
FREEBAYES_FMT = "GT:DP:AD:RO:QR:AO:QA"


def _fb_sample(ro, ao, qa, gt="0/1"):
    ro_s = "." if ro is None else str(ro)
    ao_s = "." if ao is None else str(ao)
    return f"{gt}:{(ro or 0) + (ao or 0)}:{ro or 0},{ao or 0}:{ro_s}:{30 * (ro or 0)}:{ao_s}:{qa}"


def _fb_row(chrom, pos, ref, alt, saf, sar, mqm, tum, nor, kind="snp"):
    info = f"DP=100;SAF={saf};SAR={sar};MQM={mqm};TYPE={kind}"
    return "\t".join([chrom, str(pos), ".", ref, alt, "50", ".", info, FREEBAYES_FMT, tum, nor])


FREEBAYES_ROWS = [
    # somatic SNV, alt base quality 30 (error 0.001), MAPQ 55
    _fb_row("chr1", 100, "A", "G", 5, 5, 55, _fb_sample(30, 10, 300), _fb_sample(30, 0, 0, "0/0")),
    # alt base quality 10 (error 0.1): TLOD 5.16 -> LowTLOD
    _fb_row("chr1", 150, "C", "T", 5, 5, 60, _fb_sample(30, 10, 100), _fb_sample(30, 0, 0, "0/0")),
    # alt base quality 40 (error 1e-4): floored at error_rate 0.001
    _fb_row("chr1", 160, "G", "A", 5, 5, 60, _fb_sample(30, 10, 400), _fb_sample(30, 0, 0, "0/0")),
    # somatic deletion from a split multi-allelic record
    _fb_row(
        "chr1",
        170,
        "AT",
        "A",
        4,
        4,
        60,
        _fb_sample(22, 8, 240),
        _fb_sample(30, 0, 0, "0/0"),
        kind="del",
    ),
    # all 8 alt observations on the forward strand
    _fb_row("chr1", 180, "T", "C", 8, 0, 60, _fb_sample(32, 8, 240), _fb_sample(30, 0, 0, "0/0")),
    # alt observations with MAPQ 20
    _fb_row("chr1", 190, "G", "C", 5, 5, 20, _fb_sample(30, 10, 300), _fb_sample(30, 0, 0, "0/0")),
    # in the normal only (no tumour observations): skipped
    _fb_row("chr1", 195, "C", "A", 3, 3, 60, _fb_sample(40, 0, 0, "0/0"), _fb_sample(24, 6, 180)),
    # tumour AO missing: skipped
    _fb_row("chr1", 196, "C", "G", 0, 0, 60, _fb_sample(40, None, "."), _fb_sample(30, 0, 0)),
    # germline het; normal RO missing counts as 0
    _fb_row(
        "chr1", 198, "A", "C", 25, 25, 60, _fb_sample(50, 50, 1500), _fb_sample(None, 48, 1440)
    ),
    # germline het on chr2 (written first by the fixture, sorted last)
    _fb_row("chr2", 20, "G", "T", 25, 25, 60, _fb_sample(50, 50, 1500), _fb_sample(52, 48, 1440)),
]


@pytest.fixture
def freebayes(tmp_path):
    rows = [FREEBAYES_ROWS[-1]] + FREEBAYES_ROWS[:-1]  # unsorted input
    return _write_text_vcf(tmp_path / "freebayes.vcf", FREEBAYES_HEADER, rows, ["TUM", "NOR"])


def test_freebayes_candidates(freebayes):
    candidates = {c.key: c for c in freebayes_candidates(str(freebayes), "TUM", "NOR")}
    assert set(candidates) == {
        ("chr1", 100, "A", "G"),
        ("chr1", 150, "C", "T"),
        ("chr1", 160, "G", "A"),
        ("chr1", 170, "AT", "A"),
        ("chr1", 180, "T", "C"),
        ("chr1", 190, "G", "C"),
        ("chr1", 198, "A", "C"),
        ("chr2", 20, "G", "T"),
    }
    snv = candidates[("chr1", 100, "A", "G")]
    assert snv.tumour == AlleleCounts(30, 10, 5, 5)
    assert snv.normal == AlleleCounts(30, 0)
    assert snv.alt_mapq == pytest.approx(55.0)
    assert snv.error == pytest.approx(10 ** (-30 / 10))
    assert candidates[("chr1", 150, "C", "T")].error == pytest.approx(0.1)
    assert candidates[("chr1", 160, "G", "A")].error == pytest.approx(1e-4)
    assert candidates[("chr1", 170, "AT", "A")].is_indel
    assert candidates[("chr1", 198, "A", "C")].normal == AlleleCounts(0, 48)
    # tumour-only: no normal counts
    tonly = {c.key: c for c in freebayes_candidates(str(freebayes), "TUM", None)}
    assert set(tonly) == set(candidates)
    assert all(c.normal is None for c in tonly.values())


def test_call_method_freebayes(freebayes, tmp_path):
    out = tmp_path / "fb.vcf.gz"
    counts = call_method("freebayes", str(freebayes), str(out), "TUM", "NOR", T)
    samples, _, ordered, records = _read(out)
    assert samples == ["TUM", "NOR"]
    assert [(r.contig, r.pos) for r in ordered] == [
        ("chr1", 100),
        ("chr1", 150),
        ("chr1", 160),
        ("chr1", 170),
        ("chr1", 180),
        ("chr1", 190),
        ("chr1", 198),
        ("chr2", 20),
    ]
    assert counts == {"candidates": 8, "pass": 3}

    snv = records[("chr1", 100, "G")]
    assert _filters(snv) == ["PASS"]
    assert snv.info["METHODS"] == ("freebayes",)
    assert snv.info["PASS_METHODS"] == ("freebayes",)
    assert snv.info["TDP"] == 40
    assert snv.info["TAF"] == pytest.approx(0.25)
    assert snv.info["NDP"] == 30
    assert snv.info["ALT_MQ"] == pytest.approx(55.0)
    # error 0.001 from QA/AO plus 3e-6 from MAPQ 55
    assert snv.info["TLOD"] == pytest.approx(round(tumour_lod(10, 30, 0.001003), 2))
    assert snv.info["ALT_BQ"] == pytest.approx(30.0)
    assert snv.samples["TUM"]["AD"] == (30, 10)
    assert snv.samples["NOR"]["AD"] == (30, 0)

    low_q = records[("chr1", 150, "T")]
    assert _filters(low_q) == ["LowTLOD"]
    assert low_q.info["TLOD"] == pytest.approx(round(tumour_lod(10, 30, 0.1), 2))
    assert low_q.info["NLOD"] == pytest.approx(round(normal_lod(0, 30, 0.1), 2))

    floored = records[("chr1", 160, "A")]
    assert _filters(floored) == ["PASS"]
    assert floored.info["TLOD"] == pytest.approx(round(tumour_lod(10, 30, 0.001), 2))

    deletion = records[("chr1", 170, "A")]
    assert deletion.alleles == ("AT", "A")
    assert deletion.info["INDEL"] is True
    assert _filters(deletion) == ["PASS"]

    assert _filters(records[("chr1", 180, "C")]) == ["StrandBias"]
    assert _filters(records[("chr1", 190, "C")]) == ["LowMapQ"]
    assert records[("chr1", 190, "C")].info["ALT_MQ"] == pytest.approx(20.0)

    het = records[("chr2", 20, "T")]
    assert _filters(het) == ["NormalEvidence", "GermlineRisk"]
    assert het.samples["NOR"]["AD"] == (52, 48)

    # normal RO missing: counted as 0 ref reads
    assert records[("chr1", 198, "C")].samples["NOR"]["AD"] == (0, 48)
    assert records[("chr1", 198, "C")].info["NAF"] == pytest.approx(1.0)


# --------------------------------------------------------------------------- consensus

CONTIGS = [("chr1", 10000), ("chr2", 5000)]


def _method_vcf(path, method, rows, contigs=CONTIGS, normal="NOR"):
    """Write a method-style VCF; rows are (chrom, pos, ref, alt, filters, t_ad, n_ad, tlod)."""
    header = somatic_header(contigs, "TUM", normal, f"icope.somatic:{method}")
    with pysam.VariantFile(str(path), "wz", header=header) as out:
        for chrom, pos, ref, alt, filters, t_ad, n_ad, tlod in rows:
            record = out.new_record(
                contig=chrom, start=pos - 1, alleles=(ref, alt), filter=filters or ["PASS"]
            )
            record.info["TDP"] = sum(t_ad)
            record.info["TAF"] = t_ad[1] / sum(t_ad)
            record.info["TLOD"] = tlod
            record.info["METHODS"] = (method,)
            record.info["ALT_MQ"] = 60.0
            record.samples["TUM"]["AD"] = t_ad
            if normal:
                record.info["NLOD"] = 9.0
                record.samples[normal]["AD"] = n_ad
            out.write(record)
    return str(path)


PILEUP_CALLS = [
    ("chr1", 100, "A", "G", [], (30, 10), (30, 0), 25.0),
    ("chr1", 1000, "C", "T", [], (30, 10), (30, 0), 25.0),
    ("chr1", 2000, "G", "A", [], (30, 10), (30, 0), 25.0),
    ("chr1", 3000, "T", "C", ["LowAltReads"], (30, 3), (30, 0), 6.5),
    ("chr2", 505, "C", "T", [], (30, 10), (30, 0), 25.0),
    ("chr2", 540, "C", "T", [], (30, 10), (30, 0), 25.0),
    ("chr2", 803, "G", "A", [], (30, 10), (30, 0), 25.0),
]
FREEBAYES_CALLS = [
    ("chr1", 100, "A", "G", [], (31, 11), (29, 0), 26.0),
    ("chr1", 2000, "G", "A", ["LowTLOD"], (30, 10), (30, 0), 5.0),
    ("chr1", 3000, "T", "C", ["LowTLOD", "LowMapQ"], (30, 3), (30, 0), 4.0),
    # deletion with 5 tumour alt reads: SNVs within 10 bp are NearIndel
    ("chr2", 500, "ACG", "A", [], (25, 5), (30, 0), 12.0),
    # deletion with 2 tumour alt reads (and none in the normal): too weak for NearIndel
    ("chr2", 800, "AT", "A", ["LowAltReads"], (28, 2), (30, 0), 3.0),
]


@pytest.fixture
def method_vcfs(tmp_path):
    return {
        "pileup": _method_vcf(tmp_path / "pileup.vcf.gz", "pileup", PILEUP_CALLS),
        "freebayes": _method_vcf(tmp_path / "freebayes.vcf.gz", "freebayes", FREEBAYES_CALLS),
    }


def _consensus(method_vcfs, tmp_path, thresholds=T, normal="NOR", **kwargs):
    out = tmp_path / "consensus.vcf.gz"
    counts = consensus(method_vcfs, str(out), "TUM", normal, thresholds, **kwargs)
    samples, _, ordered, records = _read(out)
    return counts, samples, ordered, records


def test_consensus_union_and_methods(method_vcfs, tmp_path):
    counts, samples, ordered, records = _consensus(method_vcfs, tmp_path)
    assert samples == ["TUM", "NOR"]
    assert [(r.contig, r.pos, r.ref, r.alts[0]) for r in ordered] == [
        ("chr1", 100, "A", "G"),
        ("chr1", 1000, "C", "T"),
        ("chr1", 2000, "G", "A"),
        ("chr1", 3000, "T", "C"),
        ("chr2", 500, "ACG", "A"),
        ("chr2", 505, "C", "T"),
        ("chr2", 540, "C", "T"),
        ("chr2", 800, "AT", "A"),
        ("chr2", 803, "G", "A"),
    ]
    # PASS: 100, 1000, 2000, chr2:500, 540, 803
    assert counts == {"candidates": 9, "pass": 6}

    both = records[("chr1", 100, "G")]
    assert both.info["METHODS"] == ("pileup", "freebayes")
    assert both.info["PASS_METHODS"] == ("pileup", "freebayes")
    assert _filters(both) == ["PASS"]
    # counts and stats come from the first method given
    assert both.samples["TUM"]["AD"] == (30, 10)
    assert both.samples["NOR"]["AD"] == (30, 0)
    assert both.info["TLOD"] == pytest.approx(25.0)
    assert both.info["TDP"] == 40
    assert both.info["NDP"] == 30
    assert both.info["SOMATIC"] is True

    only_pileup = records[("chr1", 1000, "T")]
    assert only_pileup.info["METHODS"] == ("pileup",)
    assert only_pileup.info["PASS_METHODS"] == ("pileup",)
    assert _filters(only_pileup) == ["PASS"]

    one_passed = records[("chr1", 2000, "A")]
    assert one_passed.info["METHODS"] == ("pileup", "freebayes")
    assert one_passed.info["PASS_METHODS"] == ("pileup",)
    assert _filters(one_passed) == ["PASS"]  # min_methods = 1

    none_passed = records[("chr1", 3000, "C")]
    assert none_passed.info["METHODS"] == ("pileup", "freebayes")
    assert "PASS_METHODS" not in none_passed.info
    assert _filters(none_passed) == ["LowAltReads", "LowMapQ", "LowTLOD"]

    only_freebayes = records[("chr2", 500, "A")]
    assert only_freebayes.info["METHODS"] == ("freebayes",)
    assert only_freebayes.info["INDEL"] is True
    assert only_freebayes.samples["TUM"]["AD"] == (25, 5)


def test_consensus_counts_from_first_method_in_given_order(method_vcfs, tmp_path):
    reordered = {"freebayes": method_vcfs["freebayes"], "pileup": method_vcfs["pileup"]}
    _, _, _, records = _consensus(reordered, tmp_path)
    both = records[("chr1", 100, "G")]
    assert both.info["METHODS"] == ("freebayes", "pileup")
    assert both.samples["TUM"]["AD"] == (31, 11)
    assert both.samples["NOR"]["AD"] == (29, 0)
    assert both.info["TLOD"] == pytest.approx(26.0)


def test_consensus_min_methods_two(method_vcfs, tmp_path):
    thresholds = SomaticThresholds(min_methods=2)
    counts, _, _, records = _consensus(method_vcfs, tmp_path, thresholds)
    assert _filters(records[("chr1", 100, "G")]) == ["PASS"]
    # passed by its only reporting method
    assert _filters(records[("chr1", 1000, "T")]) == ["SingleMethod"]
    # passed by one method, failed by the other: that method's reasons plus SingleMethod
    assert _filters(records[("chr1", 2000, "A")]) == ["LowTLOD", "SingleMethod"]
    # passed by none: no SingleMethod
    assert _filters(records[("chr1", 3000, "C")]) == ["LowAltReads", "LowMapQ", "LowTLOD"]
    assert _filters(records[("chr2", 500, "A")]) == ["SingleMethod"]
    assert counts == {"candidates": 9, "pass": 1}
    with pysam.VariantFile(str(tmp_path / "consensus.vcf.gz")) as vcf:
        header = str(vcf.header)
    assert "##icope_somatic_methods=pileup,freebayes" in header
    assert "##icope_min_methods=2" in header
    assert "##source=icope.somatic:consensus" in header


def test_consensus_near_indel(method_vcfs, tmp_path):
    _, _, _, records = _consensus(method_vcfs, tmp_path)
    # 5 bp from a deletion with 5 tumour alt reads
    assert _filters(records[("chr2", 505, "T")]) == ["NearIndel"]
    # 40 bp away
    assert _filters(records[("chr2", 540, "T")]) == ["PASS"]
    # 3 bp from a deletion with only 2 tumour alt reads
    assert _filters(records[("chr2", 803, "A")]) == ["PASS"]
    # indels themselves are never NearIndel
    assert _filters(records[("chr2", 500, "A")]) == ["PASS"]
    assert _filters(records[("chr2", 800, "A")]) == ["LowAltReads"]
    # a smaller window no longer reaches the SNV
    _, _, _, narrow = _consensus(method_vcfs, tmp_path, SomaticThresholds(near_indel_bp=1))
    assert _filters(narrow[("chr2", 505, "T")]) == ["PASS"]


def test_consensus_near_indel_from_normal_evidence(tmp_path):
    # an indel with 2 alt reads in the normal counts even with few tumour alt reads
    calls = {
        "pileup": _method_vcf(
            tmp_path / "p.vcf.gz",
            "pileup",
            [
                ("chr1", 100, "AT", "A", ["LowAltReads"], (30, 1), (28, 2), 1.0),
                ("chr1", 104, "C", "T", [], (30, 10), (30, 0), 25.0),
            ],
        )
    }
    _, _, _, records = _consensus(calls, tmp_path)
    assert _filters(records[("chr1", 104, "T")]) == ["NearIndel"]


@pytest.fixture
def population(tmp_path):
    text = tmp_path / "population.vcf"
    text.write_text(
        "##fileformat=VCFv4.2\n"
        "##contig=<ID=chr1,length=10000>\n"
        '##INFO=<ID=AF,Number=A,Type=Float,Description="Allele frequency">\n'
        '##INFO=<ID=AF_popmax,Number=A,Type=Float,Description="Popmax allele frequency">\n'
        + "\t".join(VCF_COLUMNS[:8])
        + "\n"
        + "chr1\t100\t.\tA\tG\t.\tPASS\tAF=0.0001;AF_popmax=0.01\n"
        + "chr1\t1000\t.\tC\tT\t.\tPASS\tAF=0.2;AF_popmax=0.3\n"
        + "chr1\t2000\t.\tG\tC\t.\tPASS\tAF=0.5;AF_popmax=0.5\n"
        + "chr1\t3000\t.\tT\tA,C\t.\tPASS\tAF=0.0002,0.3;AF_popmax=0.0002,0.3\n"
    )
    path = pysam.tabix_index(str(text), preset="vcf", force=True)
    return path


def test_consensus_population_af(method_vcfs, population, tmp_path):
    counts, _, _, records = _consensus(method_vcfs, tmp_path, population_vcf=population)
    rare = records[("chr1", 100, "G")]
    assert _filters(rare) == ["PASS"]
    assert rare.info["POP_AF"] == pytest.approx(0.0001)
    common = records[("chr1", 1000, "T")]
    assert _filters(common) == ["PopulationAF"]
    assert common.info["POP_AF"] == pytest.approx(0.2)
    # same position, different ALT (population G>C, call G>A): not matched
    other_alt = records[("chr1", 2000, "A")]
    assert _filters(other_alt) == ["PASS"]
    assert "POP_AF" not in other_alt.info
    # multi-allelic population record: the matching ALT's own AF
    multi = records[("chr1", 3000, "C")]
    assert multi.info["POP_AF"] == pytest.approx(0.3)
    assert "PopulationAF" in multi.filter
    # contig absent from the population VCF: no POP_AF, no error
    assert "POP_AF" not in records[("chr2", 540, "T")].info
    assert counts["pass"] == 5


def test_consensus_population_field(method_vcfs, population, tmp_path):
    _, _, _, records = _consensus(
        method_vcfs, tmp_path, population_vcf=population, population_field="AF_popmax"
    )
    assert records[("chr1", 100, "G")].info["POP_AF"] == pytest.approx(0.01)
    assert _filters(records[("chr1", 100, "G")]) == ["PopulationAF"]


def test_consensus_contig_order_follows_header(tmp_path):
    contigs = [("chrX", 5000), ("chr10", 5000), ("chr2", 5000)]
    rows = [
        ("chr2", 10, "A", "G", [], (30, 10), (30, 0), 25.0),
        ("chr10", 30, "A", "G", [], (30, 10), (30, 0), 25.0),
        ("chrX", 20, "A", "G", [], (30, 10), (30, 0), 25.0),
        ("chr10", 5, "A", "G", [], (30, 10), (30, 0), 25.0),
    ]
    calls = {"pileup": _method_vcf(tmp_path / "p.vcf.gz", "pileup", rows, contigs=contigs)}
    _, _, ordered, _ = _consensus(calls, tmp_path)
    assert [(r.contig, r.pos) for r in ordered] == [
        ("chrX", 20),
        ("chr10", 5),
        ("chr10", 30),
        ("chr2", 10),
    ]
    with pysam.VariantFile(str(tmp_path / "consensus.vcf.gz")) as vcf:
        assert list(vcf.header.contigs) == ["chrX", "chr10", "chr2"]


def test_consensus_tumour_only(tmp_path, population):
    rows = [
        ("chr1", 100, "A", "G", [], (30, 10), None, 25.0),
        ("chr1", 1000, "C", "T", [], (50, 50), None, 140.0),
        ("chr1", 1500, "C", "T", ["LowTLOD"], (36, 4), None, 4.0),
    ]
    calls = {
        "pileup": _method_vcf(tmp_path / "p.vcf.gz", "pileup", rows, normal=None),
        "freebayes": _method_vcf(tmp_path / "f.vcf.gz", "freebayes", rows[:2], normal=None),
    }
    counts, samples, _, records = _consensus(
        calls, tmp_path, SomaticThresholds(min_methods=2), normal=None, population_vcf=population
    )
    assert samples == ["TUM"]
    assert counts == {"candidates": 3, "pass": 1}
    for record in records.values():
        assert record.info["UNMATCHED"] is True
        for key in ("NDP", "NAF", "NLOD", "SOMATIC"):
            assert key not in record.info
    assert _filters(records[("chr1", 100, "G")]) == ["PASS"]
    assert records[("chr1", 100, "G")].samples["TUM"]["AD"] == (30, 10)
    assert records[("chr1", 100, "G")].samples["TUM"]["GT"] == (0, 1)
    # likely germline: removed by population frequency
    assert _filters(records[("chr1", 1000, "T")]) == ["PopulationAF"]
    assert _filters(records[("chr1", 1500, "T")]) == ["LowTLOD"]
    assert records[("chr1", 1500, "T")].info["METHODS"] == ("pileup",)


def test_consensus_of_call_method_outputs(pileup, freebayes, tmp_path):
    # end to end: both methods from the hand-written inputs, then their consensus
    pileup_out = tmp_path / "pileup.out.vcf.gz"
    freebayes_out = tmp_path / "freebayes.out.vcf.gz"
    call_method("pileup", str(pileup), str(pileup_out), "TUM", "NOR", T)
    call_method("freebayes", str(freebayes), str(freebayes_out), "TUM", "NOR", T)
    methods = {"pileup": str(pileup_out), "freebayes": str(freebayes_out)}
    counts, _, ordered, records = _consensus(methods, tmp_path, SomaticThresholds(min_methods=2))
    assert counts["candidates"] == len(ordered) == 15  # 8 + 8 with chr1:100 A>G shared
    shared = records[("chr1", 100, "G")]
    assert shared.info["METHODS"] == ("pileup", "freebayes")
    assert shared.info["PASS_METHODS"] == ("pileup", "freebayes")
    assert _filters(shared) == ["PASS"]
    # the freebayes deletion chr1:170 AT>A (8 tumour alt reads) spans up to 172: the pileup
    # SNV at chr1:200 is out of reach of the 10 bp window
    assert "NearIndel" not in records[("chr1", 200, "T")].filter
    # freebayes SNVs at 160/180 are within 10 bp of the chr1:170 deletion
    assert "NearIndel" in records[("chr1", 160, "A")].filter
    assert "NearIndel" in records[("chr1", 180, "C")].filter
    assert _filters(records[("chr1", 400, "T")]) == ["SingleMethod"]
    assert counts["pass"] == 1
    assert [r.contig for r in ordered] == sorted(r.contig for r in ordered)


# --------------------------------------------------------------------------- doctests


def test_somatic_doctests():
    result = doctest.testmod(somatic)
    assert result.attempted > 0
    assert result.failed == 0


def test_somatic_doctests_other_than_tumour_lod():
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner()
    tests = [
        t for t in finder.find(somatic) if t.examples and t.name != f"{somatic.__name__}.tumour_lod"
    ]
    assert {t.name.rsplit(".", 1)[-1] for t in tests} >= {"fisher_greater", "normal_lod"}
    for test in tests:
        runner.run(test)
    assert runner.summarize(verbose=False).failed == 0


# ------------------------------------------------------------- pileup base qualities, read ends

QS_HEADER = PILEUP_HEADER + (
    '##FORMAT=<ID=QS,Number=R,Type=Integer,Description="Phred-score allele quality sum">\n'
)
QS_FMT = "PL:DP:AD:ADF:ADR:QS"


def _i16_tails(ref_reads, alt_forward, alt_reverse, alt_tail, ref_tail=(20, 20 * 20 + 49)):
    """I16 with 60 ref reads per strand split, the alt reads' tail distances given per read."""
    alt = alt_forward + alt_reverse
    values = [ref_reads // 2, ref_reads - ref_reads // 2, alt_forward, alt_reverse]
    values += [30 * ref_reads, 900 * ref_reads, 30 * alt, 900 * alt]
    values += [60 * ref_reads, 3600 * ref_reads, 60 * alt, 3600 * alt]
    values += [ref_tail[0] * ref_reads, ref_tail[1] * ref_reads]
    values += [sum(alt_tail), sum(t * t for t in alt_tail)]
    return "I16=" + ",".join(str(v) for v in values)


def _qs_row(pos, alt_forward, alt_reverse, alt_qs, alt_tail):
    alt = alt_forward + alt_reverse
    tumour = f"{PL3}:{60 + alt}:60,{alt},0:30,{alt_forward},0:30,{alt_reverse},0:1800,{alt_qs},0"
    normal = f"{PL3}:30:30,0,0:15,0,0:15,0,0:900,0,0"
    info = f"DP={90 + alt};" + _i16_tails(90, alt_forward, alt_reverse, alt_tail)
    return "\t".join(["chr1", str(pos), ".", "A", "G,<*>", "0", ".", info, QS_FMT, tumour, normal])


QS_ROWS = [
    # 5 alt reads, base quality 30, spread along the reads: PASS
    _qs_row(100, 3, 2, 150, [25, 20, 12, 25, 18]),
    # the same reads at base quality 17 (error 0.02): error explains them
    _qs_row(200, 3, 2, 85, [25, 20, 12, 25, 18]),
    # 5 alt reads, all within 2 bp of a read end, on both strands
    _qs_row(300, 3, 2, 150, [0, 1, 2, 1, 0]),
    # 4 alt reads all on the forward strand, somewhat near the ends (z about -3)
    _qs_row(400, 4, 0, 120, [8, 10, 5, 9]),
    # the same distances on both strands: chance
    _qs_row(500, 2, 2, 120, [8, 10, 5, 9]),
]


@pytest.fixture
def qs_pileup(tmp_path):
    return _write_text_vcf(tmp_path / "qs.vcf", QS_HEADER, QS_ROWS, ["TUM", "NOR"])


def test_pileup_error_from_base_qualities(qs_pileup):
    candidates = {c.pos: c for c in pileup_candidates(str(qs_pileup), "TUM", "NOR")}
    assert candidates[100].alt_base_quality == pytest.approx(30.0)
    assert candidates[100].error == pytest.approx(0.001)
    assert candidates[200].alt_base_quality == pytest.approx(17.0)
    assert candidates[200].error == pytest.approx(10**-1.7)
    assert candidates[100].read_ends.alt_mean == pytest.approx(20.0)


def test_pileup_filters_from_qualities_strands_and_read_ends(qs_pileup, tmp_path):
    out = tmp_path / "qs.vcf.gz"
    thresholds = SomaticThresholds(min_tlod=5.0, min_tumour_alt_reads=3)
    call_method("pileup", str(qs_pileup), str(out), "TUM", "NOR", thresholds)
    _, filters, _, records = _read(out)
    assert {"ReadEndBias", "StrandBias", "LowTLOD"} <= filters
    assert _filters(records[("chr1", 100, "G")]) == ["PASS"]
    assert records[("chr1", 100, "G")].info["ALT_BQ"] == pytest.approx(30.0)
    low_quality = records[("chr1", 200, "G")]
    assert "LowTLOD" in _filters(low_quality) and "PASS" not in _filters(low_quality)
    assert low_quality.info["ERROR"] == pytest.approx(10**-1.7, rel=1e-2)
    assert _filters(records[("chr1", 300, "G")]) == ["ReadEndBias"]
    assert records[("chr1", 300, "G")].info["READ_END_Z"] < -4
    one_strand = records[("chr1", 400, "G")]
    assert _filters(one_strand) == ["ReadEndBias"]
    assert -4 < one_strand.info["READ_END_Z"] < -2.5
    assert _filters(records[("chr1", 500, "G")]) == ["PASS"]

"""Tests for icope.somatic: Fisher test, per-allele judgement and the pileup-based caller."""

from __future__ import annotations

import doctest
import math

import pysam
import pytest

from icope import somatic
from icope.somatic import (
    FILTERS,
    AlleleCounts,
    SomaticThresholds,
    call_somatic,
    fisher_greater,
    judge,
)

try:
    from scipy.stats import fisher_exact
except ImportError:  # pragma: no cover - scipy is optional
    fisher_exact = None


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


def test_somatic_doctests():
    result = doctest.testmod(somatic)
    assert result.attempted > 0
    assert result.failed == 0


# --------------------------------------------------------------------------- judge

T = SomaticThresholds()
CLEAN_TUMOUR = AlleleCounts(depth=40, ref=30, alt=10, alt_forward=5, alt_reverse=5)
CLEAN_NORMAL = AlleleCounts(depth=30, ref=30, alt=0)


def test_thresholds_defaults():
    assert SomaticThresholds(10, 8, 4, 0.03, 0.05, 0.01) == T


def test_judge_clean_pass():
    reasons, p = judge(CLEAN_TUMOUR, CLEAN_NORMAL, T)
    assert reasons == []
    assert p == pytest.approx(fisher_greater(10, 30, 0, 30))
    assert p < T.max_fisher_p


@pytest.mark.parametrize(
    ("tumour", "normal", "reason"),
    [
        # 9 reads, all alt: only the depth is too low
        (AlleleCounts(9, 0, 9, 4, 5), AlleleCounts(30, 30, 0), "LowTumourDepth"),
        # 7 normal reads; 40 of 60 tumour reads alt keeps Fisher significant
        (AlleleCounts(60, 20, 40, 20, 20), AlleleCounts(7, 7, 0), "LowNormalDepth"),
        # 3 alt reads of 12, normal of 100 keeps Fisher significant
        (AlleleCounts(12, 9, 3, 2, 1), AlleleCounts(200, 200, 0), "LowAltReads"),
        # 5 alt of 200 = 2.5 % < 3 %
        (AlleleCounts(200, 195, 5, 3, 2), AlleleCounts(2000, 2000, 0), "LowTumourAF"),
        # 3 alt of 30 in the normal = 10 %
        (AlleleCounts(100, 50, 50, 25, 25), AlleleCounts(30, 27, 3), "NormalEvidence"),
        # 1 alt of 21 normal reads (4.8 %) keeps NormalEvidence quiet; p = 0.027 > 0.01
        (AlleleCounts(10, 6, 4, 2, 2), AlleleCounts(21, 20, 1), "NotEnriched"),
        # 8 alt reads all forward
        (AlleleCounts(40, 32, 8, 8, 0), AlleleCounts(60, 60, 0), "StrandBias"),
    ],
)
def test_judge_single_reason(tumour, normal, reason):
    reasons, _ = judge(tumour, normal, T)
    assert reasons == [reason]


def test_strand_bias_needs_six_alt_reads():
    five_forward = AlleleCounts(40, 35, 5, 5, 0)
    six_reverse = AlleleCounts(40, 34, 6, 0, 6)
    assert judge(five_forward, None, T)[0] == []
    assert judge(six_reverse, None, T)[0] == ["StrandBias"]
    assert judge(AlleleCounts(40, 34, 6, 1, 5), None, T)[0] == []


def test_reasons_are_in_filter_order():
    tumour = AlleleCounts(depth=5, ref=4, alt=1)
    normal = AlleleCounts(depth=4, ref=2, alt=2)
    # tumour AF 0.2 passes min_tumour_af
    reasons, p = judge(tumour, normal, T)
    assert reasons == [
        "LowTumourDepth",
        "LowNormalDepth",
        "LowAltReads",
        "NormalEvidence",
        "NotEnriched",
    ]
    assert reasons == [f for f in FILTERS if f in reasons]
    assert p == pytest.approx(fisher_greater(1, 4, 2, 2))


def test_germline_het_is_not_passed():
    tumour = AlleleCounts(depth=100, ref=50, alt=50, alt_forward=25, alt_reverse=25)
    normal = AlleleCounts(depth=100, ref=52, alt=48)
    reasons, p = judge(tumour, normal, T)
    assert "NormalEvidence" in reasons
    assert "NotEnriched" in reasons
    assert p == pytest.approx(fisher_greater(50, 50, 48, 52))
    assert p > 0.4


def test_tumour_only_skips_normal_filters():
    # would be NotEnriched / NormalEvidence / LowNormalDepth with any normal
    tumour = AlleleCounts(depth=100, ref=50, alt=50, alt_forward=25, alt_reverse=25)
    reasons, p = judge(tumour, None, T)
    assert reasons == []
    assert p == 1.0
    # tumour-side filters still apply
    assert judge(AlleleCounts(8, 5, 3, 3, 0), None, T)[0] == ["LowTumourDepth", "LowAltReads"]


def test_thresholds_are_used():
    strict = SomaticThresholds(min_tumour_depth=50)
    assert judge(CLEAN_TUMOUR, CLEAN_NORMAL, strict)[0] == ["LowTumourDepth"]
    lenient = SomaticThresholds(max_normal_af=0.6, max_fisher_p=1.0)
    het_t = AlleleCounts(100, 50, 50, 25, 25)
    het_n = AlleleCounts(100, 52, 48)
    assert judge(het_t, het_n, lenient)[0] == []


def test_allele_fraction():
    assert AlleleCounts(40, 30, 10).af == 0.25
    assert AlleleCounts(0, 0, 0).af == 0.0


# --------------------------------------------------------------------------- call_somatic

PILEUP_HEADER = """\
##fileformat=VCFv4.2
##FILTER=<ID=PASS,Description="All filters passed">
##source=bcftools_mpileup
##contig=<ID=chr1,length=1000>
##contig=<ID=chr2,length=500>
##INFO=<ID=INDEL,Number=0,Type=Flag,Description="Indicates that the variant is an INDEL.">
##INFO=<ID=DP,Number=1,Type=Integer,Description="Raw read depth">
##FORMAT=<ID=PL,Number=G,Type=Integer,Description="List of Phred-scaled genotype likelihoods">
##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Number of high-quality bases">
##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths (high-quality bases)">
##FORMAT=<ID=ADF,Number=R,Type=Integer,Description="Allelic depths on the forward strand">
##FORMAT=<ID=ADR,Number=R,Type=Integer,Description="Allelic depths on the reverse strand">
"""
FMT = "PL:DP:AD:ADF:ADR"
PL3 = "0,3,30,3,30,30"  # two alleles + <*>: 6 genotypes
PL4 = "0,3,30,3,30,30,3,30,30,30"  # three alleles + <*>: 10 genotypes


def _row(chrom, pos, ref, alt, info, tum, nor):
    return "\t".join([chrom, str(pos), ".", ref, alt, "0", ".", info, FMT, tum, nor])


PILEUP_ROWS = [
    # somatic SNV: tumour 30 ref / 10 alt (5 fwd, 5 rev), normal 30 ref
    _row(
        "chr1",
        100,
        "A",
        "G,<*>",
        "DP=75",
        f"{PL3}:42:30,10,0:15,5,0:15,5,0",
        f"{PL3}:31:30,0,0:15,0,0:15,0,0",
    ),
    # germline het: tumour 50/100, normal 48/100
    _row(
        "chr1",
        200,
        "C",
        "T,<*>",
        "DP=210",
        f"{PL3}:100:50,50,0:25,25,0:25,25,0",
        f"{PL3}:100:52,48,0:26,24,0:26,24,0",
    ),
    # nothing but <*>
    _row("chr1", 300, "G", "<*>", "DP=80", "0,3,30:40:40,0:20,0:20,0", "0,3,30:40:40,0:20,0:20,0"),
    # two real ALTs: T somatic (12 reads), C only in the normal (not in tumour: skipped)
    _row(
        "chr1",
        400,
        "A",
        "T,C,<*>",
        "DP=90",
        f"{PL4}:40:28,12,0,0:14,6,0,0:14,6,0,0",
        f"{PL4}:40:38,0,2,0:19,0,1,0:19,0,1,0",
    ),
    # somatic deletion
    _row(
        "chr2",
        50,
        "ACG",
        "A,<*>",
        "INDEL;DP=60",
        f"{PL3}:30:22,8,0:11,4,0:11,4,0",
        f"{PL3}:30:30,0,0:15,0,0:15,0,0",
    ),
]


@pytest.fixture
def pileup(tmp_path):
    path = tmp_path / "pileup.vcf"
    header_line = "\t".join(
        ["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT", "TUM", "NOR"]
    )
    path.write_text(PILEUP_HEADER + header_line + "\n" + "\n".join(PILEUP_ROWS) + "\n")
    return path


def _read(path):
    with pysam.VariantFile(str(path)) as vcf:
        samples = list(vcf.header.samples)
        filters = set(vcf.header.filters.keys())
        records = {(r.contig, r.pos, r.alts[0]): r for r in vcf}
    return samples, filters, records


def test_call_somatic_paired(pileup, tmp_path):
    out = tmp_path / "out.vcf.gz"
    counts = call_somatic(str(pileup), str(out), "TUM", "NOR", SomaticThresholds())
    samples, filters, records = _read(out)

    assert samples == ["TUM", "NOR"]
    assert set(FILTERS) <= filters
    assert set(records) == {
        ("chr1", 100, "G"),
        ("chr1", 200, "T"),
        ("chr1", 400, "T"),
        ("chr2", 50, "A"),
    }
    assert counts == {"candidates": 4, "pass": 3}

    snv = records[("chr1", 100, "G")]
    assert snv.ref == "A"
    assert snv.alts == ("G",)
    assert list(snv.filter.keys()) == ["PASS"]
    assert snv.info["TDP"] == 40  # sum of AD, not FORMAT/DP (42)
    assert snv.info["TAF"] == pytest.approx(0.25)
    assert snv.info["NDP"] == 30
    assert snv.info["NAF"] == pytest.approx(0.0)
    assert snv.info["FISHER_P"] == pytest.approx(fisher_greater(10, 30, 0, 30), rel=1e-2)
    assert snv.info["SOMATIC"] is True
    assert "UNMATCHED" not in snv.info
    assert snv.info["METHODS"] == ("pileup_fisher",)
    assert snv.samples["TUM"]["AD"] == (30, 10)
    assert snv.samples["TUM"]["AF"] == (pytest.approx(0.25),)
    assert snv.samples["TUM"]["DP"] == 40
    assert snv.samples["TUM"]["GT"] == (0, 1)
    assert snv.samples["NOR"]["AD"] == (30, 0)
    assert snv.samples["NOR"]["AF"] == (pytest.approx(0.0),)
    assert snv.samples["NOR"]["GT"] == (0, 0)

    het = records[("chr1", 200, "T")]
    assert "NormalEvidence" in het.filter
    assert "PASS" not in het.filter
    assert het.info["TAF"] == pytest.approx(0.5)
    assert het.info["NAF"] == pytest.approx(0.48)
    assert het.samples["NOR"]["AD"] == (52, 48)

    # the second ALT allele is read at its own AD index
    multi = records[("chr1", 400, "T")]
    assert multi.alleles == ("A", "T")
    assert list(multi.filter.keys()) == ["PASS"]
    assert multi.samples["TUM"]["AD"] == (28, 12)
    assert multi.info["TAF"] == pytest.approx(0.3)
    assert multi.samples["NOR"]["AD"] == (38, 0)
    assert multi.info["NDP"] == 40

    indel = records[("chr2", 50, "A")]
    assert indel.alleles == ("ACG", "A")
    assert indel.info["INDEL"] is True
    assert "INDEL" not in snv.info
    assert list(indel.filter.keys()) == ["PASS"]


def test_call_somatic_never_writes_symbolic_alleles(pileup, tmp_path):
    out = tmp_path / "out.vcf.gz"
    call_somatic(str(pileup), str(out), "TUM", "NOR", SomaticThresholds())
    with pysam.VariantFile(str(out)) as vcf:
        records = list(vcf)
    assert records
    assert all(not alt.startswith("<") for r in records for alt in r.alts)
    assert 300 not in {r.pos for r in records}
    assert all(len(r.alts) == 1 for r in records)


def test_call_somatic_tumour_only(pileup, tmp_path):
    out = tmp_path / "tonly.vcf.gz"
    counts = call_somatic(str(pileup), str(out), "TUM", None, SomaticThresholds())
    samples, _, records = _read(out)

    assert samples == ["TUM"]
    assert counts == {"candidates": 4, "pass": 4}  # the germline het now passes too
    for rec in records.values():
        assert rec.info["UNMATCHED"] is True
        assert "NDP" not in rec.info
        assert "NAF" not in rec.info
        assert "FISHER_P" not in rec.info
        assert "SOMATIC" not in rec.info
    het = records[("chr1", 200, "T")]
    assert list(het.filter.keys()) == ["PASS"]
    assert het.info["TDP"] == 100
    assert het.samples["TUM"]["AD"] == (50, 50)


def test_call_somatic_method_name(pileup, tmp_path):
    out = tmp_path / "m.vcf.gz"
    call_somatic(str(pileup), str(out), "TUM", "NOR", SomaticThresholds(), method="mymethod")
    with pysam.VariantFile(str(out)) as vcf:
        assert "##source=icope.somatic:mymethod" in str(vcf.header)
        assert {r.info["METHODS"] for r in vcf} == {("mymethod",)}


def test_call_somatic_output_is_bgzipped(pileup, tmp_path):
    out = tmp_path / "out.vcf.gz"
    call_somatic(str(pileup), str(out), "TUM", "NOR", SomaticThresholds())
    with open(out, "rb") as handle:
        magic = handle.read(4)
    assert magic[:2] == b"\x1f\x8b"
    assert magic[3] & 4  # FEXTRA flag: BGZF block, so tabix can index it
    pysam.tabix_index(str(out), preset="vcf", force=True)
    with pysam.VariantFile(str(out)) as vcf:
        assert [r.pos for r in vcf.fetch("chr1", 150, 250)] == [200]

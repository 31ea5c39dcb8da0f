"""Tests for icope.somatic.cnv: het-site selection, tumour BAF, BAF breakpoints, segment calls,
copy numbers, TSV/BED writing, the CNVkit wrappers' guards and the plot."""

from __future__ import annotations

import doctest
import math

import numpy as np
import pandas as pd
import pysam
import pytest

from icope.somatic import cnv
from icope.somatic.cnv import (
    BAF_COLUMNS,
    CNR_COLUMNS,
    CNS_COLUMNS,
    SEGMENT_COLUMNS,
    CnvThresholds,
    allele_specific_segments,
    baf_breakpoints,
    compute_baf,
    copy_numbers,
    read_baf,
    read_het_sites,
    read_pileup_counts,
    read_segments,
    select_het_sites,
    state_call,
    write_baf,
    write_loh_bed,
    write_segments,
)

THRESHOLDS = CnvThresholds()


def test_doctests():
    assert doctest.testmod(cnv).failed == 0


# --------------------------------------------------------------------------- VCF fixtures

HEADER = """##fileformat=VCFv4.2
##contig=<ID=chr1,length=100000>
##FILTER=<ID=PASS,Description="All filters passed">
##FILTER=<ID=LowDepth,Description="Low depth">
##INFO=<ID=DP,Number=1,Type=Integer,Description="Depth">
##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">
##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">
##FORMAT=<ID=PL,Number=G,Type=Integer,Description="Likelihoods">
#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t{sample}
"""

# (pos, ref, alt, filter, GT, AD) -> selected?
GERMLINE = [
    (100, "A", "G", "PASS", "0/1", "15,15", True),
    (200, "C", "T", "PASS", "0|1", "12,10", True),  # phased het
    (300, "G", "A", "LowDepth", "0/1", "10,10", False),  # not PASS
    (400, "T", "C", "PASS", "1/1", "0,30", False),  # homozygous
    (500, "A", "C", "PASS", "0/1", "24,6", False),  # normal VAF 0.2
    (600, "A", "AT", "PASS", "0/1", "15,15", False),  # indel
    (700, "G", "C", "PASS", "0/1", "4,4", False),  # depth 8 < 10
    (800, "C", "A", "PASS", "0/1", "15,15", False),  # split multiallelic ...
    (800, "C", "G", "PASS", "0/1", "15,15", False),  # ... same position twice
    (900, "T", "G", ".", "0/1", "21,9", True),  # no filter set, VAF 0.3
]


def _write_vcf(path, sample, rows):
    with open(path, "w") as handle:
        handle.write(HEADER.format(sample=sample))
        for pos, ref, alt, filt, fmt_keys, values in rows:
            handle.write(f"chr1\t{pos}\t.\t{ref}\t{alt}\t50\t{filt}\t.\t{fmt_keys}\t{values}\n")
    pysam.tabix_compress(str(path), str(path) + ".gz", force=True)
    pysam.tabix_index(str(path) + ".gz", preset="vcf", force=True)
    return str(path) + ".gz"


@pytest.fixture()
def germline_vcf(tmp_path):
    rows = [(p, r, a, f, "GT:AD", f"{gt}:{ad}") for p, r, a, f, gt, ad, _ in GERMLINE]
    return _write_vcf(tmp_path / "normal.vcf", "N1", rows)


def test_select_het_sites_keeps_only_informative_hets(germline_vcf, tmp_path):
    out = tmp_path / "hets.vcf.gz"
    assert select_het_sites(germline_vcf, "N1", out) == 3
    sites = read_het_sites(out, "N1")
    expected = [row[0] for row in GERMLINE if row[-1]]
    assert sites["pos"].tolist() == expected
    assert sites["normal_vaf"].tolist() == pytest.approx([0.5, 10 / 22, 0.3])
    assert sites["normal_depth"].tolist() == [30, 22, 30]


def test_select_het_sites_unknown_sample(germline_vcf, tmp_path):
    with pytest.raises(ValueError, match="sample N2 not found"):
        select_het_sites(germline_vcf, "N2", tmp_path / "hets.vcf.gz")


def test_read_pileup_counts(tmp_path):
    rows = [
        (100, "A", "G,<*>", ".", "PL:AD", "0,0,0,0,0,0:5,25,0"),
        (200, "C", "<*>", ".", "PL:AD", "0,0,0:20,0"),  # alt allele not observed
    ]
    counts = read_pileup_counts(_write_vcf(tmp_path / "pileup.vcf", "T1", rows))
    assert counts["counts"].tolist() == [{"A": 5, "G": 25, "<*>": 0}, {"C": 20, "<*>": 0}]


# --------------------------------------------------------------------------- BAF


def _het_sites(positions, chrom="chr1"):
    return pd.DataFrame(
        {
            "chrom": chrom,
            "pos": positions,
            "ref": "A",
            "alt": "G",
            "normal_depth": 30,
            "normal_vaf": 0.5,
        }
    )


def test_compute_baf_raw_and_mirrored():
    sites = _het_sites([100, 200, 300, 400])
    pileup = pd.DataFrame(
        {
            "chrom": "chr1",
            "pos": [100, 200, 300],
            "pileup_ref": "A",
            "counts": [{"A": 10, "G": 30}, {"A": 30, "G": 10, "T": 5}, {"A": 20, "<*>": 0}],
        }
    )
    baf = compute_baf(sites, pileup)
    assert list(baf.columns) == BAF_COLUMNS
    assert baf["tumour_ref"].tolist() == [10, 30, 20, 0]
    assert baf["tumour_alt"].tolist() == [30, 10, 0, 0]
    # reads of a third allele are not counted
    assert baf["tumour_depth"].tolist() == [40, 40, 20, 0]
    assert baf["baf"].tolist()[:3] == pytest.approx([0.75, 0.25, 0.0])
    assert baf["baf_mirrored"].tolist()[:3] == pytest.approx([0.75, 0.75, 1.0])
    # no tumour reads at the site: BAF unknown
    assert math.isnan(baf["baf"].iloc[3]) and math.isnan(baf["baf_mirrored"].iloc[3])


def test_baf_table_round_trip(tmp_path):
    sites = _het_sites([100])
    sites["chrom"] = "1"  # numeric contig names stay text
    pileup = pd.DataFrame({"chrom": "1", "pos": [100], "pileup_ref": "A", "counts": [{"A": 1}]})
    path = tmp_path / "baf.tsv"
    write_baf(compute_baf(sites, pileup), path)
    back = read_baf(path)
    assert back["chrom"].tolist() == ["1"]
    assert back["baf"].tolist() == [0.0]


def test_balanced_expectation_shrinks_with_depth():
    low, high = cnv.balanced_mirrored_baf([10, 1000])
    assert 0.6 < low < 0.62
    assert 0.5 < high < 0.515


# --------------------------------------------------------------------------- classification


@pytest.mark.parametrize(
    ("total", "minor", "expected"),
    [
        (2, 1, ("neutral", "balanced")),
        (3, 1, ("gain", "gain")),
        (4, 2, ("gain", "balanced_gain")),
        (1, 0, ("LOH_copy_loss", "loss")),
        (2, 0, ("copy_neutral_LOH", "copy_neutral_LOH")),
        (3, 0, ("LOH_gain", "LOH_gain")),
        (0, 0, ("homozygous_deletion", "homozygous_deletion")),
        # too few SNPs: the call from the total copy number alone
        (1, None, ("loss", "not_assessable")),
        (2, None, ("neutral", "not_assessable")),
        (3, None, ("gain", "not_assessable")),
    ],
)
def test_state_call(total, minor, expected):
    """Calls come from the integer allele-specific state (the old log2/BAF thresholds, which
    called a 2:1 gain at purity 0.6 "balanced", are gone)."""
    assert state_call(total, minor) == expected


def test_copy_numbers_given_purity():
    # one copy lost at purity 0.8: ratio 0.6, BAF 1/1.2 -> total 1, minor 0
    total, minor = copy_numbers(math.log2(0.6), 1 / 1.2, 0.8)
    assert (total, minor) == pytest.approx((1.0, 0.0))
    # copy-neutral LOH at purity 0.5: ratio 1, BAF 0.75 -> total 2, minor 0
    assert copy_numbers(0.0, 0.75, 0.5) == pytest.approx((2.0, 0.0))
    # one allele gained, purity 1: 3 copies, 2:1
    assert copy_numbers(math.log2(1.5), 2 / 3, 1.0) == pytest.approx((3.0, 1.0))
    assert all(math.isnan(x) for x in copy_numbers(0.0, 0.5, None))
    # log2 0 is 1 copy (a loss over most of the genome): log2 0 at purity 1 -> 1 copy
    assert copy_numbers(0.0, 1.0, 1.0, reference_cn=1.0) == pytest.approx((1.0, 0.0))


# --------------------------------------------------------------------------- BAF breakpoints


def _baf_snps(rng, positions, mirrored_mean, depth=60, chrom="chr1"):
    """Tumour reads at het SNPs with the given expected mirrored BAF (random phase)."""
    alt_share = np.where(rng.random(len(positions)) < 0.5, mirrored_mean, 1 - mirrored_mean)
    alt = rng.binomial(depth, alt_share)
    baf = alt / depth
    return pd.DataFrame(
        {
            "chrom": chrom,
            "pos": positions,
            "ref": "A",
            "alt": "G",
            "normal_depth": 30,
            "normal_vaf": 0.5,
            "tumour_ref": depth - alt,
            "tumour_alt": alt,
            "tumour_depth": depth,
            "baf": baf,
            "baf_mirrored": cnv.mirrored(baf),
        }
    )


def test_baf_breakpoint_at_step():
    rng = np.random.default_rng(1)
    snps = pd.concat(
        [
            _baf_snps(rng, np.arange(1_000, 300_000, 10_000), 0.5),
            _baf_snps(rng, np.arange(305_000, 600_000, 10_000), 0.85),
        ]
    )
    cuts = baf_breakpoints(snps["pos"], snps["baf_mirrored"], THRESHOLDS)
    assert len(cuts) == 1
    assert 291_000 - 1 < cuts[0] <= 305_000 - 1


def test_no_baf_breakpoint_without_change():
    rng = np.random.default_rng(2)
    snps = _baf_snps(rng, np.arange(1_000, 1_000_000, 2_000), 0.5)
    assert baf_breakpoints(snps["pos"], snps["baf_mirrored"], THRESHOLDS) == []


def test_no_baf_breakpoint_with_too_few_snps():
    positions = np.arange(1, 20) * 100
    values = [0.5] * 9 + [0.9] * 10
    assert baf_breakpoints(positions, values, THRESHOLDS) == []


# --------------------------------------------------------------------------- segments


def _bins(chrom, start, end, log2, size=5_000):
    starts = np.arange(start, end, size)
    return pd.DataFrame(
        {
            "chrom": chrom,
            "start": starts,
            "end": np.minimum(starts + size, end),
            "gene": "-",
            "depth": 30.0,
            "log2": log2,
            "weight": 1.0,
        }
    )


def _segment(chrom, start, end, log2):
    return {
        "chrom": chrom,
        "start": start,
        "end": end,
        "gene": "-",
        "log2": log2,
        "depth": 30.0,
        "probes": (end - start) // 5_000,
        "weight": 1.0,
    }


def test_copy_loss_loh_found():
    """Simulated pair in miniature: chr1:450-550 kb one copy lost at purity 0.8."""
    rng = np.random.default_rng(3)
    bins = pd.concat(
        [
            _bins("chr1", 0, 450_000, 0.0),
            _bins("chr1", 450_000, 550_000, -0.74),
            _bins("chr1", 550_000, 1_000_000, 0.0),
        ]
    )
    segments = pd.DataFrame(
        [
            _segment("chr1", 0, 450_000, 0.0),
            _segment("chr1", 450_000, 550_000, -0.74),
            _segment("chr1", 550_000, 1_000_000, 0.0),
        ]
    )
    baf = pd.concat(
        [
            _baf_snps(rng, np.arange(2_001, 450_000, 3_000), 0.5),
            _baf_snps(rng, np.arange(452_001, 550_000, 15_000), 0.833, depth=36),
            _baf_snps(rng, np.arange(551_001, 1_000_000, 3_000), 0.5),
        ]
    )
    table = allele_specific_segments(bins, segments, baf, {"chr1": 1_000_000})
    assert list(table.columns) == SEGMENT_COLUMNS
    assert table["call"].tolist() == ["neutral", "LOH_copy_loss", "neutral"]
    loh = table.iloc[1]
    assert (loh.start, loh.end, loh.n_het_snps) == (450_000, 550_000, 7)
    assert 0.75 < loh.baf_mirrored_median < 0.9


def test_copy_neutral_loh_split_out_of_a_cnvkit_segment():
    rng = np.random.default_rng(4)
    bins = _bins("chr1", 0, 1_000_000, 0.0)
    segments = pd.DataFrame([_segment("chr1", 0, 1_000_000, 0.0)])
    baf = pd.concat(
        [
            _baf_snps(rng, np.arange(1_001, 600_000, 5_000), 0.5),
            _baf_snps(rng, np.arange(601_001, 1_000_000, 5_000), 0.9),
        ]
    )
    table = allele_specific_segments(bins, segments, baf, {"chr1": 1_000_000}, purity=0.8)
    assert table["call"].tolist() == ["neutral", "copy_neutral_LOH"]
    assert table["source"].tolist() == ["baf", "baf"]
    assert 596_001 - 1 < table["end"].iloc[0] <= 601_001 - 1
    assert table["start"].iloc[1] == table["end"].iloc[0]
    assert table["n_bins"].sum() == len(bins)
    cn_loh = table.iloc[1]
    assert cn_loh.cn_total == pytest.approx(2.0, abs=0.01)
    assert cn_loh.cn_minor < 0.3


def test_no_cnvkit_segments_gives_not_assessable_contigs():
    rng = np.random.default_rng(5)
    baf = _baf_snps(rng, [100, 200], 0.5)
    empty_bins = pd.DataFrame(columns=["chrom", *CNR_COLUMNS[1:]])
    empty_segments = pd.DataFrame(columns=["chrom", *CNS_COLUMNS[1:]])
    table = allele_specific_segments(
        empty_bins, empty_segments, baf, {"chr1": 40_001, "chr2": 1_000}
    )
    assert table[["chrom", "start", "end"]].values.tolist() == [
        ["chr1", 0, 40_001],
        ["chr2", 0, 1_000],
    ]
    assert set(table["call"]) == {"not_assessable"}
    assert table["n_het_snps"].tolist() == [2, 0]


def test_low_depth_snps_are_not_counted():
    rng = np.random.default_rng(6)
    bins = _bins("chr1", 0, 100_000, 0.0)
    segments = pd.DataFrame([_segment("chr1", 0, 100_000, 0.0)])
    baf = _baf_snps(rng, np.arange(1_001, 100_000, 5_000), 0.95, depth=5)
    table = allele_specific_segments(bins, segments, baf, {"chr1": 100_000})
    assert table["n_het_snps"].tolist() == [0]
    assert table["call"].tolist() == ["neutral"]


# --------------------------------------------------------------------------- writing


def _calls_table():
    rows = [
        ("chr1", 0, 100, 0.01, 20, 30, 0.55, "neutral"),
        ("chr1", 100, 200, -0.74, 20, 6, 0.83, "LOH_copy_loss"),
        ("chr1", 200, 300, 0.0, 20, 30, 0.9, "copy_neutral_LOH"),
        ("chr1", 300, 400, -0.6, 20, 0, math.nan, "loss"),
        ("chr1", 400, 500, 0.5, 20, 30, 0.66, "gain"),
    ]
    table = pd.DataFrame(rows, columns=SEGMENT_COLUMNS[:8])
    for column in SEGMENT_COLUMNS[8:]:
        table[column] = math.nan
    return table


def test_segments_tsv_round_trip(tmp_path):
    path = tmp_path / "segments.tsv"
    write_segments(_calls_table(), path)
    lines = path.read_text().splitlines()
    assert lines[0].split("\t")[:8] == [
        "chrom",
        "start",
        "end",
        "log2",
        "n_bins",
        "n_het_snps",
        "baf_mirrored_median",
        "call",
    ]
    assert lines[2].split("\t")[:8] == [
        "chr1",
        "100",
        "200",
        "-0.7400",
        "20",
        "6",
        "0.8300",
        "LOH_copy_loss",
    ]
    back = read_segments(path)
    assert back["call"].tolist() == _calls_table()["call"].tolist()
    assert math.isnan(back["baf_mirrored_median"].iloc[3])


def test_loh_bed_holds_loh_and_losses(tmp_path):
    path = tmp_path / "loh.bed"
    assert write_loh_bed(_calls_table(), path) == 3
    lines = path.read_text().splitlines()
    assert lines[0].startswith("#chrom\tstart\tend\tcall")
    assert [line.split("\t")[:4] for line in lines[1:]] == [
        ["chr1", "100", "200", "LOH_copy_loss"],
        ["chr1", "200", "300", "copy_neutral_LOH"],
        ["chr1", "300", "400", "loss"],
    ]
    assert lines[3].split("\t")[5] == "NA"


# --------------------------------------------------------------------------- CNVkit wrappers


def test_cnvkit_commands():
    ref = cnv.reference_command("N.bam", "genome.fa", 5000, "N.cnn", "work", 2)
    assert ref[:4] == ["cnvkit", "batch", "--method", "wgs"]
    assert ref[ref.index("--normal") + 1] == "N.bam"
    assert ref[ref.index("--target-avg-size") + 1] == "5000"
    tumour = cnv.tumour_command("T.bam", "N.cnn", "work", 2)
    assert tumour[2] == "T.bam"
    assert tumour[tumour.index("--segment-method") + 1] == "cbs"
    assert tumour[tumour.index("--reference") + 1] == "N.cnn"


def test_too_few_reference_bins_gives_empty_tables(tmp_path, monkeypatch):
    reference = tmp_path / "N.cnn"
    pd.DataFrame(
        {
            "chromosome": "chr22",
            "start": [0, 1000, 2000],
            "end": [1000, 2000, 3000],
            "gene": "-",
            "log2": [-12.4, 1.0, 1.7],
            "depth": [0, 123, 332],
            "gc": 0.3,
            "rmask": math.nan,
            "spread": [18.4, 0.2, 2.6],
        }
    ).to_csv(reference, sep="\t", index=False)
    assert cnv.usable_reference_bins(reference) == 1

    def no_cnvkit(command):
        raise AssertionError("cnvkit must not run")

    monkeypatch.setattr(cnv, "_run", no_cnvkit)
    cnr, cns = tmp_path / "T.cnr", tmp_path / "T.cns"
    assert cnv.run_cnvkit("T.bam", reference, cnr, cns) == 1
    assert cnv.read_cnvkit(cnr).empty and cnv.read_cnvkit(cns).empty
    assert "log2" in cnv.read_cnvkit(cns).columns


# --------------------------------------------------------------------------- plot


@pytest.mark.parametrize("empty", [False, True])
def test_plot_writes_png(tmp_path, empty):
    pytest.importorskip("matplotlib")
    rng = np.random.default_rng(7)
    bins = _bins("chr1", 0, 1_000_000, 0.0)
    segments = _calls_table()
    baf = _baf_snps(rng, np.arange(1_001, 1_000_000, 5_000), 0.5)
    if empty:
        bins, baf = bins.iloc[:0], baf.iloc[:0]
    path = tmp_path / "cnv.png"
    cnv.plot_cnv(bins, segments, baf, {"chr1": 1_000_000, "chr2": 500_000}, path, "T vs N")
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert 5_000 < len(data) < 200_000


def test_cnvkit_extra_arguments_are_split_like_a_command_line():
    command = cnv.tumour_command(
        "t.bam", "ref.cnn", ".", 2, extra="--target-avg-size 5000 -x 'a b'"
    )
    assert command[-4:] == ["--target-avg-size", "5000", "-x", "a b"]
    command = cnv.reference_command("n.bam", "g.fa", 1000, "r.cnn", ".", 1)
    assert command[-1] == "1"


# --------------------------------------------------------------------------- rule cnv_baf

PILEUP = {"min_mapq": 20, "min_bq": 13, "max_depth": 8000}


def _reference(tmp_path, length=1000):
    """chr1: A everywhere but the germline fixture's REF bases at 100, 200 and 900."""
    seq = ["A"] * length
    for pos, ref in ((100, "A"), (200, "C"), (900, "T")):
        seq[pos - 1] = ref
    path = tmp_path / "ref.fa"
    path.write_text(">chr1\n" + "".join(seq) + "\n")
    pysam.faidx(str(path))
    return str(path), "".join(seq)


def test_pileup_command_counts_alleles_at_the_sites_only():
    command = cnv.pileup_command("t.bam", "g.fa", "s.vcf.gz", PILEUP, "o.vcf.gz")
    assert command == [
        "bcftools", "mpileup", "--no-version", "-f", "g.fa", "-R", "s.vcf.gz", "-q", "20",
        "-Q", "13", "-d", "8000", "-I", "-a", "FORMAT/AD,FORMAT/DP", "-Oz", "-o", "o.vcf.gz",
        "t.bam",
    ]  # fmt: skip


def test_tumour_baf_of_real_pileups_at_the_normal_s_hets(germline_vcf, tmp_path, point_reads_bam):
    """Rule cnv_baf's three steps in one: het sites 100, 200, 900 of the normal; the tumour
    has 6 A + 4 G reads at 100 (BAF 0.4), none at 200, 3 T + 7 G at 900 (BAF 0.7)."""
    fasta, genome = _reference(tmp_path)
    reads = [(100, "A")] * 6 + [(100, "G")] * 4 + [(900, "T")] * 3 + [(900, "G")] * 7
    out = tmp_path / "T1.baf.tsv"
    tumour = point_reads_bam(tmp_path / "tumour.bam", genome, reads)
    baf = cnv.tumour_baf(germline_vcf, "N1", tumour, fasta, PILEUP, out)
    assert baf["pos"].tolist() == [100, 200, 900]
    assert baf["tumour_ref"].tolist() == [6, 0, 3]
    assert baf["tumour_alt"].tolist() == [4, 0, 7]
    assert baf["baf"].tolist()[0::2] == pytest.approx([0.4, 0.7])
    assert math.isnan(baf["baf"][1])
    written = read_baf(out)
    assert list(written.columns) == BAF_COLUMNS
    assert written["baf_mirrored"].tolist()[0::2] == pytest.approx([0.6, 0.7])


def test_tumour_baf_without_het_sites_is_an_empty_table_and_no_pileup(tmp_path, monkeypatch):
    rows = [(400, "T", "C", "PASS", "GT:AD", "1/1:0,30")]
    vcf = _write_vcf(tmp_path / "normal.vcf", "N1", rows)

    def no_pileup(*args, **kwargs):
        raise AssertionError("bcftools 1.16 mpileup crashes on an empty regions file")

    monkeypatch.setattr(cnv, "run_tool", no_pileup)
    out = tmp_path / "T1.baf.tsv"
    baf = cnv.tumour_baf(vcf, "N1", "absent.bam", "absent.fa", PILEUP, out)
    assert baf.empty
    assert out.read_text() == "\t".join(BAF_COLUMNS) + "\n"

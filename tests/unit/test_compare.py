"""Tests for icope.bench.compare: bcftools normalisation, matching, metrics, VAF bins, and
`icope bench compare` (icope.cli)."""

from __future__ import annotations

import doctest
import json
import random
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from icope.bench import compare as bench
from icope.bench.compare import (
    METRIC_COLUMNS,
    BenchError,
    Regions,
    compare_vcfs,
    normalise_vcf,
    parse_vaf_edges,
    read_normalised,
    vaf_bin,
    vaf_bin_labels,
)
from icope.cli import bench as bench_group

# A 200 bp reference: random bases with a homopolymer (GAAAAAAT at 61-68) and GTT at 130-132.
random.seed(7)
_LEFT = "".join(random.choice("ACGT") for _ in range(60))
_MIDDLE = "".join(random.choice("ACGT") for _ in range(60))
_RIGHT = "".join(random.choice("ACGT") for _ in range(66))
SEQ = _LEFT + "GAAAAAAT" + _MIDDLE + "CGTTA" + "C" + _RIGHT
assert len(SEQ) == 200
HOMOPOLYMER = 61  # G of GAAAAAAT
GTT = 130  # G of CGTTA (C at 129)

HEADER = """##fileformat=VCFv4.2
##contig=<ID=chr1,length=200>
##FILTER=<ID=PASS,Description="All filters passed">
##FILTER=<ID=LowQual,Description="Low quality">
##INFO=<ID=VAF,Number=A,Type=Float,Description="Truth VAF">
##INFO=<ID=TAF,Number=A,Type=Float,Description="Tumour VAF">
##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
##FORMAT=<ID=AF,Number=A,Type=Float,Description="Allele fraction">
##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">
"""


def base(pos: int, length: int = 1) -> str:
    """Reference bases at a 1-based position."""
    return SEQ[pos - 1 : pos - 1 + length]


def other(pos: int) -> str:
    """A base differing from the reference at ``pos``."""
    return next(b for b in "ACGT" if b != base(pos))


def snv_positions(count: int, start: int = 2) -> list[int]:
    """Positions outside the homopolymer and GTT stretches."""
    positions = [p for p in range(start, 199, 3) if not (55 <= p <= 75 or 125 <= p <= 140)]
    return positions[:count]


@pytest.fixture
def reference(tmp_path: Path) -> Path:
    path = tmp_path / "ref.fa"
    lines = [SEQ[i : i + 60] for i in range(0, len(SEQ), 60)]
    path.write_text(">chr1\n" + "\n".join(lines) + "\n")
    return path


def write_vcf(path: Path, records: list[tuple], samples: tuple[str, ...] = ("S1",)) -> Path:
    """Write a VCF; each record is (pos, ref, alt, gt-or-None, info='.', filter='PASS', fmt)."""
    columns = ["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO"]
    if samples:
        columns += ["FORMAT", *samples]
    lines = [HEADER.rstrip("\n"), "\t".join(columns)]
    for record in sorted(records, key=lambda r: r[0]):
        pos, ref, alt, gt, *rest = record
        info = rest[0] if len(rest) > 0 else "."
        filt = rest[1] if len(rest) > 1 else "PASS"
        fields = ["chr1", str(pos), ".", ref, alt, ".", filt, info]
        if samples:
            if len(rest) > 2:
                fields += [rest[2][0], *rest[2][1:]]
            else:
                fields += ["GT", *([gt] * len(samples))]
        lines.append("\t".join(fields))
    path.write_text("\n".join(lines) + "\n")
    return path


def run(tmp_path, reference, truth_records, call_records, **kwargs):
    truth = write_vcf(tmp_path / "truth.vcf", truth_records, kwargs.pop("truth_samples", ("S1",)))
    calls = write_vcf(tmp_path / "calls.vcf", call_records, kwargs.pop("call_samples", ("S1",)))
    return compare_vcfs(truth, calls, reference, **kwargs)


def row(result, vclass: str, vaf_bin_label: str = "all") -> dict:
    matches = [r for r in result.rows if r["class"] == vclass and r["vaf_bin"] == vaf_bin_label]
    assert len(matches) == 1, result.rows
    return matches[0]


def counts(result, vclass: str, vaf_bin_label: str = "all") -> tuple[int, int, int, int]:
    r = row(result, vclass, vaf_bin_label)
    return r["tp"], r["fp"], r["fn"], r["gt_mismatch"]


# --------------------------------------------------------------------------- helpers


def test_doctests():
    assert doctest.testmod(bench).failed == 0


def test_vaf_bins():
    edges = parse_vaf_edges("0,0.1,0.2,0.4,1")
    assert vaf_bin_labels(edges) == ["<0.1", "0.1-0.2", "0.2-0.4", ">=0.4"]
    assert [vaf_bin(v, edges) for v in (0.0, 0.0999, 0.1, 0.2, 0.39, 0.4, 1.0, 1.5)] == [
        "<0.1",
        "<0.1",
        "0.1-0.2",
        "0.2-0.4",
        "0.2-0.4",
        ">=0.4",
        ">=0.4",
        ">=0.4",
    ]
    with pytest.raises(ValueError):
        parse_vaf_edges("0,0.5,0.3")
    with pytest.raises(ValueError):
        parse_vaf_edges("0")
    with pytest.raises(ValueError):
        parse_vaf_edges("0,x")


def test_regions_half_open(tmp_path):
    bed = tmp_path / "r.bed"
    bed.write_text("track name=x\nchr1\t9\t20\nchr1\t50\t60\n")
    regions = Regions.from_bed(bed)
    # POS 10 -> 0-based 9: inside; POS 20 -> 19 inside; POS 21 -> 20 outside.
    assert [regions.contains("chr1", p) for p in (9, 10, 20, 21, 51, 60, 61)] == [
        False,
        True,
        True,
        False,
        True,
        True,
        False,
    ]
    assert not regions.contains("chr2", 10)


# --------------------------------------------------------------------------- normalisation


def test_homopolymer_deletion_written_two_ways_is_one_tp(tmp_path, reference):
    # Delete one A of GAAAAAAT: left-aligned (anchor G at 61) vs right-shifted (last two As).
    assert base(HOMOPOLYMER, 8) == "GAAAAAAT"
    left = (HOMOPOLYMER, "GA", "G", "0/1")
    right = (HOMOPOLYMER + 5, "AA", "A", "0/1")
    result = run(tmp_path, reference, [left], [right])
    assert counts(result, "INDEL") == (1, 0, 0, 0)
    assert row(result, "INDEL")["precision"] == 1.0
    assert counts(result, "SNV") == (0, 0, 0, 0)
    assert row(result, "SNV")["precision"] is None
    assert row(result, "SNV")["recall"] is None
    assert row(result, "SNV")["f1"] is None


def test_multiallelic_truth_matches_split_calls(tmp_path, reference):
    pos = 20
    alts = [b for b in "ACGT" if b != base(pos)][:2]
    truth = [(pos, base(pos), ",".join(alts), "1/2")]
    calls = [(pos, base(pos), alts[0], "0/1"), (pos, base(pos), alts[1], "0/1")]
    result = run(tmp_path, reference, truth, calls)
    assert counts(result, "SNV") == (2, 0, 0, 0)


def test_multiallelic_truth_split_alleles_are_het(tmp_path, reference):
    # A 1/2 truth allele called hom-alt is a genotype mismatch.
    pos = 20
    alts = [b for b in "ACGT" if b != base(pos)][:2]
    truth = [(pos, base(pos), ",".join(alts), "1/2")]
    calls = [(pos, base(pos), alts[0], "1/1")]
    result = run(tmp_path, reference, truth, calls)
    assert counts(result, "SNV") == (0, 1, 2, 1)


def test_mnp_matches_two_snvs(tmp_path, reference):
    pos = 10
    ref = base(pos, 2)
    alt = other(pos) + other(pos + 1)
    truth = [(pos, ref, alt, "1/1")]
    calls = [(pos, base(pos), other(pos), "1/1"), (pos + 1, base(pos + 1), other(pos + 1), "1/1")]
    result = run(tmp_path, reference, truth, calls)
    assert counts(result, "SNV") == (2, 0, 0, 0)
    # ...and the other way round.
    result = run(tmp_path, reference, calls, truth)
    assert counts(result, "SNV") == (2, 0, 0, 0)


def test_trailing_redundant_base_is_trimmed(tmp_path, reference):
    assert base(GTT, 3) == "GTT"
    vcf = write_vcf(tmp_path / "t.vcf", [(GTT, "GTT", "GT", "0/1")])
    workdir = tmp_path / "work"
    workdir.mkdir()
    normalised = normalise_vcf(vcf, reference, workdir)
    variants = read_normalised(normalised, truth=True)
    assert list(variants) == [("chr1", GTT, "GT", "G")]
    # And it matches a call written in the trimmed form.
    result = run(tmp_path, reference, [(GTT, "GTT", "GT", "0/1")], [(GTT, "GT", "G", "0/1")])
    assert counts(result, "INDEL") == (1, 0, 0, 0)


def test_exact_duplicates_and_star_alleles_dropped(tmp_path, reference):
    pos = 20
    snv = (pos, base(pos), other(pos), "0/1")
    star = (pos + 3, base(pos + 3), "*", "0/1")
    ref_only = (pos + 6, base(pos + 6), other(pos + 6), "0/0")
    result = run(tmp_path, reference, [snv, ref_only], [snv, snv, star])
    assert counts(result, "SNV") == (1, 0, 0, 0)
    assert counts(result, "INDEL") == (0, 0, 0, 0)


# --------------------------------------------------------------------------- genotypes, filters


def test_gt_mismatch_genotype_mode_and_allele_only(tmp_path, reference):
    pos = 40
    truth = [(pos, base(pos), other(pos), "0/1")]
    calls = [(pos, base(pos), other(pos), "1/1")]
    result = run(tmp_path, reference, truth, calls)
    assert counts(result, "SNV") == (0, 1, 1, 1)
    assert result.fp["reason"].tolist() == ["gt_mismatch"]
    assert result.fn["reason"].tolist() == ["gt_mismatch"]
    result = run(tmp_path, reference, truth, calls, genotype_aware=False)
    assert counts(result, "SNV") == (1, 0, 0, 0)


def test_phasing_ignored(tmp_path, reference):
    pos = 40
    truth = [(pos, base(pos), other(pos), "1|0")]
    calls = [(pos, base(pos), other(pos), "0/1")]
    assert counts(run(tmp_path, reference, truth, calls), "SNV") == (1, 0, 0, 0)


def test_outside_regions_and_lowqual_ignored(tmp_path, reference):
    inside, outside, lowqual = 20, 150, 26
    bed = tmp_path / "conf.bed"
    bed.write_text("chr1\t0\t100\n")
    truth = [(inside, base(inside), other(inside), "0/1")]
    calls = [
        (inside, base(inside), other(inside), "0/1"),
        (outside, base(outside), other(outside), "0/1"),
        (lowqual, base(lowqual), other(lowqual), "0/1", ".", "LowQual"),
    ]
    result = run(tmp_path, reference, truth, calls, regions=bed)
    assert counts(result, "SNV") == (1, 0, 0, 0)
    # --all-filters keeps the LowQual call; the one outside the BED is still ignored.
    result = run(tmp_path, reference, truth, calls, regions=bed, pass_only=False)
    assert counts(result, "SNV") == (1, 1, 0, 0)
    assert result.fp["pos"].tolist() == [lowqual]
    # Without the BED the outside call is an FP too.
    result = run(tmp_path, reference, truth, calls)
    assert counts(result, "SNV") == (1, 1, 0, 0)


def test_truth_outside_regions_not_counted(tmp_path, reference):
    bed = tmp_path / "conf.bed"
    bed.write_text("chr1\t0\t100\n")
    truth = [(150, base(150), other(150), "0/1")]
    result = run(tmp_path, reference, truth, [], regions=bed)
    assert counts(result, "SNV") == (0, 0, 0, 0)


def test_sample_selection(tmp_path, reference):
    pos = 40
    truth = [(pos, base(pos), other(pos), "0/1")]
    fmt = ("GT", "1/1", "0/1")  # sample A is hom, sample B het
    calls = [(pos, base(pos), other(pos), None, ".", "PASS", fmt)]
    result = run(tmp_path, reference, truth, calls, call_samples=("A", "B"))
    assert counts(result, "SNV") == (0, 1, 1, 1)
    result = run(tmp_path, reference, truth, calls, call_samples=("A", "B"), sample="B")
    assert counts(result, "SNV") == (1, 0, 0, 0)
    with pytest.raises(BenchError, match="sample 'C'"):
        run(tmp_path, reference, truth, calls, call_samples=("A", "B"), sample="C")


# --------------------------------------------------------------------------- metrics


def test_exact_metrics_on_mixed_set(tmp_path, reference):
    p = snv_positions(6)
    truth = [(q, base(q), other(q), "0/1") for q in p[:5]]  # 5 truth SNVs
    calls = [(q, base(q), other(q), "0/1") for q in p[:3]]  # 3 TP
    calls.append((p[5], base(p[5]), other(p[5]), "0/1"))  # 1 FP
    indel_truth = [(HOMOPOLYMER, "GA", "G", "1/1")]
    result = run(tmp_path, reference, truth + indel_truth, calls + indel_truth)
    r = row(result, "SNV")
    assert (r["tp"], r["fp"], r["fn"], r["gt_mismatch"]) == (3, 1, 2, 0)
    assert r["precision"] == pytest.approx(0.75)
    assert r["recall"] == pytest.approx(0.6)
    assert r["f1"] == pytest.approx(2 / 3)
    assert round(r["f1"], 4) == 0.6667
    assert counts(result, "INDEL") == (1, 0, 0, 0)
    assert list(result.metrics.columns) == METRIC_COLUMNS
    assert result.metrics["vaf_bin"].tolist() == ["all", "all"]
    assert sorted(result.fn["pos"]) == p[3:5]
    assert result.fp["pos"].tolist() == [p[5]]


def test_somatic_vaf_bins(tmp_path, reference):
    p = snv_positions(5)
    truth = [
        (p[0], base(p[0]), other(p[0]), None, "VAF=0.05"),  # missed: FN <0.1
        (p[1], base(p[1]), other(p[1]), None, "VAF=0.15"),  # TP, call 0.12
        (p[2], base(p[2]), other(p[2]), None, "VAF=0.3"),  # TP, call measured 0.45
        (p[3], base(p[3]), other(p[3]), None, "VAF=0.5"),  # TP, call 0.5
    ]
    tumour = ("GT:AF", "0/1:0.99", "0/0:0")  # FORMAT/AF must lose to INFO/TAF
    calls = [
        (p[1], base(p[1]), other(p[1]), None, "TAF=0.12", "PASS", tumour),
        (p[2], base(p[2]), other(p[2]), None, "TAF=0.45", "PASS", tumour),
        (p[3], base(p[3]), other(p[3]), None, "TAF=0.5", "PASS", tumour),
        (p[4], base(p[4]), other(p[4]), None, "TAF=0.08", "PASS", tumour),  # FP <0.1
    ]
    result = run(
        tmp_path,
        reference,
        truth,
        calls,
        somatic=True,
        truth_samples=(),
        call_samples=("TUMOR", "NORMAL"),
    )
    labels = ["<0.1", "0.1-0.2", "0.2-0.4", ">=0.4"]
    snv = [r for r in result.rows if r["class"] == "SNV"]
    assert [r["vaf_bin"] for r in snv] == ["all", *labels]
    got = {r["vaf_bin"]: (r["tp"], r["fn"], r["tp_call"], r["fp"]) for r in snv}
    assert got == {
        "all": (3, 1, 3, 1),
        "<0.1": (0, 1, 0, 1),
        "0.1-0.2": (1, 0, 1, 0),
        "0.2-0.4": (1, 0, 0, 0),
        ">=0.4": (1, 0, 2, 0),
    }
    by_bin = {r["vaf_bin"]: r for r in snv}
    assert by_bin["<0.1"]["recall"] == 0.0 and by_bin["<0.1"]["precision"] == 0.0
    assert by_bin["<0.1"]["f1"] == 0.0
    assert by_bin["0.2-0.4"]["recall"] == 1.0 and by_bin["0.2-0.4"]["precision"] is None
    assert by_bin[">=0.4"]["precision"] == 1.0
    assert by_bin["all"]["precision"] == 0.75 and by_bin["all"]["recall"] == 0.75
    assert result.fn["vaf"].tolist() == [0.05]
    assert result.fp["vaf"].tolist() == [0.08]
    assert result.fp["vaf_bin"].tolist() == ["<0.1"]
    # Custom edges.
    result = run(tmp_path, reference, truth, calls, somatic=True, truth_samples=(),
                 call_samples=("TUMOR", "NORMAL"), vaf_edges=[0, 0.2, 1])  # fmt: skip
    snv = {r["vaf_bin"]: (r["tp"], r["fn"]) for r in result.rows if r["class"] == "SNV"}
    assert snv == {"all": (3, 1), "<0.2": (1, 1), ">=0.2": (2, 0)}


def test_somatic_call_vaf_fallbacks(tmp_path, reference):
    p = snv_positions(3)
    truth = [(q, base(q), other(q), None, "VAF=0.3") for q in p]
    calls = [
        (p[0], base(p[0]), other(p[0]), None, ".", "PASS", ("GT:AF", "0/1:0.05")),
        (p[1], base(p[1]), other(p[1]), None, ".", "PASS", ("GT:AD", "0/1:30,10")),
        (p[2], base(p[2]), other(p[2]), None, ".", "PASS", ("GT", "0/1")),
    ]
    result = run(tmp_path, reference, truth, calls, somatic=True, truth_samples=())
    by_bin = {r["vaf_bin"]: r["tp_call"] for r in result.rows if r["class"] == "SNV"}
    assert by_bin == {"all": 3, "<0.1": 1, "0.1-0.2": 0, "0.2-0.4": 1, ">=0.4": 0, "unknown": 1}
    by_bin = {r["vaf_bin"]: r["tp"] for r in result.rows if r["class"] == "SNV"}
    assert by_bin["0.2-0.4"] == 3 and by_bin["unknown"] == 0


def test_somatic_ignores_genotype(tmp_path, reference):
    pos = 40
    truth = [(pos, base(pos), other(pos), "0/1", "VAF=0.5")]
    calls = [(pos, base(pos), other(pos), "1/1", "TAF=0.9")]
    result = run(tmp_path, reference, truth, calls, somatic=True)
    assert counts(result, "SNV") == (1, 0, 0, 0)


# --------------------------------------------------------------------------- errors, CLI


def test_ref_mismatch_names_file(tmp_path, reference):
    pos = 20
    wrong = other(pos)
    calls = write_vcf(tmp_path / "bad_calls.vcf", [(pos, wrong, base(pos), "0/1")])
    truth = write_vcf(tmp_path / "truth.vcf", [(pos, base(pos), other(pos), "0/1")])
    with pytest.raises(BenchError) as info:
        compare_vcfs(truth, calls, reference)
    message = str(info.value)
    assert "bad_calls.vcf" in message
    assert "mismatch" in message.lower()
    assert "ref.fa" in message


def test_cli_writes_outputs(tmp_path, reference):
    p = snv_positions(4)
    truth = write_vcf(tmp_path / "t.vcf", [(q, base(q), other(q), "0/1") for q in p[:3]])
    calls = write_vcf(tmp_path / "c.vcf", [(q, base(q), other(q), "0/1") for q in p[1:4]])
    prefix = tmp_path / "out" / "run1"
    args = ["compare", "--truth", str(truth), "--calls", str(calls)]
    args += ["--reference", str(reference), "--out", str(prefix)]
    args += ["--dataset", "toy", "--method", "pipeA"]
    result = CliRunner().invoke(bench_group, args)
    assert result.exit_code == 0, result.output
    assert "precision" in result.output and "pipeA" in result.output
    snv_line = next(line for line in result.output.splitlines() if " SNV " in line)
    assert snv_line.split()[:8] == ["toy", "pipeA", "SNV", "all", "2", "1", "1", "0"]
    indel_line = next(line for line in result.output.splitlines() if " INDEL " in line)
    assert indel_line.split()[-3:] == ["-", "-", "-"]
    for suffix in (".tsv", ".json", ".fp.tsv", ".fn.tsv"):
        assert (prefix.parent / (prefix.name + suffix)).is_file(), suffix
    table = pd.read_csv(f"{prefix}.tsv", sep="\t")
    assert table.columns.tolist() == METRIC_COLUMNS
    snv = table[table["class"] == "SNV"].iloc[0]
    assert (snv.tp, snv.fp, snv.fn) == (2, 1, 1)
    assert snv.precision == pytest.approx(2 / 3)
    payload = json.loads(Path(f"{prefix}.json").read_text())
    assert payload["metrics"][1]["precision"] is None
    assert payload["parameters"]["genotype_aware"] is True
    fp = pd.read_csv(f"{prefix}.fp.tsv", sep="\t")
    assert fp[["chrom", "pos"]].values.tolist() == [["chr1", p[3]]]
    fn = pd.read_csv(f"{prefix}.fn.tsv", sep="\t")
    assert fn["pos"].tolist() == [p[0]]
    assert {"chrom", "pos", "ref", "alt", "vaf"} <= set(fn.columns)


def test_cli_somatic_and_errors(tmp_path, reference):
    p = snv_positions(2)
    truth = write_vcf(
        tmp_path / "t.vcf", [(q, base(q), other(q), None, "VAF=0.3") for q in p], samples=()
    )
    calls = write_vcf(tmp_path / "c.vcf", [(p[0], base(p[0]), other(p[0]), "1/1", "TAF=0.3")])
    prefix = tmp_path / "som"
    args = ["compare", "--truth", str(truth), "--calls", str(calls)]
    args += ["--reference", str(reference), "--out", str(prefix), "--somatic"]
    result = CliRunner().invoke(bench_group, [*args, "--vaf-bins", "0,0.5,1"])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(f"{prefix}.tsv", sep="\t")
    assert table[table["class"] == "SNV"]["vaf_bin"].tolist() == ["all", "<0.5", ">=0.5"]
    result = CliRunner().invoke(bench_group, [*args, "--vaf-bins", "0,0.5,0.2"])
    assert result.exit_code != 0 and "increasing" in result.output
    bad = write_vcf(tmp_path / "bad.vcf", [(p[0], other(p[0]), base(p[0]), "0/1")])
    args[4] = str(bad)
    result = CliRunner().invoke(bench_group, args)
    assert result.exit_code != 0
    assert "bad.vcf" in result.output and "mismatch" in result.output.lower()


# --------------------------------------------------------------------------- real data

SEGMENT = "grch38_segments/chr21_22M-23M_NA12878_PG2016"


def _snv_atoms(vcf: Path, regions: Regions) -> int:
    """Count SNV atoms by hand: differing bases of equal-length alleles the sample carries."""
    import pysam

    seen = set()
    with pysam.VariantFile(str(vcf)) as handle:
        for record in handle:
            gt = record.samples[0]["GT"]
            for index, alt in enumerate(record.alts, start=1):
                if index not in gt or len(alt) != len(record.ref):
                    continue
                for offset, (r, a) in enumerate(zip(record.ref, alt, strict=True)):
                    pos = record.pos + offset
                    if r != a and regions.contains(record.chrom, pos):
                        seen.add((record.chrom, pos, r, a))
    return len(seen)


def test_real_truth_against_itself(shared_data):
    truth = shared_data(f"{SEGMENT}/truth/NA12878_PG2016_chr21_22000000-23000000.local.vcf.gz")
    bed = shared_data(f"{SEGMENT}/truth/PG2016_conf_chr21_22000000-23000000.local.bed")
    reference = shared_data(f"{SEGMENT}/reference/hg38_chr21_22000000_23000000.fasta")
    result = compare_vcfs(truth, truth, reference, regions=bed)
    for vclass in ("SNV", "INDEL"):
        r = row(result, vclass)
        assert r["fp"] == r["fn"] == r["gt_mismatch"] == 0
        assert r["precision"] == r["recall"] == 1.0
    snv_tp = row(result, "SNV")["tp"]
    assert 1200 <= snv_tp <= 1400
    assert snv_tp == _snv_atoms(truth, Regions.from_bed(bed))
    assert row(result, "INDEL")["tp"] > 100


def test_vaf_on_bin_edge_survives_float32(tmp_path, reference):
    # 0.7 is stored as 0.69999998... in single precision; it must still land in '>=0.7'.
    pos = 40
    truth = [(pos, base(pos), other(pos), None, "VAF=0.7")]
    calls = [(pos, base(pos), other(pos), None, "TAF=0.7")]
    result = run(
        tmp_path, reference, truth, calls, somatic=True, truth_samples=(), call_samples=(),
        vaf_edges=[0, 0.7, 1],
    )  # fmt: skip
    by_bin = {r["vaf_bin"]: (r["tp"], r["tp_call"]) for r in result.rows if r["class"] == "SNV"}
    assert by_bin == {"all": (1, 1), "<0.7": (0, 0), ">=0.7": (1, 1)}

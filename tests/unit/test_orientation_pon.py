"""Orientation bias (F1R2/F2R1 from the tumour's reads), the depth-scaled alt-read minimum,
strand bias with few alt reads, and the panel of normals (build, version, filter)."""

from __future__ import annotations

import hashlib
import json

import pysam
import pytest

from icope.somatic import pon, small_variants
from icope.somatic.evidence import (
    OrientationCounts,
    is_f1r2,
    orientation_counts,
    orientation_prone,
)
from icope.somatic.small_variants import (
    AlleleCounts,
    Candidate,
    SomaticThresholds,
    TumourReads,
    add_orientation,
    call_method,
    consensus,
    judge,
    min_alt_reads,
    somatic_header,
)

T = SomaticThresholds()
REFERENCE = "ACGTTGCAGGTCAAGT" * 20  # 320 bp
POS = 102  # 1-based; REFERENCE[101] == "G"


def _read(name, start, read1, reverse, base_at_pos=None, quality=30):
    segment = pysam.AlignedSegment()
    segment.query_name = name
    sequence = list(REFERENCE[start : start + 50])
    if base_at_pos is not None:
        sequence[POS - 1 - start] = base_at_pos
    segment.query_sequence = "".join(sequence)
    segment.flag = 1 | 2 | (64 if read1 else 128) | (16 if reverse else 32)
    segment.reference_id = 0
    segment.reference_start = start
    segment.mapping_quality = 60
    segment.cigartuples = [(0, 50)]
    segment.next_reference_id = 0
    segment.next_reference_start = start + 150
    segment.query_qualities = pysam.qualitystring_to_array(chr(quality + 33) * 50)
    return segment


def _bam(path, reads):
    header = {"HD": {"VN": "1.6", "SO": "coordinate"}, "SQ": [{"SN": "chr1", "LN": 320}]}
    with pysam.AlignmentFile(str(path), "wb", header=header) as out:
        for read in sorted(reads, key=lambda r: r.reference_start):
            out.write(read)
    pysam.index(str(path))
    return path


def _orientation_reads(alt_f1r2, alt_f2r1, ref_each=10, alt="T"):
    """ref_each ref reads in each orientation, and alt reads per orientation (F1R2: read 1
    forward; F2R1: read 2 forward, i.e. its fragment read the other way)."""
    reads, n = [], 0
    for count, base, f1r2 in (
        (ref_each, None, True),
        (ref_each, None, False),
        (alt_f1r2, alt, True),
        (alt_f2r1, alt, False),
    ):
        for _ in range(count):
            n += 1
            reads.append(_read(f"r{n}", 70 + n % 20, read1=f1r2, reverse=False, base_at_pos=base))
    return reads


def test_orientation_definitions():
    assert is_f1r2(_read("a", 70, read1=True, reverse=False))
    assert is_f1r2(_read("a", 70, read1=False, reverse=True))
    assert not is_f1r2(_read("a", 70, read1=False, reverse=False))
    assert not is_f1r2(_read("a", 70, read1=True, reverse=True))
    assert [orientation_prone(r, a) for r, a in ("CA", "GT", "CT", "GA", "AG", "TC", "AC")] == [
        True, True, True, True, False, False, False
    ]  # fmt: skip


def test_orientation_counts_from_reads(tmp_path):
    bam = _bam(tmp_path / "t.bam", _orientation_reads(alt_f1r2=0, alt_f2r1=9))
    with pysam.AlignmentFile(str(bam)) as alignments:
        counts = orientation_counts(alignments, "chr1", POS, "G", "T", 20, 20)
    assert counts == OrientationCounts(ref_f1r2=10, ref_f2r1=10, alt_f1r2=0, alt_f2r1=9)
    assert counts.minor_fraction == 0
    # two-sided binomial, expected fraction (10 + 2) / 24: 2 * 0.5 ** 9
    assert counts.bias_p() == pytest.approx(2 * 0.5**9)


def test_orientation_counts_skip_low_quality_bases(tmp_path):
    reads = _orientation_reads(alt_f1r2=0, alt_f2r1=4)
    reads += [_read("low", 80, read1=True, reverse=False, base_at_pos="T", quality=10)]
    bam = _bam(tmp_path / "t.bam", reads)
    with pysam.AlignmentFile(str(bam)) as alignments:
        counts = orientation_counts(alignments, "chr1", POS, "G", "T", 20, 20)
    assert (counts.alt_f1r2, counts.alt_f2r1) == (0, 4)


def _snv(ref, alt, tumour, orientation):
    candidate = Candidate("chr1", POS, ref, alt, tumour, AlleleCounts(40, 0), 60.0, 0.0)
    candidate.orientation = orientation
    return candidate


BALANCED = AlleleCounts(ref=20, alt=9, alt_forward=5, alt_reverse=4)


def test_orientation_bias_filters_one_orientation_only():
    one_sided = judge(_snv("G", "T", BALANCED, OrientationCounts(10, 10, 0, 9)), T)
    assert one_sided == ["OrientationBias"]
    both = _snv("G", "T", BALANCED, OrientationCounts(10, 10, 4, 5))
    assert judge(both, T) == []
    assert both.stats["F1R2"] == (10, 4) and both.stats["F2R1"] == (10, 5)
    # 4 reads in one orientation are common by chance (p 0.125): not filtered
    few = AlleleCounts(ref=20, alt=4, alt_forward=2, alt_reverse=2)
    assert judge(_snv("C", "A", few, OrientationCounts(10, 10, 4, 0)), T) == []
    # the bar with balanced ref reads: 6 alt reads all in one orientation (p 0.031), not 5
    six = AlleleCounts(ref=20, alt=6, alt_forward=3, alt_reverse=3)
    assert judge(_snv("C", "T", six, OrientationCounts(10, 10, 0, 6)), T) == ["OrientationBias"]
    five = AlleleCounts(ref=20, alt=5, alt_forward=3, alt_reverse=2)
    assert judge(_snv("C", "T", five, OrientationCounts(10, 10, 0, 5)), T) == []
    # no counts (not a C>A/G>T/C>T/G>A SNV, or no reads given): no test
    assert judge(_snv("A", "G", BALANCED, None), T) == []


def test_call_method_reads_orientation_from_the_tumour_reads(tmp_path):
    bam = _bam(tmp_path / "t.bam", _orientation_reads(alt_f1r2=0, alt_f2r1=9))
    vcf = tmp_path / "fb.vcf"
    vcf.write_text(
        "##fileformat=VCFv4.2\n##contig=<ID=chr1,length=320>\n"
        '##INFO=<ID=MQM,Number=A,Type=Float,Description="m">\n'
        '##FORMAT=<ID=RO,Number=1,Type=Integer,Description="r">\n'
        '##FORMAT=<ID=AO,Number=A,Type=Integer,Description="a">\n'
        '##FORMAT=<ID=QA,Number=A,Type=Integer,Description="q">\n'
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tTUM\tNOR\n"
        f"chr1\t{POS}\t.\tG\tT\t50\t.\tMQM=60\tRO:AO:QA\t20:9:270\t40:0:0\n"
    )
    out = tmp_path / "out.vcf.gz"
    reads = TumourReads(str(bam), None, 20, 20)
    call_method("freebayes", str(vcf), str(out), "TUM", "NOR", T, reads)
    with pysam.VariantFile(str(out)) as calls:
        record = next(iter(calls))
    assert list(record.filter) == ["OrientationBias"]
    assert record.info["F2R1"] == (10, 9) and record.info["F1R2"] == (10, 0)
    call_method("freebayes", str(vcf), str(out), "TUM", "NOR", T)  # without reads: no test
    with pysam.VariantFile(str(out)) as calls:
        assert list(next(iter(calls)).filter) == ["PASS"]


def test_min_alt_reads_grows_with_depth():
    assert [min_alt_reads(d, T) for d in (30, 300, 301, 1000)] == [4, 4, 4, 10]
    off = SomaticThresholds(min_tumour_alt_reads=3, min_alt_reads_per_100x=0)
    assert min_alt_reads(5000, off) == 3
    deep = AlleleCounts(ref=992, alt=8, alt_forward=4, alt_reverse=4)
    candidate = Candidate("chr1", 100, "A", "G", deep, AlleleCounts(400, 0), 60.0, 0.0)
    assert "LowAltReads" in judge(candidate, SomaticThresholds(min_tumour_af=0.005))


def test_strand_bias_with_four_alt_reads_when_the_evidence_is_extreme():
    # ref reads almost all reverse, the 4 alt reads all forward: p = 2 * (6/46) ** 4
    extreme = AlleleCounts(42, 4, 4, 0, ref_forward=4, ref_reverse=38)
    candidate = Candidate("chr1", 100, "A", "G", extreme, AlleleCounts(40, 0), 60.0, 0.0)
    assert "StrandBias" in judge(candidate, SomaticThresholds(min_tumour_alt_reads=3))
    # the same 4 reads against balanced ref reads: common by chance, kept
    balanced = AlleleCounts(42, 4, 4, 0, ref_forward=21, ref_reverse=21)
    candidate = Candidate("chr1", 100, "A", "G", balanced, AlleleCounts(40, 0), 60.0, 0.0)
    assert "StrandBias" not in judge(candidate, SomaticThresholds(min_tumour_alt_reads=3))


# --------------------------------------------------------------------------- panel of normals


def _normals_pileup(path):
    """Three normals: chr1:100 G>T in two (3 and 2 reads), chr1:200 A>C in one only,
    chr1:300 C>A in all three but 1 read each (below min_alt_reads)."""
    path.write_text(
        "##fileformat=VCFv4.2\n##contig=<ID=chr1,length=1000>\n##contig=<ID=chr2,length=500>\n"
        '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="depths">\n'
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tN1\tN2\tN3\n"
        "chr1\t100\t.\tG\tT,<*>\t.\t.\t.\tAD\t27,3,0\t30,2,0\t30,0,0\n"
        "chr1\t200\t.\tA\tC,<*>\t.\t.\t.\tAD\t20,5,0\t30,0,0\t30,0,0\n"
        "chr1\t300\t.\tC\tA,<*>\t.\t.\t.\tAD\t20,1,0\t30,1,0\t30,1,0\n"
    )
    return path


def test_build_panel_versioned_by_content(tmp_path):
    pileup = _normals_pileup(tmp_path / "normals.vcf")
    out = tmp_path / "pon.vcf.gz"
    provenance = pon.build_panel(
        str(pileup), str(out), str(tmp_path / "pon.json"), ["N1", "N2", "N3"], pon.PonSettings()
    )
    with pysam.VariantFile(str(out)) as panel:
        sites = [(r.contig, r.pos, r.ref, r.alts[0], r.info["PON_NORMALS"]) for r in panel]
        version = pon.panel_version(panel)
    assert sites == [("chr1", 100, "G", "T", 2)]
    expected = "sha256:" + hashlib.sha256(b"chr1\t100\tG\tT\t2\n").hexdigest()
    assert provenance["checksum"] == expected and provenance["normals"] == 3
    assert version == {"icope_pon_checksum": expected, "icope_pon_normals": "3"}
    assert json.loads((tmp_path / "pon.json").read_text())["checksum"] == expected
    # min_normals 1: the single-normal allele enters too, and the checksum changes
    one = pon.build_panel(
        str(pileup), str(out), str(tmp_path / "pon.json"), ["N1", "N2", "N3"],
        pon.PonSettings(min_normals=1),
    )  # fmt: skip
    assert one["sites"] == 2 and one["checksum"] != expected


def _method_vcf(path, rows):
    header = somatic_header([("chr1", 1000)], "TUM", "NOR", "test")
    with pysam.VariantFile(str(path), "wz", header=header) as out:
        for pos, ref, alt in rows:
            record = out.new_record(contig="chr1", start=pos - 1, alleles=(ref, alt))
            record.samples["TUM"]["AD"] = (30, 10)
            record.samples["NOR"]["AD"] = (30, 0)
            out.write(record)
    return path


def test_consensus_filters_panel_sites_and_records_the_version(tmp_path):
    panel = tmp_path / "pon.vcf.gz"
    provenance = pon.build_panel(
        str(_normals_pileup(tmp_path / "normals.vcf")), str(panel), str(tmp_path / "p.json"),
        ["N1", "N2", "N3"], pon.PonSettings(),
    )  # fmt: skip
    calls = _method_vcf(tmp_path / "m.vcf.gz", [(100, "G", "T"), (100, "G", "C"), (200, "A", "C")])
    out = tmp_path / "consensus.vcf.gz"
    consensus({"pileup": str(calls)}, str(out), "TUM", "NOR", T, pon_vcf=str(panel))
    with pysam.VariantFile(str(out)) as vcf:
        records = {(r.pos, r.alts[0]): r for r in vcf}
        header = str(vcf.header)
    assert list(records[(100, "T")].filter) == ["PanelOfNormals"]
    assert records[(100, "T")].info["PON_NORMALS"] == 2
    assert list(records[(100, "C")].filter) == ["PASS"]  # other allele at the panel site
    assert list(records[(200, "C")].filter) == ["PASS"]  # one normal only: not in the panel
    assert f"##icope_pon_checksum={provenance['checksum']}" in header
    assert "##icope_pon_normals=3" in header


def test_orientation_read_by_several_workers_is_the_same(tmp_path, monkeypatch):
    """add_orientation with forked workers gives every candidate the counts one process
    reads; candidates that are not orientation-prone SNVs (or have one alt read) get none."""
    bam = _bam(tmp_path / "t.bam", _orientation_reads(alt_f1r2=2, alt_f2r1=7))
    reads = TumourReads(str(bam), None, 20, 20)

    def candidates():
        made = [_snv("G", "T", BALANCED, None) for _ in range(7)]
        made.append(_snv("G", "A", BALANCED, None))  # prone (deamination); no A reads
        made.append(_snv("A", "G", BALANCED, None))  # not orientation-prone
        made.append(_snv("G", "T", AlleleCounts(ref=20, alt=1), None))  # one alt read
        return made

    serial = add_orientation(candidates(), reads)
    monkeypatch.setattr(small_variants, "ORIENTATION_BATCH", 2)  # 4 batches of the 8 sites
    forked = add_orientation(candidates(), reads, workers=3)
    assert [c.orientation for c in forked] == [c.orientation for c in serial]
    assert serial[0].orientation == OrientationCounts(10, 10, 2, 7)
    assert serial[7].orientation == OrientationCounts(10, 10, 0, 0)
    assert serial[8].orientation is None and serial[9].orientation is None
    assert add_orientation(candidates(), None, workers=3)[0].orientation is None

"""Tests for icope.sv: delly calls judged into the final somatic SV VCF and TSV."""

from __future__ import annotations

import csv
import doctest

import pysam
import pytest

from icope.somatic import sv
from icope.somatic.sv import (
    FILTERS,
    TSV_COLUMNS,
    SvCall,
    SvThresholds,
    finalise_sv_calls,
    judge_sv,
    thresholds_from_params,
)

# A hand-written ``delly call`` output (v1.1.x format) for tumour T and normal N, records
# deliberately out of order (delly writes them grouped by SV type).
HEADER = """\
##fileformat=VCFv4.2
##FILTER=<ID=PASS,Description="All filters passed">
##FILTER=<ID=LowQual,Description="Poor quality and insufficient number of PEs and SRs.">
##ALT=<ID=DEL,Description="Deletion">
##ALT=<ID=DUP,Description="Duplication">
##ALT=<ID=INV,Description="Inversion">
##ALT=<ID=BND,Description="Translocation">
##ALT=<ID=INS,Description="Insertion">
##contig=<ID=chr1,length=2000000>
##contig=<ID=chr2,length=1000000>
##INFO=<ID=CIEND,Number=2,Type=Integer,Description="PE confidence interval around END">
##INFO=<ID=CIPOS,Number=2,Type=Integer,Description="PE confidence interval around POS">
##INFO=<ID=CHR2,Number=1,Type=String,Description="Chromosome for POS2 coordinate">
##INFO=<ID=POS2,Number=1,Type=Integer,Description="Genomic position for CHR2">
##INFO=<ID=END,Number=1,Type=Integer,Description="End position of the structural variant">
##INFO=<ID=PE,Number=1,Type=Integer,Description="Paired-end support of the structural variant">
##INFO=<ID=MAPQ,Number=1,Type=Integer,Description="Median mapping quality of paired-ends">
##INFO=<ID=SRMAPQ,Number=1,Type=Integer,Description="Median mapping quality of split-reads">
##INFO=<ID=SR,Number=1,Type=Integer,Description="Split-read support">
##INFO=<ID=CT,Number=1,Type=String,Description="Paired-end signature induced connection type">
##INFO=<ID=IMPRECISE,Number=0,Type=Flag,Description="Imprecise structural variation">
##INFO=<ID=PRECISE,Number=0,Type=Flag,Description="Precise structural variation">
##INFO=<ID=SVTYPE,Number=1,Type=String,Description="Type of structural variant">
##INFO=<ID=SVMETHOD,Number=1,Type=String,Description="Type of approach used to detect SV">
##INFO=<ID=INSLEN,Number=1,Type=Integer,Description="Predicted length of the insertion">
##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
##FORMAT=<ID=GL,Number=G,Type=Float,Description="Log10-scaled genotype likelihoods">
##FORMAT=<ID=GQ,Number=1,Type=Integer,Description="Genotype Quality">
##FORMAT=<ID=FT,Number=1,Type=String,Description="Per-sample genotype filter">
##FORMAT=<ID=RCL,Number=1,Type=Integer,Description="Read counts, left control region">
##FORMAT=<ID=RC,Number=1,Type=Integer,Description="Read counts of the SV">
##FORMAT=<ID=RCR,Number=1,Type=Integer,Description="Read counts, right control region">
##FORMAT=<ID=RDCN,Number=1,Type=Integer,Description="Read-depth based copy-number estimate">
##FORMAT=<ID=DR,Number=1,Type=Integer,Description="# high-quality reference pairs">
##FORMAT=<ID=DV,Number=1,Type=Integer,Description="# high-quality variant pairs">
##FORMAT=<ID=RR,Number=1,Type=Integer,Description="# high-quality reference junction reads">
##FORMAT=<ID=RV,Number=1,Type=Integer,Description="# high-quality variant junction reads">
#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tT\tN
"""

FMT = "GT:GL:GQ:FT:RCL:RC:RCR:RDCN:DR:DV:RR:RV"


def _sample(gt, dr, dv, rr, rv):
    return f"{gt}:-10,0,-50:50:PASS:1000:600:1000:1:{dr}:{dv}:{rr}:{rv}"


def _record(chrom, pos, sv_id, alt, filt, info, tumour, normal):
    return "\t".join([chrom, str(pos), sv_id, "N", alt, "600", filt, info, FMT, tumour, normal])


RECORDS = {
    # somatic DEL: support only in the tumour, kept by delly filter -f somatic
    "DEL00000001": _record(
        "chr1",
        450000,
        "DEL00000001",
        "<DEL>",
        "PASS",
        "PRECISE;SVTYPE=DEL;END=550001;PE=12;MAPQ=60;CT=3to5;SRMAPQ=60;SR=18;INSLEN=0",
        _sample("0/1", 43, 12, 36, 20),
        _sample("0/0", 29, 0, 21, 0),
    ),
    # germline DEL: the normal supports it too
    "DEL00000002": _record(
        "chr1",
        100000,
        "DEL00000002",
        "<DEL>",
        "PASS",
        "PRECISE;SVTYPE=DEL;END=102000;PE=10;MAPQ=60;CT=3to5;SRMAPQ=60;SR=8;INSLEN=0",
        _sample("0/1", 30, 10, 20, 8),
        _sample("0/1", 15, 6, 10, 5),
    ),
    # weak imprecise DUP that delly itself flagged LowQual
    "DUP00000001": _record(
        "chr1",
        800000,
        "DUP00000001",
        "<DUP>",
        "LowQual",
        "IMPRECISE;SVTYPE=DUP;END=805000;PE=2;MAPQ=40;CT=5to3",
        _sample("0/1", 80, 2, 0, 0),
        _sample("0/0", 40, 0, 0, 0),
    ),
    # INV supported by poorly mapped pairs only
    "INV00000001": _record(
        "chr1",
        1200000,
        "INV00000001",
        "<INV>",
        "PASS",
        "IMPRECISE;SVTYPE=INV;END=1250000;PE=9;MAPQ=5;CT=3to3",
        _sample("0/1", 30, 9, 0, 0),
        _sample("0/0", 30, 0, 0, 0),
    ),
    # split-read-only small DEL: delly writes MAPQ=0 when there are no paired ends
    "DEL00000003": _record(
        "chr1",
        300000,
        "DEL00000003",
        "<DEL>",
        "PASS",
        "PRECISE;SVTYPE=DEL;END=300030;PE=0;MAPQ=0;CT=3to5;SRMAPQ=60;SR=9;INSLEN=0",
        _sample("0/1", 0, 0, 40, 9),
        _sample("0/0", 0, 0, 30, 0),
    ),
    # somatic translocation chr1 -> chr2
    "BND00000001": _record(
        "chr1",
        1500000,
        "BND00000001",
        "N]chr2:200000]",
        "PASS",
        "PRECISE;SVTYPE=BND;CHR2=chr2;POS2=200000;END=1500001;PE=7;MAPQ=60;CT=3to5;SRMAPQ=60;SR=5",
        _sample("0/1", 30, 7, 25, 5),
        _sample("0/0", 30, 0, 25, 0),
    ),
    # small insertion
    "INS00000001": _record(
        "chr2",
        5000,
        "INS00000001",
        "<INS>",
        "PASS",
        "PRECISE;SVTYPE=INS;END=5001;PE=0;MAPQ=0;CT=NtoN;SRMAPQ=60;SR=6;INSLEN=20",
        _sample("0/1", 0, 0, 20, 6),
        _sample("0/0", 0, 0, 20, 0),
    ),
}

# what delly filter -f somatic kept (the PASS calls without normal support)
DELLY_SOMATIC = ["DEL00000001", "BND00000001", "DEL00000003", "INS00000001"]


def _write_vcf(path, record_ids, somatic_info=False):
    lines = [RECORDS[i] for i in record_ids]
    header = HEADER
    if somatic_info:
        header = header.replace(
            "##FORMAT=<ID=GT",
            '##INFO=<ID=RDRATIO,Number=1,Type=Float,Description="Read-depth ratio">\n'
            '##INFO=<ID=SOMATIC,Number=0,Type=Flag,Description="Somatic">\n##FORMAT=<ID=GT',
            1,
        )
        lines = [line.replace("\tPRECISE;", "\tPRECISE;SOMATIC;RDRATIO=0.6;", 1) for line in lines]
    path.write_text(header + "".join(line + "\n" for line in lines))
    return str(path)


@pytest.fixture
def pair_files(tmp_path):
    calls = _write_vcf(tmp_path / "calls.vcf", list(RECORDS))
    somatic = _write_vcf(tmp_path / "somatic.vcf", DELLY_SOMATIC, somatic_info=True)
    return calls, somatic, tmp_path


def _read_tsv(path):
    with open(path) as handle:
        reader = csv.DictReader(handle, delimiter="\t")
        return reader.fieldnames, {row["id"]: row for row in reader}


def _read_vcf(path):
    with pysam.VariantFile(path) as vcf:
        return vcf.header, list(vcf)


# --------------------------------------------------------------------------- judge_sv


def _call(**overrides):
    values = dict(
        chrom="chr1", pos=1000, end=11000, svtype="DEL", svlen=10000, id="DEL1",
        precise=True, tumour_alt=20, tumour_ref=40, normal_alt=0, normal_ref=30,
        mapq=60, pe=10, sr=10, chrom2="chr1", delly_pass=True,
    )  # fmt: skip
    values.update(overrides)
    return SvCall(**values)


@pytest.mark.parametrize(
    ("overrides", "delly_somatic", "expected"),
    [
        ({}, True, []),
        ({"tumour_alt": 3}, True, ["LowTumourSupport"]),
        ({"tumour_alt": 4}, True, []),
        ({"tumour_alt": 5, "tumour_ref": 200}, True, ["LowTumourAF"]),
        ({"normal_alt": 1}, False, ["NormalSupport", "NotDellySomatic"]),
        ({"mapq": 19}, True, ["LowMapq"]),
        ({"svlen": 49}, True, ["TooSmall"]),
        ({"svlen": 50}, True, []),
        ({"svlen": None, "svtype": "BND"}, True, []),
        ({"delly_pass": False}, False, ["DellyLowQual", "NotDellySomatic"]),
        # tumour-only: no normal counts, no delly somatic filter
        ({"normal_alt": None, "normal_ref": None}, None, []),
    ],
)
def test_judge_sv(overrides, delly_somatic, expected):
    assert judge_sv(_call(**overrides), SvThresholds(), delly_somatic) == expected


def test_judge_sv_thresholds_are_honoured():
    lenient = SvThresholds(max_normal_alt_support=2, min_mapq=0, min_size=0)
    call = _call(normal_alt=2, mapq=0, svlen=10)
    assert judge_sv(call, lenient, True) == []
    assert judge_sv(call, SvThresholds(), True) == ["NormalSupport", "LowMapq", "TooSmall"]


def test_every_reason_has_a_description():
    reasons = set()
    worst = _call(tumour_alt=0, normal_alt=5, mapq=0, svlen=1, delly_pass=False)
    reasons.update(judge_sv(worst, SvThresholds(), False))
    assert reasons == set(FILTERS)


def test_sv_doctests():
    result = doctest.testmod(sv)
    assert result.attempted > 0
    assert result.failed == 0


# --------------------------------------------------------------------------- finalise, pair


def test_finalise_pair_tsv(pair_files):
    calls, somatic, tmp_path = pair_files
    counts = finalise_sv_calls(
        calls, somatic, str(tmp_path / "sv.vcf.gz"), str(tmp_path / "sv.tsv"), "T", "N",
        SvThresholds(),
    )  # fmt: skip
    assert counts == {"calls": 7, "pass": 2}
    columns, rows = _read_tsv(tmp_path / "sv.tsv")
    assert columns == TSV_COLUMNS
    assert {i: r["filter"] for i, r in rows.items()} == {
        "DEL00000001": "PASS",
        "DEL00000002": "NormalSupport;NotDellySomatic",
        "DUP00000001": "LowTumourSupport;LowTumourAF;DellyLowQual;NotDellySomatic",
        "INV00000001": "LowMapq;NotDellySomatic",
        # split-read only: judged on SRMAPQ (60), so only its size rejects it
        "DEL00000003": "TooSmall",
        "BND00000001": "PASS",
        "INS00000001": "TooSmall",
    }
    somatic_del = rows["DEL00000001"]
    assert somatic_del == {
        "chrom": "chr1",
        "pos": "450000",
        "end": "550001",
        "svtype": "DEL",
        "svlen": "100001",
        "id": "DEL00000001",
        "filter": "PASS",
        "precise": "PRECISE",
        "tumour_alt_support": "32",
        "tumour_ref_support": "79",
        "normal_alt_support": "0",
        "normal_ref_support": "50",
        "mapq": "60",
        "pe_support": "12",
        "sr_support": "18",
        "chrom2": "chr1",
    }
    assert rows["DEL00000002"]["normal_alt_support"] == "11"
    assert rows["DUP00000001"]["precise"] == "IMPRECISE"
    assert rows["BND00000001"]["svlen"] == ""
    assert rows["BND00000001"]["chrom2"] == "chr2"
    assert rows["INS00000001"]["svlen"] == "20"
    assert rows["DEL00000003"]["mapq"] == "60"


def test_finalise_pair_vcf(pair_files):
    calls, somatic, tmp_path = pair_files
    vcf_path = str(tmp_path / "sv.vcf.gz")
    finalise_sv_calls(calls, somatic, vcf_path, str(tmp_path / "sv.tsv"), "T", "N", SvThresholds())
    pysam.tabix_index(vcf_path, preset="vcf", force=True)
    header, records = _read_vcf(vcf_path)
    assert list(header.samples) == ["T", "N"]
    assert set(FILTERS) <= set(header.filters)
    # sorted by contig (header order), then position, so the file can be indexed
    assert [(r.chrom, r.pos) for r in records] == sorted((r.chrom, r.pos) for r in records)
    by_id = {r.id: r for r in records}
    somatic_del = by_id["DEL00000001"]
    assert list(somatic_del.filter) == ["PASS"]
    assert somatic_del.info["SOMATIC"] is True
    assert somatic_del.info["RDRATIO"] == pytest.approx(0.6)
    assert (somatic_del.info["TALT"], somatic_del.info["TREF"]) == (32, 79)
    assert (somatic_del.info["NALT"], somatic_del.info["NREF"]) == (0, 50)
    assert somatic_del.stop == 550001
    # delly's own fields survive
    assert somatic_del.samples["T"]["DV"] == 12
    assert somatic_del.info["SR"] == 18
    germline = by_id["DEL00000002"]
    assert list(germline.filter) == ["NormalSupport", "NotDellySomatic"]
    assert "SOMATIC" not in germline.info
    assert "UNMATCHED" not in germline.info
    with pysam.VariantFile(vcf_path) as vcf:
        assert [r.id for r in vcf.fetch("chr1", 449000, 451000)] == ["DEL00000001"]


# --------------------------------------------------------------------------- tumour-only


def test_finalise_tumour_only(pair_files):
    calls, _, tmp_path = pair_files
    vcf_path = str(tmp_path / "sv.vcf.gz")
    counts = finalise_sv_calls(
        calls, None, vcf_path, str(tmp_path / "sv.tsv"), "T", None, SvThresholds()
    )
    # without a normal, the germline DEL cannot be told apart: it passes, marked UNMATCHED
    assert counts == {"calls": 7, "pass": 3}
    _, rows = _read_tsv(tmp_path / "sv.tsv")
    assert rows["DEL00000002"]["filter"] == "PASS"
    assert rows["DEL00000002"]["normal_alt_support"] == ""
    assert rows["DEL00000002"]["normal_ref_support"] == ""
    assert rows["INV00000001"]["filter"] == "LowMapq"
    _, records = _read_vcf(vcf_path)
    assert all(r.info["UNMATCHED"] for r in records)
    assert not any("SOMATIC" in r.info or "NALT" in r.info for r in records)


# --------------------------------------------------------------------------- edge cases


def test_finalise_no_calls(tmp_path):
    """No SV at all (delly on a tiny region): a valid header-only VCF and a header-only TSV."""
    calls = _write_vcf(tmp_path / "calls.vcf", [])
    somatic = _write_vcf(tmp_path / "somatic.vcf", [], somatic_info=True)
    vcf_path = str(tmp_path / "sv.vcf.gz")
    counts = finalise_sv_calls(
        calls, somatic, vcf_path, str(tmp_path / "sv.tsv"), "T", "N", SvThresholds()
    )
    assert counts == {"calls": 0, "pass": 0}
    pysam.tabix_index(vcf_path, preset="vcf", force=True)
    header, records = _read_vcf(vcf_path)
    assert records == []
    assert list(header.samples) == ["T", "N"]
    assert "NormalSupport" in header.filters
    assert (tmp_path / "sv.tsv").read_text() == "\t".join(TSV_COLUMNS) + "\n"


def test_finalise_sample_name_mismatch(pair_files):
    calls, somatic, tmp_path = pair_files
    with pytest.raises(ValueError, match="SM must match"):
        finalise_sv_calls(
            calls, somatic, str(tmp_path / "sv.vcf.gz"), str(tmp_path / "sv.tsv"),
            "TUMOUR", "N", SvThresholds(),
        )  # fmt: skip


def test_thresholds_from_params():
    thresholds = thresholds_from_params({"min_tumour_alt_support": "6", "min_tumour_af": 0.1})
    assert thresholds == SvThresholds(min_tumour_alt_support=6, min_tumour_af=0.1)
    assert thresholds_from_params({}) == SvThresholds()
    with pytest.raises(ValueError, match="min_qual"):
        thresholds_from_params({"min_qual": 3})


# --------------------------------------------------------------------------- rule sv_finalise

DELLY_FILTER = {
    "min_site_quality": 300,
    "min_tumour_coverage": 10,
    "min_tumour_af": 0.05,
    "max_normal_af": 0.0,
}


def test_somatic_filter_command_passes_every_setting():
    command = sv.somatic_filter_command("c.bcf", "s.tsv", "o.bcf", DELLY_FILTER)
    assert command == [
        "delly", "filter", "-f", "somatic", "-s", "s.tsv", "-y", "300", "-v", "10",
        "-a", "0.05", "-c", "0.0", "-o", "o.bcf", "c.bcf",
    ]  # fmt: skip


def test_filter_and_finalise_of_a_pair_judges_against_delly_s_somatic_calls(
    pair_files, monkeypatch
):
    """The pair path of rule sv_finalise: delly filter's output (here the fixture's somatic
    VCF) decides NotDellySomatic, exactly as finalise_sv_calls on the two files."""
    calls, somatic, tmp_path = pair_files
    ran = []

    def fake_filter(calls_path, tumour, normal, settings, out_bcf):
        ran.append((calls_path, tumour, normal, settings))
        with open(somatic, "rb") as src, open(out_bcf, "wb") as dst:
            dst.write(src.read())

    monkeypatch.setattr(sv, "delly_somatic_filter", fake_filter)
    counts = sv.filter_and_finalise(
        calls, tmp_path / "sv.vcf.gz", tmp_path / "sv.tsv", "T", "N", DELLY_FILTER, {}
    )
    assert ran == [(calls, "T", "N", DELLY_FILTER)]
    assert counts == {"calls": 7, "pass": 2}
    _, rows = _read_tsv(tmp_path / "sv.tsv")
    assert rows["DEL00000002"]["filter"] == "NormalSupport;NotDellySomatic"


def test_filter_and_finalise_tumour_only_runs_no_delly_filter(pair_files, monkeypatch):
    calls, _, tmp_path = pair_files

    def no_filter(*args):
        raise AssertionError("delly filter -f somatic needs a control")

    monkeypatch.setattr(sv, "delly_somatic_filter", no_filter)
    counts = sv.filter_and_finalise(
        calls, tmp_path / "sv.vcf.gz", tmp_path / "sv.tsv", "T", None, DELLY_FILTER, {}
    )
    assert counts == {"calls": 7, "pass": 3}
    _, rows = _read_tsv(tmp_path / "sv.tsv")
    assert rows["DEL00000002"]["filter"] == "PASS"

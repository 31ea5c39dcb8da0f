"""Tests for icope.core.variants: BCSQ parsing, consequence ranking, annotated VCFs as rows."""

from __future__ import annotations

import doctest

import pysam
import pytest

from icope.core import variants
from icope.core.variants import (
    CONSEQUENCE_SEVERITY,
    VARIANT_COLUMNS,
    Consequence,
    parse_bcsq,
    read_variants,
    worst_consequence,
)

# --------------------------------------------------------------------------- parse_bcsq


def test_doctests():
    assert doctest.testmod(variants).failed == 0


def test_parse_bcsq_multiple_entries():
    value = (
        "missense|TP53|ENST00000269305|protein_coding|-|175R>175H|7675088C>T,"
        "synonymous|TP53-AS|ENST00000999999|lncRNA|+|12L|7675088C>T"
    )
    assert parse_bcsq(value) == [
        Consequence(
            "missense", "TP53", "ENST00000269305", "protein_coding", "175R>175H", "7675088C>T"
        ),
        Consequence("synonymous", "TP53-AS", "ENST00000999999", "lncRNA", "12L", "7675088C>T"),
    ]


def test_parse_bcsq_skips_at_references():
    value = "@123,frameshift|NF1|ENST1|protein_coding|+|100K>100X|300del,@456"
    result = parse_bcsq(value)
    assert [c.consequence for c in result] == ["frameshift"]
    assert result[0].protein_change == "100K>100X"
    assert parse_bcsq("@123") == []


def test_parse_bcsq_missing_fields():
    result = parse_bcsq("intron|GENE1|ENST7")
    assert result == [Consequence("intron", "GENE1", "ENST7", "", "", "")]
    (intergenic,) = parse_bcsq("intergenic")
    assert (intergenic.gene, intergenic.transcript, intergenic.dna_change) == ("", "", "")


@pytest.mark.parametrize("value", [None, ""])
def test_parse_bcsq_empty(value):
    assert parse_bcsq(value) == []


# --------------------------------------------------------------------------- ranking


def _c(consequence: str, gene: str = "G") -> Consequence:
    return Consequence(consequence, gene)


def test_severity_order():
    rank = CONSEQUENCE_SEVERITY.index
    assert rank("stop_gained") < rank("missense") < rank("synonymous") < rank("intron")


def test_worst_consequence_ranking():
    consequences = [_c("synonymous", "A"), _c("stop_gained", "B"), _c("missense", "C")]
    assert worst_consequence(consequences).gene == "B"
    assert worst_consequence([_c("synonymous", "A"), _c("missense", "C")]).gene == "C"


def test_worst_consequence_compound_terms():
    # a compound term ranks by its most severe part
    compound = _c("intron&splice_acceptor", "X")
    assert compound.terms == ["intron", "splice_acceptor"]
    assert compound.rank == CONSEQUENCE_SEVERITY.index("splice_acceptor")
    assert worst_consequence([_c("missense", "M"), compound]).gene == "X"
    assert worst_consequence([_c("stop_gained", "S"), compound]).gene == "S"
    # '*' marks a consequence downstream of a frameshift
    assert _c("*missense").rank == CONSEQUENCE_SEVERITY.index("missense")


def test_worst_consequence_ties_and_unknown():
    assert worst_consequence([_c("missense", "first"), _c("missense", "second")]).gene == "first"
    unknown = _c("something_new")
    assert unknown.rank == len(CONSEQUENCE_SEVERITY)
    assert worst_consequence([unknown, _c("intergenic", "I")]).gene == "I"
    assert worst_consequence([]) is None


# --------------------------------------------------------------------------- read_variants

HEADER = """\
##fileformat=VCFv4.2
##contig=<ID=chr1,length=100000>
##FILTER=<ID=PASS,Description="All filters passed">
##FILTER=<ID=LowQual,Description="Low quality">
##FILTER=<ID=NormalEvidence,Description="Alt reads in the normal">
##INFO=<ID=BCSQ,Number=.,Type=String,Description="Local consequence annotation from BCFtools/csq">
##INFO=<ID=gnomAD_AF,Number=A,Type=Float,Description="gnomAD allele frequency">
##INFO=<ID=TDP,Number=1,Type=Integer,Description="Tumour depth">
##INFO=<ID=TAF,Number=1,Type=Float,Description="Tumour AF">
##INFO=<ID=NDP,Number=1,Type=Integer,Description="Normal depth">
##INFO=<ID=NAF,Number=1,Type=Float,Description="Normal AF">
##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">
##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Read depth">
##FORMAT=<ID=AF,Number=A,Type=Float,Description="Allele fraction">
"""

GERMLINE_RECORDS = [
    # SNV, two consequences: missense in GENEA beats synonymous in GENEB
    "chr1\t100\trs100\tC\tT\t60.123\tPASS\t"
    "BCSQ=synonymous|GENEB|ENST2|protein_coding|-|5L|100G>A,"
    "missense|GENEA|ENST1|protein_coding|+|10R>10W|100C>T;gnomAD_AF=0.0021\t"
    "GT:AD:DP\t0/1:12,8:21",
    # insertion, compound consequence, filtered, not in gnomAD
    "chr1\t200\t.\tG\tGA\t30\tLowQual\t"
    "BCSQ=frameshift&splice_region|GENEA|ENST1|protein_coding|+|20E>20X|200G>GA\t"
    "GT:AD:DP\t1/1:0,15:15",
    # multiallelic site split into two records (bcftools norm -m-)
    "chr1\t400\t.\tT\tA\t99\tPASS\t"
    "BCSQ=synonymous|GENEC|ENST3|protein_coding|+|40Q|400T>A,"
    "stop_gained|GENEC|ENST4|protein_coding|+|41Q>41*|400T>A;gnomAD_AF=0.5\t"
    "GT:AD:DP\t1/0:6,4:18",
    "chr1\t400\t.\tT\tG\t99\tPASS\t"
    "BCSQ=missense|GENEC|ENST3|protein_coding|+|40Q>40P|400T>G;gnomAD_AF=0.1\t"
    "GT:AD:DP\t0/1:6,8:18",
    # consequence only by reference to another record, no QUAL, no AD
    "chr1\t500\t.\tAT\tGC\t.\tPASS\tBCSQ=@400\tGT:DP\t0|1:9",
]

SOMATIC_RECORDS = [
    "chr1\t1000\t.\tG\tT\t.\tPASS\t"
    "TDP=40;TAF=0.25;NDP=30;NAF=0;"
    "BCSQ=stop_gained|GENED|ENST9|protein_coding|+|7W>7*|1000G>T\t"
    "GT:DP:AD:AF\t0/1:40:30,10:0.25\t0/0:30:30,0:0",
    "chr1\t2000\t.\tC\tCTT\t.\tNormalEvidence\t"
    "TDP=20;TAF=0.333333333;NDP=25;NAF=0.12;gnomAD_AF=0.00005\t"
    "GT:DP:AD:AF\t0/1:20:14,6:0.3\t0/1:25:22,3:0.12",
]


def _vcf(tmp_path, name: str, samples: list[str], records: list[str]) -> str:
    path = tmp_path / f"{name}.vcf"
    columns = "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + "\t".join(samples)
    path.write_text(HEADER + columns + "\n" + "\n".join(records) + "\n")
    return pysam.tabix_index(str(path), preset="vcf", force=True)


@pytest.fixture
def germline_vcf(tmp_path):
    return _vcf(tmp_path, "NA12878", ["NA12878"], GERMLINE_RECORDS)


@pytest.fixture
def somatic_vcf(tmp_path):
    return _vcf(tmp_path, "testT", ["testT", "testN"], SOMATIC_RECORDS)


def test_read_germline_variants(germline_vcf):
    assert germline_vcf.endswith(".vcf.gz")
    rows = read_variants(germline_vcf, "P001", "germline")
    assert [(r.pos, r.alt) for r in rows] == [
        (100, "T"),
        (200, "GA"),
        (400, "A"),
        (400, "G"),
        (500, "GC"),
    ]
    assert {(r.patient, r.sample, r.origin, r.normal_sample) for r in rows} == {
        ("P001", "NA12878", "germline", "")
    }

    snv = rows[0]
    assert (snv.chrom, snv.ref, snv.variant_type, snv.id, snv.qual) == (
        "chr1",
        "C",
        "SNV",
        "rs100",
        60.12,
    )
    assert (snv.genotype, snv.depth, snv.alt_depth, snv.vaf) == ("0/1", 20, 8, 0.4)
    assert (snv.gene, snv.transcript, snv.biotype) == ("GENEA", "ENST1", "protein_coding")
    # without the shared transcript choice: BCSQ's consequence, and no HGVS (BCSQ's
    # "10R>10W" / "100C>T" are no HGVS names)
    assert (snv.consequence, snv.hgvs_c, snv.hgvs_p) == ("missense", "", "")
    assert snv.all_genes == "GENEA,GENEB"
    assert snv.gnomad_af == 0.0021
    assert snv.filter == "PASS"
    assert (snv.tumour_depth, snv.tumour_af, snv.normal_depth, snv.normal_af) == (None,) * 4


def test_read_germline_indel_filtered_not_in_gnomad(germline_vcf):
    indel = read_variants(germline_vcf, "P001", "germline")[1]
    assert indel.variant_type == "indel"
    assert indel.filter == "LowQual"
    assert indel.id == ""
    assert indel.gnomad_af is None
    assert (indel.genotype, indel.depth, indel.alt_depth, indel.vaf) == ("1/1", 15, 15, 1.0)
    assert (indel.gene, indel.consequence) == ("GENEA", "frameshift&splice_region")


def test_read_germline_multiallelic_split(germline_vcf):
    first, second = read_variants(germline_vcf, "P001", "germline")[2:4]
    assert (first.genotype, first.depth, first.alt_depth, first.vaf) == ("1/0", 10, 4, 0.4)
    assert (first.consequence, first.transcript) == ("stop_gained", "ENST4")
    assert first.gnomad_af == 0.5
    assert (second.genotype, second.depth, second.alt_depth) == ("0/1", 14, 8)
    assert second.vaf == round(8 / 14, 4)
    assert second.consequence == "missense"
    assert second.gnomad_af == 0.1


def test_read_germline_without_consequence_or_ad(germline_vcf):
    mnv = read_variants(germline_vcf, "P001", "germline")[4]
    assert mnv.variant_type == "MNV"
    assert mnv.qual is None
    assert mnv.genotype == "0|1"
    assert (mnv.depth, mnv.alt_depth, mnv.vaf) == (9, None, None)
    assert (mnv.gene, mnv.consequence, mnv.all_genes) == ("", "", "")


def test_read_somatic_variants(somatic_vcf):
    rows = read_variants(somatic_vcf, "P002", "somatic", normal_sample="testN")
    assert len(rows) == 2
    snv, ins = rows
    assert (snv.sample, snv.normal_sample, snv.origin) == ("testT", "testN", "somatic")
    # FORMAT values come from the first (tumour) sample
    assert (snv.genotype, snv.depth, snv.alt_depth, snv.vaf) == ("0/1", 40, 10, 0.25)
    assert (snv.tumour_depth, snv.tumour_af, snv.normal_depth, snv.normal_af) == (40, 0.25, 30, 0)
    assert (snv.gene, snv.consequence) == ("GENED", "stop_gained")
    assert snv.gnomad_af is None
    assert ins.filter == "NormalEvidence"
    assert ins.variant_type == "indel"
    # floats are kept to six significant digits
    assert (ins.tumour_depth, ins.tumour_af, ins.normal_depth, ins.normal_af) == (
        20,
        0.333333,
        25,
        0.12,
    )
    assert ins.gnomad_af == 5e-05


def test_read_somatic_tumour_only(tmp_path):
    record = "chr1\t1000\t.\tG\tT\t.\tPASS\tTDP=40;TAF=0.25\tGT:DP:AD:AF\t0/1:40:30,10:0.25"
    path = _vcf(tmp_path, "testT", ["testT"], [record])
    (row,) = read_variants(path, "P003", "somatic")
    assert (row.tumour_depth, row.tumour_af) == (40, 0.25)
    assert (row.normal_depth, row.normal_af, row.normal_sample) == (None, None, "")


def test_germline_origin_ignores_somatic_info(somatic_vcf):
    row = read_variants(somatic_vcf, "P002", "germline")[0]
    assert (row.tumour_depth, row.tumour_af, row.normal_depth, row.normal_af) == (None,) * 4


def test_as_dict_column_order(germline_vcf):
    row = read_variants(germline_vcf, "P001", "germline")[0]
    assert list(row.as_dict()) == VARIANT_COLUMNS
    assert "extra" not in row.as_dict()


def test_missing_ad_is_unknown_depth(tmp_path):
    record = "chr1\t100\t.\tC\tT\t50\tPASS\t.\tGT:AD:DP\t0/1:.,.:17"
    path = _vcf(tmp_path, "S1", ["S1"], [record])
    (row,) = read_variants(path, "P1", "germline")
    assert row.depth == 17
    assert row.alt_depth is None


# --------------------------------------------------------------------------- shared transcript


def test_read_variants_with_the_shared_transcript_choice(tmp_path, germline_vcf):
    """With an Annotator, gene, transcript, consequence and HGVS come from the preferred
    transcript (not from BCSQ's own pick); a variant off every transcript is intergenic."""
    from icope.core.hgvs import Annotator
    from icope.core.transcripts import TranscriptModel

    # GENEA's CDS on the plus strand from 91: ATG GCC C(100)GG ... ; pos 100 C>T: c.10C>T
    seq = ["A"] * 1000
    cds = "ATGGCCAAACGGTGGTAA"
    seq[90 : 90 + len(cds)] = cds
    fasta = tmp_path / "chr1.fa"
    fasta.write_text(">chr1\n" + "".join(seq) + "\n")
    tx = TranscriptModel(
        "ENST1.5", "GENEA", "ENSG1", "chr1", "+", "protein_coding", ((81, 300),), 91, 108
    )
    annotator = Annotator([tx], fasta)
    rows = read_variants(germline_vcf, "P001", "germline", "", annotator)
    snv = rows[0]
    assert (snv.gene, snv.transcript, snv.consequence) == ("GENEA", "ENST1.5", "missense")
    assert (snv.hgvs_c, snv.hgvs_p) == ("ENST1.5:c.10C>T", "p.Arg4Trp")
    assert snv.all_genes == "GENEA,GENEB"
    # 400 T>A lies outside GENEA's preferred transcript: no BCSQ pick on another transcript
    outside = rows[2]
    assert (outside.gene, outside.transcript, outside.consequence) == ("", "", "intergenic")
    assert (outside.hgvs_c, outside.hgvs_p) == ("", "")
    assert {"hgvs_c", "hgvs_p", "transcript", "consequence"} <= set(VARIANT_COLUMNS)
    assert "protein_change" not in VARIANT_COLUMNS

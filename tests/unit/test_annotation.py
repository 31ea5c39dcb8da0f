"""Tests for icope.core.annotation: GTF/GFF3 reading and the bcftools-csq GFF3 writer."""

from __future__ import annotations

import gzip
import random
import shutil
import subprocess

import pysam
import pytest

from icope.core.annotation import (
    GENE_TABLE_COLUMNS,
    AnnotationError,
    Gene,
    Transcript,
    _gff3_ids,
    _gtf_ids,
    coding_segments,
    detect_format,
    read_annotation,
    write_csq_gff3,
    write_gene_table,
    write_tx2gene,
)

# --------------------------------------------------------------------------- a tiny genome
#
# chr1, 400 bp.
#   GENE1 (G1/T1, + strand): exons 11-60, 101-160; CDS 21-60 + 101-126, stop codon 127-129
#   GENE2 (G2/T2, - strand): exons 241-290, 171-220; CDS 280-241 + 220-195, stop codon 194-192
#   LNC1  (G3/T3, + strand, lncRNA): exons 310-330, 350-380
# Each ORF is 22 sense codons + a stop (69 bp): 40 bp in the first coding exon, 29 in the second.

ORF_1 = (
    "ATG AAA GCT CCC TGG GAA CTG ACC GGC ATC CAG TTC AGC GAC CGT TAC GTG AAC CTC GCA ATG CCT TAA"
).replace(" ", "")
ORF_2 = (
    "ATG TCT GAG CAG AAG CTT GGA ACC TTC GAT CGC AAT GTG GCA TGC CCA GAA ATC TAC GTC AAG CTG TAG"
).replace(" ", "")
COMPLEMENT = str.maketrans("ACGT", "TGCA")


def _tx1_pos(i: int) -> int:
    """1-based genomic position of 0-based ORF offset i of T1 (+ strand)."""
    return 21 + i if i < 40 else 101 + (i - 40)


def _tx2_pos(i: int) -> int:
    """1-based genomic position of 0-based ORF offset i of T2 (- strand)."""
    return 280 - i if i < 40 else 220 - (i - 40)


def _genome() -> str:
    rng = random.Random(20240601)
    seq = [rng.choice("ACGT") for _ in range(400)]
    for i, base in enumerate(ORF_1):
        seq[_tx1_pos(i) - 1] = base
    for i, base in enumerate(ORF_2):
        seq[_tx2_pos(i) - 1] = base.translate(COMPLEMENT)
    # canonical splice sites (GT...AG on the transcribed strand)
    seq[60:62], seq[98:100] = list("GT"), list("AG")  # T1 intron 61-100
    seq[220:222], seq[238:240] = list("CT"), list("AC")  # T2 intron 221-240 (minus strand)
    return "".join(seq)


GENOME = _genome()

G1 = 'gene_id "G1"; gene_name "GENE1"; gene_biotype "protein_coding";'
T1 = (
    G1 + ' transcript_id "T1"; transcript_name "GENE1-201"; transcript_biotype "protein_coding";'
    ' tag "basic"; tag "Ensembl_canonical"; tag "not_kept";'
)
G2 = 'gene_id "G2"; gene_name "GENE2"; gene_biotype "protein_coding";'
T2 = G2 + ' transcript_id "T2"; transcript_name "GENE2-201"; transcript_biotype "protein_coding";'
G3 = 'gene_id "G3"; gene_name "LNC1"; gene_biotype "lncRNA";'
T3 = G3 + ' transcript_id "T3"; transcript_name "LNC1-201"; transcript_biotype "lncRNA";'

GTF_ROWS = [
    ("gene", 11, 160, "+", ".", G1),
    ("transcript", 11, 160, "+", ".", T1),
    ("exon", 11, 60, "+", ".", T1 + ' exon_number "1";'),
    ("CDS", 21, 60, "+", "0", T1 + ' exon_number "1";'),
    ("start_codon", 21, 23, "+", "0", T1),
    ("exon", 101, 160, "+", ".", T1 + ' exon_number "2";'),
    ("CDS", 101, 126, "+", "2", T1 + ' exon_number "2";'),
    ("stop_codon", 127, 129, "+", "0", T1),
    ("five_prime_utr", 11, 20, "+", ".", T1),
    ("three_prime_utr", 130, 160, "+", ".", T1),
    ("gene", 171, 290, "-", ".", G2),
    ("transcript", 171, 290, "-", ".", T2),
    ("exon", 241, 290, "-", ".", T2 + ' exon_number "1";'),
    ("CDS", 241, 280, "-", "0", T2 + ' exon_number "1";'),
    ("start_codon", 278, 280, "-", "0", T2),
    ("exon", 171, 220, "-", ".", T2 + ' exon_number "2";'),
    ("CDS", 195, 220, "-", "2", T2 + ' exon_number "2";'),
    ("stop_codon", 192, 194, "-", "0", T2),
    ("gene", 310, 380, "+", ".", G3),
    ("transcript", 310, 380, "+", ".", T3),
    ("exon", 310, 330, "+", ".", T3 + ' exon_number "1";'),
    ("exon", 350, 380, "+", ".", T3 + ' exon_number "2";'),
]


def _gtf_text() -> str:
    lines = ["#!genome-build test", "#!genome-version 1"]
    for ftype, start, end, strand, phase, attrs in GTF_ROWS:
        lines.append(
            "\t".join(["chr1", "ensembl", ftype, str(start), str(end), ".", strand, phase, attrs])
        )
    return "\n".join(lines) + "\n"


@pytest.fixture
def gtf(tmp_path):
    path = tmp_path / "genes.gtf"
    path.write_text(_gtf_text())
    return path


@pytest.fixture
def model(gtf):
    return read_annotation(gtf)


def _tsv(path):
    return [line.split("\t") for line in path.read_text().splitlines()]


def test_genome_helpers_are_consistent():
    assert len(ORF_1) == len(ORF_2) == 69
    assert "".join(GENOME[_tx1_pos(i) - 1] for i in range(69)) == ORF_1
    minus = "".join(GENOME[_tx2_pos(i) - 1] for i in range(69)).translate(COMPLEMENT)
    assert minus == ORF_2


# --------------------------------------------------------------------------- reading


def test_detect_format(gtf, tmp_path):
    assert detect_format(gtf) == "gtf"
    gff3 = tmp_path / "genes.gff3"
    gff3.write_text(
        "##gff-version 3\nchr1\tx\tgene\t1\t10\t.\t+\t.\tID=gene:G1;biotype=protein_coding\n"
    )
    assert detect_format(gff3) == "gff3"


def test_detect_format_empty_file(tmp_path):
    empty = tmp_path / "empty.gtf"
    empty.write_text("# only a comment\n\n")
    with pytest.raises(AnnotationError, match="no feature lines"):
        detect_format(empty)


def test_read_annotation_genes(model, gtf):
    assert model.source == str(gtf)
    assert sorted(model.genes) == ["G1", "G2", "G3"]
    g1, g2, g3 = model.genes["G1"], model.genes["G2"], model.genes["G3"]
    assert (g1.name, g1.chrom, g1.start, g1.end, g1.strand, g1.biotype) == (
        "GENE1",
        "chr1",
        11,
        160,
        "+",
        "protein_coding",
    )
    assert (g2.name, g2.start, g2.end, g2.strand) == ("GENE2", 171, 290, "-")
    assert (g3.name, g3.biotype) == ("LNC1", "lncRNA")


def test_read_annotation_transcripts(model):
    t1, t2, t3 = (model.transcripts[t] for t in ("T1", "T2", "T3"))
    assert (t1.gene_id, t1.name, t1.biotype, t1.strand) == (
        "G1",
        "GENE1-201",
        "protein_coding",
        "+",
    )
    assert t1.tags == ["basic", "Ensembl_canonical"]
    assert t1.exons == [(11, 60), (101, 160)]
    assert t1.cds == [(21, 60, 0), (101, 126, 2)]
    assert t1.stop_codons == [(127, 129)]
    assert (t1.start, t1.end) == (11, 160)
    assert t2.exons == [(241, 290), (171, 220)]
    assert t2.cds == [(241, 280, 0), (195, 220, 2)]
    assert t2.stop_codons == [(192, 194)]
    assert t2.tags == []
    assert (t3.biotype, t3.cds, t3.exons) == ("lncRNA", [], [(310, 330), (350, 380)])


def test_gene_span_covers_transcripts_without_gene_lines(tmp_path):
    rows = [r for r in GTF_ROWS if r[0] not in ("gene", "transcript")]
    path = tmp_path / "no_genes.gtf"
    path.write_text(
        "".join(
            "\t".join(["chr1", "x", f, str(s), str(e), ".", st, ph, a]) + "\n"
            for f, s, e, st, ph, a in rows
        )
    )
    model = read_annotation(path)
    assert (model.genes["G1"].start, model.genes["G1"].end) == (11, 160)
    assert (model.genes["G2"].start, model.genes["G2"].end) == (171, 290)
    assert model.genes["G2"].name == "GENE2"
    assert model.transcripts["T1"].span() == (11, 160)


def test_read_gzipped_gtf(tmp_path):
    path = tmp_path / "genes.gtf.gz"
    with gzip.open(path, "wt") as handle:
        handle.write(_gtf_text())
    assert sorted(read_annotation(path).transcripts) == ["T1", "T2", "T3"]


def test_line_without_nine_columns_names_the_line(tmp_path):
    lines = _gtf_text().splitlines()
    # line 5 of the file: the two header comments, gene, transcript, then this one
    lines[4] = "\t".join(lines[4].split("\t")[:8])
    path = tmp_path / "bad.gtf"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(AnnotationError) as info:
        read_annotation(path)
    assert str(info.value) == f"{path}, line 5: expected 9 tab-separated columns"


def test_space_separated_line_is_rejected(tmp_path):
    path = tmp_path / "spaces.gtf"
    path.write_text('chr1 x gene 1 10 . + . gene_id "G1";\n')
    with pytest.raises(AnnotationError, match=r", line 1: expected 9 tab-separated columns"):
        read_annotation(path)


def test_non_integer_coordinates(tmp_path):
    lines = _gtf_text().splitlines()
    cols = lines[3].split("\t")
    cols[3] = "eleven"
    lines[3] = "\t".join(cols)
    path = tmp_path / "bad.gtf"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(AnnotationError, match=r"line 4: start/end are not integers"):
        read_annotation(path)


def test_gtf_feature_without_gene_id(tmp_path):
    path = tmp_path / "bad.gtf"
    path.write_text(_gtf_text() + 'chr1\tx\texon\t1\t5\t.\t+\t.\ttranscript_id "T9";\n')
    with pytest.raises(AnnotationError, match=rf"line {len(GTF_ROWS) + 3}: GTF feature without"):
        read_annotation(path)


# --------------------------------------------------------------------------- coding segments


def test_coding_segments_plus_strand_includes_stop(model):
    segments = coding_segments(model.transcripts["T1"])
    assert segments == [(21, 60, 0), (101, 129, 2)]
    assert sum(e - s + 1 for s, e, _ in segments) == 69
    assert sum(e - s + 1 for s, e, _ in segments) % 3 == 0


def test_coding_segments_minus_strand_includes_stop(model):
    segments = coding_segments(model.transcripts["T2"])
    # returned in genomic order; the 5' segment (highest coordinates) has phase 0
    assert segments == [(192, 220, 2), (241, 280, 0)]
    assert sum(e - s + 1 for s, e, _ in segments) % 3 == 0


def test_coding_segments_recompute_wrong_phases():
    # phases given as 0 everywhere (as some converters write them); three exons
    tx = Transcript(
        "TX", "GX", "chr1", "+", cds=[(10, 20, 0), (31, 40, 0), (51, 60, 0)], stop_codons=[(61, 63)]
    )
    # lengths 11, 10, 10 (+3 stop) -> phases 0, (3 - 11 % 3) % 3 = 1, (3 - 21 % 3) % 3 = 0
    assert coding_segments(tx) == [(10, 20, 0), (31, 40, 1), (51, 63, 0)]


def test_coding_segments_minus_strand_three_exons():
    tx = Transcript(
        "TX", "GX", "chr1", "-", cds=[(51, 60, 0), (31, 40, 0), (13, 20, 0)], stop_codons=[(10, 12)]
    )
    # transcript order 51-60 (10 bp), 31-40 (10 bp), 10-20 (11 bp incl. stop)
    assert coding_segments(tx) == [(10, 20, 1), (31, 40, 2), (51, 60, 0)]


def test_coding_segments_keep_an_incomplete_start():
    # 5' incomplete CDS: first segment starts with phase 1
    tx = Transcript("TX", "GX", "chr1", "+", cds=[(10, 20, 1), (31, 40, 0)])
    assert coding_segments(tx) == [(10, 20, 1), (31, 40, 2)]
    tx_minus = Transcript("TX", "GX", "chr1", "-", cds=[(10, 20, 0), (31, 40, 2)])
    assert coding_segments(tx_minus) == [(10, 20, 1), (31, 40, 2)]


def test_coding_segments_split_stop_codon():
    # the stop codon straddles the intron: 2 bases after the first CDS piece, 1 at the next exon
    tx = Transcript("TX", "GX", "chr1", "+", cds=[(10, 21, 0)], stop_codons=[(22, 23), (40, 40)])
    assert coding_segments(tx) == [(10, 23, 0), (40, 40, 1)]


def test_coding_segments_noncoding(model):
    assert coding_segments(model.transcripts["T3"]) == []


# --------------------------------------------------------------------------- writers

EXPECTED_CSQ_GFF3 = """\
##gff-version 3
chr1\ticope\tgene\t11\t160\t.\t+\t.\tID=gene:G1;Name=GENE1;biotype=protein_coding
chr1\ticope\ttranscript\t11\t160\t.\t+\t.\tID=transcript:T1;Parent=gene:G1;Name=GENE1-201;\
biotype=protein_coding;tag=basic,Ensembl_canonical
chr1\ticope\texon\t11\t60\t.\t+\t.\tParent=transcript:T1
chr1\ticope\tfive_prime_UTR\t11\t20\t.\t+\t.\tParent=transcript:T1
chr1\ticope\tCDS\t21\t60\t.\t+\t0\tParent=transcript:T1
chr1\ticope\tCDS\t101\t129\t.\t+\t2\tParent=transcript:T1
chr1\ticope\texon\t101\t160\t.\t+\t.\tParent=transcript:T1
chr1\ticope\tthree_prime_UTR\t130\t160\t.\t+\t.\tParent=transcript:T1
chr1\ticope\tgene\t171\t290\t.\t-\t.\tID=gene:G2;Name=GENE2;biotype=protein_coding
chr1\ticope\ttranscript\t171\t290\t.\t-\t.\tID=transcript:T2;Parent=gene:G2;Name=GENE2-201;\
biotype=protein_coding
chr1\ticope\texon\t171\t220\t.\t-\t.\tParent=transcript:T2
chr1\ticope\tthree_prime_UTR\t171\t191\t.\t-\t.\tParent=transcript:T2
chr1\ticope\tCDS\t192\t220\t.\t-\t2\tParent=transcript:T2
chr1\ticope\tCDS\t241\t280\t.\t-\t0\tParent=transcript:T2
chr1\ticope\texon\t241\t290\t.\t-\t.\tParent=transcript:T2
chr1\ticope\tfive_prime_UTR\t281\t290\t.\t-\t.\tParent=transcript:T2
chr1\ticope\tgene\t310\t380\t.\t+\t.\tID=gene:G3;Name=LNC1;biotype=lncRNA
chr1\ticope\ttranscript\t310\t380\t.\t+\t.\tID=transcript:T3;Parent=gene:G3;Name=LNC1-201;\
biotype=lncRNA
chr1\ticope\texon\t310\t330\t.\t+\t.\tParent=transcript:T3
chr1\ticope\texon\t350\t380\t.\t+\t.\tParent=transcript:T3
"""


def test_write_csq_gff3_exact(model, tmp_path):
    out = tmp_path / "genes.csq.gff3"
    assert write_csq_gff3(model, out) == 3
    assert out.read_text() == EXPECTED_CSQ_GFF3


def test_write_csq_gff3_utr_sides(model, tmp_path):
    out = tmp_path / "genes.csq.gff3"
    write_csq_gff3(model, out)
    rows = [r for r in _tsv(out) if len(r) == 9]
    utr = {(r[8].split(":")[1], r[2]): (int(r[3]), int(r[4])) for r in rows if "UTR" in r[2]}
    # + strand: 5' UTR left of the CDS, 3' UTR right of it; - strand the other way round
    assert utr[("T1", "five_prime_UTR")] == (11, 20)
    assert utr[("T1", "three_prime_UTR")] == (130, 160)
    assert utr[("T2", "five_prime_UTR")] == (281, 290)
    assert utr[("T2", "three_prime_UTR")] == (171, 191)
    assert not any(k[0] == "T3" for k in utr)
    cds = [r for r in rows if r[2] == "CDS"]
    assert all(r[8].startswith("Parent=transcript:") for r in cds)
    assert {r[8] for r in rows if r[2] == "gene"} >= {"ID=gene:G3;Name=LNC1;biotype=lncRNA"}


def test_write_csq_gff3_round_trip(model, tmp_path):
    """The written GFF3 reads back to the same coding model (GFF3 CDS include the stop)."""
    out = tmp_path / "genes.csq.gff3"
    write_csq_gff3(model, out)
    assert detect_format(out) == "gff3"
    back = read_annotation(out)
    assert sorted(back.genes) == ["G1", "G2", "G3"]
    assert back.genes["G3"].biotype == "lncRNA"
    assert back.transcripts["T1"].gene_id == "G1"
    assert back.transcripts["T2"].biotype == "protein_coding"
    assert back.transcripts["T1"].tags == ["basic", "Ensembl_canonical"]
    for tx_id in ("T1", "T2", "T3"):
        assert coding_segments(back.transcripts[tx_id]) == coding_segments(model.transcripts[tx_id])


def test_write_csq_gff3_skips_transcripts_without_exons(model, tmp_path):
    model.transcripts["T3"].exons.clear()
    out = tmp_path / "genes.csq.gff3"
    assert write_csq_gff3(model, out) == 2
    assert "G3" not in out.read_text()


def test_write_gene_table(model, tmp_path):
    out = tmp_path / "genes.tsv"
    write_gene_table(model, out)
    assert _tsv(out) == [
        GENE_TABLE_COLUMNS,
        ["G1", "GENE1", "chr1", "11", "160", "+", "protein_coding"],
        ["G2", "GENE2", "chr1", "171", "290", "-", "protein_coding"],
        ["G3", "LNC1", "chr1", "310", "380", "+", "lncRNA"],
    ]


def test_write_tx2gene(model, tmp_path):
    out = tmp_path / "tx2gene.tsv"
    write_tx2gene(model, out)
    assert out.read_text() == "T1\tG1\nT2\tG2\nT3\tG3\n"


# --------------------------------------------------------------------------- bcftools csq


def _bcsq(record) -> list[str]:
    value = record.info.get("BCSQ", ())
    return list(value) if isinstance(value, tuple) else [value]


@pytest.mark.skipif(shutil.which("bcftools") is None, reason="bcftools not on PATH")
def test_bcftools_csq_reads_converted_gff3(model, tmp_path):
    fasta = tmp_path / "ref.fa"
    fasta.write_text(">chr1\n" + "\n".join(GENOME[i : i + 60] for i in range(0, 400, 60)) + "\n")
    pysam.faidx(str(fasta))
    gff3 = tmp_path / "genes.csq.gff3"
    write_csq_gff3(model, gff3)

    def snv(pos: int, coding_ref: str, coding_alt: str, minus: bool = False):
        ref, alt = coding_ref, coding_alt
        if minus:
            ref, alt = ref.translate(COMPLEMENT), alt.translate(COMPLEMENT)
        assert GENOME[pos - 1] == ref, (pos, GENOME[pos - 1], ref)
        return pos, ref, alt

    variants = {
        # T1 codon 3 GCT (A) -> GAT (D): second base, ORF offset 7
        "t1_missense": snv(_tx1_pos(7), "C", "A"),
        # T1 codon 5 TGG (W) -> TAG: ORF offset 13
        "t1_stop": snv(_tx1_pos(13), "G", "A"),
        # T1 codon 14 GAC (D) spans the intron; its middle base is the first of exon 2
        "t1_split_codon": snv(_tx1_pos(40), "A", "C"),
        # T2 codon 4 CAG (Q) -> TAG: first base, ORF offset 9
        "t2_stop": snv(_tx2_pos(9), "C", "T", minus=True),
        # T2 codon 6 CTT (L) -> CCT (P): ORF offset 16
        "t2_missense": snv(_tx2_pos(16), "T", "C", minus=True),
        # T2 codon 15 TGC (C) -> TGA: in the second coding exon, ORF offset 44
        "t2_stop_exon2": snv(_tx2_pos(44), "C", "A", minus=True),
    }
    vcf = tmp_path / "in.vcf"
    body = [
        f"chr1\t{pos}\t{name}\t{ref}\t{alt}\t50\tPASS\t."
        for name, (pos, ref, alt) in sorted(variants.items(), key=lambda kv: kv[1][0])
    ]
    vcf.write_text(
        "##fileformat=VCFv4.2\n##contig=<ID=chr1,length=400>\n"
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n" + "\n".join(body) + "\n"
    )
    out = tmp_path / "out.vcf"
    result = subprocess.run(
        [
            "bcftools",
            "csq",
            "-f",
            str(fasta),
            "-g",
            str(gff3),
            "-l",
            "-p",
            "a",
            "-Ov",
            "-o",
            str(out),
            str(vcf),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    with pysam.VariantFile(str(out)) as handle:
        bcsq = {rec.id: _bcsq(rec) for rec in handle}

    def consequence(name: str) -> list[str]:
        """The one coding consequence (the one with an amino-acid change) of a variant."""
        coding = [c.split("|") for c in bcsq[name] if len(c.split("|")) >= 6]
        assert len(coding) == 1, bcsq[name]
        return coding[0]

    pos, ref, alt = variants["t1_missense"]
    assert consequence("t1_missense") == [
        "missense",
        "GENE1",
        "T1",
        "protein_coding",
        "+",
        "3A>3D",
        f"{pos}{ref}>{alt}",
    ]
    assert consequence("t1_stop")[:6] == [
        "stop_gained",
        "GENE1",
        "T1",
        "protein_coding",
        "+",
        "5W>5*",
    ]
    assert consequence("t1_split_codon")[0] == "missense"
    assert consequence("t1_split_codon")[5] == "14D>14A"
    assert "splice_region|GENE1|T1|protein_coding" in bcsq["t1_split_codon"]
    assert all(len(bcsq[n]) == 1 for n in variants if n != "t1_split_codon"), bcsq
    assert consequence("t2_stop")[:6] == [
        "stop_gained",
        "GENE2",
        "T2",
        "protein_coding",
        "-",
        "4Q>4*",
    ]
    assert consequence("t2_missense")[0] == "missense"
    assert consequence("t2_missense")[4:6] == ["-", "6L>6P"]
    assert consequence("t2_stop_exon2")[0] == "stop_gained"
    assert consequence("t2_stop_exon2")[5] == "15C>15*"


# --------------------------------------------------------------------------- feature ids


def test_gff3_ids_link_children_to_their_gene():
    genes = {"G1": Gene("G1", "G1", "chr1", 1, 100, "+")}
    tx_gene: dict[str, str] = {}
    assert _gff3_ids("gene", {"ID": ["gene:G1"]}, genes, tx_gene) == ("G1", "")
    # an unlisted feature type with an ID whose parent is a gene is a transcript
    mrna = {"ID": ["transcript:T1"], "Parent": ["gene:G1"]}
    assert _gff3_ids("V_gene_segment", mrna, genes, tx_gene) == ("G1", "T1")
    assert tx_gene == {"T1": "G1"}
    exon = {"Parent": ["transcript:T1"]}
    assert _gff3_ids("exon", exon, genes, tx_gene) == ("G1", "T1")
    assert _gff3_ids("exon", {"Parent": ["transcript:T9"]}, genes, tx_gene) == ("", "T9")


def test_gtf_ids_need_a_gene_id(tmp_path):
    attrs = {"gene_id": ["G1"], "transcript_id": ["T1"]}
    assert _gtf_ids(attrs, tmp_path / "a.gtf", 3) == ("G1", "T1")
    assert _gtf_ids({"gene_id": ["G1"]}, tmp_path / "a.gtf", 3) == ("G1", "")
    with pytest.raises(AnnotationError, match=r"a\.gtf, line 3: GTF feature without gene_id"):
        _gtf_ids({"transcript_id": ["T1"]}, tmp_path / "a.gtf", 3)

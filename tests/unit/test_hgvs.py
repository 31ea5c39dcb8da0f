"""HGVS c./p. and consequences on the preferred transcript: a synthetic two-exon gene on the
plus strand and the same gene reverse-complemented (minus strand) must get the same names;
and every record of the curated TP53 ClinVar set must get ClinVar's own c. and p."""

from __future__ import annotations

import csv

import pytest

from icope.core.annotation import read_annotation
from icope.core.hgvs import Annotator, revcomp, translate
from icope.core.transcripts import TranscriptModel, preferred_from_annotation

# Synthetic gene, plus strand, 1-based genomic positions:
#   1-10 upstream | exon 1: 11-20 5'UTR, 21-38 c.1-18 | intron 39-58 (GT...AG)
#   exon 2: 59-79 c.19-39 (stop TAA = c.37-39), 80-100 3'UTR (GCA TGA: in-frame stop at c.*4)
CDS = "ATGAAACGCGAATTCGGC" + "AAGAAGCTGTGGCAGTCTTAA"  # M K R E F G K K L W Q S *
GENOME = (
    "CCCCCCCCCC"  # 1-10
    + "GGGAAACCCT"  # 11-20 5'UTR
    + CDS[:18]  # 21-38
    + "GTAAGTCCCCCCCCTTTCAG"  # 39-58 intron
    + CDS[18:]  # 59-79
    + "GCATGACCCCCCCCCCCCCCC"  # 80-100 3'UTR
    + "CCCCCCCCCC"  # 101-110 downstream
)
L = len(GENOME)
EXONS = ((11, 38), (59, 100))


def _tx(strand: str) -> TranscriptModel:
    if strand == "+":
        exons, cds = EXONS, (21, 79)
    else:
        exons = tuple(sorted((L + 1 - e, L + 1 - s) for s, e in EXONS))
        cds = (L + 1 - 79, L + 1 - 21)
    return TranscriptModel(
        "ENSTTEST.3", "GENE", "ENSGTEST", "chrT", strand, "protein_coding", exons, *cds
    )


@pytest.fixture(params=["+", "-"])
def annotator(request, tmp_path):
    seq = GENOME if request.param == "+" else revcomp(GENOME)
    fasta = tmp_path / "genome.fa"
    fasta.write_text(f">chrT\n{seq}\n")
    ann = Annotator([_tx(request.param)], fasta)
    ann.strand, ann.seq = request.param, seq
    yield ann
    ann.close()


def _record(ann, start: int, deleted: str, inserted: str):
    """A VCF-style record (left anchor base) for a change given in plus-strand coordinates:
    bases ``start..start+len(deleted)-1`` replaced by ``inserted`` (insertion: after
    ``start - 1``)."""
    n = len(deleted)
    if ann.strand == "-":
        start, deleted, inserted = L + 2 - start - n, revcomp(deleted), revcomp(inserted)
    if n == len(inserted) >= 1:
        return start, deleted, inserted
    anchor = ann.seq[start - 2]
    assert ann.seq[start - 1 : start - 1 + n] == deleted
    return start - 1, anchor + deleted, anchor + inserted


def _names(ann, start, deleted, inserted):
    a = ann.annotate("chrT", *_record(ann, start, deleted, inserted))
    return a.hgvs_c.split(":", 1)[1], a.hgvs_p, a.consequence


def test_synthetic_gene_translates():
    assert translate(CDS) == "MKREFGKKLWQS*"


@pytest.mark.parametrize(
    ("start", "deleted", "inserted", "expected"),
    [
        # substitutions
        (28, "G", "A", ("c.8G>A", "p.Arg3His", "missense")),
        (29, "C", "T", ("c.9C>T", "p.Arg3=", "synonymous")),
        (69, "G", "A", ("c.29G>A", "p.Trp10Ter", "stop_gained")),
        (21, "A", "G", ("c.1A>G", "p.Met1?", "start_lost")),
        (77, "T", "C", ("c.37T>C", "p.Ter13GlnextTer2", "stop_lost")),
        (79, "A", "G", ("c.39A>G", "p.Ter13=", "stop_retained")),
        # splice sites, intron (the middle of the 20-base intron: +10 / -10), UTRs
        (39, "G", "A", ("c.18+1G>A", "p.?", "splice_donor")),
        (45, "C", "T", ("c.18+7C>T", "p.?", "splice_region")),
        (48, "C", "T", ("c.18+10C>T", "p.?", "intron")),
        (49, "C", "T", ("c.19-10C>T", "p.?", "intron")),
        (58, "G", "A", ("c.19-1G>A", "p.?", "splice_acceptor")),
        (15, "A", "G", ("c.-6A>G", "p.?", "5_prime_utr")),
        (85, "A", "T", ("c.*6A>T", "p.?", "3_prime_utr")),
        (60, "A", "G", ("c.20A>G", "p.Lys7Arg", "missense&splice_region")),
        # deletions: shifted 3' (c.13T of the TT run -> c.14del), in-frame codon of a repeat
        (33, "T", "", ("c.14del", "p.Phe5fs", "frameshift")),
        (57, "AGA", "", ("c.22_24del", "p.Lys8del", "inframe_deletion")),
        (59, "AAGAAG", "", ("c.19_24del", "p.Lys7_Lys8del", "inframe_deletion&splice_region")),
        # insertions: a repeated base / codon is a dup at the 3' end of the repeat
        (24, "", "A", ("c.6dup", "p.Arg3fs", "frameshift")),
        (62, "", "AAG", ("c.22_24dup", "p.Lys8dup", "inframe_insertion")),
        (68, "", "TTT", ("c.28_29insTTT", "p.Leu9_Trp10insPhe", "inframe_insertion")),
        # delins
        (28, "GC", "TT", ("c.8_9delinsTT", "p.Arg3Leu", "missense")),
        (30, "GAA", "TAG", ("c.10_12delinsTAG", "p.Glu4Ter", "stop_gained")),
        # beyond the CDS into a UTR through the start or stop codon
        (19, "CTAT", "", ("c.-2_2del", "p.?", "start_lost&coding_sequence&5_prime_utr")),
        (78, "AAGC", "", ("c.39_*3del", "p.?", "stop_lost&coding_sequence&3_prime_utr")),
        # across the exon/intron border: protein effect not predicted
        (37, "GCGT", "", ("c.17_18+2del", "p.?", "splice_donor&splice_region&coding_sequence")),
    ],
)
def test_names_on_both_strands(annotator, start, deleted, inserted, expected):
    assert _names(annotator, start, deleted, inserted) == expected


def test_versioned_transcript_in_name(annotator):
    a = annotator.annotate("chrT", *_record(annotator, 28, "G", "A"))
    assert (a.transcript, a.hgvs_c, a.gene) == ("ENSTTEST.3", "ENSTTEST.3:c.8G>A", "GENE")


def test_outside_every_transcript_is_intergenic(annotator):
    assert annotator.annotate("chrT", 3, annotator.seq[2], "A") is None
    assert annotator.annotate("chrOther", 3, "C", "A") is None
    assert annotator.annotate("chrT", 28, annotator.seq[27], "<DEL>") is None


def test_dup_in_a_longer_repeat_is_shifted_to_its_3prime_end(tmp_path):
    # an A9 run at c.4-12 (g9-17): one more A anywhere in it is c.12dup
    cds = "ATG" + "A" * 9 + "CGCTGA"
    seq = "CCCCC" + cds + "CCCCCCCCCC"
    n = len(seq)
    fasta = tmp_path / "g.fa"
    fasta.write_text(f">c\n{seq}\n")
    tx = TranscriptModel("T.1", "G", "G", "c", "+", "protein_coding", ((1, n),), 6, 23)
    ann = Annotator([tx], fasta)
    for anchor in range(8, 18):  # a VCF record at every position of the run
        a = ann.annotate("c", anchor, seq[anchor - 1], seq[anchor - 1] + "A")
        assert (a.hgvs_c, a.hgvs_p) == ("T.1:c.12dup", "p.Arg5fs"), anchor
    # minus strand: the same run read backwards, 3' is towards lower positions
    minus = revcomp(seq)
    fasta.write_text(f">c\n{minus}\n")
    tx = TranscriptModel("T.1", "G", "G", "c", "-", "protein_coding", ((1, n),), n - 22, n - 5)
    ann = Annotator([tx], fasta)
    for anchor in range(n - 17, n - 7):
        a = ann.annotate("c", anchor, minus[anchor - 1], minus[anchor - 1] + "T")
        assert (a.hgvs_c, a.hgvs_p) == ("T.1:c.12dup", "p.Arg5fs"), anchor


def test_non_coding_transcript_uses_n(tmp_path):
    seq = "ACGT" * 10
    fasta = tmp_path / "g.fa"
    fasta.write_text(f">c\n{seq}\n")
    tx = TranscriptModel("NR.2", "LNC", "LNC", "c", "+", "lncRNA", ((5, 14), (21, 30)))
    ann = Annotator([tx], fasta)
    a = ann.annotate("c", 7, seq[6], "T" if seq[6] != "T" else "A")
    assert (a.hgvs_c, a.hgvs_p, a.consequence) == (f"NR.2:n.3{seq[6]}>T", "", "non_coding")
    b = ann.annotate("c", 17, seq[16], "T" if seq[16] != "T" else "G")
    assert b.hgvs_c.startswith("NR.2:n.10+3") and b.consequence == "splice_region"


TP53 = "grch38_segments/chr17_TP53"
CURATED_TSV = f"{TP53}/clinvar_curated/TP53_clinvar_curated.tsv"
CURATED_VCF = f"{TP53}/clinvar_curated/TP53_clinvar_curated.local.vcf.gz"
FASTA = f"{TP53}/reference/TP53_GRCh38_chr17_7659779-7692550.fa"
GTF = f"{TP53}/annotation/gencode.v38.TP53_segment.local.gtf"


@pytest.fixture(scope="module")
def tp53_annotator(shared_data):
    model = read_annotation(shared_data(GTF))
    ann = Annotator(preferred_from_annotation(model), shared_data(FASTA))
    yield ann
    ann.close()


def test_tp53_preferred_transcript_is_mane_select(shared_data):
    preferred = preferred_from_annotation(read_annotation(shared_data(GTF)))
    tp53 = preferred["ENSG00000141510.18"]
    assert (tp53.transcript, tp53.preference, tp53.strand) == (
        "ENST00000269305.9",
        "MANE_Select",
        "-",
    )


def test_every_curated_clinvar_record_gets_clinvars_names(shared_data, tp53_annotator):
    """The HGVS check of issue 13: n/N equal on the curated TP53 ClinVar set must be N/N."""
    with shared_data(CURATED_TSV).open(newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    assert len(rows) == 18
    got, expected = [], []
    for row in rows:
        a = tp53_annotator.annotate("chr17", int(row["pos_local"]), row["ref"], row["alt"])
        got.append((a.transcript, a.hgvs_c, a.hgvs_p))
        # NM_000546.6 is MANE Select ENST00000269305.9: same transcript, same c. and p.
        expected.append(
            ("ENST00000269305.9", f"ENST00000269305.9:{row['hgvs_c_NM_000546.6']}", row["hgvs_p"])
        )
    equal = sum(g == e for g, e in zip(got, expected, strict=True))
    print(f"HGVS equal to ClinVar's: {equal}/{len(rows)}")
    assert got == expected


def test_curated_clinvar_vcf_consequences(shared_data, tp53_annotator):
    import pysam

    consequences = {}
    with pysam.VariantFile(str(shared_data(CURATED_VCF))) as vcf:
        for rec in vcf:
            a = tp53_annotator.annotate(rec.chrom, rec.pos, rec.ref, rec.alts[0])
            consequences[a.hgvs_c.split(":")[1]] = a.consequence
    assert consequences["c.524G>A"] == "missense"
    assert consequences["c.993+1del"] == "splice_donor"
    assert consequences["c.97-4_104del"].startswith("splice_acceptor")
    # intronic variants are intron, never non_coding (issue 13 defect 6)
    assert consequences["c.97-9C>T"] == consequences["c.97-11C>G"] == "intron"


def test_long_deletion_over_an_exon(annotator):
    # 62 bp from c.18+1 to the end of the 3'UTR: walked base by base, or (above LONG_CHANGE)
    # read at its ends and the exon borders: the same terms
    from icope.core import hgvs

    short = _names(annotator, 39, GENOME[38:100], "")
    limit, hgvs.LONG_CHANGE = hgvs.LONG_CHANGE, 10
    try:
        assert _names(annotator, 39, GENOME[38:100], "") == short
    finally:
        hgvs.LONG_CHANGE = limit
    assert short[1] == "p.?" and short[2].startswith("splice_acceptor&splice_donor&stop_lost")

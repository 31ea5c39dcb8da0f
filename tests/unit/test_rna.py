"""icope.rna: allele counts and the ASE test, strandedness, STAR's log, gene-level tables,
fusion calling from chimeric junctions, cohort outliers and the shipped known-fusion list."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pysam
import pytest

from icope.core.annotation import AnnotationModel, Gene, Transcript
from icope.rna import alleles, cohort, fusions, genes, qc
from icope.rna.report import rna_section

REPO = Path(__file__).resolve().parents[2]
KNOWN = REPO / "resources" / "fusions" / "known_paediatric_fusions.tsv"


# --- allele counts and ASE ------------------------------------------------------------------


def test_binomial_p_matches_scipy_values():
    # scipy.stats.binomtest(k, n, p).pvalue
    assert alleles.binomial_two_sided_p(0, 20, 0.5) == pytest.approx(1.9073e-06, rel=1e-4)
    assert alleles.binomial_two_sided_p(3, 20, 0.5) == pytest.approx(0.0025768, rel=1e-4)
    assert alleles.binomial_two_sided_p(10, 20, 0.5) == 1.0
    assert alleles.binomial_two_sided_p(2, 30, 0.3) == pytest.approx(0.0042378689, rel=1e-6)


def _bam(tmp_path: Path, reads: list[tuple[int, str]]) -> str:
    """A coordinate-sorted, indexed BAM of 50 bp reads (start, sequence) on contig chrS."""
    header = {"HD": {"VN": "1.6", "SO": "coordinate"}, "SQ": [{"SN": "chrS", "LN": 1000}]}
    path = str(tmp_path / "rna.bam")
    with pysam.AlignmentFile(path, "wb", header=header) as out:
        for i, (start, seq) in enumerate(sorted(reads)):
            read = pysam.AlignedSegment(out.header)
            read.query_name, read.query_sequence = f"r{i}", seq
            read.reference_id, read.reference_start = 0, start
            read.cigarstring, read.mapping_quality = f"{len(seq)}M", 255
            read.query_qualities = pysam.qualitystring_to_array("I" * len(seq))
            out.write(read)
    pysam.index(path)
    return path


def _reads_with(base_at_100: str, n: int) -> list[tuple[int, str]]:
    # reads start at 0-based 80: 1-based position 101 is read offset 20
    return [(80, "A" * 20 + base_at_100 + "A" * 29) for _ in range(n)]


def test_simulated_sites_both_alleles_ase_and_no_coverage(tmp_path):
    bam = _bam(tmp_path, _reads_with("C", 12) + _reads_with("T", 10))
    sites = [
        # both alleles expressed as in the DNA: counted, not flagged
        alleles.Site("germline", "N", "chrS", 101, "C", "T", genotype="0/1", dna_vaf=0.5),
        # one allele only in RNA at a heterozygous DNA site: flagged
        alleles.Site("germline", "N", "chrS", 110, "A", "G", genotype="0/1", dna_vaf=0.5),
        # no RNA read at all
        alleles.Site("germline", "N", "chrS", 500, "G", "A", genotype="0/1", dna_vaf=0.48),
        alleles.Site("somatic", "T", "chrX", 5, "G", "A", dna_vaf=0.3),  # contig not in RNA
    ]
    rows = alleles.allele_counts(
        bam,
        sites,
        patient="P",
        rna_sample="R",
        min_depth=10,
        max_p=0.001,
        min_base_quality=20,
        min_mapq=20,
    )
    both, ase, none, other = rows
    assert (both["rna_ref"], both["rna_alt"], both["rna_depth"]) == (12, 10, 22)
    assert both["rna_vaf"] == pytest.approx(10 / 22, abs=1e-4)
    assert both["ase"] is False and both["ase_p"] > 0.5
    assert (ase["rna_ref"], ase["rna_alt"]) == (22, 0)
    assert ase["ase"] is True and ase["ase_p"] < 1e-6 and ase["rna_status"] == "tested"
    for row in (none, other):
        assert row["rna_depth"] == 0
        assert row["rna_vaf"] == row["ase"] == row["ase_p"] == "no RNA coverage"


def test_low_depth_is_not_assessable():
    assert alleles.judge(3, 0, 0.5, 10, 0.001)[1:] == (
        "not assessable",
        "not assessable",
        "RNA depth 3 < 10",
    )


def test_germline_sites_only_within_genes():
    table = pd.DataFrame(
        {
            "gene_name": ["G1", "G2"],
            "chrom": ["chr1", "chr1"],
            "start": [100, 500],
            "end": [200, 600],
        }
    )
    row = type("V", (), {})

    def variant(pos, filt="PASS"):
        v = row()
        v.filter, v.chrom, v.pos, v.ref, v.alt, v.gene = filt, "chr1", pos, "A", "G", ""
        v.sample, v.genotype, v.vaf, v.tumour_af = "N", "0/1", 0.5, 0.2
        return v

    calls = [variant(150), variant(300), variant(550, "LowQual")]
    assert [
        s.pos
        for s in alleles.sites_from_variants(calls, "germline", alleles.gene_spans(table, None))
    ] == [150]
    assert [
        s.gene
        for s in alleles.sites_from_variants(calls, "germline", alleles.gene_spans(table, {"G1"}))
    ] == ["G1"]
    assert alleles.sites_from_variants(calls, "germline", alleles.gene_spans(table, {"G2"})) == []
    somatic = alleles.sites_from_variants(calls, "somatic", {})
    assert [(s.pos, s.dna_vaf) for s in somatic] == [(150, 0.2), (300, 0.2)]


def test_report_section_without_rna_says_not_analysed():
    section = rna_section(None)
    assert section["status"] == "not analysed" and section["reason"] == "no RNA sample"


# --- QC --------------------------------------------------------------------------------------


def _reads_per_gene(tmp_path, sense, antisense):
    lines = ["N_unmapped\t5\t5\t5", "N_noFeature\t1\t2\t3"]
    lines += [
        f"G{i}\t{s + a}\t{s}\t{a}" for i, (s, a) in enumerate(zip(sense, antisense, strict=True))
    ]
    path = tmp_path / "ReadsPerGene.out.tab"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


@pytest.mark.parametrize(
    ("sense", "antisense", "expected"),
    [
        ([90, 100], [3, 2], "forward"),
        ([3, 2], [90, 100], "reverse"),
        ([50, 40], [45, 55], "unstranded"),
    ],
)
def test_strandedness(tmp_path, sense, antisense, expected):
    result = qc.strandedness(_reads_per_gene(tmp_path, sense, antisense), 0.8, 100)
    assert result["strandedness"] == expected
    assert result["strand_reads"] == sum(sense) + sum(antisense)


def test_strandedness_with_few_reads_is_not_assessable(tmp_path):
    result = qc.strandedness(_reads_per_gene(tmp_path, [5], [1]), 0.8, 100)
    assert result["strandedness"] == "not assessable (6 gene-assigned pairs < 100)"


def test_star_log(tmp_path):
    log = tmp_path / "Log.final.out"
    log.write_text(
        "                          Number of input reads |\t4147\n"
        "                   Uniquely mapped reads % |\t69.42%\n"
        "        % of reads mapped to multiple loci |\t15.31%\n"
        "                       % of chimeric reads |\t0.10%\n"
    )
    assert qc.star_log(str(log)) == {
        "input_read_pairs": 4147,
        "uniquely_mapped_rate": 0.6942,
        "multi_mapped_rate": 0.1531,
        "star_mapping_rate": 0.8473,
        "chimeric_rate": 0.001,
    }


# --- gene level and cohort --------------------------------------------------------------------


def test_gene_level_sums_transcripts(tmp_path):
    quant = tmp_path / "quant.sf"
    quant.write_text(
        "Name\tLength\tEffectiveLength\tTPM\tNumReads\n"
        "T1\t100\t80\t100.0\t10\nT2\t100\t80\t50.5\t5.5\nT3\t100\t80\t1.0\t1\n"
    )
    tx2gene = tmp_path / "tx2gene.tsv"
    tx2gene.write_text("T1\tG1\nT2\tG1\nT3\tG2\n")
    table = pd.DataFrame({"gene_id": ["G1", "G2"], "gene_name": ["ONE", "TWO"]})
    result = genes.gene_level(str(quant), str(tx2gene), table, "S")
    assert result.to_dict("records") == [
        {"sample": "S", "gene_id": "G1", "gene_name": "ONE", "counts": 15.5, "tpm": 150.5},
        {"sample": "S", "gene_id": "G2", "gene_name": "TWO", "counts": 1.0, "tpm": 1.0},
    ]


def _gene_table(sample, tpm):
    return pd.DataFrame(
        {
            "sample": sample,
            "gene_id": ["G1", "G2"],
            "gene_name": ["TP53", "OTHER"],
            "counts": [10.0, 1.0],
            "tpm": [tpm, 1.0],
        }
    )


def test_cohort_matrices_and_outliers():
    tables = [_gene_table(f"S{i}", 10.0) for i in range(9)] + [_gene_table("S9", 1000.0)]
    counts, tpm = cohort.matrices(tables)
    assert list(tpm.columns) == ["gene_id", "gene_name"] + [f"S{i}" for i in range(10)]
    assert tpm.loc[tpm.gene_id == "G1", "S9"].item() == 1000.0
    result = cohort.outliers(tpm, {"TP53"}, min_samples=10)
    top = result[result["sample"] == "S9"].iloc[0]
    assert top["status"] == "compared" and top["percentile"] == 100.0 and top["z_score"] > 2.5
    few = cohort.outliers(tpm, {"TP53"}, min_samples=11)
    assert set(few["z_score"]) == {"not enough samples"}
    assert set(few["status"]) == {"not enough samples (10 < 11)"}


# --- fusions -----------------------------------------------------------------------------------


def _model() -> AnnotationModel:
    """A (+ strand, coding, exons 100-199 and 300-399, CDS from 150) and B (- strand, coding,
    exons 900-999 and 700-799, CDS from 950), both on chr1."""
    model = AnnotationModel()
    model.genes["GA"] = Gene("GA", "EWSR1", "chr1", 100, 399, "+", "protein_coding")
    model.genes["GB"] = Gene("GB", "FLI1", "chr1", 700, 999, "-", "protein_coding")
    model.transcripts["TA"] = Transcript(
        "TA",
        "GA",
        "chr1",
        "+",
        exons=[(100, 199), (300, 399)],
        cds=[(150, 199, 0), (300, 399, 1)],
    )
    model.transcripts["TB"] = Transcript(
        "TB",
        "GB",
        "chr1",
        "-",
        exons=[(900, 999), (700, 799)],
        cds=[(900, 950, 0), (700, 799, 0)],
    )
    return model


def test_reading_frame():
    model = _model()
    ta, tb = model.transcripts["TA"], model.transcripts["TB"]
    # A's exon 1 ends at 199: 50 coding bases (150-199); B's exon 2 starts at 799 after 51
    # coding bases (950..900): 50 % 3 = 2, 51 % 3 = 0 -> frameshift
    assert fusions.reading_frame(ta, 199, tb, 799) == "frameshift"
    # ...joined at A's 200 coding bases... (exon 2 end 399: 150) vs B's 0 (CDS start 950)
    assert fusions.reading_frame(ta, 399, tb, 950) == "in-frame"
    assert fusions.reading_frame(None, 199, tb, 799).startswith("not assessable")


def _junctions(tmp_path, lines):
    path = tmp_path / "Chimeric.out.junction"
    path.write_text("\n".join("\t".join(map(str, line)) for line in lines) + "\n")
    return str(path)


def test_call_fusions_reads_both_orientations_and_flags_known(tmp_path):
    crossing = ["chr1", 200, "+", "chr1", 800, "-", 1, 0, 0, "r", 1, "50M", 1, "50M"]
    # the same junction seen from the other read: reverse complement, donor <-> acceptor
    flipped = ["chr1", 800, "+", "chr1", 200, "-", 1, 0, 0, "r", 1, "50M", 1, "50M"]
    spanning = ["chr1", 180, "+", "chr1", 850, "-", -1, 0, 0, "r", 1, "50M", 1, "50M"]
    path = _junctions(tmp_path, [crossing, flipped, spanning])
    known = fusions.load_known(str(KNOWN))
    table = fusions.call_fusions(path, _model(), known, "S", 2, 3)
    assert len(table) == 1
    row = table.iloc[0]
    assert row["fusion"] == "EWSR1::FLI1"
    assert (row["breakpoint5"], row["breakpoint3"]) == ("chr1:199", "chr1:799")
    assert (row["split_reads"], row["spanning_pairs"]) == (2, 1)
    assert row["exon_boundary5"] and row["exon_boundary3"]
    assert row["reading_frame"] == "frameshift"
    assert row["known"] == "yes" and "Delattre" in row["known_source"]
    # below the split-read minimum: nothing
    assert fusions.call_fusions(path, _model(), known, "S", 3, 3).empty


def test_known_fusion_list_has_a_source_for_every_row():
    known = fusions.load_known(str(KNOWN))
    assert list(known.columns) == ["gene5", "gene3", "tumour_types", "source"]
    assert len(known) >= 30
    # every row cites a publication or a WHO classification volume (see the file's header)
    assert known["source"].str.contains(r"et al\.|WHO-|&").all()
    for pair in [("PAX3", "FOXO1"), ("ETV6", "RUNX1"), ("EWSR1", "FLI1"), ("PAX7", "FOXO1")]:
        assert fusions.known_match(known, *pair)[0] == "yes"
    assert fusions.known_match(known, "KMT2A", "AFF4")[0] == "partner"
    assert fusions.known_match(known, "TPM3", "NTRK1")[0] == "partner"
    assert fusions.known_match(known, "FLI1", "EWSR1")[0] == "no"


def test_sa_index_nbases_rule_formula():
    # the awk expression of rule star_index, checked against STAR's manual formula
    import math

    for length, expected in ((3_100_000_000, 14), (40_001, 6), (16_569, 6), (1_000_000, 8)):
        assert min(14, int(math.log2(length) / 2 - 1)) == expected


def test_salmon_library_type_and_observed_format(tmp_path):
    (tmp_path / "aux_info").mkdir()
    (tmp_path / "aux_info" / "meta_info.json").write_text('{"percent_mapped": 39.64}')
    counts = {"expected_format": "IU", "compatible_fragment_ratio": 1.0, "ISF": 85, "ISR": 1374}
    (tmp_path / "lib_format_counts.json").write_text(json.dumps(counts))
    assert qc.salmon_library(str(tmp_path)) == {
        "salmon_library_type": "IU",
        "salmon_observed_format": "ISR",
        "salmon_compatible_ratio": 1.0,
        "salmon_mapping_rate": 0.3964,
    }

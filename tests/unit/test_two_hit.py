"""Tests for icope.germline.two_hit: tumour allele counts, second-hit assessment."""

from __future__ import annotations

import random

import pandas as pd
import pysam
import pytest

from icope.germline.two_hit import (
    MIN_VAF_DEPTH,
    TWO_HIT_COLUMNS,
    TwoHitResult,
    TwoHitSettings,
    allele_counts,
    allelic_test,
    assess,
    assess_patient,
    two_hit_candidates,
)

CHROM = "chrT"
LENGTH = 2000
READ_LENGTH = 50
SNV_POS = 500  # 25 alt, 5 ref (+ 2 alt reads of low mapping quality)
EDGE_POS = 300  # 21 alt, 9 ref: VAF 0.7
LOW_POS = 1600  # 3 alt, 2 ref
DEL_POS = 1200  # anchor of a 3 bp deletion: 12 deletion reads, 18 reference reads
SEGMENT_COLUMNS = [
    "chrom", "start", "end", "log2", "baf_mirrored_median", "call", "total_cn", "minor_cn",
]  # fmt: skip
SOMATIC_COLUMNS = [
    "filter", "all_genes", "chrom", "pos", "ref", "alt", "consequence", "tumour_af",
    "pass_methods", "tlod",
]  # fmt: skip
STATES = {
    "neutral": (2, 1), "loss": (1, None), "LOH_copy_loss": (1, 0), "copy_neutral_LOH": (2, 0),
    "homozygous_deletion": (0, 0), "not_assessable": (None, None),
}  # fmt: skip


def _other(base: str) -> str:
    return {"A": "C", "C": "G", "G": "T", "T": "A"}[base]


@pytest.fixture(scope="module")
def genome(tmp_path_factory) -> dict:
    """A seeded random reference and a coordinate-sorted, indexed BAM over it."""
    directory = tmp_path_factory.mktemp("twohit")
    rng = random.Random(20240601)
    sequence = "".join(rng.choice("ACGT") for _ in range(LENGTH))
    fasta = directory / "ref.fa"
    fasta.write_text(
        f">{CHROM}\n" + "".join(sequence[i : i + 60] + "\n" for i in range(0, LENGTH, 60))
    )
    pysam.faidx(str(fasta))

    header = {"HD": {"VN": "1.6", "SO": "coordinate"}, "SQ": [{"SN": CHROM, "LN": LENGTH}]}
    reads = []  # (start, name, sequence, cigar, mapq)

    def snv_reads(pos: int, n_alt: int, n_ref: int, tag: str) -> str:
        ref = sequence[pos - 1]
        alt = _other(ref)
        for i in range(n_alt + n_ref):
            start = pos - 1 - 5 - i  # staggered; every read covers pos
            seq = list(sequence[start : start + READ_LENGTH])
            if i < n_alt:
                seq[pos - 1 - start] = alt
            reads.append((start, f"{tag}_{i}", "".join(seq), [(0, READ_LENGTH)], 60))
        return alt

    alt_snv = snv_reads(SNV_POS, 25, 5, "snv")
    # alt reads below the mapping-quality cut-off: not counted
    for i in range(2):
        start = SNV_POS - 1 - 10
        seq = list(sequence[start : start + READ_LENGTH])
        seq[SNV_POS - 1 - start] = alt_snv
        reads.append((start, f"lowmq_{i}", "".join(seq), [(0, READ_LENGTH)], 10))
    alt_edge = snv_reads(EDGE_POS, 21, 9, "edge")
    alt_low = snv_reads(LOW_POS, 3, 2, "low")

    anchor = DEL_POS - 1  # 0-based
    for i in range(30):
        start = anchor - 20 - i % 10
        if i < 12:
            left = anchor - start + 1
            seq = sequence[start : anchor + 1] + sequence[anchor + 4 : anchor + 4 + 30]
            cigar = [(0, left), (2, 3), (0, 30)]
        else:
            seq = sequence[start : start + READ_LENGTH]
            cigar = [(0, READ_LENGTH)]
        reads.append((start, f"del_{i}", seq, cigar, 60))

    unsorted = directory / "unsorted.bam"
    with pysam.AlignmentFile(str(unsorted), "wb", header=header) as out:
        for start, name, seq, cigar, mapq in sorted(reads):
            read = pysam.AlignedSegment(out.header)
            read.query_name = name
            read.reference_id = 0
            read.reference_start = start
            read.query_sequence = seq
            read.cigartuples = cigar
            read.mapping_quality = mapq
            read.flag = 0
            read.query_qualities = pysam.qualitystring_to_array("I" * len(seq))
            out.write(read)
    bam = directory / "tumour.bam"
    pysam.sort("-o", str(bam), str(unsorted))
    pysam.index(str(bam))
    return {
        "fasta": str(fasta),
        "bam": str(bam),
        "sequence": sequence,
        "snv": (sequence[SNV_POS - 1], alt_snv),
        "edge": (sequence[EDGE_POS - 1], alt_edge),
        "low": (sequence[LOW_POS - 1], alt_low),
        "deletion": (sequence[DEL_POS - 1 : DEL_POS + 3], sequence[DEL_POS - 1]),
    }


def _variant(pos: int, ref: str, alt: str, vaf: float | None = 0.5, gene: str = "TP53") -> dict:
    return {
        "gene": gene,
        "chrom": CHROM,
        "pos": pos,
        "ref": ref,
        "alt": alt,
        "acmg_class": "Pathogenic",
        "vaf": vaf,
    }


def _segments(call: str, start: int = 0, end: int = LENGTH, log2: float = 0.0) -> pd.DataFrame:
    total, minor = STATES[call]
    return pd.DataFrame(
        [(CHROM, start, end, log2, 0.02 if "LOH" in call else 0.45, call, total, minor)],
        columns=SEGMENT_COLUMNS,
    )


def _somatic(*rows: tuple) -> pd.DataFrame:
    """Rows without the last two fields passed by both methods (TLOD 30)."""
    rows = [r if len(r) == len(SOMATIC_COLUMNS) else (*r, 2, 30.0) for r in rows]
    return pd.DataFrame(list(rows), columns=SOMATIC_COLUMNS)


# --------------------------------------------------------------------------- allele counts


def test_allele_counts_snv(genome):
    ref, alt = genome["snv"]
    assert allele_counts(genome["bam"], CHROM, SNV_POS, ref, alt) == (5, 25)
    assert allele_counts(genome["bam"], CHROM, SNV_POS, ref, alt, genome["fasta"]) == (5, 25)


def test_allele_counts_low_mapping_quality_reads_count_when_allowed(genome):
    ref, alt = genome["snv"]
    assert allele_counts(genome["bam"], CHROM, SNV_POS, ref, alt, min_mapq=0) == (5, 27)


def test_allele_counts_other_snvs(genome):
    assert allele_counts(genome["bam"], CHROM, EDGE_POS, *genome["edge"]) == (9, 21)
    assert allele_counts(genome["bam"], CHROM, LOW_POS, *genome["low"]) == (2, 3)


def test_allele_counts_deletion(genome):
    ref, alt = genome["deletion"]
    assert (len(ref), len(alt)) == (4, 1)
    assert allele_counts(genome["bam"], CHROM, DEL_POS, ref, alt) == (18, 12)


def test_allele_counts_deletion_of_other_length_is_not_alt(genome):
    ref, alt = genome["deletion"]
    # a 2 bp deletion at the same anchor: the 3 bp deletion reads are neither ref nor alt
    assert allele_counts(genome["bam"], CHROM, DEL_POS, ref[:3], alt) == (18, 0)


def test_allele_counts_no_reads(genome):
    base = genome["sequence"][99]
    assert allele_counts(genome["bam"], CHROM, 100, base, _other(base)) == (0, 0)


# --------------------------------------------------------------------------- assess


def test_loh_segment_alone_does_not_say_which_allele_was_lost():
    """Issue 12: an LOH segment counted as a second hit whichever allele it removed."""
    segments = _segments("copy_neutral_LOH", start=100, end=1500, log2=0.01)
    result = assess(_variant(SNV_POS, "A", "G"), "P1", "T1", None, segments, None)
    assert result.second_hit == "not assessable"
    assert result.cnv_call == "copy_neutral_LOH" and result.segment_state == "2+0"
    assert result.cnv_segment == f"{CHROM}:101-1500"
    assert "which allele was lost is open" in result.reason
    assert f"copy-number segment {CHROM}:101-1500: copy_neutral_LOH" in result.as_row()["evidence"]


def test_homozygous_deletion_is_a_deletion_hit():
    segments = _segments("homozygous_deletion", log2=-3.0)
    result = assess(_variant(SNV_POS, "A", "G"), "P1", "T1", None, segments, None)
    assert (result.second_hit, result.mechanism) == ("found", "deletion")


def test_confirmed_protein_altering_somatic_variant_is_a_second_hit():
    somatic = _somatic(
        ("PASS", "TP53,WRAP53", CHROM, 800, "C", "A", "stop_gained", 0.3),
        ("LowQual", "TP53", CHROM, 900, "G", "T", "missense", 0.1),
        ("PASS", "BRCA2", CHROM, 950, "T", "C", "missense", 0.4),
        ("PASS", "TP53BP1", CHROM, 990, "T", "C", "missense", 0.4),
        ("PASS", "TP53", CHROM, 700, "T", "C", "intron", 0.4),
    )
    result = assess(_variant(SNV_POS, "A", "G"), "P1", "T1", None, None, somatic)
    assert (result.second_hit, result.mechanism) == ("found", "somatic LoF")
    assert result.somatic_hits == f"{CHROM}:800C>A stop_gained TAF 0.3"
    assert f"somatic variant(s) in TP53: {CHROM}:800C>A" in result.as_row()["evidence"]


def test_lone_single_method_call_is_never_a_second_hit():
    """Issue 12: one pileup-only false positive made three germline variants "found"."""
    somatic = _somatic(("PASS", "TP53", CHROM, 800, "C", "A", "stop_gained", 0.06, 1, 5.5))
    result = assess(_variant(SNV_POS, "A", "G"), "P1", "T1", None, None, somatic)
    assert result.second_hit == "not assessable" and result.somatic_hits == ""
    assert result.somatic_unconfirmed.startswith(f"{CHROM}:800C>A stop_gained")
    assert "only unconfirmed single-method somatic calls" in result.reason
    # the same call with a high TLOD counts
    strong = _somatic(("PASS", "TP53", CHROM, 800, "C", "A", "stop_gained", 0.3, 1, 45.0))
    found = assess(_variant(SNV_POS, "A", "G"), "P1", "T1", None, None, strong)
    assert (found.second_hit, found.mechanism) == ("found", "somatic LoF")


def test_balanced_vaf_and_neutral_segment_is_not_found(genome):
    ref, alt = genome["deletion"]
    result = assess(
        _variant(DEL_POS, ref, alt, vaf=0.5),
        "P1",
        "T1",
        genome["bam"],
        _segments("neutral"),
        _somatic(("PASS", "BRCA2", CHROM, 950, "T", "C", "missense", 0.4)),
        genome["fasta"],
        purity={"purity": 0.8, "source": "estimated"},
        settings=TwoHitSettings(min_log_lr=3.0),
    )
    assert result.tumour_depth == 30 and result.tumour_vaf == 0.4
    assert result.allelic_imbalance == "balanced"
    assert result.second_hit == "not found"
    assert result.cnv_call == "neutral" and result.somatic_hits == ""
    assert result.expected_vaf_balanced == 0.5
    assert result.expected_vaf_retained == pytest.approx(1 / 1.2, abs=0.001)  # 1+0 at 0.8
    assert result.log_lr_retained_vs_balanced < -4.6
    assert "12/30 reads" in result.as_row()["evidence"]
    # 12/30 beats "lost" (0.167) by ln LR 4.0 only: below the default 4.6, not assessable
    default = assess(
        _variant(DEL_POS, ref, alt, vaf=0.5), "P1", "T1", genome["bam"], _segments("neutral"),
        None, genome["fasta"], purity={"purity": 0.8, "source": "estimated"},
    )  # fmt: skip
    assert default.second_hit == "not assessable" and "inconclusive" in default.reason


def test_nothing_to_assess_is_not_assessable():
    result = assess(_variant(SNV_POS, "A", "G"), "P1", "T1", None, None, None)
    assert result.second_hit == "not assessable"
    assert "allelic test not done" in result.reason
    empty = assess(_variant(SNV_POS, "A", "G"), "P1", "T1", None, pd.DataFrame(), _somatic())
    assert empty.second_hit == "not assessable"


def test_segments_elsewhere_are_not_assessable():
    segments = _segments("copy_neutral_LOH", start=1500, end=LENGTH)
    result = assess(_variant(SNV_POS, "A", "G"), "P1", "T1", None, segments, None)
    assert result.second_hit == "not assessable"
    assert result.cnv_call == "not assessable"
    assert "copy number not assessable at the variant" in result.evidence


def test_low_tumour_depth_is_recorded(genome):
    ref, alt = genome["low"]
    result = assess(_variant(LOW_POS, ref, alt), "P1", "T1", genome["bam"], None, None)
    assert result.tumour_depth == 5 < MIN_VAF_DEPTH
    assert result.allelic_imbalance == "not assessable"
    assert result.second_hit == "not assessable"
    assert result.reason == f"tumour depth 5 < {MIN_VAF_DEPTH} at the variant"


def test_mutant_allele_retained_with_copy_loss_is_copy_loss_loh(genome):
    ref, alt = genome["snv"]  # 25/30 alt: 1/(2 - 0.8) = 0.833 expected for 1+0 at purity 0.8
    result = assess(
        _variant(SNV_POS, ref, alt, vaf=0.5), "P1", "T1", genome["bam"],
        _segments("LOH_copy_loss", log2=-0.74), None,
        purity={"purity": 0.8, "source": "estimated"},
    )  # fmt: skip
    assert result.tumour_vaf == round(25 / 30, 3)
    assert result.allelic_imbalance == "mutant allele retained"
    assert (result.second_hit, result.mechanism) == ("found", "copy-loss LOH")
    assert result.expected_vaf_retained == pytest.approx(0.8333, abs=0.001)
    assert result.log_lr_retained_vs_lost > 4.6 and result.imbalance_p < 0.001
    assert result.purity == 0.8 and result.purity_source == "estimated"


def test_mutant_allele_retained_without_purity_uses_a_composite_alternative(genome):
    ref, alt = genome["snv"]
    result = assess(_variant(SNV_POS, ref, alt, vaf=None), "P1", "T1", genome["bam"], None, None)
    assert result.normal_vaf is None and result.purity is None
    assert result.allelic_imbalance == "mutant allele retained"
    assert (result.second_hit, result.mechanism) == ("found", "LOH (type not determined)")


def test_mutant_allele_lost_is_not_a_second_hit():
    """LOH that removed the mutant allele: tumour VAF 1 - 0.833 at purity 0.8."""
    test = allelic_test(50, 10, [], [], 0.8, (1, 0))
    assert test.call == "mutant allele lost"
    assert test.expected_lost == pytest.approx(1 - 1 / 1.2, abs=0.001)
    assert test.log_lr_retained_vs_lost < -4.6


def test_nearby_het_snps_raise_the_evidence_for_imbalance():
    # 14/20 at the variant alone is inconclusive; 20 SNPs at 0.83 / 0.17 make it conclusive
    alone = allelic_test(6, 14, [], [], 0.8, None)
    assert alone.call == "not assessable" and "inconclusive" in alone.reason
    snp_alt = [50, 10] * 10
    with_snps = allelic_test(6, 14, snp_alt, [60] * 20, 0.8, None)
    assert with_snps.call == "mutant allele retained" and with_snps.n_snps == 20


def test_normal_allele_bias_shifts_the_expectations():
    # an indel the normal shows at 40 % (mapping bias): 0.4 in the tumour is balanced
    test = allelic_test(60, 40, [], [], 0.8, None, normal_counts=(60, 40))
    assert test.call == "balanced"
    assert (
        test.expected_balanced == pytest.approx(45 / 65, rel=0.01) or test.expected_balanced < 0.5
    )


def test_pass_deletion_sv_over_the_retained_mutant_is_a_deletion(genome):
    ref, alt = genome["snv"]
    svs = pd.DataFrame(
        [{"chrom": CHROM, "pos": 400, "end": 700, "svtype": "DEL", "id": "DEL7", "filter": "PASS"}]
    )
    result = assess(
        _variant(SNV_POS, ref, alt, vaf=0.5), "P1", "T1", genome["bam"],
        _segments("loss", log2=-0.74), None, purity={"purity": 0.8, "source": "given"}, svs=svs,
    )  # fmt: skip
    assert result.sv_deletions == "DEL7"
    assert (result.second_hit, result.mechanism) == ("found", "deletion")


def test_result_row_has_two_hit_columns():
    result = assess(_variant(SNV_POS, "A", "G"), "P1", "T1", None, _segments("loss"), None)
    assert isinstance(result, TwoHitResult)
    row = result.as_row()
    assert list(row) == TWO_HIT_COLUMNS
    assert (row["patient"], row["tumour"], row["germline_class"]) == ("P1", "T1", "Pathogenic")
    assert isinstance(row["evidence"], str)


# --------------------------------------------------------------------------- candidates


def _panel_table(rows: list[tuple], mechanism: bool = True) -> pd.DataFrame:
    columns = ["gene", "chrom", "pos", "ref", "alt", "acmg_class", "vaf", "mechanism"]
    table = pd.DataFrame(rows, columns=columns)
    return table if mechanism else table.drop(columns="mechanism")


PANEL_ROWS = [
    ("TP53", CHROM, SNV_POS, "A", "G", "Pathogenic", 0.5, "LoF"),
    ("BRCA2", CHROM, 510, "C", "T", "Likely pathogenic", 0.5, "LoF/GoF"),
    ("KIT", CHROM, 520, "G", "A", "Pathogenic", 0.5, "GoF"),
    ("PTEN", CHROM, 530, "T", "C", "Uncertain significance", 0.5, "LoF"),
    ("ATM", CHROM, 540, "A", "C", "Likely pathogenic", 0.5, None),
    ("APC", CHROM, 550, "C", "G", "Benign", 0.5, "LoF"),
]


def test_two_hit_candidates_are_pathogenic_loss_of_function():
    candidates = two_hit_candidates(_panel_table(PANEL_ROWS))
    # GoF-only and a missing mechanism are not loss of function; VUS and benign are excluded
    assert list(candidates["gene"]) == ["TP53", "BRCA2"]


def test_two_hit_candidates_without_mechanism_column_keep_every_pathogenic_variant():
    candidates = two_hit_candidates(_panel_table(PANEL_ROWS, mechanism=False))
    assert list(candidates["gene"]) == ["TP53", "BRCA2", "KIT", "ATM"]
    assert "mechanism" not in candidates


def test_two_hit_candidates_none():
    vus = [r for r in PANEL_ROWS if r[5] == "Uncertain significance"]
    assert two_hit_candidates(_panel_table(vus)).empty
    assert two_hit_candidates(_panel_table([])).empty


# --------------------------------------------------------------------------- per patient

SOMATIC_VCF = """\
##fileformat=VCFv4.2
##contig=<ID=chrT,length=2000>
##INFO=<ID=BCSQ,Number=.,Type=String,Description="csq">
##INFO=<ID=TDP,Number=1,Type=Integer,Description="Tumour depth">
##INFO=<ID=TAF,Number=1,Type=Float,Description="Tumour AF">
#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO
chrT\t800\t.\tC\tA\t.\tPASS\tTDP=40;TAF=0.3;BCSQ=stop_gained|TP53|ENST1|protein_coding|-|7W>7*|800C>A
"""


def _tsv(path, table: pd.DataFrame) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(path, sep="\t", index=False)
    return str(path)


def test_assess_patient_uses_the_manifest_not_file_names(genome, tmp_path):
    # "T" is a prefix of "T_2"; T's files even live in a directory called T_2 and are named
    # after T_2: only the manifest says which file belongs to which tumour.
    somatic = tmp_path / "T_2" / "T_2.vcf"
    somatic.parent.mkdir()
    somatic.write_text(SOMATIC_VCF)
    tumours = {
        "T_2": {
            "somatic": None,
            "segments": _tsv(tmp_path / "T" / "T.segments.tsv", _segments("neutral")),
            "bam": None,
        },
        "T": {
            "somatic": str(somatic),
            "segments": _tsv(tmp_path / "T_2" / "T_2.segments.tsv", _segments("loss")),
            "bam": genome["bam"],
        },
        "T_3": {"somatic": None, "segments": None, "bam": None},  # no copy number (unmatched)
    }
    ref, alt = genome["snv"]
    panel = _panel_table([("TP53", CHROM, SNV_POS, ref, alt, "Pathogenic", 0.5, "LoF")])
    table = assess_patient(panel, "P1", tumours, genome["fasta"])

    assert list(table.columns) == TWO_HIT_COLUMNS
    assert list(table["tumour"]) == ["T_2", "T", "T_3"]
    assert list(table["patient"]) == ["P1"] * 3
    by_tumour = table.set_index("tumour")
    assert by_tumour.loc["T_2", "cnv_call"] == "neutral"
    assert by_tumour.loc["T_2", "second_hit"] == "not assessable"  # no alignment
    assert by_tumour.loc["T_2", "tumour_depth"] == 0
    assert by_tumour.loc["T", "cnv_call"] == "loss"
    assert by_tumour.loc["T", "tumour_vaf"] == round(25 / 30, 3)
    # the VCF has no PASS_METHODS/TLOD: a lone call, listed as unconfirmed; the retained
    # mutant allele (25/30) is the second hit
    assert by_tumour.loc["T", "somatic_hits"] == ""
    assert by_tumour.loc["T", "somatic_unconfirmed"].startswith(f"{CHROM}:800C>A stop_gained")
    assert by_tumour.loc["T", "second_hit"] == "found"
    assert by_tumour.loc["T", "mechanism"] == "copy-loss LOH"
    assert by_tumour.loc["T_3", "cnv_call"] == "not assessable"
    assert by_tumour.loc["T_3", "second_hit"] == "not assessable"


def test_assess_patient_without_candidates_or_tumours_is_empty(tmp_path):
    vus = _panel_table([r for r in PANEL_ROWS if r[5] == "Uncertain significance"])
    tumours = {"T": {"somatic": None, "segments": None, "bam": None}}
    for panel, manifest in ((vus, tumours), (_panel_table(PANEL_ROWS), {})):
        table = assess_patient(panel, "P1", manifest)
        assert table.empty
        assert list(table.columns) == TWO_HIT_COLUMNS

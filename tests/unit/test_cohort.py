"""Tests for icope.report.cohort: the cohort variant table and its TSV / Parquet files."""

from __future__ import annotations

import pandas as pd
import pysam

from icope.core.variants import VARIANT_COLUMNS
from icope.germline.panel import PANEL_TABLE_COLUMNS
from icope.report.cohort import COHORT_COLUMNS, cohort_table, write_cohort

HEADER = """\
##fileformat=VCFv4.2
##contig=<ID={chrom},length=50000000>
##FILTER=<ID=PASS,Description="All filters passed">
##FILTER=<ID=LowQual,Description="Low quality">
##INFO=<ID=BCSQ,Number=.,Type=String,Description="csq">
##INFO=<ID=gnomAD_AF,Number=A,Type=Float,Description="gnomAD AF">
##INFO=<ID=TDP,Number=1,Type=Integer,Description="Tumour depth">
##INFO=<ID=TAF,Number=1,Type=Float,Description="Tumour AF">
##INFO=<ID=NDP,Number=1,Type=Integer,Description="Normal depth">
##INFO=<ID=NAF,Number=1,Type=Float,Description="Normal AF">
##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">
##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">
"""

SAMPLES = {
    "testN": {"patient": "P002", "type": "normal", "normal": None},
    "testT": {"patient": "P002", "type": "tumour", "normal": "testN"},
}
SOURCES = {"reference": "GRCh38_chr22_segment", "gnomad": "gnomAD r2.1.1 (subset)"}


def _vcf(directory, sample: str, columns: list[str], records: list[str], chrom: str) -> str:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{sample}.vcf"
    line = "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + "\t".join(columns)
    path.write_text(HEADER.format(chrom=chrom) + line + "\n" + "\n".join(records) + "\n")
    return pysam.tabix_index(str(path), preset="vcf", force=True)


def _inputs(tmp_path, chrom: str = "chr22"):
    germline = _vcf(
        tmp_path / "germline",
        "testN",
        ["testN"],
        [
            f"{chrom}\t100\trs1\tC\tT\t50\tPASS\t"
            "BCSQ=missense|GENE1|ENST1|protein_coding|+|5A>5V|100C>T\tGT:AD:DP\t0/1:10,10:20",
            f"{chrom}\t200\t.\tG\tA\t40\tPASS\tgnomAD_AF=0.2\tGT:AD:DP\t1/1:0,12:12",
        ],
        chrom,
    )
    # the somatic call at position 100 has the germline call's key except for the sample
    somatic = _vcf(
        tmp_path / "somatic",
        "testT",
        ["testT", "testN"],
        [
            f"{chrom}\t100\t.\tC\tT\t.\tPASS\tTDP=30;TAF=0.3;NDP=20;NAF=0\t"
            "GT:DP:AD\t0/1:30:21,9\t0/0:20:20,0",
        ],
        chrom,
    )
    panel = pd.DataFrame(
        [
            {
                **dict.fromkeys(PANEL_TABLE_COLUMNS, ""),
                "patient": "P002",
                "sample": "testN",
                "origin": "germline",
                "chrom": chrom,
                "pos": 100,
                "ref": "C",
                "alt": "T",
                "id": "rs1",
                "panel_gene": "GENE1",
                "panel_filter": "PASS",
            }
        ],
        columns=PANEL_TABLE_COLUMNS,
    )
    panel_path = tmp_path / "germline_panel.tsv"
    panel.to_csv(panel_path, sep="\t", index=False, na_rep="")
    return germline, somatic, str(panel_path)


def _calls(germline: str, somatic: str) -> dict:
    return {"testN": {"germline": germline}, "testT": {"somatic": somatic}}


def test_cohort_table(tmp_path):
    germline, somatic, panel = _inputs(tmp_path)
    table = cohort_table(_calls(germline, somatic), [panel], SAMPLES, SOURCES)
    assert list(table.columns) == COHORT_COLUMNS
    assert [
        *VARIANT_COLUMNS,
        "panel_filter",
        "acmg_class",
        "acmg_criteria",
        "reference",
        "annotation_sources",
    ] == COHORT_COLUMNS
    assert len(table) == 3
    assert table["origin"].tolist() == ["germline", "germline", "somatic"]
    assert table["sample"].tolist() == ["testN", "testN", "testT"]
    assert table["pos"].tolist() == [100, 200, 100]

    by_key = {(r["origin"], r["pos"]): r for r in table.to_dict("records")}
    assert by_key[("germline", 100)]["panel_filter"] == "PASS"
    assert pd.isna(by_key[("germline", 200)]["panel_filter"])
    assert pd.isna(by_key[("somatic", 100)]["panel_filter"])

    assert by_key[("germline", 100)]["gene"] == "GENE1"
    assert by_key[("germline", 200)]["gnomad_af"] == 0.2
    somatic_row = by_key[("somatic", 100)]
    assert (somatic_row["normal_sample"], somatic_row["tumour_af"]) == ("testN", 0.3)
    assert (somatic_row["tumour_depth"], somatic_row["normal_depth"]) == (30, 20)
    assert set(table["patient"]) == {"P002"}
    assert set(table["reference"]) == {"GRCh38_chr22_segment"}
    assert set(table["annotation_sources"]) == {
        "reference=GRCh38_chr22_segment; gnomad=gnomAD r2.1.1 (subset)"
    }


def test_cohort_table_without_panels(tmp_path):
    germline, somatic, _ = _inputs(tmp_path)
    table = cohort_table(_calls(germline, somatic), [], SAMPLES, {})
    assert list(table.columns) == COHORT_COLUMNS
    assert len(table) == 3
    assert table["panel_filter"].isna().all()
    assert set(table["reference"]) == {""}
    assert set(table["annotation_sources"]) == {""}


def test_cohort_table_empty_panel_file(tmp_path):
    germline, somatic, _ = _inputs(tmp_path)
    empty = tmp_path / "empty_panel.tsv"
    pd.DataFrame(columns=PANEL_TABLE_COLUMNS).to_csv(empty, sep="\t", index=False)
    table = cohort_table(_calls(germline, somatic), [str(empty)], SAMPLES, SOURCES)
    assert len(table) == 3
    assert table["panel_filter"].isna().all()


def test_write_cohort(tmp_path):
    germline, somatic, panel = _inputs(tmp_path)
    table = cohort_table(_calls(germline, somatic), [panel], SAMPLES, SOURCES)
    tsv, parquet = tmp_path / "variants.tsv", tmp_path / "variants.parquet"
    write_cohort(table, str(tsv), str(parquet))

    from_tsv = pd.read_csv(tsv, sep="\t")
    from_parquet = pd.read_parquet(parquet)
    assert len(from_tsv) == len(from_parquet) == len(table) == 3
    assert list(from_tsv.columns) == list(from_parquet.columns) == COHORT_COLUMNS
    assert from_parquet["panel_filter"].tolist()[0] == "PASS"
    assert from_parquet["pos"].tolist() == [100, 200, 100]
    assert from_tsv["origin"].tolist() == ["germline", "germline", "somatic"]


def test_cohort_table_ensembl_chrom_names(tmp_path):
    germline, somatic, panel = _inputs(tmp_path, chrom="22")
    table = cohort_table(_calls(germline, somatic), [panel], SAMPLES, SOURCES)
    assert table["panel_filter"].tolist()[0] == "PASS"


def test_cohort_table_takes_samples_from_the_manifest(tmp_path):
    # "T" is a prefix of "T_2" and each VCF is named after the other tumour: patient and
    # matched normal come from the manifest's sample, never from the file name.
    samples = {
        "N": {"patient": "P1", "type": "normal", "normal": None},
        "T": {"patient": "P1", "type": "tumour", "normal": "N"},
        "T_2": {"patient": "P2", "type": "tumour", "normal": None},
    }
    record = "chr22\t{pos}\t.\tC\tT\t.\tPASS\tTDP=30;TAF=0.3\tGT:DP:AD\t0/1:30:21,9"
    t_vcf = _vcf(tmp_path / "a", "T_2", ["T"], [record.format(pos=100)], "chr22")
    t2_vcf = _vcf(tmp_path / "b", "T", ["T_2"], [record.format(pos=200)], "chr22")
    germline = _vcf(
        tmp_path / "c", "T", ["N"], ["chr22\t300\t.\tG\tA\t40\tPASS\t.\tGT:AD:DP\t0/1:6,6:12"],
        "chr22",
    )  # fmt: skip
    calls = {"N": {"germline": germline}, "T": {"somatic": t_vcf}, "T_2": {"somatic": t2_vcf}}
    table = cohort_table(calls, [], samples, SOURCES)
    rows = table[["patient", "origin", "sample", "normal_sample", "pos"]].values.tolist()
    assert rows == [
        ["P1", "germline", "N", "", 300],
        ["P1", "somatic", "T", "N", 100],
        ["P2", "somatic", "T_2", "", 200],
    ]

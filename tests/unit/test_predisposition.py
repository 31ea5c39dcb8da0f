"""Tests for icope.germline.predisposition: ACMG classification, secondary findings."""

from __future__ import annotations

import json
import math

import pandas as pd
import pysam

from icope.core.variants import VARIANT_COLUMNS, VariantRow
from icope.germline.acmg import FrequencyRule, GeneFrequencyRules, Thresholds
from icope.germline.panel import PANEL_GENE_COLUMNS
from icope.germline.predisposition import (
    FINDINGS_COLUMNS,
    PATHOGENIC,
    classify_panel_variants,
    covered_contigs,
    load_rules,
    panel_findings,
    secondary_findings,
)

SOURCE = "gnomAD test subset"
COVERED = {"chr17", "chr13"}
CONSEQUENCES = {"frameshift", "stop_gained", "missense"}
MAX_AF = 0.01


def _panel(mechanism="LoF", inheritance="AD") -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "gene": "TP53",
                "gene_id": "ENSG00000141510",
                "chrom": "chr17",
                "start": 2001,
                "end": 27760,
                "strand": "-",
                "mode_of_inheritance": inheritance,
                "mechanism": mechanism,
                "panel": "test_panel",
            }
        ],
        columns=PANEL_GENE_COLUMNS,
    )


def _row(pos: int = 5000, **kwargs) -> VariantRow:
    values = {
        "patient": "P1",
        "sample": "N1",
        "origin": "germline",
        "chrom": "chr17",
        "pos": pos,
        "ref": "C",
        "alt": "T",
        "variant_type": "SNV",
        "genotype": "0/1",
        "depth": 30,
        "alt_depth": 15,
        "vaf": 0.5,
        "gene": "TP53",
        "transcript": "ENST00000269305.9",
        "consequence": "missense",
        "hgvs_c": "ENST00000269305.9:c.524G>A",
        "hgvs_p": "p.Arg175His",
        "all_genes": "TP53",
    }
    values.update(kwargs)
    return VariantRow(**values)


def _frameshift(**kwargs) -> VariantRow:
    values = {
        "pos": 5000,
        "ref": "CA",
        "alt": "C",
        "variant_type": "indel",
        "consequence": "frameshift",
        "hgvs_c": "ENST00000269305.9:c.298del",
        "hgvs_p": "p.Lys100fs",
    }
    values.update(kwargs)
    return _row(**values)


def _classify(rows, panel=None, covered=COVERED, gene_rules=None) -> pd.DataFrame:
    return classify_panel_variants(
        rows,
        _panel() if panel is None else panel,
        MAX_AF,
        CONSEQUENCES,
        covered,
        SOURCE,
        Thresholds(),
        gene_rules or {},
    )


def _criteria(evidence: str) -> dict[str, dict]:
    return {c["code"]: c for c in json.loads(evidence)}


def _strict_json(text: str):
    """json.loads that refuses NaN / Infinity (not valid JSON)."""

    def reject(constant):
        raise ValueError(f"not valid JSON: {constant}")

    return json.loads(text, parse_constant=reject)


# --------------------------------------------------------------------------- panel variants


def test_frameshift_absent_from_covered_source_is_likely_pathogenic():
    table = _classify([_frameshift()])
    assert len(table) == 1
    row = table.iloc[0]
    assert row["acmg_class"] == "Likely pathogenic"
    assert row["acmg_criteria"].split(";") == ["PVS1", "PM2_Supporting"]
    assert row["acmg_points"] == 9
    assert "PM2" not in row["acmg_not_assessable"].split(";")
    criteria = _criteria(row["acmg_evidence"])
    assert criteria["PVS1"]["met"] is True
    assert criteria["PM2"]["met"] is True
    assert criteria["PM2"]["evidence"] == f"absent from {SOURCE}"
    assert row["panel_gene"] == "TP53"
    assert row["panel_filter"] == "PASS"
    assert (row["mechanism"], row["mode_of_inheritance"]) == ("LoF", "AD")


def test_clinvar_pathogenic_aggregate_missense_is_likely_pathogenic():
    row = _row(clinvar_significance="Pathogenic", clinvar_review="aggregate")
    result = _classify([row]).iloc[0]
    assert result["acmg_class"] == "Likely pathogenic"
    criteria = _criteria(result["acmg_evidence"])
    assert criteria["CLINVAR_P"]["met"] is True
    assert criteria["CLINVAR_P"]["strength"] == "very_strong"
    assert criteria["CLINVAR_P"]["data"]["stars"] == 2
    assert criteria["PVS1"]["met"] is False  # missense is not a null variant
    assert "CLINVAR_P_VeryStrong" in result["acmg_criteria"].split(";")


def test_missense_without_evidence_is_uncertain():
    result = _classify([_row()]).iloc[0]
    assert result["acmg_class"] == "Uncertain significance"
    assert result["acmg_class"] not in PATHOGENIC


def test_common_variant_is_benign_and_filtered():
    result = _classify([_row(gnomad_af=0.2)]).iloc[0]
    assert result["acmg_class"] == "Benign"
    assert "BA1" in result["acmg_criteria"].split(";")
    assert result["panel_filter"] == "common:gnomAD_AF=0.2"


def test_contig_not_covered_by_population_source_is_not_assessable():
    table = _classify([_frameshift()], covered={"chr1"})
    result = table.iloc[0]
    not_assessable = result["acmg_not_assessable"].split(";")
    assert {"PM2", "BA1", "BS1"} <= set(not_assessable)
    assert "PM2_Supporting" not in result["acmg_criteria"].split(";")
    assert result["acmg_points"] == 8  # PVS1 only: absence is never assumed
    criteria = _criteria(result["acmg_evidence"])
    assert criteria["PM2"]["met"] is None
    assert "not assessable" in criteria["PM2"]["evidence"]


def test_no_population_source_at_all_is_not_assessable():
    result = _classify([_row()], covered=set()).iloc[0]
    assert {"PM2", "BA1", "BS1"} <= set(result["acmg_not_assessable"].split(";"))


def test_nan_mechanism_gives_valid_json():
    panel = _panel(mechanism=float("nan"), inheritance=float("nan"))
    table = _classify([_frameshift(gnomad_af=float("nan"))], panel=panel)
    result = table.iloc[0]
    assert "NaN" not in result["acmg_evidence"]
    criteria = {c["code"]: c for c in _strict_json(result["acmg_evidence"])}
    assert criteria["PVS1"]["met"] is None  # mechanism unknown: PVS1 not assessable
    assert criteria["PVS1"]["data"]["mechanism"] == ""
    assert criteria["PM2"]["met"] is True  # NaN frequency means absent, not a number
    assert criteria["PM2"]["data"]["population_af"] is None
    assert "PVS1" in result["acmg_not_assessable"].split(";")
    assert (result["mechanism"], result["mode_of_inheritance"]) == ("", "")
    # the whole row serialises to strict JSON as well
    record = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in result.items()}
    _strict_json(json.dumps(record, default=str, allow_nan=False))


def test_evidence_is_valid_json_for_every_row():
    rows = [
        _frameshift(),
        _row(pos=6000, clinvar_significance="Pathogenic", clinvar_review="aggregate"),
        _row(pos=7000, gnomad_af=0.3),
        _row(pos=8000, chrom="chr17", filter="LowQual"),
    ]
    table = _classify(rows)
    for evidence in table["acmg_evidence"]:
        parsed = _strict_json(evidence)
        assert isinstance(parsed, list)
        assert {"code", "strength", "met", "points", "evidence", "data", "label"} <= set(parsed[0])


def test_columns_are_findings_columns():
    table = _classify([_frameshift(), _row(pos=6000)])
    assert list(table.columns) == FINDINGS_COLUMNS
    assert FINDINGS_COLUMNS[: len(VARIANT_COLUMNS)] == VARIANT_COLUMNS
    assert list(_classify([]).columns) == FINDINGS_COLUMNS
    assert _classify([]).empty


def test_only_variants_inside_panel_genes():
    rows = [
        _frameshift(),
        _row(pos=30000),  # past the end of TP53
        _row(chrom="chr13", pos=5000, gene="BRCA2"),
    ]
    table = _classify(rows)
    assert list(table["pos"]) == [5000]


def test_variant_annotated_to_another_gene_uses_the_panel_gene():
    row = _frameshift(gene="WRAP53", all_genes="TP53,WRAP53")
    result = _classify([row]).iloc[0]
    assert result["gene"] == "WRAP53"
    assert result["panel_gene"] == "TP53"
    assert result["mechanism"] == "LoF"
    assert result["acmg_class"] == "Likely pathogenic"


def _ba1_rules(gene: str) -> dict:
    return {
        gene: GeneFrequencyRules(
            gene, [FrequencyRule("BA1", "stand_alone", "gnomADj_FAF_GRPMAX", 0.001, "gte")]
        )
    }


def test_gene_specific_rules_are_applied():
    # AF 0.002 is below the general BA1 (0.05) but above the gene's VCEP BA1 (>= 0.001)
    result = _classify([_row(gnomad_af=0.002)], gene_rules=_ba1_rules("TP53")).iloc[0]
    assert result["acmg_class"] == "Benign"
    assert "BA1" in result["acmg_criteria"].split(";")


def test_load_rules_without_path_is_empty():
    assert load_rules(None) == {}
    assert load_rules("") == {}


# --------------------------------------------------------------------------- secondary findings


def _secondary_rows() -> list[VariantRow]:
    return [
        # reported: P/LP by ClinVar, PASS, outside the panel
        _row(
            chrom="chr13",
            pos=32340300,
            ref="G",
            alt="GA",
            variant_type="indel",
            gene="BRCA2",
            consequence="frameshift",
            clinvar_significance="Pathogenic",
            clinvar_review="reviewed_by_expert_panel",
        ),
        # not PASS
        _row(
            chrom="chr13",
            pos=32340400,
            gene="BRCA2",
            filter="LowQual",
            clinvar_significance="Pathogenic",
            clinvar_review="reviewed_by_expert_panel",
        ),
        # inside the panel gene TP53
        _frameshift(clinvar_significance="Pathogenic", clinvar_review="aggregate"),
        # outside the panel but of uncertain significance
        _row(chrom="chr13", pos=32340500, gene="BRCA2"),
        # ClinVar benign
        _row(
            chrom="chr13",
            pos=32340600,
            gene="BRCA2",
            clinvar_significance="Benign",
            clinvar_review="aggregate",
        ),
        # no gene (intergenic)
        _row(
            chrom="chr13",
            pos=10000,
            gene="",
            consequence="",
            clinvar_significance="Pathogenic",
            clinvar_review="aggregate",
        ),
    ]


def test_secondary_findings_only_pathogenic_pass_outside_panel():
    table = secondary_findings(_secondary_rows(), _panel(), COVERED, SOURCE, Thresholds(), {})
    assert list(table.columns) == FINDINGS_COLUMNS
    assert list(zip(table["gene"], table["pos"], strict=True)) == [("BRCA2", 32340300)]
    row = table.iloc[0]
    assert row["acmg_class"] in PATHOGENIC
    assert row["filter"] == "PASS"
    assert row["panel_gene"] == ""
    assert row["panel_filter"] == "outside_panel"
    assert row["mechanism"] == ""
    # without a mechanism PVS1 cannot be assessed: the finding rests on ClinVar
    assert "PVS1" in row["acmg_not_assessable"].split(";")
    assert "CLINVAR_P_VeryStrong" in row["acmg_criteria"].split(";")
    _strict_json(row["acmg_evidence"])


def test_secondary_findings_none():
    rows = [_row(chrom="chr13", pos=32340500, gene="BRCA2")]
    table = secondary_findings(rows, _panel(), COVERED, SOURCE, Thresholds(), {})
    assert table.empty
    assert list(table.columns) == FINDINGS_COLUMNS


def test_secondary_findings_with_gene_rules():
    rows = [_secondary_rows()[0]]
    table = secondary_findings(rows, _panel(), COVERED, SOURCE, Thresholds(), _ba1_rules("BRCA2"))
    assert list(table["pos"]) == [32340300]


# --------------------------------------------------------------------------- consent gate


def _panel_findings(rows, consent, panel="default"):
    return panel_findings(
        rows,
        _panel() if panel == "default" else panel,
        consent,
        MAX_AF,
        sorted(CONSEQUENCES),
        COVERED,
        SOURCE,
        Thresholds(),
        {},
    )


def test_panel_findings_with_consent_has_secondary_findings():
    findings, secondary = _panel_findings(_secondary_rows(), consent=True)
    assert list(findings.columns) == list(secondary.columns) == FINDINGS_COLUMNS
    # the panel table is the classification of the panel-gene calls only
    assert list(zip(findings["gene"], findings["pos"], strict=True)) == [("TP53", 5000)]
    assert list(zip(secondary["gene"], secondary["pos"], strict=True)) == [("BRCA2", 32340300)]
    assert secondary["panel_filter"].tolist() == ["outside_panel"]


def test_panel_findings_without_consent_computes_no_secondary_findings(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("secondary findings computed without consent")

    monkeypatch.setattr("icope.germline.predisposition.secondary_findings", refuse)
    findings, secondary = _panel_findings(_secondary_rows(), consent=False)
    assert list(zip(findings["gene"], findings["pos"], strict=True)) == [("TP53", 5000)]
    assert secondary.empty
    assert list(secondary.columns) == FINDINGS_COLUMNS


def test_panel_findings_consent_does_not_change_the_panel_table():
    with_consent, _ = _panel_findings(_secondary_rows(), consent=True)
    without, _ = _panel_findings(_secondary_rows(), consent=False)
    pd.testing.assert_frame_equal(with_consent, without)


def test_panel_findings_without_panel_is_empty_even_with_consent():
    # no panel configured: neither table is computed; the panel settings are None then
    findings, secondary = panel_findings(
        _secondary_rows(), None, True, None, None, COVERED, SOURCE, Thresholds(), {}
    )
    for table in (findings, secondary):
        assert table.empty
        assert list(table.columns) == FINDINGS_COLUMNS


def test_panel_findings_without_rows_is_empty():
    for consent in (True, False):
        findings, secondary = _panel_findings([], consent=consent)
        for table in (findings, secondary):
            assert table.empty
            assert list(table.columns) == FINDINGS_COLUMNS


# --------------------------------------------------------------------------- covered contigs

POPULATION_VCF = """\
##fileformat=VCFv4.2
##contig=<ID=chr1,length=1000000>
##contig=<ID=chr2,length=1000000>
##contig=<ID=chr17,length=1000000>
##INFO=<ID=AF,Number=A,Type=Float,Description="Allele frequency">
#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO
chr1\t100\t.\tA\tG\t.\tPASS\tAF=0.1
chr1\t200\t.\tC\tT\t.\tPASS\tAF=0.001
chr17\t5000\t.\tG\tA\t.\tPASS\tAF=0.0001
"""


def test_covered_contigs(tmp_path):
    vcf = tmp_path / "population.vcf"
    vcf.write_text(POPULATION_VCF)
    indexed = pysam.tabix_index(str(vcf), preset="vcf", force=True)
    assert indexed.endswith(".vcf.gz")
    # contigs with records, not every contig of the header
    assert covered_contigs(indexed) == {"chr1", "chr17"}


def test_covered_contigs_without_source():
    assert covered_contigs(None) == set()
    assert covered_contigs("") == set()

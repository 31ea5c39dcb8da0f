"""Tests for the rule-based ACMG/AMP classifier (icope.germline.acmg)."""

from __future__ import annotations

import csv
import json
import re

import pytest

from icope.germline.acmg import (
    IMPLEMENTED_CRITERIA,
    NOT_IMPLEMENTED,
    AcmgThresholdError,
    GeneInfo,
    Thresholds,
    VariantEvidence,
    classify,
    clinvar_review_stars,
    consequence_terms,
    evaluate_ba1,
    evaluate_bp4,
    evaluate_bs1,
    evaluate_clinvar,
    evaluate_pm2,
    evaluate_pm4,
    evaluate_pp3,
    evaluate_pvs1,
    load_gene_thresholds,
    points_to_class,
)

# Shared data files, relative to the data directory (the `shared_data` fixture of conftest.py
# resolves them and fails the test when one is missing).
THRESHOLDS_TSV = "panels/acmg_thresholds.tsv"
CURATED_TSV = "grch38_segments/chr17_TP53/clinvar_curated/TP53_clinvar_curated.tsv"

# A copy of the TP53 and BRCA1 rows of CPSR data-raw/acmg_thresholds.tsv (sigven/cpsr 19b4d73),
# so the rule tests do not depend on the shared data folder.
_RULES_TEXT = (
    "symbol\tcriterion\tvcep_version\tevidence_level\tproperty\tthresholds\tcomparator\n"
    "BRCA1\tBA1\t1.2.0\tstand_alone\tgnomAD_NC_FAF_GRPMAX\t0.001\tgt\n"
    "BRCA1\tBS1\t1.2.0\tstrong\tgnomAD_NC_FAF_GRPMAX\t0.0001\tgt\n"
    "BRCA1\tBS1\t1.2.0\tsupporting\tgnomAD_NC_FAF_GRPMAX\t0.00002,0.0001\tgt,lte\n"
    "TP53\tBA1\t2.3.0\tstand_alone\tgnomADj_FAF_GRPMAX\t0.001\tgte\n"
    "TP53\tBS1\t2.3.0\tstrong\tgnomADj_FAF_GRPMAX\t0.0003,0.001\tgte,lt\n"
)

TP53 = GeneInfo("TP53", "LoF", "AD")
ALK = GeneInfo("ALK", "GoF", "AD")
T = Thresholds()


@pytest.fixture()
def rules(tmp_path):
    path = tmp_path / "acmg_thresholds.tsv"
    path.write_text(_RULES_TEXT)
    return load_gene_thresholds(path)


def ev(**kwargs) -> VariantEvidence:
    base = {"gene": "TP53", "consequence": "missense", "protein_change": ""}
    base.update(kwargs)
    return VariantEvidence(**base)


# ----------------------------------------------------------------------------- thresholds file


def test_load_real_thresholds_every_row(shared_data):
    rules = load_gene_thresholds(shared_data(THRESHOLDS_TSV))
    assert len(rules) == 10
    assert sum(len(r.rules) for r in rules.values()) == 22
    assert set(rules) == {
        "BRCA1",
        "BRCA2",
        "ATM",
        "APC",
        "MLH1",
        "MSH2",
        "MSH6",
        "PMS2",
        "PALB2",
        "TP53",
    }
    tp53_ba1 = rules["TP53"].for_criterion("BA1")[0]
    assert (tp53_ba1.low, tp53_ba1.low_comparator, tp53_ba1.high) == (0.001, "gte", None)
    tp53_bs1 = rules["TP53"].for_criterion("BS1")[0]
    assert (tp53_bs1.low, tp53_bs1.low_comparator) == (0.0003, "gte")
    assert (tp53_bs1.high, tp53_bs1.high_comparator) == (0.001, "lt")
    brca1_bs1 = rules["BRCA1"].for_criterion("BS1")
    assert [r.evidence_level for r in brca1_bs1] == ["strong", "supporting"]
    assert brca1_bs1[1].high_comparator == "lte"
    assert rules["PALB2"].rules[0].vcep_version == "."


def test_rule_comparators(rules):
    ba1 = rules["TP53"].for_criterion("BA1")[0]
    assert ba1.matches(0.001) and not ba1.matches(0.00099)
    bs1 = rules["TP53"].for_criterion("BS1")[0]
    assert bs1.matches(0.0003) and bs1.matches(0.0009) and not bs1.matches(0.001)
    supp = rules["BRCA1"].for_criterion("BS1")[1]
    assert not supp.matches(0.00002) and supp.matches(0.0001)
    brca1_ba1 = rules["BRCA1"].for_criterion("BA1")[0]
    assert not brca1_ba1.matches(0.001)  # 'gt'


def test_bad_thresholds_rows_raise(tmp_path):
    header = "symbol\tcriterion\tvcep_version\tevidence_level\tproperty\tthresholds\tcomparator\n"
    bad = tmp_path / "bad.tsv"
    bad.write_text(header + "X\tBS1\t1\tstrong\tp\t0.1,0.2\tgte\n")
    with pytest.raises(AcmgThresholdError, match="pair"):
        load_gene_thresholds(bad)
    bad.write_text(header + "X\tBS1\t1\tstrong\tp\t0.1\tabout\n")
    with pytest.raises(AcmgThresholdError, match="comparator"):
        load_gene_thresholds(bad)
    bad.write_text("symbol\tthresholds\n")
    with pytest.raises(AcmgThresholdError, match="missing columns"):
        load_gene_thresholds(bad)


# ----------------------------------------------------------------------------- helpers


def test_consequence_terms():
    assert consequence_terms("frameshift&splice_acceptor") == (
        {"frameshift", "splice_acceptor"},
        False,
    )
    assert consequence_terms("*missense") == ({"missense"}, True)
    assert consequence_terms("stop_gained_variant")[0] == {"stop_gained"}


@pytest.mark.parametrize(
    ("review", "stars"),
    [
        ("practice_guideline", 4),
        ("reviewed_by_expert_panel", 3),
        ("criteria_provided,_multiple_submitters,_no_conflicts", 2),
        ("criteria_provided, multiple submitters, no conflicts", 2),
        ("criteria_provided,_single_submitter", 1),
        ("criteria_provided,_conflicting_classifications", 1),
        ("criteria_provided,_conflicting_interpretations", 1),
        ("no_assertion_criteria_provided", 0),
        ("no_classification_provided", 0),
        ("expert_panel", 3),
        ("aggregate", 2),
        ("submission", 1),
        (None, None),
        ("", None),
    ],
)
def test_clinvar_review_stars(review, stars):
    assert clinvar_review_stars(review) == stars


@pytest.mark.parametrize(
    ("points", "label"),
    [
        (10, "Pathogenic"),
        (9, "Likely pathogenic"),
        (6, "Likely pathogenic"),
        (5, "Uncertain significance"),
        (0, "Uncertain significance"),
        (-1, "Likely benign"),
        (-6, "Likely benign"),
        (-7, "Benign"),
    ],
)
def test_points_to_class(points, label):
    assert points_to_class(points) == label


def test_criteria_catalogues():
    for code in ("PVS1", "PM2", "PM4", "PP3", "BA1", "BS1", "BP4", "CLINVAR_P", "CLINVAR_B"):
        assert code in IMPLEMENTED_CRITERIA
    for code in ("PS1", "PM5", "PS2", "PM6", "PS3", "BS3", "PS4", "PM1", "PM3", "BP2"):
        assert code in NOT_IMPLEMENTED
    for code in ("PP1", "BS4", "PP2", "BP1", "BP7", "PP4", "BS2", "PP5", "BP6"):
        assert code in NOT_IMPLEMENTED
    assert not set(IMPLEMENTED_CRITERIA) & set(NOT_IMPLEMENTED)


# ----------------------------------------------------------------------------- PVS1


def test_pvs1_stop_gained_lof_gene():
    r = evaluate_pvs1(ev(consequence="stop_gained", is_last_exon_or_nmd_escape=False), TP53)
    assert (r.met, r.strength, r.points, r.label) == (True, "very_strong", 8, "PVS1")


def test_pvs1_compound_frameshift_splice_acceptor():
    r = evaluate_pvs1(ev(consequence="frameshift&splice_acceptor"), TP53)
    assert r.met is True and r.points == 8
    assert set(r.data["null_terms"]) == {"frameshift", "splice_acceptor"}
    assert "NMD status unknown" in r.evidence


def test_pvs1_last_exon_downgrade():
    r = evaluate_pvs1(ev(consequence="frameshift", is_last_exon_or_nmd_escape=True), TP53)
    assert (r.met, r.strength, r.points, r.label) == (True, "strong", 4, "PVS1_Strong")


def test_pvs1_start_lost_moderate():
    r = evaluate_pvs1(ev(consequence="start_lost"), TP53)
    assert (r.met, r.strength, r.points) == (True, "moderate", 2)


def test_pvs1_gof_gene_not_met_with_reason():
    r = evaluate_pvs1(ev(gene="ALK", consequence="stop_gained"), ALK)
    assert r.met is False and r.points == 0
    assert "GoF only" in r.evidence and "loss of function" in r.evidence


def test_pvs1_gof_lof_gene_met():
    r = evaluate_pvs1(ev(consequence="splice_donor"), GeneInfo("X", "GoF/LoF"))
    assert r.met is True


@pytest.mark.parametrize("mechanism", ["", "NA"])
def test_pvs1_unknown_mechanism_not_assessable(mechanism):
    r = evaluate_pvs1(ev(consequence="stop_gained"), GeneInfo("X", mechanism))
    assert r.met is None and r.points == 0 and "unknown" in r.evidence


def test_pvs1_missense_and_downstream_not_met():
    assert evaluate_pvs1(ev(consequence="missense"), TP53).met is False
    r = evaluate_pvs1(ev(consequence="*stop_gained"), TP53)
    assert r.met is False and "downstream" in r.evidence


# ----------------------------------------------------------------------------- PM2


def test_pm2_absent_and_ultra_rare():
    r = evaluate_pm2(ev(population_assessable=True, population_source="gnomAD v4.1"), T)
    assert (r.met, r.points, r.label) == (True, 1, "PM2_Supporting")
    assert "absent from gnomAD v4.1" in r.evidence
    assert evaluate_pm2(ev(population_assessable=True, population_af=4.34e-06), T).met is True
    assert evaluate_pm2(ev(population_assessable=True, population_af=6.3e-05), T).met is False


def test_pm2_not_assessable_never_says_absent():
    r = evaluate_pm2(ev(population_assessable=False, population_af=None), T)
    assert r.met is None and r.points == 0
    assert "not assessable" in r.evidence and "absent from" not in r.evidence


# ----------------------------------------------------------------------------- BA1 / BS1


def test_general_ba1_bs1():
    common = ev(population_assessable=True, population_af=0.5, gene="X")
    ba1 = evaluate_ba1(common, T)
    assert (ba1.met, ba1.points) == (True, -8)
    bs1 = evaluate_bs1(common, T, ba1=ba1)
    assert bs1.met is False and "superseded by BA1" in bs1.evidence
    mid = ev(population_assessable=True, population_af=0.01, gene="X")
    assert evaluate_ba1(mid, T).met is False
    bs1 = evaluate_bs1(mid, T)
    assert (bs1.met, bs1.points) == (True, -4)
    absent = ev(population_assessable=True, gene="X")
    assert evaluate_ba1(absent, T).met is False and evaluate_bs1(absent, T).met is False


def test_gene_ba1_tp53_p47s(rules):
    r = evaluate_ba1(ev(population_assessable=True, population_af=0.0046), T, rules)
    assert r.met is True and r.strength == "stand_alone"
    assert "VCEP v2.3.0" in r.evidence
    assert "proxy" in r.evidence and r.data["af_used_as_faf_proxy"] is True
    # the general rule (5%) alone would not have fired
    assert evaluate_ba1(ev(population_assessable=True, population_af=0.0046), T).met is False


def test_gene_rules_use_faf_when_given(rules):
    r = evaluate_ba1(
        ev(population_assessable=True, population_af=0.0046, population_faf=0.0005), T, rules
    )
    assert r.met is False and "proxy" not in r.evidence
    bs1 = evaluate_bs1(
        ev(population_assessable=True, population_af=0.0046, population_faf=0.0005), T, rules
    )
    assert bs1.met is True


def test_gene_bs1_tp53_range(rules):
    inside = ev(population_assessable=True, population_af=0.0005)
    r = evaluate_bs1(inside, T, rules)
    assert (r.met, r.strength, r.points) == (True, "strong", -4)
    assert "proxy" in r.evidence
    below = evaluate_bs1(ev(population_assessable=True, population_af=0.0002), T, rules)
    assert below.met is False
    above = evaluate_bs1(ev(population_assessable=True, population_af=0.001), T, rules)
    assert above.met is False  # 'lt' 0.001: BA1 territory


def test_gene_bs1_supporting_level(rules):
    r = evaluate_bs1(ev(gene="BRCA1", population_assessable=True, population_af=5e-05), T, rules)
    assert (r.met, r.strength, r.points, r.label) == (True, "supporting", -1, "BS1_Supporting")
    r = evaluate_bs1(ev(gene="BRCA1", population_assessable=True, population_af=5e-04), T, rules)
    assert (r.met, r.strength) == (True, "strong")


def test_frequency_missing_not_assessable(rules):
    e = ev(population_assessable=False, population_af=None)
    for result in (evaluate_ba1(e, T, rules), evaluate_bs1(e, T, rules), evaluate_pm2(e, T)):
        assert result.met is None and result.points == 0
        assert "not assessable" in result.evidence
    c = classify(e, TP53, T, rules)
    assert {"PM2", "BA1", "BS1"} <= set(c.not_assessable)
    assert not any(c.is_met(code) for code in ("PM2", "BA1", "BS1"))


# ----------------------------------------------------------------------------- PM4


@pytest.mark.parametrize("csq", ["inframe_deletion", "inframe_insertion", "stop_lost"])
def test_pm4_met(csq):
    r = evaluate_pm4(ev(consequence=csq))
    assert (r.met, r.points) == (True, 2)


def test_pm4_not_with_pvs1_and_not_missense():
    e = ev(consequence="frameshift&inframe_deletion")
    assert evaluate_pm4(e, evaluate_pvs1(e, TP53)).met is False
    assert evaluate_pm4(ev(consequence="missense")).met is False


# ----------------------------------------------------------------------------- PP3 / BP4


def test_pp3_bp4():
    hi = ev(insilico_score=0.93)
    assert (evaluate_pp3(hi, T).met, evaluate_pp3(hi, T).points) == (True, 1)
    assert evaluate_bp4(hi, T).met is False
    lo = ev(insilico_score=0.1)
    assert evaluate_pp3(lo, T).met is False
    assert (evaluate_bp4(lo, T).met, evaluate_bp4(lo, T).points) == (True, -1)
    mid = ev(insilico_score=0.5)
    assert evaluate_pp3(mid, T).met is False and evaluate_bp4(mid, T).met is False
    assert evaluate_pp3(ev(insilico_score=0.644), T).met is True
    assert evaluate_bp4(ev(insilico_score=0.290), T).met is True


def test_pp3_bp4_not_assessable_without_score():
    assert evaluate_pp3(ev(), T).met is None
    assert evaluate_bp4(ev(), T).met is None


# ----------------------------------------------------------------------------- ClinVar


def test_clinvar_pathogenic_by_stars():
    p, b = evaluate_clinvar(ev(clinvar_significance="Pathogenic", clinvar_review="expert_panel"))
    assert (p.met, p.strength, p.points) == (True, "very_strong", 8) and b.met is False
    p, _ = evaluate_clinvar(
        ev(
            clinvar_significance="Pathogenic/Likely_pathogenic",
            clinvar_review="criteria_provided,_multiple_submitters,_no_conflicts",
        )
    )
    assert p.points == 8
    p, _ = evaluate_clinvar(
        ev(clinvar_significance="Likely_pathogenic", clinvar_review="submission")
    )
    assert (p.strength, p.points) == ("strong", 4)
    p, _ = evaluate_clinvar(
        ev(clinvar_significance="Pathogenic", clinvar_review="no_assertion_criteria_provided")
    )
    assert (p.strength, p.points) == ("supporting", 1)
    p, _ = evaluate_clinvar(ev(clinvar_significance="Pathogenic", clinvar_review=None))
    assert p.points == 1 and "unknown" in p.evidence


def test_clinvar_benign_and_likely_benign():
    _, b = evaluate_clinvar(ev(clinvar_significance="Benign", clinvar_review="expert_panel"))
    assert b.points == -8
    _, b = evaluate_clinvar(ev(clinvar_significance="Likely_benign", clinvar_review="expert_panel"))
    assert (b.strength, b.points) == ("strong", -4)
    _, b = evaluate_clinvar(
        ev(clinvar_significance="Benign/Likely_benign", clinvar_review="aggregate")
    )
    assert b.points == -4


@pytest.mark.parametrize(
    "sig",
    [
        "Conflicting_classifications_of_pathogenicity",
        "Conflicting_interpretations_of_pathogenicity",
        "Uncertain_significance",
        "risk_factor",
    ],
)
def test_clinvar_conflicting_or_vus_no_points(sig):
    p, b = evaluate_clinvar(ev(clinvar_significance=sig, clinvar_review="aggregate"))
    assert p.met is False and b.met is False and p.points == b.points == 0
    assert sig in p.evidence


def test_clinvar_absent():
    p, b = evaluate_clinvar(ev())
    assert p.met is False and b.met is False and "no ClinVar" in p.evidence


# ----------------------------------------------------------------------------- end to end


def test_tp53_truncating_absent_from_gnomad(rules):
    # PVS1 (8) + PM2_Supporting (1) = 9: Likely pathogenic under the points system (ClinGen SVI
    # accepts PVS1 + PM2_Supporting as LP); one more point of evidence is needed for Pathogenic.
    e = ev(
        consequence="stop_gained",
        protein_change="p.Arg196Ter",
        is_last_exon_or_nmd_escape=False,
        population_assessable=True,
        population_af=None,
        population_source="gnomAD v4.1",
    )
    c = classify(e, TP53, T, rules)
    assert c.met_codes == ["PVS1", "PM2_Supporting"]
    assert (c.classification, c.points) == ("Likely pathogenic", 9)
    assert c.not_assessable == ["PP3", "BP4"]
    e.clinvar_significance = "Pathogenic"
    e.clinvar_review = "criteria_provided,_single_submitter"
    c = classify(e, TP53, T, rules)
    assert (c.classification, c.points) == ("Pathogenic", 13)


def test_tp53_frameshift_absent_with_clinvar(rules):
    # c.993+1del-like null variant, ClinVar Pathogenic reviewed by expert panel
    e = ev(
        consequence="splice_donor",
        population_assessable=True,
        clinvar_significance="Pathogenic",
        clinvar_review="expert_panel",
    )
    c = classify(e, TP53, T, rules)
    assert c.classification == "Pathogenic"
    assert c.points == 17


def test_tp53_r175h_without_frequency(rules):
    e = ev(
        consequence="missense",
        protein_change="p.Arg175His",
        population_assessable=False,
        clinvar_significance="Pathogenic",
        clinvar_review="aggregate",
    )
    c = classify(e, TP53, T, rules)
    assert c.criterion("PVS1").met is False
    assert c.criterion("PM2").met is None
    assert c.met_codes == ["CLINVAR_P_VeryStrong"]
    assert (c.classification, c.points) == ("Likely pathogenic", 8)
    # PP3 alone adds one point (9, still LP); with the gnomAD v4.1 AF of 4.34e-06 (PM2) too
    # it reaches Pathogenic
    e.insilico_score = 0.93
    assert classify(e, TP53, T, rules).points == 9
    e.population_assessable, e.population_af = True, 4.34e-06
    c = classify(e, TP53, T, rules)
    assert (c.classification, c.points) == ("Pathogenic", 10)
    assert c.met_codes == ["PM2_Supporting", "PP3", "CLINVAR_P_VeryStrong"]


def test_tp53_p72r_benign_by_ba1(rules):
    e = ev(
        protein_change="p.Pro72Arg",
        population_assessable=True,
        population_af=0.5,
        clinvar_significance="Benign",
        clinvar_review="submission",
    )
    c = classify(e, TP53, T, rules)
    assert c.classification == "Benign" and c.is_met("BA1")
    # general thresholds alone give the same answer
    assert classify(e, TP53, T).classification == "Benign"


def test_tp53_p47s_benign_by_gene_ba1(rules):
    e = ev(protein_change="p.Pro47Ser", population_assessable=True, population_af=0.0046)
    c = classify(e, TP53, T, rules)
    assert c.classification == "Benign" and c.is_met("BA1")
    assert not c.is_met("BS1")
    assert "proxy" in c.criterion("BA1").evidence
    # without the VCEP rules the frequency is below both general thresholds
    assert classify(e, TP53, T).classification == "Uncertain significance"


def test_ba1_overrides_pathogenic_points(rules):
    e = ev(
        consequence="stop_gained",
        population_assessable=True,
        population_af=0.002,
        clinvar_significance="Pathogenic",
        clinvar_review="expert_panel",
    )
    c = classify(e, TP53, T, rules)
    assert c.classification == "Benign" and c.points > 0


def test_gof_gene_null_variant_classification():
    e = ev(gene="ALK", consequence="stop_gained", population_assessable=True)
    c = classify(e, ALK, T)
    assert not c.is_met("PVS1")
    assert c.classification == "Uncertain significance"
    assert "GoF" in c.criterion("PVS1").evidence


def test_last_exon_frameshift_likely_pathogenic():
    e = ev(consequence="frameshift", is_last_exon_or_nmd_escape=True, population_assessable=True)
    c = classify(e, TP53, T)
    assert "PVS1_Strong" in c.met_codes
    assert (c.classification, c.points) == ("Uncertain significance", 5)


def test_to_dict_is_json_serialisable(rules):
    e = ev(consequence="frameshift&splice_acceptor", population_assessable=True)
    d = classify(e, TP53, T, rules).to_dict()
    text = json.dumps(d)
    assert '"PVS1"' in text
    assert {c["code"] for c in d["criteria"]} == {
        "PVS1",
        "PM2",
        "PM4",
        "PP3",
        "BA1",
        "BS1",
        "BP4",
        "CLINVAR_P",
        "CLINVAR_B",
    }
    assert d["criteria"][0]["label"] == "PVS1"


# Expected classification of the 18 hand-curated TP53 ClinVar records with gnomAD not
# assessable, ClinVar level as review status, and consequence approximated from HGVS.
CURATED_EXPECTED = {
    "c.1102C>T": ("Uncertain significance", 0),
    "c.1031T>C": ("Likely pathogenic", 8),
    "c.1010G>C": ("Uncertain significance", 4),
    "c.1010G>A": ("Uncertain significance", 4),
    "c.1009C>T": ("Likely pathogenic", 8),
    "c.993+1del": ("Pathogenic", 16),
    "c.992A>G": ("Uncertain significance", 0),
    "c.847C>T": ("Uncertain significance", 0),
    "c.818G>A": ("Likely pathogenic", 8),
    "c.655C>T": ("Uncertain significance", 0),
    "c.524G>A": ("Likely pathogenic", 8),
    "c.376T>C": ("Uncertain significance", 0),
    "c.329G>A": ("Likely benign", -4),
    "c.215C>G": ("Likely benign", -4),
    "c.139C>T": ("Benign", -8),
    "c.97-4_104del": ("Pathogenic", 12),
    "c.97-9C>T": ("Likely benign", -4),
    "c.97-11C>G": ("Likely pathogenic", 8),
}


def _approx_consequence(hgvs_c: str, hgvs_p: str) -> str:
    if re.fullmatch(r"p\.[A-Z][a-z]{2}\d+[A-Z][a-z]{2}", hgvs_p):
        return "missense"
    if hgvs_c.endswith("+1del"):
        return "splice_donor"
    if re.search(r"-4_\d+del$", hgvs_c):
        return "splice_acceptor"
    return "intron"


def test_curated_tp53_records_without_frequency(shared_data):
    rules = load_gene_thresholds(shared_data(THRESHOLDS_TSV))
    with shared_data(CURATED_TSV).open(newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    assert len(rows) == 18
    got = {}
    for row in rows:
        hgvs_c = row["hgvs_c_NM_000546.6"]
        e = VariantEvidence(
            gene="TP53",
            consequence=_approx_consequence(hgvs_c, row["hgvs_p"]),
            protein_change=row["hgvs_p"],
            population_assessable=False,
            clinvar_significance=row["clinical_significance"],
            clinvar_review=row["level"],
        )
        c = classify(e, TP53, T, rules)
        assert {"PM2", "BA1", "BS1", "PP3", "BP4"} <= set(c.not_assessable)
        got[hgvs_c] = (c.classification, c.points)
    assert got == CURATED_EXPECTED
    # no ClinVar P/LP record ends up on the benign side and vice versa
    for row in rows:
        label = got[row["hgvs_c_NM_000546.6"]][0]
        if (
            "athogenic" in row["clinical_significance"]
            and "onflicting" not in (row["clinical_significance"])
        ):
            assert "benign" not in label.lower()
        if "enign" in row["clinical_significance"]:
            assert "athogenic" not in label

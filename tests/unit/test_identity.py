"""Tests for icope.core.identity: concordance maths on synthetic genotypes, verdicts, the sex
check and identity.json of a patient."""

from __future__ import annotations

import json

import pysam
import pytest

from icope.core import identity
from icope.core.identity import (
    MATCH,
    MISMATCH,
    NOT_ASSESSABLE,
    Reason,
    alleles_seen,
    assess_patient,
    check_sex,
    compare_pair,
    depth_ratios,
    genotype_command,
    genotype_patient,
    infer_sex,
    pair_verdict,
    parse_call,
    plan_pairs,
    read_contig_depths,
    read_genotypes,
    read_patient_genotypes,
)

# the identity section of config/config.yaml
THRESHOLDS = {
    "min_af": 0.1,
    "max_af": 0.9,
    "max_sites": 20000,
    "min_depth": 8,
    "min_base_quality": 20,
    "min_mapping_quality": 20,
    "max_depth": 1000,
    "min_allele_reads": 2,
    "min_allele_fraction": 0.1,
    "min_sites": 20,
    "min_concordance": 0.9,
    "min_rna_concordance": 0.85,
    "sex": {
        "min_female_x_ratio": 0.8,
        "max_female_y_ratio": 0.05,
        "max_male_x_ratio": 0.65,
        "min_male_y_ratio": 0.1,
    },
}

# (GT, AD) at depth 30 for each genotype
HOM_REF, HET, HOM_ALT = ("0/0", "30,0"), ("0/1", "15,15"), ("1/1", "0,30")


def calls(genotypes):
    """Synthetic calls at consecutive sites of chr1."""
    return {("chr1", i + 1): parse_call(*g) for i, g in enumerate(genotypes)}


def test_parse_call_reads_genotype_and_allele_depths():
    call = parse_call("0|1", "12,9")
    assert (call.genotype, call.allele_depths, call.depth) == (frozenset({0, 1}), (12, 9), 21)
    assert parse_call("1/1", "0,7").genotype == frozenset({1})
    missing = parse_call("./.", ".")
    assert (missing.genotype, missing.depth) == (None, 0)


def test_an_allele_is_seen_with_enough_reads_and_share():
    assert alleles_seen(parse_call("0/1", "97,3"), 2, 0.1) == frozenset({0})  # 3 % error
    assert alleles_seen(parse_call("0/1", "18,2"), 2, 0.1) == frozenset({0, 1})
    assert alleles_seen(parse_call("0/1", "9,1"), 2, 0.1) == frozenset({0})  # 1 read only
    assert alleles_seen(parse_call("./.", "."), 2, 0.1) == frozenset()


def test_identical_samples_are_fully_concordant():
    genotypes = [HOM_REF, HET, HOM_ALT] * 10
    counts = compare_pair(calls(genotypes), calls(genotypes), rna=False, thresholds=THRESHOLDS)
    assert counts == {
        "sites_compared": 30,
        "concordant": 30,
        "discordant": 0,
        "identical_genotypes": 30,
        "concordance": 1.0,
    }
    assert pair_verdict(counts, rna=False, thresholds=THRESHOLDS)[0] == MATCH


def test_loss_of_heterozygosity_is_not_discordance():
    normal = [HET] * 10 + [HOM_REF] * 10 + [HOM_ALT] * 10
    tumour = [HOM_REF] * 5 + [HOM_ALT] * 5 + [HOM_REF] * 10 + [HOM_ALT] * 10  # LOH at all hets
    counts = compare_pair(calls(normal), calls(tumour), rna=False, thresholds=THRESHOLDS)
    assert (counts["concordant"], counts["discordant"]) == (30, 0)
    assert counts["identical_genotypes"] == 20
    assert pair_verdict(counts, rna=False, thresholds=THRESHOLDS)[0] == MATCH


def test_another_individual_shows_alleles_the_normal_lacks():
    normal = [HOM_REF, HET, HOM_ALT, HOM_REF] * 6
    other = [HOM_ALT, HET, HOM_REF, HET] * 6  # sites 1, 3, 4 of each block discordant
    counts = compare_pair(calls(normal), calls(other), rna=False, thresholds=THRESHOLDS)
    assert counts == {
        "sites_compared": 24,
        "concordant": 6,
        "discordant": 18,
        "identical_genotypes": 6,
        "concordance": 0.25,
    }
    verdict, reason = pair_verdict(counts, rna=False, thresholds=THRESHOLDS)
    assert verdict == MISMATCH
    assert "6/24 sites concordant (0.250) < 0.9" in reason


def test_sites_below_the_depth_in_either_sample_are_not_compared():
    shallow = ("0/1", "3,3")
    normal = calls([HET] * 25)
    tumour = calls([shallow] * 22 + [HET] * 3)
    counts = compare_pair(normal, tumour, rna=False, thresholds=THRESHOLDS)
    assert counts["sites_compared"] == 3
    verdict, reason = pair_verdict(counts, rna=False, thresholds=THRESHOLDS)
    assert verdict == NOT_ASSESSABLE
    assert reason == "only 3 common SNP sites with depth >= 8 in both, need >= 20"


def test_rna_monoallelic_expression_is_concordant_and_uses_the_rna_bar():
    dna = [HET] * 20 + [HOM_REF] * 20
    rna = [HOM_REF] * 10 + [HET] * 10 + [HOM_REF] * 17 + [HOM_ALT] * 3  # 3 paralog sites
    counts = compare_pair(calls(dna), calls(rna), rna=True, thresholds=THRESHOLDS)
    assert (counts["sites_compared"], counts["concordant"]) == (40, 37)
    assert counts["identical_genotypes"] is None
    # 0.925: above the RNA bar (0.85), as it would be below a DNA bar of 0.95
    assert pair_verdict(counts, rna=True, thresholds=THRESHOLDS)[0] == MATCH
    assert (
        pair_verdict(counts, rna=False, thresholds=THRESHOLDS | {"min_concordance": 0.95})[0]
        == MISMATCH
    )


def test_every_sample_is_compared_with_the_normal():
    samples = {
        "T1": {"type": "tumour", "sex": "female"},
        "N1": {"type": "normal", "sex": "female"},
        "R1": {"type": "rna", "sex": "female"},
    }
    assert [(p.sample_a, p.sample_b, p.rna) for p in plan_pairs(samples)] == [
        ("N1", "T1", False),
        ("N1", "R1", True),
    ]
    tumour_only = {"T1": {"type": "tumour"}, "R1": {"type": "rna"}}
    assert [(p.sample_a, p.sample_b) for p in plan_pairs(tumour_only)] == [("T1", "R1")]
    assert plan_pairs({"R1": {"type": "rna"}}) == []


# --- sex -----------------------------------------------------------------------------------

MOSDEPTH = """\
chrom\tlength\tbases\tmean\tmin\tmax
chr1\t1000\t30000\t30.00\t0\t60
chr1_region\t500\t15000\t30.00\t0\t60
chr2\t1000\t30000\t30.00\t0\t60
chr2_region\t500\t15000\t30.00\t0\t60
chrX\t1000\t{x}\t1\t0\t60
chrX_region\t500\t{xr}\t1\t0\t60
chrY\t1000\t{y}\t1\t0\t60
chrY_region\t500\t{yr}\t1\t0\t60
total\t4000\t1\t1\t0\t60
total_region\t2000\t1\t1\t0\t60
"""


def _summary(tmp_path, x, y):
    path = tmp_path / "s.mosdepth.summary.txt"
    path.write_text(MOSDEPTH.format(x=x * 2, xr=x, y=y * 2, yr=y))
    return str(path)


def test_depth_ratios_over_the_targets(tmp_path):
    path = tmp_path / "s.mosdepth.summary.txt"
    path.write_text(MOSDEPTH.format(x=30000, xr=7500, y=0, yr=3000))
    depths = read_contig_depths(path)
    assert depths["chrX"] == (500.0, 7500.0)  # the _region row, not the contig's
    assert depth_ratios(depths, "chrX", "chrY") == (0.5, 0.2)


@pytest.mark.parametrize(
    ("x_ratio", "y_ratio", "sex"),
    [(1.0, 0.0, "female"), (0.5, 0.3, "male"), (0.5, 0.0, None), (1.0, 0.4, None)],
)
def test_infer_sex(x_ratio, y_ratio, sex):
    assert infer_sex(x_ratio, y_ratio, THRESHOLDS["sex"]) == sex


def test_sex_check_against_the_sheet(tmp_path):
    female = _summary(tmp_path, x=15000, y=0)  # X 30x like the autosomes, no Y
    contigs = ("chrX", "chrY")
    normal = {"type": "normal", "sex": "female"}
    row = check_sex("N1", normal, female, contigs, THRESHOLDS["sex"])
    assert (row["verdict"], row["inferred_sex"], row["x_ratio"]) == (MATCH, "female", 1.0)
    row = check_sex("N1", normal | {"sex": "male"}, female, contigs, THRESHOLDS["sex"])
    assert row["verdict"] == MISMATCH
    assert row["reason"].startswith("sheet says male, coverage says female")
    row = check_sex("N1", normal | {"sex": "unknown"}, female, contigs, THRESHOLDS["sex"])
    assert (row["verdict"], row["inferred_sex"]) == (NOT_ASSESSABLE, "female")
    assert row["reason"].startswith("sheet sex unknown; inferred female")
    tumour = check_sex("T1", {"type": "tumour", "sex": "male"}, female, contigs, THRESHOLDS["sex"])
    assert tumour["verdict"] == NOT_ASSESSABLE  # loss of Y in a tumour is not a swap


def test_sex_is_not_assessable_without_chrx_and_chry():
    row = check_sex("N1", {"type": "normal", "sex": "female"}, None, (None, None), {})
    assert row == {
        "sample": "N1",
        "type": "normal",
        "sheet_sex": "female",
        "inferred_sex": None,
        "x_ratio": None,
        "y_ratio": None,
        "verdict": NOT_ASSESSABLE,
        "reason": "reference has no chrX and chrY",
    }


# --- per patient ---------------------------------------------------------------------------


def _table(path, genotypes):
    rows = [f"chr1\t{i + 1}\tA\tG\t{gt}\t{ad}\n" for i, (gt, ad) in enumerate(genotypes)]
    path.write_text("".join(rows))
    return str(path)


def test_assess_patient_writes_the_contract(tmp_path):
    fai = tmp_path / "genome.fa.fai"
    fai.write_text("chr1\t1000\t6\t60\t61\n")
    sites = tmp_path / "sites.tsv"
    sites.write_text("".join(f"chr1\t{i}\tA,G\n" for i in range(1, 31)))
    genotypes = [HOM_REF, HET, HOM_ALT] * 10
    samples = {
        "N1": {"type": "normal", "sex": "female"},
        "T1": {"type": "tumour", "sex": "female"},
        "R1": {"type": "rna", "sex": "female"},
    }
    identity = assess_patient(
        "P1",
        samples,
        {
            "N1": _table(tmp_path / "N1.tsv", genotypes),
            "T1": _table(tmp_path / "T1.tsv", genotypes),
            "R1": Reason("not assessed: no RNA alignment"),
        },
        {},
        str(fai),
        str(sites),
        THRESHOLDS,
    )
    json.dumps(identity)  # JSON-ready
    assert identity["sites_considered"] == 30
    assert [(p["sample_b"], p["verdict"], p["sites_compared"]) for p in identity["pairs"]] == [
        ("T1", MATCH, 30),
        ("R1", NOT_ASSESSABLE, None),
    ]
    assert identity["pairs"][1]["reason"] == "not assessed: no RNA alignment"
    assert [s["reason"] for s in identity["sex"]] == ["reference has no chrX and chrY"] * 3
    assert identity["verdict"] == "pass"
    assert identity["thresholds"] == THRESHOLDS
    assert set(identity["pairs"][0]) == {
        "sample_a", "type_a", "sample_b", "type_b", "comparison", "sites_compared",
        "concordant", "discordant", "identical_genotypes", "concordance", "verdict", "reason",
    }  # fmt: skip


def test_one_mismatching_pair_fails_the_patient(tmp_path):
    fai = tmp_path / "genome.fa.fai"
    fai.write_text("chr1\t1000\t6\t60\t61\n")
    normal = _table(tmp_path / "N1.tsv", [HOM_REF, HET, HOM_ALT, HOM_REF] * 6)
    swapped = _table(tmp_path / "T1.tsv", [HOM_ALT, HET, HOM_REF, HET] * 6)
    samples = {"N1": {"type": "normal", "sex": "male"}, "T1": {"type": "tumour", "sex": "male"}}
    identity = assess_patient(
        "P1", samples, {"N1": normal, "T1": swapped}, {}, str(fai), normal, THRESHOLDS
    )
    assert identity["verdict"] == MISMATCH
    assert identity["reason"] == "identity check failed: N1 vs T1"


def test_without_a_population_file_nothing_is_assessed(tmp_path):
    fai = tmp_path / "genome.fa.fai"
    fai.write_text("chr1\t1000\t6\t60\t61\n")
    why = Reason("not assessed: no population file")
    samples = {"N1": {"type": "normal", "sex": "male"}, "T1": {"type": "tumour", "sex": "male"}}
    identity = assess_patient("P1", samples, {}, {}, str(fai), why, THRESHOLDS)
    assert identity["sites_considered"] is None
    assert identity["pairs"][0]["verdict"] == NOT_ASSESSABLE
    assert identity["pairs"][0]["reason"] == "not assessed: no population file"
    assert identity["verdict"] == NOT_ASSESSABLE


def test_read_genotypes_keys_calls_by_site(tmp_path):
    path = _table(tmp_path / "g.tsv", [HOM_REF, HET])
    table = read_genotypes(path)
    assert table[("chr1", 2)].genotype == frozenset({0, 1})
    assert len(table) == 2


def test_a_patient_of_one_rna_sample_has_no_pair(tmp_path):
    fai = tmp_path / "genome.fa.fai"
    fai.write_text("chr1\t1000\t6\t60\t61\n")
    samples = {"R1": {"type": "rna", "sex": "female"}}
    identity = assess_patient(
        "P1", samples, {"R1": str(tmp_path / "R1.tsv")}, {}, str(fai), str(fai), THRESHOLDS
    )
    assert identity["pairs"] == []
    assert (identity["verdict"], identity["reason"]) == (
        NOT_ASSESSABLE,
        "only one sample: no pair to compare, and sex not assessable",
    )


# --- rule identity_check: genotyping each sample in turn -------------------------------------


def _reference(tmp_path, length=400):
    """chr1: A everywhere but C at 200 (the sites' REF bases: A at 100, C at 200)."""
    seq = ["A"] * length
    seq[199] = "C"
    path = tmp_path / "ref.fa"
    path.write_text(">chr1\n" + "".join(seq) + "\n")
    pysam.faidx(str(path))
    return str(path), "".join(seq)


def _sites(tmp_path):
    """identity_sites' two tables: chr1:100 A,G and chr1:200 C,T."""
    rows = {
        "alleles": ["chr1\t100\tA,G", "chr1\t200\tC,T"],
        "positions": ["chr1\t100", "chr1\t200"],
    }
    paths = {}
    for name, lines in rows.items():
        text = tmp_path / f"sites.{name}.tsv"
        text.write_text("\n".join(lines) + "\n")
        paths[name] = pysam.tabix_index(str(text), seq_col=0, start_col=1, end_col=1, force=True)
    return paths


def test_genotype_command_carries_the_pileup_settings():
    command = genotype_command("a b.bam", "g.fa", "p.tsv.gz", "a.tsv.gz", THRESHOLDS)
    assert command.startswith("bcftools mpileup --no-version -f g.fa -R p.tsv.gz -q 20 -Q 20")
    assert "-d 1000 -a FORMAT/AD,FORMAT/DP -Ou 'a b.bam' |" in command
    assert "bcftools call --no-version -m -C alleles -T a.tsv.gz -Ou" in command
    assert command.endswith("bcftools query -f '%CHROM\\t%POS\\t%REF\\t%ALT[\\t%GT\\t%AD]\\n'")


def test_genotype_patient_calls_each_sample_alone_and_writes_one_table(tmp_path, point_reads_bam):
    """Normal het at 100 (5 A + 5 G), hom-ref at 200 (10 C); tumour hom-alt at 100 (10 G, LOH);
    the RNA sample has no alignment: its reason is kept and it has no rows."""
    fasta, genome = _reference(tmp_path)
    sites = _sites(tmp_path)
    het = [(100, "A")] * 5 + [(100, "G")] * 5
    normal = point_reads_bam(tmp_path / "N1.bam", genome, het + [(200, "C")] * 10)
    tumour = point_reads_bam(tmp_path / "T1.bam", genome, [(100, "G")] * 10)
    why = Reason("not assessed: no RNA alignment")
    table = tmp_path / "P1.genotypes.tsv"
    genotypes = genotype_patient(
        {"N1": normal, "T1": tumour, "R1": why},
        fasta,
        sites["positions"],
        sites["alleles"],
        THRESHOLDS,
        table,
    )
    assert genotypes["R1"] == why
    assert genotypes["N1"][("chr1", 100)].genotype_text == "0/1"
    assert genotypes["N1"][("chr1", 100)].allele_depths == (5, 5)
    assert genotypes["N1"][("chr1", 200)].genotype_text == "0/0"
    assert genotypes["T1"][("chr1", 100)].genotype_text == "1/1"
    # no tumour read at 200: no pileup record, no row (not compared there)
    assert ("chr1", 200) not in genotypes["T1"]
    lines = table.read_text().splitlines()
    assert lines[0] == "sample\tchrom\tpos\tref\talt\tgt\tad"
    # only REF seen at 200: bcftools writes ALT "." and one depth
    assert lines[1:3] == ["N1\tchr1\t100\tA\tG\t0/1\t5,5", "N1\tchr1\t200\tC\t.\t0/0\t10"]
    assert read_patient_genotypes(table) == {s: genotypes[s] for s in ("N1", "T1")}


def test_genotype_patient_without_sites_runs_no_pileup(tmp_path, monkeypatch):
    def no_pileup(*args, **kwargs):
        raise AssertionError("no pileup without a population file")

    monkeypatch.setattr(identity.subprocess, "run", no_pileup)
    why = Reason("not assessed: no population file")
    table = tmp_path / "P1.genotypes.tsv"
    assert genotype_patient({"N1": why}, "g.fa", None, why, THRESHOLDS, table) == {"N1": why}
    assert table.read_text() == "sample\tchrom\tpos\tref\talt\tgt\tad\n"

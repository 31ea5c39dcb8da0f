"""Germline predisposition end to end on simulated reads from the real TP53 segment: a known
pathogenic variant spiked into the normal, loss of the wild-type allele in the tumour, common
benign TP53 variants, consent-dependent secondary findings and reanalysis."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pysam
import pytest
import yaml

from icope.bench.simulate import simulate

from .conftest import REPO, TEST_CONFIG, planned_jobs, snakemake

pytestmark = pytest.mark.workflow

DATA = REPO.parent / "shared" / "data"
TP53 = DATA / "grch38_segments" / "chr17_TP53"
FASTA = TP53 / "reference" / "TP53_GRCh38_chr17_7659779-7692550.fa"
CLINVAR = TP53 / "clinvar_curated" / "TP53_clinvar_curated.local.vcf.gz"
HEADER = (
    "##fileformat=VCFv4.2\n##contig=<ID=chr17,length=32772>\n"
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tGERM\n"
)
# Common benign TP53 variants as the individual's germline (P72R, P47S), heterozygous on
# haplotype 2; the pathogenic R175H (c.524G>A) spiked in on haplotype 1, which the tumour keeps.
GERMLINE = [("16376", "rs1042522", "G", "C", "0|1"), ("16452", "rs1800371", "G", "A", "0|1")]
SPIKE_IN = [("15310", "rs28934578", "C", "T", "1|0")]


def _vcf(path, records):
    text = HEADER + "".join(
        f"chr17\t{pos}\t{rid}\t{ref}\t{alt}\t.\tPASS\t.\tGT\t{gt}\n"
        for pos, rid, ref, alt, gt in records
    )
    plain = path.with_suffix("")
    plain.write_text(text)
    pysam.tabix_compress(str(plain), str(path), force=True)
    pysam.tabix_index(str(path), preset="vcf", force=True)
    return path


def _config(run_dir, simulation, panel, consent):
    samples = pd.read_csv(simulation / "samples.tsv", sep="\t", dtype=str)
    samples.loc[samples["type"] == "normal", "secondary_findings_consent"] = consent
    samples.to_csv(run_dir / "samples.tsv", sep="\t", index=False)
    config = yaml.safe_load(TEST_CONFIG.read_text())
    config.update(
        data_dir=str(simulation),
        data_manifest=None,
        samples=str(run_dir / "samples.tsv"),
        units=str(simulation / "units.tsv"),
    )
    config["reference"] = {
        "name": "GRCh38_chr17_7659779-7692550",
        "fasta": str(FASTA),
        "annotation": str(TP53 / "annotation" / "gencode.v38.TP53_segment.local.gtf"),
        "annotation_version": "GENCODE v38 (TP53 segment)",
        "targets": None,
        "known_sites": {
            "dbsnp": None,
            "gnomad": None,
            "clinvar": str(run_dir / "clinvar.vcf.gz"),
            "clinvar_version": "curated TP53 records (shared data PROVENANCE C)",
            "clinvar_review_field": "CLNSIG_LEVEL",
        },
    }
    config["panel"] = dict(config["panel"], name=panel.stem, genes=str(panel))
    config["classification"]["gene_thresholds"] = str(DATA / "panels" / "acmg_thresholds.tsv")
    (run_dir / "config").mkdir(exist_ok=True)
    (run_dir / "config" / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))


@pytest.fixture(scope="module")
def tp53_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("tp53")
    simulate(
        FASTA,
        _vcf(base / "germline.vcf.gz", GERMLINE),
        base / "simulation",
        spike_in_vcf=_vcf(base / "spike.vcf.gz", SPIKE_IN),
        normal_depth=30,
        tumour_depth=60,
        purity=0.8,
        n_somatic_snv=2,
        n_somatic_indel=0,
        loh=("chr17", 5000, 30000),
        seed=5,
        patient="LFS",
    )
    run_dir = base / "run"
    run_dir.mkdir()
    shutil.copy(CLINVAR, run_dir / "clinvar.vcf.gz")
    shutil.copy(f"{CLINVAR}.tbi", run_dir / "clinvar.vcf.gz.tbi")
    _config(run_dir, base / "simulation", REPO / ".test/panels/test_tp53_segment.tsv", "no")
    snakemake(
        run_dir,
        "--cores",
        "2",
        "results/patients/LFS/report.html",
        "results/patients/LFS/two_hit.tsv",
        "results/cohort/variants.tsv",
    )
    return run_dir


def _panel(run_dir):
    table = pd.read_csv(run_dir / "results/patients/LFS/germline_panel.tsv", sep="\t")
    return table.set_index("pos")


def test_spiked_pathogenic_variant_is_classified_with_evidence(tp53_run):
    r175h = _panel(tp53_run).loc[15310]
    assert r175h["gene"] == "TP53" and r175h["hgvs_p"] == "p.Arg175His"
    assert r175h["transcript"] == "ENST00000269305.9"  # MANE Select preferred
    assert r175h["acmg_class"] in ("Pathogenic", "Likely pathogenic")
    assert "CLINVAR_P" in r175h["acmg_criteria"]
    evidence = json.loads(r175h["acmg_evidence"])
    clinvar = next(c for c in evidence if c["code"] == "CLINVAR_P")
    assert clinvar["met"] and "Pathogenic" in clinvar["evidence"]
    # no population file covers chr17 here: frequency criteria are not assessable
    assert {"PM2", "BA1", "BS1"} <= set(r175h["acmg_not_assessable"].split(";"))


def test_common_benign_variant_is_benign(tp53_run):
    panel = _panel(tp53_run)
    assert panel.loc[16452, "acmg_class"] == "Benign"  # P47S, ClinVar benign (expert panel)
    assert panel.loc[16376, "acmg_class"] in ("Benign", "Likely benign")  # P72R


def test_two_hit_flag_set_for_loss_of_wild_type(tp53_run):
    hits = pd.read_csv(tp53_run / "results/patients/LFS/two_hit.tsv", sep="\t")
    r175h = hits[hits["pos"] == 15310].iloc[0]
    assert r175h["second_hit"] == "found"
    assert r175h["tumour_vaf"] > 0.7 and r175h["allelic_imbalance"] == "mutant allele retained"
    # the statistical call (issue 12): the simulated 1+0 LOH at purity 0.8, tested against
    # the fitted purity's expectations (1 / (2 - 0.8) = 0.83 retained, 0.17 lost)
    assert r175h["mechanism"] == "copy-loss LOH"
    assert r175h["purity_source"] == "estimated" and abs(r175h["purity"] - 0.8) <= 0.1
    assert abs(r175h["expected_vaf_retained"] - 1 / (2 - r175h["purity"])) < 0.05
    assert r175h["log_lr_retained_vs_lost"] > 4.6 and r175h["imbalance_p"] < 1e-3
    report = json.loads((tp53_run / "results/patients/LFS/report.json").read_text())
    assert report["two_hit"][0]["second_hit"] == "found"
    assert [f["pos"] for f in report["germline_findings"]] == [15310]


R175H = ("ENST00000269305.9", "ENST00000269305.9:c.524G>A", "p.Arg175His", "missense")
NAMED = ["transcript", "hgvs_c", "hgvs_p", "consequence"]


def test_one_transcript_and_hgvs_in_panel_report_and_cohort(tp53_run):
    """Issue 13 defect 2: the panel, report.json and cohort table name the TP53 variant on the
    same (MANE Select) transcript with the same HGVS, ClinVar's own names."""
    panel = _panel(tp53_run)
    assert tuple(panel.loc[15310, NAMED]) == R175H
    assert tuple(panel.loc[16376, ["hgvs_c", "hgvs_p"]]) == (
        "ENST00000269305.9:c.215C>G",
        "p.Pro72Arg",
    )
    assert tuple(panel.loc[16452, ["hgvs_c", "hgvs_p"]]) == (
        "ENST00000269305.9:c.139C>T",
        "p.Pro47Ser",
    )
    report = json.loads((tp53_run / "results/patients/LFS/report.json").read_text())
    (finding,) = report["germline_findings"]
    assert tuple(finding[f] for f in NAMED) == R175H
    cohort = pd.read_csv(tp53_run / "results/cohort/variants.tsv", sep="\t")
    germline = cohort[(cohort["origin"] == "germline") & (cohort["pos"] == 15310)]
    assert [tuple(r) for r in germline[NAMED].itertuples(index=False)] == [R175H]
    # every TP53 call, germline or somatic, in every output: the one preferred transcript
    somatic = report["somatic_variants"]
    tp53 = [v["transcript"] for v in somatic if v["gene"] == "TP53"]
    tp53 += list(cohort.loc[cohort["gene"] == "TP53", "transcript"])
    tp53 += list(panel.loc[panel["gene"] == "TP53", "transcript"])
    assert set(tp53) == {"ENST00000269305.9"}
    # intronic calls are 'intron', never 'non_coding' (issue 13 defect 6)
    assert "non_coding" not in set(cohort.loc[cohort["gene"] == "TP53", "consequence"])


def test_tp53_report_in_browser(tp53_run, tmp_path):
    """Issue 13: the TP53 patient's report in headless Chromium (see test_report_browser):
    ClinVar's class beside ours with the disagreement flagged, the TP53 segment's allelic
    state "not assessable" with its reason (defect 3), the two-hit mechanism up front."""
    from .test_report_browser import check_report_in_browser, html_text

    html = tp53_run / "results/patients/LFS/report.html"
    rendered = check_report_in_browser(html, "LFS", tmp_path)
    front = rendered.dom.split("<h2>Summary</h2>")[1].split("</section>")[0]
    assert "<strong>TP53</strong>" in front and "Likely pathogenic" in front
    assert "TP53 in LFS_T: found" in front
    findings = rendered.dom.split("Germline findings in panel")[1].split("</table>")[0]
    assert "ClinVar: Pathogenic" in findings and "★★☆☆" in findings
    assert "Disagrees with our class" in findings
    assert "aggregate" not in findings
    report = json.loads((tp53_run / "results/patients/LFS/report.json").read_text())
    cn = rendered.dom.split("<h2>Copy number and loss of heterozygosity</h2>")[1]
    cn = cn.split("</table>")[0]
    for segment in report["copy_number"]["LFS_T"]["segments"]:
        if "not_assessable" in (segment["allelic_state"], segment["call"]):
            assert segment["not_assessable_reason"]  # never a bare "not assessable"
        if segment["not_assessable_reason"]:
            assert html_text(segment["not_assessable_reason"]) in cn
    assert f"<td>{segment['allelic_state'].replace('_', ' ')}</td>" in cn


def test_no_consent_means_no_secondary_findings(tp53_run):
    # a panel without TP53 makes R175H a finding outside the panel
    panel = tp53_run / "other_panel.tsv"
    panel.write_text("gene\tmechanism\nWRAP53\tNA\n")
    _config(tp53_run, tp53_run.parent / "simulation", panel, "no")
    snakemake(tp53_run, "--cores", "2", "results/patients/LFS/report.json")
    report = json.loads((tp53_run / "results/patients/LFS/report.json").read_text())
    assert report["secondary_findings"] is None and report["germline_findings"] == []
    assert "No consent" in report["secondary_findings_policy"]
    assert "R175H" not in (tp53_run / "results/patients/LFS/report.html").read_text()
    secondary = pd.read_csv(tp53_run / "results/patients/LFS/secondary_findings.tsv", sep="\t")
    assert secondary.empty

    _config(tp53_run, tp53_run.parent / "simulation", panel, "yes")
    snakemake(tp53_run, "--cores", "2", "results/patients/LFS/report.json")
    report = json.loads((tp53_run / "results/patients/LFS/report.json").read_text())
    assert [f["pos"] for f in report["secondary_findings"]] == [15310]
    assert "Consent for secondary findings recorded" in report["secondary_findings_policy"]


RECLASSIFICATION = {
    "germline_panel",
    "two_hit",
    "patient_report",
    "cohort_fragment",
    "cohort_database",
    "cohort_tables",
    "all",
}


def test_reanalysis_reruns_only_annotation_classification_reports(tp53_run):
    _config(
        tp53_run,
        tp53_run.parent / "simulation",
        REPO / ".test/panels/test_tp53_segment.tsv",
        "no",
    )
    snakemake(tp53_run, "--cores", "2")
    assert planned_jobs(tp53_run) == {}
    # a new ClinVar release: annotation, classification, reports, cohort tables
    clinvar = tp53_run / "clinvar.vcf.gz"
    records = [line for line in pysam.BGZFile(str(clinvar)).read().decode().splitlines()]
    plain = tp53_run / "clinvar_new.vcf"
    plain.write_text("\n".join(records[:-1]) + "\n")  # one record withdrawn
    pysam.tabix_compress(str(plain), str(clinvar), force=True)
    pysam.tabix_index(str(clinvar), preset="vcf", force=True)
    jobs = set(planned_jobs(tp53_run))
    assert {"annotate", "germline_panel", "patient_report"} <= jobs
    assert jobs <= RECLASSIFICATION | {"annotate", "known_sites"}
    snakemake(tp53_run, "--cores", "2")
    # a classification threshold: classification, reports and cohort tables only
    config_path = tp53_run / "config" / "config.yaml"
    config = yaml.safe_load(config_path.read_text())
    config["classification"]["ba1"] = 0.04
    config_path.write_text(yaml.safe_dump(config, sort_keys=False))
    jobs = set(planned_jobs(tp53_run))
    assert "germline_panel" in jobs and jobs <= RECLASSIFICATION

"""Tests for icope.cli: validate, annotation and render, through click's test runner."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from icope import __version__
from icope.cli import main
from icope.core.annotation import GENE_TABLE_COLUMNS
from icope.report.patient_report import REPORT_SCHEMA_VERSION, secondary_findings_policy

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def runner():
    return CliRunner()


def test_version(runner):
    result = runner.invoke(main, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output


# --------------------------------------------------------------------------- validate


def test_validate_bundled_config(runner, monkeypatch, shared_data):
    monkeypatch.setenv("ICOPE_DATA_DIR", str(shared_data.root))
    monkeypatch.chdir(REPO)
    test_config = REPO / ".test" / "config" / "config.yaml"
    result = runner.invoke(main, ["validate", "--config", str(test_config)])
    assert result.exit_code == 0, result.output
    assert "data manifest:" in result.output
    assert "4 samples" in result.output
    assert "2 patients" in result.output
    assert "1 tumour/normal pairs" in result.output


def _config(tmp_path, sample_rows: list[str]) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    for name in ("N_1.fq.gz", "N_2.fq.gz", "T_1.fq.gz", "T_2.fq.gz"):
        (data / name).write_text("@r\nA\n+\nI\n")
    samples = tmp_path / "samples.tsv"
    samples.write_text(
        "patient\tsample\ttype\tsex\tsecondary_findings_consent\ttumour_only\n"
        + "".join(row + "\n" for row in sample_rows)
    )
    units = tmp_path / "units.tsv"
    units.write_text(
        "sample\tunit\tfq1\tfq2\tbam\tplatform\tlibrary\n"
        "PN\tL1\tN_1.fq.gz\tN_2.fq.gz\t\tILLUMINA\tlibN\n"
        "PT\tL1\tT_1.fq.gz\tT_2.fq.gz\t\tILLUMINA\tlibT\n"
    )
    # the bundled config (valid against the schema) pointed at the small sheets above
    settings = yaml.safe_load((REPO / ".test" / "config" / "config.yaml").read_text())
    settings.update(data_dir=str(data), data_manifest=None, samples=str(samples), units=str(units))
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(settings))
    return config


def test_validate_small_valid_config(runner, tmp_path):
    config = _config(
        tmp_path, ["P1\tPN\tnormal\tfemale\tyes\tno", "P1\tPT\ttumour\tfemale\tno\tno"]
    )
    result = runner.invoke(main, ["validate", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "data manifest" not in result.output
    assert result.output.strip() == "2 samples, 2 units, 1 patients, 1 tumour/normal pairs"


def test_validate_rejects_bad_sample_type(runner, tmp_path):
    config = _config(tmp_path, ["P1\tPN\tnormal\tfemale\tyes\tno", "P1\tPT\ttumor\tfemale\tno\tno"])
    result = runner.invoke(main, ["validate", "--config", str(config)])
    assert result.exit_code == 1
    assert "invalid input:" in result.output
    assert "line 3: field 'type'" in result.output
    assert "'tumor'" in result.output
    assert "samples," not in result.output


def test_validate_missing_data_dir(runner, tmp_path):
    config = _config(tmp_path, ["P1\tPN\tnormal\tfemale\tyes\tno"])
    settings = yaml.safe_load(config.read_text())
    settings["data_dir"] = str(tmp_path / "nowhere")
    config.write_text(yaml.safe_dump(settings))
    result = runner.invoke(main, ["validate", "--config", str(config)])
    assert result.exit_code == 1
    assert f"data_dir {tmp_path / 'nowhere'} is not a directory" in result.output


def test_validate_rejects_config_against_schema(runner, tmp_path):
    config = _config(tmp_path, ["P1\tPN\tnormal\tfemale\tyes\tno"])
    settings = yaml.safe_load(config.read_text())
    settings["qc"]["min_mean_depth"] = {"warn": 20}
    config.write_text(yaml.safe_dump(settings))
    result = runner.invoke(main, ["validate", "--config", str(config)])
    assert result.exit_code == 1
    assert "field 'qc.min_mean_depth': 'fail' is a required property" in result.output


def test_validate_config_must_exist(runner, tmp_path):
    result = runner.invoke(main, ["validate", "--config", str(tmp_path / "missing.yaml")])
    assert result.exit_code == 2
    assert "does not exist" in result.output


# --------------------------------------------------------------------------- annotation

GTF = """\
#!genome-build test
chr1\ttest\tgene\t11\t160\t.\t+\t.\tgene_id "G1"; gene_name "GENE1"; gene_biotype "protein_coding";
chr1\ttest\ttranscript\t11\t160\t.\t+\t.\tgene_id "G1"; transcript_id "T1"; gene_name "GENE1"; transcript_biotype "protein_coding";
chr1\ttest\texon\t11\t60\t.\t+\t.\tgene_id "G1"; transcript_id "T1"; exon_number "1";
chr1\ttest\texon\t101\t160\t.\t+\t.\tgene_id "G1"; transcript_id "T1"; exon_number "2";
chr1\ttest\tCDS\t21\t60\t.\t+\t0\tgene_id "G1"; transcript_id "T1";
chr1\ttest\tCDS\t101\t126\t.\t+\t2\tgene_id "G1"; transcript_id "T1";
chr1\ttest\tstop_codon\t127\t129\t.\t+\t0\tgene_id "G1"; transcript_id "T1";
chr1\ttest\ttranscript\t11\t140\t.\t+\t.\tgene_id "G1"; transcript_id "T1b"; gene_name "GENE1"; transcript_biotype "retained_intron";
chr1\ttest\texon\t11\t140\t.\t+\t.\tgene_id "G1"; transcript_id "T1b";
chr1\ttest\tgene\t310\t380\t.\t-\t.\tgene_id "G2"; gene_name "LNC1"; gene_biotype "lncRNA";
chr1\ttest\ttranscript\t310\t380\t.\t-\t.\tgene_id "G2"; transcript_id "T2"; transcript_biotype "lncRNA";
chr1\ttest\texon\t310\t330\t.\t-\t.\tgene_id "G2"; transcript_id "T2";
chr1\ttest\texon\t350\t380\t.\t-\t.\tgene_id "G2"; transcript_id "T2";
"""  # noqa: E501


def test_annotation_converts_gtf(runner, tmp_path):
    gtf = tmp_path / "genes.gtf"
    gtf.write_text(GTF)
    gff3, genes, tx2gene = tmp_path / "csq.gff3", tmp_path / "genes.tsv", tmp_path / "tx2gene.tsv"
    result = runner.invoke(
        main,
        ["annotation", str(gtf), "--gff3", str(gff3), "--genes", str(genes)]
        + ["--tx2gene", str(tx2gene)],
    )
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "2 genes, 3 transcripts"

    gff3_text = gff3.read_text()
    assert gff3_text.startswith("##gff-version 3\n")
    assert "ID=gene:G1;Name=GENE1;biotype=protein_coding" in gff3_text
    assert "ID=transcript:T1b;Parent=gene:G1" in gff3_text
    assert "ID=gene:G2;Name=LNC1;biotype=lncRNA" in gff3_text

    assert genes.read_text().splitlines() == [
        "\t".join(GENE_TABLE_COLUMNS),
        "G1\tGENE1\tchr1\t11\t160\t+\tprotein_coding",
        "G2\tLNC1\tchr1\t310\t380\t-\tlncRNA",
    ]
    assert tx2gene.read_text().splitlines() == ["T1\tG1", "T1b\tG1", "T2\tG2"]


def test_annotation_only_gff3(runner, tmp_path):
    gtf = tmp_path / "genes.gtf"
    gtf.write_text(GTF)
    result = runner.invoke(main, ["annotation", str(gtf), "--gff3", str(tmp_path / "o.gff3")])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["genes.gtf", "o.gff3"]


def test_annotation_requires_gff3(runner, tmp_path):
    gtf = tmp_path / "genes.gtf"
    gtf.write_text(GTF)
    result = runner.invoke(main, ["annotation", str(gtf)])
    assert result.exit_code == 2
    assert "--gff3" in result.output


# --------------------------------------------------------------------------- render


def _report_v2() -> dict:
    """A minimal report.json of the current schema: one normal sample, nothing found."""
    from icope.report import sections
    from icope.report.patient_report import DISCLAIMER

    return {
        "schema_version": REPORT_SCHEMA_VERSION,
        "patient": "P042",
        "generated": "2024-06-01T12:00:00+00:00",
        "pipeline": {"name": "icope", "version": "1.2.3"},
        "disclaimer": DISCLAIMER,
        "annotation_sources": {"reference": "GRCh38"},
        "software_versions": [{"tool": "samtools", "version": "1.20"}],
        "provenance": {
            "pipeline_version": "1.2.3",
            "git_commit": "unknown (not a git checkout)",
            "config_sha256": None,
            "input_files": [],
        },
        "secondary_findings_consent": False,
        "secondary_findings_policy": secondary_findings_policy(False),
        "samples": [
            {
                "sample": "S42<b>",
                "patient": "P042",
                "type": "normal",
                "sex": "male",
                "secondary_findings_consent": False,
                "tumour_only": False,
                "normal": None,
            }
        ],
        "qc": [],
        "qc_gate": sections.qc_gate([], {}),
        "identity": None,
        "analysis": {
            "germline": sections.status(),
            "somatic": sections.status("no tumour DNA sample"),
            "copy_number": sections.status("no tumour DNA sample"),
            "structural_variants": sections.status("no tumour DNA sample"),
            "two_hit": sections.status("no tumour DNA sample"),
            "rna": sections.status("no RNA sample"),
        },
        "panel": {"name": "p", "genes": ["TP53"], "max_population_af": 0.01, "consequences": []},
        "germline_findings": [],
        "germline_vus": [],
        "germline_filtered": [],
        "secondary_findings": None,
        "two_hit": [],
        "germline_panel_variants": [],
        "somatic_counts": {},
        "somatic_variants": [],
        "expression": [],
        "copy_number": {},
        "structural_variants": [],
        "summary": {
            "germline_findings": [],
            "two_hit": [],
            "key_somatic_events": [],
            "limitations": [],
        },
    }


def test_render(runner, tmp_path):
    source, html = tmp_path / "report.json", tmp_path / "report.html"
    source.write_text(json.dumps(_report_v2()))
    result = runner.invoke(main, ["render", str(source), str(html)])
    assert result.exit_code == 0, result.output
    text = html.read_text()
    assert text.startswith("<!DOCTYPE html>")
    assert "Patient P042" in text
    assert "S42&lt;b&gt;" in text
    assert "No consent for secondary findings" in text
    assert "No pathogenic or likely pathogenic germline variant in the panel genes." in text
    assert "Not analysed: no RNA sample" in text


def test_render_report_of_an_older_schema_names_the_field(runner, tmp_path):
    report = _report_v2()
    report["schema_version"] = 1
    del report["qc_gate"]
    source, html = tmp_path / "report.json", tmp_path / "report.html"
    source.write_text(json.dumps(report))
    result = runner.invoke(main, ["render", str(source), str(html)])
    assert result.exit_code == 1
    assert str(source) in result.output
    assert f"not a report.json of schema version {REPORT_SCHEMA_VERSION}" in result.output
    assert "qc_gate" in result.output or "schema_version" in result.output
    assert not html.exists()


def test_render_missing_report_key(runner, tmp_path):
    source, html = tmp_path / "report.json", tmp_path / "report.html"
    source.write_text(json.dumps({"patient": "P042"}))
    result = runner.invoke(main, ["render", str(source), str(html)])
    assert result.exit_code != 0
    assert not html.exists()


def test_render_missing_json(runner, tmp_path):
    result = runner.invoke(main, ["render", str(tmp_path / "nope.json"), str(tmp_path / "o.html")])
    assert result.exit_code == 2
    assert not (tmp_path / "o.html").exists()


def _fake_snakemake(monkeypatch):
    calls = []

    def fake_run(command, check=False):
        calls.append(command[3:])
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr("icope.cli.subprocess.run", fake_run)
    return calls


def test_run_unlocks_a_stale_lock_then_runs(runner, tmp_path, monkeypatch):
    (tmp_path / ".snakemake" / "locks").mkdir(parents=True)
    (tmp_path / ".snakemake" / "locks" / "0.output.lock").write_text("results/x\n")
    monkeypatch.chdir(tmp_path)
    calls = _fake_snakemake(monkeypatch)
    result = runner.invoke(main, ["run", "--profile", "profiles/local", "-n"])
    assert result.exit_code == 0, result.output
    assert "removing the stale lock" in result.output
    assert calls == [
        ["--profile", "profiles/local", "-n", "--unlock"],
        ["--profile", "profiles/local", "-n"],
    ]


def test_run_without_lock_only_runs(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    calls = _fake_snakemake(monkeypatch)
    result = runner.invoke(main, ["run", "--cores", "2"])
    assert result.exit_code == 0
    assert calls == [["--cores", "2"]]

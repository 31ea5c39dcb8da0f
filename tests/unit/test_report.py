"""Tests for icope.report: the report document and its self-contained HTML rendering."""

from __future__ import annotations

import copy
import json
import re

import pandas as pd
import pysam
import pytest

from icope import __version__
from icope.panel import PANEL_TABLE_COLUMNS
from icope.report import (
    GERMLINE_FIELDS,
    REPORT_SCHEMA_VERSION,
    SOMATIC_FIELDS,
    build_report,
    render_html,
    secondary_findings_policy,
    write_report,
)

CONSENTED = "The family consented to secondary findings"
NOT_CONSENTED = "No consent for secondary findings"


# --------------------------------------------------------------------------- policy


def test_policy_all_consented():
    text = secondary_findings_policy([True, True])
    assert text.startswith(CONSENTED)
    assert "configured panel" in text


@pytest.mark.parametrize("consents", [[True, False], [False], []])
def test_policy_without_full_consent(consents):
    assert secondary_findings_policy(consents) == (
        "No consent for secondary findings: only genes of the configured panel are reported."
    )


# --------------------------------------------------------------------------- render_html


def _germline(gene: str, panel_filter: str = "PASS", **kwargs) -> dict:
    row = dict.fromkeys(GERMLINE_FIELDS)
    row.update(
        sample="NA12878",
        chrom="chr22",
        pos=16575000,
        ref="C",
        alt="T",
        variant_type="SNV",
        id="rs42",
        genotype="0/1",
        depth=20,
        vaf=0.45,
        gene=gene,
        transcript="ENST1",
        consequence="missense",
        protein_change="10R>10W",
        gnomad_af=0.0001,
        filter="PASS",
        panel_filter=panel_filter,
    )
    row.update(kwargs)
    return row


@pytest.fixture
def report() -> dict:
    return {
        "schema_version": REPORT_SCHEMA_VERSION,
        "patient": "P001",
        "generated": "2024-06-01T12:00:00+00:00",
        "pipeline": {"name": "icope", "version": "9.9.9"},
        "annotation_sources": {"reference": "GRCh38_test", "gnomad": "gnomAD r2.1.1 (subset)"},
        "software_versions": [{"tool": "bcftools", "version": "1.20"}],
        "secondary_findings_policy": secondary_findings_policy([True]),
        "samples": [
            {
                "sample": "NA12878",
                "patient": "P001",
                "type": "normal",
                "sex": "female",
                "secondary_findings_consent": True,
                "tumour_only": False,
                "normal": None,
            }
        ],
        "qc": [
            {
                "sample": "NA12878",
                "patient": "P001",
                "type": "normal",
                "status": "fail",
                "reasons": "fail:mean_depth=6.15<10",
                "raw_reads": 1000,
                "reads_after_trimming": 990,
                "q30_rate": 0.9,
                "mapping_rate": 0.99,
                "duplication_rate": 0.01,
                "mean_depth": 6.15,
                "rna_mapping_rate": None,
            }
        ],
        "panel": {
            "name": "mini_panel",
            "genes": ["<script>alert(1)</script>", "TP53"],
            "max_population_af": 0.01,
            "consequences": ["missense"],
        },
        "germline_findings": [_germline("<script>alert(1)</script>")],
        "germline_panel_variants": [
            _germline("<script>alert(1)</script>"),
            _germline("TP53", "common:gnomAD_AF=0.2", gnomad_af=0.2, pos=16576000),
        ],
        "somatic_counts": {},
        "somatic_variants": [],
        "expression": [],
        "copy_number": {},
        "structural_variants": [],
    }


def test_render_names_patient_and_samples(report):
    html = render_html(report)
    assert "<title>Patient P001: molecular tumour board report</title>" in html
    assert "<h1>Patient P001</h1>" in html
    assert "<td>NA12878</td>" in html
    assert "icope 9.9.9" in html
    assert "fail:mean_depth=6.15&lt;10" in html
    assert "common:gnomAD_AF=0.2" in html
    assert "<td>bcftools</td><td>1.20</td>" in html
    assert "GRCh38_test" in html


def test_render_escapes_html(report):
    html = render_html(report)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_render_is_self_contained(report):
    html = render_html(report)
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.IGNORECASE)
    assert "<script" not in html.lower()
    assert "<link" not in html.lower()


def test_render_policy_text(report):
    html = render_html(report)
    assert secondary_findings_policy([True]) in html
    report["secondary_findings_policy"] = secondary_findings_policy([False])
    html = render_html(report)
    assert NOT_CONSENTED in html
    assert CONSENTED not in html


def test_render_empty_sections(report):
    html = render_html(report)
    assert "No RNA sample for this patient." in html
    assert "No tumour DNA sample for this patient." in html


def test_render_findings_and_absent_findings(report):
    html = render_html(report)
    assert "All 2 germline calls inside panel genes" in html
    assert "No reportable germline variant" not in html
    report["germline_findings"] = []
    assert "No reportable germline variant in the panel genes." in render_html(report)


def test_render_somatic_and_expression(report):
    report["somatic_counts"] = {"testT": {"candidates": 5, "pass": 2, "tumour_only": True}}
    report["somatic_variants"] = [
        {
            **dict.fromkeys(SOMATIC_FIELDS),
            "sample": "testT",
            "chrom": "chr22",
            "pos": 16580000,
            "ref": "G",
            "alt": "A",
            "gene": "XKR3",
            "consequence": "stop_gained",
            "tumour_depth": 40,
            "tumour_af": 0.25,
        }
    ]
    report["expression"] = [
        {"sample": "RNA1", "gene": "TP53", "gene_id": "ENSG1", "tpm": 12.3456, "num_reads": 100.0}
    ]
    html = render_html(report)
    assert "testT: 2 PASS of 5 candidates (tumour-only: no matched normal)." in html
    assert "chr22:16580000 G&gt;A" in html
    assert "stop_gained" in html
    assert "No RNA sample" not in html
    assert "<td>TP53</td><td>ENSG1</td><td>12.3</td>" in html


def test_render_missing_key_is_an_error(report):
    del report["expression"]
    with pytest.raises(Exception, match="expression"):
        render_html(report)


# --------------------------------------------------------------------------- build_report

SOMATIC_VCF = """\
##fileformat=VCFv4.2
##contig=<ID=chr22,length=50000000>
##FILTER=<ID=PASS,Description="All filters passed">
##FILTER=<ID=NotEnriched,Description="Not enriched in the tumour">
##INFO=<ID=BCSQ,Number=.,Type=String,Description="csq">
##INFO=<ID=TDP,Number=1,Type=Integer,Description="Tumour depth">
##INFO=<ID=TAF,Number=1,Type=Float,Description="Tumour AF">
##INFO=<ID=NDP,Number=1,Type=Integer,Description="Normal depth">
##INFO=<ID=NAF,Number=1,Type=Float,Description="Normal AF">
##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">
##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">
##FORMAT=<ID=AF,Number=A,Type=Float,Description="AF">
#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\ttestT\ttestN
chr22\t16580000\t.\tG\tA\t.\tPASS\tTDP=40;TAF=0.25;NDP=30;NAF=0;BCSQ=stop_gained|XKR3|ENST5|protein_coding|-|7W>7*|16580000G>A\tGT:DP:AD:AF\t0/1:40:30,10:0.25\t0/0:30:30,0:0
chr22\t16590000\t.\tC\tT\t.\tNotEnriched\tTDP=20;TAF=0.1;NDP=20;NAF=0.05\tGT:DP:AD:AF\t0/1:20:18,2:0.1\t0/1:20:19,1:0.05
chr22\t16600000\t.\tA\tC\t.\tPASS\tTDP=30;TAF=0.2;NDP=25;NAF=0\tGT:DP:AD:AF\t0/1:30:24,6:0.2\t0/0:25:25,0:0
"""  # noqa: E501

SAMPLES = {
    "NA12878": {
        "patient": "P001",
        "type": "normal",
        "sex": "female",
        "secondary_findings_consent": True,
        "tumour_only": False,
        "normal": None,
    },
    "GM12878_RNA": {
        "patient": "P001",
        "type": "rna",
        "sex": "female",
        "secondary_findings_consent": True,
        "tumour_only": False,
        "normal": None,
    },
    "testN": {
        "patient": "P002",
        "type": "normal",
        "sex": "unknown",
        "secondary_findings_consent": False,
        "tumour_only": False,
        "normal": None,
    },
    "testT": {
        "patient": "P002",
        "type": "tumour",
        "sex": "unknown",
        "secondary_findings_consent": False,
        "tumour_only": False,
        "normal": "testN",
    },
}
SOURCES = {"reference": "GRCh38_chr22_segment", "gnomad": "gnomAD r2.1.1 (subset)"}
PANEL_CONFIG = {
    "name": "test_panel",
    "max_population_af": 0.01,
    "consequences": ["missense", "stop_gained"],
}


def _panel_row(sample: str, pos: int, gene: str, panel_filter: str, **kwargs) -> dict:
    row = dict.fromkeys(PANEL_TABLE_COLUMNS, "")
    row.update(
        patient=SAMPLES[sample]["patient"],
        sample=sample,
        origin="germline",
        chrom="chr22",
        pos=pos,
        ref="C",
        alt="T",
        variant_type="SNV",
        id=".",
        qual=50.0,
        filter="PASS",
        genotype="0/1",
        depth=30,
        alt_depth=15,
        vaf=0.5,
        gene=gene,
        consequence="missense",
        protein_change="5A>5V",
        panel_gene=gene,
        panel_filter=panel_filter,
    )
    row.update(kwargs)
    return row


def _write_inputs(tmp_path, versions: list[tuple[str, str]] | None = None) -> dict:
    qc = pd.DataFrame(
        [
            ("NA12878", "P001", "normal", "pass", "", 1000, 990, 0.9, 0.99, 0.01, 35.0, None),
            ("GM12878_RNA", "P001", "rna", "pass", "", 800, 790, 0.9, None, None, None, 0.85),
            ("testT", "P002", "tumour", "warn", "warn:mean_depth=15<20", 900, 800, 0.9, 0.97,
             0.1, 15.0, None),
        ],
        columns=[
            "sample", "patient", "type", "status", "reasons", "raw_reads",
            "reads_after_trimming", "q30_rate", "mapping_rate", "duplication_rate",
            "mean_depth", "rna_mapping_rate",
        ],
    )  # fmt: skip
    qc.to_csv(tmp_path / "qc_summary.tsv", sep="\t", index=False, na_rep="")

    panel = pd.DataFrame(
        [
            _panel_row("NA12878", 16575000, "GENE1", "PASS", id="rs1", gnomad_af=0.0001),
            _panel_row("NA12878", 16576000, "GENE1", "common:gnomAD_AF=0.3", gnomad_af=0.3),
            _panel_row(
                "NA12878", 16577000, "GENE2", "not_protein_altering:synonymous",
                consequence="synonymous",
            ),
            _panel_row("NA12878", 16578000, "GENE2", "PASS", consequence="stop_gained"),
        ],
        columns=PANEL_TABLE_COLUMNS,
    )  # fmt: skip
    panel.to_csv(tmp_path / "germline_panel.tsv", sep="\t", index=False, na_rep="")

    genes = pd.DataFrame(
        [
            ("ENSG01", "GENE1", "chr22", 16570000, 16576500, "+", "protein_coding"),
            ("ENSG02", "GENE2", "chr22", 16576600, 16579000, "-", "protein_coding"),
            ("ENSG03", "OTHER", "chr22", 16590000, 16600000, "+", "lncRNA"),
        ],
        columns=["gene_id", "gene_name", "chrom", "start", "end", "strand", "biotype"],
    )
    genes.to_csv(tmp_path / "genes.tsv", sep="\t", index=False)
    pd.DataFrame(
        {
            "gene": ["GENE2", "GENE1"],
            "gene_id": ["ENSG02", "ENSG01"],
            "chrom": "chr22",
            "start": [16576600, 16570000],
            "end": [16579000, 16576500],
            "strand": ["-", "+"],
            "mode_of_inheritance": "AD",
            "mechanism": "LoF",
            "panel": "test_panel",
        }
    ).to_csv(tmp_path / "panel_genes.tsv", sep="\t", index=False)

    rows = versions or [("icope", __version__), ("bcftools", "1.19")]
    (tmp_path / "versions.tsv").write_text(
        "tool\tversion\n" + "".join(f"{t}\t{v}\n" for t, v in rows)
    )

    quant = tmp_path / "rna" / "GM12878_RNA" / "quant.genes.sf"
    quant.parent.mkdir(parents=True)
    quant.write_text(
        "Name\tLength\tEffectiveLength\tTPM\tNumReads\n"
        "ENSG01\t2000\t1800.5\t10.12345\t100.126\n"
        "ENSG02\t1500\t1300.0\t55.5\t300\n"
        "ENSG03\t900\t700.0\t999.0\t5000\n"
    )

    vcf = tmp_path / "somatic" / "testT.vcf"
    vcf.parent.mkdir()
    vcf.write_text(SOMATIC_VCF)
    somatic = pysam.tabix_index(str(vcf), preset="vcf", force=True)
    return {
        "qc": str(tmp_path / "qc_summary.tsv"),
        "panel": str(tmp_path / "germline_panel.tsv"),
        "genes": str(tmp_path / "genes.tsv"),
        "panel_genes": str(tmp_path / "panel_genes.tsv"),
        "versions": str(tmp_path / "versions.tsv"),
        "germline": [],
        "somatic": [somatic],
        "expression": [str(quant)],
    }


def test_build_report_germline_and_expression(tmp_path):
    inputs = _write_inputs(tmp_path)
    inputs["somatic"] = []
    report = build_report("P001", SAMPLES, inputs, SOURCES, PANEL_CONFIG)

    assert report["schema_version"] == REPORT_SCHEMA_VERSION
    assert report["patient"] == "P001"
    assert report["pipeline"] == {"name": "icope", "version": __version__}
    assert report["annotation_sources"] == SOURCES
    assert [s["sample"] for s in report["samples"]] == ["GM12878_RNA", "NA12878"]
    assert report["secondary_findings_policy"] == secondary_findings_policy([True, True])
    assert [q["sample"] for q in report["qc"]] == ["NA12878", "GM12878_RNA"]
    assert report["qc"][0]["reasons"] is None  # empty cell -> null, not NaN
    assert report["panel"] == {
        "name": "test_panel",
        "genes": ["GENE1", "GENE2"],
        "max_population_af": 0.01,
        "consequences": ["missense", "stop_gained"],
    }

    findings = report["germline_findings"]
    assert [(f["pos"], f["gene"], f["panel_filter"]) for f in findings] == [
        (16575000, "GENE1", "PASS"),
        (16578000, "GENE2", "PASS"),
    ]
    assert list(findings[0]) == GERMLINE_FIELDS
    assert findings[0]["id"] == "rs1"
    assert len(report["germline_panel_variants"]) == 4

    assert report["somatic_counts"] == {}
    assert report["somatic_variants"] == []

    expression = report["expression"]
    assert [(e["gene"], e["tpm"], e["num_reads"]) for e in expression] == [
        ("GENE2", 55.5, 300.0),
        ("GENE1", 10.123, 100.13),
    ]
    assert {e["sample"] for e in expression} == {"GM12878_RNA"}
    assert all(e["in_panel"] is True for e in expression)
    assert report["software_versions"][0] == {"tool": "icope", "version": __version__}
    json.dumps(report)  # JSON-safe throughout


def test_build_report_somatic(tmp_path):
    inputs = _write_inputs(tmp_path)
    inputs["expression"] = []
    report = build_report("P002", SAMPLES, inputs, SOURCES, PANEL_CONFIG)
    assert report["somatic_counts"] == {"testT": {"candidates": 3, "pass": 2, "tumour_only": False}}
    variants = report["somatic_variants"]
    assert [v["pos"] for v in variants] == [16580000, 16600000]
    assert list(variants[0]) == SOMATIC_FIELDS
    assert variants[0]["normal_sample"] == "testN"
    assert (variants[0]["gene"], variants[0]["consequence"]) == ("XKR3", "stop_gained")
    assert (variants[0]["tumour_depth"], variants[0]["tumour_af"]) == (40, 0.25)
    assert [q["sample"] for q in report["qc"]] == ["testT"]
    assert report["secondary_findings_policy"] == secondary_findings_policy([False, False])
    assert report["expression"] == []
    html = render_html(report)
    assert "testT: 2 PASS of 3 candidates." in html
    assert "No RNA sample for this patient." in html


def test_write_report_round_trip(tmp_path):
    inputs = _write_inputs(tmp_path)
    report = build_report("P002", SAMPLES, inputs, SOURCES, PANEL_CONFIG)
    write_report(report, str(tmp_path / "report.json"), str(tmp_path / "report.html"))
    loaded = json.loads((tmp_path / "report.json").read_text())
    assert loaded == json.loads(json.dumps(copy.deepcopy(report)))
    assert (tmp_path / "report.html").read_text() == render_html(loaded)


def test_build_report_keeps_version_strings(tmp_path):
    inputs = _write_inputs(tmp_path, versions=[("samtools", "1.20"), ("bcftools", "1.10")])
    report = build_report("P002", SAMPLES, inputs, SOURCES, PANEL_CONFIG)
    assert report["software_versions"] == [
        {"tool": "samtools", "version": "1.20"},
        {"tool": "bcftools", "version": "1.10"},
    ]

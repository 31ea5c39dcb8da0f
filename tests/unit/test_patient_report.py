"""Tests for icope.report.patient_report: the report document and its HTML."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
import struct
import subprocess
import zlib

import jsonschema
import pandas as pd
import pysam
import pytest

from icope import __version__
from icope.germline.acmg import GeneInfo, VariantEvidence, classify
from icope.germline.predisposition import FINDINGS_COLUMNS
from icope.germline.two_hit import TWO_HIT_COLUMNS
from icope.report import provenance, sections
from icope.report.patient_report import (
    DISCLAIMER,
    GERMLINE_FIELDS,
    REPORT_SCHEMA_VERSION,
    SOMATIC_FIELDS,
    build_report,
    render_html,
    secondary_findings_policy,
    validate_report,
    write_report,
)
from icope.rna.report import RNA_FIELDS
from icope.somatic.cnv import SEGMENT_COLUMNS
from icope.somatic.sv import TSV_COLUMNS as SV_COLUMNS

CONSENTED = "Consent for secondary findings recorded for the germline sample"
NOT_CONSENTED = "No consent for secondary findings"


def _png_1x1() -> bytes:
    """A valid 1x1 RGB PNG, written byte by byte (signature, IHDR, IDAT, IEND)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")  # filter byte 0, one red pixel
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


# --------------------------------------------------------------------------- policy


def test_policy_consent():
    text = secondary_findings_policy(True)
    assert text.startswith(CONSENTED)
    assert "outside the configured panel" in text
    assert "own section" in text


def test_policy_without_consent():
    assert secondary_findings_policy(False) == (
        "No consent for secondary findings (the default): only genes of the configured panel "
        "are analysed and reported; variants outside it were not classified."
    )
    assert secondary_findings_policy(False) != secondary_findings_policy(True)


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
        hgvs_p="p.Arg10Trp",
        gnomad_af=0.0001,
        filter="PASS",
        panel_filter=panel_filter,
        clinvar_significance="Pathogenic",
        clinvar_review="aggregate",
        mechanism="LoF",
        acmg_class="Likely pathogenic",
        acmg_points=9,
        acmg_criteria="PM2_Supporting;CLINVAR_P_VeryStrong",
        acmg_not_assessable="PP3;BP4",
        acmg_evidence="[]",
    )
    row.update(kwargs)
    return {**sections.germline_row(row, None), "qc_failed_samples": []}


def _two_hit(second_hit: str = "found", evidence: str = "") -> dict:
    row = dict.fromkeys(TWO_HIT_COLUMNS)
    row.update(
        patient="P001",
        tumour="testT",
        gene="TP53",
        chrom="chr17",
        pos=7675088,
        ref="C",
        alt="T",
        germline_class="Pathogenic",
        second_hit=second_hit,
        evidence=evidence,
    )
    return row


@pytest.fixture
def report() -> dict:
    return {
        "schema_version": REPORT_SCHEMA_VERSION,
        "patient": "P001",
        "generated": "2024-06-01T12:00:00+00:00",
        "pipeline": {"name": "icope", "version": "9.9.9"},
        "disclaimer": DISCLAIMER,
        "annotation_sources": {"reference": "GRCh38_test", "gnomad": "gnomAD r2.1.1 (subset)"},
        "software_versions": [{"tool": "bcftools", "version": "1.20"}],
        "provenance": {
            "pipeline_version": "9.9.9",
            "git_commit": "unknown (not a git checkout)",
            "config_sha256": None,
            "input_files": [{"file": "results/patients/P001/qc.tsv", "md5": "0" * 32}],
        },
        "secondary_findings_consent": True,
        "secondary_findings_policy": secondary_findings_policy(True),
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
        "qc_gate": sections.qc_gate(
            [{"sample": "NA12878", "status": "fail", "reasons": "fail:mean_depth=6.15<10"}],
            {"min_mean_depth": {"warn": 20, "fail": 10}},
        ),
        "identity": None,
        "analysis": dict.fromkeys(
            ("germline", "somatic", "copy_number", "structural_variants", "two_hit", "rna"),
            sections.status(),
        ),
        "germline_findings": [_germline("<script>alert(1)</script>")],
        "germline_vus": [],
        "germline_filtered": [],
        "secondary_findings": [],
        "two_hit": [],
        "germline_panel_variants": [
            _germline("<script>alert(1)</script>"),
            _germline(
                "TP53",
                "common:gnomAD_AF=0.2",
                gnomad_af=0.2,
                pos=16576000,
                acmg_class="Benign",
                acmg_criteria="BA1",
            ),
        ],
        "somatic_counts": {},
        "somatic_variants": [],
        "expression": [],
        "copy_number": {},
        "structural_variants": [],
        "summary": {
            "germline_findings": [],
            "two_hit": [],
            "key_somatic_events": [],
            "limitations": ["Somatic small variants: not analysed (no tumour DNA sample)."],
        },
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
    report["secondary_findings"] = [_germline("<script>alert(2)</script>", "outside_panel")]
    report["two_hit"] = [_two_hit("found", "<script>evidence</script>")]
    html = render_html(report)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html
    assert "&lt;script&gt;evidence&lt;/script&gt;" in html


def test_render_is_self_contained(report, tmp_path):
    plot = tmp_path / "testT.cnv.png"
    plot.write_bytes(_png_1x1())
    report["copy_number"] = {"testT": {"segments": [], "plot": str(plot)}}
    html = render_html(report)
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.IGNORECASE)
    assert "<script" not in html.lower()
    assert "<link" not in html.lower()
    sources = re.findall(r"""src\s*=\s*["']([^"']*)["']""", html, re.IGNORECASE)
    assert sources
    assert all(s.startswith("data:") for s in sources)


def test_render_policy_text(report):
    html = render_html(report)
    assert secondary_findings_policy(True) in html
    assert NOT_CONSENTED not in html
    report["secondary_findings_policy"] = secondary_findings_policy(False)
    html = render_html(report)
    assert secondary_findings_policy(False) in html
    assert NOT_CONSENTED in html
    assert CONSENTED not in html


def test_render_empty_sections(report):
    html = render_html(report)
    assert "No somatic structural variant passed the filters." in html
    assert "No germline pathogenic or likely pathogenic variant in a tumour-suppressor" in html


def test_render_not_analysed_sections_say_so(report):
    """Issue 13 defect 4: a section without data reads "not analysed" with the reason,
    never "no variant found"."""
    no_tumour = "no tumour DNA sample for this patient"
    report["analysis"].update(
        somatic=sections.status(no_tumour),
        copy_number=sections.status(no_tumour),
        structural_variants=sections.status(no_tumour),
        two_hit=sections.status(no_tumour),
        rna=sections.status("no RNA sample for this patient"),
    )
    html = render_html(report)
    assert "Not analysed: no RNA sample for this patient." in html
    for heading in ("Somatic small variants", "Copy number and loss of heterozygosity",
                    "Structural variants", "Two-hit analysis"):  # fmt: skip
        section = html.split(f"<h2>{heading}</h2>")[1].split("<h2>")[0]
        assert f"Not analysed: {no_tumour}." in section
    assert "No somatic structural variant passed the filters." not in html
    assert "tumour-suppressor" not in html.split("<h2>Two-hit analysis</h2>")[1].split("<h2>")[0]


def test_render_germline_not_analysed_never_reads_negative(report):
    """Issue 13 defect 4: a normal whose FASTQ held 0 reads (or an RNA-only patient)."""
    report["germline_findings"] = []
    report["analysis"]["germline"] = sections.status("the normal sample's FASTQ held 0 reads")
    html = render_html(report)
    assert "No pathogenic or likely pathogenic germline variant" not in html
    assert "Not analysed: the normal sample&#39;s FASTQ held 0 reads." in html


def test_render_findings_and_absent_findings(report):
    html = render_html(report)
    assert "All 2 germline calls inside panel genes" in html
    assert "<strong>Likely pathogenic</strong>" in html
    assert "<strong>Likely pathogenic</strong> (9)" in html
    assert "PM2_Supporting;CLINVAR_P_VeryStrong" in html
    assert "No pathogenic or likely pathogenic germline variant" not in html
    assert "Variants of uncertain significance" not in html
    report["germline_findings"] = []
    html = render_html(report)
    assert "No pathogenic or likely pathogenic germline variant in the panel genes" in html


def test_render_vus_section(report):
    report["germline_vus"] = [
        _germline("TP53", pos=16577777, acmg_class="Uncertain significance", acmg_points=1)
    ]
    html = render_html(report)
    assert "<h3>Variants of uncertain significance</h3>" in html
    assert "chr22:16577777 C&gt;T" in html
    assert "<strong>Uncertain significance</strong>" in html


def test_render_secondary_findings_without_consent(report):
    report["secondary_findings_consent"] = False
    report["secondary_findings_policy"] = secondary_findings_policy(False)
    report["secondary_findings"] = None
    html = render_html(report)
    section = html.split("<h2>Secondary findings</h2>")[1].split("<h2>")[0]
    assert "Not analysed: no consent" in section
    assert "<table>" not in section


def test_render_secondary_findings_with_consent(report):
    report["secondary_findings"] = [
        _germline(
            "BRCA2",
            "outside_panel",
            chrom="chr13",
            pos=32340300,
            ref="G",
            alt="GA",
            acmg_class="Pathogenic",
            acmg_criteria="PM2_Supporting;CLINVAR_P_VeryStrong",
        )
    ]
    html = render_html(report)
    section = html.split("<h2>Secondary findings</h2>")[1].split("<h2>")[0]
    assert "Not analysed" not in section
    assert "BRCA2" in section
    assert "chr13:32340300 G&gt;GA" in section
    assert "<strong>Pathogenic</strong>" in section


def test_render_secondary_findings_consent_but_none_found(report):
    html = render_html(report)
    section = html.split("<h2>Secondary findings</h2>")[1].split("<h2>")[0]
    assert "Consent recorded; no pathogenic or likely pathogenic variant outside the panel." in (
        section
    )


def test_render_two_hit(report):
    evidence = (
        "copy-number segment chr17:7000001-8000000: copy_neutral_LOH (log2 0.01, mirrored BAF 0.03)"
    )
    report["two_hit"] = [_two_hit("found", evidence)]
    html = render_html(report)
    section = html.split("<h2>Two-hit analysis</h2>")[1].split("<h2>")[0]
    assert "<td>TP53</td><td>chr17:7675088 C&gt;T</td><td>Pathogenic</td><td>testT</td>" in section
    assert "<td><strong>found</strong></td>" in section
    assert f"<td>{evidence}</td>" in section
    report["two_hit"] = []
    html = render_html(report)
    assert "No germline pathogenic or likely pathogenic variant in a tumour-suppressor" in html


def test_render_cnv_plot_is_embedded(report, tmp_path):
    png = _png_1x1()
    plot = tmp_path / "cnv" / "testT" / "testT.cnv.png"
    plot.parent.mkdir(parents=True)
    plot.write_bytes(png)
    segment = dict.fromkeys(SEGMENT_COLUMNS)
    segment.update(
        chrom="chr17", start=7000000, end=8000000, log2=-0.9, n_bins=40, n_het_snps=12,
        baf_mirrored_median=0.02, call="LOH_copy_loss",
    )  # fmt: skip
    report["copy_number"] = {"testT": {"segments": [segment], "plot": str(plot)}}
    html = render_html(report)
    uri = "data:image/png;base64," + base64.b64encode(png).decode()
    assert f'<img src="{uri}"' in html
    assert str(plot) not in html
    assert str(tmp_path) not in html
    assert not re.search(r"""src\s*=\s*["'](?!data:image/png;base64,)""", html)
    assert "<td>chr17:7000000-8000000</td><td>-0.9</td><td>40</td><td>12</td>" in html
    assert "LOH_copy_loss" in html


def test_render_missing_cnv_plot_has_no_image(report, tmp_path):
    report["copy_number"] = {"testT": {"segments": [], "plot": str(tmp_path / "absent.png")}}
    html = render_html(report)
    assert "<h3>testT</h3>" in html
    assert "<img" not in html


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
    assert "<td>TP53</td><td>ENSG1</td><td>12.35</td>" in html


@pytest.mark.parametrize(
    "key",
    [
        "expression",
        "germline_vus",
        "secondary_findings",
        "two_hit",
        "copy_number",
        "structural_variants",
    ],
)
def test_render_missing_key_is_an_error(report, key):
    del report[key]
    with pytest.raises(Exception, match=key):
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
        "secondary_findings_consent": True,
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
#: the class label the classifier gives a variant without evidence either way
UNCERTAIN = classify(VariantEvidence("GENE2", "missense"), GeneInfo("GENE2", "LoF")).classification


def _panel_row(
    sample: str, pos: int, gene: str, panel_filter: str, acmg_class: str, **kwargs
) -> dict:
    row = dict.fromkeys(FINDINGS_COLUMNS, "")
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
        hgvs_p="p.Ala5Val",
        panel_gene=gene,
        panel_filter=panel_filter,
        mechanism="LoF",
        mode_of_inheritance="AD",
        acmg_class=acmg_class,
        acmg_points=0,
        acmg_criteria="",
        acmg_not_assessable="PP3;BP4",
        acmg_evidence="[]",
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
            _panel_row(
                "NA12878", 16575000, "GENE1", "PASS", "Likely pathogenic", id="rs1",
                gnomad_af=0.0001, clinvar_significance="Pathogenic", clinvar_review="aggregate",
                acmg_points=9, acmg_criteria="PM2_Supporting;CLINVAR_P_VeryStrong",
            ),
            _panel_row(
                "NA12878", 16576000, "GENE1", "common:gnomAD_AF=0.3", "Benign", gnomad_af=0.3,
                acmg_points=-12, acmg_criteria="BA1",
            ),
            _panel_row(
                "NA12878", 16577000, "GENE2", "not_protein_altering:synonymous",
                "Likely benign", consequence="synonymous",
            ),
            _panel_row(
                "NA12878", 16578000, "GENE2", "PASS", "Pathogenic", consequence="stop_gained",
                acmg_points=17, acmg_criteria="PVS1;PM2_Supporting;CLINVAR_P_VeryStrong",
            ),
            _panel_row("NA12878", 16578500, "GENE2", "PASS", UNCERTAIN, acmg_points=1),
        ],
        columns=FINDINGS_COLUMNS,
    )  # fmt: skip
    panel.to_csv(tmp_path / "germline_panel.tsv", sep="\t", index=False, na_rep="")

    secondary = pd.DataFrame(
        [
            _panel_row(
                "NA12878", 16700000, "BRCA2", "outside_panel", "Pathogenic",
                consequence="stop_gained", panel_gene="", mechanism="", mode_of_inheritance="",
                clinvar_significance="Pathogenic", clinvar_review="reviewed_by_expert_panel",
                acmg_points=10, acmg_criteria="PM2_Supporting;CLINVAR_P_VeryStrong",
            ),
        ],
        columns=FINDINGS_COLUMNS,
    )  # fmt: skip
    secondary.to_csv(tmp_path / "secondary_findings.tsv", sep="\t", index=False, na_rep="")

    two_hit = dict.fromkeys(TWO_HIT_COLUMNS, "")
    two_hit.update(
        patient="P002", tumour="testT", gene="GENE2", chrom="chr22", pos=16578000, ref="C",
        alt="T", germline_class="Pathogenic", normal_vaf=0.5, tumour_vaf=0.83, tumour_depth=30,
        allelic_imbalance="mutant allele retained", cnv_call="copy_neutral_LOH",
        cnv_segment="chr22:16570001-16600000", second_hit="found",
        evidence="copy-number segment chr22:16570001-16600000: copy_neutral_LOH",
    )  # fmt: skip
    pd.DataFrame([two_hit], columns=TWO_HIT_COLUMNS).to_csv(
        tmp_path / "two_hit.tsv", sep="\t", index=False, na_rep=""
    )

    segments = tmp_path / "cnv" / "testT" / "testT.segments.tsv"
    segments.parent.mkdir(parents=True)
    segment = dict.fromkeys(SEGMENT_COLUMNS, "")
    segment.update(
        chrom="chr22", start=16570000, end=16600000, log2=0.01, n_bins=30, n_het_snps=8,
        baf_mirrored_median=0.03, call="copy_neutral_LOH",
    )  # fmt: skip
    pd.DataFrame([segment], columns=SEGMENT_COLUMNS).to_csv(segments, sep="\t", index=False)
    plot = segments.parent / "testT.cnv.png"
    plot.write_bytes(_png_1x1())

    sv = dict.fromkeys(SV_COLUMNS, "")
    sv.update(
        chrom="chr22", pos=16610000, end=16620000, svtype="DEL", svlen=-10000, id="sv1",
        filter="PASS", precise=True, tumour_alt_support=12, tumour_ref_support=30,
        normal_alt_support=0, normal_ref_support=35,
    )  # fmt: skip
    rejected = {**sv, "id": "sv2", "pos": 16630000, "filter": "NormalSupport"}
    pd.DataFrame([sv, rejected], columns=SV_COLUMNS).to_csv(
        tmp_path / "testT.sv.tsv", sep="\t", index=False
    )

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
        "secondary": str(tmp_path / "secondary_findings.tsv"),
        "two_hit": [str(tmp_path / "two_hit.tsv")],
        "genes": str(tmp_path / "genes.tsv"),
        "panel_genes": str(tmp_path / "panel_genes.tsv"),
        "versions": str(tmp_path / "versions.tsv"),
        "germline": [],
        "somatic": [somatic],
        "sv": [str(tmp_path / "testT.sv.tsv")],
        "cnv_segments": [str(segments)],
        "cnv_plots": [str(plot)],
        "expression": [str(quant)],
    }


def _patient1_inputs(tmp_path) -> dict:
    """Inputs of P001: germline and RNA only, no tumour."""
    inputs = _write_inputs(tmp_path)
    inputs.update(somatic=[], two_hit=[], sv=[], cnv_segments=[], cnv_plots=[])
    return inputs


#: kind in the per-sample manifest -> key of the rule's input lists _write_inputs returns
TUMOUR_FILES = {
    "somatic": "somatic",
    "sv": "sv",
    "cnv_segments": "cnv_segments",
    "cnv_plot": "cnv_plots",
}


def _files(inputs: dict, patient: str, samples: dict) -> dict:
    """The per-sample manifest of the files in ``inputs`` (testT's and GM12878_RNA's)."""
    files = {
        "testT": {kind: inputs[key][0] for kind, key in TUMOUR_FILES.items() if inputs.get(key)},
        "GM12878_RNA": (
            {"expression": inputs["expression"][0]} if inputs.get("expression") else {}
        ),
    }
    return {
        name: files.get(name, {}) for name, meta in samples.items() if meta["patient"] == patient
    }


def _build(patient: str, samples: dict, inputs: dict) -> dict:
    return build_report(
        patient, samples, inputs, SOURCES, PANEL_CONFIG, _files(inputs, patient, samples)
    )


def test_build_report_germline_and_expression(tmp_path):
    report = _build("P001", SAMPLES, _patient1_inputs(tmp_path))

    assert report["schema_version"] == REPORT_SCHEMA_VERSION
    assert report["patient"] == "P001"
    assert report["pipeline"] == {"name": "icope", "version": __version__}
    assert report["annotation_sources"] == SOURCES
    assert [s["sample"] for s in report["samples"]] == ["GM12878_RNA", "NA12878"]
    assert report["secondary_findings_consent"] is True
    assert report["secondary_findings_policy"] == secondary_findings_policy(True)
    assert [q["sample"] for q in report["qc"]] == ["NA12878", "GM12878_RNA"]
    assert report["qc"][0]["reasons"] is None  # empty cell -> null, not NaN
    assert report["panel"] == {
        "name": "test_panel",
        "genes": ["GENE1", "GENE2"],
        "max_population_af": 0.01,
        "consequences": ["missense", "stop_gained"],
    }

    findings = report["germline_findings"]
    assert [(f["pos"], f["gene"], f["acmg_class"]) for f in findings] == [
        (16575000, "GENE1", "Likely pathogenic"),
        (16578000, "GENE2", "Pathogenic"),
    ]
    assert list(findings[0]) == [*GERMLINE_FIELDS, "clinvar", "qc_failed_samples", *RNA_FIELDS]
    assert findings[0]["id"] == "rs1"
    assert findings[0]["clinvar_review"] == "aggregate"
    assert findings[1]["acmg_criteria"] == "PVS1;PM2_Supporting;CLINVAR_P_VeryStrong"
    assert findings[1]["mechanism"] == "LoF"
    assert len(report["germline_panel_variants"]) == 5

    secondary = report["secondary_findings"]
    assert [(s["pos"], s["gene"], s["acmg_class"]) for s in secondary] == [
        (16700000, "BRCA2", "Pathogenic")
    ]
    assert list(secondary[0]) == [*GERMLINE_FIELDS, "clinvar", "qc_failed_samples", *RNA_FIELDS]
    assert secondary[0]["panel_filter"] == "outside_panel"

    assert report["two_hit"] == []  # no tumour: always a list (issue 13 defect 8)
    assert report["analysis"]["two_hit"] == sections.status("no tumour DNA sample for this patient")
    assert report["somatic_counts"] == {}
    assert report["somatic_variants"] == []
    assert report["copy_number"] == {}
    assert report["structural_variants"] == []

    expression = report["expression"]
    assert [(e["gene"], e["tpm"], e["num_reads"]) for e in expression] == [
        ("GENE2", 55.5, 300.0),
        ("GENE1", 10.123, 100.13),
    ]
    assert {e["sample"] for e in expression} == {"GM12878_RNA"}
    assert all(e["in_panel"] is True for e in expression)
    assert report["software_versions"][0] == {"tool": "icope", "version": __version__}
    json.dumps(report, allow_nan=False)  # JSON-safe throughout

    html = render_html(report)
    section = html.split("<h2>Secondary findings</h2>")[1].split("<h2>")[0]
    assert "chr22:16700000 C&gt;T" in section
    assert "Not analysed" not in section
    assert "Not analysed: no tumour DNA sample for this patient." in html


def test_build_report_vus_uses_classifier_label(tmp_path):
    """Variants the classifier calls uncertain are the report's VUS, not findings."""
    assert UNCERTAIN == "Uncertain significance"
    report = _build("P001", SAMPLES, _patient1_inputs(tmp_path))
    assert [(v["pos"], v["acmg_class"]) for v in report["germline_vus"]] == [(16578500, UNCERTAIN)]
    assert list(report["germline_vus"][0]) == [
        *GERMLINE_FIELDS,
        "clinvar",
        "qc_failed_samples",
        *RNA_FIELDS,
    ]
    assert 16578500 not in [f["pos"] for f in report["germline_findings"]]
    html = render_html(report)
    assert "<h3>Variants of uncertain significance</h3>" in html
    assert "chr22:16578500 C&gt;T" in html


def test_build_report_somatic(tmp_path):
    inputs = _write_inputs(tmp_path)
    inputs["expression"] = []
    report = _build("P002", SAMPLES, inputs)
    assert report["somatic_counts"] == {"testT": {"candidates": 3, "pass": 2, "tumour_only": False}}
    variants = report["somatic_variants"]
    assert [v["pos"] for v in variants] == [16580000, 16600000]
    assert list(variants[0]) == [*SOMATIC_FIELDS, "qc_failed_samples", *RNA_FIELDS]
    assert variants[0]["normal_sample"] == "testN"
    assert (variants[0]["gene"], variants[0]["consequence"]) == ("XKR3", "stop_gained")
    assert (variants[0]["tumour_depth"], variants[0]["tumour_af"]) == (40, 0.25)
    assert [q["sample"] for q in report["qc"]] == ["testT"]
    assert report["expression"] == []
    json.dumps(report, allow_nan=False)
    html = render_html(report)
    assert "testT: 2 PASS of 3 candidates." in html
    assert "Not analysed: no RNA sample for this patient." in html


def test_build_report_consent_is_the_germline_samples(tmp_path):
    # testT (tumour) consented, testN (the germline sample) did not: no secondary findings,
    # even though a secondary findings table is given.
    report = _build("P002", SAMPLES, _write_inputs(tmp_path))
    assert report["secondary_findings_consent"] is False
    assert report["secondary_findings_policy"] == secondary_findings_policy(False)
    assert report["secondary_findings"] is None
    html = render_html(report)
    section = html.split("<h2>Secondary findings</h2>")[1].split("<h2>")[0]
    assert "Not analysed: no consent" in section
    assert "BRCA2" not in html
    assert "16700000" not in html


def test_build_report_without_germline_sample_has_no_consent(tmp_path):
    samples = {k: v for k, v in SAMPLES.items() if k != "testN"}
    samples["testT"] = {**samples["testT"], "normal": None, "tumour_only": True}
    report = _build("P002", samples, _write_inputs(tmp_path))
    assert report["secondary_findings_consent"] is False
    assert report["secondary_findings"] is None


def test_build_report_two_hit_copy_number_and_sv(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the rule runs in the run directory
    inputs = _write_inputs(tmp_path)
    report = _build("P002", SAMPLES, inputs)

    assert [(h["gene"], h["second_hit"], h["tumour"]) for h in report["two_hit"]] == [
        ("GENE2", "found", "testT")
    ]
    assert list(report["two_hit"][0]) == [*TWO_HIT_COLUMNS, "qc_failed_samples"]

    assert list(report["copy_number"]) == ["testT"]
    cn = report["copy_number"]["testT"]
    assert cn["plot"] == "cnv/testT/testT.cnv.png"  # relative to the run directory
    assert [(s["chrom"], s["start"], s["end"], s["call"]) for s in cn["segments"]] == [
        ("chr22", 16570000, 16600000, "copy_neutral_LOH")
    ]

    assert [v["id"] for v in report["structural_variants"]] == ["sv1"]
    assert report["structural_variants"][0]["svtype"] == "DEL"
    json.dumps(report, allow_nan=False)

    html = render_html(report)
    section = html.split("<h2>Two-hit analysis</h2>")[1].split("<h2>")[0]
    assert "<td><strong>found</strong></td>" in section
    assert "copy-number segment chr22:16570001-16600000: copy_neutral_LOH" in section
    uri = "data:image/png;base64," + base64.b64encode(_png_1x1()).decode()
    assert f'<img src="{uri}"' in html
    assert inputs["cnv_plots"][0] not in html
    assert str(tmp_path) not in html
    assert "<td>DEL</td><td>chr22:16610000</td>" in html
    assert "16630000" not in html


def test_write_report_round_trip(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    inputs = _write_inputs(tmp_path)
    report = _build("P002", SAMPLES, inputs)
    write_report(report, str(tmp_path / "report.json"), str(tmp_path / "report.html"))
    loaded = json.loads((tmp_path / "report.json").read_text())
    assert loaded == json.loads(json.dumps(copy.deepcopy(report)))
    assert (tmp_path / "report.html").read_text() == render_html(loaded)


def test_build_report_keeps_version_strings(tmp_path):
    inputs = _write_inputs(tmp_path, versions=[("samtools", "1.20"), ("bcftools", "1.10")])
    report = _build("P002", SAMPLES, inputs)
    assert report["software_versions"] == [
        {"tool": "samtools", "version": "1.20"},
        {"tool": "bcftools", "version": "1.10"},
    ]


def test_build_report_takes_samples_from_the_manifest(tmp_path):
    # Two tumours "T" and "T_2" ("T" is a prefix of "T_2"), each with files named after the
    # other: the manifest alone says whose segments, plot and calls they are.
    inputs = _write_inputs(tmp_path)
    segments = tmp_path / "cnv" / "testT" / "testT.segments.tsv"
    other = pd.read_csv(segments, sep="\t").assign(call="gain", log2=0.6)
    other_segments = tmp_path / "cnv" / "T" / "T.segments.tsv"
    other_segments.parent.mkdir(parents=True)
    other.to_csv(other_segments, sep="\t", index=False)
    tumour = {**SAMPLES["testT"], "patient": "P9", "normal": "N"}
    samples = {
        "N": {**SAMPLES["testN"], "patient": "P9"},
        "T": tumour,
        "T_2": {**tumour, "normal": None, "tumour_only": True},
    }
    files = {
        "N": {},
        "T": {
            "somatic": inputs["somatic"][0],
            "cnv_segments": str(segments),
            "cnv_plot": str(tmp_path / "cnv" / "T" / "T_2.cnv.png"),
        },
        "T_2": {"somatic": inputs["somatic"][0], "cnv_segments": str(other_segments)},
    }
    report = build_report("P9", samples, inputs, SOURCES, PANEL_CONFIG, files)
    assert report["somatic_counts"] == {
        "T": {"candidates": 3, "pass": 2, "tumour_only": False},
        "T_2": {"candidates": 3, "pass": 2, "tumour_only": True},
    }
    # the matched normal of each tumour comes from the sheet's metadata of that tumour
    assert [v["normal_sample"] for v in report["somatic_variants"]] == ["N", "N", None, None]
    assert list(report["copy_number"]) == ["T", "T_2"]
    assert report["copy_number"]["T"]["segments"][0]["call"] == "copy_neutral_LOH"
    assert report["copy_number"]["T"]["plot"] == "T_2.cnv.png"  # outside the run directory
    assert report["copy_number"]["T_2"]["segments"][0]["call"] == "gain"
    assert report["copy_number"]["T_2"]["plot"] is None
    assert report["structural_variants"] == []
    assert report["expression"] == []


# --------------------------------------------------------------------------- issue 13


def _all_values(value):
    """Every scalar of a nested JSON document."""
    if isinstance(value, dict):
        for item in value.values():
            yield from _all_values(item)
    elif isinstance(value, list):
        for item in value:
            yield from _all_values(item)
    else:
        yield value


def test_filtered_call_is_not_a_finding(tmp_path):
    """Issue 13 defect 1: P002 chr22:3140 A>G, depth 1, FILTER LowDepth, was a VUS."""
    inputs = _write_inputs(tmp_path)
    panel = pd.read_csv(inputs["panel"], sep="\t", keep_default_na=False)
    low = _panel_row("NA12878", 3140, "GENE2", "call_filter:LowDepth", UNCERTAIN, ref="A",
                     alt="G", filter="LowDepth", depth=1, vaf=1.0, genotype="1/1")  # fmt: skip
    lp = _panel_row("NA12878", 3150, "GENE2", "call_filter:LowQual", "Likely pathogenic",
                    filter="LowQual", depth=3)  # fmt: skip
    pd.concat([panel, pd.DataFrame([low, lp])]).to_csv(
        inputs["panel"], sep="\t", index=False, na_rep=""
    )
    report = _build("P001", SAMPLES, _patient1_inputs_from(inputs))
    assert 3140 not in [v["pos"] for v in report["germline_vus"]]
    assert 3150 not in [v["pos"] for v in report["germline_findings"]]
    assert all(v["filter"] == "PASS" for v in report["germline_findings"] + report["germline_vus"])
    assert [(v["pos"], v["filter"], v["depth"]) for v in report["germline_filtered"]] == [
        (3140, "LowDepth", 1),
        (3150, "LowQual", 3),
    ]
    html = render_html(report)
    assert "<h3>Filtered calls (not reported as findings)</h3>" in html
    filtered = html.split("Filtered calls (not reported as findings)")[1].split("</table>")[0]
    assert '<td>chr22:3140 A&gt;G</td><td class="warn">LowDepth</td><td>1</td>' in filtered
    findings = html.split("Germline findings in panel")[1].split("Filtered calls")[0]
    assert "<th>Depth</th><th>VAF</th><th>FILTER</th>" in findings
    assert "chr22:3140 " not in findings


def _patient1_inputs_from(inputs: dict) -> dict:
    return {**inputs, "somatic": [], "two_hit": [], "sv": [], "cnv_segments": [], "cnv_plots": []}


def test_germline_not_analysed_without_normal_or_reads(tmp_path):
    """Issue 13 defect 4: an RNA-only patient and a normal whose FASTQ held 0 reads."""
    inputs = _patient1_inputs(tmp_path)
    rna_only = {k: v for k, v in SAMPLES.items() if k != "NA12878"}
    report = _build("P001", rna_only, inputs)
    assert report["analysis"]["germline"] == sections.status(
        "no normal (germline) sample for this patient"
    )
    assert report["germline_findings"] == [] and report["germline_vus"] == []
    html = render_html(report)
    assert "No pathogenic or likely pathogenic germline variant" not in html
    assert "Not analysed: no normal (germline) sample for this patient." in html

    qc = pd.read_csv(inputs["qc"], sep="\t")
    qc.loc[qc["sample"] == "NA12878", ["raw_reads", "reads_after_trimming"]] = 0
    qc.to_csv(inputs["qc"], sep="\t", index=False)
    report = _build("P001", SAMPLES, inputs)
    reason = report["analysis"]["germline"]["reason"]
    assert reason == "the normal (germline) sample's FASTQ held 0 reads (NA12878)"
    assert report["germline_findings"] == []
    html = render_html(report)
    assert "No pathogenic or likely pathogenic germline variant" not in html
    assert "FASTQ held 0 reads" in html.split("<h2>Summary</h2>")[1].split("</section>")[0]


def test_patient_without_tumour_has_no_negative_sv_statement(tmp_path):
    """Issue 13 defect 4: "No somatic structural variant passed the filters" without tumour."""
    report = _build("P001", SAMPLES, _patient1_inputs(tmp_path))
    for section in ("somatic", "copy_number", "structural_variants", "two_hit"):
        assert report["analysis"][section]["status"] == "not analysed"
    html = render_html(report)
    assert "No somatic structural variant passed the filters." not in html
    sv = html.split("<h2>Structural variants</h2>")[1].split("<h2>")[0]
    assert "Not analysed: no tumour DNA sample for this patient." in sv


def test_failed_qc_sample_marks_front_page_and_findings(tmp_path):
    """Issue 13 defect 5: P002's mean depth 6 < 10 changed nothing else in the report."""
    inputs = _write_inputs(tmp_path)
    qc = pd.read_csv(inputs["qc"], sep="\t")
    qc.loc[qc["sample"] == "NA12878", ["status", "reasons", "mean_depth"]] = [
        "fail", "fail:mean_depth=6.15<10", 6.15,
    ]  # fmt: skip
    qc.to_csv(inputs["qc"], sep="\t", index=False)
    thresholds = {"min_mean_depth": {"warn": 20, "fail": 10}}
    report = build_report(
        "P001", SAMPLES, _patient1_inputs_from(inputs), SOURCES, PANEL_CONFIG,
        _files(inputs, "P001", SAMPLES), qc_thresholds=thresholds,
    )  # fmt: skip
    gate = report["qc_gate"]
    assert gate["verdict"] == "fail" and gate["failed_samples"] == ["NA12878"]
    assert gate["thresholds"] == thresholds
    assert all(f["qc_failed_samples"] == ["NA12878"] for f in report["germline_findings"])
    assert all(e["qc_failed_samples"] == [] for e in report["expression"])  # RNA passed
    html = render_html(report)
    front = html.split("<h2>Summary</h2>")[1].split("</section>")[0]
    assert (
        '<div class="banner" id="qc-banner">QC FAILED: NA12878\n(fail:mean_depth=6.15&lt;10)'
        in (front)
    )
    assert "min mean depth warn 20 / fail 10" in html
    table = html.split("Germline findings in panel")[1].split("</table>")[0]
    assert table.count("QC failed: NA12878") == len(report["germline_findings"]) == 2


def test_front_page_summary_comes_first(tmp_path):
    inputs = _write_inputs(tmp_path)
    report = _build("P002", SAMPLES, inputs)
    html = render_html(report)
    assert html.index("<h2>Summary</h2>") < html.index("<h2>Samples</h2>")
    front = html.split("<h2>Summary</h2>")[1].split("</section>")[0]
    for label in ("Patient", "Samples", "Consent for secondary findings", "QC verdict",
                  "Identity check", "Germline P/LP", "Two-hit", "Key somatic events",
                  "Limitations of this run"):  # fmt: skip
        assert f"<th>{label}</th>" in front
    assert "not assessed (no identity check in this run)" in front
    assert "GENE2 in testT: found (copy_neutral_LOH)" in front
    assert "XKR3 chr22:16580000 G&gt;A stop_gained" in front
    assert "Sample identity: not assessed" in " ".join(report["summary"]["limitations"])


def test_identity_mismatch_is_a_front_page_banner(report):
    html = render_html(report)
    assert "identity-banner" not in html
    pair = {"sample_a": "NA12878", "type_a": "normal", "sample_b": "T", "type_b": "tumour",
            "sites_compared": 40, "concordant": 22, "concordance": 0.55, "verdict": "MISMATCH",
            "reason": "concordance 0.55 < 0.9 over 40 sites"}  # fmt: skip
    report["identity"] = {
        "patient": "P001", "sites_considered": 50, "pairs": [pair], "sex": [],
        "verdict": "MISMATCH", "reason": "identity check failed: NA12878 vs T", "thresholds": {},
    }  # fmt: skip
    html = render_html(report)
    front = html.split("<h2>Summary</h2>")[1].split("</section>")[0]
    assert "SAMPLE IDENTITY MISMATCH: identity check failed: NA12878 vs T." in front
    section = html.split("<h2>Sample identity</h2>")[1].split("<h2>")[0]
    assert (
        "<td>T (tumour)</td><td>NA12878 (normal)</td><td>40</td><td>22</td><td>0.55</td>" in section
    )
    assert "50 common SNP sites considered" in section
    report["identity"] = {**report["identity"], "verdict": "pass", "reason": "1 of 1 checks match"}
    assert "identity-banner" not in render_html(report)


def test_criteria_text_names_review_status_in_clinvar_words():
    evidence = [{"code": "CLINVAR_P", "strength": "very_strong", "met": True, "points": 8,
                 "evidence": "ClinVar 'Pathogenic' (review 'aggregate'): very strong"}]  # fmt: skip
    (line,) = sections.criteria_text(evidence)
    assert "aggregate" not in line
    assert "(review: criteria provided, multiple submitters, no conflicts, 2 stars)" in line


def test_clinvar_beside_our_class_and_disagreement():
    """TP53 R175H: ClinVar Pathogenic (aggregate = 2 stars), ours Likely pathogenic."""
    row = _germline("TP53", clinvar_significance="Pathogenic", clinvar_review="aggregate")
    shown = sections.clinvar_display(row, "curated TP53 records")
    assert shown == {
        "significance": "Pathogenic",
        "stars": 2,
        "review_status": "criteria provided, multiple submitters, no conflicts",
        "release": "curated TP53 records",
        "shown": True,
        "agrees": False,
    }
    expert = sections.clinvar_display(
        {**row, "clinvar_significance": "Pathogenic/Likely_pathogenic",
         "clinvar_review": "reviewed_by_expert_panel"}, None,
    )  # fmt: skip
    assert expert["stars"] == 3 and expert["agrees"] is True
    one_star = sections.clinvar_display({**row, "clinvar_review": "submission"}, None)
    assert one_star["shown"] is False


def test_render_clinvar_and_criteria_text(report):
    """Issue 13 defect 6: review status in stars and ClinVar words, never "aggregate"; no
    "ClinVar assertions weighted by review status" without a ClinVar file."""
    evidence = [
        {"code": "CLINVAR_P", "strength": "very_strong", "met": True, "points": 8,
         "evidence": "ClinVar Pathogenic (2 stars)"},
        {"code": "PM2", "strength": "moderate", "met": None, "points": 0, "evidence": "no data"},
    ]  # fmt: skip
    row = sections.germline_row(
        _germline("TP53", acmg_evidence=json.dumps(evidence)), "ClinVar 2024-05"
    )
    assert row["acmg_evidence"] == evidence  # typed, not JSON text
    report["germline_findings"] = [row]
    html = render_html(report)
    assert "ClinVar assertions weighted" not in html
    assert "No ClinVar file configured" in html
    table = html.split("Germline findings in panel")[1].split("</table>")[0]
    assert "aggregate" not in table
    assert "★★☆☆ criteria provided, multiple submitters, no conflicts; release ClinVar 2024-05" in (
        table
    )
    assert '<span class="disagree">Disagrees with our class</span>' in table
    assert "<li>CLINVAR_P (very_strong, +8): ClinVar Pathogenic (2 stars)</li>" in table
    assert "PM2 (" not in table  # not met
    report["annotation_sources"]["clinvar"] = "ClinVar 2024-05"
    assert "ClinVar (ClinVar 2024-05): its class is shown beside ours" in render_html(report)


@pytest.mark.parametrize(
    ("value", "text"),
    [(0.9996, "0.9996"), (12934.5, "12,934"), (6.15, "6.15"), (0.0001, "0.0001"),
     (3.2e-05, "3.2e-05"), (1.0, "1"), (25000, "25,000"), (None, "–"), (-0.9, "-0.9"),
     (32.35, "32.35"), (0.99996, "0.99996"), (0.9999999, "0.999999")],
)  # fmt: skip
def test_number_formats(value, text):
    """Issue 13 defect 6: mapping rate 0.9996 printed "1", TPM "1.29e+04"."""
    assert sections.format_number(value) == text


def test_plural_gene_count(report):
    report["panel"]["genes"] = ["TP53"]
    assert "1 gene: TP53." in render_html(report)
    assert sections.plural(2, "gene") == "2 genes"


def test_segment_not_assessable_reason_and_supporting_svs():
    """Issue 13 defect 3: the TP53 segment is "neutral" with 3 het SNPs, BAF 0.816."""
    segment = {"chrom": "chr17", "start": 4965, "end": 32772, "log2": 0.0157, "n_bins": 28,
               "n_het_snps": 3, "baf_mirrored_median": 0.8158, "call": "neutral",
               "allelic_state": "not_assessable"}  # fmt: skip
    svs = [{"chrom": "chr17", "pos": 20000, "end": 40000, "svtype": "DEL"},
           {"chrom": "chr17", "pos": 40000, "end": 50000, "svtype": "DUP"}]  # fmt: skip
    [annotated] = sections.annotate_segments([segment], svs)
    assert annotated["not_assessable_reason"] == (
        "allelic state not assessable: only 3 heterozygous SNPs"
    )
    reasoned = {
        **segment,
        "state_reason": "not assessable: 3 het SNPs < 10",
        "supporting_svs": "a;b",
    }
    [given] = sections.annotate_segments([reasoned], svs)
    assert given["not_assessable_reason"] == "not assessable: 3 het SNPs < 10"
    assert given["supporting_svs"] == ["a", "b"]
    assert annotated["supporting_svs"] == ["DEL chr17:20000"]
    assert sections.segment_reason({**segment, "allelic_state": "imbalanced"}) is None
    no_bins = {**segment, "log2": None, "n_bins": 0, "call": "not_assessable"}
    assert sections.segment_reason(no_bins) == "not assessable: 0 coverage bins with a copy ratio"


def test_render_segment_evidence(report):
    segment = {"chrom": "chr17", "start": 4965, "end": 32772, "log2": 0.0157, "n_bins": 28,
               "n_het_snps": 3, "baf_mirrored_median": 0.8158, "call": "neutral",
               "allelic_state": "not_assessable"}  # fmt: skip
    report["copy_number"] = {
        "T": {"segments": sections.annotate_segments([segment], []), "plot": None}
    }
    html = render_html(report)
    assert (
        "<td>chr17:4965-32772</td><td>0.0157</td><td>28</td><td>3</td>\n<td>0.8158</td>"
        "<td>neutral</td><td>not assessable</td><td>none</td>"
        "<td>allelic state not assessable: only 3"
    ) in html


def test_report_json_is_typed_and_has_one_missing_value(tmp_path, monkeypatch):
    """Issue 13 defect 8: acmg_evidence JSON in a string, '' and null, two_hit null or [],
    an absolute path in provenance, no checksums."""
    monkeypatch.chdir(tmp_path)
    inputs = _write_inputs(tmp_path)
    sources = {**SOURCES, "annotation": f"{tmp_path}/ref/genes.gtf (GENCODE v38)"}
    config = {"samples": str(tmp_path / "samples.tsv"), "qc": {}}
    for patient, inputs_of in (("P001", _patient1_inputs_from(inputs)), ("P002", inputs)):
        report = build_report(
            patient, SAMPLES, inputs_of, sources, PANEL_CONFIG,
            _files(inputs_of, patient, SAMPLES), config=config, checkout=tmp_path,
        )  # fmt: skip
        validate_report(report)
        assert isinstance(report["two_hit"], list)
        values = list(_all_values(report))
        assert "" not in values
        assert not any(isinstance(v, str) and str(tmp_path) in v for v in values)
        assert report["annotation_sources"]["annotation"] == "genes.gtf (GENCODE v38)"
        for row in report["germline_panel_variants"]:
            assert isinstance(row["acmg_evidence"], list)
        prov = report["provenance"]
        assert prov["git_commit"] == "unknown (not a git checkout)"
        assert re.fullmatch("[0-9a-f]{64}", prov["config_sha256"])
        files = {f["file"]: f["md5"] for f in prov["input_files"]}
        assert (
            files["qc_summary.tsv"]
            == hashlib.md5((tmp_path / "qc_summary.tsv").read_bytes()).hexdigest()
        )
        assert all(not name.startswith("/") for name in files)


def test_schema_rejects_the_old_shapes(report):
    validate_report(report)
    for key, value in (("two_hit", None), ("germline_vus", [{"acmg_evidence": "[]"}])):
        broken = copy.deepcopy(report)
        broken[key] = value
        with pytest.raises(jsonschema.ValidationError):
            validate_report(broken)
    broken = copy.deepcopy(report)
    broken["germline_findings"][0]["clinvar"] = {**sections.clinvar_display(
        broken["germline_findings"][0], None), "review_status": "aggregate"}  # fmt: skip
    with pytest.raises(jsonschema.ValidationError):
        validate_report(broken)


def test_git_commit_of_a_checkout(tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "f").write_text("x")
    git = ["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "add", "f"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "x"], check=True)
    head = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True)
    assert provenance.git_commit(tmp_path) == head.stdout.strip()
    assert provenance.git_commit(tmp_path / "absent") == "unknown (not a git checkout)"


def test_delly_and_cnvkit_versions_are_collected():
    from icope.core.versions import TOOLS

    assert {"delly", "cnvkit"} <= set(TOOLS)


def test_config_checksum_ignores_where_the_run_lives():
    first = {"data_dir": "/a/data", "samples": "/a/run/samples.tsv", "qc": {"min": 1}}
    second = {"data_dir": "/b/data dir", "samples": "/b/second run/samples.tsv", "qc": {"min": 1}}
    assert provenance.config_checksum(first) == provenance.config_checksum(second)
    changed = {**second, "qc": {"min": 2}}
    assert provenance.config_checksum(changed) != provenance.config_checksum(first)


def test_summary_names_the_transcript_once():
    row = {"transcript": "ENST00000269305.9", "hgvs_c": "ENST00000269305.9:c.524G>A",
           "hgvs_p": "p.Arg175His", "genotype": "0/1", "gene": "TP53"}  # fmt: skip
    (summary,) = sections.germline_summary([row])
    assert summary["hgvs"] == "ENST00000269305.9:c.524G>A p.Arg175His"
    assert summary["zygosity"] == "heterozygous"
    bare = {**row, "hgvs_c": "c.524G>A"}
    assert sections.germline_summary([bare])[0]["hgvs"] == "ENST00000269305.9:c.524G>A p.Arg175His"


def test_front_page_purity_and_fusions(report):
    """Issue 12/15: the purity fit and RNA fusions reach the front page, known fusions first;
    an absent fit or RNA sample reads as not assessed / not analysed, never as a value."""
    report["analysis"]["copy_number"] = sections.status()
    report["copy_number"] = {
        "T1": {"segments": [], "plot": None, "purity": {
            "purity": 0.62, "purity_interval": [0.58, 0.66], "ploidy": 2.05,
            "source": "estimated", "reason": None}},
        "T2": {"segments": [], "plot": None, "purity": {
            "purity": None, "reason": "no segment with a copy ratio", "source": "estimated"}},
    }  # fmt: skip
    report["analysis"]["rna"] = sections.status()
    fusion = {"sample": "R1", "breakpoint5": "chr22:29683123", "breakpoint3": "chr11:128807180",
              "split_reads": 12, "spanning_pairs": 5, "reading_frame": "in frame"}  # fmt: skip
    report["rna"] = {"status": "analysed", "qc": [], "allele_counts": [], "fusion_filter": "f",
                     "fusions": [fusion | {"fusion": "A::B", "known": "no", "known_source": None},
                                 fusion | {"fusion": "EWSR1::FLI1", "known": "yes",
                                           "known_source": "WHO"}]}  # fmt: skip
    report["summary"]["purity"] = sections.purity_summary(report["copy_number"])
    report["summary"]["fusions"] = sections.fusion_summary(report["rna"])
    assert report["summary"]["purity"] == [
        "T1: purity 0.62 (95 % interval 0.58-0.66), ploidy 2.05, estimated",
        "T2: not assessable (no segment with a copy ratio)",
    ]
    assert report["summary"]["fusions"][0].startswith("EWSR1::FLI1 in R1 (chr22:29683123")
    assert report["summary"]["fusions"][0].endswith("; known paediatric fusion)")
    validate_report(report)
    front = render_html(report).split("Reporting policy")[0]
    assert "T1: purity 0.62 (95 % interval 0.58-0.66), ploidy 2.05, estimated" in front
    assert "EWSR1::FLI1 in R1" in front and "12 split reads, 5 spanning pairs" in front
    report["rna"] = {"status": "not analysed", "reason": "no RNA sample", "fusions": []}
    report["summary"]["fusions"] = []
    assert "Not analysed: no RNA sample." in render_html(report).split("Reporting policy")[0]

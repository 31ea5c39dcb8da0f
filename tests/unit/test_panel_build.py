"""Bundled gene panels built from CPSR panel 0 (icope.germline.panel_build)."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from icope.cli import build_panels_command
from icope.germline.panel import read_panel
from icope.germline.panel_build import (
    HAEM_CORE_GENES,
    SOLID_CORE_GENES,
    SUBSET_COLUMNS,
    SUPERPANEL_COLUMNS,
    PanelSpec,
    build_panel_results,
    build_panels,
    expand_core,
    matching_keywords,
    read_panel_zero,
    select_subset,
    strip_html,
)

REPO = Path(__file__).resolve().parents[2]
RESOURCES = REPO / "resources" / "panels"
PANEL_FILES = {
    "cpsr_superpanel": "cpsr_superpanel.tsv",
    "childhood_solid_tumours": "childhood_solid_tumours.tsv",
    "haematological_malignancies": "haematological_malignancies.tsv",
}


@pytest.fixture
def real_panel_zero(shared_data) -> Path:
    return shared_data("panels/panel_zero.tsv.gz")


HEADER = [
    "GENE",
    "ENTREZGENE",
    "ENSEMBL_GENE_ID",
    "CPG_MOD",
    "CPG_MOI",
    "GENENAME",
    "CPG_SOURCE",
    "CPG_PHENOTYPES",
]


def _link(symbol: str, entrez: str) -> str:
    return f"<a href='https://www.ncbi.nlm.nih.gov/gene/{entrez}' target='_blank'>{symbol}</a>"


# (symbol, entrez, ensembl, mod, moi, name, source, phenotypes); deliberately not sorted.
TINY = [
    ("WT1", "7490", "ENSG00000184937", "LoF", "AD", "WT1 transcription factor", "PANEL_APP",
     "Wilms tumour 1;Denys-Drash syndrome"),
    ("TP53", "7157", "ENSG00000141510", "LoF", "AD", "tumor protein p53", "PANEL_APP",
     "Li-Fraumeni syndrome;ALL, AML, MDS"),
    ("RUNX1", "861", "ENSG00000159216", "LoF", "AD", "RUNX family transcription factor 1",
     "PANEL_APP", "Familial platelet disorder with propensity to myeloid malignancy"),
    ("FANCA", "2175", "ENSG00000187741", "LoF", "AR", "FA complementation group A", "PANEL_APP",
     "Fanconi anaemia A"),
    ("FANCC", "2176", "ENSG00000158169", "LoF", "AR", "FA complementation group C", "PANEL_APP",
     "Fanconi anemia, complementation group C"),
    ("BRCA1", "672", "ENSG00000012048", "LoF", "AD/AR", "BRCA1 DNA repair associated",
     "CANVAR_UK", "Breast-ovarian cancer, familial, 1"),
    ("ABL1", "25", "ENSG00000097007", "NA", "NA", "ABL proto-oncogene 1", "CURATED_OTHER", "NA"),
    ("KRAS", "3845", "ENSG00000133703", "GoF", "AD", "KRAS proto-oncogene", "PANEL_APP",
     "Noonan syndrome 3;leukemias, juvenile"),
    ("NOTLEUK", "1", "ENSG00000000001", "NA", "NA", "decoy", "CURATED_OTHER",
     "Leukemiaform dermatosis;nonwilms"),
]  # fmt: skip


def _write_panel_zero(path: Path, rows=TINY) -> Path:
    lines = ["\t".join(HEADER)]
    for symbol, entrez, *rest in rows:
        lines.append("\t".join([_link(symbol, entrez), entrez, *rest]))
    with gzip.open(path, "wt") as handle:
        handle.write("\n".join(lines) + "\n")
    return path


@pytest.fixture
def tiny_panel_zero(tmp_path) -> Path:
    return _write_panel_zero(tmp_path / "panel_zero.tsv.gz")


def _body(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, sep="\t", comment="#", dtype=str, keep_default_na=False)


# --- parsing ---------------------------------------------------------------------------------


def test_strip_html_removes_link_around_symbol():
    assert strip_html(_link("TP53", "7157")) == "TP53"
    assert strip_html("  <b>NF1</b> ") == "NF1"
    assert strip_html("SMARCB1") == "SMARCB1"


def test_read_panel_zero_strips_tags_sorts_and_fills_na(tiny_panel_zero):
    table = read_panel_zero(tiny_panel_zero)
    assert list(table.columns) == SUPERPANEL_COLUMNS
    assert list(table["gene"]) == sorted(row[0] for row in TINY)
    assert not table["gene"].str.contains("<").any()
    abl1 = table.set_index("gene").loc["ABL1"]
    assert abl1["mechanism"] == "NA"
    assert abl1["phenotypes"] == "NA"
    assert abl1["entrez_gene_id"] == "25"
    tp53 = table.set_index("gene").loc["TP53"]
    assert (tp53["mode_of_inheritance"], tp53["mechanism"]) == ("AD", "LoF")


def test_read_panel_zero_rejects_other_files(tmp_path):
    path = tmp_path / "genes.tsv"
    path.write_text("gene\nTP53\n")
    with pytest.raises(ValueError, match="missing column"):
        read_panel_zero(path)


def test_read_panel_zero_rejects_duplicated_genes(tmp_path):
    path = _write_panel_zero(tmp_path / "dup.tsv.gz", [TINY[0], TINY[0]])
    with pytest.raises(ValueError, match="duplicated gene.*WT1"):
        read_panel_zero(path)


# --- selection -------------------------------------------------------------------------------


def test_keyword_matching_is_case_insensitive_and_whole_word():
    keywords = ("wilms", "li fraumeni", "leukemia", "aml")
    assert matching_keywords("Wilms tumour 1", keywords) == ["wilms"]
    assert matching_keywords("Li-Fraumeni syndrome", keywords) == ["li fraumeni"]
    assert matching_keywords("leukemias, juvenile", keywords) == ["leukemia"]  # plural
    assert matching_keywords("ALL, AML, MDS", keywords) == ["aml"]
    assert matching_keywords("Leukemiaform;nonwilms;AMLX", keywords) == []
    assert matching_keywords("NA", keywords) == []


def test_subset_selection_on_synthetic_panel_zero(tiny_panel_zero):
    spec = PanelSpec(
        "toy",
        "Toy panel",
        core_genes=("TP53", "FANC*", "NOT_THERE"),
        keywords=("wilms", "myeloid malignancy", "leukemia"),
    )
    subset, absent = select_subset(read_panel_zero(tiny_panel_zero), spec)
    assert list(subset.columns) == SUBSET_COLUMNS
    why = dict(zip(subset["gene"], subset["selection"], strict=True))
    assert list(subset["gene"]) == ["FANCA", "FANCC", "KRAS", "RUNX1", "TP53", "WT1"]
    assert why["TP53"] == "core list"
    assert why["FANCA"] == why["FANCC"] == "core list"
    assert why["WT1"] == "phenotype keyword 'wilms'"
    assert why["RUNX1"] == "phenotype keyword 'myeloid malignancy'"
    assert why["KRAS"] == "phenotype keyword 'leukemia'"
    assert "BRCA1" not in why and "NOTLEUK" not in why and "ABL1" not in why
    assert absent == ["NOT_THERE"]


def test_selection_lists_every_reason(tiny_panel_zero):
    spec = PanelSpec("toy", "Toy", core_genes=("WT1",), keywords=("wilms", "denys drash"))
    subset, _ = select_subset(read_panel_zero(tiny_panel_zero), spec)
    assert subset.set_index("gene").loc["WT1", "selection"] == (
        "core list; phenotype keywords 'wilms', 'denys drash'"
    )


def test_expand_core_prefix_and_absent():
    present = ["FANCA", "FANCC", "TP53"]
    assert expand_core(("FANC*", "TP53", "MECOM", "XYZ*"), present) == (
        ["FANCA", "FANCC", "TP53"],
        ["MECOM", "XYZ*"],
    )


def test_core_genes_absent_from_source_are_reported_not_added(tiny_panel_zero, tmp_path):
    results = {r.name: r for r in build_panel_results(tiny_panel_zero, tmp_path / "out")}
    present = {row[0] for row in TINY}
    for name, core in [
        ("childhood_solid_tumours", SOLID_CORE_GENES),
        ("haematological_malignancies", HAEM_CORE_GENES),
    ]:
        result = results[name]
        expected_absent = [
            g
            for g in core
            if (
                not any(p.startswith(g[:-1]) for p in present)
                if g.endswith("*")
                else g not in present
            )
        ]
        assert result.absent_core == expected_absent
        table = _body(result.path)
        assert set(table["gene"]) <= present
        assert len(table) == result.n_genes
        header = "".join(ln for ln in result.path.read_text().splitlines() if ln.startswith("#"))
        for gene in expected_absent:
            assert gene in header  # named in the "absent from panel 0" header line
    assert "MECOM" in results["haematological_malignancies"].absent_core
    assert "RUNX1" not in results["haematological_malignancies"].absent_core


# --- written files ---------------------------------------------------------------------------


def test_build_writes_loadable_panels_with_headers(tiny_panel_zero, tmp_path):
    counts = build_panels(tiny_panel_zero, tmp_path)
    assert counts["cpsr_superpanel"] == len(TINY)
    for name, filename in PANEL_FILES.items():
        path = tmp_path / filename
        text = path.read_text()
        header = [ln for ln in text.splitlines() if ln.startswith("#")]
        joined = "\n".join(header)
        for needle in ("sigven/cpsr", "19b4d732165b68f2d2de2d3915f33406e686aa6b",
                       "panel_zero.tsv.gz", "MIT", "Copyright (c) 2026 Sigve Nakken",
                       "Selection"):  # fmt: skip
            assert needle in joined, (filename, needle)
        assert not re.search(r"20\d\d-\d\d-\d\d", joined)  # no generation date
        genes = read_panel(path)
        assert len(genes) == counts[name]
        table = _body(path)
        expected = SUPERPANEL_COLUMNS if name == "cpsr_superpanel" else SUBSET_COLUMNS
        assert list(table.columns) == expected
        assert list(table["gene"]) == sorted(table["gene"])


def test_build_is_byte_for_byte_reproducible(tiny_panel_zero, tmp_path):
    build_panels(tiny_panel_zero, tmp_path / "a")
    build_panels(tiny_panel_zero, tmp_path / "b")
    for filename in PANEL_FILES.values():
        assert (tmp_path / "a" / filename).read_bytes() == (tmp_path / "b" / filename).read_bytes()


def test_cli_builds_and_reports_absent_core_genes(tiny_panel_zero, tmp_path):
    result = CliRunner().invoke(
        build_panels_command,
        ["--panel-zero", str(tiny_panel_zero), "--outdir", str(tmp_path / "out")],
    )
    assert result.exit_code == 0, result.output
    assert "cpsr_superpanel.tsv\t9 genes" in result.output
    assert "core genes absent from panel 0 (not added):" in result.output
    assert "MECOM" in result.output
    assert build_panels_command.name == "build-panels"


# --- the real source and the committed resources ---------------------------------------------


def test_real_build_is_reproducible_and_loads_with_read_panel(tmp_path, real_panel_zero):
    counts_a = build_panels(real_panel_zero, tmp_path / "a")
    counts_b = build_panels(real_panel_zero, tmp_path / "b")
    assert counts_a == counts_b
    assert counts_a["cpsr_superpanel"] == 555
    source = read_panel_zero(real_panel_zero).set_index("gene")
    for name, filename in PANEL_FILES.items():
        a, b = tmp_path / "a" / filename, tmp_path / "b" / filename
        assert a.read_bytes() == b.read_bytes()
        genes = read_panel(a)
        assert len(genes) == counts_a[name]
        for gene in genes:  # mechanism and mode of inheritance carried through read_panel
            row = source.loc[gene.symbol]
            assert gene.mode_of_inheritance == ("" if row.mode_of_inheritance == "NA"
                                                else row.mode_of_inheritance)  # fmt: skip
            assert gene.mechanism == ("" if row.mechanism == "NA" else row.mechanism)
            assert gene.ensembl_id == row.ensembl_gene_id
    solid = {g.symbol for g in read_panel(tmp_path / "a" / PANEL_FILES["childhood_solid_tumours"])}
    haem = {
        g.symbol for g in read_panel(tmp_path / "a" / PANEL_FILES["haematological_malignancies"])
    }
    assert {"TP53", "RB1", "DICER1", "SMARCB1", "WT1", "PHOX2B", "ALK"} <= solid
    assert {"RUNX1", "GATA2", "CEBPA", "ETV6", "PAX5", "IKZF1", "DDX41", "FANCA"} <= haem


def test_committed_panels_equal_a_fresh_build(tmp_path, real_panel_zero):
    build_panels(real_panel_zero, tmp_path)
    for filename in PANEL_FILES.values():
        committed = RESOURCES / filename
        assert committed.is_file(), f"{committed} missing: run icope build-panels"
        assert committed.read_bytes() == (tmp_path / filename).read_bytes(), (
            f"{committed} differs from a fresh build: rerun `icope build-panels "
            f"--panel-zero {real_panel_zero} --outdir resources/panels`"
        )


def test_readme_gene_counts_match_committed_panels():
    readme = (RESOURCES / "README.md").read_text()
    for filename in PANEL_FILES.values():
        n_genes = len(read_panel(RESOURCES / filename))
        match = re.search(rf"\|\s*`{re.escape(filename)}`\s*\|\s*(\d+)\s*\|", readme)
        assert match, f"README has no table row for {filename}"
        assert int(match.group(1)) == n_genes, filename

"""Tests for icope.germline.panel: reading panels, resolving them, filtering."""

from __future__ import annotations

import gzip

import pandas as pd
import pytest

from icope.core.tables import read_tsv
from icope.core.variants import VARIANT_COLUMNS, VariantRow
from icope.germline.panel import (
    PANEL_GENE_COLUMNS,
    PANEL_TABLE_COLUMNS,
    PanelError,
    PanelGene,
    germline_panel_table,
    panel_filter_reasons,
    read_panel,
    resolve_panel,
)

CONSEQUENCES = {
    "missense",
    "stop_gained",
    "frameshift",
    "splice_acceptor",
    "splice_donor",
    "inframe_deletion",
}


def _link(entrez: int, symbol: str) -> str:
    return f"<a href='https://www.ncbi.nlm.nih.gov/gene/{entrez}' target='_blank'>{symbol}</a>"


CPSR_ROWS = [
    # ENTREZ_ID, GENE, ENSEMBL_GENE_ID, CPG_MOI, CPG_MOD
    ("7157", _link(7157, "TP53"), "ENSG00000141510", "AD", "LoF"),
    ("672", _link(672, "BRCA1"), "ENSG00000012048", "AD/AR", "LoF"),
    ("4609", _link(4609, "MYC"), "ENSG00000136997", "NA", "GoF"),
    # the same gene twice (e.g. listed for two phenotypes) collapses to the first entry
    ("7157", _link(7157, "TP53"), "ENSG00000141510", "AR", "GoF"),
]


@pytest.fixture
def cpsr_panel(tmp_path):
    path = tmp_path / "panel_zero.tsv.gz"
    header = "ENTREZ_ID\tGENE\tGENENAME\tENSEMBL_GENE_ID\tCPG_MOI\tCPG_MOD\n"
    with gzip.open(path, "wt") as handle:
        handle.write(header)
        for entrez, gene, ensembl, moi, mod in CPSR_ROWS:
            handle.write(f"{entrez}\t{gene}\tsome name\t{ensembl}\t{moi}\t{mod}\n")
    return path


# --------------------------------------------------------------------------- read_panel


def test_read_cpsr_panel(cpsr_panel):
    genes = read_panel(cpsr_panel)
    assert [g.symbol for g in genes] == ["TP53", "BRCA1", "MYC"]
    assert genes[0] == PanelGene("TP53", "ENSG00000141510", "AD", "LoF")
    assert genes[1].mode_of_inheritance == "AD/AR"
    # 'NA' cells are empty values
    assert genes[2] == PanelGene("MYC", "ENSG00000136997", "", "GoF")
    assert not any("<" in g.symbol or ">" in g.symbol for g in genes)


def test_read_tsv_with_gene_column(tmp_path):
    path = tmp_path / "panel.tsv"
    path.write_text(
        "# a comment line\n"
        "gene\tmode_of_inheritance\tmechanism\n"
        "RB1\tAD\tLoF\n"
        "\n"
        "WT1\tAD\t\n"
        "RB1\tAR\tGoF\n"
    )
    genes = read_panel(path)
    assert genes == [PanelGene("RB1", "", "AD", "LoF"), PanelGene("WT1", "", "AD", "")]


def test_read_tsv_empty_gene_cell_names_line(tmp_path):
    path = tmp_path / "panel.tsv"
    path.write_text("gene\tmechanism\nRB1\tLoF\n\tLoF\n")
    with pytest.raises(PanelError, match=r"line 3: field 'gene' is empty"):
        read_panel(path)


def test_read_plain_list(tmp_path):
    path = tmp_path / "genes.txt"
    path.write_text("TP53\nNF1\n\n  RB1  \nNF1\n")
    genes = read_panel(path)
    assert [g.symbol for g in genes] == ["TP53", "NF1", "RB1"]
    assert all(g.ensembl_id == "" and g.mechanism == "" for g in genes)


def test_read_plain_gzipped_list(tmp_path):
    path = tmp_path / "genes.txt.gz"
    with gzip.open(path, "wt") as handle:
        handle.write("DICER1\nSMARCB1\n")
    assert [g.symbol for g in read_panel(path)] == ["DICER1", "SMARCB1"]


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n"])
def test_empty_panel_is_an_error(tmp_path, text):
    path = tmp_path / "empty.txt"
    path.write_text(text)
    with pytest.raises(PanelError, match="panel has no genes"):
        read_panel(path)


def test_header_only_panel_is_an_error(tmp_path):
    path = tmp_path / "empty.tsv"
    path.write_text("gene\tmechanism\n")
    with pytest.raises(PanelError, match="no genes"):
        read_panel(path)


def test_real_cpsr_panel_zero(shared_data):
    genes = read_panel(shared_data("panels/panel_zero.tsv.gz"))
    assert len(genes) == 555
    by_symbol = {g.symbol: g for g in genes}
    assert by_symbol["TP53"].mechanism == "LoF"
    assert not [g.symbol for g in genes if "<" in g.symbol]


# --------------------------------------------------------------------------- resolve_panel


@pytest.fixture
def gene_table():
    return pd.DataFrame(
        [
            ("ENSG00000141510.17", "TP53", "chr17", 7661779, 7687538, "-", "protein_coding"),
            ("ENSG00000012048.23", "BRCA1", "chr17", 43044295, 43125364, "-", "protein_coding"),
            ("ENSG00000139687", "RB1", "chr13", 48303747, 48481890, "+", "protein_coding"),
        ],
        columns=["gene_id", "gene_name", "chrom", "start", "end", "strand", "biotype"],
    )


def test_resolve_by_symbol(gene_table):
    panel = [PanelGene("TP53", "", "AD", "LoF"), PanelGene("RB1")]
    table = resolve_panel(panel, gene_table, "mini")
    assert list(table.columns) == PANEL_GENE_COLUMNS
    assert table.to_dict("records") == [
        {
            "gene": "TP53",
            "gene_id": "ENSG00000141510.17",
            "chrom": "chr17",
            "start": 7661779,
            "end": 7687538,
            "strand": "-",
            "mode_of_inheritance": "AD",
            "mechanism": "LoF",
            "panel": "mini",
        },
        {
            "gene": "RB1",
            "gene_id": "ENSG00000139687",
            "chrom": "chr13",
            "start": 48303747,
            "end": 48481890,
            "strand": "+",
            "mode_of_inheritance": "NA",
            "mechanism": "NA",
            "panel": "mini",
        },
    ]


@pytest.mark.parametrize("ensembl_id", ["ENSG00000012048", "ENSG00000012048.22"])
def test_resolve_falls_back_to_ensembl_id(gene_table, ensembl_id):
    # the panel uses an old symbol; the annotation's gene ID has a version suffix
    table = resolve_panel([PanelGene("BRCC1", ensembl_id, "AD", "LoF")], gene_table, "p")
    assert table["gene"].tolist() == ["BRCA1"]
    assert table["gene_id"].tolist() == ["ENSG00000012048.23"]
    assert table["mechanism"].tolist() == ["LoF"]


def test_resolve_ensembl_id_matches_unversioned_annotation(gene_table):
    table = resolve_panel([PanelGene("OLDRB1", "ENSG00000139687.14")], gene_table, "p")
    assert table["gene"].tolist() == ["RB1"]


def test_resolve_names_every_missing_gene(gene_table):
    panel = [
        PanelGene("TP53"),
        PanelGene("NOPE1"),
        PanelGene("NOPE2", "ENSG00000000001"),
        PanelGene("RB1"),
        PanelGene("NOPE3"),
    ]
    with pytest.raises(PanelError) as info:
        resolve_panel(panel, gene_table, "p", panel_path="panels/mini.tsv")
    message = str(info.value)
    assert message == (
        "panels/mini.tsv: 3 panel gene(s) not found in the annotation: NOPE1, NOPE2, NOPE3"
    )
    assert "TP53" not in message and "RB1" not in message


# --------------------------------------------------------------------------- filtering


def _row(**kwargs) -> VariantRow:
    base = dict(
        patient="P1",
        sample="S1",
        origin="germline",
        chrom="chr17",
        pos=7670000,
        ref="C",
        alt="T",
        filter="PASS",
        consequence="missense",
        gene="TP53",
        gnomad_af=0.0001,
    )
    base.update(kwargs)
    return VariantRow(**base)


def test_filter_pass():
    assert panel_filter_reasons(_row(), 0.01, CONSEQUENCES) == []


def test_filter_call_filter():
    reasons = panel_filter_reasons(_row(filter="LowQual"), 0.01, CONSEQUENCES)
    assert reasons == ["call_filter:LowQual"]


def test_filter_common():
    reasons = panel_filter_reasons(_row(gnomad_af=0.25), 0.01, CONSEQUENCES)
    assert reasons == ["common:gnomAD_AF=0.25"]


def test_filter_af_at_threshold_is_kept():
    assert panel_filter_reasons(_row(gnomad_af=0.01), 0.01, CONSEQUENCES) == []


def test_filter_missing_gnomad_counts_as_rare():
    assert panel_filter_reasons(_row(gnomad_af=None), 0.01, CONSEQUENCES) == []


@pytest.mark.parametrize(
    ("consequence", "expected"),
    [
        ("synonymous", "not_protein_altering:synonymous"),
        ("intron", "not_protein_altering:intron"),
        ("", "not_protein_altering:none"),
    ],
)
def test_filter_not_protein_altering(consequence, expected):
    assert panel_filter_reasons(_row(consequence=consequence), 0.01, CONSEQUENCES) == [expected]


@pytest.mark.parametrize(
    "consequence", ["frameshift&splice_acceptor", "intron&splice_donor", "*missense"]
)
def test_filter_compound_consequence_is_protein_altering(consequence):
    assert panel_filter_reasons(_row(consequence=consequence), 0.01, CONSEQUENCES) == []


def test_filter_all_reasons_in_order():
    row = _row(filter="LowQual", gnomad_af=0.5, consequence="synonymous")
    assert panel_filter_reasons(row, 0.01, CONSEQUENCES) == [
        "call_filter:LowQual",
        "common:gnomAD_AF=0.5",
        "not_protein_altering:synonymous",
    ]


@pytest.fixture
def panel_frame(gene_table):
    return resolve_panel([PanelGene("TP53"), PanelGene("RB1")], gene_table, "mini")


def test_germline_panel_table(panel_frame):
    rows = [
        _row(pos=7670000),  # inside TP53, reportable
        _row(pos=7687538, consequence="synonymous", gene="TP53"),  # last base of TP53
        _row(pos=7661778),  # one base before TP53
        _row(chrom="chr13", pos=48303747, gnomad_af=0.3, gene="RB1"),  # first base of RB1
        _row(chrom="chr13", pos=7670000),  # TP53's coordinates on the wrong chromosome
    ]
    table = germline_panel_table(rows, panel_frame, 0.01, CONSEQUENCES)
    assert list(table.columns) == PANEL_TABLE_COLUMNS
    assert [*VARIANT_COLUMNS, "panel_gene", "panel_filter"] == PANEL_TABLE_COLUMNS
    assert list(zip(table["chrom"], table["pos"], strict=True)) == [
        ("chr17", 7670000),
        ("chr17", 7687538),
        ("chr13", 48303747),
    ]
    assert table["panel_gene"].tolist() == ["TP53", "TP53", "RB1"]
    assert table["panel_filter"].tolist() == [
        "PASS",
        "not_protein_altering:synonymous",
        "common:gnomAD_AF=0.3",
    ]


def test_germline_panel_table_overlapping_genes(gene_table):
    genes = pd.concat(
        [
            gene_table,
            pd.DataFrame(
                [("ENSG_AS", "TP53-AS", "chr17", 7660000, 7670000, "+", "lncRNA")],
                columns=gene_table.columns,
            ),
        ]
    )
    panel = resolve_panel([PanelGene("TP53-AS"), PanelGene("TP53")], genes, "p")
    table = germline_panel_table([_row(pos=7665000)], panel, 0.01, CONSEQUENCES)
    assert table["panel_gene"].tolist() == ["TP53,TP53-AS"]


def test_germline_panel_table_nothing_in_panel(panel_frame):
    table = germline_panel_table([_row(pos=1)], panel_frame, 0.01, CONSEQUENCES)
    assert table.empty
    assert list(table.columns) == PANEL_TABLE_COLUMNS


def test_germline_panel_table_ensembl_chrom_names_after_tsv_round_trip(tmp_path):
    genes = pd.DataFrame(
        [("ENSG00000141510", "TP53", "17", 7661779, 7687538, "-", "protein_coding")],
        columns=["gene_id", "gene_name", "chrom", "start", "end", "strand", "biotype"],
    )
    path = tmp_path / "panel_genes.tsv"
    resolve_panel([PanelGene("TP53")], genes, "p").to_csv(path, sep="\t", index=False)
    panel = read_tsv(path)  # as scripts/germline_panel.py reads it
    table = germline_panel_table([_row(chrom="17")], panel, 0.01, CONSEQUENCES)
    assert table["panel_gene"].tolist() == ["TP53"]

"""Reading the pipeline's own TSV tables with identifiers kept as text.

pandas guesses column types: chromosome ``17`` becomes an integer, version ``1.20`` the float
``1.2``, a sample called ``001`` the number 1. Identifier columns are therefore always read as
strings, so joins and comparisons with values from VCFs work on any naming scheme.
"""

from __future__ import annotations

import pandas as pd

TEXT_COLUMNS = [
    "patient",
    "sample",
    "normal_sample",
    "origin",
    "chrom",
    "ref",
    "alt",
    "id",
    "filter",
    "genotype",
    "gene",
    "gene_id",
    "gene_name",
    "panel_gene",
    "panel_filter",
    "transcript",
    "tool",
    "version",
    "mode_of_inheritance",
    "mechanism",
    "panel",
    "reasons",
    "type",
    "status",
]


def read_tsv(path) -> pd.DataFrame:
    """Read a TSV written by the pipeline; identifier columns stay text, empty cells NaN."""
    return pd.read_csv(path, sep="\t", dtype=dict.fromkeys(TEXT_COLUMNS, str))

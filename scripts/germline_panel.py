"""Rule germline_panel: the patient's germline calls inside panel genes, with panel_filter."""

import pandas as pd

from icope.panel import PANEL_TABLE_COLUMNS, germline_panel_table
from icope.rulelog import rule_log
from icope.tables import read_tsv
from icope.variants import read_variants

with rule_log(snakemake.log[0]) as log:
    panel = read_tsv(snakemake.input.panel) if snakemake.input.panel else None
    rows = []
    for path in snakemake.input.germline:
        rows += read_variants(path, snakemake.params.patient, "germline")
    table = (
        germline_panel_table(
            rows,
            panel,
            snakemake.params.max_af,
            set(snakemake.params.consequences),
        )
        if rows and panel is not None
        else pd.DataFrame(columns=PANEL_TABLE_COLUMNS)
    )
    table.to_csv(snakemake.output[0], sep="\t", index=False, na_rep="")
    log.info("%d panel variants, %d PASS", len(table), (table["panel_filter"] == "PASS").sum())

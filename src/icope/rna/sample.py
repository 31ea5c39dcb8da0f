"""Per RNA sample: gene-level counts and TPM, the RNA QC row, and the fusion table."""

from __future__ import annotations

import pandas as pd

from icope.core.annotation import read_annotation
from icope.core.tables import read_tsv
from icope.rna.fusions import call_fusions, load_known
from icope.rna.genes import gene_level
from icope.rna.qc import RNA_QC_COLUMNS, rna_qc_row


def sample_tables(sample: str, inputs, settings: dict, outputs) -> dict:
    """Write genes.tsv, rna_qc.tsv and fusions.tsv of one sample; returns the QC row."""
    genes = gene_level(inputs.quant, inputs.tx2gene, read_tsv(inputs.genes), sample)
    genes.to_csv(outputs.genes, sep="\t", index=False)
    row = rna_qc_row(
        sample,
        inputs.final_log,
        inputs.gene_counts,
        inputs.salmon,
        settings["strand_min_fraction"],
        settings["strand_min_reads"],
    )
    pd.DataFrame([row], columns=RNA_QC_COLUMNS).to_csv(outputs.qc, sep="\t", index=False)
    fusions = call_fusions(
        inputs.chimeric,
        read_annotation(inputs.annotation),
        load_known(inputs.known),
        sample,
        settings["fusion_min_split_reads"],
        settings["fusion_min_support"],
    )
    fusions.to_csv(outputs.fusions, sep="\t", index=False)
    return row | {"fusions": len(fusions)}

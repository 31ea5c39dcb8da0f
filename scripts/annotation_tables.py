"""Rule annotation_tables: annotation (GTF/GFF3) -> csq GFF3, gene table, tx2gene, transcript table
(with each gene's preferred transcript and its structure, for HGVS)."""

from icope.core.annotation import (
    read_annotation,
    write_csq_gff3,
    write_gene_table,
    write_tx2gene,
)
from icope.core.rulelog import rule_log
from icope.core.transcripts import write_transcript_table

with rule_log(snakemake.log[0]) as log:
    model = read_annotation(snakemake.input.annotation)
    n = write_csq_gff3(model, snakemake.output.gff3)
    write_gene_table(model, snakemake.output.genes)
    write_tx2gene(model, snakemake.output.tx2gene)
    preferred = write_transcript_table(model, snakemake.output.transcripts)
    log.info("%d genes, %d transcripts written for bcftools csq", len(model.genes), n)
    log.info("%d genes with a preferred transcript (transcripts.tsv)", preferred)

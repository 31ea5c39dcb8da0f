"""Rule two_hit: second hits in the tumour for germline P/LP variants in tumour-suppressor
genes."""

from icope.core.hgvs import load_annotator
from icope.core.rulelog import rule_log
from icope.core.tables import read_tsv
from icope.germline.two_hit import TwoHitSettings, assess_patient

with rule_log(snakemake.log[0]) as log:
    results = assess_patient(
        read_tsv(snakemake.input.panel),
        snakemake.params.patient,
        snakemake.params.tumours,
        snakemake.input.fasta,
        TwoHitSettings.from_config(snakemake.params.settings),
        # somatic consequences on the preferred transcripts the panel table names
        load_annotator(snakemake.input.transcripts, snakemake.input.fasta)
        if snakemake.input.transcripts
        else None,
    )
    results.to_csv(snakemake.output[0], sep="\t", index=False, na_rep="")
    log.info("%d germline P/LP variants in tumour-suppressor genes assessed", len(results))
    for outcome, count in results["second_hit"].value_counts().items():
        log.info("second hit %s: %d", outcome, count)

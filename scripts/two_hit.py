"""Rule two_hit: second hits in the tumour for germline P/LP variants in tumour-suppressor
genes."""

from icope.core.rulelog import rule_log
from icope.core.tables import read_tsv
from icope.germline.two_hit import assess_patient

with rule_log(snakemake.log[0]) as log:
    results = assess_patient(
        read_tsv(snakemake.input.panel),
        snakemake.params.patient,
        snakemake.params.tumours,
        snakemake.input.fasta,
    )
    results.to_csv(snakemake.output[0], sep="\t", index=False, na_rep="")
    log.info("%d germline P/LP variants in tumour-suppressor genes assessed", len(results))

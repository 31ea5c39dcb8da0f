"""Rule germline_panel: classify the patient's germline calls in panel genes (ACMG/AMP) and,
with consent, report pathogenic variants outside the panel."""

from icope.core.hgvs import load_annotator
from icope.core.rulelog import rule_log
from icope.core.tables import read_tsv
from icope.core.variants import read_variants
from icope.germline.acmg import Thresholds
from icope.germline.predisposition import covered_contigs, load_rules, panel_findings

with rule_log(snakemake.log[0]) as log:
    settings = snakemake.params.classification
    # consequence and HGVS on each gene's preferred transcript (the one every output names)
    annotator = (
        load_annotator(snakemake.input.transcripts, snakemake.input.fasta)
        if snakemake.input.transcripts
        else None
    )
    rows = []
    for path in snakemake.input.germline:
        rows += read_variants(path, snakemake.params.patient, "germline", preferred=annotator)
    # Secondary findings are not even computed, let alone written, without consent.
    findings, secondary = panel_findings(
        rows,
        read_tsv(snakemake.input.panel) if snakemake.input.panel else None,
        snakemake.params.consent,
        snakemake.params.max_af,
        snakemake.params.consequences,
        covered_contigs(snakemake.input.population or None),
        snakemake.params.population_source,
        Thresholds(**{k: settings[k] for k in ("ba1", "bs1", "pm2", "pp3", "bp4")}),
        load_rules(snakemake.input.gene_thresholds or None),
    )
    findings.to_csv(snakemake.output.panel, sep="\t", index=False, na_rep="")
    secondary.to_csv(snakemake.output.secondary, sep="\t", index=False, na_rep="")
    log.info(
        "%d panel variants classified; %d secondary findings (consent: %s)",
        len(findings),
        len(secondary),
        snakemake.params.consent,
    )

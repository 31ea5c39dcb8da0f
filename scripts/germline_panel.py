"""Rule germline_panel: classify the patient's germline calls in panel genes (ACMG/AMP) and,
with consent, report pathogenic variants outside the panel."""

import pandas as pd

from icope.core.annotation import transcript_preference
from icope.core.rulelog import rule_log
from icope.core.tables import read_tsv
from icope.core.variants import read_variants
from icope.germline.acmg import Thresholds
from icope.germline.predisposition import (
    FINDINGS_COLUMNS,
    classify_panel_variants,
    covered_contigs,
    load_rules,
    secondary_findings,
)

with rule_log(snakemake.log[0]) as log:
    settings = snakemake.params.classification
    thresholds = Thresholds(**{k: settings[k] for k in ("ba1", "bs1", "pm2", "pp3", "bp4")})
    rules = load_rules(snakemake.input.gene_thresholds or None)
    preferred = (
        transcript_preference(snakemake.input.transcripts) if snakemake.input.transcripts else None
    )
    covered = covered_contigs(snakemake.input.population or None)
    source = snakemake.params.population_source
    rows = []
    for path in snakemake.input.germline:
        rows += read_variants(path, snakemake.params.patient, "germline", preferred=preferred)
    empty = pd.DataFrame(columns=FINDINGS_COLUMNS)
    panel = read_tsv(snakemake.input.panel) if snakemake.input.panel else None
    findings = empty
    if panel is not None and rows:
        findings = classify_panel_variants(
            rows,
            panel,
            snakemake.params.max_af,
            set(snakemake.params.consequences),
            covered,
            source,
            thresholds,
            rules,
        )
    findings.to_csv(snakemake.output.panel, sep="\t", index=False, na_rep="")
    # Secondary findings are not even computed, let alone written, without consent.
    secondary = empty
    if snakemake.params.consent and panel is not None and rows:
        secondary = secondary_findings(rows, panel, covered, source, thresholds, rules)
    secondary.to_csv(snakemake.output.secondary, sep="\t", index=False, na_rep="")
    log.info(
        "%d panel variants classified; %d secondary findings (consent: %s)",
        len(findings),
        len(secondary),
        snakemake.params.consent,
    )

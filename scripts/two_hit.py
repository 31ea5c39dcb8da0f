"""Rule two_hit: second hits in the tumour for germline P/LP variants in tumour-suppressor
genes."""

from pathlib import Path

import pandas as pd

from icope.core.rulelog import rule_log
from icope.core.tables import read_tsv
from icope.core.variants import read_variants
from icope.germline.predisposition import PATHOGENIC
from icope.germline.two_hit import TWO_HIT_COLUMNS, assess

with rule_log(snakemake.log[0]) as log:
    panel = read_tsv(snakemake.input.panel)
    candidates = panel[panel["acmg_class"].isin(PATHOGENIC)]
    candidates = (
        candidates[candidates["mechanism"].fillna("").str.contains("LoF")]
        if "mechanism" in candidates
        else candidates
    )
    results = []
    for index, tumour in enumerate(snakemake.params.tumours):
        somatic_path = next(
            (p for p in snakemake.input.somatic if Path(p).name.startswith(f"{tumour}.")), None
        )
        somatic = (
            pd.DataFrame(
                [
                    r.as_dict()
                    for r in read_variants(somatic_path, snakemake.params.patient, "somatic")
                ]
            )
            if somatic_path
            else None
        )
        segments_path = next(
            (p for p in snakemake.input.segments if Path(p).parent.name == tumour), None
        )
        segments = read_tsv(segments_path) if segments_path else None
        for variant in candidates.to_dict("records"):
            results.append(
                assess(
                    variant,
                    snakemake.params.patient,
                    tumour,
                    snakemake.input.tumours[index],
                    segments,
                    somatic,
                    snakemake.input.fasta,
                ).as_row()
            )
    pd.DataFrame(results, columns=TWO_HIT_COLUMNS).to_csv(
        snakemake.output[0], sep="\t", index=False, na_rep=""
    )
    log.info("%d germline P/LP variants in tumour-suppressor genes assessed", len(results))

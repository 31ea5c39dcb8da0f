"""Rule pon_build: the panel of normals (sites VCF) and its provenance JSON."""

from pathlib import Path

from icope.core.rulelog import rule_log
from icope.somatic.pon import PonSettings, build_panel

with rule_log(snakemake.log[0]) as log:
    provenance = build_panel(
        snakemake.input[0],
        snakemake.output.vcf,
        snakemake.output.json,
        [Path(p).name.split(".")[0] for p in snakemake.params.normals],
        PonSettings.from_config(snakemake.params.settings),
    )
    log.info(
        "panel of normals: %d sites from %d normals, %s",
        provenance["sites"],
        provenance["normals"],
        provenance["checksum"],
    )

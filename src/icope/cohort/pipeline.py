"""Everything the cohort_database rule writes, from the fragments and one run's provenance."""

from __future__ import annotations

from icope.cohort.database import build_database
from icope.cohort.exports import (
    aggregate_table,
    maf_table,
    write_aggregate,
    write_cbioportal,
    write_maf,
)
from icope.cohort.schema import SCHEMA_VERSION

CBIOPORTAL_GENOME = {"GRCh38": "hg38", "GRCh37": "hg19"}


def write_cohort_outputs(
    fragments: dict, run: dict, settings: dict, outputs: dict, workers: int = 1
) -> dict:
    """Database, MAF, cBioPortal folder and aggregate (``outputs``: database, maf,
    cbioportal, aggregate paths; ``settings``: the config's ``cohort`` section)."""
    counts = build_database(outputs["database"], fragments, run, workers)
    build = settings["ncbi_build"]
    write_maf(maf_table(outputs["database"], settings["centre"], build), outputs["maf"])
    study = {
        "identifier": settings["study_identifier"],
        "name": f"{settings['centre']} cohort",
        "description": f"icope cohort of {settings['centre']} (schema {SCHEMA_VERSION})",
        "type_of_cancer": settings["type_of_cancer"],
        "reference_genome": CBIOPORTAL_GENOME[build],
        "ncbi_build": build,
        "centre": settings["centre"],
    }
    write_cbioportal(outputs["database"], outputs["cbioportal"], study)
    minimum = settings["aggregate_min_count"]
    table = aggregate_table(outputs["database"], minimum)
    write_aggregate(table, outputs["aggregate"], minimum, SCHEMA_VERSION)
    return counts

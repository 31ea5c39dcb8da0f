"""icope: germline, somatic and RNA analysis of childhood-cancer patients (package behind the
Snakemake workflow)."""

__version__ = "0.1.0"

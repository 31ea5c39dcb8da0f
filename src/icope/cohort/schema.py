"""Tables of the cohort database: their core columns and SQL types, and the schema version.

A table may carry more columns than listed here (a producer added one): they are kept, typed
from the data. A reader needs only the core columns. The schema version is written into every
Parquet fragment's metadata (:data:`PARQUET_KEY`) and the DuckDB database's ``schema_info``
table; it changes (major part) whenever a core column is renamed, removed or changes meaning,
and two databases merge only when their major versions are equal.
"""

from __future__ import annotations

SCHEMA_VERSION = "1.0"

#: Key of the schema version in every Parquet fragment's schema metadata.
PARQUET_KEY = b"icope_cohort_schema_version"

TEXT, INTEGER, REAL = "TEXT", "INTEGER", "REAL"

_VARIANT_KEY = {
    "sample": TEXT,
    "chrom": TEXT,
    "pos": INTEGER,
    "ref": TEXT,
    "alt": TEXT,
    "variant_type": TEXT,
    "id": TEXT,
    "filter": TEXT,
}
_CONSEQUENCE = {
    "gene": TEXT,
    "transcript": TEXT,
    "consequence": TEXT,
    "hgvs_c": TEXT,
    "hgvs_p": TEXT,
    "impact": TEXT,
    "protein_altering": INTEGER,
    "gnomad_af": REAL,
    "clinvar_significance": TEXT,
}

#: table -> {core column: SQL type}; every table also has ``patient`` (the Hive partition).
TABLES: dict[str, dict[str, str]] = {
    "samples": {
        "sample": TEXT,
        "type": TEXT,
        "sex": TEXT,
        "secondary_findings_consent": INTEGER,
        "tumour_only": INTEGER,
        "normal_sample": TEXT,
        "qc_status": TEXT,
        "qc_reasons": TEXT,
    },
    "germline_variants": {
        **_VARIANT_KEY,
        "qual": REAL,
        "genotype": TEXT,
        "depth": INTEGER,
        "alt_depth": INTEGER,
        "vaf": REAL,
        **_CONSEQUENCE,
        "panel_gene": INTEGER,
        "panel_filter": TEXT,
        "acmg_class": TEXT,
        "acmg_points": INTEGER,
        "acmg_criteria": TEXT,
        "two_hit_status": TEXT,
    },
    "somatic_variants": {
        **_VARIANT_KEY,
        "normal_sample": TEXT,
        "tumour_depth": INTEGER,
        "tumour_af": REAL,
        "normal_depth": INTEGER,
        "normal_af": REAL,
        **_CONSEQUENCE,
    },
    "cnv_segments": {"sample": TEXT, "chrom": TEXT, "start": INTEGER, "end": INTEGER},
    "structural_variants": {"sample": TEXT, "chrom": TEXT, "pos": INTEGER, "svtype": TEXT},
    "two_hit": {"tumour": TEXT, "gene": TEXT, "second_hit": TEXT},
    "expression": {"sample": TEXT, "gene_id": TEXT, "tpm": REAL, "num_reads": REAL},
}

#: The run provenance, one row per pipeline run that contributed patients.
RUNS = {
    "run_id": TEXT,
    "created_utc": TEXT,
    "centre": TEXT,
    "schema_version": TEXT,
    "pipeline_version": TEXT,
    "reference": TEXT,
    "annotation": TEXT,
    "dbsnp": TEXT,
    "gnomad": TEXT,
    "clinvar": TEXT,
    "panel": TEXT,
    "tool_versions": TEXT,
}

#: bcftools csq consequence term -> impact class (VEP's IMPACT scale).
IMPACT = {
    "stop_gained": "HIGH",
    "frameshift": "HIGH",
    "splice_acceptor": "HIGH",
    "splice_donor": "HIGH",
    "stop_lost": "HIGH",
    "start_lost": "HIGH",
    "transcript_ablation": "HIGH",
    "missense": "MODERATE",
    "inframe_insertion": "MODERATE",
    "inframe_deletion": "MODERATE",
    "inframe_altering": "MODERATE",
    "splice_region": "LOW",
    "synonymous": "LOW",
    "start_retained": "LOW",
    "stop_retained": "LOW",
    "coding_sequence": "MODIFIER",
    "5_prime_utr": "MODIFIER",
    "3_prime_utr": "MODIFIER",
    "non_coding": "MODIFIER",
    "intron": "MODIFIER",
    "intergenic": "MODIFIER",
}
_IMPACT_ORDER = ["HIGH", "MODERATE", "LOW", "MODIFIER"]


def impact_class(consequence: str | None) -> str:
    """The most severe impact of a (possibly ``&``-joined) consequence; ``""`` if unknown.

    >>> impact_class("missense&splice_region")
    'MODERATE'
    >>> impact_class("")
    ''
    """
    if not isinstance(consequence, str) or not consequence:
        return ""
    terms = consequence.lstrip("*").split("&")
    found = [IMPACT[t] for t in terms if t in IMPACT]
    return min(found, key=_IMPACT_ORDER.index) if found else ""


def is_protein_altering(impact: str) -> bool:
    """HIGH and MODERATE change the protein (the recurrent-gene query's definition)."""
    return impact in ("HIGH", "MODERATE")

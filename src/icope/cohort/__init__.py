"""The cohort database centres pool: per-patient Parquet fragments, a Hive-partitioned Parquet
dataset, one DuckDB database file, MAF / cBioPortal exports and a shareable aggregate.

Layout and schema: docs/cohort.md. Modules: :mod:`~icope.cohort.schema` (tables, columns,
schema version), :mod:`~icope.cohort.fragment` (one patient's tables),
:mod:`~icope.cohort.database` (build, add a patient, query, merge two centres),
:mod:`~icope.cohort.exports` (MAF, cBioPortal study, aggregate).
"""

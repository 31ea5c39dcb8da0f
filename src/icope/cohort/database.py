"""The cohort database: one DuckDB file (no server; DuckDB's Python, R and command-line
clients open it) built by DuckDB itself from the Parquet fragments.

Build: every table in one ``INSERT ... SELECT * FROM read_parquet([...], hive_partitioning =
true, union_by_name = true)`` over its fragments, the patient taken from the Hive partition
(``patient=<id>``), the core columns typed as :mod:`icope.cohort.schema` lists them and any
extra column a producer added kept with the type DuckDB reads. DuckDB parallelises the scan
itself (``threads``). Adding a patient replaces that patient's rows only. Merging two centres'
databases checks the schema version and the reference first and prefixes every patient and
sample ID with the centre (``CENTRE:ID``; sheet IDs cannot contain ``:``).
"""

from __future__ import annotations

import datetime
import json
import os

import duckdb
import pandas as pd

from icope.cohort.schema import INTEGER, REAL, RUNS, SCHEMA_VERSION, TABLES, TEXT

#: Columns holding a patient or sample ID, per table (prefixed with the centre on merge).
ID_COLUMNS = {
    "samples": ("patient", "sample", "normal_sample"),
    "germline_variants": ("patient", "sample"),
    "somatic_variants": ("patient", "sample", "normal_sample"),
    "cnv_segments": ("patient", "sample"),
    "structural_variants": ("patient", "sample"),
    "two_hit": ("patient", "tumour"),
    "expression": ("patient", "sample"),
}
CENTRE_SEPARATOR = ":"

#: schema type -> DuckDB type
_DUCKDB = {TEXT: "VARCHAR", INTEGER: "BIGINT", REAL: "DOUBLE"}

_READ = (
    "read_parquet($files, hive_partitioning = true, union_by_name = true, "
    "hive_types = {'patient': VARCHAR})"
)
#: One patient's fragments wherever they are (``icope cohort add``): the patient given.
_READ_ONE = (
    "(SELECT $patient::VARCHAR AS patient, * "
    "FROM read_parquet($files, hive_partitioning = false, union_by_name = true))"
)


class CohortError(Exception):
    """A database that cannot be built, extended or merged as asked."""


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _core(table: str) -> dict[str, str]:
    return {"patient": "VARCHAR", **{c: _DUCKDB[t] for c, t in TABLES[table].items()}}


def _table_columns(db: duckdb.DuckDBPyConnection, table: str, schema: str = "") -> dict:
    where = f"{_quote(schema)}.{_quote(table)}" if schema else _quote(table)
    return {row[0]: row[1] for row in db.execute(f"DESCRIBE {where}").fetchall()}


def _create(db: duckdb.DuckDBPyConnection, table: str, columns: dict[str, str]) -> None:
    body = ", ".join(f"{_quote(c)} {t}" for c, t in columns.items())
    db.execute(f"CREATE TABLE {_quote(table)} ({body})")


def _add_missing_columns(db: duckdb.DuckDBPyConnection, table: str, columns: dict) -> None:
    have = _table_columns(db, table)
    for name, kind in columns.items():
        if name not in have:
            db.execute(f"ALTER TABLE {_quote(table)} ADD COLUMN {_quote(name)} {kind}")


def _check_partitions(table: str, fragments: dict[str, str]) -> None:
    """The build reads the patient from the path: each fragment must sit in its patient's
    Hive partition."""
    for patient, path in fragments.items():
        if os.path.basename(os.path.dirname(path)) != f"patient={patient}":
            raise CohortError(f"{table} fragment of {patient} is not in patient={patient}/: {path}")


def _load(db: duckdb.DuckDBPyConnection, table: str, paths: list[str], patient=None) -> int:
    """Insert the fragments ``paths`` into ``table`` (created if absent, with the core
    columns and every extra column of the fragments); the patient from the Hive partition,
    or ``patient`` when given."""
    exists = bool(
        db.execute(
            "SELECT 1 FROM information_schema.tables WHERE table_name = ?", [table]
        ).fetchall()
    )
    if not exists:
        _create(db, table, _core(table))
    if not paths:
        return 0
    params = {"files": paths}
    source = _READ
    if patient is not None:
        source = _READ_ONE
        params["patient"] = patient
    described = db.execute(f"DESCRIBE SELECT * FROM {source}", params).fetchall()
    _add_missing_columns(db, table, {row[0]: row[1] for row in described})
    before = db.execute(f"SELECT COUNT(*) FROM {_quote(table)}").fetchone()[0]
    db.execute(f"INSERT INTO {_quote(table)} BY NAME SELECT * FROM {source}", params)
    return db.execute(f"SELECT COUNT(*) FROM {_quote(table)}").fetchone()[0] - before


def run_row(sources: dict, versions: dict | None = None, centre: str = "local") -> dict:
    """The ``runs`` row of one pipeline run: versions of the pipeline, reference, annotation."""
    versions = versions or {}
    created = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    row = {
        "run_id": f"{centre}-{created}",
        "created_utc": created,
        "centre": centre,
        "schema_version": SCHEMA_VERSION,
        "pipeline_version": versions.get("icope", ""),
        "tool_versions": json.dumps(versions, sort_keys=True),
    }
    for key in ("reference", "annotation", "dbsnp", "gnomad", "clinvar", "panel"):
        row[key] = sources.get(key, "")
    return row


def _connect(path: str, threads: int | None = None) -> duckdb.DuckDBPyConnection:
    config = {"threads": max(1, int(threads))} if threads else {}
    db = duckdb.connect(path, config=config)
    db.execute("SET enable_progress_bar = false")  # it would print into a rule's output
    return db


def _write_meta(db: duckdb.DuckDBPyConnection, runs: list[dict], centre: str, reference: str):
    _create(db, "runs", {c: _DUCKDB[t] for c, t in RUNS.items()})
    for run in runs:
        db.execute(
            f"INSERT INTO runs ({', '.join(RUNS)}) VALUES ({', '.join('?' * len(RUNS))})",
            [run.get(c, "") for c in RUNS],
        )
    db.execute("CREATE TABLE schema_info (key VARCHAR PRIMARY KEY, value VARCHAR)")
    db.executemany(
        "INSERT INTO schema_info VALUES (?, ?)",
        [["schema_version", SCHEMA_VERSION], ["centre", centre], ["reference", reference]],
    )


def _fresh(path: str) -> str:
    partial = f"{path}.partial"
    for leftover in (partial, f"{partial}.wal"):
        if os.path.exists(leftover):
            os.remove(leftover)
    return partial


def build_database(
    path: str, fragments: dict[str, dict[str, str]], run: dict, workers: int = 1
) -> dict:
    """Write the database at ``path`` from ``fragments`` ({table: {patient: parquet}}) and
    one ``runs`` row; returns the row count per table. Written to a temporary file first.
    ``workers``: DuckDB's threads."""
    for table, parts in fragments.items():
        _check_partitions(table, parts)
    partial = _fresh(path)
    db = _connect(partial, workers)
    counts = {}
    try:
        for table in TABLES:
            paths = [fragments.get(table, {})[p] for p in sorted(fragments.get(table, {}))]
            counts[table] = _load(db, table, paths)
        _write_meta(db, [run], run.get("centre", "local"), run.get("reference", ""))
        db.execute("CHECKPOINT")
    finally:
        db.close()
    os.replace(partial, path)
    return counts


def add_patient(path: str, patient: str, fragments: dict[str, str], workers: int = 1) -> dict:
    """Replace one patient's rows (all tables) by its fragments ({table: parquet})."""
    db = _connect(path, workers)
    counts = {}
    try:
        db.execute("BEGIN TRANSACTION")
        for table in TABLES:
            db.execute(f"DELETE FROM {_quote(table)} WHERE patient = ?", [patient])
            if table in fragments:
                counts[table] = _load(db, table, [fragments[table]], patient=patient)
        db.execute("COMMIT")
    finally:
        db.close()
    return counts


def open_read_only(path: str) -> duckdb.DuckDBPyConnection:
    if not os.path.exists(path):
        raise CohortError(f"{path}: no such database")
    try:
        return duckdb.connect(path, read_only=True)
    except duckdb.Error as exc:
        raise CohortError(f"{path}: cannot open ({exc})") from exc


def read_sql(db: duckdb.DuckDBPyConnection, sql: str, params=None) -> pd.DataFrame:
    """One statement's rows as a data frame (SQL NULL as None/NaN)."""
    return db.execute(sql, params).df()


def query(path: str, sql: str) -> pd.DataFrame:
    """Run one SQL statement on the database, read-only."""
    db = open_read_only(path)
    try:
        return read_sql(db, sql)
    except duckdb.Error as exc:
        raise CohortError(f"query failed: {exc}") from exc
    finally:
        db.close()


def schema_info(path: str) -> dict[str, str]:
    db = open_read_only(path)
    try:
        return dict(db.execute("SELECT key, value FROM schema_info").fetchall())
    except duckdb.Error as exc:
        raise CohortError(f"{path}: not an icope cohort database ({exc})") from exc
    finally:
        db.close()


def _major(version: str) -> str:
    return version.split(".")[0]


def check_compatible(infos: dict[str, dict]) -> None:
    """Refuse databases of different schema major versions or references."""
    versions = {p: i.get("schema_version", "?") for p, i in infos.items()}
    if len({_major(v) for v in versions.values()}) > 1:
        detail = ", ".join(f"{p}: {v}" for p, v in versions.items())
        raise CohortError(f"incompatible schema versions ({detail})")
    references = {p: i.get("reference", "") for p, i in infos.items()}
    if len(set(references.values())) > 1:
        detail = ", ".join(f"{p}: {r!r}" for p, r in references.items())
        raise CohortError(f"different references ({detail}): calls cannot be pooled")


def _prefix_sql(column: str) -> str:
    """``CENTRE:value`` of one column, unless empty or already prefixed (the centre is the
    ``$centre`` parameter)."""
    c = _quote(column)
    return (
        f"CASE WHEN {c} IS NULL OR {c} = '' OR contains({c}, '{CENTRE_SEPARATOR}') THEN {c} "
        f"ELSE $centre || '{CENTRE_SEPARATOR}' || {c} END"
    )


def merge_databases(out: str, sources: dict[str, str], workers: int = 1) -> dict:
    """Merge databases ({path: centre}) into ``out``; IDs get the centre's prefix."""
    if len(set(sources.values())) != len(sources):
        raise CohortError("each database needs its own centre name")
    infos = {p: schema_info(p) for p in sources}
    check_compatible(infos)
    partial = _fresh(out)
    db = _connect(partial, workers)
    counts = dict.fromkeys(TABLES, 0)
    runs = []
    try:
        for table in TABLES:
            _create(db, table, _core(table))
        for path, centre in sources.items():
            db.execute("ATTACH ? AS src (READ_ONLY)", [path])
            for table in TABLES:
                counts[table] += _copy_table(db, table, centre)
            runs += [
                dict(r, centre=r.get("centre") or centre)
                for r in read_sql(db, "SELECT * FROM src.runs").to_dict("records")
            ]
            db.execute("DETACH src")
        reference = next(iter(infos.values())).get("reference", "")
        _write_meta(db, runs, "merged", reference)
        db.execute("CHECKPOINT")
    finally:
        db.close()
    os.replace(partial, out)
    return counts


def _copy_table(db: duckdb.DuckDBPyConnection, table: str, centre: str) -> int:
    columns = _table_columns(db, table, "src")
    _add_missing_columns(db, table, columns)
    replaced = [f"{_prefix_sql(c)} AS {_quote(c)}" for c in ID_COLUMNS[table] if c in columns]
    select = "*" + (f" REPLACE ({', '.join(replaced)})" if replaced else "")
    source = f"src.{_quote(table)}"
    n = db.execute(f"SELECT COUNT(*) FROM {source}").fetchone()[0]
    params = {"centre": centre} if replaced else None
    db.execute(f"INSERT INTO {_quote(table)} BY NAME SELECT {select} FROM {source}", params)
    return n

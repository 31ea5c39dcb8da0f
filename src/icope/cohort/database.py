"""The cohort database: one SQLite file (no server; Python's standard library, R's RSQLite and
DuckDB's ``ATTACH ... (TYPE sqlite)`` open it) built from the Parquet fragments.

Build: every fragment inserted with the patient taken from its Hive partition, indexes after.
Adding a patient replaces that patient's rows only. Merging two centres' databases checks the
schema version and the reference first and prefixes every patient and sample ID with the
centre (``CENTRE:ID``; sheet IDs cannot contain ``:``).
"""

from __future__ import annotations

import datetime
import json
import os
import sqlite3
from collections.abc import Iterable

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from icope.cohort.schema import INDEXES, INTEGER, REAL, RUNS, SCHEMA_VERSION, TABLES, TEXT

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


class CohortError(Exception):
    """A database that cannot be built, extended or merged as asked."""


def _sql_type(kind: pa.DataType) -> str:
    if pa.types.is_integer(kind) or pa.types.is_boolean(kind):
        return INTEGER
    if pa.types.is_floating(kind):
        return REAL
    return TEXT


def _columns(table: str, paths: Iterable[str]) -> dict[str, str]:
    """Core columns, then every extra column any fragment has, in first-seen order."""
    columns = {"patient": TEXT, **TABLES[table]}
    for path in paths:
        for name, kind in zip(*_schema(path), strict=True):
            columns.setdefault(name, _sql_type(kind))
    return columns


def _schema(path: str) -> tuple[list[str], list[pa.DataType]]:
    schema = pq.read_schema(path)
    return schema.names, schema.types


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _create(db: sqlite3.Connection, table: str, columns: dict[str, str]) -> None:
    body = ", ".join(f"{_quote(c)} {t}" for c, t in columns.items())
    db.execute(f"CREATE TABLE {_quote(table)} ({body})")


def _insert_fragment(db: sqlite3.Connection, table: str, patient: str, path: str) -> int:
    data = pq.read_table(path)
    if data.num_rows == 0:
        return 0
    names = ["patient", *data.column_names]
    marks = ", ".join("?" * len(names))
    sql = f"INSERT INTO {_quote(table)} ({', '.join(map(_quote, names))}) VALUES ({marks})"
    columns = [[patient] * data.num_rows] + [c.to_pylist() for c in data.columns]
    db.executemany(sql, zip(*columns, strict=True))
    return data.num_rows


def _add_missing_columns(db: sqlite3.Connection, table: str, paths: Iterable[str]) -> None:
    have = {row[1] for row in db.execute(f"PRAGMA table_info({_quote(table)})")}
    for name, kind in _columns(table, paths).items():
        if name not in have:
            db.execute(f"ALTER TABLE {_quote(table)} ADD COLUMN {_quote(name)} {kind}")


def _indexes(db: sqlite3.Connection) -> None:
    for table, indexes in INDEXES.items():
        for columns in indexes:
            name = f"idx_{table}_{'_'.join(columns)}"
            db.execute(
                f"CREATE INDEX IF NOT EXISTS {name} ON {_quote(table)} "
                f"({', '.join(map(_quote, columns))})"
            )


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


def _connect(path: str) -> sqlite3.Connection:
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    return db


def _write_meta(db: sqlite3.Connection, runs: list[dict], centre: str, reference: str) -> None:
    _create(db, "runs", RUNS)
    for run in runs:
        db.execute(
            f"INSERT INTO runs ({', '.join(RUNS)}) VALUES ({', '.join('?' * len(RUNS))})",
            [run.get(c, "") for c in RUNS],
        )
    db.execute("CREATE TABLE schema_info (key TEXT PRIMARY KEY, value TEXT)")
    db.executemany(
        "INSERT INTO schema_info VALUES (?, ?)",
        [("schema_version", SCHEMA_VERSION), ("centre", centre), ("reference", reference)],
    )


def _write_part(path: str, columns: dict[str, dict[str, str]], fragments: dict) -> dict:
    """One worker's share: its patients' fragments into a database of its own (no index)."""
    db = _connect(path)
    counts = {}
    with db:
        for table, table_columns in columns.items():
            _create(db, table, table_columns)
            counts[table] = sum(
                _insert_fragment(db, table, patient, fragment)
                for patient, fragment in fragments.get(table, {}).items()
            )
    db.close()
    return counts


def _shares(fragments: dict[str, dict[str, str]], workers: int) -> list[dict]:
    patients = sorted({p for parts in fragments.values() for p in parts})
    groups = [set(patients[i::workers]) for i in range(workers)]
    return [
        {t: {p: f for p, f in parts.items() if p in group} for t, parts in fragments.items()}
        for group in groups
        if group
    ]


def build_database(
    path: str, fragments: dict[str, dict[str, str]], run: dict, workers: int = 1
) -> dict:
    """Write the database at ``path`` from ``fragments`` ({table: {patient: parquet}}) and
    one ``runs`` row; returns the row count per table. Written to a temporary file first.

    With ``workers`` > 1 the patients are split between processes, each filling a database
    of its own (row insertion is the build's cost), then copied into one file by SQLite."""
    partial = f"{path}.partial"
    columns = {t: _columns(t, fragments.get(t, {}).values()) for t in TABLES}
    shares = _shares(fragments, max(1, workers)) or [{}]
    # the first share is written into the database itself, the others copied into it
    parts = [partial] + [f"{partial}.{i}" for i in range(1, len(shares))]
    for leftover in parts:
        if os.path.exists(leftover):
            os.remove(leftover)
    if len(shares) > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(len(shares)) as pool:
            results = list(pool.map(_write_part, parts, [columns] * len(parts), shares))
        db = _connect(partial)
        for part in parts[1:]:
            db.execute("ATTACH DATABASE ? AS part", (part,))
            with db:
                for table in columns:
                    db.execute(f"INSERT INTO {_quote(table)} SELECT * FROM part.{_quote(table)}")
            db.execute("DETACH DATABASE part")
            os.remove(part)
        counts = {t: sum(r[t] for r in results) for t in TABLES}
    else:
        counts = _write_part(partial, columns, shares[0])
        db = _connect(partial)
    with db:
        _indexes(db)
        _write_meta(db, [run], run.get("centre", "local"), run.get("reference", ""))
    db.close()
    os.replace(partial, path)
    return counts


def add_patient(path: str, patient: str, fragments: dict[str, str]) -> dict:
    """Replace one patient's rows (all tables) by its fragments ({table: parquet})."""
    db = _connect(path)
    counts = {}
    with db:
        for table in TABLES:
            db.execute(f"DELETE FROM {_quote(table)} WHERE patient = ?", (patient,))
            if table in fragments:
                _add_missing_columns(db, table, [fragments[table]])
                counts[table] = _insert_fragment(db, table, patient, fragments[table])
    db.close()
    return counts


def open_read_only(path: str) -> sqlite3.Connection:
    if not os.path.exists(path):
        raise CohortError(f"{path}: no such database")
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def query(path: str, sql: str) -> pd.DataFrame:
    """Run one SQL statement on the database, read-only."""
    db = open_read_only(path)
    try:
        return pd.read_sql_query(sql, db)
    except (sqlite3.Error, pd.errors.DatabaseError) as exc:
        raise CohortError(f"query failed: {exc}") from exc
    finally:
        db.close()


def schema_info(path: str) -> dict[str, str]:
    db = open_read_only(path)
    try:
        return dict(db.execute("SELECT key, value FROM schema_info"))
    except sqlite3.Error as exc:
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


def _prefixed(value, centre: str):
    if value is None or value == "" or CENTRE_SEPARATOR in str(value):
        return value
    return f"{centre}{CENTRE_SEPARATOR}{value}"


def merge_databases(out: str, sources: dict[str, str]) -> dict:
    """Merge databases ({path: centre}) into ``out``; IDs get the centre's prefix."""
    if len(set(sources.values())) != len(sources):
        raise CohortError("each database needs its own centre name")
    infos = {p: schema_info(p) for p in sources}
    check_compatible(infos)
    partial = f"{out}.partial"
    if os.path.exists(partial):
        os.remove(partial)
    db = _connect(partial)
    counts = dict.fromkeys(TABLES, 0)
    runs = []
    with db:
        for table in TABLES:
            _create(db, table, {"patient": TEXT, **TABLES[table]})
        for path, centre in sources.items():
            source = open_read_only(path)
            for table in TABLES:
                counts[table] += _copy_table(db, source, table, centre)
            runs += [
                dict(r, centre=r.get("centre") or centre)
                for r in pd.read_sql_query("SELECT * FROM runs", source).to_dict("records")
            ]
            source.close()
        _indexes(db)
        reference = next(iter(infos.values())).get("reference", "")
        _write_meta(db, runs, "merged", reference)
    db.close()
    os.replace(partial, out)
    return counts


def _copy_table(db: sqlite3.Connection, source: sqlite3.Connection, table: str, centre) -> int:
    columns = [row[1] for row in source.execute(f"PRAGMA table_info({_quote(table)})")]
    kinds = {row[1]: row[2] for row in source.execute(f"PRAGMA table_info({_quote(table)})")}
    have = {row[1] for row in db.execute(f"PRAGMA table_info({_quote(table)})")}
    for name in (c for c in columns if c not in have):
        db.execute(f"ALTER TABLE {_quote(table)} ADD COLUMN {_quote(name)} {kinds[name]}")
    ids = [columns.index(c) for c in ID_COLUMNS[table] if c in columns]
    marks = ", ".join("?" * len(columns))
    sql = f"INSERT INTO {_quote(table)} ({', '.join(map(_quote, columns))}) VALUES ({marks})"
    n = 0
    cursor = source.execute(f"SELECT {', '.join(map(_quote, columns))} FROM {_quote(table)}")
    while rows := cursor.fetchmany(50000):
        rows = [list(r) for r in rows]
        for row in rows:
            for i in ids:
                row[i] = _prefixed(row[i], centre)
        db.executemany(sql, rows)
        n += len(rows)
    return n

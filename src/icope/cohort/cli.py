"""``icope cohort ...`` and ``icope bench cohort``: click commands over the cohort package
(registered on the main command line in icope.cli)."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import click
import pyarrow as pa
import pyarrow.parquet as pq

from icope.cohort.database import CohortError, add_patient, merge_databases, query
from icope.cohort.exports import aggregate_table, maf_table, write_aggregate, write_maf
from icope.cohort.queries import EXAMPLE_QUERIES
from icope.cohort.schema import PARQUET_KEY, SCHEMA_VERSION, TABLES

DATABASE = click.Path(exists=True, dir_okay=False)


@click.group("cohort")
def cohort() -> None:
    """Query, export and merge the cohort database (results/cohort/cohort.duckdb)."""


@cohort.command("query")
@click.argument("sql")
@click.option(
    "--db",
    "database",
    default="results/cohort/cohort.duckdb",
    show_default=True,
    type=DATABASE,
    help="The cohort database.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["tsv", "parquet", "json"]),
    default="tsv",
    show_default=True,
)
@click.option(
    "--out", type=click.Path(dir_okay=False), help="File (default: stdout; parquet needs --out)."
)
def query_command(sql: str, database: str, fmt: str, out: str | None) -> None:
    """Run SQL (read-only) on the database. SQL may also name an example query:
    tp53_brca, recurrent_genes, germline_plp_second_hit."""
    try:
        table = query(database, EXAMPLE_QUERIES.get(sql, sql))
    except CohortError as exc:
        raise click.ClickException(str(exc)) from exc
    if fmt == "parquet":
        if not out:
            raise click.UsageError("--format parquet needs --out")
        data = pa.Table.from_pandas(table, preserve_index=False)
        metadata = {**(data.schema.metadata or {}), PARQUET_KEY: SCHEMA_VERSION.encode()}
        pq.write_table(data.replace_schema_metadata(metadata), out)
        return
    if fmt == "json":
        text = json.dumps(json.loads(table.to_json(orient="records")), indent=1) + "\n"
    else:
        text = table.to_csv(sep="\t", index=False, na_rep="")
    if out:
        Path(out).write_text(text)
    else:
        sys.stdout.write(text)


@cohort.command("merge")
@click.argument("databases", nargs=-1, required=True, type=DATABASE)
@click.option(
    "--centre",
    "centres",
    multiple=True,
    help="Centre name of each database, in order (default: the file name without extension).",
)
@click.option("--out", required=True, type=click.Path(dir_okay=False))
def merge_command(databases: tuple[str, ...], centres: tuple[str, ...], out: str) -> None:
    """Merge centres' databases; refuses other schema versions or references; patient and
    sample IDs become CENTRE:ID."""
    if centres and len(centres) != len(databases):
        raise click.UsageError("give one --centre per database")
    names = centres or tuple(Path(d).stem for d in databases)
    try:
        counts = merge_databases(out, dict(zip(databases, names, strict=True)))
    except CohortError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(", ".join(f"{t}: {n}" for t, n in counts.items()))


@cohort.command("add")
@click.argument("database", type=DATABASE)
@click.option("--patient", required=True)
@click.option(
    "--dataset",
    required=True,
    type=click.Path(exists=True, file_okay=False),
    help="The Hive-partitioned dataset holding the patient's fragments.",
)
def add_command(database: str, patient: str, dataset: str) -> None:
    """Add (or replace) one patient's rows from its fragments, without a rebuild."""
    fragments = {
        t: str(Path(dataset) / t / f"patient={patient}" / "part-0.parquet") for t in TABLES
    }
    missing = [p for p in fragments.values() if not Path(p).exists()]
    if missing:
        raise click.ClickException(f"missing fragments: {', '.join(missing)}")
    counts = add_patient(database, patient, fragments)
    click.echo(", ".join(f"{t}: {n}" for t, n in counts.items()))


@cohort.command("maf")
@click.argument("database", type=DATABASE)
@click.option("--out", required=True, type=click.Path(dir_okay=False))
@click.option("--centre", default="centre", show_default=True)
@click.option("--build", default="GRCh38", show_default=True)
@click.option("--pass-only", is_flag=True, help="PASS calls only.")
def maf_command(database: str, out: str, centre: str, build: str, pass_only: bool) -> None:
    """Write the somatic calls as a GDC MAF."""
    write_maf(maf_table(database, centre, build, pass_only), out)


@cohort.command("aggregate")
@click.argument("database", type=DATABASE)
@click.option("--out", required=True, type=click.Path(dir_okay=False))
@click.option("--min-count", default=5, show_default=True, type=click.IntRange(min=1))
def aggregate_command(database: str, out: str, min_count: int) -> None:
    """Write the shareable aggregate (per-variant counts, no patient-level rows)."""
    write_aggregate(aggregate_table(database, min_count), out, min_count, SCHEMA_VERSION)


@click.command("cohort")
@click.option("--patients", default="100,1000", show_default=True, help="Cohort sizes.")
@click.option("--variants", default=5000, show_default=True, help="Calls per patient.")
@click.option("--repeats", default=3, show_default=True, help="Runs per query (median).")
@click.option(
    "--threads", "--workers", "workers", default=2, show_default=True, help="DuckDB threads."
)
@click.option("--scratch", default=None, type=click.Path(file_okay=False), help="Work dir.")
@click.option("--docs", default="docs", show_default=True, type=click.Path(file_okay=False))
@click.option("--no-docs", is_flag=True, help="Print only; leave docs/ alone.")
def bench_cohort(
    patients: str, variants: int, repeats: int, workers: int, scratch, docs: str, no_docs: bool
) -> None:
    """Build, extend and query the cohort database on synthetic cohorts."""
    from icope.bench.cohort_scale import cohort_benchmark, store_section

    sizes = [int(n) for n in patients.split(",")]
    rows = []
    with tempfile.TemporaryDirectory(dir=scratch) as work:
        for n in sizes:
            rows.append(cohort_benchmark(Path(work) / str(n), n, variants, repeats, workers))
            click.echo(json.dumps(rows[-1]))
    if not no_docs:
        command = (
            f"icope bench cohort --patients {patients} --variants {variants} --threads {workers}"
        )
        store_section(Path(docs), rows, command)

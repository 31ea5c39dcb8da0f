"""Results carry no path of the machine they were made on.

A results directory is shared with clinicians and collaborators, so nothing in it may name the
run directory, the checkout, the data directory, a home directory or a user. The workflow
avoids such paths at the source (relative paths in every command, temporary files beside a
job's outputs, ``bcftools --no-version``, neutral names for what fastp reads). What a tool
writes regardless is rewritten here: MultiQC records the absolute path of every file it reads
(``multiqc_sources.txt``, the ``data_sources`` of ``multiqc.parquet``), whatever its config.

:func:`relativise` rewrites a directory tree so that every path under a root (the run
directory) becomes relative to it, as the workflow's own paths are. Usage, from a rule::

    python3 -m icope.core.privacy results/qc/multiqc     # root: the working directory
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path


def path_prefixes(root: Path | str) -> list[str]:
    """The forms in which a path under ``root`` may be written: plain, and escaped as inside
    a JSON string (MultiQC stores its sources as JSON text), each with the trailing ``/``.

    >>> path_prefixes("/runs/a b")
    ['/runs/a b/']
    >>> path_prefixes('/runs/"x"')
    ['/runs/"x"/', '/runs/\\\\"x\\\\"/']
    """
    plain = str(root).rstrip("/") + "/"
    escaped = json.dumps(plain, ensure_ascii=False)[1:-1]
    return [plain] if escaped == plain else [plain, escaped]


def relativise_text(text: str, root: Path | str) -> str:
    """``text`` with every path under ``root`` written relative to it.

    >>> relativise_text("Samtools\\tstats\\tA\\t/runs/r1/results/qc/A.stats", "/runs/r1")
    'Samtools\\tstats\\tA\\tresults/qc/A.stats'
    """
    for prefix in path_prefixes(root):
        text = text.replace(prefix, "")
    return text


def _relativise_parquet(path: Path, root: Path | str) -> bool:
    """Rewrite the string columns of a Parquet file; False when no cell held a path."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    columns, changed = [], False
    for column in table.columns:
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            rewritten = column
            for prefix in path_prefixes(root):
                rewritten = pc.replace_substring(rewritten, pattern=prefix, replacement="")
            changed = changed or not rewritten.equals(column)
            column = rewritten
        columns.append(column)
    if changed:
        codec = pq.ParquetFile(path).metadata.row_group(0).column(0).compression
        rewritten_table = pa.Table.from_arrays(columns, schema=table.schema)
        pq.write_table(rewritten_table, path, compression=codec.lower())
    return changed


def _relativise_file(path: Path, root: Path | str) -> bool:
    if path.suffix == ".parquet":
        return _relativise_parquet(path, root)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False  # binary: no tool writes a path into one here
    rewritten = relativise_text(text, root)
    if rewritten == text:
        return False
    path.write_text(rewritten, encoding="utf-8")
    return True


def relativise(directory: Path | str, root: Path | str | None = None) -> list[Path]:
    """Rewrite every file under ``directory`` so that paths under ``root`` (default: the
    working directory, where the workflow runs) are relative to it. Text files are rewritten
    as text, Parquet files cell by cell; other binary files are left alone. Returns the files
    that changed, in path order."""
    root = os.getcwd() if root is None else root
    files = sorted(p for p in Path(directory).rglob("*") if p.is_file() and not p.is_symlink())
    return [p for p in files if _relativise_file(p, root)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python3 -m icope.core.privacy",
        description="Make the paths a tool wrote under DIRECTORY relative to the run directory.",
    )
    parser.add_argument("directory", type=Path)
    parser.add_argument(
        "--root", type=Path, default=None, help="the run directory (default: the working one)"
    )
    args = parser.parse_args(argv)
    for path in relativise(args.directory, args.root):
        print(f"relativised paths in {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

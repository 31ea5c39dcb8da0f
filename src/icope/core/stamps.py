"""Completeness stamps of reference indexes and calling chunks: files that changed after they
were built are rebuilt on the next run.

Snakemake reruns a job when an output is missing or older than an input, never when an
output itself was damaged later (a truncated ``.bwt`` after a full disk, a file overwritten
by hand). An index rule therefore writes a stamp as its last output: one
``<path>\\t<size>\\t<mtime seconds>`` line per index file (``stat --printf``, so the job needs no
Python). Before planning, the workflow compares the stamp with the files; if any is missing or
differs, the stamp is removed, which makes Snakemake rebuild the index and everything after it.

The jobs that use the files declare the stamp alone as their input, not each file: one input
instead of five (bwa) or two per calling chunk, which is what Snakemake's planning costs per
job (docs/benchmarks.md, DAG). Their size, where a job is sized by them, is the sum the stamp
records (:func:`stamped_bytes`).
"""

from __future__ import annotations

from pathlib import Path

#: The shell command an index rule appends to write its stamp (``{files}``, ``{stamp}``).
STAT_FORMAT = r"%n\t%s\t%Y\n"
#: How every stamp's name ends.
STAMP_SUFFIX = ".stamp"


def write_stamp(paths, stamp: str | Path) -> None:
    """Write ``stamp`` for ``paths`` (as ``stat --printf`` with :data:`STAT_FORMAT` does), for
    rules that write their outputs from Python."""
    lines = []
    for path in paths:
        stat = Path(path).stat()
        lines.append(f"{path}\t{stat.st_size}\t{int(stat.st_mtime)}\n")
    Path(stamp).write_text("".join(lines))


def _records(stamp: Path) -> list[tuple[str, int, int]]:
    """(path, size, mtime seconds) of every file ``stamp`` records."""
    records = []
    for line in stamp.read_text().splitlines():
        name, size, mtime = line.rsplit("\t", 2)
        records.append((name, int(size), int(mtime)))
    return records


def stamped_bytes(stamp: str | Path) -> int:
    """The total size of the files ``stamp`` records, as recorded."""
    return sum(size for _, size, _ in _records(Path(stamp)))


def stamp_problems(stamp: str | Path) -> list[str]:
    """Why the files listed in ``stamp`` no longer match it ([] when they do or no stamp)."""
    stamp = Path(stamp)
    if not stamp.is_file():
        return []
    problems = []
    for name, size, mtime in _records(stamp):
        path = Path(name)
        if not path.exists():
            problems.append(f"{name} is missing")
            continue
        stat = path.stat()
        if stat.st_size != size or int(stat.st_mtime) != mtime:
            problems.append(f"{name} changed after it was built")
    return problems


def invalidate_if_changed(stamp: str | Path) -> list[str]:
    """Remove ``stamp`` when its files changed (so the index is rebuilt); returns the reasons."""
    problems = stamp_problems(stamp)
    if problems:
        Path(stamp).unlink()
    return problems

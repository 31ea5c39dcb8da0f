"""Completeness stamps of reference indexes: an index that changed after it was built is
rebuilt on the next run.

Snakemake reruns a job when an output is missing or older than an input, never when an
output itself was damaged later (a truncated ``.bwt`` after a full disk, a file overwritten
by hand). An index rule therefore writes a stamp as its last output: one
``<path>\\t<size>\\t<mtime seconds>`` line per index file (``stat --printf``, so the job needs no
Python). Before planning, the workflow compares the stamp with the files; if any is missing or
differs, the stamp is removed, which makes Snakemake rebuild the index and everything after it.
"""

from __future__ import annotations

from pathlib import Path

#: The shell command an index rule appends to write its stamp (``{files}``, ``{stamp}``).
STAT_FORMAT = r"%n\t%s\t%Y\n"


def stamp_problems(stamp: str | Path) -> list[str]:
    """Why the files listed in ``stamp`` no longer match it ([] when they do or no stamp)."""
    stamp = Path(stamp)
    if not stamp.is_file():
        return []
    problems = []
    for line in stamp.read_text().splitlines():
        name, size, mtime = line.rsplit("\t", 2)
        path = Path(name)
        if not path.exists():
            problems.append(f"{name} is missing")
            continue
        stat = path.stat()
        if stat.st_size != int(size) or int(stat.st_mtime) != int(mtime):
            problems.append(f"{name} changed after it was built")
    return problems


def invalidate_if_changed(stamp: str | Path) -> list[str]:
    """Remove ``stamp`` when its files changed (so the index is rebuilt); returns the reasons."""
    problems = stamp_problems(stamp)
    if problems:
        Path(stamp).unlink()
    return problems

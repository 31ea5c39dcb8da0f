"""Resuming after a killed run: Snakemake's directory lock, told stale from live.

A Snakemake run that is killed (SIGKILL, a node failure, a wall-time limit) leaves its lock in
``.snakemake/locks/`` and the next run of the same command fails with "Directory cannot be
locked" until the user finds ``--unlock``. The lock records no process, so :func:`stale_lock`
decides from what is running: a lock is stale when no Snakemake process on this machine works
in the directory. ``icope run`` then unlocks and reruns the same command; Snakemake's own
``--rerun-incomplete`` (set in the profiles) redoes the jobs that were cut short.

On a cluster the main Snakemake process runs on one login node: a run started from another
node is not visible here, so use ``icope run`` from the node that started the run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")


@dataclass(frozen=True)
class Process:
    pid: int
    cwd: Path
    argv: list[str]


def is_snakemake(argv: list[str]) -> bool:
    """``snakemake ...`` or ``python -m snakemake ...`` (not ``icope run`` itself)."""
    if not argv:
        return False
    if Path(argv[0]).name == "snakemake":
        return True
    return any(a == "-m" and b == "snakemake" for a, b in zip(argv, argv[1:], strict=False))


def run_directory(process: Process) -> Path:
    """The directory a Snakemake process works in: ``--directory``/``-d`` if given, else its
    current directory."""
    argv = process.argv
    for index, arg in enumerate(argv):
        if arg in ("--directory", "-d") and index + 1 < len(argv):
            return (process.cwd / argv[index + 1]).resolve()
        if arg.startswith("--directory="):
            return (process.cwd / arg.split("=", 1)[1]).resolve()
    return process.cwd.resolve()


def processes(proc: Path = PROC) -> list[Process]:
    """Every process of this machine whose command line and directory can be read."""
    found = []
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().decode(errors="replace").split("\0")
            cwd = Path(os.readlink(entry / "cwd"))
        except OSError:
            continue
        found.append(Process(int(entry.name), cwd, [a for a in argv if a]))
    return found


def lock_files(directory: str | Path) -> list[Path]:
    locks = Path(directory) / ".snakemake" / "locks"
    return sorted(locks.glob("*.lock")) if locks.is_dir() else []


def live_runs(directory: str | Path, proc: Path = PROC) -> list[Process]:
    directory = Path(directory).resolve()
    return [p for p in processes(proc) if is_snakemake(p.argv) and run_directory(p) == directory]


def stale_lock(directory: str | Path, proc: Path = PROC) -> bool:
    """True when the directory is locked but no Snakemake process here works in it."""
    return bool(lock_files(directory)) and not live_runs(directory, proc)

"""Tests for icope.core.locks: a lock left by a killed run is stale, a running one is not."""

from __future__ import annotations

from pathlib import Path

from icope.core.locks import is_snakemake, lock_files, stale_lock


def _process(proc: Path, pid: int, cwd: Path, *argv: str) -> None:
    entry = proc / str(pid)
    entry.mkdir(parents=True)
    (entry / "cmdline").write_bytes(b"\0".join(a.encode() for a in argv) + b"\0")
    (entry / "cwd").symlink_to(cwd)


def _locked(run: Path) -> Path:
    locks = run / ".snakemake" / "locks"
    locks.mkdir(parents=True)
    (locks / "0.input.lock").write_text("results/x\n")
    return run


def test_recognises_snakemake_command_lines():
    assert is_snakemake(["/usr/bin/python3", "-m", "snakemake", "--cores", "2"])
    assert is_snakemake(["/opt/bin/snakemake", "-n"])
    assert not is_snakemake(["python3", "-m", "pytest"])
    assert not is_snakemake(["icope", "run", "--", "-n"])
    assert not is_snakemake([])


def test_no_lock_is_not_stale(tmp_path):
    assert lock_files(tmp_path) == []
    assert not stale_lock(tmp_path, proc=tmp_path / "proc")


def test_lock_without_a_live_run_is_stale(tmp_path):
    run = _locked(tmp_path / "run")
    proc = tmp_path / "proc"
    _process(proc, 10, tmp_path, "python3", "-m", "snakemake")  # another directory
    _process(proc, 11, run, "vim", "Snakefile")  # not snakemake
    assert stale_lock(run, proc=proc)


def test_lock_of_a_live_run_in_the_directory_is_kept(tmp_path):
    run = _locked(tmp_path / "run")
    proc = tmp_path / "proc"
    _process(proc, 12, run, "/usr/bin/python3", "-m", "snakemake", "--cores", "2")
    assert not stale_lock(run, proc=proc)


def test_live_run_elsewhere_with_directory_option(tmp_path):
    run = _locked(tmp_path / "run")
    proc = tmp_path / "proc"
    _process(proc, 13, tmp_path, "snakemake", "--directory", "run", "--cores", "1")
    assert not stale_lock(run, proc=proc)
    other = _locked(tmp_path / "other")
    assert stale_lock(other, proc=proc)

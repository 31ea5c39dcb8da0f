"""Calling chunks run inside one job: scatter, keep each chunk's own records, gather.

One job per sample (germline) or per tumour and method (somatic) calls all of its chunks
(:mod:`icope.core.chunks`), up to ``threads`` at a time, each into its own file in a work
directory beside the job's output. A chunk's caller reads the chunk's padded regions and keeps
the records that *start* in its own (core) regions, so that a record at or across a cut is
reported exactly once and as in an unscattered run. The chunk files are then concatenated in
chunk order (``bcftools concat --naive``: the chunks are contiguous in reference order and
share one header, so the result is one sorted file), whatever order they finished in.

Every command is a shell pipeline in which every path is ``shlex``-quoted: a path holding a
space or ``$(...)`` is passed as one argument, never run.
"""

from __future__ import annotations

import concurrent.futures
import os
import re
import shlex
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

#: Lines of a failed chunk's log quoted in the error.
LOG_TAIL_LINES = 20
#: A chunk's summary line in the job's log (:func:`chunk_summary`).
SUMMARY_LINE = re.compile(r"^chunk (\d{4}): (\d+) bp called in ([0-9.]+) s;", re.MULTILINE)


class ScatterError(RuntimeError):
    """A chunk (or the gather) failed; the message names it and ends with its log's tail."""


@dataclass(frozen=True)
class ChunkSlot:
    """A chunk slot of rule calling_chunks: its name (``0001``), core and padded BEDs."""

    name: str
    core: str
    padded: str

    @property
    def bp(self) -> int:
        """Bases of the chunk's own regions (0 for an unused slot)."""
        with open(self.core) as handle:
            return sum(int(f[2]) - int(f[1]) for f in (line.split("\t") for line in handle) if f)

    @property
    def empty(self) -> bool:
        """An unused slot: an empty core BED (its caller runs on one base, keeps nothing)."""
        return os.path.getsize(self.core) == 0


@dataclass(frozen=True)
class ChunkResult:
    slot: ChunkSlot
    path: Path
    log: Path
    seconds: float
    returncode: int


def chunk_slots(core: list[str], padded: list[str]) -> list[ChunkSlot]:
    """The slots of calling_chunks' outputs, in gather order (their names sort that way)."""
    slots = [
        ChunkSlot(Path(c).name.split(".")[0], str(c), str(p))
        for c, p in zip(core, padded, strict=True)
    ]
    return sorted(slots, key=lambda s: s.name)


def keep_records(slot: ChunkSlot, output: str | Path) -> str:
    """The last step of every chunk's pipeline: the records starting in the chunk's own
    regions (POS-based: a deletion across a cut belongs to the chunk where it starts), as
    BCF; only the header for an unused slot."""
    if slot.empty:
        return f"bcftools view --no-version -i 'POS<0' -Ob -o {shlex.quote(str(output))}"
    return (
        f"bcftools view --no-version -T {shlex.quote(slot.core)} --targets-overlap 0 "
        f"-Ob -o {shlex.quote(str(output))}"
    )


def run_chunk(slot: ChunkSlot, command: str, workdir: Path) -> ChunkResult:
    """One chunk: ``command`` (writing VCF or uncompressed BCF to stdout) piped into
    :func:`keep_records`, into ``workdir/<name>.bcf``; its stdout and stderr in
    ``workdir/<name>.log``."""
    path, log = workdir / f"{slot.name}.bcf", workdir / f"{slot.name}.log"
    script = f"set -euo pipefail; {command} | {keep_records(slot, path)}"
    start = time.monotonic()
    with open(log, "w") as handle:
        code = subprocess.run(
            ["bash", "-c", script], stdin=subprocess.DEVNULL, stdout=handle, stderr=handle
        ).returncode
    return ChunkResult(slot, path, log, time.monotonic() - start, code)


def chunk_summary(result: ChunkResult) -> str:
    """What every chunk logs, so that real-data chunk times and depths can be checked."""
    query = subprocess.run(
        ["bcftools", "query", "-f", "%INFO/DP\\n", str(result.path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    depths = [int(d) for d in query if d.isdigit()]
    deepest = max(depths) if depths else "none (no record with INFO/DP)"
    return (
        f"chunk {result.slot.name}: {result.slot.bp} bp called in {result.seconds:.2f} s; "
        f"{len(query)} records; deepest called site DP {deepest}"
    )


def chunk_seconds(log: str) -> dict[str, float]:
    """Each chunk's wall seconds, from the summary lines of a job's log, in chunk order.

    >>> chunk_seconds("chunk 0001: 20000 bp called in 0.42 s; 57 records; ...")
    {'0001': 0.42}
    """
    return {m.group(1): float(m.group(3)) for m in SUMMARY_LINE.finditer(log)}


def _tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    text = path.read_text(errors="replace").splitlines() if path.exists() else []
    return "\n".join(text[-lines:]) or "(empty log)"


def _run_all(
    slots: list[ChunkSlot], command: Callable[[ChunkSlot], str], workdir: Path, threads: int
) -> dict[str, ChunkResult]:
    """Every chunk, at most ``threads`` at a time; after a failure no further chunk starts."""
    results: dict[str, ChunkResult] = {}
    workers = max(1, min(threads, len(slots)))
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(run_chunk, s, command(s), workdir) for s in slots]
        for future in concurrent.futures.as_completed(futures):
            if future.cancelled():
                continue
            result = future.result()
            results[result.slot.name] = result
            if result.returncode != 0:
                for pending in futures:
                    pending.cancel()
    return results


def write_chunk_logs(slots: list[ChunkSlot], results: dict[str, ChunkResult], log: TextIO) -> None:
    """Each chunk's own log and its summary line, in chunk order."""
    for slot in slots:
        result = results.get(slot.name)
        if result is None:
            log.write(f"chunk {slot.name}: not run (another chunk failed)\n")
            continue
        log.write(result.log.read_text(errors="replace"))
        if result.returncode != 0:
            log.write(f"chunk {slot.name}: failed (exit status {result.returncode})\n")
        else:
            log.write(chunk_summary(result) + "\n")
    log.flush()


def gather(paths: list[Path], output: str | Path, then: str | None, log: TextIO) -> None:
    """The chunk files concatenated in the order given, into ``output`` or, with ``then``
    (a shell pipeline reading BCF on stdin and writing the job's outputs), into that."""
    files = " ".join(shlex.quote(str(p)) for p in paths)
    concat = "bcftools concat --no-version --naive -Ob"
    if then is None:
        script = f"{concat} -o {shlex.quote(str(output))} {files}"
    else:
        script = f"set -euo pipefail; {concat} -o - {files} | {then}"
    done = subprocess.run(
        ["bash", "-c", script], stdin=subprocess.DEVNULL, capture_output=True, text=True
    )
    log.write(done.stdout + done.stderr)
    log.flush()
    if done.returncode != 0:
        raise ScatterError(
            f"gathering {len(paths)} chunks into {output} failed (exit status "
            f"{done.returncode}):\n{done.stderr.strip()[-2000:]}"
        )


def run_scattered(
    slots: list[ChunkSlot],
    command: Callable[[ChunkSlot], str],
    output: str | Path,
    threads: int,
    log: TextIO,
    then: str | None = None,
) -> list[ChunkResult]:
    """Call every chunk (``command(slot)``: a shell pipeline writing VCF or uncompressed BCF
    to stdout, every path in it quoted), keep their own records, gather them in chunk order
    into ``output`` (through ``then`` if given), and remove the work directory
    ``<output>.chunks`` (beside the output, so that no random path enters a result)."""
    workdir = Path(f"{output}.chunks")
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    try:
        results = _run_all(slots, command, workdir, threads)
        write_chunk_logs(slots, results, log)
        failed = [
            results[s.name] for s in slots if s.name in results and results[s.name].returncode
        ]
        if failed:
            first = failed[0]
            raise ScatterError(
                f"chunk {first.slot.name} ({first.slot.core}) failed with exit status "
                f"{first.returncode}; the end of its log:\n{_tail(first.log)}"
            )
        gather([results[s.name].path for s in slots], output, then, log)
        return [results[s.name] for s in slots]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

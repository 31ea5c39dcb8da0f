"""Tests for icope.core.stamps: a damaged index invalidates its stamp."""

from __future__ import annotations

import os
import subprocess

from icope.core.resources import file_bytes
from icope.core.stamps import (
    STAT_FORMAT,
    invalidate_if_changed,
    stamp_problems,
    stamped_bytes,
    write_stamp,
)


def _stamp(tmp_path, *files):
    stamp = tmp_path / "index.stamp"
    result = subprocess.run(
        ["stat", f"--printf={STAT_FORMAT}", *map(str, files)], capture_output=True, text=True
    )
    stamp.write_text(result.stdout)
    return stamp


def test_unchanged_index_keeps_its_stamp(tmp_path):
    index = tmp_path / "genome.fa.bwt"
    index.write_bytes(b"x" * 100)
    stamp = _stamp(tmp_path, index)
    assert stamp_problems(stamp) == []
    assert invalidate_if_changed(stamp) == []
    assert stamp.exists()


def test_truncated_or_missing_index_removes_the_stamp(tmp_path):
    bwt, sa = tmp_path / "genome.fa.bwt", tmp_path / "genome.fa.sa"
    bwt.write_bytes(b"x" * 100)
    sa.write_bytes(b"y" * 100)
    stamp = _stamp(tmp_path, bwt, sa)
    bwt.write_bytes(b"x" * 50)
    sa.unlink()
    assert invalidate_if_changed(stamp) == [
        f"{bwt} changed after it was built",
        f"{sa} is missing",
    ]
    assert not stamp.exists()


def test_same_size_rewritten_later_is_a_change(tmp_path):
    index = tmp_path / "genome.fa.pac"
    index.write_bytes(b"a" * 10)
    stamp = _stamp(tmp_path, index)
    later = index.stat().st_mtime + 5
    os.utime(index, (later, later))
    assert stamp_problems(stamp) == [f"{index} changed after it was built"]


def test_no_stamp_no_problem(tmp_path):
    assert stamp_problems(tmp_path / "absent.stamp") == []


def test_python_stamp_is_the_stat_stamp(tmp_path):
    """write_stamp (rules writing from Python) writes what stat --printf does."""
    core, padded = tmp_path / "0001.core.bed", tmp_path / "0001.padded.bed"
    core.write_text("chr1\t0\t100\n")
    padded.write_text("chr1\t0\t200\n")
    ours = tmp_path / "chunks.stamp"
    write_stamp([core, padded], ours)
    assert ours.read_text() == _stamp(tmp_path, core, padded).read_text()
    assert stamp_problems(ours) == []
    padded.write_text("chr1\t0\t300\n")
    os.utime(padded, (0, 0))
    assert invalidate_if_changed(ours) == [f"{padded} changed after it was built"]


def test_a_stamp_is_as_big_as_the_files_it_records(tmp_path):
    """Jobs sized by an index declare its stamp: its size is the index's, as recorded."""
    bwt, sa = tmp_path / "genome.fa.bwt", tmp_path / "genome.fa.sa"
    bwt.write_bytes(b"x" * 1000)
    sa.write_bytes(b"y" * 500)
    stamp = _stamp(tmp_path, bwt, sa)
    assert stamped_bytes(stamp) == 1500
    assert file_bytes(str(stamp)) == 1500
    assert file_bytes(str(bwt)) == 1000

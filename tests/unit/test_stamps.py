"""Tests for icope.core.stamps: a damaged index invalidates its stamp."""

from __future__ import annotations

import os
import subprocess

from icope.core.stamps import STAT_FORMAT, invalidate_if_changed, stamp_problems


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

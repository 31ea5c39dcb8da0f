"""Tests for icope.core.datafiles: locating the data directory and checking the md5 manifest."""

from __future__ import annotations

import hashlib

import pytest

from icope.core.datafiles import (
    DATA_DIR_ENV,
    DataError,
    check_manifest,
    md5sum,
    read_manifest,
    resolve_data_dir,
)


@pytest.fixture
def no_env(monkeypatch):
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)


def test_env_variable_name():
    assert DATA_DIR_ENV == "ICOPE_DATA_DIR"


def test_explicit_path_wins_over_env(tmp_path, monkeypatch):
    explicit = tmp_path / "explicit"
    explicit.mkdir()
    other = tmp_path / "from_env"
    other.mkdir()
    monkeypatch.setenv(DATA_DIR_ENV, str(other))
    assert resolve_data_dir(str(explicit), tmp_path / "wf") == explicit.resolve()


def test_explicit_path_that_is_not_a_directory(tmp_path, no_env):
    missing = tmp_path / "nothing"
    with pytest.raises(DataError, match="is not a directory") as info:
        resolve_data_dir(str(missing), tmp_path)
    assert str(missing) in str(info.value)


def test_env_variable_used_for_auto(tmp_path, monkeypatch):
    env_dir = tmp_path / "env_data"
    env_dir.mkdir()
    monkeypatch.setenv(DATA_DIR_ENV, str(env_dir))
    assert resolve_data_dir("auto", tmp_path / "wf") == env_dir.resolve()
    assert resolve_data_dir(None, tmp_path / "wf") == env_dir.resolve()


def test_env_variable_pointing_nowhere(tmp_path, monkeypatch):
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "gone"))
    with pytest.raises(DataError, match="is not a directory"):
        resolve_data_dir("auto", tmp_path / "wf")


def test_auto_finds_shared_data_beside_checkout(tmp_path, no_env):
    workflow_dir = tmp_path / "checkout"
    workflow_dir.mkdir()
    shared = tmp_path / "shared" / "data"
    shared.mkdir(parents=True)
    assert resolve_data_dir("auto", workflow_dir) == shared.resolve()
    assert resolve_data_dir("", str(workflow_dir)) == shared.resolve()


def test_auto_without_shared_data_mentions_env_variable(tmp_path, no_env):
    workflow_dir = tmp_path / "checkout"
    workflow_dir.mkdir()
    with pytest.raises(DataError) as info:
        resolve_data_dir("auto", workflow_dir)
    message = str(info.value)
    assert "ICOPE_DATA_DIR" in message
    assert str(tmp_path / "shared" / "data") in message


ALPHA_MD5 = hashlib.md5(b"alpha\n").hexdigest()
BETA_MD5 = hashlib.md5(b"beta\n").hexdigest()


def _data(tmp_path):
    data = tmp_path / "data"
    (data / "sub").mkdir(parents=True)
    (data / "a.txt").write_text("alpha\n")
    (data / "sub" / "b.txt").write_text("beta\n")
    return data


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def test_md5sum_matches_hashlib(tmp_path):
    path = tmp_path / "f.bin"
    payload = bytes(range(256)) * 10
    path.write_bytes(payload)
    assert md5sum(path, chunk=7) == hashlib.md5(payload).hexdigest()


def test_check_manifest_ok(tmp_path):
    data = _data(tmp_path)
    manifest = tmp_path / "manifest.md5"
    manifest.write_text(
        f"# md5 of the test data\n{ALPHA_MD5}  a.txt\n\n{BETA_MD5.upper()}  sub/b.txt\n"
    )
    assert read_manifest(manifest) == [
        (_md5("alpha\n"), "a.txt"),
        (_md5("beta\n"), "sub/b.txt"),
    ]
    assert check_manifest(manifest, data) == 2


def test_check_manifest_missing_file(tmp_path):
    data = _data(tmp_path)
    manifest = tmp_path / "manifest.md5"
    manifest.write_text(f"{ALPHA_MD5}  a.txt\n{_md5('x')}  c.txt\n")
    with pytest.raises(DataError) as info:
        check_manifest(manifest, data)
    assert str(info.value) == f"missing data file: {data / 'c.txt'} (listed in {manifest})"


def test_check_manifest_changed_file(tmp_path):
    data = _data(tmp_path)
    (data / "sub" / "b.txt").write_text("BETA changed\n")
    expected = _md5("beta\n")
    actual = _md5("BETA changed\n")
    manifest = tmp_path / "manifest.md5"
    manifest.write_text(f"{ALPHA_MD5}  a.txt\n{expected}  sub/b.txt\n")
    with pytest.raises(DataError) as info:
        check_manifest(manifest, data)
    message = str(info.value)
    assert message.startswith("changed data file: ")
    assert str(data / "sub" / "b.txt") in message
    assert f"has md5 {actual}" in message
    assert f"expects {expected}" in message
    assert "a.txt" not in message


def test_check_manifest_lists_every_problem(tmp_path):
    data = _data(tmp_path)
    manifest = tmp_path / "manifest.md5"
    manifest.write_text(f"{_md5('wrong')}  a.txt\n{_md5('x')}  c.txt\n")
    with pytest.raises(DataError) as info:
        check_manifest(manifest, data)
    lines = str(info.value).splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"changed data file: {data / 'a.txt'}")
    assert lines[1].startswith(f"missing data file: {data / 'c.txt'}")


@pytest.mark.parametrize(
    "bad_line",
    ["abc123  a.txt", f"{_md5('alpha')}", f"{_md5('alpha')}x  a.txt"],
    ids=["short-md5", "no-path", "long-md5"],
)
def test_malformed_manifest_line(tmp_path, bad_line):
    data = _data(tmp_path)
    manifest = tmp_path / "manifest.md5"
    manifest.write_text(f"# header\n{ALPHA_MD5}  a.txt\n{bad_line}\n")
    with pytest.raises(DataError) as info:
        check_manifest(manifest, data)
    assert str(info.value) == f"{manifest}, line 3: expected '<md5>  <relative path>'"


def test_manifest_md5_is_cached_until_the_file_changes(tmp_path, monkeypatch):
    from icope.core import datafiles
    from icope.core.filecache import FileCache

    data = tmp_path / "data"
    data.mkdir()
    (data / "a.txt").write_text("hello\n")
    manifest = tmp_path / "m.md5"
    manifest.write_text("b1946ac92492d2347c6235b4d2611184  a.txt\n")
    cache = FileCache(tmp_path / "cache.json")
    assert datafiles.check_manifest(manifest, data, cache) == 1
    monkeypatch.setattr(datafiles, "md5sum", lambda path: "0" * 32)
    assert datafiles.check_manifest(manifest, data, FileCache(tmp_path / "cache.json")) == 1
    (data / "a.txt").write_text("changed\n")
    with pytest.raises(DataError, match="changed data file"):
        datafiles.check_manifest(manifest, data, FileCache(tmp_path / "cache.json"))

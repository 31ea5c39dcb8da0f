"""The skip policy of tests/conftest.py: undeclared skips fail the run, declared ones do not,
and a missing shared-data file fails the test that needs it."""

from __future__ import annotations

from pathlib import Path

CONFTEST = (Path(__file__).parent / "conftest.py").read_text()


def test_undeclared_skip_fails_the_session(pytester):
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        "import pytest\n"
        "def test_tool():\n"
        "    pytest.skip('bcftools not on PATH')\n"
        "def test_ok():\n"
        "    assert True\n"
    )
    result = pytester.runpytest()
    assert result.ret == 1
    result.stdout.fnmatch_lines(["skipped tests: 1 (0 declared, 1 undeclared)", "*UNDECLARED*"])


def test_declared_skip_passes(pytester):
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        "import pytest\ndef test_perm():\n    pytest.skip('root can read any file')\n"
    )
    result = pytester.runpytest()
    assert result.ret == 0
    result.stdout.fnmatch_lines(["skipped tests: 1 (1 declared, 0 undeclared)"])


def test_missing_shared_file_fails(pytester, tmp_path, monkeypatch):
    monkeypatch.setenv("ICOPE_DATA_DIR", str(tmp_path))
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        "def test_needs(shared_data):\n    shared_data('panels/panel_zero.tsv.gz')\n"
    )
    result = pytester.runpytest()
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*shared test data file missing*panel_zero.tsv.gz*"])

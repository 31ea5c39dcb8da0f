"""What every test shares: the one way to find the shared test data, and the skip policy.

Shared data: tests ask the `shared_data` fixture for a path relative to the data directory
(`data_dir: auto`, i.e. $ICOPE_DATA_DIR or ../shared/data beside the checkout, exactly as the
workflow resolves it). A missing file FAILS the test, naming the file: a test that needs data
never skips in silence because the data are not where they should be.

Skips: a test may only be skipped for a reason declared in DECLARED_SKIPS. Any other skip
(a tool missing from PATH, an optional package absent, a hand-written `pytest.skip`) fails the
session, and the summary prints how many tests were skipped and why.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from icope.core.datafiles import DataError, resolve_data_dir

REPO = Path(__file__).resolve().parents[1]
pytest_plugins = ["pytester"]

# Skip reasons that are allowed, each with why the test cannot run in CI. Matched against the
# start of the skip reason.
DECLARED_SKIPS = {
    "root can read any file": "the unreadable-file check cannot be exercised as root (CI is root)",
}


def data_dir() -> Path:
    """The shared test data directory, resolved as the workflow resolves `data_dir: auto`."""
    try:
        return resolve_data_dir("auto", REPO)
    except DataError as exc:
        pytest.fail(f"shared test data not found: {exc}", pytrace=False)


class SharedData:
    """Paths under the shared data directory; a missing file fails the calling test."""

    def __init__(self, root: Path):
        self.root = root

    def __call__(self, relative: str) -> Path:
        path = self.root / relative
        if not path.exists():
            pytest.fail(
                f"shared test data file missing: {path} (data_dir {self.root}); the tests need "
                "the bundled data set (see ../shared/data/PROVENANCE.md)",
                pytrace=False,
            )
        return path


@pytest.fixture(scope="session")
def shared_data() -> SharedData:
    """`shared_data("panels/panel_zero.tsv.gz")` -> the path, or the test fails."""
    return SharedData(data_dir())


# --------------------------------------------------------------------------- skip policy

_SKIPS: list[tuple[str, str]] = []


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    text = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    return text.removeprefix("Skipped: ")


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and not hasattr(report, "wasxfail"):
        _SKIPS.append((report.nodeid, _skip_reason(report)))


def undeclared(skips: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(node, why) for node, why in skips if not why.startswith(tuple(DECLARED_SKIPS))]


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    bad = undeclared(_SKIPS)
    terminalreporter.write_line(
        f"skipped tests: {len(_SKIPS)} ({len(_SKIPS) - len(bad)} declared, {len(bad)} undeclared)"
    )
    for node, why in _SKIPS:
        mark = "UNDECLARED" if (node, why) in bad else "declared"
        terminalreporter.write_line(f"  {mark}: {node}: {why}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if undeclared(_SKIPS) and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def _point_reads_bam(path, genome: str, alleles) -> str:
    """A sorted, indexed BAM of 50 bp reads copying ``genome`` (one contig, chr1), one read per
    (1-based position, base there) of ``alleles``, each starting 20 bp before its position;
    MAPQ 60, base quality 40."""
    import pysam

    header = {"HD": {"VN": "1.6", "SO": "coordinate"}, "SQ": [{"SN": "chr1", "LN": len(genome)}]}
    path = str(path)
    with pysam.AlignmentFile(path, "wb", header=header) as out:
        for i, (pos, base) in enumerate(sorted(alleles)):
            start = pos - 21
            seq = genome[start : start + 20] + base + genome[start + 21 : start + 50]
            read = pysam.AlignedSegment(out.header)
            read.query_name, read.query_sequence = f"r{i}", seq
            read.reference_id, read.reference_start = 0, start
            read.cigarstring, read.mapping_quality = "50M", 60
            read.query_qualities = pysam.qualitystring_to_array("I" * 50)
            out.write(read)
    pysam.index(path)
    return path


@pytest.fixture
def point_reads_bam():
    """`point_reads_bam(path, genome, [(pos, base), ...])` -> the path of a BAM with one
    read per allele (see _point_reads_bam)."""
    return _point_reads_bam

"""Results name nothing of the machine they were made on and are closed to other users.

The whole test workflow's results (the shared `completed_run`) are read file by file, as text
(results_files.text_view: BAM/CRAM headers, decompressed gzip/bgzip, Parquet rows, MultiQC's
embedded plot data), and searched for the run directory, the checkout, the data directory, the
home directory, the Python installation, a temporary directory and the user name.
"""

from __future__ import annotations

import getpass
import os
import re
import stat
import sysconfig
import tempfile
from pathlib import Path

import pytest

from icope.core.datafiles import resolve_data_dir

from .conftest import REPO
from .results_files import BINARY_SUFFIXES, is_binary, result_files, text_view

pytestmark = pytest.mark.workflow

#: The only links in results/: known-site VCFs and their indexes are linked from data_dir, not
#: copied (whole-genome dbSNP and gnomAD files are many gigabytes). A link's target is a path,
#: so these are the one place results/ names the data directory.
KNOWN_SITE_LINK = re.compile(r"results/reference/known/[a-z]+\.vcf\.gz(\.tbi)?")


def _path_pattern(path: str) -> re.Pattern:
    """A directory as written in a file: the path itself, ending there or at a separator (so
    /root does not match /rootfs)."""
    path = path.rstrip("/")
    return re.compile(re.escape(path) + r"(?![A-Za-z0-9_.-])")


def forbidden_patterns(run_dir: Path) -> dict[str, re.Pattern]:
    user = re.escape(getpass.getuser())
    patterns = {
        "the run directory": _path_pattern(str(run_dir)),
        "the run directory (resolved)": _path_pattern(str(run_dir.resolve())),
        "the checkout": _path_pattern(str(REPO)),
        "the data directory": _path_pattern(str(resolve_data_dir("auto", REPO))),
        "the home directory": _path_pattern(str(Path.home())),
        "the Python installation": _path_pattern(sysconfig.get_paths()["purelib"]),
        "a temporary directory": re.compile(
            "|".join(re.escape(d.rstrip("/") + "/") for d in {"/tmp", tempfile.gettempdir()})
        ),
        # The user name as such ("root" is also a CSS selector and a word): in a home
        # directory, as user@host, or as the value of a user/owner/login field.
        "the user name": re.compile(
            rf"/home/{user}(?![A-Za-z0-9_.-])|(?<![A-Za-z0-9_.-]){user}@"
            rf"|\b(?:user(?:name)?|owner|login)[\"']?\s*[:=]\s*[\"']?{user}\b",
            re.IGNORECASE,
        ),
    }
    return patterns


def _findings(text: str, patterns: dict[str, re.Pattern]) -> list[str]:
    found = []
    for name, pattern in patterns.items():
        match = pattern.search(text)
        if match:
            excerpt = text[max(0, match.start() - 60) : match.end() + 60].replace("\n", " ")
            found.append(f"{name}: ...{excerpt}...")
    return found


def test_no_result_names_a_path_or_user_of_this_machine(completed_run):
    patterns = forbidden_patterns(completed_run)
    findings, read = {}, 0
    for relative in result_files(completed_run):
        path = completed_run / relative
        if path.is_symlink():
            continue  # test_only_known_sites_are_links_into_the_data_directory
        if path.name.endswith(BINARY_SUFFIXES):
            assert is_binary(path.read_bytes()), f"{relative} is not binary: read it as text"
            continue
        read += 1
        found = _findings(text_view(path), patterns)
        if found:
            findings[str(relative)] = found
    assert read > 150, "the scan read too few files: is results/ complete?"
    assert findings == {}


def test_every_report_kind_was_read(completed_run):
    # The scan above reads these through their decoders; each must show real content.
    views = {
        "results/alignment/NA12878.bam": "@PG\tID:samtools",
        "results/germline/NA12878.vcf.gz": "#CHROM\tPOS",
        "results/cohort/variants.parquet": '"rows"',
        "results/qc/multiqc/multiqc_report_data/multiqc.parquet": "data_sources",
        "results/qc/multiqc/multiqc_report.html": '"fastp_filtered_reads_plot"',
    }
    for relative, expected in views.items():
        assert expected in text_view(completed_run / relative), relative


def test_tool_records_are_relative(completed_run):
    """Where a tool records a command or a file, it is a path relative to the run directory."""
    bam = text_view(completed_run / "results/alignment/NA12878.bam")
    assert "-T results/alignment/units/NA12878/L001.sort " in bam
    assert "-T results/alignment/NA12878.markdup " in bam
    fastp = (completed_run / "results/qc/fastp/NA12878.L001.fastp.json").read_text()
    assert "--in1 results/qc/fastp/NA12878.L001.reads/NA12878_R1.fastq.gz " in fastp
    assert not (completed_run / "results/qc/fastp/NA12878.L001.reads").exists()
    sources = completed_run / "results/qc/multiqc/multiqc_report_data/multiqc_sources.txt"
    assert "\tNA12878\tresults/qc/fastp/NA12878.L001.fastp.json" in sources.read_text()
    dictionary = (completed_run / "results/reference/genome.dict").read_text()
    assert "\tUR:genome.fa" in dictionary
    vcf_header = text_view(completed_run / "results/annotation/germline/NA12878.vcf.gz")
    assert "Command=" not in vcf_header and "##bcftools" not in vcf_header
    assert (completed_run / "logs/qc/multiqc.debug.log").exists()


def test_only_known_sites_are_links_into_the_data_directory(completed_run):
    data_dir = resolve_data_dir("auto", REPO).resolve()
    links = [r for r in result_files(completed_run) if (completed_run / r).is_symlink()]
    assert links, "the test config has dbSNP and gnomAD known sites"
    for relative in links:
        assert KNOWN_SITE_LINK.fullmatch(str(relative)), f"unexpected link {relative}"
        target = Path(os.readlink(completed_run / relative))
        assert target.is_absolute() and target.resolve().is_relative_to(data_dir), relative


def test_no_output_is_open_to_other_users(completed_run):
    """umask "007" (the default): files 660, directories 770, nothing for other users."""
    open_to_others = []
    for top in ("results", "logs", "benchmarks"):
        for path in [completed_run / top, *(completed_run / top).rglob("*")]:
            if path.is_symlink():
                continue  # a link's own mode means nothing; its target is the data directory
            mode = path.stat().st_mode
            if mode & 0o007:
                open_to_others.append(f"{path.relative_to(completed_run)} {stat.filemode(mode)}")
    assert open_to_others == []
    bam_mode = (completed_run / "results/alignment/NA12878.bam").stat().st_mode
    assert stat.S_IMODE(bam_mode) == 0o660
    assert stat.S_IMODE((completed_run / "results").stat().st_mode) == 0o770

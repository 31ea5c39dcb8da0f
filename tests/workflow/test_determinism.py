"""Two clean runs of the test workflow give byte-identical results, apart from what ALLOWED
declares: timestamps, and salmon's estimates (issue 15 makes salmon quantify on one thread;
its online fragment-length model and its index, laid out differently on every build, still
move TPM by up to ~4e-4 relative, NumReads not). A file allowed to differ is still compared
once its declared fields are removed (and, for salmon's estimates, with the declared numeric
tolerance), unless its format makes that meaningless (binary, or log lines in thread order).

The second run sits at a different path with spaces in it ("second run", data under
"data dir"): no path of a run reaches its results, so where a run is made cannot change them,
and every shell command must quote its paths for the run to succeed at all.
"""

from __future__ import annotations

import fnmatch
import json
import math
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml

from icope.core.datafiles import resolve_data_dir

from .conftest import REPO, make_run_dir, snakemake
from .results_files import multiqc_plot_data, result_files, text_view

pytestmark = pytest.mark.workflow

ISO_TIME = r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)?"
SALMON_TIME = r"\w{3} \w{3} \d\d \d\d:\d\d:\d\d \d{4}"
LOG_TIME = r"\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+\]"
FASTP_TIME = r"\d{4}-\d\d-\d\d\s+\d\d:\d\d:\d\d"
#: the md5 of salmon's quant file among the report's input files (JSON, HTML)
SALMON_MD5_JSON = r'(?<="file": "results/rna/)([^"]+",\s*"md5": ")[0-9a-f]{32}'
SALMON_MD5_HTML = r"(?<=<td>results/rna/)([^<]+</td><td><code>)[0-9a-f]{32}"
# A number, also with thousands separators as the HTML report prints them (12,895).
_NUMBER = re.compile(
    r"-?(?<![\d,])\d{1,3}(?:,\d{3})+(?![\d])(?:\.\d+)?|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?"
)


def _strip(text: str, patterns: tuple[str, ...]) -> str:
    for pattern in patterns:
        text = re.sub(pattern, "<declared>", text, flags=re.MULTILINE)
    return text


def without(*patterns: str) -> Callable[[Path], str]:
    """The file's text with each declared pattern (a timestamp) replaced."""
    return lambda path: _strip(text_view(path), patterns)


def multiqc_html(path: Path) -> str:
    """MultiQC's report without its creation time, random report UUID and the gzip mtime of
    the embedded plot data (compared decompressed); salmon's plots are left out (issue 15)."""
    html = path.read_text()
    plots = {
        k: v for k, v in multiqc_plot_data(html).items() if "salmon" not in k and "star" not in k
    }
    html = re.sub(r'(id="mqc_compressed_plotdata">)[^<]*', r"\1", html)
    html = _strip(html, (r'reportUuid = "[^"]*"', r'configCreationDate = "[^"]*"'))
    return html + json.dumps(plots, sort_keys=True)


STAR_TIMES = r"^ *(Started job on|Started mapping on|Finished on|Mapping speed.*) \|.*$"


def multiqc_star(path: Path) -> str:
    """MultiQC's STAR table without the mapping speed (a rate of the machine's load)."""
    table = pd.read_csv(path, sep="\t")
    return table.drop(columns=[c for c in table.columns if "speed" in c]).to_csv(sep="\t")


def multiqc_parquet(path: Path) -> str:
    """MultiQC's table without its creation times; salmon's rows are left out (issue 15)."""
    table = pd.read_parquet(path).drop(columns="creation_date")
    table = table[~table["anchor"].fillna("").str.contains("salmon|star")]
    return _strip(table.to_json(orient="records"), (ISO_TIME,))


@dataclass(frozen=True)
class Allowed:
    reason: str
    #: The content compared once the declared differences are removed; None: not comparable.
    view: Callable[[Path], str] | None
    #: Relative and absolute tolerance on every number of the view (salmon, issue 15).
    rel: float = 0.0
    abs: float = 0.0


def duckdb_dump(path: Path) -> str:
    """A DuckDB database as a canonical text dump, without its timestamps (the cohort
    database's runs row: created_utc and the run_id made from it). A DuckDB file is not
    byte-stable between two builds of the same rows (its block layout and row order follow
    DuckDB's threads), so every table is compared instead: its name, column names and types,
    and its rows sorted by all columns."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        lines = []
        for (table,) in sorted(con.execute("SHOW TABLES").fetchall()):
            columns = [r[:2] for r in con.execute(f'DESCRIBE "{table}"').fetchall()]
            lines.append(f"{table} {columns}")
            rows = con.execute(f'SELECT * FROM "{table}" ORDER BY ALL').fetchall()
            lines += [repr(row) for row in rows]
        return _strip("\n".join(lines), (ISO_TIME,))
    finally:
        con.close()


#: Each file allowed to differ between two clean runs, and why.
ALLOWED = {
    "results/cohort/cohort.duckdb": Allowed(
        "not byte-stable (DuckDB's block layout); compared as a canonical dump of every table "
        "without the runs table's creation time (created_utc, run_id); the expression table's "
        "TPM comes from salmon (within 1e-4 relative between runs, issue 15)",
        duckdb_dump,
        rel=1e-3,
    ),
    "results/patients/*/report.json": Allowed(
        "the report's generation time ('generated'); expression values come from salmon "
        "(TPM within 1e-4 relative between runs, issue 15), so does the md5 of its quant file",
        without(r'"generated": "[^"]*"', SALMON_MD5_JSON),
        rel=1e-3,
    ),
    "results/patients/*/report.html": Allowed(
        "the generation time in the footer; expression values from salmon (issue 15) and the "
        "md5 of its quant file in the provenance",
        without(ISO_TIME, SALMON_MD5_HTML),
        rel=1e-3,
    ),
    "results/qc/fastp/*.fastp.html": Allowed(
        "fastp prints its run time in the title and footer", without(FASTP_TIME)
    ),
    "results/qc/multiqc/multiqc_report.html": Allowed(
        "creation time, a random report UUID, the gzip mtime of the embedded plot data",
        multiqc_html,
    ),
    "results/qc/multiqc/multiqc_report_data/multiqc.parquet": Allowed(
        "creation times (a column, and inside each plot's JSON); salmon's rows", multiqc_parquet
    ),
    "results/qc/multiqc/multiqc_report_data/multiqc_salmon.txt": Allowed(
        "salmon's start and end time; fragment-length mean and sd (1e-4 relative, issue 15)",
        without(SALMON_TIME),
        rel=1e-3,
    ),
    "results/qc/multiqc/multiqc_report_data/multiqc_star.txt": Allowed(
        "STAR's mapping speed (reads per hour)", multiqc_star
    ),
    "results/rna/*/star/*.Log.final.out": Allowed(
        "STAR's start and end times and mapping speed", without(STAR_TIMES)
    ),
    "results/rna/*/genes.tsv": Allowed(
        "gene TPM summed from salmon's (1e-4 relative, salmon index order)", without(), rel=1e-3
    ),
    "results/cohort/expression_tpm.tsv": Allowed(
        "the cohort's TPM matrix of the gene tables above", without(), rel=1e-3
    ),
    "results/cohort/expression_outliers.tsv": Allowed(
        "TPM and cohort means from the gene tables above", without(), rel=1e-3
    ),
    "results/cohort/dataset/expression/*/part-*.parquet": Allowed(
        "the cohort dataset's expression rows: TPM from the gene tables above", without(), rel=1e-3
    ),
    "results/qc/multiqc/multiqc_report_data/salmon_plot.txt": Allowed(
        "salmon's fragment-length distribution (probabilities within 3e-4, issue 15)",
        without(),
        abs=1e-3,
    ),
    "results/reference/genome.fa.bwa_index.stamp": Allowed(
        "the bwa index files' mtimes, by design (a changed index file invalidates the stamp)",
        without(r"\t\d+$"),
    ),
    "results/reference/chunks/chunks.stamp": Allowed(
        "the chunk BEDs' mtimes, by design (a changed BED invalidates the stamp)",
        without(r"\t\d+$"),
    ),
    "results/reference/salmon_index/*.bin": Allowed(
        "salmon index -p 2 builds its arrays in thread order (issue 15); binary", None
    ),
    "results/reference/salmon_index/*.log": Allowed("salmon's log times", without(LOG_TIME)),
    "results/rna/*/quant*.sf": Allowed(
        "salmon quant -p 2: TPM and EffectiveLength within 1e-4 relative (issue 15)",
        without(),
        rel=1e-3,
    ),
    "results/rna/*/salmon/quant*.sf": Allowed(
        "salmon's own copy of the tables above (issue 15)", without(), rel=1e-3
    ),
    "results/rna/*/salmon/aux_info/meta_info.json": Allowed(
        "salmon's start and end time; fragment-length mean and sd (issue 15)",
        without(SALMON_TIME),
        rel=1e-3,
    ),
    "results/rna/*/salmon/libParams/flenDist.txt": Allowed(
        "salmon's fragment-length distribution (probabilities within 3e-4, issue 15)",
        without(),
        abs=1e-3,
    ),
    "results/rna/*/salmon/aux_info/fld.gz": Allowed(
        "the fragment-length distribution above, binary (issue 15)", None
    ),
    "results/rna/*/salmon/logs/salmon_quant.log": Allowed(
        "log times, and lines from salmon's threads in varying order and number", None
    ),
    "results/sv/*.vcf.gz": Allowed(
        "delly's ##fileDate (a date: differs only for runs on different days)",
        without(r"^##fileDate=\d+$"),
    ),
    "results/sv/delly/*.calls.bcf": Allowed(
        "delly's ##fileDate (a date: differs only for runs on different days)",
        without(r"^##fileDate=\d+$"),
    ),
}


def _allowance(relative: Path) -> Allowed | None:
    matches = [a for pattern, a in ALLOWED.items() if fnmatch.fnmatchcase(str(relative), pattern)]
    return matches[0] if matches else None


def _numbers_close(first: str, second: str, allowed: Allowed) -> bool:
    """The same text with every number equal within the allowance's tolerances."""
    if _NUMBER.split(first) != _NUMBER.split(second):
        return False
    pairs = zip(_NUMBER.findall(first), _NUMBER.findall(second), strict=True)
    return all(
        math.isclose(
            float(a.replace(",", "")),
            float(b.replace(",", "")),
            rel_tol=allowed.rel,
            abs_tol=allowed.abs,
        )
        for a, b in pairs
    )


def _same_after_declared(first: Path, second: Path, allowed: Allowed) -> bool:
    view_first, view_second = allowed.view(first), allowed.view(second)
    if allowed.rel or allowed.abs:
        return _numbers_close(view_first, view_second, allowed)
    return view_first == view_second


def _link_data_dir(run_dir: Path) -> Path:
    """A data directory "data dir" whose folders link to the shared data's."""
    shared, data_dir = resolve_data_dir("auto", REPO), run_dir / "data dir"
    data_dir.mkdir()
    for entry in shared.iterdir():
        (data_dir / entry.name).symlink_to(entry)
    return data_dir


@pytest.fixture(scope="module")
def second_run(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    run_dir = make_run_dir(tmp_path_factory.mktemp("determinism") / "second run")
    config_file = run_dir / "config" / "config.yaml"
    config = yaml.safe_load(config_file.read_text())
    config["data_dir"] = str(_link_data_dir(run_dir))
    config_file.write_text(yaml.safe_dump(config, sort_keys=False))
    # Read paths may not contain a space (the sheet rejects them): absolute, under the shared
    # data directory; the reference and known sites are read from "data dir".
    units = run_dir / "config" / "units.tsv"
    sheet = pd.read_csv(units, sep="\t", dtype=str, keep_default_na=False)
    shared = resolve_data_dir("auto", REPO)
    for column in ("fq1", "fq2"):
        sheet[column] = [str(shared / p) if p else "" for p in sheet[column]]
    sheet.to_csv(units, sep="\t", index=False)
    return run_dir, snakemake(run_dir, "--cores", "2", check=False)


def test_run_with_spaces_in_its_paths_succeeds(second_run):
    run_dir, result = second_run
    assert " " in str(run_dir) and "data dir" in (run_dir / "config/config.yaml").read_text()
    assert result.returncode == 0, result.stderr[-5000:]
    assert (run_dir / "results/qc/multiqc/multiqc_report.html").stat().st_size > 0
    assert "PASS" in text_view(run_dir / "results/germline/NA12878.vcf.gz")


def test_two_runs_give_identical_results(completed_run, second_run):
    second, result = second_run
    assert result.returncode == 0, result.stderr[-5000:]
    files = result_files(completed_run)
    assert files == result_files(second), "the two runs wrote different files"
    differing = [r for r in files if (completed_run / r).read_bytes() != (second / r).read_bytes()]
    undeclared = [str(r) for r in differing if _allowance(r) is None]
    assert undeclared == [], f"differ without a declared reason (all differing: {differing})"
    still_differing = [
        str(r)
        for r in differing
        if _allowance(r).view is not None
        and not _same_after_declared(completed_run / r, second / r, _allowance(r))
    ]
    assert still_differing == [], "differ beyond their declared fields"


def test_every_allowance_names_existing_files(completed_run):
    files = [str(r) for r in result_files(completed_run)]
    unused = [p for p in ALLOWED if not fnmatch.filter(files, p)]
    assert unused == []

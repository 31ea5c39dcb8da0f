"""icope.core.privacy: absolute paths a tool wrote are made relative to the run directory."""

from __future__ import annotations

import doctest

import pyarrow as pa
import pyarrow.parquet as pq

from icope.core import privacy
from icope.core.privacy import main, path_prefixes, relativise, relativise_text

ROOT = "/runs/patient cohort 1"


def test_doctests():
    assert doctest.testmod(privacy).failed == 0


def test_text_paths_under_the_root_become_relative():
    text = f"Samtools\tstats\tA\t{ROOT}/results/qc/samtools/A.stats\n"
    assert relativise_text(text, ROOT) == "Samtools\tstats\tA\tresults/qc/samtools/A.stats\n"


def test_only_whole_directory_prefixes_are_rewritten():
    # A sibling directory sharing the root's name as a prefix is not under the root.
    text = f"{ROOT}2/results/x.txt {ROOT}"
    assert relativise_text(text, ROOT) == text


def test_json_escaped_paths_are_rewritten():
    root = '/runs/"quoted"'
    assert path_prefixes(root) == ['/runs/"quoted"/', '/runs/\\"quoted\\"/']
    text = '{"source": "/runs/\\"quoted\\"/results/a.txt"}'
    assert relativise_text(text, root) == '{"source": "results/a.txt"}'


def _sources_table(root: str) -> pa.Table:
    sources = f'{{"Samtools": {{"stats": {{"A": "{root}/results/qc/samtools/A.stats"}}}}}}'
    return pa.table(
        {
            "anchor": pa.array(["samtools_stats", "fastp"], type=pa.large_string()),
            "data_sources": pa.array([sources, None], type=pa.large_string()),
            "val_raw": pa.array([1.5, None], type=pa.float64()),
        }
    )


def test_directory_tree_is_rewritten_text_and_parquet(tmp_path):
    data = tmp_path / "multiqc_report_data"
    data.mkdir()
    (data / "multiqc_sources.txt").write_text(
        f"Module\tSection\tSample Name\tSource\nSamtools\tstats\tA\t{ROOT}/results/qc/A.stats\n"
    )
    (data / "multiqc_general_stats.txt").write_text("Sample\treads\nA\t100\n")
    (data / "plot.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\xff" + ROOT.encode())
    pq.write_table(_sources_table(ROOT), data / "multiqc.parquet", compression="zstd")

    changed = relativise(tmp_path, ROOT)

    assert changed == [data / "multiqc.parquet", data / "multiqc_sources.txt"]
    assert (data / "multiqc_sources.txt").read_text().endswith("A\tresults/qc/A.stats\n")
    table = pq.read_table(data / "multiqc.parquet")
    assert table.column("data_sources")[0].as_py() == (
        '{"Samtools": {"stats": {"A": "results/qc/samtools/A.stats"}}}'
    )
    assert table.column("data_sources")[1].as_py() is None
    assert table.column("val_raw").to_pylist() == [1.5, None]
    assert table.schema == _sources_table(ROOT).schema
    codec = pq.ParquetFile(data / "multiqc.parquet").metadata.row_group(0).column(0).compression
    assert codec == "ZSTD"
    # Binary files are left alone, even when their bytes happen to hold the root.
    assert (data / "plot.png").read_bytes().endswith(ROOT.encode())


def test_files_without_the_root_are_not_rewritten(tmp_path):
    text = tmp_path / "plain.txt"
    text.write_text("nothing here\n")
    pq.write_table(_sources_table("/elsewhere"), tmp_path / "other.parquet")
    before = {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()}

    assert relativise(tmp_path, ROOT) == []
    assert {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()} == before


def test_default_root_is_the_working_directory(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "out").mkdir()
    sources = tmp_path / "out" / "multiqc_sources.txt"
    sources.write_text(f"fastp\tall\tA\t{tmp_path}/results/qc/fastp/A.json\n")

    assert main(["out"]) == 0

    assert sources.read_text() == "fastp\tall\tA\tresults/qc/fastp/A.json\n"
    assert "multiqc_sources.txt" in capsys.readouterr().out

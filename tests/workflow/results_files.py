"""Reading every file of a results directory as text, for the privacy and determinism tests.

A results file is read as what a person (or a tool) would see in it: BAM/CRAM headers, the
decompressed text of gzip/bgzip files, the rows of a Parquet table, and MultiQC's HTML with
its embedded plot data decompressed. Binary formats that hold no text (alignment and FM
indexes, salmon's index arrays) are left out; :func:`is_binary` checks that they are binary.
"""

from __future__ import annotations

import base64
import gzip
import json
import re
from pathlib import Path

import pyarrow.parquet as pq
import pysam

#: Binary by format, no text in them: BAM/CRAM indexes, bwa's FM index, salmon's arrays.
BINARY_SUFFIXES = (".bai", ".crai", ".bwt", ".sa", ".pac", ".bin")
_MULTIQC_PLOTDATA = re.compile(r'(id="mqc_compressed_plotdata">)([^<]*)(</script>)')


def result_files(run_dir: Path) -> list[Path]:
    """Every file (and link) under ``run_dir/results``, relative to ``run_dir``, sorted."""
    results = run_dir / "results"
    return sorted(
        p.relative_to(run_dir) for p in results.rglob("*") if p.is_file() or p.is_symlink()
    )


def is_binary(data: bytes) -> bool:
    """Binary data: a NUL byte in its first 8 KiB (text formats have none)."""
    return b"\0" in data[:8192]


def multiqc_plot_data(html: str) -> dict:
    """MultiQC's plot data, embedded in its report as base64 of gzipped JSON."""
    match = _MULTIQC_PLOTDATA.search(html)
    return json.loads(gzip.decompress(base64.b64decode(match.group(2)))) if match else {}


def text_view(path: Path) -> str:
    """The text content of a results file (see the module docstring); '' for binary formats
    that hold no text."""
    if path.suffix in (".bam", ".cram"):
        with pysam.AlignmentFile(str(path), check_sq=False) as alignments:
            return str(alignments.header)
    if path.suffix == ".parquet":
        table = pq.read_table(path)
        metadata = {k.decode(): v.decode() for k, v in (table.schema.metadata or {}).items()}
        rows = table.to_pylist()
        return json.dumps({"metadata": metadata, "rows": rows}, default=str, indent=0)
    if path.name.endswith(BINARY_SUFFIXES):
        return ""
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    text = data.decode("utf-8", errors="replace")
    if path.suffix == ".html" and "mqc_compressed_plotdata" in text:
        text += "\n" + json.dumps(multiqc_plot_data(text), indent=0)
    return text

"""Facts about input files (md5 sums, contig names) remembered between workflow runs.

The workflow checks its inputs each time Snakemake parses it; for a real reference bundle an
md5 of every file or a scan of a GTF costs tens of seconds. A fact is stored in a JSON file
(under ``.snakemake/``) with the file's resolved path, size and modification time, and reused
while those are unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any


class FileCache:
    """``cache.get(path, "md5", compute)``: ``compute(path)`` once per file version."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path else None
        self.entries: dict[str, dict] = {}
        self.changed = False
        if self.path and self.path.is_file():
            try:
                self.entries = json.loads(self.path.read_text())
            except (OSError, ValueError):
                self.entries = {}

    def get(self, file: str | Path, kind: str, compute: Callable[[str | Path], Any]) -> Any:
        stat = Path(file).stat()
        key = f"{kind}:{Path(file).resolve()}"
        stamp = [stat.st_size, stat.st_mtime_ns]
        entry = self.entries.get(key)
        if entry and entry["stamp"] == stamp:
            return entry["value"]
        value = compute(file)
        self.entries[key] = {"stamp": stamp, "value": value}
        self.changed = True
        return value

    def save(self) -> None:
        if self.path and self.changed:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(self.entries))
            tmp.replace(self.path)
            self.changed = False

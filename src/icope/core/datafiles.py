"""Where the input data live, and proof that they are the files we expect.

The bundled test data are never copied into the repository; they are found through the
``data_dir`` setting and checked against an md5 manifest kept in the repository, so that a
missing or changed file stops the run with one clear message before any job starts.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from icope.core.filecache import FileCache

DATA_DIR_ENV = "ICOPE_DATA_DIR"


class DataError(ValueError):
    """Input data are missing or not the expected files."""


def resolve_data_dir(setting: str | None, workflow_dir: str | Path) -> Path:
    """Resolve the ``data_dir`` setting.

    ``auto`` (the default) means: the ``ICOPE_DATA_DIR`` environment variable if set, else
    ``../shared/data`` beside the workflow checkout when it exists.
    """
    if setting and setting != "auto":
        path = Path(setting).expanduser()
    elif os.environ.get(DATA_DIR_ENV):
        path = Path(os.environ[DATA_DIR_ENV]).expanduser()
    else:
        path = Path(workflow_dir).resolve().parent / "shared" / "data"
        if not path.is_dir():
            raise DataError(
                f"data_dir is 'auto' but {path} does not exist: set data_dir in the config "
                f"or the {DATA_DIR_ENV} environment variable"
            )
    if not path.is_dir():
        raise DataError(f"data_dir {path} is not a directory")
    return path.resolve()


def md5sum(path: str | Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def read_manifest(manifest: str | Path) -> list[tuple[str, str]]:
    """Read an ``md5sum``-style manifest: ``<md5>  <path relative to data_dir>`` per line."""
    entries = []
    for lineno, line in enumerate(Path(manifest).read_text().splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split(maxsplit=1)
        if len(parts) != 2 or len(parts[0]) != 32:
            raise DataError(f"{manifest}, line {lineno}: expected '<md5>  <relative path>'")
        # `md5sum -b` marks binary mode with a '*' before the path
        entries.append((parts[0].lower(), parts[1].strip().removeprefix("*")))
    return entries


def check_manifest(
    manifest: str | Path, data_dir: str | Path, cache: FileCache | None = None
) -> int:
    """Check every manifest entry exists under ``data_dir`` with the listed md5.

    Returns the number of files checked; raises :class:`DataError` listing every problem. With
    a ``cache``, a file's md5 is computed once per size and modification time.
    """
    data_dir = Path(data_dir)
    cache = cache or FileCache()
    problems = []
    entries = read_manifest(manifest)
    for expected, relative in entries:
        path = data_dir / relative
        if not path.is_file():
            problems.append(f"missing data file: {path} (listed in {manifest})")
        elif (actual := cache.get(path, "md5", md5sum)) != expected:
            problems.append(
                f"changed data file: {path} has md5 {actual}, {manifest} expects {expected}"
            )
    cache.save()
    if problems:
        raise DataError("\n".join(problems))
    return len(entries)

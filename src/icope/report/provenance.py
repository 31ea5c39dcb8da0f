"""Provenance of a report: pipeline version and git commit, config checksum, the input files
(names relative to the run directory, never absolute paths) with their md5, and annotation
sources with any absolute path reduced to its file name."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
from pathlib import Path

#: an absolute path inside a text (e.g. "/data/ref/gencode.gtf (GENCODE v38)")
ABSOLUTE_PATH = re.compile(r"(?<![\w.:])/(?:[^\s/()\[\],;]+/)*([^\s/()\[\],;]+)")


def strip_paths(value):
    """Absolute paths in strings (nested in dicts/lists) reduced to their file names."""
    if isinstance(value, str):
        return ABSOLUTE_PATH.sub(lambda m: m.group(1), value)
    if isinstance(value, dict):
        return {k: strip_paths(v) for k, v in value.items()}
    if isinstance(value, list):
        return [strip_paths(v) for v in value]
    return value


def display_name(path: str | os.PathLike, root: str | os.PathLike | None = None) -> str:
    """The path relative to the run directory; outside it, the file name only."""
    path = Path(path)
    root = Path(root or Path.cwd()).resolve()
    try:
        return str(path.resolve().relative_to(root)) if path.is_absolute() else str(path)
    except ValueError:
        return path.name


def md5(path: str | os.PathLike) -> str:
    digest = hashlib.md5()  # noqa: S324 - a checksum, not security
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _flatten(inputs: dict) -> list[str]:
    paths = []
    for value in inputs.values():
        values = value if isinstance(value, list | tuple) else [value]
        paths += [str(v) for v in values if v]
    return sorted(dict.fromkeys(paths))


def input_files(inputs: dict, root=None) -> list[dict]:
    """Every input of the report, as ``{"file": relative name, "md5": ...}``."""
    rows = []
    for path in _flatten(inputs):
        if Path(path).is_file():
            rows.append({"file": display_name(path, root), "md5": md5(path)})
    return rows


#: config keys that say where the data lives, not what is computed: left out of the checksum
LOCATION_KEYS = ("data_dir",)


def _settings(value):
    """The config as settings: absolute paths reduced to file names, so two runs with the same
    settings in different directories share one checksum."""
    if isinstance(value, str):
        return Path(value).name if os.path.isabs(value) else value
    if isinstance(value, dict):
        return {k: _settings(v) for k, v in value.items() if k not in LOCATION_KEYS}
    if isinstance(value, list):
        return [_settings(v) for v in value]
    return value


def config_checksum(config: dict | None) -> str | None:
    """sha256 of the run's settings (canonical JSON of :func:`_settings`), None without."""
    if config is None:
        return None
    text = json.dumps(_settings(dict(config)), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def git_commit(checkout: str | os.PathLike | None) -> str:
    """The pipeline checkout's commit, or 'unknown (not a git checkout)'."""
    if checkout is None:
        return "unknown (pipeline directory not given)"
    try:
        result = subprocess.run(
            ["git", "-C", str(checkout), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown (git not available)"
    commit = result.stdout.strip()
    if result.returncode != 0 or not re.fullmatch(r"[0-9a-f]{40}", commit):
        return "unknown (not a git checkout)"
    return commit


def provenance(
    version: str, inputs: dict, config: dict | None = None, checkout=None, root=None
) -> dict:
    return {
        "pipeline_version": version,
        "git_commit": git_commit(checkout),
        "config_sha256": config_checksum(config),
        "input_files": input_files(inputs, root),
    }

"""The pipeline checkout a command works on, given explicitly (``--workflow-dir``).

The package may be installed anywhere (a wheel in site-packages, an editable install of
another clone), so it never derives the checkout from its own location: commands take the
directory holding the ``Snakefile``, ``workflow/`` and the configs, by default the current
directory.
"""

from __future__ import annotations

from pathlib import Path

#: Config of the bundled test setup, relative to the checkout (preferred by the benchmarks).
TEST_CONFIG = Path(".test") / "config" / "config.yaml"
#: Config template of a real run, relative to the checkout (the fallback).
CONFIG = Path("config") / "config.yaml"


class WorkflowDirError(ValueError):
    """The given directory is not a pipeline checkout (it holds no ``Snakefile``)."""


def find_workflow_dir(path: str | Path | None = None) -> Path:
    """The checkout at ``path`` (default: the current directory), resolved.

    Raises
    ------
    WorkflowDirError
        If ``path`` holds no ``Snakefile``.
    """
    given = Path(path) if path is not None else Path.cwd()
    workflow_dir = given.expanduser().resolve()
    if not (workflow_dir / "Snakefile").is_file():
        raise WorkflowDirError(
            f"--workflow-dir {workflow_dir}: no Snakefile here; "
            "run from the pipeline checkout or pass --workflow-dir"
        )
    return workflow_dir


def bundled_test_config(workflow_dir: str | Path) -> Path:
    """The checkout's test config (``.test/config/config.yaml``), else ``config/config.yaml``."""
    test_config = Path(workflow_dir) / TEST_CONFIG
    return test_config if test_config.is_file() else Path(workflow_dir) / CONFIG

"""The explicit pipeline checkout (--workflow-dir): lookup, error message, test config choice."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from icope.bench.run import base_config
from icope.cli import main
from icope.core.workflow_dir import WorkflowDirError, bundled_test_config, find_workflow_dir

REPO = Path(__file__).resolve().parents[2]


def _checkout(path: Path, *configs: str) -> Path:
    """A minimal checkout: a Snakefile and a config at each of ``configs`` (name: its path)."""
    path.mkdir(parents=True, exist_ok=True)
    (path / "Snakefile").write_text("# test\n")
    for relative in configs:
        config = path / relative
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(yaml.safe_dump({"origin": relative, "classification": {"a": 1}}))
    return path


def test_find_workflow_dir_resolves_a_checkout(tmp_path):
    checkout = _checkout(tmp_path / "pipeline")
    assert find_workflow_dir(tmp_path / "pipeline" / ".." / "pipeline") == checkout.resolve()
    assert find_workflow_dir(str(checkout)) == checkout.resolve()


def test_find_workflow_dir_defaults_to_the_current_directory(tmp_path, monkeypatch):
    checkout = _checkout(tmp_path / "pipeline")
    monkeypatch.chdir(checkout)
    assert find_workflow_dir() == checkout.resolve()
    assert find_workflow_dir(".") == checkout.resolve()


def test_find_workflow_dir_without_snakefile_names_the_directory(tmp_path):
    with pytest.raises(WorkflowDirError) as info:
        find_workflow_dir(tmp_path)
    assert str(info.value) == (
        f"--workflow-dir {tmp_path.resolve()}: no Snakefile here; "
        "run from the pipeline checkout or pass --workflow-dir"
    )


def test_the_repository_is_a_checkout():
    assert find_workflow_dir(REPO) == REPO


@pytest.mark.parametrize(
    "args",
    [
        ["validate", "--config", str(REPO / "pyproject.toml")],
        ["bench", "germline"],
        ["bench", "somatic"],
    ],
)
def test_commands_reject_a_directory_without_snakefile(tmp_path, args):
    result = CliRunner().invoke(main, [*args, "--workflow-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output == (
        f"Error: --workflow-dir {tmp_path.resolve()}: no Snakefile here; "
        "run from the pipeline checkout or pass --workflow-dir\n"
    )


def test_default_workflow_dir_is_the_current_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "config.yaml"
    config.write_text("{}\n")
    result = CliRunner().invoke(main, ["validate", "--config", str(config)])
    assert result.exit_code == 1
    assert f"--workflow-dir {tmp_path.resolve()}: no Snakefile here" in result.output


def test_bundled_test_config_prefers_dot_test(tmp_path):
    template_only = _checkout(tmp_path / "a", "config/config.yaml")
    assert bundled_test_config(template_only) == template_only / "config" / "config.yaml"
    both = _checkout(tmp_path / "b", "config/config.yaml", ".test/config/config.yaml")
    assert bundled_test_config(both) == both / ".test" / "config" / "config.yaml"


@pytest.mark.parametrize(
    ("configs", "origin"),
    [
        (["config/config.yaml"], "config/config.yaml"),
        (["config/config.yaml", ".test/config/config.yaml"], ".test/config/config.yaml"),
    ],
)
def test_benchmark_configs_start_from_the_test_config(tmp_path, configs, origin):
    checkout = _checkout(tmp_path / "pipeline", *configs)
    config = base_config(
        tmp_path, "ref.fa", tmp_path / "s.tsv", tmp_path / "u.tsv", "x", workflow_dir=checkout
    )
    assert config["origin"] == origin
    assert config["reference"]["fasta"] == "ref.fa"
    assert config["classification"] == {"a": 1, "gene_thresholds": None}


def test_benchmark_configs_need_a_checkout(tmp_path):
    with pytest.raises(WorkflowDirError, match="no Snakefile here"):
        base_config(
            tmp_path, "ref.fa", tmp_path / "s.tsv", tmp_path / "u.tsv", "x", workflow_dir=tmp_path
        )

"""Tests for icope.core.config: the shipped schema's defaults, null sections, field errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from icope.core.config import ConfigError, load_schema, validate_config

REPO = Path(__file__).resolve().parents[2]
SCHEMA = load_schema(REPO / "workflow" / "schemas" / "config.schema.yaml")


def _minimal() -> dict:
    return {
        "data_dir": "auto",
        "samples": "s.tsv",
        "units": "u.tsv",
        "reference": {"name": "GRCh38", "fasta": "ref.fa"},
        "panel": {"name": "p", "genes": "p.tsv"},
    }


def test_defaults_are_filled_in():
    config = validate_config(_minimal(), SCHEMA)
    assert config["germline"]["caller"] == "bcftools"
    assert config["somatic"]["min_tlod"] == 5.0
    assert config["panel"]["max_population_af"] == 0.01
    assert config["qc"]["min_mean_depth"] == {"warn": 20, "fail": 10}


def test_null_panel_stays_null():
    config = _minimal() | {"panel": None}
    assert validate_config(config, SCHEMA)["panel"] is None


def test_every_bad_field_is_named():
    config = _minimal()
    config["germline"] = {"caller": "gatk", "min_depth": -1}
    with pytest.raises(ConfigError) as error:
        validate_config(config, SCHEMA, source="my/config.yaml")
    lines = str(error.value).splitlines()
    assert any(
        line.startswith("my/config.yaml: field 'germline.caller': 'gatk' is not one of")
        for line in lines
    )
    assert any("field 'germline.min_depth'" in line for line in lines)


def test_template_and_test_configs_are_valid():
    for path in (REPO / "config" / "config.yaml", REPO / ".test" / "config" / "config.yaml"):
        validate_config(yaml.safe_load(path.read_text()), SCHEMA, source=str(path))

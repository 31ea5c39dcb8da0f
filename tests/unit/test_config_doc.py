"""Tests for icope.core.config_doc, and config/README.md kept in step with the config schema."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest
import yaml

from icope.core.config_doc import (
    END,
    START,
    ConfigDocError,
    format_value,
    main,
    marked_section,
    render,
    render_file,
    replace_marked_section,
    type_text,
)

REPO = Path(__file__).resolve().parents[2]
SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"
README = REPO / "config" / "README.md"
TEMPLATE = REPO / "config" / "config.yaml"
TEST_CONFIG = REPO / ".test" / "config" / "config.yaml"

SMALL = {
    "type": "object",
    "definitions": {
        "pair": {
            "title": "{lo, hi}",
            "type": "object",
            "properties": {"lo": {"type": "number"}, "hi": {"type": "number"}},
        },
        "extra": {"title": "argument string", "type": "string", "description": "Unquoted."},
        "maybe_path": {"type": ["string", "null"]},
    },
    "properties": {
        "root": {"type": "string", "description": "Where | data live."},
        "manifest": {"$ref": "#/definitions/maybe_path", "default": None, "description": "md5."},
        "tool": {
            "type": "object",
            "default": {},
            "description": "The tool section.",
            "properties": {
                "mode": {"enum": ["fast", "slow"], "default": "fast", "description": "Speed."},
                "depth": {"type": "integer", "minimum": 1, "default": 100000},
                "af": {"type": "number", "minimum": 0, "maximum": 1, "default": 0.00005},
                "rate": {"type": "number", "exclusiveMinimum": 0, "maximum": 0.5},
                "levels": {
                    "type": "array",
                    "items": {"type": "integer", "minimum": 1},
                    "minItems": 1,
                    "uniqueItems": True,
                    "default": [10, 20],
                },
                "limits": {"$ref": "#/definitions/pair", "default": {"lo": 1, "hi": 2}},
                "extra": {"$ref": "#/definitions/extra", "default": "", "description": "More."},
                "nested": {
                    "type": "object",
                    "default": {},
                    "description": "Inner options.",
                    "properties": {"flag": {"type": "boolean", "default": True}},
                    "required": [],
                },
                "name": {"type": "string", "pattern": "^[a-z]+$"},
            },
            "required": ["name"],
        },
    },
    "required": ["root", "tool"],
}


# --------------------------------------------------------------------------- the README


def test_readme_section_is_the_rendered_schema():
    expected = render_file(SCHEMA, TEST_CONFIG)
    assert marked_section(README.read_text()) == expected, (
        "config/README.md is out of date with workflow/schemas/config.schema.yaml: run "
        "python3 -m icope.core.config_doc workflow/schemas/config.schema.yaml "
        "--write config/README.md"
    )


def test_default_test_config_is_the_checkouts():
    assert render_file(SCHEMA) == render_file(SCHEMA, TEST_CONFIG)
    assert "Test config: `.test/config/samples.tsv`." in render_file(SCHEMA)


def test_every_schema_key_has_a_description():
    schema = yaml.safe_load(SCHEMA.read_text())

    def walk(node, path):
        for key, sub in node.get("properties", {}).items():
            assert sub.get("description"), f"{path}{key} has no description"
            walk(sub, f"{path}{key}.")

    walk(schema, "")


# --------------------------------------------------------------------------- both configs


def _leaves(config, schema, root, path=()):
    """(path, value, property schema) of every value below the expanded sections."""
    for key, value in config.items():
        node = schema["properties"][key]
        resolved = node
        if "$ref" in node:
            resolved = {**root["definitions"][node["$ref"].split("/")[-1]], **node}
        if isinstance(value, dict) and "properties" in resolved and "title" not in resolved:
            yield from _leaves(value, resolved, root, (*path, key))
        else:
            yield (*path, key), value, node


@pytest.mark.parametrize("path", [TEMPLATE, TEST_CONFIG], ids=["template", "test"])
def test_config_is_valid_against_the_schema(path):
    schema = yaml.safe_load(SCHEMA.read_text())
    jsonschema.Draft202012Validator(schema).validate(yaml.safe_load(path.read_text()))


def test_test_config_sets_every_template_key():
    schema = yaml.safe_load(SCHEMA.read_text())
    template = {p for p, _, _ in _leaves(yaml.safe_load(TEMPLATE.read_text()), schema, schema)}
    test = {p for p, _, _ in _leaves(yaml.safe_load(TEST_CONFIG.read_text()), schema, schema)}
    assert template == test


# Machine and scale settings, not analysis options: the test config runs every rule on the CI
# machine's 2 cores and cuts its 40 kb genome into 2 calling chunks; the template (and the
# schema defaults) a WGS on a cluster node. The test samples hold 5,000-10,000 reads (qc
# min_reads), and testN/testT's reads cover only 4 common SNPs of AF 0.01-0.99 (identity).
TEST_MACHINE_SECTIONS = {
    "threads",
    "calling.chunks",
    "calling.min_chunk_bp",
    "qc.min_reads",
    "identity.min_af",
    "identity.max_af",
    "identity.min_sites",
}


@pytest.mark.parametrize("path", [TEMPLATE, TEST_CONFIG], ids=["template", "test"])
def test_config_thresholds_and_options_are_the_schema_defaults(path):
    """A key left out of a user's file takes the template's value: for everything but paths
    that is the schema default, so the README's Default column tells the truth."""
    schema = yaml.safe_load(SCHEMA.read_text())
    machine = TEST_MACHINE_SECTIONS if path == TEST_CONFIG else set()
    differing = [
        ".".join(p)
        for p, value, node in _leaves(yaml.safe_load(path.read_text()), schema, schema)
        if "default" in node
        and "path" not in node.get("$ref", "")
        and value != node["default"]
        and p[0] not in machine
        and ".".join(p) not in machine
    ]
    assert differing == []


# --------------------------------------------------------------------------- the renderer


def test_render_small_schema_tables():
    text = render(SMALL)
    lines = text.splitlines()
    assert lines[0].startswith("<!-- Generated from workflow/schemas/config.schema.yaml")
    assert "### Top-level keys" in lines
    assert "| `root` | string | required | Where \\| data live. |" in lines
    assert "| `manifest` | string, or null | `null` | md5. |" in lines
    assert "### `tool`" in lines
    assert "The tool section. *Required section (no default).*" in lines
    assert "| `tool.mode` | `fast` or `slow` | `fast` | Speed. |" in lines
    assert "| `tool.depth` | integer ≥ 1 | `100000` |  |" in lines
    assert "| `tool.af` | number 0–1 | `0.00005` |  |" in lines
    assert "| `tool.rate` | number > 0, ≤ 0.5 | — |  |" in lines
    assert (
        "| `tool.levels` | list of integers ≥ 1, at least 1, no repeats | `[10, 20]` |  |" in lines
    )
    # a $ref'd object with a default is one value; the definition's title is its type
    assert "| `tool.limits` | {lo, hi} | `{lo: 1, hi: 2}` |  |" in lines
    assert not any(line.startswith("| `tool.limits.lo`") for line in lines)
    # the definition's description follows the property's own
    assert '| `tool.extra` | argument string | `""` | More. Unquoted. |' in lines
    # a nested section: a row of its own, then its keys
    assert "| `tool.nested` | section | — | Inner options. |" in lines
    assert "| `tool.nested.flag` | boolean | `true` |  |" in lines
    assert "| `tool.name` | string matching `^[a-z]+$` | required |  |" in lines
    header = "| Key | Type | Default | Description |"
    assert lines.count(header) == 2 and text.endswith("|\n")


def test_render_mentions_test_values_only_where_they_differ():
    test_config = {"root": "auto", "manifest": None, "tool": {"mode": "slow", "depth": 100000}}
    lines = render(SMALL, test_config).splitlines()
    assert "| `root` | string | required | Where \\| data live. Test config: `auto`. |" in lines
    assert "| `manifest` | string, or null | `null` | md5. |" in lines
    assert "| `tool.mode` | `fast` or `slow` | `fast` | Speed. Test config: `slow`. |" in lines
    assert "| `tool.depth` | integer ≥ 1 | `100000` |  |" in lines


def test_render_follows_schema_order():
    text = render(SMALL)
    keys = ["`tool.mode`", "`tool.depth`", "`tool.af`", "`tool.nested.flag`", "`tool.name`"]
    positions = [text.index(k) for k in keys]
    assert positions == sorted(positions)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "null"),
        (False, "false"),
        ("", '""'),
        ("AF", "AF"),
        (0.290, "0.29"),
        (5e-05, "0.00005"),
        (0.0, "0.0"),
        ([], "[]"),
        (["a", 1], "[a, 1]"),
        ({"warn": 20, "fail": 10}, "{warn: 20, fail: 10}"),
    ],
)
def test_format_value(value, text):
    assert format_value(value) == text


def test_type_text_of_nullable_number_and_unresolved_ref():
    node = {"type": ["number", "null"], "exclusiveMinimum": 0, "maximum": 1}
    assert type_text(node, {}) == "number > 0, ≤ 1, or null"
    with pytest.raises(ConfigDocError, match="unresolved reference"):
        type_text({"$ref": "#/definitions/missing"}, {"definitions": {}})


# --------------------------------------------------------------------------- the markers


def test_replace_marked_section_keeps_the_prose():
    text = f"# Title\n\nprose\n\n{START}\nold\n{END}\n\nmore prose\n"
    new = replace_marked_section(text, "new table\n")
    assert new == f"# Title\n\nprose\n\n{START}\nnew table\n{END}\n\nmore prose\n"
    assert marked_section(new) == "new table\n"
    assert replace_marked_section(new, "new table\n") == new


@pytest.mark.parametrize(
    "text",
    ["no markers\n", f"{START}\nonly a start\n", f"{END}\n{START}\n", f"{START}\n{START}\n{END}\n"],
)
def test_markers_missing_or_out_of_order(text):
    with pytest.raises(ConfigDocError, match="config-keys:start"):
        marked_section(text)


def test_main_prints_and_writes(tmp_path, capsys):
    schema = tmp_path / "schema.yaml"
    schema.write_text(yaml.safe_dump(SMALL, sort_keys=False))
    assert main([str(schema)]) == 0
    printed = capsys.readouterr().out
    assert printed == render(SMALL)

    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{START}\nstale\n{END}\noutro\n")
    assert main([str(schema), "--write", str(readme)]) == 0
    assert readme.read_text() == f"intro\n{START}\n{printed}{END}\noutro\n"

    config = tmp_path / "test.yaml"
    config.write_text("root: here\n")
    assert main([str(schema), "--test-config", str(config)]) == 0
    assert "Test config: `here`." in capsys.readouterr().out


def test_main_write_without_markers_fails(tmp_path, capsys):
    schema = tmp_path / "schema.yaml"
    schema.write_text(yaml.safe_dump(SMALL))
    readme = tmp_path / "README.md"
    readme.write_text("no markers here\n")
    with pytest.raises(SystemExit) as exit_info:
        main([str(schema), "--write", str(readme)])
    assert exit_info.value.code == 1
    assert "config-keys:start" in capsys.readouterr().err
    assert readme.read_text() == "no markers here\n"


def test_doctests():
    import doctest

    from icope.core import config_doc

    assert doctest.testmod(config_doc).failed == 0

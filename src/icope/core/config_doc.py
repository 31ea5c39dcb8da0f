"""The configuration reference in config/README.md, rendered from the config schema.

``workflow/schemas/config.schema.yaml`` is the one place a config key is described: its type,
its ``default`` (which Snakemake's ``validate(..., set_default=True)`` fills in) and its
``description``. This module renders the schema into Markdown, one table per section with the
columns key path, type, default and description, and writes it into config/README.md between
the two marker lines :data:`START` and :data:`END`; everything outside them is hand-written
prose. ``tests/unit/test_config_doc.py`` fails when the README's marked section differs from
the rendering, so a schema edit without regenerating the README fails CI.

Where the checkout's bundled test configuration (``.test/config/config.yaml``, found beside the
schema) sets a key to something other than the default, the description ends with its value.

Usage, from the checkout::

    python3 -m icope.core.config_doc workflow/schemas/config.schema.yaml   # print
    python3 -m icope.core.config_doc workflow/schemas/config.schema.yaml --write config/README.md

Rendering rules: a ``$ref`` is resolved and the property's own keywords win over the
definition's; a ``title`` (the property's or its definition's) is the type label; the
definition's ``description`` is appended to the property's. An object with ``properties`` is
expanded into its keys (with a row of its own when nested), unless its default is a non-empty
object, which is a value given as a whole (a QC ``{warn, fail}`` pair). A key without a
default reads ``required`` when its object requires it, otherwise ``—`` (not set).
"""

from __future__ import annotations

import argparse
import sys
from decimal import Decimal
from pathlib import Path

import yaml

START = "<!-- config-keys:start -->"
END = "<!-- config-keys:end -->"
GENERATED_NOTE = (
    "<!-- Generated from workflow/schemas/config.schema.yaml by "
    "`python3 -m icope.core.config_doc workflow/schemas/config.schema.yaml --write "
    "config/README.md`: edit the schema, not this section. -->"
)
#: The bundled test configuration, relative to the checkout that holds the schema.
TEST_CONFIG = Path(".test/config/config.yaml")
_MISSING = object()


class ConfigDocError(Exception):
    """A README without the marker lines, or a schema reference that does not resolve."""


# --- schema traversal ----------------------------------------------------------------------


def _resolve(node: dict, root: dict) -> tuple[dict, dict]:
    """``(merged, definition)``: the node with its ``$ref`` target merged under its own
    keywords, and the target itself ({} without a ``$ref``)."""
    ref = node.get("$ref")
    if ref is None:
        return node, {}
    if not ref.startswith("#/"):
        raise ConfigDocError(f"only local references are supported: {ref}")
    target = root
    for part in ref[2:].split("/"):
        try:
            target = target[part]
        except (KeyError, TypeError):
            raise ConfigDocError(f"unresolved reference: {ref}") from None
    merged = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return merged, target


def _expanded(node: dict) -> bool:
    """An object rendered as its keys rather than as one value."""
    default = node.get("default")
    return "properties" in node and not (isinstance(default, dict) and default)


def _lookup(config, path: list[str]):
    for part in path:
        if not isinstance(config, dict) or part not in config:
            return _MISSING
        config = config[part]
    return config


# --- formatting ----------------------------------------------------------------------------


def format_number(value) -> str:
    """A number as written in YAML, never in exponent notation.

    >>> format_number(0.00005), format_number(0.290), format_number(100000), format_number(0.0)
    ('0.00005', '0.29', '100000', '0.0')
    """
    if isinstance(value, int):
        return str(value)
    text = repr(value)
    if "e" in text or "E" in text:
        text = format(Decimal(text), "f")
    return text


def format_value(value) -> str:
    """A value in YAML flow style: ``null``, ``true``, ``""``, ``[a, b]``, ``{warn: 20}``.

    >>> format_value(None), format_value(True), format_value(""), format_value([10, 20])
    ('null', 'true', '""', '[10, 20]')
    >>> format_value({"warn": 0.3, "fail": 0.5})
    '{warn: 0.3, fail: 0.5}'
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return format_number(value)
    if isinstance(value, str):
        return value if value else '""'
    if isinstance(value, list):
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {format_value(v)}" for k, v in value.items()) + "}"
    return str(value)


def _code(text: str) -> str:
    return f"`{text}`"


def _bounds(node: dict) -> str:
    low, high = node.get("minimum"), node.get("maximum")
    xlow, xhigh = node.get("exclusiveMinimum"), node.get("exclusiveMaximum")
    if low is not None and high is not None:
        return f" {format_number(low)}–{format_number(high)}"
    parts = []
    if low is not None:
        parts.append(f"≥ {format_number(low)}")
    if xlow is not None:
        parts.append(f"> {format_number(xlow)}")
    if high is not None:
        parts.append(f"≤ {format_number(high)}")
    if xhigh is not None:
        parts.append(f"< {format_number(xhigh)}")
    return (" " + ", ".join(parts)) if parts else ""


def _one_of(values: list) -> str:
    items = [_code(format_value(v)) for v in values]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _plural(text: str) -> str:
    """``integer ≥ 1`` -> ``integers ≥ 1``; enums and titles stay as they are."""
    word, _, rest = text.partition(" ")
    if word in {"string", "integer", "number", "boolean", "path", "object"}:
        return f"{word}s {rest}".rstrip()
    return text


def type_text(node: dict, root: dict) -> str:
    """The type column: a title, an enum, or the JSON type with its bounds or pattern."""
    node, _ = _resolve(node, root)
    if "title" in node:
        return node["title"]
    if "enum" in node:
        return _one_of(node["enum"])
    types = node.get("type", [])
    types = [types] if isinstance(types, str) else list(types)
    nullable = "null" in types
    types = [t for t in types if t != "null"]
    if not types:
        text = "any value"
    elif types == ["array"]:
        items = node.get("items", {})
        text = "list of " + _plural(type_text(items, root)) if items else "list"
        if node.get("minItems"):
            text = f"{text}, at least {node['minItems']}"
        if node.get("uniqueItems"):
            text += ", no repeats"
    elif types == ["object"]:
        text = "section" if "properties" in node else "object"
    else:
        text = " or ".join(types)
        if set(types) <= {"integer", "number"}:
            text += _bounds(node)
        if "pattern" in node:
            text += f" matching {_code(node['pattern'])}"
    return f"{text}, or null" if nullable else text


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


# --- rendering -----------------------------------------------------------------------------


def _rows(properties: dict, required, prefix: list[str], root: dict, test_config) -> list[str]:
    rows = []
    for key, raw in properties.items():
        path = [*prefix, key]
        node, definition = _resolve(raw, root)
        texts = [raw.get("description", node.get("description", ""))]
        if definition.get("description") and "description" in raw:
            texts.append(definition["description"])
        if _expanded(node):
            rows.append(_row(path, type_text(raw, root), "—", " ".join(texts)))
            rows += _rows(node["properties"], node.get("required", []), path, root, test_config)
            continue
        if "default" in raw:
            default = _code(format_value(raw["default"]))
        else:
            default = "required" if key in required else "—"
        test_value = _lookup(test_config, path)
        if test_value is not _MISSING and test_value != raw.get("default", _MISSING):
            texts.append(f"Test config: {_code(format_value(test_value))}.")
        rows.append(_row(path, type_text(raw, root), default, " ".join(t for t in texts if t)))
    return rows


def _row(path: list[str], type_label: str, default: str, description: str) -> str:
    return (
        f"| {_code('.'.join(path))} | {_cell(type_label)} | {_cell(default)} "
        f"| {_cell(description)} |"
    )


def _table(rows: list[str]) -> list[str]:
    return ["| Key | Type | Default | Description |", "|---|---|---|---|", *rows]


def render(schema: dict, test_config: dict | None = None) -> str:
    """Markdown for every key of ``schema``: one table of the top-level values, then one
    section per top-level object, in schema order."""
    test_config = test_config or {}
    required = schema.get("required", [])
    properties = schema.get("properties", {})
    top = {k: v for k, v in properties.items() if not _expanded(_resolve(v, schema)[0])}
    out = [GENERATED_NOTE, ""]
    if top:
        out += ["### Top-level keys", ""]
        out += _table(_rows(top, required, [], schema, test_config))
        out.append("")
    for key, raw in properties.items():
        node, _ = _resolve(raw, schema)
        if key in top:
            continue
        out += [f"### `{key}`", ""]
        text = " ".join(raw.get("description", "").split())
        if key in required:
            text = (text + " " if text else "") + "*Required section (no default).*"
        if text:
            out += [text, ""]
        out += _table(
            _rows(node["properties"], node.get("required", []), [key], schema, test_config)
        )
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def default_test_config(schema_path: Path) -> Path | None:
    """The bundled test config of the checkout holding ``schema_path`` (workflow/schemas/)."""
    parents = Path(schema_path).resolve().parents
    if len(parents) < 3:
        return None
    candidate = parents[2] / TEST_CONFIG
    return candidate if candidate.is_file() else None


def render_file(schema_path, test_config_path=None) -> str:
    """:func:`render` of a schema file, with the checkout's test config unless one is given."""
    schema = yaml.safe_load(Path(schema_path).read_text())
    if test_config_path is None:
        test_config_path = default_test_config(Path(schema_path))
    test_config = yaml.safe_load(Path(test_config_path).read_text()) if test_config_path else None
    return render(schema, test_config)


# --- the marked section of the README ------------------------------------------------------


def _marker_lines(lines: list[str]) -> tuple[int, int]:
    starts = [i for i, line in enumerate(lines) if line.strip() == START]
    ends = [i for i, line in enumerate(lines) if line.strip() == END]
    if len(starts) != 1 or len(ends) != 1 or ends[0] < starts[0]:
        raise ConfigDocError(f"expected one {START} line followed by one {END} line")
    return starts[0], ends[0]


def marked_section(text: str) -> str:
    """The text between the marker lines (without them)."""
    lines = text.splitlines(keepends=True)
    start, end = _marker_lines(lines)
    return "".join(lines[start + 1 : end])


def replace_marked_section(text: str, section: str) -> str:
    """``text`` with the part between the marker lines replaced by ``section``."""
    lines = text.splitlines(keepends=True)
    start, end = _marker_lines(lines)
    if section and not section.endswith("\n"):
        section += "\n"
    return "".join(lines[: start + 1]) + section + "".join(lines[end:])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python3 -m icope.core.config_doc",
        description="Render the config schema as Markdown tables (config/README.md).",
    )
    parser.add_argument("schema", type=Path, help="workflow/schemas/config.schema.yaml")
    parser.add_argument(
        "--write",
        type=Path,
        metavar="README",
        help=f"replace the part of README between {START} and {END} instead of printing",
    )
    parser.add_argument(
        "--test-config",
        type=Path,
        help="config whose values that differ from the defaults are mentioned "
        "(default: the checkout's .test/config/config.yaml)",
    )
    args = parser.parse_args(argv)
    section = render_file(args.schema, args.test_config)
    if args.write is None:
        sys.stdout.write(section)
        return 0
    try:
        text = replace_marked_section(args.write.read_text(), section)
    except ConfigDocError as exc:
        parser.exit(1, f"{args.write}: {exc}\n")
    args.write.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

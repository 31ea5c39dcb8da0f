"""The workflow configuration validated against its JSON Schema, defaults filled in.

One validator for the workflow (``common.smk``, at parse time) and for ``icope validate``, so
both accept and reject the same files with the same message. Unlike Snakemake's own
``validate(set_default=True)``, it fills defaults only into mappings: a section switched off
with ``null`` (``panel: null``) stays null instead of crashing the default filler.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import yaml
from jsonschema import Draft202012Validator, validators


class ConfigError(ValueError):
    """The configuration does not match the schema."""


def _with_defaults(validator_class):
    validate_properties = validator_class.VALIDATORS["properties"]

    def properties(validator, props: dict, instance, schema) -> Iterator:
        if isinstance(instance, dict):
            for name, subschema in props.items():
                if isinstance(subschema, dict) and "default" in subschema:
                    instance.setdefault(name, subschema["default"])
        yield from validate_properties(validator, props, instance, schema)

    return validators.extend(validator_class, {"properties": properties})


DefaultFillingValidator = _with_defaults(Draft202012Validator)


def load_schema(path: str | Path) -> dict:
    return yaml.safe_load(Path(path).read_text())


def validate_config(config: dict, schema: dict, source: str = "config") -> dict:
    """Fill the schema's defaults into ``config`` (in place) and validate it.

    Raises :class:`ConfigError` naming every bad field, one per line, e.g.
    ``config: field 'germline.caller': 'gatk' is not one of ['bcftools', 'freebayes']``.
    """
    errors = sorted(
        DefaultFillingValidator(schema).iter_errors(config),
        key=lambda e: [str(p) for p in e.absolute_path],
    )
    if errors:
        raise ConfigError(
            "\n".join(
                f"{source}: field '{'.'.join(str(p) for p in e.absolute_path) or '(top level)'}'"
                f": {e.message}"
                for e in errors
            )
        )
    return config

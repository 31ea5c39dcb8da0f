"""What the workflow does once, at parse time, so that Snakemake's per-job planning stays cheap.

Snakemake reads the signature of every input, params, threads and resource function again for
each job it plans (``inspect.signature``: about 18 times per job here, ~9 % of a dry run of
100 patients). A function's ``__signature__`` attribute is what ``inspect.signature`` returns
when it is set, so computing it once per function keeps the answer and drops the cost.
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Callable, Iterable
from typing import TypeVar

F = TypeVar("F", bound=Callable)


def fixed_signature(func: F) -> F:
    """``func`` with its signature computed once and stored as ``__signature__``; returns it."""
    if isinstance(func, types.FunctionType) and "__signature__" not in func.__dict__:
        func.__signature__ = inspect.signature(func)
    return func


def fix_signatures(namespace: dict, source_suffixes: Iterable[str] = (".smk", "Snakefile")) -> int:
    """Fix the signature of every plain function in ``namespace`` (the Snakefile's globals)
    whose code comes from a file ending in one of ``source_suffixes``; returns how many.
    Functions made by factories at rule-definition time are fixed by the factory itself."""
    suffixes = tuple(source_suffixes)
    count = 0
    for value in list(namespace.values()):
        if (
            isinstance(value, types.FunctionType)
            and value.__code__.co_filename.endswith(suffixes)
            and "__signature__" not in value.__dict__
        ):
            fixed_signature(value)
            count += 1
    return count

"""Make a workflow checkout run its own copy of this package.

Snakemake runs each rule script as its own Python process and its script preamble only appends
to ``sys.path``, after site-packages. With the package installed elsewhere (an editable install
of another clone, a release from PyPI), a rule script would silently import that copy instead of
the checkout being run. Putting the checkout's ``src/`` first on ``PYTHONPATH`` fixes this for
every child process, conda environments and SLURM jobs included (those re-read the Snakefile).
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping


def prepend_pythonpath(package_dir: str, environ: MutableMapping[str, str] | None = None) -> str:
    """Put ``package_dir`` first on ``PYTHONPATH`` (once; other entries keep their order).

    >>> env = {"PYTHONPATH": "/a:/src:/b"}
    >>> prepend_pythonpath("/src", env).split(os.pathsep)
    ['/src', '/a', '/b']
    """
    environ = os.environ if environ is None else environ
    entries = [p for p in environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    environ["PYTHONPATH"] = os.pathsep.join(
        [package_dir] + [p for p in entries if p != package_dir]
    )
    return environ["PYTHONPATH"]

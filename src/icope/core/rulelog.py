"""Send a rule script's logging and stderr to the rule's log file."""

from __future__ import annotations

import contextlib
import logging
import shlex
import subprocess
import sys
from collections.abc import Callable, Sequence


@contextlib.contextmanager
def rule_log(path: str):
    with open(path, "w") as handle, contextlib.redirect_stderr(handle):
        logging.basicConfig(
            stream=handle,
            level=logging.INFO,
            format="%(asctime)s %(levelname)s %(message)s",
            force=True,
        )
        try:
            yield logging.getLogger("icope")
        except Exception:
            logging.getLogger("icope").exception("failed")
            handle.flush()
            sys.stderr = sys.__stderr__
            raise


def run_tool(
    command: Sequence[str],
    tool: str,
    log: logging.Logger,
    *,
    cwd=None,
    keep: Callable[[str], bool] = lambda line: True,
    log_stdout: bool = True,
) -> subprocess.CompletedProcess:
    """Run an external tool's argument list; its messages (stderr, and stdout unless
    ``log_stdout`` is false) go to ``log`` line by line as "<tool>: ..." (those ``keep``
    accepts); a non-zero exit raises RuntimeError naming the tool and the exit code."""
    log.info("running: %s", shlex.join(command))
    result = subprocess.run(list(command), capture_output=True, text=True, check=False, cwd=cwd)
    messages = (result.stdout if log_stdout else "") + result.stderr
    for line in messages.splitlines():
        if keep(line):
            log.info("%s: %s", tool, line)
    if result.returncode != 0:
        raise RuntimeError(f"{tool} failed with exit code {result.returncode}")
    return result

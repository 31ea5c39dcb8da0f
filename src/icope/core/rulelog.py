"""Send a rule script's logging and stderr to the rule's log file."""

from __future__ import annotations

import contextlib
import logging
import sys


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

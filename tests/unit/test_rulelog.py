"""Rule-script logging helpers: an external tool's messages in the rule log, its failure named."""

from __future__ import annotations

import logging
import sys

import pytest

from icope.core.rulelog import run_tool


def test_run_tool_logs_each_kept_line_with_the_tool_name(caplog):
    log = logging.getLogger("icope.test")
    script = (
        "import sys; print('out one'); print('noise', file=sys.stderr); "
        "print('err two', file=sys.stderr)"
    )
    with caplog.at_level(logging.INFO, logger="icope.test"):
        result = run_tool(
            [sys.executable, "-c", script], "demo", log, keep=lambda line: "noise" not in line
        )
    assert result.stdout == "out one\n"
    messages = [r.getMessage() for r in caplog.records]
    assert messages[0].startswith("running: ") and "demo" not in messages[0]
    assert messages[1:] == ["demo: out one", "demo: err two"]


def test_run_tool_can_keep_stdout_out_of_the_log(caplog):
    log = logging.getLogger("icope.test")
    with caplog.at_level(logging.INFO, logger="icope.test"):
        run_tool([sys.executable, "-c", "print('table row')"], "demo", log, log_stdout=False)
    assert [r.getMessage() for r in caplog.records][1:] == []


def test_run_tool_failure_names_the_tool_and_exit_code(tmp_path):
    with pytest.raises(RuntimeError, match=r"^bcftools mpileup failed with exit code 3$"):
        run_tool(
            [sys.executable, "-c", "import sys; sys.exit(3)"],
            "bcftools mpileup",
            logging.getLogger("icope.test"),
            cwd=tmp_path,
        )

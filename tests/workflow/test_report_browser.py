"""The patient reports in a real browser (Debian's headless Chromium): the DOM as rendered,
a screenshot, the PDF printed on A4 (pdftotext, pdfinfo), and Chromium's own network log to
prove the page asks for nothing outside the file (issue 13, "Tested in a real browser").

The TP53 workflow-test patient is checked from tests/workflow/test_predisposition.py with
:func:`check_report_in_browser`, on its own run.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from html import unescape
from pathlib import Path

import pytest

pytestmark = pytest.mark.workflow

#: page-initiated requests have an initiator; Chromium's own background calls have none
BACKGROUND = "not an origin"
#: an A4 report of a test patient fits in this many pages
MAX_PAGES = 12
SECTIONS = (
    "Summary",
    "Samples",
    "Quality control",
    "Somatic small variants",
    "Copy number and loss of heterozygosity",
    "Structural variants",
    "Provenance",
)


@dataclass
class Rendered:
    dom: str
    text_pages: list[str]
    screenshot: Path
    pdf: Path
    page_requests: list[str]


def html_text(text: str) -> str:
    """Text as Chromium's DOM dump serialises it (&, <, > escaped; quotes kept)."""
    return html.escape(text, quote=False)


def _chromium(profile: Path, *args: str) -> subprocess.CompletedProcess:
    command = [
        shutil.which("chromium") or "chromium",
        "--headless",
        "--no-sandbox",  # CI runs as root
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        f"--user-data-dir={profile}",
        "--host-resolver-rules=MAP * ~NOTFOUND",  # no name resolves: nothing can be fetched
        *args,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def _page_requests(net_log: Path) -> list[str]:
    """Every http(s) request the page itself started (Chromium's net log)."""
    log = json.loads(net_log.read_text())
    start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    return [
        e["params"]["url"]
        for e in log["events"]
        if e["type"] == start
        and e.get("params", {}).get("url", "").startswith(("http:", "https:"))
        and e["params"].get("initiator") != BACKGROUND
    ]


def render(html: Path, out: Path) -> Rendered:
    """DOM dump (with the network log), screenshot and A4 PDF of one report."""
    out.mkdir(parents=True, exist_ok=True)
    url = html.resolve().as_uri()
    net_log = out / "netlog.json"
    dom = _chromium(out / "profile", f"--log-net-log={net_log}", "--dump-dom", url).stdout
    screenshot, pdf = out / f"{html.parent.name}.png", out / f"{html.parent.name}.pdf"
    _chromium(
        out / "profile",
        "--hide-scrollbars",
        "--window-size=1280,1600",
        f"--screenshot={screenshot}",
        url,
    )
    _chromium(out / "profile", "--no-pdf-header-footer", f"--print-to-pdf={pdf}", url)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    pages = int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.MULTILINE).group(1))
    text_pages = [
        subprocess.run(
            ["pdftotext", "-layout", "-f", str(n), "-l", str(n), str(pdf), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for n in range(1, pages + 1)
    ]
    return Rendered(dom, text_pages, screenshot, pdf, _page_requests(net_log))


#: The screen width the reports are read at (a laptop); no table may run past it.
SCREEN_WIDTH = 1280
#: Appended to a copy of the page: lists every table whose right edge passes the viewport or
#: whose content is wider than the table, after layout.
_OVERFLOW_PROBE = """<script>window.addEventListener("load", () => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  document.querySelectorAll("table").forEach((table, index) => {
    const right = table.getBoundingClientRect().right;
    if (right > width + 1 || table.scrollWidth > table.clientWidth + 1) {
      const before = table.previousElementSibling;
      const label = before ? before.textContent.trim().slice(0, 60) : "";
      wide.push(`table ${index} (after "${label}"): right edge ${Math.round(right)} px`);
    }
  });
  const out = document.createElement("pre");
  out.id = "overflow-probe";
  out.textContent = JSON.stringify({width: width, wide: wide});
  document.body.appendChild(out);
});</script>"""


def overflowing_tables(html: Path, out: Path, width: int = SCREEN_WIDTH) -> list[str]:
    """The tables of a page that run past a browser window ``width`` px wide (Chromium's
    layout, measured by a script in a copy of the page)."""
    out.mkdir(parents=True, exist_ok=True)
    probe = out / f"{html.parent.name}.probe.html"
    probe.write_text(html.read_text().replace("</body>", _OVERFLOW_PROBE + "</body>"))
    dom = _chromium(
        out / "profile",
        f"--window-size={width},1600",
        "--virtual-time-budget=5000",
        "--dump-dom",
        probe.resolve().as_uri(),
    ).stdout
    found = re.search(r'<pre id="overflow-probe">(.*?)</pre>', dom, re.DOTALL)
    assert found, "the layout probe did not run"
    result = json.loads(unescape(found.group(1)))
    assert result["width"] > width * 0.9, result
    return result["wide"]


def check_report_in_browser(html: Path, patient: str, out: Path) -> Rendered:
    """The checks every report passes in the browser; returns the rendering for more."""
    source = html.read_text()
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", source, re.IGNORECASE)
    rendered = render(html, out)
    assert rendered.page_requests == []
    assert overflowing_tables(html, out / "layout") == []
    for section in SECTIONS:
        assert f"<h2>{section}</h2>" in rendered.dom
    assert rendered.dom.index("<h2>Summary</h2>") < rendered.dom.index("<h2>Samples</h2>")
    assert 'id="disclaimer"' in rendered.dom
    assert rendered.screenshot.stat().st_size > 10_000
    assert rendered.screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert 1 <= len(rendered.text_pages) <= MAX_PAGES
    total = len(rendered.text_pages)
    for number, text in enumerate(rendered.text_pages, start=1):
        assert f"Patient {patient}" in text, f"page {number} lacks the patient ID"
        assert f"Page {number} of {total}" in text
    everything = "\n".join(rendered.text_pages)
    # reading order (no -layout): a cell's wrapped lines stay together
    raw = subprocess.run(
        ["pdftotext", str(rendered.pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Research use" in everything  # disclaimer printed
    # collapsed tables are expanded in print: every panel call and input file is on paper
    report = json.loads((html.parent / "report.json").read_text())
    flat = re.sub(r"\s+", "", raw)
    for row in report["germline_panel_variants"]:
        assert f"{row['chrom']}:{row['pos']}" in flat
    for row in report["provenance"]["input_files"]:
        assert row["md5"] in flat
    return rendered


@pytest.fixture(scope="module")
def rendered_reports(completed_run, tmp_path_factory):
    out = tmp_path_factory.mktemp("browser")
    return {
        patient: check_report_in_browser(
            completed_run / "results" / "patients" / patient / "report.html", patient, out / patient
        )
        for patient in ("P001", "P002")
    }


def test_p001_report_in_browser(rendered_reports):
    """RNA and germline only: tumour sections say "not analysed", numbers as written."""
    p001 = rendered_reports["P001"]
    assert "Not analysed: no tumour DNA sample for this patient." in p001.dom
    assert "No somatic structural variant passed the filters" not in p001.dom
    assert "<td>0.9996</td>" in p001.dom  # NA12878's mapping rate, not "1"
    assert "e+0" not in p001.dom  # TPM and reads without exponents
    assert "ClinVar assertions weighted" not in p001.dom


def test_p002_report_in_browser(rendered_reports):
    """A failed QC gate on the front page; the LowDepth call apart, not a VUS."""
    p002 = rendered_reports["P002"]
    front = p002.dom.split("<h2>Summary</h2>")[1].split("</section>")[0]
    assert "QC FAILED: testN, testT" in front
    assert "QC FAILED" in p002.text_pages[0]
    vus = p002.dom.split("Variants of uncertain significance")[1].split("</table>")[0]
    assert "chr22:3140 " not in vus
    filtered = p002.dom.split("Filtered calls (not reported as findings)")[1].split("</table>")[0]
    assert "chr22:3140 A&gt;G" in filtered and "LowDepth" in filtered
    assert "Not analysed: no RNA sample for this patient." in p002.dom


def test_report_json_of_the_test_run_matches_its_schema(completed_run):
    """Every report.json of the test run validates against the JSON Schema (defect 8)."""
    from icope.report.patient_report import validate_report

    reports = sorted((completed_run / "results" / "patients").glob("*/report.json"))
    assert [r.parent.name for r in reports] == ["P001", "P002"]
    for path in reports:
        report = json.loads(path.read_text())
        validate_report(report)
        text = path.read_text()
        assert str(completed_run) not in text and "/work/" not in text
        assert {"delly", "cnvkit"} <= {t["tool"] for t in report["software_versions"]}
        assert re.fullmatch(r"[0-9a-f]{40}|unknown .*", report["provenance"]["git_commit"])
        assert report["provenance"]["input_files"]


def test_network_log_sees_an_external_request(tmp_path):
    """The offline check can fail: a page with an external image is caught by the net log."""
    page = tmp_path / "page" / "report.html"
    page.parent.mkdir()
    page.write_text('<html><body><img src="https://example.org/x.png"><p>x</p></body></html>')
    assert render(page, tmp_path / "out").page_requests == ["https://example.org/x.png"]


def test_layout_probe_sees_a_table_wider_than_the_screen(tmp_path):
    """The width check can fail: a table wider than the window is named."""
    page = tmp_path / "page" / "report.html"
    page.parent.mkdir()
    page.write_text(
        '<html><body><h2>Wide</h2><table style="width:2000px"><tr><td>x</td></tr></table>'
        "<table><tr><td>fits</td></tr></table></body></html>"
    )
    wide = overflowing_tables(page, tmp_path / "out")
    assert len(wide) == 1 and wide[0].startswith('table 0 (after "Wide")'), wide

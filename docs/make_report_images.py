"""Make the README's pictures of the HTML report and its PDF (docs/report-*.png).

Run from the repository root: ``python docs/make_report_images.py``. Needs Debian's
chromium and poppler-utils (``pdftoppm``); writes the report of the sample to a temporary
folder, takes a screenshot of it offline in headless Chromium, prints it to an A4 PDF and
renders the PDF's first page and its map page.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

import orggraph
from orggraph.analysis import analyze
from orggraph.htmlreport import to_html
from orggraph.readwrite.exports import write_pdf
from orggraph.web.testing import launch

DOCS = Path(__file__).parent
SAMPLE = DOCS.parent / "data" / "healthcare-supplier"


def main():
    org = orggraph.load(SAMPLE)
    a = analyze(org, seed=0)
    with tempfile.TemporaryDirectory() as tmp:
        html = Path(tmp) / "report.html"
        html.write_text(to_html(a, org), encoding="utf-8")
        with sync_playwright() as p:
            browser = launch(p)
            context = browser.new_context(viewport={"width": 1280, "height": 1000}, offline=True)
            page = context.new_page()
            page.goto(html.as_uri())
            page.wait_for_function(
                "[...document.querySelectorAll('.js-plotly-plot')].every(d => d._fullLayout)"
            )
            page.screenshot(path=DOCS / "report-html.png")
            page.locator("#map").scroll_into_view_if_needed()
            page.screenshot(path=DOCS / "report-html-map.png")
            browser.close()
        pdf = write_pdf(to_html(a, org, paper="A4"), Path(tmp) / "report.pdf")
        for first, name in ((1, "report-pdf-page1"), (None, "report-pdf-map")):
            if first is None:  # the page that starts "The map"
                first = _page_of(pdf, "The map")
            subprocess.run(
                [
                    "pdftoppm",
                    "-r",
                    "80",
                    "-png",
                    "-singlefile",
                    "-f",
                    str(first),
                    "-l",
                    str(first),
                    str(pdf),
                    str(DOCS / name),
                ],
                check=True,
            )
    print("wrote", *sorted(p.name for p in DOCS.glob("report-*.png")), file=sys.stderr)


def _page_of(pdf, heading) -> int:
    i = 1
    while True:
        text = subprocess.run(
            ["pdftotext", "-f", str(i), "-l", str(i), str(pdf), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        if text.lstrip().startswith(heading):
            return i
        i += 1


if __name__ == "__main__":
    main()

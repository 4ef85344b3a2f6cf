"""orggraph report: the self-contained HTML report, in a real browser, and its PDF."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest
from click.testing import CliRunner

import orggraph
from orggraph.analysis import analyze
from orggraph.cli import main
from orggraph.figures import map_svg
from orggraph.htmlreport import to_html
from orggraph.readwrite.exports import write_pdf

from .conftest import DATA, HANDOFFS, UNITS, write_org

XSS = "<script>alert(1)</script>"
IMG = '<img src=x onerror="alert(2)">'


@pytest.fixture(scope="module")
def sample():
    org = orggraph.load(DATA / "healthcare-supplier")
    return org, analyze(org, seed=0)


@pytest.fixture(scope="module")
def html(sample):
    return to_html(*reversed(sample), generated="2026-01-01")


def _squash(text):
    return re.sub(r"\s+", " ", text).strip()


def test_sections_findings_and_promise(html, sample):
    org, a = sample
    for section in (
        "headline",
        "findings",
        "near-misses",
        "map",
        "matrix",
        "sla",
        "departments",
        "bottlenecks",
        "methods",
    ):
        assert f'<section id="{section}"' in html, section
    from orggraph.safety import escape_html

    for f in a.findings:
        assert escape_html(f.summary) in html
        assert escape_html(f.measure) in html
        assert escape_html(f.action) in html
    assert "The 15-day promise</strong>" in html
    # Thresholds used, and the data coverage.
    assert "<code>silo_odds_ratio_min</code>" in html
    assert "handoffs with a closeness rating" in html


def test_self_contained(html):
    # No tag loads anything: plotly.js is inline, styles are inline, the map is inline SVG.
    assert not re.search(
        r"<(script|link|img|iframe|source|video|audio)\b[^>]*\b(src|href)=", html, flags=re.I
    )
    assert html.count("<script") >= 2 and "Plotly.newPlot" in html
    assert "<svg" in html and 'class="orggraph-map"' in html


def test_names_are_escaped(tmp_path):
    units = UNITS.replace("Ann Lee", XSS).replace("Operations", IMG.replace('"', '""').join('""'))
    handoffs = HANDOFFS.replace("customer order", "<b>order</b>")
    org = orggraph.load(write_org(tmp_path / "org", units=units, handoffs=handoffs))
    out = to_html(analyze(org, seed=0), org)
    # The raw markup never appears; plotly's JSON escapes '<' too.
    assert XSS not in out and IMG not in out and "<b>order</b>" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    svg = map_svg(org, analyze(org, seed=0))
    assert XSS not in svg and "&lt;script&gt;" in svg


def test_paper_layouts(sample):
    org, a = sample
    a4 = to_html(a, org, paper="A4")
    letter = to_html(a, org, paper="Letter")
    assert "size: A4" in a4 and "size: letter" in letter
    assert 'counter(page) " of " counter(pages)' in a4
    assert "break-inside: avoid" in a4
    with pytest.raises(ValueError):
        to_html(a, org, paper="A3")


def test_cli_report(tmp_path):
    org_dir = write_org(tmp_path / "org")
    r = CliRunner().invoke(main, ["report", str(org_dir), "-o", str(tmp_path / "r.html")])
    assert r.exit_code == 0, r.output
    text = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "Ann Lee" in text


def test_cli_report_with_compare(tmp_path):
    before = write_org(tmp_path / "before")
    after = write_org(
        tmp_path / "after", handoffs=HANDOFFS.replace("cat,bob,sales targets,5,monthly,3,,\n", "")
    )
    out = tmp_path / "r.html"
    r = CliRunner().invoke(main, ["report", str(after), "-o", str(out), "--compare", str(before)])
    assert r.exit_code == 0, r.output
    text = out.read_text(encoding="utf-8")
    assert '<section id="compare"' in text and "Handoffs removed (1)" in text


# -------------------------------------------------------------- browser and PDF
def _need(tool, package):
    path = shutil.which(tool)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must install {package} (see .ci/run)")
        pytest.skip(f"{tool} is not installed (apt-get install {package})")
    return path


@pytest.fixture(scope="module")
def chromium():
    from orggraph.web.testing import CHROMIUM

    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("CI must install Debian's chromium (see .ci/run)")
        pytest.skip("Debian's chromium is not installed here (apt-get install chromium)")
    return CHROMIUM


@pytest.mark.browser
def test_report_opens_offline_without_errors(chromium, html, sample, tmp_path):
    from playwright.sync_api import sync_playwright

    from orggraph.web.testing import launch

    org, a = sample
    path = tmp_path / "report.html"
    path.write_text(html, encoding="utf-8")
    requests, errors = [], []
    with sync_playwright() as p:
        browser = launch(p)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, offline=True)

        def route(r):
            requests.append(r.request.url)
            if r.request.url.startswith("file:"):
                r.continue_()
            else:
                r.abort()

        context.route("**/*", route)
        page = context.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(path.as_uri())
        page.wait_for_function(
            "[...document.querySelectorAll('.js-plotly-plot')].every(d => d._fullLayout)"
        )
        assert page.evaluate("typeof Plotly") == "object"
        plots = page.evaluate("document.querySelectorAll('.js-plotly-plot').length")
        assert plots >= 5
        # Interactive: every figure has Plotly's data and a modebar, and hovering answers.
        assert page.evaluate(
            "[...document.querySelectorAll('.js-plotly-plot')].every(d => d.data.length > 0)"
        )
        assert page.locator(".modebar").count() == plots
        top = page.locator("#finding-1 .summary").inner_text()
        assert _squash(top) == _squash(a.findings[0].summary)
        assert "15-day promise" in page.locator("#sla .promise").inner_text()
        assert page.locator("svg.orggraph-map circle").count() > 100
        browser.close()
    assert errors == []
    assert [u for u in requests if not u.startswith("file:")] == []


def _page_texts(pdftotext, pdf, pages):
    return [
        subprocess.run(
            [pdftotext, "-f", str(i), "-l", str(i), "-layout", str(pdf), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for i in range(1, pages + 1)
    ]


def _pages(pdf):
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    pages = int(re.search(r"Pages:\s+(\d+)", info.stdout).group(1))
    size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info.stdout)
    return pages, (float(size.group(1)), float(size.group(2)))


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("paper,points", [("A4", (595, 842)), ("Letter", (612, 792))])
def test_pdf_pages_text_and_figures(chromium, sample, tmp_path, paper, points):
    pdftotext = _need("pdftotext", "poppler-utils")
    pdftoppm = _need("pdftoppm", "poppler-utils")
    org, a = sample
    pdf = write_pdf(to_html(a, org, paper=paper), tmp_path / "report.pdf")
    pages, size = _pages(pdf)
    assert pages > 5
    assert (round(size[0]), round(size[1])) == points
    texts = _page_texts(pdftotext, pdf, pages)
    whole = _squash(" ".join(texts))
    for f in a.findings:
        assert _squash(f.summary) in whole, f.summary
    for i, t in enumerate(texts, start=1):
        assert f"Page {i} of {pages}" in t
    # No figure cut across pages: all the text drawn in a figure (its labels) and its
    # caption are found on one page.
    departments = [org.names[d] for d in org.departments]
    top10 = a.tables["centrality"].sort_values("betweenness", ascending=False).head(10)
    figures = {
        "map": [*departments, org.names[org.external[0]], "Hover a node for its name."],
        "matrix": [*departments, "customer department", "total handoff weight."],
        "bars": [*top10["name"], "orange: a bottleneck finding"],
        "value stream": [
            "Sales",
            "Operations",
            "Manufacturing",
            "Quality",
            "Packing",
            "redder links contribute more lateness.",
        ],
    }
    squashed = [_squash(t) for t in texts]
    for name, words in figures.items():
        assert any(all(w in t for w in words) for t in squashed), name
    # Every page renders to an image.
    subprocess.run([pdftoppm, "-r", "30", "-png", str(pdf), str(tmp_path / "p")], check=True)
    images = sorted(tmp_path.glob("p-*.png"))
    assert len(images) == pages and all(p.stat().st_size > 1000 for p in images)


@pytest.mark.browser
@pytest.mark.slow
def test_cli_report_pdf(chromium, tmp_path):
    out = tmp_path / "r.html"
    r = CliRunner().invoke(
        main,
        ["report", str(DATA / "healthcare-supplier"), "-o", str(out), "--pdf", "--paper", "Letter"],
    )
    assert r.exit_code == 0, r.output
    assert out.with_suffix(".pdf").read_bytes()[:5] == b"%PDF-"


def test_department_level_map_names_every_department():
    """The workshop maps departments only (no people): every one is a labelled node."""
    org = orggraph.load(DATA / "workshop" / "workshop.xlsx")
    svg = map_svg(org, analyze(org, seed=0))
    g = org.graph
    for u in org.departments:
        if g.degree(u):
            assert f">{org.names[u]}</text>" in svg, u

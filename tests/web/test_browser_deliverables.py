"""Compare page and downloads in a real headless Chromium (the shared signed-in server)."""

from __future__ import annotations

import io
import json
import zipfile

import pandas as pd
import pytest

from ..conftest import DATA

pytestmark = pytest.mark.browser

SAMPLE = DATA / "healthcare-supplier"


def _sample_zip(drop_sales_crossing=False):
    tables = {
        n: pd.read_csv(SAMPLE / f"{n}.csv", dtype=str, keep_default_na=False)
        for n in ("units", "handoffs", "deliveries")
    }
    removed = 0
    if drop_sales_crossing:
        u = tables["units"]
        parent = dict(zip(u["id"], u["parent"], strict=True))

        def dept(x):
            while parent.get(x):
                x = parent[x]
            return x

        h = tables["handoffs"]
        crossing = (h["provider"].map(dept) == "SAL") != (h["customer"].map(dept) == "SAL")
        removed = int(crossing.sum())
        tables["handoffs"] = h[~crossing]
        keys = set(zip(h["provider"][crossing], h["customer"][crossing], strict=True))
        d = tables["deliveries"]
        pairs = pd.Series(list(zip(d["provider"], d["customer"], strict=True)), index=d.index)
        tables["deliveries"] = d[~pairs.isin(keys)]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for n, t in tables.items():
            zf.writestr(f"{n}.csv", t.to_csv(index=False))
    return buf.getvalue(), removed


def _upload(page, selector, name, data):
    page.set_input_files(
        f"{selector} input[type=file]",
        files=[{"name": name, "mimeType": "application/octet-stream", "buffer": data}],
    )


def _download(page, button):
    with page.expect_download(timeout=120_000) as d:
        page.click(button)
    dl = d.value
    return dl.suggested_filename, open(dl.path(), "rb").read()


def test_compare_page_shows_the_differences_of_two_uploads(web):
    before, _ = _sample_zip()
    after, removed = _sample_zip(drop_sales_crossing=True)
    p = web()
    page = p.goto("/compare")
    _upload(page, "#compare-upload-before", "before.zip", before)
    page.wait_for_selector("#compare-loaded-before")
    _upload(page, "#compare-upload-after", "after.zip", after)
    page.wait_for_selector("#compare-departments", timeout=120_000)
    head = page.inner_text("#compare-headline")
    assert f"{removed} removed" in head and "0 joined, 0 left" in head
    handoffs = page.inner_text("#compare-handoffs")
    assert "removed" in handoffs and "customer feedback" in handoffs
    depts = page.inner_text("#compare-departments")
    sales = next(line for line in depts.splitlines() if line.startswith("Sales"))
    assert "→ 100%" in sales and "new silo" in sales and "yes" in sales
    assert "Sales" in page.inner_text("#compare-findings")
    assert page.inner_text("#compare-bottlenecks")
    # The tab's own organization is unchanged by the comparison's uploads.
    assert page.inner_text("#org-name") == "healthcare-supplier"
    name, md = _download(page, "#compare-md")
    assert name == "orggraph-before-vs-after-compare.md"
    assert md.startswith(b"# orggraph compare: before -> after") and b"new silo" in md
    name, js = _download(page, "#compare-json")
    c = json.loads(js)
    assert len(c["handoffs"]["removed"]) == removed and name.endswith(".json")
    assert p.errors == []


def test_compare_page_refuses_a_bad_file_and_asks_for_the_other(web):
    p = web()
    page = p.goto("/compare")
    _upload(page, "#compare-upload-before", "notes.txt", b"hello")
    page.wait_for_selector("#compare-status-before .error")
    assert "upload an Excel workbook" in page.inner_text("#compare-status-before")
    assert "Upload the before and the after snapshot" in page.inner_text("#compare-message")


def test_download_report_and_map(web):
    p = web()
    page = p.goto("/report")
    name, html = _download(page, "#download-report-html")
    assert name == "orggraph-healthcare-supplier-report.html"
    assert html.startswith(b"<!DOCTYPE html") and b"Dana Whitfield" in html
    page.wait_for_selector("#download-message")
    name, pdf = _download(page, "#download-report-pdf")
    assert name == "orggraph-healthcare-supplier-report-A4.pdf" and pdf.startswith(b"%PDF-")
    assert len(pdf) > 100_000
    name, svg = _download(page, "#download-map-svg")
    assert name.endswith("map.svg") and b"<svg" in svg[:200] and b"Dana Whitfield" in svg
    name, png = _download(page, "#download-map-png")
    assert name.endswith("map.png") and png.startswith(b"\x89PNG\r\n\x1a\n")
    assert p.errors == []

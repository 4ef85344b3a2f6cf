"""OpenDocument spreadsheets (.ods, LibreOffice Calc): read like .xlsx, checked like .xlsx.

Three kinds of file: one written by LibreOffice itself (``data/workshop-libreoffice.ods``,
``soffice --headless --convert-to ods data/workshop/workshop.xlsx``: title rows above the
header, styles, trailing repeated empty cells), ones written by pandas/odfpy
(``orggraph convert``), and small ones written here by hand, element by element, for the
hostile cases.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import pandas as pd
import pytest
from click.testing import CliRunner

import orggraph
from orggraph.cli import main
from orggraph.readwrite import load_bytes, read_raw

from ..conftest import DATA, DELIVERIES, HANDOFFS, UNITS
from .test_crafted import codes, refused

HERE = Path(__file__).parent / "data"
MIME = b"application/vnd.oasis.opendocument.spreadsheet"
NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)


def cell(value: str) -> str:
    if value == "":
        return "<table:table-cell/>"
    try:
        float(value)
    except ValueError:
        return (
            f'<table:table-cell office:value-type="string"><text:p>{escape(value)}</text:p>'
            "</table:table-cell>"
        )
    return (
        f'<table:table-cell office:value-type="float" office:value="{value}">'
        f"<text:p>{value}</text:p></table:table-cell>"
    )


def row(values, attrs="") -> str:
    return f"<table:table-row{attrs}>" + "".join(map(cell, values)) + "</table:table-row>"


def sheet(name: str, csv_text: str, before: str = "", after: str = "") -> str:
    rows = [row(line.split(",")) for line in csv_text.strip().split("\n")]
    return f'<table:table table:name="{name}">{before}{"".join(rows)}{after}</table:table>'


def ods_bytes(body: str, *, mimetype=MIME, prolog: str = "", members=None) -> bytes:
    """A minimal .ods: mimetype (stored, first), manifest, content.xml holding ``body``."""
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<office:document-content {NS}>'
        f"<office:body><office:spreadsheet>{body}</office:spreadsheet></office:body>"
        "</office:document-content>"
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("mimetype", mimetype, compress_type=zipfile.ZIP_STORED)
        zf.writestr("META-INF/manifest.xml", "<manifest/>")
        zf.writestr("content.xml", content)
        for name, data in (members or {}).items():
            zf.writestr(name, data)
    return buf.getvalue()


def small_body(units=UNITS, handoffs=HANDOFFS, deliveries=DELIVERIES, **sheets) -> str:
    body = sheet("units", units) + sheet("handoffs", handoffs)
    body += sheet("deliveries", deliveries) if deliveries else ""
    return body + "".join(sheet(n, t) for n, t in sheets.items())


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _frames(org):
    return {n: getattr(org, n).reset_index(drop=True) for n in ("units", "handoffs", "deliveries")}


def assert_same(a, b):
    for name, table in _frames(a).items():
        pd.testing.assert_frame_equal(_frames(b)[name][table.columns], table, check_dtype=False)


# ------------------------------------------------------------------ real files
def test_libreoffice_ods_reads_as_its_xlsx():
    xlsx = orggraph.load(DATA / "workshop" / "workshop.xlsx")
    ods = orggraph.load(HERE / "workshop-libreoffice.ods")
    assert_same(xlsx, ods)
    # Same rows as the user sees them (titles above the header, row 3), in both.
    raw_x, _ = read_raw(DATA / "workshop" / "workshop.xlsx")
    raw_o, problems = read_raw(HERE / "workshop-libreoffice.ods")
    assert problems == []
    for table in ("units", "handoffs"):
        assert raw_o[table].rows.tolist() == raw_x[table].rows.tolist()
        assert raw_o[table].letters == raw_x[table].letters
    assert raw_o["units"].source == "workshop-libreoffice.ods, sheet 'units'"


def test_convert_writes_ods_that_reads_back(tmp_path):
    org = orggraph.load(DATA / "healthcare-supplier")
    out = tmp_path / "hs.ods"
    r = CliRunner().invoke(main, ["convert", str(DATA / "healthcare-supplier"), str(out)])
    assert r.exit_code == 0, r.output
    with zipfile.ZipFile(out) as zf:
        assert zf.read("mimetype") == MIME
    again = orggraph.load(out)
    assert_same(org, again)
    assert len(again.deliveries) == 2028


def test_handmade_ods_with_date_cells(tmp_path):
    dated = (
        "<table:table-row>"
        + "".join(map(cell, ["ann", "cust", "shipment"]))
        + '<table:table-cell office:value-type="date" office:date-value="2026-01-05">'
        "<text:p>05/01/26</text:p></table:table-cell>"
        '<table:table-cell office:value-type="date" office:date-value="2026-01-12T15:30:00">'
        "<text:p>12/01/26 15:30</text:p></table:table-cell></table:table-row>"
    )
    header = "provider,customer,deliverable,requested,delivered"
    body = small_body(deliveries=None) + sheet("deliveries", header, after=dated)
    org = orggraph.load(write(tmp_path / "org.ods", ods_bytes(body)))
    (d,) = org.deliveries.itertuples()
    assert d.requested == pd.Timestamp("2026-01-05")
    assert d.lead_days == pytest.approx(7 + 15.5 / 24)


def test_handmade_ods_equals_the_csv_folder(tmp_path, small_org):
    org = orggraph.load(write(tmp_path / "org.ods", ods_bytes(small_body())))
    assert_same(small_org, org)
    upload = load_bytes(ods_bytes(small_body()), "org.ods")
    assert_same(small_org, upload)


def test_titles_blank_rows_and_trailing_emptiness(tmp_path, small_org):
    # A title, three empty rows in one element, then the header at row 5; after the
    # data, LibreOffice's million empty rows and a thousand empty cells.
    before = row(["Org chart, March"]) + '<table:table-row table:number-rows-repeated="3"/>'
    after = (
        '<table:table-row table:number-rows-repeated="1048000"><table:table-cell '
        'table:number-columns-repeated="1024"/></table:table-row>'
    )
    body = sheet("units", UNITS, before=before, after=after) + sheet("handoffs", HANDOFFS)
    raw, problems = read_raw(write(tmp_path / "org.ods", ods_bytes(body)))
    assert problems == []
    assert raw["units"].rows.tolist() == list(range(6, 13))
    org = orggraph.load(tmp_path / "org.ods")
    assert len(org.units) == len(small_org.units)


def test_errors_are_located_in_the_sheet(tmp_path):
    bad = HANDOFFS.replace("bob,ann,customer order,2,", "bob,ann,customer order,9,")
    path = write(tmp_path / "org.ods", ods_bytes(small_body(handoffs=bad)))
    with pytest.raises(orggraph.ValidationError) as info:
        orggraph.load(path)
    (p,) = info.value.problems
    assert (p.source, p.table, p.row, p.column, p.value) == (
        "org.ods, sheet 'handoffs'",
        "handoffs",
        2,
        "closeness",
        "9",
    )


def test_missing_sheet_suggests_the_near_one(tmp_path):
    body = sheet("Units ", UNITS) + sheet("handoffs", HANDOFFS)
    problems = orggraph.check_path(write(tmp_path / "org.ods", ods_bytes(body)))
    (p,) = problems
    assert p.code == "missing_table"
    assert 'Found sheet "Units "' in p.message


# --------------------------------------------------------------- hostile files
def test_ods_with_a_dtd(tmp_path):
    prolog = '<!DOCTYPE x [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;">]>'
    path = write(tmp_path / "dtd.ods", ods_bytes(small_body(), prolog=prolog))
    problems = refused(orggraph.load, path, label="ods dtd")
    assert codes(problems) == ["xml_dtd"]
    assert "content.xml" in problems[0]["message"]


def test_ods_zip_bomb_is_refused_by_its_ratio(tmp_path):
    big = "<table:table-row/>" * 400_000  # 7 MB of one repeated element
    path = write(tmp_path / "bomb.ods", ods_bytes(small_body() + sheet("x", "a", after=big)))
    problems = refused(orggraph.load, path, label="ods ratio")
    assert codes(problems) == ["compression_ratio"]


def test_a_row_repeated_a_billion_times(tmp_path):
    after = '<table:table-row table:number-rows-repeated="1000000000">' + "".join(
        map(cell, ["zed", "Zed", "person", "ops", "", ""])
    )
    after += "</table:table-row>"
    body = sheet("units", UNITS, after=after) + sheet("handoffs", HANDOFFS)
    path = write(tmp_path / "rows.ods", ods_bytes(body))
    problems = refused(orggraph.load, path, label="ods rows repeated")
    assert codes(problems) == ["repeated_row"]
    assert (problems[0]["source"], problems[0]["row"]) == ("rows.ods, sheet 'units'", 9)


def test_a_cell_repeated_a_billion_times(tmp_path):
    after = (
        '<table:table-row><table:table-cell table:number-columns-repeated="1000000000" '
        'office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>'
    )
    body = sheet("units", UNITS, after=after) + sheet("handoffs", HANDOFFS)
    problems = refused(orggraph.load, write(tmp_path / "c.ods", ods_bytes(body)), label="cols")
    assert codes(problems) == ["too_many_columns"]
    assert problems[0]["row"] == 9


def test_a_billion_spaces_in_one_cell(tmp_path):
    name = '<text:p>Ann<text:s text:c="1000000000"/>Lee</text:p>'
    units = UNITS.replace("Ann Lee", "ANN")
    body = small_body(units=units).replace("<text:p>ANN</text:p>", name)
    problems = refused(orggraph.load, write(tmp_path / "s.ods", ods_bytes(body)), label="spaces")
    assert codes(problems) == ["field_too_long"]
    assert (problems[0]["row"], problems[0]["column"]) == (5, "name")


def test_merged_header_cells(tmp_path):
    header = (
        '<table:table-row><table:table-cell table:number-columns-spanned="2" '
        'office:value-type="string"><text:p>provider</text:p></table:table-cell>'
        "<table:covered-table-cell/>"
        + "".join(map(cell, HANDOFFS.split("\n")[0].split(",")[2:]))
        + "</table:table-row>"
    )
    rows = "".join(row(line.split(",")) for line in HANDOFFS.strip().split("\n")[1:])
    body = (
        sheet("units", UNITS) + f'<table:table table:name="handoffs">{header}{rows}</table:table>'
    )
    problems = orggraph.check_path(write(tmp_path / "m.ods", ods_bytes(body)))
    assert "merged_header" in [p.code for p in problems]
    (m,) = [p for p in problems if p.code == "merged_header"]
    assert "A1:B1" in m.message and m.row == 1


@pytest.mark.parametrize(
    "data, words",
    [
        (ods_bytes("", mimetype=b"application/vnd.oasis.opendocument.text"), "opendocument.text"),
        (b"%PDF-1.7 not a spreadsheet", "a PDF document"),
        (ods_bytes("", members={"[Content_Types].xml": "<Types/>"}), "name it .xlsx"),
    ],
)
def test_what_is_not_an_ods(tmp_path, data, words):
    (p,) = orggraph.check_path(write(tmp_path / "x.ods", data))
    assert p.code == "not_ods"
    assert words in p.message

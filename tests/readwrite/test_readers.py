"""File formats: CSV quirks, Excel layouts, JSON, zip, and files that are none of these."""

from __future__ import annotations

import json
import zipfile

import pandas as pd
import pytest
from openpyxl import Workbook

import orggraph
from orggraph import ValidationError

from ..conftest import DELIVERIES, HANDOFFS, UNITS, write_org


def problems_of(path, **kw):
    with pytest.raises(ValidationError) as info:
        orggraph.load(path, **kw)
    return info.value.problems


def _rows(text):
    return [line.split(",") for line in text.strip().split("\n")]


def workbook(path, *, lead_rows=0, title=None, merge_header=None, tables=None):
    wb = Workbook()
    wb.remove(wb.active)
    for name, text in (
        tables or {"units": UNITS, "handoffs": HANDOFFS, "deliveries": DELIVERIES}
    ).items():
        ws = wb.create_sheet(name)
        if title:
            ws.append([title])
            ws.merge_cells("A1:D1")
        for _ in range(lead_rows):
            ws.append([])
        for row in _rows(text):
            ws.append([None if v == "" else v for v in row])
        if merge_header and name == "handoffs":
            ws.merge_cells(merge_header)
    wb.save(path)
    return path


# ------------------------------------------------------------------------ CSV
def test_bom_prefixed_csv_loads(tmp_path):
    org = orggraph.load(write_org(tmp_path / "o", units=b"\xef\xbb\xbf" + UNITS.encode()))
    assert "ann" in org.units["id"].tolist()


def test_non_utf8_csv_is_located_and_loads_with_encoding(tmp_path):
    units = UNITS.replace("Cat Moss", "Cat Mossé").encode("cp1252")
    folder = write_org(tmp_path / "o", units=units)
    (p,) = problems_of(folder)
    assert p.code == "encoding" and p.source == "units.csv" and p.row == 7
    assert "0xE9" in p.message and "CSV UTF-8" in p.message and "--encoding" in p.message
    org = orggraph.load(folder, encoding="cp1252")
    assert org.units.set_index("id").loc["cat", "name"] == "Cat Mossé"


def test_png_renamed_to_csv(tmp_path):
    folder = write_org(tmp_path / "o", units=b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    (p,) = problems_of(folder)
    assert p.code == "not_csv" and p.source == "units.csv" and "PNG image" in p.message


def test_xlsx_saved_as_csv(tmp_path):
    book = workbook(tmp_path / "b.xlsx")
    folder = write_org(tmp_path / "o", units=book.read_bytes())
    (p,) = problems_of(folder)
    assert p.code == "not_csv" and "zip archive" in p.message and ".xlsx" in p.message


def test_text_file_named_xlsx(tmp_path):
    path = tmp_path / "map.xlsx"
    path.write_text("this is a note, not a workbook")
    (p,) = problems_of(path)
    assert p.code == "not_xlsx" and p.source == "map.xlsx" and "not an Excel" in p.message


def test_old_xls(tmp_path):
    path = tmp_path / "map.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 100)
    (p,) = problems_of(path)
    assert "save it as .xlsx" in p.message


def test_unsupported_extension(tmp_path):
    path = tmp_path / "map.pdf"
    path.write_bytes(b"%PDF-1.4")
    (p,) = problems_of(path)
    assert p.code == "unsupported" and ".xlsx" in p.message


def test_missing_path(tmp_path):
    (p,) = problems_of(tmp_path / "nowhere")
    assert p.code == "missing_file" and "nowhere" in p.message


def test_ragged_csv_row(tmp_path):
    handoffs = HANDOFFS.replace("cat,bob,sales targets", "cat,bob,sales, targets")
    problems = problems_of(write_org(tmp_path / "o", handoffs=handoffs))
    (p,) = [p for p in problems if p.code == "ragged_row"]
    assert p.row == 4 and "unquoted comma" in p.message


def test_quoted_values_and_blank_lines_keep_row_numbers(tmp_path):
    # A quoted comma is fine; a blank line still counts as a spreadsheet row.
    handoffs = HANDOFFS.replace("cat,bob,sales targets", '\ncat,bob,"sales, targets"')
    handoffs = handoffs.replace('cat,bob,"sales, targets",5', 'cat,bob,"sales, targets",9')
    (p,) = problems_of(write_org(tmp_path / "o", handoffs=handoffs))
    assert p.row == 5 and p.column == "closeness"


# ----------------------------------------------------------------------- Excel
def test_workbook_with_title_and_blank_leading_rows(tmp_path):
    book = workbook(tmp_path / "b.xlsx", title="Workshop 12 Nov", lead_rows=2)
    org = orggraph.load(book)
    assert len(org.units) == 7 and len(org.handoffs) == 3
    # Errors in such a workbook name the row Excel shows: title, 2 blanks, header = rows 1-4.
    bad = HANDOFFS.replace("bob,ann,customer order,2", "bob,ann,customer order,8")
    book = workbook(
        tmp_path / "c.xlsx", title="Workshop", lead_rows=2, tables={"units": UNITS, "handoffs": bad}
    )
    (p,) = problems_of(book)
    assert (p.source, p.row, p.column) == ("c.xlsx, sheet 'handoffs'", 5, "closeness")


def test_workbook_with_merged_header_cells(tmp_path):
    book = workbook(tmp_path / "b.xlsx", merge_header="A1:B1")
    problems = problems_of(book)
    merged = [p for p in problems if p.code == "merged_header"]
    assert merged and merged[0].row == 1 and "A1:B1" in merged[0].message
    assert merged[0].source == "b.xlsx, sheet 'handoffs'"


def test_workbook_missing_sheet_suggests(tmp_path):
    book = workbook(tmp_path / "b.xlsx", tables={"Units": UNITS, "handoffs": HANDOFFS})
    (p,) = problems_of(book)
    assert p.code == "missing_table" and 'Found sheet "Units"' in p.message


def test_excel_dates_are_read_as_dates(tmp_path):
    book = workbook(tmp_path / "b.xlsx")
    from openpyxl import load_workbook

    wb = load_workbook(book)
    ws = wb["deliveries"]
    import datetime as dt

    ws["D2"].value = dt.datetime(2026, 1, 5)
    ws["E2"].value = dt.datetime(2026, 1, 12, 12, 0)
    wb.save(book)
    org = orggraph.load(book)
    assert org.deliveries["lead_days"].iloc[0] == pytest.approx(7.5)


# -------------------------------------------------------------- JSON and zip
def test_json_rows_are_items(tmp_path):
    doc = {
        "units": pd.read_csv(write_org(tmp_path / "o") / "units.csv", dtype=str)
        .fillna("")
        .to_dict("records"),
        "handoffs": [
            {
                "provider": "cat",
                "customer": "bob",
                "deliverable": "x",
                "closeness": 3,
                "frequency": "weekly",
            },
            {
                "provider": "cat",
                "customer": "bob",
                "deliverable": "y",
                "closeness": 6,
                "frequency": "weekly",
            },
        ],
    }
    path = tmp_path / "org.json"
    path.write_text(json.dumps(doc))
    (p,) = problems_of(path)
    assert p.location == 'org.json, item 2, column "closeness"'


def test_invalid_json(tmp_path):
    path = tmp_path / "org.json"
    path.write_text('{"units": [1, 2,}')
    (p,) = problems_of(path)
    assert p.code == "not_json" and "line 1" in p.message


def test_zip_of_csvs(tmp_path):
    folder = write_org(tmp_path / "o")
    z = tmp_path / "org.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for f in folder.iterdir():
            zf.write(f, f"export/{f.name}")
    assert len(orggraph.load(z).handoffs) == 3


# ---------------------------------------------------------------- round trips
def _canonical(org):
    from orggraph.readwrite import user_tables

    return {k: v.sort_index(axis=1).reset_index(drop=True) for k, v in user_tables(org).items()}


@pytest.mark.parametrize("first,second", [(".xlsx", ".json"), (".json", ""), ("", ".xlsx")])
def test_round_trips_give_the_same_organization(tmp_path, small_org, first, second):
    a = orggraph.write(small_org, tmp_path / f"a{first}")
    org_a = orggraph.load(a)
    b = orggraph.write(org_a, tmp_path / f"b{second}")
    org_b = orggraph.load(b)
    for org in (org_a, org_b):
        for name, table in _canonical(small_org).items():
            pd.testing.assert_frame_equal(_canonical(org)[name], table, check_dtype=False)
        assert sorted(org.graph.edges(data="weight")) == sorted(
            small_org.graph.edges(data="weight")
        )


def test_sample_organizations_round_trip(tmp_path):
    from .. import conftest

    org = orggraph.load(conftest.DATA / "healthcare-supplier")
    again = orggraph.load(orggraph.write(org, tmp_path / "hs.xlsx"))
    for name, table in _canonical(org).items():
        pd.testing.assert_frame_equal(_canonical(again)[name], table, check_dtype=False)


def test_template_has_every_documented_column(tmp_path):
    from orggraph.schema import TABLES

    paths = orggraph.write_template(tmp_path / "t")
    book = pd.read_excel(paths[0], sheet_name=None)
    assert {"explanation", "units", "handoffs", "deliveries"} <= set(book)
    for table, cols in TABLES.items():
        assert list(book[table].columns) == [c for c, _, _ in cols]
        assert list(pd.read_csv(tmp_path / "t" / f"{table}.csv").columns) == [c for c, _, _ in cols]

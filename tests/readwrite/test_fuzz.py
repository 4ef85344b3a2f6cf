"""Fuzzing every reader: whatever the input, a reader returns or raises OrgGraphError.

For generated inputs, raw bytes and structured ones (CSV folder, .zip, .xlsx,
.json, research edge list), ``orggraph.load`` either returns an organization
whose numbers are all finite and in range, or raises the package's own
exception; never a traceback from a parser, pandas or openpyxl. Each example
must finish within ``DEADLINE``.

The quick run (the default) makes 200 examples per test, well under a
minute in all on two cores; the ``slow`` tests repeat each property with
1,000 examples. ``ORGGRAPH_FUZZ=thorough`` makes every test run 5,000
random examples for a long hunt (``ORGGRAPH_FUZZ_EXAMPLES=N`` sets N). The
quick and slow runs are derandomized, so CI sees the same inputs each time.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import tempfile
import zipfile
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

import orggraph
from orggraph.exceptions import OrgGraphError
from orggraph.readwrite import Limits, load_bytes, load_network
from orggraph.schema import DATE_RANGE, MAX_PER_MONTH, MAX_SLA_DAYS, TABLES

from ..conftest import DELIVERIES, HANDOFFS, UNITS

MODE = os.environ.get("ORGGRAPH_FUZZ", "quick")
QUICK = int(os.environ.get("ORGGRAPH_FUZZ_EXAMPLES", 5000 if MODE == "thorough" else 200))
SLOW = 1000
DEADLINE = timedelta(seconds=5)
#: Small limits, so that generated inputs also run into them.
LIMITS = Limits(max_bytes=2 * 2**20, max_rows=200, max_columns=40, max_field_chars=500)


def fuzz(strategy, *, slow=False):
    """Two tests from one property: a quick one and a ``slow`` one with more examples."""

    def wrap(prop):
        def make(examples):
            @settings(
                max_examples=examples,
                deadline=DEADLINE,
                derandomize=MODE != "thorough",
                database=None,
                suppress_health_check=[
                    HealthCheck.too_slow,
                    HealthCheck.data_too_large,
                    HealthCheck.large_base_example,
                ],
            )
            @given(strategy)
            def test(value):
                prop(value)

            test.__doc__ = prop.__doc__
            return test

        return make(SLOW) if slow else make(QUICK)

    return wrap


# ------------------------------------------------------------------ contract
def assert_sound(org) -> None:
    """A loaded organization holds nothing infinite, nothing out of range."""
    h = org.handoffs
    for column in ("per_month", "weight", "distance"):
        values = h[column].to_numpy(dtype=float)
        assert np.isfinite(values).all(), column
    assert (h["per_month"] > 0).all() and (h["per_month"] <= MAX_PER_MONTH).all()
    sla = h["sla_days"].dropna().to_numpy(dtype=float)
    assert ((sla > 0) & (sla <= MAX_SLA_DAYS)).all()
    d = org.deliveries
    lo, hi = (pd.Timestamp(x) for x in DATE_RANGE)
    for column in ("requested", "delivered"):
        dates = d[column].dropna()
        assert ((dates >= lo) & (dates < hi + pd.Timedelta(days=1))).all()
    assert np.isfinite(d["lead_days"].dropna().to_numpy(dtype=float)).all()


def check(load, *args, **kwargs) -> None:
    """The contract: an organization that passes :func:`assert_sound`, or OrgGraphError."""
    try:
        org = load(*args, **kwargs)
    except OrgGraphError as exc:
        problems = getattr(exc, "problems", ())
        # A capped list: at most max_problems errors, plus one count of the rest.
        assert len(problems) <= LIMITS.max_problems + 1
        for p in problems:
            str(p)  # every problem can be shown
        return
    assert_sound(org)


def in_folder(files: dict[str, bytes], then) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name, data in files.items():
            (root / name).write_bytes(data)
        then(root)


# ---------------------------------------------------------------- strategies
NASTY = [
    "",
    " ",
    "inf",
    "-inf",
    "Infinity",
    "nan",
    "NaN",
    "1e308",
    "1e999",
    "-1",
    "0",
    "0.0000001",
    "10000",
    "10001",
    "9" * 400,
    "1_000",
    "0x10",
    "3651",
    "0001-01-01",
    "9999-12-31",
    "2026-02-30",
    "2026-01-05",
    "2026-01-05 09:00",
    "2026-01-05T09:00:00+05:00",
    "2026-01-05Z",
    "-2026-01-01",
    '=HYPERLINK("http://x")',
    "\u202eevil",
    "a\u200bb",
    "\ufeffid",
    "\x00",
    '"',
    ",",
    "\n",
    "\r\n",
    "daily",
    "ad hoc",
    "weekly",
    "person",
    "department",
    "team",
    "external",
    "ops",
    "sales",
    "ann",
    "bob",
    "cust",
    "x" * 600,
]
ID_POOL = ["ops", "sales", "plan", "ann", "bob", "cat", "cust", "OPS", "ｏｐｓ", "a\u202eb"]

value = st.one_of(
    st.sampled_from(NASTY),
    st.sampled_from(ID_POOL),
    st.text(max_size=12),
    st.integers(-(10**30), 10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)


def table_rows(table: str):
    """Rows of one table as lists of text, under its real header (sometimes altered)."""
    header = [c for c, _, _ in TABLES[table]]
    head = st.one_of(
        st.just(header),
        st.lists(st.sampled_from(header + ["extra", "Provider ", "id"]), max_size=12),
    )
    return head.flatmap(
        lambda h: st.tuples(
            st.just(h), st.lists(st.lists(value, min_size=len(h), max_size=len(h)), max_size=12)
        )
    )


def csv_bytes(header, rows) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8", "surrogatepass")


organization = st.fixed_dictionaries(
    {"units": table_rows("units"), "handoffs": table_rows("handoffs")},
    optional={"deliveries": table_rows("deliveries")},
)
VALID = {"units.csv": UNITS.encode(), "handoffs.csv": HANDOFFS.encode()}
VALID["deliveries.csv"] = DELIVERIES.encode()


def _mutate(data: bytes, edits) -> bytes:
    out = bytearray(data)
    for pos, byte, mode in edits:
        if not out:
            break
        pos %= len(out)
        if mode == 0:
            out[pos] = byte
        elif mode == 1:
            del out[pos : pos + byte]
        else:
            out[pos:pos] = bytes([byte]) * (byte % 7 + 1)
    return bytes(out)


edits = st.lists(
    st.tuples(st.integers(0, 2**20), st.integers(0, 255), st.integers(0, 2)), min_size=1, max_size=8
)


# ----------------------------------------------------------------- CSV folder
@st.composite
def folder_of_bytes(draw):
    files = dict(VALID)
    name = draw(st.sampled_from(sorted(files)))
    files[name] = draw(
        st.one_of(st.binary(max_size=3000), edits.map(lambda e: _mutate(files[name], e)))
    )
    return files


def csv_folder_bytes(files):
    """A folder whose units, handoffs or deliveries file is random or mutated bytes."""
    in_folder(files, lambda root: check(orggraph.load, root, limits=LIMITS))


def csv_folder_structured(org):
    """A folder of well-formed CSV files full of hostile values."""
    files = {f"{t}.csv": csv_bytes(*org[t]) for t in org}
    in_folder(files, lambda root: check(orggraph.load, root, limits=LIMITS))


test_csv_folder_bytes = fuzz(folder_of_bytes())(csv_folder_bytes)
test_csv_folder_structured = fuzz(organization)(csv_folder_structured)
test_csv_folder_bytes_slow = pytest.mark.slow(fuzz(folder_of_bytes(), slow=True)(csv_folder_bytes))
test_csv_folder_structured_slow = pytest.mark.slow(
    fuzz(organization, slow=True)(csv_folder_structured)
)


# ------------------------------------------------------------------------ zip
def zip_of(members, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


VALID_ZIP = zip_of(VALID)
member_name = st.one_of(
    st.sampled_from(["units.csv", "handoffs.csv", "deliveries.csv", "org/units.csv"]),
    st.sampled_from(["../units.csv", "/units.csv", "__MACOSX/units.csv", "dir/", "C:/x"]),
    st.text(min_size=1, max_size=20),
)
zip_structured = st.tuples(
    st.dictionaries(
        member_name,
        st.one_of(st.binary(max_size=500), st.sampled_from(list(VALID.values()))),
        max_size=6,
    ),
    st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]),
    st.lists(st.tuples(st.integers(0, 10), st.integers(0, 2**32 - 1)), max_size=3),
)


def zip_bytes_prop(data):
    """A valid archive with bytes changed, removed or inserted anywhere."""
    check(load_bytes, data, "org.zip", limits=LIMITS)


def zip_structured_prop(spec):
    """Archives of random members, compressions and patched header fields."""
    members, compression, patches = spec
    try:
        data = bytearray(zip_of(members, compression))
    except (ValueError, UnicodeEncodeError, OSError, IndexError):
        return  # zipfile would not write it (a name of only NUL: IndexError)
    # Overwrite 4-byte header fields of the first local header (flags, sizes, CRC).
    for slot, number in patches:
        off = 6 + 2 * slot
        if off + 4 <= len(data):
            data[off : off + 4] = number.to_bytes(4, "little")
    check(load_bytes, bytes(data), "org.zip", limits=LIMITS)


zip_mutations = edits.map(lambda e: _mutate(VALID_ZIP, e))
test_zip_bytes = fuzz(zip_mutations)(zip_bytes_prop)
test_zip_structured = fuzz(zip_structured)(zip_structured_prop)
test_zip_bytes_slow = pytest.mark.slow(fuzz(zip_mutations, slow=True)(zip_bytes_prop))
test_zip_structured_slow = pytest.mark.slow(fuzz(zip_structured, slow=True)(zip_structured_prop))


# ----------------------------------------------------------------------- xlsx
def _workbook(tables) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in tables.items():
        ws = wb.create_sheet(name[:31] or "sheet")
        for row in rows:
            ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _rows(text):
    return [[v or None for v in line.split(",")] for line in text.strip().split("\n")]


VALID_XLSX = _workbook(
    {"units": _rows(UNITS), "handoffs": _rows(HANDOFFS), "deliveries": _rows(DELIVERIES)}
)
_XLSX_MEMBERS = {
    i.filename: zipfile.ZipFile(io.BytesIO(VALID_XLSX)).read(i.filename)
    for i in zipfile.ZipFile(io.BytesIO(VALID_XLSX)).infolist()
}

cell = st.one_of(
    st.none(),
    st.sampled_from(NASTY),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.datetimes(),
    st.text(max_size=10).filter(lambda s: not s.startswith("=")),
)
xlsx_structured = st.dictionaries(
    st.sampled_from(["units", "handoffs", "deliveries", "Units", "other"]),
    st.lists(st.lists(cell, max_size=8), max_size=8),
    max_size=4,
)
xml_member = st.sampled_from(sorted(n for n in _XLSX_MEMBERS if n.endswith((".xml", ".rels"))))
xlsx_member_mutations = st.tuples(xml_member, edits)


def xlsx_bytes_prop(data):
    """A valid workbook with bytes changed anywhere in the file."""
    check(load_bytes, data, "org.xlsx", limits=LIMITS)


def xlsx_member_prop(spec):
    """A workbook with one XML member mutated (then zipped correctly)."""
    name, changes = spec
    members = dict(_XLSX_MEMBERS)
    members[name] = _mutate(members[name], changes)
    check(load_bytes, zip_of(members), "org.xlsx", limits=LIMITS)


def xlsx_structured_prop(tables):
    """Workbooks with sheets of random cells: numbers, dates, booleans, text."""
    try:
        data = _workbook(tables)
    except Exception:
        return  # openpyxl would not write it (illegal characters, no sheet, odd dates)
    check(load_bytes, data, "org.xlsx", limits=LIMITS)


xlsx_mutations = edits.map(lambda e: _mutate(VALID_XLSX, e))
test_xlsx_bytes = fuzz(xlsx_mutations)(xlsx_bytes_prop)
test_xlsx_member = fuzz(xlsx_member_mutations)(xlsx_member_prop)
test_xlsx_structured = fuzz(xlsx_structured)(xlsx_structured_prop)
test_xlsx_bytes_slow = pytest.mark.slow(fuzz(xlsx_mutations, slow=True)(xlsx_bytes_prop))
test_xlsx_member_slow = pytest.mark.slow(fuzz(xlsx_member_mutations, slow=True)(xlsx_member_prop))
test_xlsx_structured_slow = pytest.mark.slow(fuzz(xlsx_structured, slow=True)(xlsx_structured_prop))


# ----------------------------------------------------------------------- JSON
json_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**40), 10**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(NASTY),
    st.text(max_size=10),
)
json_value = st.recursive(
    json_scalar,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=12,
)


def _item(table):
    keys = [c for c, _, _ in TABLES[table]]
    return st.dictionaries(
        st.sampled_from(keys + ["extra"]),
        st.one_of(json_scalar, json_value),
        max_size=len(keys) + 1,
    )


json_org = st.fixed_dictionaries(
    {
        "units": st.lists(_item("units"), max_size=8),
        "handoffs": st.lists(_item("handoffs"), max_size=8),
    },
    optional={"deliveries": st.one_of(st.lists(_item("deliveries"), max_size=6), json_value)},
)
json_text = st.one_of(
    json_value.map(lambda v: json.dumps(v, allow_nan=True)),
    json_org.map(lambda v: json.dumps(v, allow_nan=True)),
    st.text(max_size=200),
    st.integers(1, 3000).map(lambda n: "[" * n + "]" * n),
    st.integers(1, 9000).map(lambda n: '{"units": [{"id": ' + "9" * n + "}]}"),
)
json_bytes = st.one_of(
    json_text.map(lambda t: t.encode("utf-8", "surrogatepass")), st.binary(max_size=500)
)


def json_prop(data):
    """Random JSON documents, organization-shaped ones, non-JSON text and bytes."""
    check(load_bytes, data, "org.json", limits=LIMITS)


test_json = fuzz(json_bytes)(json_prop)
test_json_slow = pytest.mark.slow(fuzz(json_bytes, slow=True)(json_prop))


# ------------------------------------------------------------- research lists
edge_list = st.one_of(
    st.binary(max_size=1500),
    st.lists(st.lists(value, min_size=1, max_size=4), max_size=15).map(
        lambda rows: csv_bytes(["source", "target", "weight"], rows)
    ),
    st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30), value), max_size=15).map(
        lambda rows: ("\n".join(f"{a} {b} {w}" for a, b, w in rows)).encode(
            "utf-8", "surrogatepass"
        )
    ),
)
research = st.tuples(
    edge_list,
    st.sampled_from([".csv", ".txt"]),
    st.one_of(
        st.none(),
        st.binary(max_size=800),
        st.lists(st.lists(value, min_size=2, max_size=2), max_size=12).map(
            lambda r: csv_bytes(["id", "office"], r)
        ),
    ),
    st.sampled_from([None, "office", "missing"]),
    st.sampled_from(["frequency", "closeness"]),
    st.sampled_from(["seeks", "gives"]),
)


def research_prop(spec):
    """Edge lists and node tables of random bytes or hostile values."""
    edges, suffix, nodes, unit_column, weight_as, direction = spec
    files = {f"advice{suffix}": edges}
    if nodes is not None:
        files["nodes.csv"] = nodes

    def run(root):
        check(
            load_network,
            root / f"advice{suffix}",
            nodes=root / "nodes.csv" if nodes is not None else None,
            unit_column=unit_column if nodes is not None else None,
            weight_as=weight_as,
            direction=direction,
            limits=LIMITS,
        )

    in_folder(files, run)


test_research = fuzz(research)(research_prop)
test_research_slow = pytest.mark.slow(fuzz(research, slow=True)(research_prop))


def test_limits_reject_nonsense():
    with pytest.raises(ValueError):
        Limits(max_rows=0)
    with pytest.raises(ValueError):
        Limits(max_ratio=math.nan)

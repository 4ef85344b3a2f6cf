"""Read an organization's tables from disk, exactly as the user wrote them.

Readers return :class:`RawTable` objects: every value as text (Excel dates
stay dates), with the row number the user sees in a spreadsheet kept beside
each row. Nothing is interpreted here; :mod:`orggraph.validate` does that.
File-level trouble (missing file, wrong encoding, not a CSV at all) is
reported as :class:`~orggraph.exceptions.Problem` records, never raised as a
raw parser traceback.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..exceptions import ERROR, Problem
from ..schema import TABLES, suggest_column

__all__ = ["RawTable", "read_raw", "SUPPORTED"]

SUPPORTED = (
    "a folder of CSV files, a .zip of CSV files, an Excel .xlsx workbook or a .json document"
)


@dataclass
class RawTable:
    """One table as read: text values and the user's row numbers."""

    name: str
    source: str
    frame: pd.DataFrame
    rows: np.ndarray  # spreadsheet row number (or JSON item number) of each frame row
    letters: dict[str, str] = field(default_factory=dict)  # header -> column letter(s)


def _error(code, message, source="", table="", row=None, column="", value=""):
    return Problem(ERROR, code, message, source, table, row, column, value)


# --------------------------------------------------------------------- sniffing
_MAGIC = {
    b"PK\x03\x04": "a zip archive (an .xlsx workbook or .zip)",
    b"%PDF": "a PDF document",
    b"\xd0\xcf\x11\xe0": "an old binary Office file (.xls or .doc)",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"SQLite format 3": "an SQLite database",
}


def _what_binary(head: bytes) -> str | None:
    for magic, what in _MAGIC.items():
        if head.startswith(magic):
            return what
    if b"\x00" in head[:4096]:
        return "a binary file"
    return None


# ------------------------------------------------------------------------- CSV
def _decode(data: bytes, source: str, encoding: str | None) -> tuple[str | None, list[Problem]]:
    what = _what_binary(data[:4096])
    if what:
        hint = " Save it as .xlsx and pass the workbook instead." if "zip" in what else ""
        if "old binary Office" in what:
            hint = " Open it in Excel and save it as .xlsx (Excel Workbook)."
        return None, [_error("not_csv", f"this is {what}, not a CSV text file.{hint}", source)]
    enc = encoding or "utf-8-sig"  # utf-8-sig drops an Excel byte-order mark
    try:
        return data.decode(enc), []
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        byte = data[exc.start : exc.start + 1].hex().upper()
        return None, [
            _error(
                "encoding",
                f"the file is not {enc.replace('-sig', '')} text (byte 0x{byte} cannot be read). "
                'In Excel use "Save As > CSV UTF-8", or name the encoding with '
                "--encoding (e.g. --encoding cp1252).",
                source,
                row=line,
            )
        ]
    except LookupError:
        return None, [_error("encoding", f"unknown text encoding {enc!r}", source)]


def _fast_csv(text: str, name: str, source: str) -> RawTable | None:
    """pandas' C parser, used when every record is one physical line.

    Then the spreadsheet row of record i is i + 2 exactly. Anything unusual
    (blank lines before the header, quoted line breaks, ragged rows) returns
    None and the exact line-tracking reader below takes over.
    """
    if not text[:1].strip() or text.lstrip("\ufeff")[:1] in ("\n", "\r"):
        return None
    try:
        frame = pd.read_csv(
            io.StringIO(text), dtype=str, keep_default_na=False, skip_blank_lines=False, engine="c"
        )
    except (pd.errors.ParserError, ValueError):
        return None
    lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    if len(frame) + 1 != lines or any(c.startswith("Unnamed: ") for c in frame.columns):
        return None
    if list(frame.columns) != _dedupe([c for c in frame.columns]):
        return None
    frame = frame.astype(object)
    for c in frame.columns:
        frame[c] = frame[c].str.strip()
    blank = (frame == "").all(axis=1).to_numpy()
    rows = np.arange(2, len(frame) + 2, dtype=np.int64)[~blank]
    frame = frame[~blank].reset_index(drop=True)
    return RawTable(name, source, frame, rows)


def _read_csv_text(text: str, name: str, source: str) -> tuple[RawTable | None, list[Problem]]:
    if not text.strip():
        return None, [
            _error("empty_table", "the file is empty; expected a header row", source, name)
        ]
    fast = _fast_csv(text, name, source)
    if fast is not None:
        return fast, []
    # The csv module gives exact physical line numbers, even with quoted newlines.
    reader = csv.reader(io.StringIO(text, newline=""))
    records, rownums, problems = [], [], []
    header = None
    try:
        for values in reader:
            if header is None:
                if not any(v.strip() for v in values):
                    continue  # blank leading lines
                header = [v.strip() if v.strip() == "" else v for v in values]
                width = len(header)
                continue
            if not any(v.strip() for v in values):
                continue
            if len(values) > width:
                problems.append(
                    _error(
                        "ragged_row",
                        f"this row has {len(values)} fields but the header has {width}; "
                        "a value probably contains an unquoted comma",
                        source,
                        name,
                        reader.line_num,
                    )
                )
                continue
            values = (values + [""] * width)[:width]
            records.append([v.strip() for v in values])
            rownums.append(reader.line_num)
    except csv.Error as exc:
        problems.append(
            _error("not_csv", f"cannot be read as CSV: {exc}", source, name, reader.line_num)
        )
        return None, problems
    if header is None:
        return None, [
            _error("empty_table", "the file is empty; expected a header row", source, name)
        ]
    frame = pd.DataFrame(records, columns=_dedupe(header), dtype=object)
    return RawTable(name, source, frame, np.asarray(rownums, dtype=np.int64)), problems


def _dedupe(header):
    seen, out = {}, []
    for h in header:
        key = h
        if key in seen:
            seen[key] += 1
            key = f"{h}.{seen[h]}"
        else:
            seen[key] = 0
        out.append(key)
    return out


def _find_csv(names: list[str], table: str) -> str | None:
    exact = [n for n in names if Path(n).name == f"{table}.csv"]
    return exact[0] if exact else None


def _csv_set(files: dict[str, callable], label: str, encoding):
    """Read units/handoffs/deliveries from ``{file name: () -> bytes}``."""
    tables, problems = {}, []
    names = list(files)
    for table in TABLES:
        hit = _find_csv(names, table)
        if hit is None:
            if table == "deliveries":
                continue
            csvs = [Path(n).name for n in names if n.lower().endswith(".csv")]
            near = [
                n
                for n in csvs
                if Path(n).stem.lower().strip() == table
                or suggest_column(table, [Path(n).stem]) is not None
            ]
            hint = f' Found "{near[0]}": rename it to "{table}.csv".' if near else ""
            problems.append(
                _error("missing_table", f'no "{table}.csv" in {label}.{hint}', label, table)
            )
            continue
        source = Path(hit).name
        text, probs = _decode(files[hit](), source, encoding)
        problems += probs
        if text is None:
            continue
        raw, probs = _read_csv_text(text, table, source)
        problems += probs
        if raw is not None:
            tables[table] = raw
    return tables, problems


# ----------------------------------------------------------------------- Excel
def _letter(i: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(i)


def _cell_text(value):
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return value  # keep real dates: validation formats them
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return str(value).lower()
    return str(value).strip()


def _read_sheet(ws, table: str, source: str):
    problems = []
    expected = [c for c, _, _ in TABLES[table]]
    rows = list(ws.iter_rows(values_only=True))
    header_idx = None
    first_nonempty = None
    for i, row in enumerate(rows):
        cells = [c for c in row if c is not None and str(c).strip() != ""]
        if not cells:
            continue
        if first_nonempty is None:
            first_nonempty = i
        texts = [str(c) for c in cells]
        # The header is the first row naming an expected column; rows above it
        # are titles or blank lines a consultant left in.
        if any(suggest_column(e, texts) is not None for e in expected) and len(cells) >= 2:
            header_idx = i
            break
    if header_idx is None:
        header_idx = first_nonempty
    if header_idx is None:
        return None, [
            _error("empty_table", "the sheet is empty; expected a header row", source, table)
        ]
    header_rownum = header_idx + 1
    raw_header = list(rows[header_idx])
    # Merged header cells leave every column but the first without a name.
    for rng in ws.merged_cells.ranges:
        if rng.min_row <= header_rownum <= rng.max_row and rng.max_col > rng.min_col:
            problems.append(
                _error(
                    "merged_header",
                    f"header cells {rng.coord} are merged; unmerge them so that each column "
                    "has its own header",
                    source,
                    table,
                    header_rownum,
                    value=str(ws.cell(rng.min_row, rng.min_col).value or ""),
                )
            )
    width = len(raw_header)
    while width and (raw_header[width - 1] is None or str(raw_header[width - 1]).strip() == ""):
        width -= 1
    header = []
    letters = {}
    for j in range(width):
        h = raw_header[j]
        name = "" if h is None else str(h)
        if name.strip() == "":
            name = f"(unnamed column {_letter(j + 1)})"
        header.append(name)
    header = _dedupe(header)
    for j, h in enumerate(header):
        letters[h] = _letter(j + 1)
    records, rownums = [], []
    for i in range(header_idx + 1, len(rows)):
        row = list(rows[i])[:width]
        row += [None] * (width - len(row))
        vals = [_cell_text(v) for v in row]
        if all(v == "" for v in vals):
            continue
        records.append(vals)
        rownums.append(i + 1)
    frame = pd.DataFrame(records, columns=header, dtype=object)
    return RawTable(table, source, frame, np.asarray(rownums, dtype=np.int64), letters), problems


def _read_xlsx(path: Path, label: str):
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    data = path.read_bytes()
    if not data.startswith(b"PK\x03\x04"):
        what = _what_binary(data[:4096]) or "a text file"
        hint = ""
        if "old binary Office" in what:
            hint = " Open it in Excel and save it as .xlsx (Excel Workbook)."
        return {}, [
            _error("not_xlsx", f"this is {what}, not an Excel .xlsx workbook.{hint}", label)
        ]
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        return {}, [_error("not_xlsx", f"cannot be opened as an Excel workbook ({exc})", label)]
    tables, problems = {}, []
    for table in TABLES:
        if table not in wb.sheetnames:
            if table == "deliveries":
                continue
            near = suggest_column(table, wb.sheetnames)
            if near is None:
                near = next((s for s in wb.sheetnames if s.strip().lower() == table), None)
            hint = f' Found sheet "{near}": rename it to "{table}".' if near else ""
            problems.append(
                _error(
                    "missing_table",
                    f'no sheet named "{table}".{hint} Sheets found: {", ".join(wb.sheetnames)}.',
                    label,
                    table,
                )
            )
            continue
        source = f"{path.name}, sheet '{table}'"
        raw, probs = _read_sheet(wb[table], table, source)
        problems += probs
        if raw is not None:
            tables[table] = raw
    return tables, problems


# ------------------------------------------------------------------------ JSON
def _read_json(path: Path, label: str, encoding):
    text, problems = _decode(path.read_bytes(), label, encoding)
    if text is None:
        return {}, [
            Problem(
                p.severity,
                p.code,
                p.message.replace("CSV text", "JSON text"),
                p.source,
                p.table,
                p.row,
                p.column,
                p.value,
            )
            for p in problems
        ]
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        return {}, [
            _error(
                "not_json",
                f"not valid JSON: {exc.msg} (line {exc.lineno}, character {exc.colno})",
                label,
            )
        ]
    if not isinstance(doc, dict):
        return {}, [
            _error("not_json", 'expected a JSON object with "units" and "handoffs" lists', label)
        ]
    tables = {}
    for table in TABLES:
        items = doc.get(table)
        if items is None:
            if table != "deliveries":
                near = suggest_column(table, list(doc))
                hint = f' Found "{near}": rename it to "{table}".' if near else ""
                problems.append(_error("missing_table", f'no "{table}" list.{hint}', label, table))
            continue
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            problems.append(
                _error("not_json", f'"{table}" must be a list of objects', label, table)
            )
            continue
        # An empty list is an empty table with the documented columns.
        header = [] if items else [c for c, _, _ in TABLES[table]]
        for item in items:
            for k in item:
                if k not in header:
                    header.append(k)
        records = [[_json_text(item.get(k)) for k in header] for item in items]
        frame = pd.DataFrame(records, columns=header, dtype=object)
        tables[table] = RawTable(table, label, frame, np.arange(1, len(items) + 1))
    return tables, problems


def _json_text(v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


# ------------------------------------------------------------------------ entry
def read_raw(path, *, encoding: str | None = None):
    """Read the tables of an organization without interpreting them.

    Parameters
    ----------
    path : str or Path
        A folder holding ``units.csv``, ``handoffs.csv`` and optionally
        ``deliveries.csv``; a ``.zip`` of those; an ``.xlsx`` workbook with
        sheets of the same names; or a ``.json`` document with lists of the
        same names.
    encoding : str, optional
        Text encoding of CSV or JSON files. Default UTF-8 (a byte-order mark
        is accepted).

    Returns
    -------
    tables : dict of str to RawTable
    problems : list of Problem
        File-level problems (missing file, unreadable file, ...).
    """
    path = Path(path)
    label = path.name or str(path)
    if not path.exists():
        return {}, [_error("missing_file", f"no such file or folder: {path}", str(path))]
    if path.is_dir():
        files = {p.name: p.read_bytes for p in sorted(path.iterdir()) if p.is_file()}
        return _csv_set(files, f'folder "{path}"', encoding)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, label)
    if suffix == ".json":
        return _read_json(path, label, encoding)
    if suffix == ".zip":
        try:
            zf = zipfile.ZipFile(path)
        except zipfile.BadZipFile:
            return {}, [_error("not_zip", "this is not a readable .zip archive", label)]
        names = [n for n in zf.namelist() if not n.endswith("/") and "__MACOSX" not in n]
        files = {n: (lambda n=n: zf.read(n)) for n in names}
        return _csv_set(files, f'archive "{label}"', encoding)
    if suffix == ".xls":
        return {}, [
            _error(
                "not_xlsx",
                "old .xls workbooks are not supported; open it in Excel "
                "and save it as .xlsx (Excel Workbook)",
                label,
            )
        ]
    if suffix == ".csv":
        stem = path.stem
        hint = (
            f"pass the folder that holds {path.name} (orggraph reads units.csv, handoffs.csv "
            "and deliveries.csv together)"
        )
        if re.fullmatch(r"units|handoffs|deliveries", stem):
            return _csv_set(
                {p.name: p.read_bytes for p in sorted(path.parent.iterdir()) if p.is_file()},
                f'folder "{path.parent}"',
                encoding,
            )
        return {}, [
            _error(
                "not_org",
                f"a single CSV is not an organization: {hint}, or load an "
                "edge list with --nodes/--unit-column (see README, research networks)",
                label,
            )
        ]
    return {}, [_error("unsupported", f"cannot read {label!r}: expected {SUPPORTED}", label)]

"""Read an organization's tables from disk, exactly as the user wrote them.

Readers return :class:`RawTable` objects: every value as text (Excel dates
stay dates), with the row number the user sees in a spreadsheet kept beside
each row. Nothing is interpreted here; :mod:`orggraph.validate` does that.
File-level trouble (missing file, wrong encoding, not a CSV at all) is
reported as :class:`~orggraph.exceptions.Problem` records, never raised as a
raw parser traceback.

Every reader is bounded by a :class:`~orggraph.schema.Limits`: sizes are
checked before a byte is read or inflated, archive members are inflated
through a stream that stops at the size their header declares (and checks
their CRC), workbooks are streamed in openpyxl's read-only mode after their
XML has been checked for DTDs and entity declarations, and rows, columns and
field lengths are counted as they come. Whatever the input, a reader returns
tables and problems; it does not raise.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import struct
import zipfile
import zlib
from pathlib import Path
from xml.etree.ElementTree import XMLPullParser  # only after the DTD check (_scan_xlsx)

import numpy as np
import pandas as pd

from ..exceptions import ERROR, Problem, cap_problems
from ..raw import RawTable
from ..schema import DEFAULT_LIMITS, INPUT_TABLES, REQUIRED_TABLES, Limits, suggest_column

__all__ = ["RawTable", "read_raw", "read_bytes", "SUPPORTED"]

SUPPORTED = (
    "a folder of CSV files, a .zip of CSV files, an Excel .xlsx workbook, an OpenDocument "
    ".ods spreadsheet or a .json document"
)


def _error(code, message, source="", table="", row=None, column="", value=""):
    return Problem(ERROR, code, message, source, table, row, column, value)


class _Refused(Exception):
    """Raised inside a reader to stop at once with located problems."""

    def __init__(self, *problems: Problem):
        super().__init__(problems[0].message if problems else "")
        self.problems = list(problems)


def _mb(n: float) -> str:
    return f"{n / 2**20:,.1f} MB"


def _short(text, n: int = 60) -> str:
    """A value shortened for a message: a 50 MB name never travels whole."""
    text = str(text)
    return text if len(text) <= n else f"{text[:n]}... ({len(text):,} characters)"


def _names(items, n: int = 20) -> str:
    items = [_short(i, 40) for i in items]
    more = f" and {len(items) - n:,} more" if len(items) > n else ""
    return ", ".join(items[:n]) + more


def _letter(i: int) -> str:
    """Spreadsheet column letters of the 1-based column ``i``: 1 -> A, 28 -> AB."""
    out = ""
    while i > 0:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


class _Bytes:
    """Counts the bytes read for one organization against ``Limits.max_bytes``."""

    def __init__(self, limits: Limits, label: str):
        self.limits, self.label, self.used = limits, label, 0

    def take(self, n: int, what: str) -> None:
        self.used += n
        if self.used > self.limits.max_bytes:
            raise _Refused(
                _error(
                    "too_large",
                    f"{what} would take {_mb(self.used)} in all; the limit is "
                    f"{_mb(self.limits.max_bytes)} for one organization",
                    self.label,
                )
            )


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
    what = _what_binary(bytes(data[:4096]))
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
        byte = bytes(data[exc.start : exc.start + 1]).hex().upper()
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
    except (LookupError, ValueError, TypeError):
        # LookupError: unknown codec; the others: a codec that is not a text
        # encoding (e.g. "hex" or "zlib") given as --encoding.
        return None, [_error("encoding", f"unknown text encoding {_short(enc)!r}", source)]


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
    except (pd.errors.ParserError, ValueError, OverflowError):
        return None
    lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    if len(frame) + 1 != lines or any(str(c).startswith("Unnamed: ") for c in frame.columns):
        return None
    if list(frame.columns) != _dedupe([str(c) for c in frame.columns]):
        return None
    frame = frame.astype(object)
    for c in frame.columns:
        frame[c] = frame[c].str.strip()
    blank = (frame == "").all(axis=1).to_numpy()
    rows = np.arange(2, len(frame) + 2, dtype=np.int64)[~blank]
    frame = frame[~blank].reset_index(drop=True)
    return RawTable(name, source, frame, rows)


def _header_width(text: str) -> int:
    """Fields in the first non-blank record (0 when the csv module cannot say)."""
    try:
        for values in csv.reader(io.StringIO(text, newline="")):
            if any(v.strip() for v in values):
                return len(values)
    except csv.Error:
        return 0
    return 0


def _too_many_columns(width: int, limits: Limits, source, table, row=None) -> Problem:
    return _error(
        "too_many_columns",
        f"the table has {width:,} columns; at most {limits.max_columns:,} are read",
        source,
        table,
        row,
    )


def _missing_sheet(table, sheetnames, label) -> Problem:
    """A required table with no sheet of its name (.xlsx and .ods), naming the likely one."""
    near = suggest_column(table, sheetnames)
    if near is None:
        near = next((s for s in sheetnames if s.strip().lower() == table), None)
    hint = f' Found sheet "{_short(near)}": rename it to "{table}".' if near else ""
    return _error(
        "missing_table",
        f'no sheet named "{table}".{hint} Sheets found: {_names(sheetnames)}.',
        label,
        table,
    )


def _too_many_rows(limits: Limits, source, table) -> Problem:
    return _error(
        "too_many_rows",
        f"the table has more than {limits.max_rows:,} rows below its header (blank rows "
        "included); split it or raise the limit (orggraph: --max-rows)",
        source,
        table,
    )


def _read_csv_text(
    text: str, name: str, source: str, limits: Limits = DEFAULT_LIMITS
) -> tuple[RawTable | None, list[Problem]]:
    if not text.strip():
        return None, [
            _error("empty_table", "the file is empty; expected a header row", source, name)
        ]
    width = _header_width(text)
    if width > limits.max_columns:
        return None, [_too_many_columns(width, limits, source, name)]
    # Every record is at least one line: few enough lines cannot be too many rows.
    if text.count("\n") <= limits.max_rows:
        fast = _fast_csv(text, name, source)
        if fast is not None:
            # One record per line: no value is longer than the longest line.
            longest = max(map(len, text.splitlines())) if len(text) > limits.max_field_chars else 0
            return _check_fields(fast, limits, [], longest)
    # The csv module gives exact physical line numbers, even with quoted newlines.
    reader = csv.reader(io.StringIO(text, newline=""))
    records, rownums, problems = [], [], []
    header = None
    seen = ragged = 0
    try:
        for values in reader:
            if header is None:
                if not any(v.strip() for v in values):
                    continue  # blank leading lines
                header = [v.strip() if v.strip() == "" else v for v in values]
                width = len(header)
                if width > limits.max_columns:
                    return None, [_too_many_columns(width, limits, source, name)]
                continue
            seen += 1
            if seen > limits.max_rows:
                return None, [_too_many_rows(limits, source, name)]
            if not any(v.strip() for v in values):
                continue
            if len(values) > width:
                ragged += 1
                if ragged <= limits.max_problems:
                    problems.append(
                        _error(
                            "ragged_row",
                            f"this row has {len(values):,} fields but the header has {width}; "
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
        message = f"cannot be read as CSV: {exc}"
        if "field larger than field limit" in str(exc):
            message = (
                f"a value is longer than the CSV reader's limit of {csv.field_size_limit():,} "
                f"characters; values may hold at most {limits.max_field_chars:,}"
            )
        problems.append(_error("not_csv", message, source, name, reader.line_num))
        return None, cap_problems(problems, limits.max_problems)
    if header is None:
        return None, [
            _error("empty_table", "the file is empty; expected a header row", source, name)
        ]
    frame = pd.DataFrame(records, columns=_dedupe(header), dtype=object)
    extra = {ERROR: ragged - limits.max_problems} if ragged > limits.max_problems else None
    problems = cap_problems(problems, limits.max_problems, extra)
    return _check_fields(
        RawTable(name, source, frame, np.asarray(rownums, dtype=np.int64)), limits, problems
    )


def _check_fields(raw: RawTable, limits: Limits, problems: list[Problem], longest=None):
    """Refuse a table with a header or value longer than ``limits.max_field_chars``.

    The whole table is dropped (with one located error per long value): a
    50 MB name must not travel on into id suggestions, reports and figures.
    """
    cap = limits.max_field_chars
    if longest is not None and longest <= cap:
        return raw, problems  # no line of the file is that long
    found = []
    for j, h in enumerate(raw.frame.columns):
        if len(str(h)) > cap:
            found.append(
                _error(
                    "field_too_long",
                    f"this header is {len(str(h)):,} characters long; at most {cap:,} are allowed",
                    raw.source,
                    raw.name,
                    None,
                    raw.letters.get(h, _letter(j + 1)),
                    _short(h),
                )
            )
    for h in raw.frame.columns:
        col = raw.frame[h]
        try:
            lengths = col.str.len().fillna(0).to_numpy(dtype=np.int64)
        except AttributeError:  # no text at all in the column (dates only)
            continue
        for i in np.flatnonzero(lengths > cap)[: limits.max_problems + 1]:
            found.append(
                _error(
                    "field_too_long",
                    f"this value is {int(lengths[i]):,} characters long; at most {cap:,} are "
                    "allowed in one cell",
                    raw.source,
                    raw.name,
                    int(raw.rows[i]),
                    str(h),
                    _short(col.iat[i]),
                )
            )
    if found:
        return None, cap_problems(problems + found, limits.max_problems)
    return raw, problems


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


def _csv_set(files: dict, label: str, encoding, limits: Limits, budget: _Bytes):
    """Read units/handoffs/deliveries from ``{file name: (size, () -> bytes)}``."""
    tables, problems = {}, []
    names = list(files)
    for table in INPUT_TABLES:
        hit = _find_csv(names, table)
        if hit is None:
            if table not in REQUIRED_TABLES:
                continue
            csvs = [Path(n).name for n in names if n.lower().endswith(".csv")]
            near = [
                n
                for n in csvs
                if Path(n).stem.lower().strip() == table
                or suggest_column(table, [Path(n).stem]) is not None
            ]
            hint = f' Found "{_short(near[0])}": rename it to "{table}.csv".' if near else ""
            problems.append(
                _error("missing_table", f'no "{table}.csv" in {label}.{hint}', label, table)
            )
            continue
        source = Path(hit).name
        size, read = files[hit]
        budget.take(size, f'"{source}"')
        text, probs = _decode(read(), source, encoding)
        problems += probs
        if text is None:
            continue
        raw, probs = _read_csv_text(text, table, source, limits)
        del text
        problems += probs
        if raw is not None:
            tables[table] = raw
    return tables, problems


# ------------------------------------------------------------------------- zip
_EOCD = struct.Struct("<4s4H2LH")  # end of central directory record
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")
_LOCAL = struct.Struct("<4s5H3L2H")  # local file header
_CD_BYTES_PER_MEMBER = 1024  # a generous central-directory entry: name, extras, comment
_CHUNK = 1 << 16
_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate"}
_METHOD_NAMES = {12: "bzip2", 14: "lzma", 9: "deflate64", 93: "zstandard", 99: "AES encryption"}


class _Corrupt(Exception):
    """An archive member whose bytes do not match its header."""


def _directory(fp, size: int, label: str) -> tuple[int, int]:
    """Member count and central-directory size, read from the end record.

    Read before :class:`zipfile.ZipFile` parses the directory, so that an
    archive claiming millions of members is refused without building them.
    """
    tail_len = min(size, _EOCD.size + 0xFFFF)
    fp.seek(size - tail_len)
    tail = fp.read(tail_len)
    pos = tail.rfind(b"PK\x05\x06")
    if pos < 0 or len(tail) - pos < _EOCD.size:
        raise _Refused(
            _error("not_zip", "this is not a readable .zip archive (no directory)", label)
        )
    entries, cd_size = _EOCD.unpack_from(tail, pos)[4:6]
    if entries == 0xFFFF or cd_size == 0xFFFFFFFF:
        loc = pos - _ZIP64_LOCATOR.size
        if loc >= 0 and tail[loc : loc + 4] == b"PK\x06\x07":
            offset = _ZIP64_LOCATOR.unpack_from(tail, loc)[2]
            if 0 <= offset < size:
                fp.seek(offset)
                rec = fp.read(_ZIP64_EOCD.size)
                if len(rec) == _ZIP64_EOCD.size and rec[:4] == b"PK\x06\x06":
                    entries, cd_size = _ZIP64_EOCD.unpack(rec)[7:9]
    return entries, cd_size


def _unsafe_name(name: str) -> bool:
    parts = re.split(r"[\\/]", name)
    return name.startswith(("/", "\\")) or bool(re.match(r"[A-Za-z]:", name)) or ".." in parts


def _open_zip(fp, label: str, limits: Limits, budget: _Bytes, what: str) -> zipfile.ZipFile:
    """Open an archive after checking, from its directory alone, that it is safe to inflate."""
    size = fp.seek(0, io.SEEK_END)
    if size > limits.max_bytes:
        raise _Refused(
            _error(
                "too_large",
                f"the {what} is {_mb(size)}; the limit is {_mb(limits.max_bytes)}",
                label,
            )
        )
    entries, cd_size = _directory(fp, size, label)
    many = _error(
        "too_many_members",
        f"the {what} holds {entries:,} files; at most {limits.max_members:,} are read",
        label,
    )
    if entries > limits.max_members or cd_size > limits.max_members * _CD_BYTES_PER_MEMBER:
        raise _Refused(many)
    try:
        zf = zipfile.ZipFile(fp)
        infos = zf.infolist()
    except Exception as exc:  # zipfile raises many kinds on a damaged archive
        raise _Refused(
            _error("not_zip", f"this is not a readable .zip archive ({_short(exc, 120)})", label)
        ) from None
    if len(infos) > limits.max_members:
        zf.close()
        raise _Refused(
            _error(
                "too_many_members",
                f"the {what} holds {len(infos):,} files; at most {limits.max_members:,} are read",
                label,
            )
        )
    problems, total = [], 0
    for info in infos:
        name = _short(info.filename, 80)
        if _unsafe_name(info.filename):
            problems.append(
                _error(
                    "unsafe_member",
                    f'the {what} holds a file named "{name}", which points outside the '
                    "archive; such archives are refused (orggraph never extracts files, but a "
                    "plain export has no such names)",
                    label,
                    value=name,
                )
            )
        if info.flag_bits & 0x41:
            problems.append(
                _error(
                    "encrypted",
                    f'"{name}" in the {what} is encrypted (password-protected); orggraph '
                    "cannot read encrypted archives: save or zip the files without a password",
                    label,
                    value=name,
                )
            )
        elif info.compress_type not in _METHODS:
            method = _METHOD_NAMES.get(info.compress_type, f"method {info.compress_type}")
            problems.append(
                _error(
                    "unsupported_compression",
                    f'"{name}" in the {what} is compressed with {method}; only the standard '
                    "deflate compression (and none) is read: create the archive again with "
                    "your system's ordinary zip tool",
                    label,
                    value=name,
                )
            )
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > limits.ratio_exempt_bytes and ratio > limits.max_ratio:
            problems.append(
                _error(
                    "compression_ratio",
                    f'"{name}" in the {what} would expand {ratio:,.0f} times (to '
                    f"{_mb(info.file_size)}); at most {limits.max_ratio:,.0f} times is "
                    "accepted, so this looks like a zip bomb",
                    label,
                    value=name,
                )
            )
    if total > limits.max_bytes:
        problems.append(
            _error(
                "too_large",
                f"the {what} would expand to {_mb(total)}; the limit is "
                f"{_mb(limits.max_bytes)} for one organization",
                label,
            )
        )
    if problems:
        zf.close()
        raise _Refused(*cap_problems(problems, limits.max_problems))
    budget.take(total, f"the {what}'s files")
    return zf


def _inflate(fp, info: zipfile.ZipInfo):
    """Yield a member's bytes in chunks, stopping at the size its header declares.

    Reads the raw compressed bytes itself, so that no single call can inflate
    more than one chunk, and checks that the data ends exactly at the
    declared size with the declared CRC. A lying header (more data than it
    declares, or other data than its CRC says) raises :class:`_Corrupt`, and
    so does any other damage.
    """
    try:
        yield from _inflate_unchecked(fp, info)
    except (OSError, ValueError, OverflowError, struct.error) as exc:  # offsets out of the file
        raise _Corrupt(f"is damaged ({_short(exc, 80)})") from None


def _inflate_unchecked(fp, info: zipfile.ZipInfo):
    fp.seek(info.header_offset)
    head = fp.read(_LOCAL.size)
    if len(head) != _LOCAL.size or head[:4] != b"PK\x03\x04":
        raise _Corrupt("has a damaged header")
    name_len, extra_len = _LOCAL.unpack(head)[9:11]
    fp.seek(info.header_offset + _LOCAL.size + name_len + extra_len)
    left, total, crc = info.compress_size, 0, 0
    expected = info.file_size
    if info.compress_type == zipfile.ZIP_STORED:
        if left != expected:
            raise _Corrupt("is damaged (its stored and declared sizes differ)")
        while left:
            chunk = fp.read(min(_CHUNK, left))
            if not chunk:
                raise _Corrupt("is cut short")
            left -= len(chunk)
            total += len(chunk)
            crc = zlib.crc32(chunk, crc)
            yield chunk
    else:
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        while not inflater.eof:
            if inflater.unconsumed_tail:
                data = inflater.unconsumed_tail
            elif left:
                data = fp.read(min(_CHUNK, left))
                if not data:
                    raise _Corrupt("is cut short")
                left -= len(data)
            else:
                data = b""
            try:
                out = inflater.decompress(data, _CHUNK)
            except zlib.error as exc:
                raise _Corrupt(f"is damaged ({exc})") from None
            if not out and not data and not inflater.eof:
                raise _Corrupt("is cut short")
            total += len(out)
            if total > expected:
                raise _Corrupt(
                    f"holds more data than the {expected:,} bytes its header declares "
                    "(a lying header); refused"
                )
            crc = zlib.crc32(out, crc)
            if out:
                yield out
    if total != expected:
        raise _Corrupt(f"holds {total:,} bytes but its header declares {expected:,}")
    if crc != info.CRC:
        raise _Corrupt("fails its CRC check: the archive is damaged")


def _member_bytes(fp, info: zipfile.ZipInfo, label: str) -> bytearray:
    data = bytearray()
    try:
        for chunk in _inflate(fp, info):
            data += chunk
    except _Corrupt as exc:
        raise _Refused(
            _error("corrupt_member", f'"{_short(info.filename, 80)}" {exc}', label)
        ) from None
    return data


def _read_zip(fp, label: str, encoding, limits: Limits, budget: _Bytes):
    head = fp.read(4096)
    if not head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        what = _what_binary(head) or ("a text file" if head.strip() else "an empty file")
        return {}, [_error("not_zip", f"this is {what}, not a .zip archive", label)]
    zf = _open_zip(fp, label, limits, budget, "archive")
    with zf:
        infos = {
            i.filename: i
            for i in zf.infolist()
            if not i.filename.endswith("/") and "__MACOSX" not in i.filename
        }
        files = {
            n: (0, lambda i=i: _member_bytes(fp, i, label))  # sizes already counted
            for n, i in infos.items()
        }
        return _csv_set(files, f'archive "{label}"', encoding, limits, budget)


# ----------------------------------------------------------------------- Excel
_XML_DECLARATIONS = tuple(
    marker.encode(codec)
    for marker in ("<!DOCTYPE", "<!ENTITY")
    for codec in ("utf-8", "utf-16-le", "utf-16-be")
)
_MERGE = re.compile(
    rb'<(?:[A-Za-z_][\w.-]*:)?mergeCell\b[^>]*?\bref="([A-Za-z]{1,3})(\d{1,7}):([A-Za-z]{1,3})(\d{1,7})"'
)
_MAX_MERGES = 10_000
#: Rows searched for the header below titles and blank lines.
_HEADER_SEARCH_ROWS = 100


def _scan_xlsx(fp, zf: zipfile.ZipFile, label: str) -> dict[str, list[tuple[int, int, int, int]]]:
    """Inflate every member once, bounded, before openpyxl sees the workbook.

    Checks each member against its header (size, CRC), refuses XML with a
    DTD or entity declarations (XXE, billion laughs) and collects the merged
    cell ranges of each worksheet, which read-only mode does not report.
    """
    merges: dict[str, list[tuple[int, int, int, int]]] = {}
    for info in zf.infolist():
        if info.filename.endswith("/"):
            continue
        lower = info.filename.lower()
        is_xml = lower.endswith((".xml", ".rels", ".vml"))
        is_sheet = is_xml and "worksheets/" in lower
        found: set[tuple[int, int, int, int]] = set()
        tail = b""
        try:
            for chunk in _inflate(fp, info):
                if not is_xml:
                    continue
                window = tail + chunk
                if any(marker in window for marker in _XML_DECLARATIONS):
                    raise _Refused(
                        _error(
                            "xml_dtd",
                            f'"{_short(info.filename, 80)}" in the workbook declares a DTD or '
                            "XML entities, which spreadsheet programs never write and orggraph "
                            "refuses "
                            "(external entities and entity expansion are classic attacks)",
                            label,
                        )
                    )
                if is_sheet and b"mergeCell" in window and len(found) < _MAX_MERGES:
                    for m in _MERGE.finditer(window):
                        c1, r1 = _column_number(m.group(1).decode()), int(m.group(2))
                        c2, r2 = _column_number(m.group(3).decode()), int(m.group(4))
                        if c2 > c1:
                            found.add((c1, r1, c2, r2))
                tail = window[-256:]
        except _Corrupt as exc:
            raise _Refused(
                _error("corrupt_member", f'"{_short(info.filename, 80)}" {exc}', label)
            ) from None
        if found:
            merges[info.filename.lstrip("/")] = sorted(found)
    return merges


def _describe(exc: Exception) -> str:
    """A parser's exception in words, for a person fixing their file."""
    # openpyxl wraps the parser's error in a ValueError of its own: look down the chain.
    cause, seen = exc, 0
    while cause is not None and seen < 10:
        kind = type(cause).__name__
        if kind in ("EntitiesForbidden", "DTDForbidden", "ExternalReferenceForbidden"):
            return "its XML declares entities or a DTD, which orggraph refuses"
        if kind in ("ParseError", "XMLSyntaxError", "ExpatError"):
            return f"its XML is broken ({_short(cause, 120)})"
        cause, seen = cause.__cause__ or cause.__context__, seen + 1
    kind = type(exc).__name__
    return f"{kind}: {_short(exc, 120)}" if str(exc) else kind


def _cell_text(value):
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return value  # keep real dates: validation formats them
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _is_header(cells, expected) -> bool:
    texts = [str(c) for c in cells]
    return len(cells) >= 2 and any(suggest_column(e, texts) is not None for e in expected)


def _xlsx_rows(ws):
    """``(row number, values)`` of an openpyxl sheet, every row, blank ones included."""
    if hasattr(ws, "reset_dimensions"):
        ws.reset_dimensions()  # never trust the sheet's own <dimension>
    return enumerate(ws.iter_rows(values_only=True), start=1)


def _read_sheet(rows, table: str, source: str, limits: Limits, merges):
    """Stream one sheet: find the header below any titles, then collect the rows.

    ``rows`` yields ``(row number, values)`` in order; blank rows may be left
    out (an .ods sheet says "1,000 empty rows" in one element).
    """
    expected = [c for c, _, _ in INPUT_TABLES[table]]
    header_rownum = None
    header = []
    pending = []  # non-empty rows seen while the header is not yet known
    width = 0
    records, rownums = [], []
    rownum = 0

    def start(at, values):
        nonlocal header_rownum, header, width
        header_rownum = at
        width = len(values)
        while width and (values[width - 1] is None or str(values[width - 1]).strip() == ""):
            width -= 1
        header = []
        for j in range(width):
            name = "" if values[j] is None else str(values[j])
            if name.strip() == "":
                name = f"(unnamed column {_letter(j + 1)})"
            header.append(name)

    def add(at, values):
        vals = [_cell_text(v) for v in values[:width]]
        vals += [""] * (width - len(vals))
        if any(v != "" for v in vals):
            records.append(vals)
            rownums.append(at)

    while True:
        try:
            rownum, row = next(rows)
        except StopIteration:
            break
        except Exception as exc:  # openpyxl's parser on a damaged or crafted sheet
            return None, [
                _error(
                    "not_xlsx",
                    f"the sheet cannot be read beyond row {rownum:,}: {_describe(exc)}",
                    source,
                    table,
                    rownum + 1,
                )
            ]
        if len(row) > limits.max_columns:
            return None, [
                _error(
                    "too_many_columns",
                    f"this row has cells as far as column {_letter(len(row))}; at most "
                    f"{limits.max_columns:,} columns are read (delete the columns beyond, "
                    "formatted empty cells included)",
                    source,
                    table,
                    rownum,
                )
            ]
        if header_rownum is None:
            if rownum > limits.max_rows:
                return None, [_too_many_rows(limits, source, table)]
            cells = [c for c in row if c is not None and str(c).strip() != ""]
            if not cells:
                continue
            pending.append((rownum, row))
            # The header is the first row naming an expected column; rows above
            # it are titles or blank lines a consultant left in. Past a short
            # search, the first non-empty row is taken as the header.
            if _is_header(cells, expected):
                start(rownum, row)
                pending = []
            elif len(pending) >= _HEADER_SEARCH_ROWS:
                start(*pending[0])
                for at, values in pending[1:]:
                    add(at, values)
                pending = []
            continue
        if rownum - header_rownum > limits.max_rows:
            return None, [_too_many_rows(limits, source, table)]
        add(rownum, row)
    if header_rownum is None and pending:
        start(*pending[0])
        for at, values in pending[1:]:
            add(at, values)
    if header_rownum is None:
        return None, [
            _error("empty_table", "the sheet is empty; expected a header row", source, table)
        ]
    problems = []
    # Merged header cells leave every column but the first without a name.
    for c1, r1, c2, r2 in merges:
        if r1 <= header_rownum <= r2:
            first = header[c1 - 1] if c1 - 1 < len(header) else ""
            problems.append(
                _error(
                    "merged_header",
                    f"header cells {_letter(c1)}{r1}:{_letter(c2)}{r2} are merged; unmerge them "
                    "so that each column has its own header",
                    source,
                    table,
                    header_rownum,
                    value="" if first.startswith("(unnamed column") else _short(first),
                )
            )
    header = _dedupe(header)
    letters = {h: _letter(j + 1) for j, h in enumerate(header)}
    frame = pd.DataFrame(records, columns=header, dtype=object)
    raw = RawTable(table, source, frame, np.asarray(rownums, dtype=np.int64), letters)
    return _check_fields(raw, limits, problems)


def _read_xlsx(fp, label: str, limits: Limits, budget: _Bytes):
    head = fp.read(4096)
    fp.seek(0)
    if not head.startswith(b"PK\x03\x04"):
        what = _what_binary(head) or "a text file"
        hint = ""
        if "old binary Office" in what:
            what = "an encrypted (password-protected) workbook or an old binary .xls file"
            hint = (
                " Remove the password, or open it in Excel and save it as .xlsx (Excel Workbook)."
            )
        return {}, [
            _error("not_xlsx", f"this is {what}, not an Excel .xlsx workbook.{hint}", label)
        ]
    zf = _open_zip(fp, label, limits, budget, "workbook")
    with zf:
        merges = _scan_xlsx(fp, zf, label)
    import openpyxl  # deliberate lazy load: only workbooks need it

    try:
        wb = openpyxl.load_workbook(fp, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged workbook
        return {}, [
            _error("not_xlsx", f"cannot be opened as an Excel workbook: {_describe(exc)}", label)
        ]
    try:
        return _read_sheets(wb, label, limits, merges)
    finally:
        wb.close()


def _read_sheets(wb, label: str, limits: Limits, merges):
    tables, problems = {}, []
    sheetnames = list(wb.sheetnames)
    for table in INPUT_TABLES:
        if table not in sheetnames:
            if table not in REQUIRED_TABLES:
                continue
            problems.append(_missing_sheet(table, sheetnames, label))
            continue
        source = f"{label}, sheet '{table}'"
        try:
            ws = wb[table]
            path = str(getattr(ws, "_worksheet_path", "")).lstrip("/")
            raw, probs = _read_sheet(_xlsx_rows(ws), table, source, limits, merges.get(path, []))
        except Exception as exc:  # a chart sheet, or a sheet openpyxl cannot open
            raw, probs = (
                None,
                [_error("not_xlsx", f"the sheet cannot be read: {_describe(exc)}", source, table)],
            )
        problems += probs
        if raw is not None:
            tables[table] = raw
    return tables, problems


# ------------------------------------------------------------------ OpenDocument
_ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"
_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_CELLS = (_TABLE + "table-cell", _TABLE + "covered-table-cell")
#: How often one row with values may repeat (``table:number-rows-repeated``): 100
#: bytes must not become five million rows. Empty rows repeat freely.
_MAX_ROW_REPEAT = 1_000


def _ods_text(elem, budget: int) -> str:
    """The text of a cell: paragraphs joined by line breaks, ``<text:s c=N>`` as N spaces.

    Stops growing at ``budget`` characters: a crafted ``c="1000000000"`` is
    a long value to refuse, not a gigabyte of spaces.
    """
    out: list[str] = []
    size = 0

    def put(text):
        nonlocal size
        if text and size <= budget:
            text = text[: budget + 1 - size]
            out.append(text)
            size += len(text)
            if size > budget:
                out.append("...")  # too long, whatever the tail: never stripped back under

    def walk(e):
        for child in e:
            tag = child.tag
            if tag == _OFFICE + "annotation":
                put(child.tail)
                continue
            if tag == _TEXT + "s":
                put(" " * min(_ods_int(child.get(_TEXT + "c"), 1), budget + 1))
            elif tag == _TEXT + "tab":
                put("\t")
            elif tag == _TEXT + "line-break":
                put("\n")
            else:
                put(child.text)
                walk(child)
            put(child.tail)

    paragraphs = [c for c in elem if c.tag in (_TEXT + "p", _TEXT + "h")]
    for k, para in enumerate(paragraphs):
        if k:
            put("\n")
        put(para.text)
        walk(para)
    return "".join(out)


def _ods_int(text, default: int) -> int:
    try:
        return max(1, int(text))
    except (TypeError, ValueError):
        return default


def _ods_value(cell, budget: int):
    """A cell's value as openpyxl gives one: number, date, bool, text or None."""
    kind = cell.get(_OFFICE + "value-type")
    try:
        if kind in ("float", "percentage", "currency"):
            return float(cell.get(_OFFICE + "value"))
        if kind == "date":
            value = dt.datetime.fromisoformat(cell.get(_OFFICE + "date-value", ""))
            return value.date() if len(cell.get(_OFFICE + "date-value", "")) <= 10 else value
        if kind == "boolean":
            return cell.get(_OFFICE + "boolean-value", "").lower() == "true"
    except (TypeError, ValueError):
        pass  # a damaged value: the text the cell shows is read instead
    text = _ods_text(cell, budget)
    return text if text != "" else None


def _ods_sheets(fp, info: zipfile.ZipInfo, wanted, label: str, limits: Limits):
    """Stream ``content.xml``: ``{sheet: ([(row number, values)], merges)}`` for ``wanted`` sheets.

    Parsed as it is inflated, one row at a time (rows of other sheets are
    dropped as they end), so memory follows the tables kept, not the file.
    Repeated rows and cells (``number-rows-repeated``) are expanded only as
    far as the limits allow; empty ones are never expanded.
    """
    bound = limits.max_rows + _HEADER_SEARCH_ROWS + 2
    sheets: dict[str, tuple[list, list]] = {}
    parser = XMLPullParser(events=("start", "end"))
    stack: list = []
    in_cell = 0  # a cell's paragraphs are kept until the cell ends
    sheet = None  # the wanted sheet being read, or None
    names: list[str] = []
    rownum = col = empty = 0  # empty: empty cells waiting for a value after them
    values: list = []
    for chunk in _inflate(fp, info):
        parser.feed(chunk)
        for event, elem in parser.read_events():
            tag = elem.tag
            if event == "start":
                stack.append(elem)
                if tag in _CELLS:
                    in_cell += 1
                elif tag == _TABLE + "table-row":
                    values, empty, col = [], 0, 0
                elif tag == _TABLE + "table":
                    name = elem.get(_TABLE + "name", "")
                    names.append(name)
                    sheet = name if name in INPUT_TABLES and name not in sheets else None
                    if sheet is not None:
                        sheets[sheet] = ([], [])
                    rownum = 0
                continue
            stack.pop()
            if tag in _CELLS:
                in_cell -= 1
                repeat = _ods_int(elem.get(_TABLE + "number-columns-repeated"), 1)
                value = None
                if sheet is not None and tag == _CELLS[0]:
                    value = _ods_value(elem, limits.max_field_chars)
                if value is None:
                    empty += repeat
                else:
                    # Never more than one column past the limit: _read_sheet refuses the row.
                    room = max(limits.max_columns + 1 - len(values), 0)
                    values += [None] * min(empty, room)
                    room = max(limits.max_columns + 1 - len(values), 0)
                    values += [value] * min(repeat, room)
                    empty = 0
                    span = _ods_int(elem.get(_TABLE + "number-columns-spanned"), 1)
                    if span > 1:
                        down = _ods_int(elem.get(_TABLE + "number-rows-spanned"), 1)
                        merge = (col + 1, rownum + 1, col + span, rownum + down)
                        sheets[sheet][1].append(merge)
                col += repeat
            elif tag == _TABLE + "table-row":
                repeat = _ods_int(elem.get(_TABLE + "number-rows-repeated"), 1)
                if sheet is not None and values and repeat > _MAX_ROW_REPEAT:
                    raise _Refused(
                        _error(
                            "repeated_row",
                            f"this row is repeated {repeat:,} times (table:number-rows-repeated)"
                            f"; a row with values is read at most {_MAX_ROW_REPEAT:,} times: "
                            "a table of repeated rows is not an organization",
                            f"{label}, sheet '{sheet}'",
                            sheet,
                            rownum + 1,
                        )
                    )
                if sheet is not None and values:
                    kept = sheets[sheet][0]
                    row = tuple(values)
                    kept += [(rownum + 1 + k, row) for k in range(min(repeat, bound - rownum))]
                rownum += repeat
            elif tag == _TABLE + "table":
                sheet = None
            if stack and not in_cell:
                stack[-1].remove(elem)  # read: the tree never holds more than one row
    parser.close()
    return sheets, names


def _read_ods(fp, label: str, limits: Limits, budget: _Bytes):
    """An OpenDocument spreadsheet (LibreOffice Calc's .ods), checked as an .xlsx is."""
    head = fp.read(4096)
    fp.seek(0)
    if not head.startswith(b"PK\x03\x04"):
        what = _what_binary(head) or "a text file"
        return {}, [
            _error("not_ods", f"this is {what}, not an OpenDocument .ods spreadsheet", label)
        ]
    zf = _open_zip(fp, label, limits, budget, "workbook")
    with zf:
        infos = {i.filename: i for i in zf.infolist()}
        mime = infos.get("mimetype")
        kind = bytes(_member_bytes(fp, mime, label)[:200]).strip() if mime is not None else b""
        if "[Content_Types].xml" in infos:
            return {}, [
                _error(
                    "not_ods",
                    "this is an Excel workbook, not an OpenDocument spreadsheet: name it .xlsx",
                    label,
                )
            ]
        if kind != _ODS_MIME or "content.xml" not in infos:
            shown = _short(kind.decode("ascii", "replace"), 80) if kind else "no mimetype"
            return {}, [
                _error(
                    "not_ods",
                    f"this is not an OpenDocument spreadsheet ({shown}); "
                    "save it from LibreOffice Calc as .ods, or as .xlsx",
                    label,
                )
            ]
        _scan_xlsx(fp, zf, label)  # sizes, CRCs, no DTD or entity anywhere
        try:
            sheets, names = _ods_sheets(fp, infos["content.xml"], INPUT_TABLES, label, limits)
        except _Corrupt as exc:
            return {}, [_error("corrupt_member", f'"content.xml" {exc}', label)]
        except _Refused:
            raise
        except Exception as exc:  # the XML parser on a damaged or crafted document
            return {}, [
                _error("not_ods", f"cannot be read as a spreadsheet: {_describe(exc)}", label)
            ]
    tables, problems = {}, []
    for table in INPUT_TABLES:
        if table not in sheets:
            if table in REQUIRED_TABLES:
                problems.append(_missing_sheet(table, names, label))
            continue
        rows, merges = sheets[table]
        source = f"{label}, sheet '{table}'"
        raw, probs = _read_sheet(iter(rows), table, source, limits, merges)
        problems += probs
        if raw is not None:
            tables[table] = raw
    return tables, problems


# ------------------------------------------------------------------------ JSON
class _NotANumber(ValueError):
    pass


def _no_constant(name):
    raise _NotANumber(name)


_NESTED = object()


def _read_json(data, label: str, encoding, limits: Limits):
    text, problems = _decode(data, label, encoding)
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
        # Integers stay text: a 5,000-digit number is a value to check, not a
        # ValueError from Python's int-from-string limit.
        doc = json.loads(text, parse_int=str, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        return {}, [
            _error(
                "not_json",
                f"not valid JSON: {exc.msg} (line {exc.lineno}, character {exc.colno})",
                label,
            )
        ]
    except _NotANumber as exc:
        return {}, [
            _error(
                "not_json",
                f"not valid JSON: {exc} is not a JSON number (write a number, or leave the "
                "value out)",
                label,
            )
        ]
    except RecursionError:
        return {}, [
            _error(
                "not_json",
                "not valid JSON for orggraph: lists or objects are nested too deeply "
                "(an organization needs two levels)",
                label,
            )
        ]
    except ValueError as exc:
        return {}, [_error("not_json", f"not valid JSON: {_short(exc, 120)}", label)]
    del text
    if not isinstance(doc, dict):
        return {}, [
            _error("not_json", 'expected a JSON object with "units" and "handoffs" lists', label)
        ]
    tables = {}
    for table in INPUT_TABLES:
        items = doc.get(table)
        if items is None:
            if table in REQUIRED_TABLES:
                near = suggest_column(table, list(doc)[: limits.max_columns])
                hint = f' Found "{_short(near)}": rename it to "{table}".' if near else ""
                problems.append(_error("missing_table", f'no "{table}" list.{hint}', label, table))
            continue
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            problems.append(
                _error("not_json", f'"{table}" must be a list of objects', label, table)
            )
            continue
        if len(items) > limits.max_rows:
            problems.append(_too_many_rows(limits, label, table))
            continue
        raw, probs = _json_table(items, table, label, limits)
        problems += probs
        if raw is not None:
            tables[table] = raw
    return tables, problems


def _json_table(items, table: str, label: str, limits: Limits):
    # An empty list is an empty table with the documented columns.
    header = {} if items else dict.fromkeys(c for c, _, _ in INPUT_TABLES[table])
    for item in items:
        header.update(dict.fromkeys(item))
        if len(header) > limits.max_columns:
            return None, [_too_many_columns(len(header), limits, label, table)]
    header = list(header)
    records = [[_json_text(item.get(k)) for k in header] for item in items]
    problems = []
    nested = 0
    for i, record in enumerate(records):
        for j, value in enumerate(record):
            if isinstance(value, tuple):
                nested += 1
                if nested <= limits.max_problems:
                    problems.append(
                        _error(
                            "nested_value",
                            f"expected text or a number here, not a JSON {value[0]}",
                            label,
                            table,
                            i + 1,
                            header[j],
                        )
                    )
                record[j] = f"(a JSON {value[0]})"
    if nested > limits.max_problems:
        problems = cap_problems(problems, limits.max_problems, {ERROR: nested - len(problems)})
    frame = pd.DataFrame(records, columns=header, dtype=object)
    raw = RawTable(table, label, frame, np.arange(1, len(items) + 1))
    return _check_fields(raw, limits, problems)


def _json_text(v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, list):
        return ("list",)
    if isinstance(v, dict):
        return ("object",)
    return str(v).strip()


# ------------------------------------------------------------------------ entry
def read_raw(path, *, encoding: str | None = None, limits: Limits | None = None):
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
    limits : Limits, optional
        Bounds on sizes, rows, columns, fields and problems; default
        :data:`~orggraph.schema.DEFAULT_LIMITS`.

    Returns
    -------
    tables : dict of str to RawTable
    problems : list of Problem
        File-level problems (missing file, unreadable file, over a limit, ...).
    """
    limits = limits or DEFAULT_LIMITS
    path = Path(path)
    label = path.name or str(path)
    try:
        return _read_path(path, label, encoding, limits)
    except _Refused as exc:
        return {}, exc.problems
    except (OSError, ValueError) as exc:  # ValueError: a path with a NUL byte
        reason = getattr(exc, "strerror", None) or _short(exc, 120)
        return {}, [_error("unreadable", f"cannot be read: {reason}", label)]


def read_bytes(
    data: bytes, filename: str, *, encoding: str | None = None, limits: Limits | None = None
):
    """Like :func:`read_raw`, for a file held in memory (an upload).

    ``filename`` gives the format by its suffix (``.xlsx``, ``.zip`` or
    ``.json``) and names the file in problems; nothing is written to disk.

    Examples
    --------
    >>> tables, problems = read_bytes(b'{"units": []}', "org.json")
    >>> [p.code for p in problems]
    ['missing_table']
    """
    limits = limits or DEFAULT_LIMITS
    label = Path(filename or "upload").name or "upload"
    suffix = Path(label).suffix.lower()
    budget = _Bytes(limits, label)
    try:
        if suffix == ".zip":
            return _read_zip(io.BytesIO(data), label, encoding, limits, budget)
        if suffix in (".xlsx", ".xlsm"):
            return _read_xlsx(io.BytesIO(data), label, limits, budget)
        if suffix == ".ods":
            return _read_ods(io.BytesIO(data), label, limits, budget)
        if suffix == ".json":
            budget.take(len(data), "the file")
            return _read_json(data, label, encoding, limits)
        return _unsupported(label, suffix)
    except _Refused as exc:
        return {}, exc.problems


def _unsupported(label: str, suffix: str):
    if suffix == ".xls":
        return {}, [
            _error(
                "not_xlsx",
                "old .xls workbooks are not supported; open it in Excel "
                "and save it as .xlsx (Excel Workbook)",
                label,
            )
        ]
    return {}, [
        _error("unsupported", f"cannot read {_short(label)!r}: expected {SUPPORTED}", label)
    ]


def _folder_files(folder: Path) -> dict:
    files = sorted(p for p in folder.iterdir() if p.is_file())
    return {p.name: (p.stat().st_size, p.read_bytes) for p in files}


def _read_path(path: Path, label: str, encoding, limits: Limits):
    if not path.exists():
        return {}, [_error("missing_file", f"no such file or folder: {path}", str(path))]
    budget = _Bytes(limits, label)
    if path.is_dir():
        return _csv_set(_folder_files(path), f'folder "{path}"', encoding, limits, budget)
    if not path.is_file():
        return {}, [
            _error("not_a_file", "this is not a regular file (a device, pipe or socket)", label)
        ]
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".zip", ".ods"):
        with path.open("rb") as fp:
            if suffix == ".zip":
                return _read_zip(fp, label, encoding, limits, budget)
            if suffix == ".ods":
                return _read_ods(fp, label, limits, budget)
            return _read_xlsx(fp, label, limits, budget)
    if suffix == ".json":
        budget.take(path.stat().st_size, "the file")
        return _read_json(path.read_bytes(), label, encoding, limits)
    if suffix == ".csv":
        stem = path.stem
        hint = (
            f"pass the folder that holds {path.name} (orggraph reads units.csv, handoffs.csv "
            "and deliveries.csv together)"
        )
        if re.fullmatch(r"units|handoffs|deliveries", stem):
            return _csv_set(
                _folder_files(path.parent), f'folder "{path.parent}"', encoding, limits, budget
            )
        return {}, [
            _error(
                "not_org",
                f"a single CSV is not an organization: {hint}, or load an "
                "edge list with --nodes/--unit-column (see README, research networks)",
                label,
            )
        ]
    return _unsupported(label, suffix)

"""A corpus of hostile and broken files, each refused with its own located error.

Every case is built here, in the test, and loaded in a forked child process
that measures its own time and peak memory (the growth of its resident set
over its start), so a case that blew up would fail this test rather than
the machine. docs/security-limits.md lists the cases and the caps asserted
below; ``pytest -s`` prints the measured figures.
"""

from __future__ import annotations

import io
import json
import multiprocessing
import os
import re
import resource
import struct
import time
import traceback
import zipfile
import zlib
from pathlib import Path

import pytest
from openpyxl import Workbook

import orggraph
from orggraph.exceptions import OrgGraphError, ValidationError
from orggraph.readwrite import Limits, load_network

from ..conftest import DELIVERIES, HANDOFFS, UNITS, write_org

#: Peak memory a refused input may take above the loading process's own
#: size (documented in docs/security-limits.md).
MEMORY_CAP = 128 * 2**20
#: The 50 MB name is held a few times over (bytes, text, parsed) before it is refused.
BIG_FIELD_MEMORY_CAP = 512 * 2**20
#: Seconds any case may take; most take a few milliseconds.
TIME_CAP = 20.0

#: Limits as a server reading uploads might pass them.
UPLOAD_LIMITS = Limits(max_bytes=10 * 2**20, max_rows=10_000, max_members=100)


# ----------------------------------------------------------------- measuring
def _status(key: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    raise KeyError(key)


def _child(conn, fn, args):
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # the peak resident size restarts from here
        base, peak_of = _status("VmRSS"), lambda: _status("VmHWM")
    except OSError:
        base = _status("VmRSS")

        def peak_of():
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    start = time.perf_counter()
    try:
        value = fn(*args)
        outcome = ("returned", _summary(value))
    except ValidationError as exc:
        outcome = ("validation", [_row(p) for p in exc.problems])
    except OrgGraphError as exc:
        outcome = ("orggraph", str(exc))
    except BaseException as exc:  # what the test is here to catch
        outcome = ("crash", "".join(traceback.format_exception(exc)))
    conn.send((outcome, time.perf_counter() - start, peak_of() - base))
    conn.close()


def _row(p):
    return {k: getattr(p, k) for k in ("severity", "code", "message", "source", "row", "column")}


def _summary(value):
    if isinstance(value, list):  # check_path
        return [_row(p) for p in value]
    return value if isinstance(value, str) else repr(type(value))


def measure(fn, *args, timeout=TIME_CAP + 30):
    """Run ``fn(*args)`` in a forked child: (outcome, seconds, peak bytes above its start)."""
    ctx = multiprocessing.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(send, fn, args))
    proc.start()
    send.close()
    try:
        if not recv.poll(timeout):
            pytest.fail(f"still running after {timeout} s")
        result = recv.recv()
    finally:
        proc.kill()
        proc.join()
    return result


def refused(fn, *args, mem_cap=MEMORY_CAP, label=""):
    """The located problems ``fn(*args)`` raised, after checking time and memory."""
    (kind, detail), seconds, peak = measure(fn, *args)
    test = os.environ.get("PYTEST_CURRENT_TEST", "").split("::")[-1].split(" ")[0]
    print(f"\n[crafted] {test} {label}: {seconds:.3f} s, {peak / 2**20:.1f} MiB")
    assert kind != "crash", detail
    assert kind == "validation", (kind, detail)
    assert seconds < TIME_CAP
    assert peak < mem_cap, f"{peak / 2**20:.0f} MiB"
    return detail


def codes(problems):
    return [p["code"] for p in problems]


# ---------------------------------------------------------- zip craftsmanship
def zip_bytes(members, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def org_members(**replace):
    members = {"units.csv": UNITS, "handoffs.csv": HANDOFFS, "deliveries.csv": DELIVERIES}
    members.update(replace)
    return {k: v for k, v in members.items() if v is not None}


def patch_member(data: bytes, name: str, **fields) -> bytes:
    """Rewrite header fields of one member, in its local header and the central directory.

    ``fields``: any of flags, method, crc, compress_size, file_size.
    """
    local = {"flags": (6, "<H"), "method": (8, "<H"), "crc": (14, "<L")}
    local |= {"compress_size": (18, "<L"), "file_size": (22, "<L")}
    central = {"flags": (8, "<H"), "method": (10, "<H"), "crc": (16, "<L")}
    central |= {"compress_size": (20, "<L"), "file_size": (24, "<L")}
    out = bytearray(data)
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(name)
    for key, value in fields.items():
        off, fmt = local[key]
        struct.pack_into(fmt, out, info.header_offset + off, value)
    pos = out.rfind(b"PK\x05\x06")
    cd = struct.unpack_from("<L", out, pos + 16)[0]
    while out[cd : cd + 4] == b"PK\x01\x02":
        n, e, c = struct.unpack_from("<3H", out, cd + 28)
        if out[cd + 46 : cd + 46 + n].decode() == name:
            for key, value in fields.items():
                off, fmt = central[key]
                struct.pack_into(fmt, out, cd + off, value)
        cd += 46 + n + e + c
    return bytes(out)


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# ------------------------------------------------------------------- zip cases
def test_zip_bomb_is_refused_by_its_ratio_before_inflating(tmp_path):
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in org_members(**{"units.csv": None}).items():
            zf.writestr(name, text)
        with zf.open("units.csv", "w", force_zip64=True) as f:
            f.write(UNITS.encode())
            block = b"\n" * 2**20
            for _ in range(200):  # 200 MB of line breaks, about 200 KB packed
                f.write(block)
    assert path.stat().st_size < 1_000_000
    problems = refused(orggraph.load, path)
    assert codes(problems) == ["compression_ratio"]
    p = problems[0]
    assert p["source"] == "bomb.zip" and "units.csv" in p["message"]
    assert "zip bomb" in p["message"] and "at most 100 times" in p["message"]


def _load_upload(path, _unused=None):
    return orggraph.load(path, limits=UPLOAD_LIMITS)


def test_archive_past_the_upload_limit(tmp_path):
    hex_text = os.urandom(6 * 2**20).hex()  # packs about 2:1, well within the ratio
    path = write(tmp_path / "big.zip", zip_bytes(org_members(**{"notes.txt": hex_text})))
    assert path.stat().st_size < UPLOAD_LIMITS.max_bytes
    problems = refused(_load_upload, path)
    assert codes(problems) == ["too_large"]
    assert "would expand to 12.0 MB; the limit is 10.0 MB" in problems[0]["message"]


def test_member_declaring_four_gigabytes(tmp_path):
    data = zip_bytes(org_members())
    path = write(tmp_path / "liar.zip", patch_member(data, "units.csv", file_size=0xFFFFFFF0))
    problems = refused(orggraph.load, path)
    assert set(codes(problems)) == {"compression_ratio", "too_large"}


def test_lying_header_is_caught_by_the_capped_stream(tmp_path):
    # The header says 300 bytes (and gives their CRC); the data inflates to 50 MB.
    text = UNITS.encode() + b"x" * (50 * 2**20)
    data = zip_bytes(org_members(**{"units.csv": text}))
    head = text[:300]
    path = write(
        tmp_path / "liar.zip",
        patch_member(data, "units.csv", file_size=len(head), crc=zlib.crc32(head)),
    )
    problems = refused(orggraph.load, path)
    assert codes(problems) == ["corrupt_member"]
    assert "holds more data than the 300 bytes its header declares" in problems[0]["message"]


def test_many_members(tmp_path):
    members = org_members(**{f"empty/{i}.txt": b"" for i in range(5000)})
    path = write(tmp_path / "many.zip", zip_bytes(members, zipfile.ZIP_STORED))
    problems = refused(orggraph.load, path)
    assert codes(problems) == ["too_many_members"]
    assert "5,003 files; at most 1,000 are read" in problems[0]["message"]


@pytest.mark.parametrize("name", ["../../etc/passwd", "/etc/passwd", "C:/Windows/win.ini"])
def test_traversal_names(tmp_path, name):
    members = org_members(**{name: b"root:x:0:0:root:/root:/bin/bash\n"})
    path = write(tmp_path / "traversal.zip", zip_bytes(members))
    problems = refused(orggraph.load, path, label=f"traversal {name}")
    assert codes(problems) == ["unsafe_member"]
    assert "points outside the archive" in problems[0]["message"]
    assert problems[0]["source"] == "traversal.zip"


def test_encrypted_member(tmp_path):
    data = zip_bytes(org_members())
    path = write(tmp_path / "locked.zip", patch_member(data, "units.csv", flags=0x1))
    problems = refused(orggraph.load, path)
    assert codes(problems) == ["encrypted"]
    assert '"units.csv" in the archive is encrypted' in problems[0]["message"]


def test_corrupt_member(tmp_path):
    text = ("".join(f"p{i},Person {i},person,ops,,\n" for i in range(2000))).encode()
    data = bytearray(zip_bytes(org_members(**{"units.csv": UNITS.encode() + text})))
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("units.csv")
    middle = info.header_offset + 30 + len("units.csv") + info.compress_size // 2
    data[middle : middle + 8] = b"\xff" * 8
    path = write(tmp_path / "damaged.zip", bytes(data))
    problems = refused(orggraph.load, path)
    assert codes(problems) == ["corrupt_member"]
    assert problems[0]["message"].startswith('"units.csv" ')


def test_member_with_an_empty_name(tmp_path):
    # A name that starts with NUL reads as "" (zipfile cuts names at NUL): found by fuzzing.
    data = bytearray(zip_bytes(org_members(**{"Q.txt": b"x"})))
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("Q.txt")
    data[info.header_offset + 30] = 0
    directory = struct.unpack_from("<L", data, data.rfind(b"PK\x05\x06") + 16)[0]
    data[data.index(b"Q.txt", directory)] = 0
    names = [i.filename for i in zipfile.ZipFile(io.BytesIO(bytes(data))).infolist()]
    assert "" in names
    path = write(tmp_path / "nul.zip", bytes(data))
    org = orggraph.load(path)  # the nameless member is ignored
    assert len(org.units) == 7


def test_unsupported_compression(tmp_path):
    path = write(tmp_path / "bz.zip", zip_bytes(org_members(), zipfile.ZIP_BZIP2))
    problems = refused(orggraph.load, path)
    assert set(codes(problems)) == {"unsupported_compression"}
    assert "bzip2" in problems[0]["message"]


def test_truncated_archive(tmp_path):
    data = zip_bytes(org_members())
    path = write(tmp_path / "cut.zip", data[: len(data) // 2])
    problems = refused(orggraph.load, path)
    assert codes(problems) == ["not_zip"]


# ------------------------------------------------------------------ xlsx cases
def workbook_bytes(**replace) -> bytes:
    """A valid workbook of the small organization, with members replaced by name."""
    wb = Workbook()
    wb.remove(wb.active)
    for name, text in (("units", UNITS), ("handoffs", HANDOFFS), ("deliveries", DELIVERIES)):
        ws = wb.create_sheet(name)
        for line in text.strip().split("\n"):
            ws.append([v or None for v in line.split(",")])
    buf = io.BytesIO()
    wb.save(buf)
    if not replace:
        return buf.getvalue()
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in src.infolist():
            data = src.read(info.filename)
            new = replace.get(info.filename)
            zf.writestr(info.filename, new(data) if callable(new) else new or data)
    return out.getvalue()


ENTITIES = {
    "billion-laughs": b"""<!DOCTYPE worksheet [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>""",
    "xxe": b'<!DOCTYPE worksheet [<!ENTITY lol9 SYSTEM "file:///etc/passwd">]>',
}


def with_entities(kind):
    """A worksheet whose "Ann Lee" cell expands an entity declared in its own DTD."""

    def rewrite(data):
        data = data.replace(b"<t>Ann Lee</t>", b"<t>&lol9;</t>")
        return ENTITIES[kind] + b"\n" + data

    return rewrite


@pytest.mark.parametrize("kind", list(ENTITIES))
def test_xlsx_with_a_dtd(tmp_path, kind):
    book = workbook_bytes(**{"xl/worksheets/sheet1.xml": with_entities(kind)})
    path = write(tmp_path / "dtd.xlsx", book)
    problems = refused(orggraph.load, path, label=f"xlsx {kind}")
    assert codes(problems) == ["xml_dtd"]
    assert "xl/worksheets/sheet1.xml" in problems[0]["message"]
    assert "declares a DTD or XML entities" in problems[0]["message"]


def _openpyxl_alone(path):
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True)
        list(wb["units"].iter_rows(values_only=True))
    except Exception as exc:
        chain = []
        while exc is not None:
            chain.append(type(exc).__name__)
            exc = exc.__cause__ or exc.__context__
        return " <- ".join(chain)
    return "loaded"


def test_openpyxl_itself_refuses_entities(tmp_path):
    """The second wall: with defusedxml installed, openpyxl refuses entity declarations."""
    book = workbook_bytes(**{"xl/worksheets/sheet1.xml": with_entities("billion-laughs")})
    path = write(tmp_path / "dtd.xlsx", book)
    (kind, detail), seconds, peak = measure(_openpyxl_alone, path)
    assert kind == "returned" and "EntitiesForbidden" in detail
    assert peak < MEMORY_CAP


def test_xlsx_with_broken_xml(tmp_path):
    def cut(data):
        return data[: len(data) // 2]

    path = write(tmp_path / "broken.xlsx", workbook_bytes(**{"xl/worksheets/sheet1.xml": cut}))
    problems = refused(orggraph.load, path)
    assert codes(problems) == ["not_xlsx"]
    assert "XML is broken" in problems[0]["message"]
    assert problems[0]["source"] in ("broken.xlsx", "broken.xlsx, sheet 'units'")


def test_xlsx_with_a_huge_dimension_and_far_row(tmp_path):
    """A sheet that claims 16,384 x 1,048,576 cells and holds a row numbered a billion."""

    def stretch(data):
        data = re.sub(rb'<dimension ref="[^"]*" ?/>', b'<dimension ref="A1:XFD1048576"/>', data)
        far = b'<row r="1000000000"><c r="A1000000000" t="inlineStr"><is><t>x</t></is></c></row>'
        return data.replace(b"</sheetData>", far + b"</sheetData>")

    path = write(tmp_path / "far.xlsx", workbook_bytes(**{"xl/worksheets/sheet1.xml": stretch}))
    problems = refused(_load_upload, path, label="xlsx far row")
    assert codes(problems) == ["too_many_rows"]
    assert problems[0]["source"] == "far.xlsx, sheet 'units'"


def test_xlsx_with_a_cell_past_the_column_limit(tmp_path):
    def wide(data):
        cell = b'<c r="XFD2" t="inlineStr"><is><t>x</t></is></c></row>'
        return data.replace(b"</row>", cell, 2)

    path = write(tmp_path / "wide.xlsx", workbook_bytes(**{"xl/worksheets/sheet1.xml": wide}))
    problems = refused(orggraph.load, path)
    assert codes(problems) == ["too_many_columns"]
    assert "column XFD" in problems[0]["message"]


def test_xlsx_date_cell_with_an_impossible_serial(tmp_path):
    wb = Workbook()
    wb.remove(wb.active)
    import datetime as dt

    for name, text in (("units", UNITS), ("handoffs", HANDOFFS)):
        ws = wb.create_sheet(name)
        for line in text.strip().split("\n"):
            ws.append([v or None for v in line.split(",")])
    ws = wb.create_sheet("deliveries")
    ws.append(["provider", "customer", "deliverable", "requested", "delivered"])
    ws.append(["ann", "cust", "shipment", dt.datetime(2026, 1, 5), dt.datetime(2026, 1, 12)])
    buf = io.BytesIO()
    wb.save(buf)
    src = zipfile.ZipFile(buf)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet3.xml":
                data = re.sub(rb"<v>46027(\.0)?</v>", b"<v>1e308</v>", data)
                assert b"1e308" in data
            zf.writestr(info.filename, data)
    path = write(tmp_path / "serial.xlsx", out.getvalue())
    problems = refused(orggraph.load, path)
    # openpyxl turns the overflowing date into the error value #VALUE!.
    assert codes(problems) == ["bad_date"]
    p = problems[0]
    assert (p["source"], p["row"], p["column"]) == (
        "serial.xlsx, sheet 'deliveries'",
        2,
        "requested",
    )


def test_password_protected_workbook(tmp_path):
    # Excel saves a password-protected workbook as an OLE compound file.
    path = write(tmp_path / "locked.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2048)
    problems = refused(orggraph.load, path)
    assert codes(problems) == ["not_xlsx"] and "password" in problems[0]["message"]


# ------------------------------------------------------------------ JSON cases
def test_json_nested_100000_deep(tmp_path):
    path = write(tmp_path / "deep.json", b"[" * 100_000 + b"]" * 100_000)
    problems = refused(orggraph.load, path)
    assert codes(problems) == ["not_json"] and "nested too deeply" in problems[0]["message"]


def test_json_value_nested_100000_deep(tmp_path):
    doc = '{"units": [{"id": ' + "[" * 100_000 + "]" * 100_000 + "}], " + '"handoffs": []}'
    path = write(tmp_path / "deep.json", doc.encode())
    problems = refused(orggraph.load, path)
    assert codes(problems) == ["not_json"] and "nested too deeply" in problems[0]["message"]


def _json_org(handoff_extra=None, delivery=None):
    units = [
        dict(zip(UNITS.split("\n")[0].split(","), r.split(","), strict=True))
        for r in UNITS.strip().split("\n")[1:]
    ]
    handoffs = [
        {
            "provider": "bob",
            "customer": "ann",
            "deliverable": "order",
            "closeness": 2,
            "frequency": "daily",
            **(handoff_extra or {}),
        }
    ]
    return {"units": units, "handoffs": handoffs, "deliveries": delivery or []}


def test_json_5000_digit_integer(tmp_path):
    doc = json.dumps(_json_org({"frequency": "FREQ"})).replace('"FREQ"', "9" * 5000)
    path = write(tmp_path / "digits.json", doc.encode())
    problems = refused(orggraph.load, path)
    assert codes(problems) == ["unknown_frequency"]
    p = problems[0]
    assert (p["source"], p["row"], p["column"]) == ("digits.json", 1, "frequency")
    assert "at most 10,000" in p["message"]


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_json_non_numbers(tmp_path, literal):
    doc = json.dumps(_json_org({"sla_days": "X"})).replace('"X"', literal)
    path = write(tmp_path / "nan.json", doc.encode())
    problems = refused(orggraph.load, path, label=f"json {literal}")
    assert (
        codes(problems) == ["not_json"]
        and f"{literal} is not a JSON number" in (problems[0]["message"])
    )


# ----------------------------------------------------------- values in range
@pytest.mark.parametrize(
    "date,code",
    [("0001-01-01", "out_of_range"), ("9999-12-31", "out_of_range"), ("2026-01-05Z", "bad_date")],
)
def test_dates_outside_the_range(tmp_path, date, code):
    deliveries = f"provider,customer,deliverable,requested,delivered\nann,cust,shipment,{date},\n"
    folder = write_org(tmp_path / "o", deliveries=deliveries)
    problems = refused(orggraph.load, folder, label=f"date {date}")
    assert codes(problems) == [code]
    p = problems[0]
    assert (p["source"], p["row"], p["column"]) == ("deliveries.csv", 2, "requested")
    if code == "out_of_range":
        assert "from 1900-01-01 to 2199-12-31" in p["message"]


@pytest.mark.parametrize("value", ["1e308", "inf", "nan", "-1", "1e999", "10001"])
def test_frequency_must_be_finite_and_in_range(tmp_path, value):
    handoffs = HANDOFFS.replace(",daily,", f",{value},")
    problems = refused(orggraph.load, write_org(tmp_path / "o", handoffs=handoffs), label=value)
    assert codes(problems) == ["unknown_frequency"]
    assert (problems[0]["row"], problems[0]["column"]) == (2, "frequency")


@pytest.mark.parametrize("value", ["inf", "1e308", "nan", "0", "3651"])
def test_sla_days_must_be_finite_and_in_range(tmp_path, value):
    handoffs = HANDOFFS.replace(",4,15\n", f",4,{value}\n")
    problems = refused(orggraph.load, write_org(tmp_path / "o", handoffs=handoffs), label=value)
    assert codes(problems) in (["out_of_range"], ["not_a_number"])
    assert (problems[0]["row"], problems[0]["column"]) == (3, "sla_days")
    assert "greater than 0 and at most 3,650" in problems[0]["message"]


def test_50_mb_name(tmp_path):
    big = "A" * (50 * 2**20)
    units = UNITS.replace("Ann Lee", big)
    folder = write_org(tmp_path / "o", units=units)
    problems = refused(orggraph.load, folder, mem_cap=BIG_FIELD_MEMORY_CAP)
    assert codes(problems) == ["field_too_long"]
    p = problems[0]
    assert (p["source"], p["row"], p["column"]) == ("units.csv", 5, "name")
    assert "52,428,800 characters long; at most 32,767" in p["message"]


def test_many_problems_are_capped_with_a_count(tmp_path):
    rows = "".join(f"u{i},U {i},robot,,,\n" for i in range(100_000))
    folder = write_org(tmp_path / "o", units=UNITS + rows)
    problems = refused(orggraph.load, folder)
    assert len(problems) == 1_001
    assert codes(problems)[:1000] == ["unknown_kind"] * 1000
    assert problems[-1]["code"] == "more_problems"
    assert problems[-1]["message"].startswith("and 99,000 more errors")


@pytest.mark.parametrize("char", ["\u202e", "\u2066", "\u200b"])
def test_invisible_characters_in_ids(tmp_path, char):
    units = UNITS.replace("\nbob,", f"\nb{char}ob,").replace(",cat,Account", ",cat,Account")
    handoffs = HANDOFFS.replace("bob,", f"b{char}ob,").replace(",bob,", f",b{char}ob,")
    folder = write_org(tmp_path / "o", units=units, handoffs=handoffs)
    problems = refused(orggraph.load, folder, label=f"U+{ord(char):04X}")
    assert codes(problems) == ["invisible_character"]
    p = problems[0]
    assert (p["source"], p["row"], p["column"]) == ("units.csv", 6, "id")
    assert f"U+{ord(char):04X}" in p["message"] and "position 2" in p["message"]


def test_right_to_left_override_in_a_name_is_an_error(tmp_path):
    folder = write_org(tmp_path / "o", units=UNITS.replace("Bob Ray", "Bob \u202eyaR"))
    problems = refused(orggraph.load, folder)
    assert codes(problems) == ["invisible_character"]
    assert "RIGHT-TO-LEFT OVERRIDE" in problems[0]["message"]


def test_zero_width_space_in_a_name_is_a_warning(tmp_path):
    org = orggraph.load(write_org(tmp_path / "o", units=UNITS.replace("Bob Ray", "Bob\u200bRay")))
    (w,) = [w for w in org.warnings if w.code == "invisible_character"]
    assert (w.row, w.column) == (6, "name") and "ZERO WIDTH SPACE" in w.message


def test_look_alike_ids_are_a_warning(tmp_path):
    units = UNITS + "\uff41\uff4e\uff4e,Fullwidth Ann,person,plan,,\n"
    handoffs = HANDOFFS + "\uff41\uff4e\uff4e,bob,notes,3,weekly,,,\n"
    org = orggraph.load(write_org(tmp_path / "o", units=units, handoffs=handoffs))
    (w,) = [w for w in org.warnings if w.code == "look_alike_id"]
    assert w.row == 9 and 'looks like id "ann" (row 5)' in w.message


# --------------------------------------------------------------- research
def test_research_nodes_naming_a_folder(tmp_path):
    edges = tmp_path / "advice.csv"
    edges.write_text("source,target\n1,2\n2,3\n")
    (tmp_path / "nodes").mkdir()
    problems = refused(lambda: load_network(edges, nodes=tmp_path / "nodes"), label="nodes dir")
    assert codes(problems) == ["not_a_file"] and "is a folder" in problems[0]["message"]


def test_research_empty_edge_list(tmp_path):
    edges = write(tmp_path / "advice.txt", b"\n\n")
    problems = refused(lambda: load_network(edges), label="empty edges")
    assert codes(problems) == ["empty_table"]

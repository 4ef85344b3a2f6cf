"""Uploads and the organization cache, without a server: handles, owners, bytes, temp files."""

from __future__ import annotations

import base64
import io
import os
import stat
import zipfile

import pytest

import orggraph
from orggraph.analysis import analyze
from orggraph.web import state

from ..conftest import DATA, HANDOFFS, UNITS


def _zip(units=UNITS, handoffs=HANDOFFS) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("units.csv", units)
        zf.writestr("handoffs.csv", handoffs)
    return buf.getvalue()


def _payload(data: bytes) -> str:
    return "data:application/octet-stream;base64," + base64.b64encode(data).decode()


@pytest.fixture(scope="module")
def small():
    org, _ = state.load_upload(_zip(), "small.zip", folder=_tmp_folder())
    return org, analyze(org)


def _tmp_folder():
    import tempfile

    return tempfile.mkdtemp()


# ------------------------------------------------------------------ decoding
def test_decode_refuses_types_sizes_and_garbage_before_decoding():
    name, data, problems = state.decode_upload(_payload(b"x"), "../../etc/passwd", max_bytes=10)
    assert name == "passwd" and data is None and problems[0].code == "unsupported"
    _, data, problems = state.decode_upload(_payload(b"x" * 3000), "a.zip", max_bytes=2048)
    assert data is None and problems[0].code == "too_large"
    assert problems[0].message == "the file is 3 KB; the limit is 2 KB"
    big = _payload(b"x" * (3 * 2**20 // 2))
    assert (
        "1.5 MB; the limit is 1 MB"
        in state.decode_upload(big, "a.zip", max_bytes=2**20)[2][0].message
    )
    _, data, problems = state.decode_upload("data:x;base64,@@@@", "a.zip", max_bytes=10)
    assert data is None and problems[0].code == "unreadable"
    _, data, problems = state.decode_upload(None, "a.zip", max_bytes=10)
    assert data is None and problems[0].code == "unreadable"
    name, data, problems = state.decode_upload(_payload(b"abc"), "My Org.ZIP", max_bytes=10)
    assert (name, data, problems) == ("My Org.ZIP", b"abc", [])


# ------------------------------------------------------------ private files
def test_upload_is_read_from_a_private_file_and_deleted(tmp_path, monkeypatch):
    seen = {}
    real = state.load

    def spy(path, **kw):
        seen["file"] = stat.S_IMODE(os.stat(path).st_mode)
        seen["folder"] = stat.S_IMODE(os.stat(path.parent).st_mode)
        seen["path"] = path
        return real(path, **kw)

    monkeypatch.setattr(state, "load", spy)
    org, warnings = state.load_upload(_zip(), "my org.zip", folder=tmp_path)
    assert org is not None and org.name == "my_org"
    assert seen["file"] == 0o600 and seen["folder"] == 0o700
    assert not seen["path"].exists() and list(tmp_path.iterdir()) == []


def test_invalid_upload_is_deleted_and_names_no_path(tmp_path):
    bad = _zip(units=UNITS.replace("bob,Bob Ray,person", "bob,Bob Ray,persn"))
    org, problems = state.load_upload(bad, "bad.zip", folder=tmp_path)
    assert org is None and problems and problems[0].column == "kind"
    assert list(tmp_path.iterdir()) == []
    assert not any(str(tmp_path) in (p.message + p.source) for p in problems)


def test_a_reader_crash_becomes_a_problem(tmp_path, monkeypatch):
    def boom(path, **kw):
        raise RuntimeError(f"internal detail {path}")

    monkeypatch.setattr(state, "load", boom)
    org, problems = state.load_upload(b"x", "x.zip", folder=tmp_path)
    assert org is None and problems[0].code == "unreadable"
    assert "internal detail" not in problems[0].message
    assert list(tmp_path.iterdir()) == []


def test_context_folder_is_private_and_removed(tmp_path):
    ctx = state.Context.create(
        DATA / "workshop" / "workshop.xlsx",
        max_upload_bytes=1000,
        cache_bytes=10**6,
        upload_dir=tmp_path,
    )
    assert stat.S_IMODE(os.stat(ctx.upload_root).st_mode) == 0o700
    assert ctx.upload_root.parent == tmp_path
    ctx.close()
    assert not ctx.upload_root.exists()


# -------------------------------------------------------------------- store
def test_store_resolves_a_handle_for_its_owner_only(small):
    org, a = small
    store = state.OrgStore(max_bytes=10**8)
    e = store.add(org, a, owner="session-a")
    assert len(e.handle) >= 32 and e.handle != state.DEFAULT
    assert store.get(e.handle, "session-a") is e
    assert store.get(e.handle, "session-b") is None
    assert store.get(e.handle, None) is None
    for crafted in ("path:/etc", "/etc/passwd", e.handle.upper(), "", {"h": 1}, ["x"]):
        assert store.get(crafted, "session-a") is None
    assert store.issued_to(e.handle, "session-a") and not store.issued_to(e.handle, "session-b")


def test_store_is_bounded_in_bytes_least_recently_used_first(small):
    org, a = small
    size = state.estimate_bytes(org, a)
    store = state.OrgStore(max_bytes=int(size * 3.5), per_session=100)
    handles = [store.add(org, a, owner=f"s{i}").handle for i in range(3)]
    store.get(handles[0], "s0")  # used: s1 is now the least recently used
    store.add(org, a, owner="s3")
    assert store.bytes <= store.max_bytes and len(store) == 3
    assert store.get(handles[1], "s1") is None and store.get(handles[0], "s0") is not None
    # Dropped, but still known to its owner: the tab is told, not left blank.
    assert store.issued_to(handles[1], "s1")
    for i in range(20):
        store.add(org, a, owner=f"t{i}")
        assert store.bytes <= store.max_bytes


def test_store_keeps_a_few_uploads_per_session_and_refuses_giants(small):
    org, a = small
    store = state.OrgStore(max_bytes=10**9, per_session=2)
    hs = [store.add(org, a, owner="s").handle for _ in range(3)]
    assert store.get(hs[0], "s") is None and store.get(hs[2], "s") is not None
    store.drop_owner("s")
    assert len(store) == 0 and store.bytes == 0 and not store.issued_to(hs[2], "s")
    with pytest.raises(state.TooLarge):
        state.OrgStore(max_bytes=1000).add(org, a, owner="s")


def test_estimate_grows_with_the_organization(small):
    org, a = small
    sample = orggraph.load(DATA / "healthcare-supplier")
    small_bytes = state.estimate_bytes(org, a)
    big = state.estimate_bytes(sample, analyze(sample))
    assert state.BASE_BYTES < small_bytes < big
    # Never below what the tables alone hold.
    assert big > sample.handoffs.memory_usage(deep=True).sum()

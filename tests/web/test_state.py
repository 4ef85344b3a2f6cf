"""Uploads and the organization cache, without a server: handles, owners, bytes, temp files."""

from __future__ import annotations

import base64
import io
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
    org, _ = state.load_upload(_zip(), "small.zip")
    return org, analyze(org)


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


# ------------------------------------------------------------ from memory
def test_upload_is_read_from_memory_only(tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    org, warnings = state.load_upload(_zip(), "my org.zip")
    assert org is not None and org.name == "my org"
    assert list(tmp_path.iterdir()) == []  # nothing was written, not even for a moment


def test_invalid_upload_lists_its_problems():
    bad = _zip(units=UNITS.replace("bob,Bob Ray,person", "bob,Bob Ray,persn"))
    org, problems = state.load_upload(bad, "bad.zip")
    assert org is None and problems and problems[0].column == "kind"
    assert problems[0].source == "units.csv" and problems[0].row == 6


def test_upload_limits_refuse_a_zip_bomb():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("units.csv", UNITS + "x" * (80 * 2**20))
        zf.writestr("handoffs.csv", HANDOFFS)
    limits = state.upload_limits(2**20)
    assert limits.max_bytes == 64 * 2**20 and limits.max_rows == 300_000
    org, problems = state.load_upload(buf.getvalue(), "bomb.zip", limits=limits)
    assert org is None and problems


def test_a_reader_crash_becomes_a_problem(monkeypatch):
    def boom(data, name, **kw):
        raise RuntimeError("internal detail /srv/secret")

    monkeypatch.setattr(state, "load_bytes", boom)
    org, problems = state.load_upload(b"x", "x.zip")
    assert org is None and problems[0].code == "unreadable"
    assert "internal detail" not in problems[0].message


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


# ------------------------------------------------------------------ serve's warm start
def _served(src, key, **kw):
    """The server's context as `orggraph serve` makes it for bytes found in the cache."""
    from orggraph import cache

    return state.Context.create(
        src,
        max_upload_bytes=2**20,
        cache_bytes=2**26,
        loader=cache.cached_load,
        cached_input=key,
        **kw,
    )


def test_first_page_kept_for_the_next_start_of_the_same_bytes(tmp_path):
    """`serve` on bytes it loaded before answers at once: the overview kept from the last
    start is shown while the organization is read, and only until it is."""
    import shutil

    from orggraph import cache
    from orggraph.web import views

    src = tmp_path / "org"
    shutil.copytree(DATA / "healthcare-supplier", src)
    assert cache.cached_load_key(src) is None  # never loaded: the CLI loads it first
    cache.cached_load(src)
    key = cache.cached_load_key(src)
    assert key is not None

    def start():
        return _served(src, key)

    first = start()
    assert first.first_page is None and first.page_while_loading(state.DEFAULT) is None
    e = first.warm()
    live = views.overview(e.org, e.analysis)
    assert live["findings"] and live["name"] == "org"

    second = start()
    assert second.first_page == live
    assert second.page_while_loading(state.DEFAULT) == live
    assert second.page_while_loading(None) == live
    assert second.page_while_loading("an-upload-handle") is None  # uploads: never
    second.warm()
    assert second.page_while_loading(state.DEFAULT) is None  # loaded: the live page

    # One changed byte: a new key, nothing kept for it.
    units = src / "units.csv"
    units.write_bytes(units.read_bytes().replace(b"Billing", b"Billinh", 1))
    assert cache.cached_load_key(src) is None
    cache.cached_load(src)
    changed = cache.cached_load_key(src)
    assert changed not in (None, key)
    assert cache.recall(cache.derived_key("overview", changed)) is None


def test_remember_and_recall():
    from orggraph import cache

    k = cache.derived_key("overview", "abc")
    assert k != cache.derived_key("overview", "abd")
    assert cache.recall(k) is None
    cache.remember(k, {"name": "x", "figures": [("People", 3)]})
    assert cache.recall(k) == {"name": "x", "figures": [("People", 3)]}


def test_a_failed_background_load_says_so_and_is_not_retried(tmp_path):
    from orggraph.exceptions import OrgGraphError

    calls = []

    def gone(path):
        calls.append(path)
        raise OrgGraphError(f"{path}: not found")

    ctx = state.Context.create(
        tmp_path / "gone", max_upload_bytes=2**20, cache_bytes=2**26, loader=gone
    )
    ctx.first_page = {"name": "kept"}
    assert ctx.page_while_loading(state.DEFAULT) == {"name": "kept"}
    ctx.warm_in_background().join(timeout=30)
    assert ctx.load_failed and len(calls) == 1
    assert ctx.page_while_loading(state.DEFAULT) is None  # the pages say it failed
    for _ in range(3):
        with pytest.raises(OrgGraphError, match="could not be loaded"):
            ctx.default  # noqa: B018
    assert len(calls) == 1  # not read again on every click


def test_kept_pages_are_checked_replaced_and_never_written_in_privacy_mode(tmp_path):
    import shutil

    from orggraph import cache
    from orggraph.web import views
    from orggraph.web.privacy import PrivacyMode

    src = tmp_path / "org"
    shutil.copytree(DATA / "healthcare-supplier", src)
    cache.cached_load(src)
    key = cache.cached_load_key(src)
    where = state._first_page_key(key)

    def start(**kw):
        return _served(src, key, **kw)

    # Privacy mode: nothing recalled, nothing kept.
    private = start(privacy=PrivacyMode(k=5))
    assert private.first_page is None and private.cached_input is None
    private.warm()
    assert cache.recall(where) is None
    # Not an overview: ignored.
    for junk in (42, "text", {"name": "x"}, {"name": 1, "figures": [], "findings": []}):
        cache.remember(where, junk)
        assert start().first_page is None
    # A page that differs from what the analysis gives now is replaced by it.
    stale = {"name": "old", "figures": [], "findings": [], "limited": [], "near_misses": []}
    cache.remember(where, stale)
    ctx = start()
    assert ctx.first_page == stale
    e = ctx.warm()
    assert cache.recall(where) == views.overview(e.org, e.analysis) != stale
    # The overview's own revision is part of the key.
    assert where != cache.derived_key("overview", "another revision", key)


def test_the_background_load_waits_for_the_kept_page_to_be_sent(tmp_path, monkeypatch):
    """While the first visitor gets the kept overview, nothing holds the interpreter; a page
    that needs the organization before then loads it itself, once."""
    import time

    monkeypatch.setattr(state, "FIRST_PAGE_WAIT", 60.0)
    calls = []

    def loader(path):
        calls.append(path)
        return orggraph.load(DATA / "healthcare-supplier")

    def start():
        ctx = state.Context.create(
            tmp_path, max_upload_bytes=2**20, cache_bytes=2**26, loader=loader
        )
        ctx.first_page = {"name": "kept"}
        return ctx, ctx.warm_in_background()

    ctx, thread = start()
    time.sleep(0.3)
    assert calls == [] and thread.is_alive()  # waiting for the page to be sent
    ctx.page_sent.set()
    thread.join(timeout=60)
    assert len(calls) == 1 and ctx.page_while_loading(state.DEFAULT) is None

    calls.clear()
    ctx, thread = start()
    assert ctx.default.org.name == "healthcare-supplier"  # a map request, before the page
    ctx.page_sent.set()
    thread.join(timeout=60)
    assert len(calls) == 1

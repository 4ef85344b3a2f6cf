"""The analysis cache: same input and settings hit, one changed cell or setting misses."""

from __future__ import annotations

import os
import stat

import pytest

import orggraph
from orggraph.analysis import Thresholds, analyze
from orggraph.cache import cached_analyze, content_hash

from .conftest import HANDOFFS, write_org

T = Thresholds(permutations=19, simulation_runs=200)


def test_hit_miss_and_one_changed_cell(tmp_path):
    folder = tmp_path / "cache"
    org = orggraph.load(write_org(tmp_path / "a"))
    first, hit1 = cached_analyze(org, folder=folder, thresholds=T, seed=1)
    again, hit2 = cached_analyze(
        orggraph.load(write_org(tmp_path / "b")), folder=folder, thresholds=T, seed=1
    )
    assert (hit1, hit2) == (False, True)
    assert again.findings == first.findings
    assert list(again.tables) == list(first.tables)
    with pytest.raises(TypeError):
        again.tables["centrality"] = None  # read-only again after the round trip
    # One cell: closeness 2 -> 3 on the first handoff.
    changed = HANDOFFS.replace("bob,ann,customer order,2,", "bob,ann,customer order,3,")
    org_c = orggraph.load(write_org(tmp_path / "c", handoffs=changed))
    assert content_hash(org_c) != content_hash(org)
    _, hit3 = cached_analyze(org_c, folder=folder, thresholds=T, seed=1)
    assert hit3 is False
    # A different setting is a different result too.
    _, hit4 = cached_analyze(org, folder=folder, thresholds=T, seed=2)
    assert hit4 is False


def test_cache_is_private(tmp_path):
    folder = tmp_path / "cache"
    cached_analyze(orggraph.load(write_org(tmp_path / "a")), folder=folder, thresholds=T)
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(folder / "analyses.sqlite").st_mode) == 0o600


def test_trimmed_to_its_size(tmp_path):
    folder = tmp_path / "cache"
    org = orggraph.load(write_org(tmp_path / "a"))
    cached_analyze(org, folder=folder, thresholds=T, seed=1, max_bytes=1)
    _, hit = cached_analyze(org, folder=folder, thresholds=T, seed=1, max_bytes=1)
    assert hit is False  # nothing fits in one byte, so nothing is kept


def test_loaded_organization_cached_by_its_bytes(tmp_path):
    """`serve`'s load: the same bytes come back from the cache, one changed byte does not."""
    import pandas as pd

    from orggraph import cache
    from orggraph.exceptions import ValidationError

    folder = tmp_path / "cache"
    src = write_org(tmp_path / "a")
    first = cache.cached_load(src, folder=folder)
    rows = "SELECT count(*) FROM organizations"
    con = cache._connect(folder)
    assert con.execute(rows).fetchone() == (1,)
    con.close()
    again = cache.cached_load(src, folder=folder)
    assert again is not first
    for table in ("units", "handoffs", "deliveries"):
        pd.testing.assert_frame_equal(getattr(again, table), getattr(first, table))
    assert again.name == first.name and again.warnings == first.warnings
    # The stored content hash is the one every cell gives.
    assert cache.content_hash(again) == cache._content_hash(again)
    # Its analysis is found with it.
    _, hit1 = cached_analyze(first, folder=folder, thresholds=T)
    _, hit2 = cached_analyze(again, folder=folder, thresholds=T)
    assert (hit1, hit2) == (False, True)
    # One byte: closeness 2 -> 3 on the first handoff.
    key = cache.cached_load_key(src, folder=folder)
    (src / "handoffs.csv").write_text(
        HANDOFFS.replace("bob,ann,customer order,2,", "bob,ann,customer order,3,")
    )
    assert cache.cached_load_key(src, folder=folder) is None
    # By the key a server checked: what it checked, even though the file changed since.
    checked = cache.cached_load(src, folder=folder, key=key)
    pd.testing.assert_frame_equal(checked.handoffs, first.handoffs)
    changed = cache.cached_load(src, folder=folder)
    assert changed.handoffs["closeness"].tolist() != first.handoffs["closeness"].tolist()
    assert cache.content_hash(changed) != cache.content_hash(first)
    # An input with errors is never stored: it fails again, every time.
    (src / "handoffs.csv").write_text(HANDOFFS.replace("bob,ann,customer order,2,", "bob,ann,,9,"))
    for _ in range(2):
        with pytest.raises(ValidationError):
            cache.cached_load(src, folder=folder)
    con = cache._connect(folder)
    assert con.execute(rows).fetchone() == (2,)
    con.close()


def test_damaged_entries_and_files_are_misses_not_failures(tmp_path):
    """A row that does not unpickle is dropped and the input loaded again; a file that is not
    a cache stops only the caching (callers then analyse without it)."""
    from orggraph import cache
    from orggraph.exceptions import OrgGraphError

    folder = tmp_path / "cache"
    src = write_org(tmp_path / "a")
    first = cache.cached_load(src, folder=folder)
    cached_analyze(first, folder=folder, thresholds=T)
    con = cache._connect(folder)
    con.execute("UPDATE organizations SET result = ?", (b"garbage",))
    con.execute("UPDATE analyses SET result = ?", ("text, not bytes",))
    con.commit()
    con.close()
    again = cache.cached_load(src, folder=folder)
    assert again.handoffs.equals(first.handoffs)
    a, hit = cached_analyze(again, folder=folder, thresholds=T)
    assert not hit and a.findings == analyze(again, thresholds=T).findings
    assert cached_analyze(again, folder=folder, thresholds=T)[1]  # stored again, readable
    # Not a SQLite file at all.
    (folder / "analyses.sqlite").write_bytes(b"\x00not a database" * 100)
    assert cache.cached_load(src, folder=folder).handoffs.equals(first.handoffs)
    assert cache.cached_load_key(src, folder=folder) is None
    with pytest.raises(OrgGraphError, match="cannot be used"):
        cached_analyze(again, folder=folder, thresholds=T)
    assert cache.recall("anything", folder=folder) is None


def test_a_checked_key_gone_with_changed_bytes_is_not_reused(tmp_path):
    """A server checked bytes B1 (key K1); the entry is trimmed and the file becomes B2
    before it is read: B2 is loaded and stored under B2's own key, never under K1."""
    from orggraph import cache

    folder = tmp_path / "cache"
    src = write_org(tmp_path / "a")
    cache.cached_load(src, folder=folder)
    k1 = cache.cached_load_key(src, folder=folder)
    con = cache._connect(folder)
    con.execute("DELETE FROM organizations")
    con.commit()
    con.close()
    (src / "handoffs.csv").write_text(
        HANDOFFS.replace("bob,ann,customer order,2,", "bob,ann,customer order,3,")
    )
    b2 = cache.cached_load(src, folder=folder, key=k1)
    assert b2.handoffs["closeness"].iloc[0] == 3
    con = cache._connect(folder)
    assert con.execute("SELECT key FROM organizations").fetchall() == [
        (cache.cached_load_key(src, folder=folder),)
    ]
    assert con.execute("SELECT 1 FROM organizations WHERE key = ?", (k1,)).fetchone() is None
    con.close()
    # What was read is what the server keeps its first page under.
    assert cache.loaded_key(b2) == cache.cached_load_key(src, folder=folder) != k1
    assert cache.loaded_key(orggraph.load(src)) is None

"""Pure functions behind the Report and Compare pages (no browser)."""

from __future__ import annotations

import json

import pytest

from orggraph.analysis import analyze
from orggraph.analysis._examples import two_departments
from orggraph.compare import compare
from orggraph.web import compareview, deliverables
from orggraph.web.state import Entry


@pytest.fixture(scope="module")
def comparison():
    before = two_departments()
    after_units = before.units[before.units["id"] != "b1"]
    h = before.handoffs
    after_handoffs = h[(h["provider"] != "b1") & (h["customer"] != "b1")]
    from orggraph import Organization

    after = Organization.from_tables(
        after_units[["id", "name", "kind", "parent"]],
        after_handoffs[["provider", "customer", "deliverable", "closeness", "frequency"]],
        name="after",
    )
    return compare(before, after, permutations=99, community_runs=1)


def test_rows_of_a_comparison(comparison):
    c = comparison
    assert any(r["change"] == "left" for r in compareview.unit_rows(c))
    removed = [r for r in compareview.handoff_rows(c) if r["change"] == "removed"]
    assert len(removed) == len(c["handoffs"]["removed"]) > 0
    assert len(compareview.department_rows(c)) == len(c["departments"]["rows"])
    assert "left" in compareview.headline(c)[-1]
    for r in compareview.bottleneck_rows(c):
        assert "→" in r["rank"]
    name, md = compareview.download(c, "md")
    assert name.endswith("compare.md") and md.startswith("# orggraph compare")
    name, js = compareview.download(c, "json")
    assert json.loads(js)["schema"] == 1
    with pytest.raises(ValueError):
        compareview.download(c, "../x")


def test_private_comparison_suppresses_small_departments(comparison):
    out = compareview.private_comparison(comparison, k=5)  # both departments are small
    assert out["departments"]["rows"] == [] and len(out["departments"]["suppressed"]) == 2
    assert comparison["departments"]["rows"]  # the original is unchanged
    rows = compareview.department_rows(out)
    assert all(r["people"] == "suppressed" for r in rows)
    assert "suppressed" in compareview.download(out, "md")[1]


def test_comparisons_are_cached_per_owner_and_dropped():
    org = two_departments()
    a = analyze(org)
    e1, e2 = Entry("h1", org, a, "s", 0), Entry("h2", org, a, "s", 0)
    calls = []
    cache = compareview.Comparisons(size=1)
    for _ in range(2):
        cache.get("s", e1, e2, compute=lambda b, a_: calls.append(1) or {"x": 1})
    assert len(calls) == 1
    cache.drop_owner("s")
    cache.get("s", e1, e2, compute=lambda b, a_: calls.append(1) or {"x": 1})
    assert len(calls) == 2


def test_make_refuses_unknown_kinds_and_names_files_safely():
    org = two_departments()
    e = Entry("default", org, analyze(org), None, 0)
    with pytest.raises(ValueError):
        deliverables.make("../../etc/passwd", e, deliverables.Printer())
    name, data, mime, _ = deliverables.make("map-svg", e, deliverables.Printer())
    assert name == deliverables.safe_filename(org.name, "map.svg") and mime == "image/svg+xml"
    assert data.startswith(b"<?xml") and b'height="' in data[:400]


def test_printer_is_one_at_a_time():
    p = deliverables.Printer(wait=0.01)
    p._lock.acquire()
    try:
        with pytest.raises(deliverables.Busy):
            p.pdf("<html></html>")
    finally:
        p._lock.release()

"""orggraph compare: before/after and trends, checked against hand counts and pandas diffs."""

from __future__ import annotations

import itertools
import json
import re
import shutil
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import orggraph
from orggraph.cli import main
from orggraph.compare import (
    compare,
    finding_key,
    share_change_test,
    to_json,
    to_markdown,
    to_text,
    trend,
)

from .conftest import DATA, UNITS, write_org

R = DATA / "research" / "burkhardt-agency"

# After: Dan joins Planning, Bob moves from Sales to Planning (Operations), Cat's handoff to
# Bob ends, Dan hands Ann a capacity plan, Bob -> Ann gets closer (2 -> 4) and happier (2 -> 3).
UNITS_AFTER = (
    UNITS.replace(
        "bob,Bob Ray,person,sales,cat,Account manager",
        "bob,Bob Ray,person,plan,ann,Account manager",
    )
    + "dan,Dan Oak,person,plan,ann,Planner\n"
)
HANDOFFS_AFTER = """\
provider,customer,deliverable,closeness,frequency,importance,satisfaction,sla_days
bob,ann,customer order,4,daily,5,3,1
ann,cust,shipment,4,weekly,,4,15
dan,ann,capacity plan,3,weekly,3,,
"""


@pytest.fixture(scope="module")
def small_pair(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("small")
    before = orggraph.load(write_org(tmp / "before"))
    after = orggraph.load(write_org(tmp / "after", UNITS_AFTER, HANDOFFS_AFTER))
    return before, after


@pytest.fixture(scope="module")
def small_comparison(small_pair):
    return compare(*small_pair, permutations=999, community_runs=2)


def test_units_joined_left_moved_by_hand(small_comparison):
    u = small_comparison["units"]
    assert [r["id"] for r in u["joined"]] == ["dan"]
    assert u["left"] == []
    assert [(r["id"], r["from"], r["to"]) for r in u["moved"]] == [("bob", "sales", "ops")]


def test_ties_and_handoffs_by_hand(small_comparison):
    t = small_comparison["ties"]
    assert (t["before"], t["after"], t["kept"]) == (3, 3, 2)
    assert [(r["provider"], r["customer"]) for r in t["added"]] == [("dan", "ann")]
    assert [(r["provider"], r["customer"]) for r in t["removed"]] == [("cat", "bob")]
    # dan -> ann is inside Operations, cat -> bob was inside Sales.
    assert (t["crossing_added"], t["crossing_removed"]) == (0, 0)
    h = small_comparison["handoffs"]
    assert h["matched_by"] == "provider, customer, deliverable"
    assert [r["deliverable"] for r in h["added"]] == ["capacity plan"]
    assert [r["deliverable"] for r in h["removed"]] == ["sales targets"]
    c = h["closeness"]
    assert (c["compared"], c["changed"], c["up"], c["down"]) == (2, 1, 1, 0)
    assert c["largest"][0]["before"] == 2 and c["largest"][0]["after"] == 4
    s = h["satisfaction"]
    assert (s["compared"], s["changed"], s["up"]) == (2, 1, 1)
    assert s["mean_change"] == pytest.approx(0.5)  # (3 - 2 + 4 - 4) / 2


def test_renderers(small_comparison):
    text = to_text(small_comparison)
    assert "1 joined, 0 left, 1 moved department." in text
    assert "moved: Bob Ray: Sales -> Operations" in text
    json.loads(to_json(small_comparison))
    assert to_markdown(small_comparison).startswith("# orggraph compare: before -> after")


def _exact_p(kept, removed, added):
    """Two-sided p of the share-change statistic by enumerating every labelling."""
    k, r, a = sum(kept), sum(removed), sum(added)
    big_k = kept[0] + removed[0] + added[0]
    m = k + r + a

    def stat(xk, xr, xa):
        return abs((xk + xa) / (k + a) - (xk + xr) / (k + r))

    observed = stat(kept[0], removed[0], added[0])
    hits = total = 0
    for inside in itertools.combinations(range(m), big_k):
        s = set(inside)
        xk = sum(i in s for i in range(k))
        xr = sum(i in s for i in range(k, k + r))
        total += 1
        hits += stat(xk, xr, big_k - xk - xr) >= observed - 1e-12
    return hits / total


@pytest.mark.parametrize(
    "kept,removed,added",
    [((3, 2), (0, 3), (1, 0)), ((4, 4), (2, 1), (1, 2)), ((5, 1), (0, 2), (0, 0))],
)
def test_share_change_test_matches_enumeration(kept, removed, added):
    p, n = share_change_test(kept, removed, added, rng=np.random.default_rng(1), n=40_000)
    assert p == pytest.approx(_exact_p(kept, removed, added), abs=0.01)


def test_share_change_test_nothing_changed():
    p, _ = share_change_test((5, 3), (0, 0), (0, 0), rng=np.random.default_rng(0), n=99)
    assert p is None


def test_finding_key_blocks_ignore_departments():
    from orggraph.analysis import Finding

    a = Finding("blocks", "high", 0.8, ("a", "b"), "")
    b = Finding("blocks", "high", 0.7, ("a", "b", "c"), "")
    assert finding_key(a) == finding_key(b)
    assert finding_key(Finding("critical_handoff", "low", 0.6, ("a", "b"), "")) != finding_key(
        Finding("critical_handoff", "low", 0.6, ("b", "a"), "")
    )


# ------------------------------------------------------------ Burkhardt & Brass, waves
def _edges(i) -> pd.DataFrame:
    e = pd.read_csv(R / f"advicegivingt{i}.csv", dtype={"source": str, "target": str})
    return e[e["source"] != e["target"]]


def _source_md_ties() -> dict[int, int]:
    """Tie counts per wave as SOURCE.md states them."""
    text = (R / "SOURCE.md").read_text()
    return {
        int(m.group(1)): int(m.group(2))
        for m in re.finditer(r"advicegivingt(\d)\.csv`:.*?(\d+) ties", text)
    }


def _load_wave(i):
    return orggraph.load_network(
        R / f"advicegivingt{i}.csv", nodes=R / "nodes.csv", direction="gives"
    )


@pytest.fixture(scope="module")
def waves():
    return {i: _load_wave(i) for i in range(1, 6)}


@pytest.fixture(scope="module")
def burkhardt(waves):
    return compare(waves[1], waves[4], labels=("wave 1", "wave 4"), seed=0)


@pytest.mark.slow
def test_burkhardt_tie_changes_match_a_pandas_diff(burkhardt):
    e1, e4 = _edges(1), _edges(4)
    s1 = set(zip(e1["source"], e1["target"], strict=True))
    s4 = set(zip(e4["source"], e4["target"], strict=True))
    t = burkhardt["ties"]
    # direction="gives": the source gave advice, so the source is the provider.
    assert {(r["provider"], r["customer"]) for r in t["added"]} == s4 - s1
    assert {(r["provider"], r["customer"]) for r in t["removed"]} == s1 - s4
    assert t["kept"] == len(s1 & s4)
    counts = _source_md_ties()
    assert (t["before"], t["after"]) == (counts[1], counts[4]) == (len(s1), len(s4))
    # Tie values that changed on the ties kept (the value is the advice frequency).
    both = e1.merge(e4, on=["source", "target"], suffixes=("_1", "_4"))
    assert t["weight"]["changed"] == int((both["value_1"] != both["value_4"]).sum())
    assert t["weight"]["up"] == int((both["value_4"] > both["value_1"]).sum())
    # Research waves name the relation after the file: handoffs fall back to pairs.
    assert burkhardt["handoffs"]["matched_by"] == "provider, customer"
    assert len(burkhardt["handoffs"]["added"]) == len(s4 - s1)


@pytest.mark.slow
def test_burkhardt_structure_moved(burkhardt):
    # The study is of a technology change reshaping the network (SOURCE.md, Burkhardt &
    # Brass 1990): the groups and the most central people should change beyond chance.
    cm = burkhardt["communities"]
    assert cm["units_in_both"] == 73
    assert cm["changed_beyond_chance"] and cm["nmi_between"] < cm["rerun_nmi_min"]
    # Rank 1 on each side is networkx's highest betweenness on the raw edge list (every
    # tie has the same distance: tie values are read as frequencies, closeness is 3).
    for wave, side in ((1, "rank_before"), (4, "rank_after")):
        e = _edges(wave)
        g = nx.DiGraph(list(zip(e["source"], e["target"], strict=True)))
        btw = nx.betweenness_centrality(g)
        top = max(btw, key=btw.get)
        rows = [r for r in burkhardt["bottlenecks"] if r[side] == 1]
        assert [r["unit"] for r in rows] == [top]
    assert burkhardt["units"]["joined"] == burkhardt["units"]["left"] == []


@pytest.mark.slow
def test_burkhardt_trend_over_five_waves(waves):
    t = trend([waves[i] for i in range(1, 6)], labels=[f"wave {i}" for i in range(1, 6)])
    counts = _source_md_ties()
    assert [s["ties"] for s in t["sizes"]] == [counts[i] for i in range(1, 6)]
    for step, i in zip(t["steps"], range(2, 6), strict=True):
        a = set(zip(*_edges(i - 1)[["source", "target"]].to_numpy().T, strict=True))
        b = set(zip(*_edges(i)[["source", "target"]].to_numpy().T, strict=True))
        assert (step["ties_added"], step["ties_removed"]) == (len(b - a), len(a - b))
    assert len(t["departments"]) == 1 and len(t["departments"][0]["internal_share"]) == 5


# --------------------------------------------- the sample vs HR cut off from the others
def _departments_by_hand(units: pd.DataFrame) -> dict:
    parent = dict(zip(units["id"], units["parent"], strict=True))

    def top(u):
        while parent.get(u):
            u = parent[u]
        return u

    return {u: top(u) for u in units["id"]}


@pytest.fixture(scope="module")
def hr_cut(tmp_path_factory):
    """A copy of the sample where HR's handoffs with other departments are gone."""
    src = DATA / "healthcare-supplier"
    out = tmp_path_factory.mktemp("hr") / "healthcare-supplier-hr-cut"
    shutil.copytree(src, out, ignore=shutil.ignore_patterns("*.py"))
    units = pd.read_csv(src / "units.csv", dtype=str, keep_default_na=False)
    h = pd.read_csv(src / "handoffs.csv", dtype=str, keep_default_na=False)
    dept = _departments_by_hand(units)
    pd_, cd = h["provider"].map(dept), h["customer"].map(dept)
    crossing = (pd_ != cd) & ((pd_ == "HR") | (cd == "HR"))
    h[~crossing].to_csv(out / "handoffs.csv", index=False)
    lost = h[crossing]
    # HR's working ties before, by hand: distinct pairs with an end in HR, external left out.
    ext = set(units["id"][units["kind"] == "external"])
    pairs = {
        (p, c)
        for p, c in zip(h["provider"], h["customer"], strict=True)
        if p not in ext and c not in ext and "HR" in (dept[p], dept[c])
    }
    inside = sum(dept[p] == dept[c] for p, c in pairs)
    return out, lost, inside, len(pairs)


@pytest.fixture(scope="module")
def hr_comparison(hr_cut):
    out, *_ = hr_cut
    return compare(orggraph.load(DATA / "healthcare-supplier"), orggraph.load(out), seed=0)


@pytest.mark.slow
def test_hr_cut_reports_the_lost_handoffs(hr_cut, hr_comparison):
    _, lost, _, _ = hr_cut
    h = hr_comparison["handoffs"]
    assert len(lost) == 8  # counted in the CSV: 8 handoffs between HR and others
    assert {(r["provider"], r["customer"], r["deliverable"]) for r in h["removed"]} == set(
        zip(lost["provider"], lost["customer"], lost["deliverable"], strict=True)
    )
    assert h["added"] == [] and all(r["crossing"] for r in h["removed"])
    assert hr_comparison["units"]["moved"] == []


@pytest.mark.slow
def test_hr_cut_reports_exactly_hrs_new_silo(hr_cut, hr_comparison):
    _, _, inside, total = hr_cut
    f = hr_comparison["findings"]
    assert [r["subjects"] for r in f["appeared"] if r["kind"] == "silo"] == [["HR"]]
    rows = {r["department"]: r for r in hr_comparison["departments"]["rows"]}
    hr = rows["HR"]
    assert hr["internal_share_before"] == pytest.approx(inside / total)
    assert hr["internal_share_after"] == 1.0
    assert hr["silo_after"] and not hr["silo_before"]
    assert hr["changed_beyond_chance"]
    new = [d for d, r in rows.items() if r["silo_after"] and not r["silo_before"]]
    assert new == ["HR"]
    assert "appeared: silo: HR" in to_text(hr_comparison)


# ------------------------------------------------------------------------------ CLI
def test_cli_compare_two_and_a_folder_of_periods(tmp_path):
    periods = tmp_path / "periods"
    write_org(periods / "2024-1")
    write_org(periods / "2024-2", UNITS_AFTER, HANDOFFS_AFTER)
    write_org(periods / "2024-3", UNITS_AFTER, HANDOFFS_AFTER.replace(",4,daily", ",5,daily"))
    runner = CliRunner()
    r = runner.invoke(
        main,
        ["compare", str(periods / "2024-1"), str(periods / "2024-2"), "--permutations", "99"],
    )
    assert r.exit_code == 0, r.output
    assert "1 joined, 0 left, 1 moved department." in r.output
    r = runner.invoke(main, ["compare", str(periods), "--format", "json"])
    assert r.exit_code == 0, r.output
    t = json.loads(r.output[r.output.index("{") :])
    assert t["periods"] == ["2024-1", "2024-2", "2024-3"]
    assert [(s["ties_added"], s["ties_removed"]) for s in t["steps"]] == [(1, 1), (0, 0)]
    r = runner.invoke(main, ["compare", str(periods / "2024-1")])
    assert r.exit_code == 2


def test_markdown_escapes_names(tmp_path):
    name = "[Bob](https://evil.example) *x*"
    before = orggraph.load(write_org(tmp_path / "b", units=UNITS.replace("Bob Ray", name)))
    after = orggraph.load(
        write_org(tmp_path / "a", UNITS_AFTER.replace("Bob Ray", name), HANDOFFS_AFTER)
    )
    md = to_markdown(compare(before, after, permutations=99, community_runs=1))
    assert "](https://evil" not in md and r"\[Bob\]" in md


def test_same_snapshot_changes_nothing():
    org = orggraph.load(Path(DATA / "healthcare-supplier"))
    c = compare(org, org, permutations=99, community_runs=1)
    assert c["ties"]["added"] == c["ties"]["removed"] == []
    assert c["findings"]["appeared"] == c["findings"]["resolved"] == []
    assert len(c["findings"]["persisted"]) == c["findings"]["before"]
    assert all(r["p_value"] is None for r in c["departments"]["rows"])

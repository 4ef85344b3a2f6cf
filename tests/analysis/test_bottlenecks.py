"""Bottlenecks: igraph and sparse results against networkx and brute force."""

from __future__ import annotations

import itertools
import math
import random
from fractions import Fraction

import networkx as nx
import numpy as np
import pandas as pd
import pytest

import orggraph
from orggraph.analysis._examples import chain
from orggraph.analysis.bottlenecks import (
    active_graph,
    brokerage,
    centrality,
    cut_vertices,
    key_person_risk,
    structural_holes,
)

from ..conftest import DATA

RESEARCH = DATA / "research"


def _random_org(n=40, m=160, seed=3):
    rng = random.Random(seed)
    people = [f"p{i}" for i in range(n)]
    units = pd.DataFrame(
        {
            "id": ["d0", "d1", "d2", *people],
            "name": ["D0", "D1", "D2", *people],
            "kind": ["department"] * 3 + ["person"] * n,
            "parent": ["", "", ""] + [f"d{i % 3}" for i in range(n)],
        }
    )
    pairs = set()
    while len(pairs) < m:
        a, b = rng.sample(people, 2)
        pairs.add((a, b))
    pairs = sorted(pairs)
    handoffs = pd.DataFrame(
        {
            "provider": [a for a, _ in pairs],
            "customer": [b for _, b in pairs],
            "deliverable": "work",
            "closeness": [rng.choice([1, 2, 3, 4, 5, ""]) for _ in pairs],
            "frequency": [rng.choice(["daily", "weekly", "monthly", "3.5"]) for _ in pairs],
            "importance": [rng.choice([1, 3, 5]) for _ in pairs],
        }
    )
    return orggraph.Organization.from_tables(units, handoffs)


def _active_nx(org):
    g = org.graph
    return g.subgraph([u for u in g if g.degree(u) > 0])


ORGS = {
    "random": _random_org,
    "healthcare": lambda: orggraph.load(DATA / "healthcare-supplier"),
    "krackhardt": lambda: orggraph.load_network(
        RESEARCH / "krackhardt-hightech" / "advice.csv",
        nodes=RESEARCH / "krackhardt-hightech" / "nodes.csv",
        unit_column="Department",
    ),
    "cross-parker": lambda: orggraph.load_network(
        RESEARCH / "cross-parker-consulting" / "edges.csv", weight_as="closeness"
    ),
}


def _exact(g):
    """A copy whose distances are exact fractions.

    igraph compares path lengths with a tolerance, so 0.2 + 0.5 and 0.25 + 0.25 + 0.2
    tie as they do on paper; networkx compares floats exactly and would split such
    ties by rounding noise. With Fractions networkx is exact, and the two must agree.
    """
    h = nx.DiGraph()
    h.add_nodes_from(g)
    for a, b, d in g.edges(data=True):
        h.add_edge(a, b, distance=Fraction(d["distance"]).limit_denominator(10**6))
    return h


@pytest.mark.parametrize("name", list(ORGS))
def test_betweenness_equals_networkx(name):
    org = ORGS[name]()
    ours = centrality(org)["betweenness"]
    ref = nx.betweenness_centrality(_exact(_active_nx(org)), weight="distance", normalized=True)
    for u, v in ref.items():
        assert ours[u] == pytest.approx(v, abs=1e-9), u


@pytest.mark.parametrize("name", list(ORGS))
def test_structural_holes_equal_networkx_per_node(name):
    # networkx's effective_size must be called per node (nodes=...): its weighted
    # all-nodes fast path disagrees with its own definition (see the project brief).
    org = ORGS[name]()
    g = _active_nx(org)
    ours = structural_holes(org)
    es = nx.effective_size(g, nodes=list(g), weight="weight")
    con = nx.constraint(g, nodes=list(g), weight="weight")
    # networkx answers NaN for a unit with no successors although Burt's measures are
    # defined on all contacts. Mutual weights do not change when every edge is reversed,
    # so the reversed graph gives networkx's value for those units.
    rev = g.reverse(copy=True)
    for u in [u for u in g if math.isnan(es[u])]:
        es[u] = nx.effective_size(rev, nodes=[u], weight="weight")[u]
        con[u] = nx.constraint(rev, nodes=[u], weight="weight")[u]
    for u in g:
        assert ours.loc[u, "effective_size"] == pytest.approx(es[u], abs=1e-9), u
        assert ours.loc[u, "constraint"] == pytest.approx(con[u], abs=1e-9), u


def test_constraint_equals_igraph():
    org = ORGS["healthcare"]()
    g, ids, _ = active_graph(org)
    ref = g.constraint(weights="weight")
    ours = structural_holes(org)["constraint"].to_numpy()
    assert np.allclose(ours, ref, atol=1e-9)


def _brokerage_brute_force(org):
    g = _active_nx(org)
    dept = {u: org.department_of(u) for u in g}
    roles = {
        u: dict.fromkeys(["coordinator", "itinerant", "representative", "gatekeeper", "liaison"], 0)
        for u in g
    }
    for a, b, c in itertools.permutations(g, 3):
        if g.has_edge(a, b) and g.has_edge(b, c) and not g.has_edge(a, c):
            ga, gb, gc = dept[a], dept[b], dept[c]
            if ga == gb == gc:
                roles[b]["coordinator"] += 1
            elif ga == gc:
                roles[b]["itinerant"] += 1
            elif ga == gb:
                roles[b]["representative"] += 1
            elif gb == gc:
                roles[b]["gatekeeper"] += 1
            else:
                roles[b]["liaison"] += 1
    return pd.DataFrame(roles).T


@pytest.mark.parametrize("name", ["random", "krackhardt"])
def test_brokerage_equals_brute_force(name):
    org = ORGS[name]()
    ours = brokerage(org)
    ref = _brokerage_brute_force(org)
    for role in ref.columns:
        assert ours.loc[ref.index, role].tolist() == ref[role].tolist(), role


def test_brokerage_roles_by_hand():
    units = pd.DataFrame(
        {
            "id": ["A", "B", "C", "a1", "a2", "a3", "b1", "b2", "c1", "c2", "c3"],
            "name": ["A", "B", "C", "a1", "a2", "a3", "b1", "b2", "c1", "c2", "c3"],
            "kind": ["department"] * 3 + ["person"] * 8,
            "parent": ["", "", "", "A", "A", "A", "B", "B", "C", "C", "C"],
        }
    )
    pairs = [
        ("a3", "a1"),
        ("a1", "b1"),
        ("b1", "a2"),
        ("a2", "b2"),
        ("b2", "c1"),
        ("c1", "c2"),
        ("c2", "c3"),
    ]
    handoffs = pd.DataFrame(
        {
            "provider": [p for p, _ in pairs],
            "customer": [c for _, c in pairs],
            "deliverable": "x",
            "closeness": 3,
            "frequency": "weekly",
        }
    )
    t = brokerage(orggraph.Organization.from_tables(units, handoffs))
    expected = {
        "a1": "representative",  # a3 -> a1 -> b1: A, A, B
        "b1": "itinerant",  # a1 -> b1 -> a2: A, B, A
        "a2": "itinerant",  # b1 -> a2 -> b2: B, A, B
        "b2": "liaison",  # a2 -> b2 -> c1: A, B, C
        "c1": "gatekeeper",  # b2 -> c1 -> c2: B, C, C
        "c2": "coordinator",  # c1 -> c2 -> c3: C, C, C
    }
    for unit, role in expected.items():
        assert t.loc[unit, role] == 1 and t.loc[unit, "brokerage"] == 1, unit
    assert t.loc[["a3", "c3"], "brokerage"].tolist() == [0, 0]


def test_key_person_risk_on_chain_by_hand():
    r = key_person_risk(chain())
    # Without p2, of the 3 reachable pairs among p1, p3, x (p1->p3, p1->x, p3->x) two are lost.
    assert r.loc["p2", "dependencies_lost"] == pytest.approx(2 / 3)
    assert r.loc["p2", "cut_vertex"] and r.loc["p2", "cut_off_from_customer"] == 1
    assert not r.loc["p1", "cut_vertex"] and r.loc["p1", "dependencies_lost"] == 0


def test_cut_vertices_of_the_reports_to_tree():
    d = RESEARCH / "krackhardt-hightech"
    org = orggraph.load_network(d / "reportto.csv", nodes=d / "nodes.csv")
    tree = pd.read_csv(d / "reportto.csv")
    children = tree.groupby("target").size()
    has_parent = set(tree["source"])
    # In a tree a node is a cut vertex iff it has a child and either a parent or 2+ children.
    expected = {str(u) for u, k in children.items() if u in has_parent or k >= 2}
    assert set(cut_vertices(org)) == expected


def test_sampled_betweenness_is_seeded_and_exact_when_complete():
    org = ORGS["healthcare"]()
    exact = centrality(org)["betweenness"]
    n = active_graph(org)[0].vcount()
    full = centrality(org, sample=n)["betweenness"]
    assert np.allclose(full, exact)
    a = centrality(org, sample=60, seed=5)
    b = centrality(org, sample=60, seed=5)
    assert a["betweenness"].equals(b["betweenness"])
    info = a.attrs["betweenness"]
    assert info["sources"] >= 60 and 0 <= info["top_certain"] <= info["top"] == 10
    assert (a["betweenness_low"] <= a["betweenness"]).all()
    assert (a["betweenness"] <= a["betweenness_high"]).all()


@pytest.mark.parametrize("name", ["healthcare", "cross-parker", "random"])
def test_one_kernel_pass_equals_networkx_and_igraph(name):
    """One pass of the compiled kernel for units and handoffs equals networkx."""
    from orggraph.analysis import paths

    org = ORGS[name]()
    g, _, _ = active_graph(org)
    one = paths.exact(org, engine="kernel")
    two = paths.exact(org, engine="igraph")
    ref = nx.DiGraph()
    ref.add_nodes_from(range(g.vcount()))
    for (s, t), w in zip(g.get_edgelist(), paths.lengths(g), strict=True):
        ref.add_edge(s, t, w=int(w))
    node = nx.betweenness_centrality(ref, weight="w", normalized=False)
    edge = nx.edge_betweenness_centrality(ref, weight="w", normalized=False)
    assert one.node == pytest.approx([node[i] for i in range(g.vcount())], abs=1e-6)
    assert one.edge == pytest.approx([edge[e] for e in g.get_edgelist()], abs=1e-6)
    assert two.node == pytest.approx(one.node, abs=1e-6)
    assert two.edge == pytest.approx(one.edge, abs=1e-6)


@pytest.mark.parametrize("name", ["random", "healthcare", "krackhardt"])
def test_removal_impact_equals_networkx_descendants(name):
    """Reach.without (components and the graph between them) against networkx, pair by pair."""
    from orggraph.analysis.bottlenecks import Reach

    org = ORGS[name]()
    reach = Reach(org)
    g = nx.DiGraph()
    g.add_nodes_from(range(reach.n))
    g.add_edges_from(reach.g.get_edgelist())
    dept = {i: int(grp) for i, grp in enumerate(reach.group)}
    for x in [0, reach.n // 2, reach.n - 1]:
        h = g.copy()
        h.remove_node(x)
        before = {s: nx.descendants(g, s) - {x} for s in h}
        after = {s: nx.descendants(h, s) for s in h}
        pairs = sum(len(v) for v in before.values())
        lost = pairs - sum(len(v) for v in after.values())
        r = reach.without({x}, routes=False)
        assert (r["lost_pairs"], r["pairs"]) == (lost, pairs)
        d_before = {(dept[s], dept[t]) for s in g for t in nx.descendants(g, s) | {s}}
        d_after = {(dept[s], dept[t]) for s in h for t in nx.descendants(h, s) | {s}}
        gone = {p for p in d_before - d_after if p[0] != p[1]}
        assert set(r["department_pairs"]) == gone

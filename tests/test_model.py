"""The Organization: weights, distances, departments and graphs, checked by hand."""

from __future__ import annotations

import networkx as nx
import pytest

import orggraph

from .conftest import HANDOFFS, write_org


def test_edge_weight_and_distance_by_hand(small_org):
    g = small_org.graph
    # daily = 21 deliveries a month, importance 5 -> 21 * 5 / 3 = 35; closeness 2 -> 1/2.
    assert g.edges["bob", "ann"]["weight"] == pytest.approx(35.0)
    assert g.edges["bob", "ann"]["distance"] == pytest.approx(0.5)
    # weekly = 52/12 a month, importance missing -> 3 -> unchanged; closeness 4 -> 0.25.
    assert g.edges["ann", "cust"]["weight"] == pytest.approx(52 / 12)
    assert g.edges["ann", "cust"]["distance"] == pytest.approx(0.25)
    assert g.edges["cat", "bob"]["weight"] == pytest.approx(1.0)
    assert g.number_of_nodes() == 7 and g.number_of_edges() == 3


def test_parallel_handoffs_merge_with_weighted_closeness(tmp_path):
    handoffs = HANDOFFS + "bob,ann,order change,4,monthly,3,4,\n"
    org = orggraph.load(write_org(tmp_path / "o", handoffs=handoffs))
    e = org.graph.edges["bob", "ann"]
    assert e["handoffs"] == 2
    assert e["weight"] == pytest.approx(36.0)
    assert e["closeness"] == pytest.approx((35 * 2 + 1 * 4) / 36)
    assert e["distance"] == pytest.approx(36 / 74)
    assert e["satisfaction"] == pytest.approx((35 * 2 + 1 * 4) / 36)


def test_departments_resolve_through_teams(small_org):
    assert small_org.department_of("ann") == "ops"  # ann -> plan (team) -> ops
    assert small_org.department_of("plan") == "ops"
    assert small_org.department_of("cust") == "cust"
    assert small_org.external == ("cust",)
    assert small_org.departments == ("ops", "sales")
    with pytest.raises(orggraph.OrgGraphError):
        small_org.department_of("nobody")


def test_department_graph(small_org):
    d = small_org.department_graph
    assert set(d.nodes) == {"ops", "sales", "cust"}
    assert d.edges["sales", "ops"]["weight"] == pytest.approx(35.0)
    assert d.edges["ops", "cust"]["weight"] == pytest.approx(52 / 12)
    assert not d.has_edge("sales", "sales")
    assert d.nodes["sales"]["internal_weight"] == pytest.approx(1.0)
    assert d.nodes["sales"]["headcount"] == 2 and d.nodes["ops"]["headcount"] == 1


def test_igraph_view_matches_networkx(small_org):
    ig_g = small_org.igraph()
    assert ig_g is small_org.igraph()  # built once
    idx = small_org.index
    assert [small_org.ids[i] for i in range(ig_g.vcount())] == ig_g.vs["name"]
    got = {
        (small_org.ids[e.source], small_org.ids[e.target]): (e["weight"], e["distance"])
        for e in ig_g.es
    }
    want = {(a, b): (d["weight"], d["distance"]) for a, b, d in small_org.graph.edges(data=True)}
    assert got == want
    assert idx["ann"] == small_org.ids.index("ann")


def test_organization_is_immutable(small_org):
    units = small_org.units
    units.loc[0, "name"] = "changed"
    assert small_org.units.loc[0, "name"] == "Operations"
    with pytest.raises(nx.NetworkXError):
        small_org.graph.add_edge("ann", "bob")
    with pytest.raises(AttributeError):
        small_org.name = "x"


def test_from_tables_validates(small_org):
    import pandas as pd

    units = small_org.units
    bad = pd.DataFrame(
        {
            "provider": ["bob"],
            "customer": ["zed"],
            "deliverable": ["x"],
            "closeness": [3],
            "frequency": ["weekly"],
        }
    )
    with pytest.raises(orggraph.ValidationError) as info:
        orggraph.Organization.from_tables(units, bad)
    (p,) = info.value.problems
    assert (p.table, p.row, p.column, p.value) == ("handoffs", 2, "customer", "zed")


def test_summary_counts(small_org):
    s = orggraph.summary(small_org)
    assert s["kinds"] == {"department": 2, "team": 1, "person": 3, "external": 1}
    assert s["handoffs_inside"] == 1 and s["handoffs_across"] == 2  # cat->bob inside sales
    assert s["density"] == pytest.approx(3 / (7 * 6))
    assert [(d["id"], d["headcount"], d["teams"]) for d in s["departments"]] == [
        ("ops", 1, 1),
        ("sales", 2, 0),
    ]
    assert s["deliveries"] == 2

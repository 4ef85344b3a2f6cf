"""Critical handoffs: edge betweenness, bridges, SLA breaches and the score, by hand."""

from __future__ import annotations

import pytest

from orggraph.analysis._examples import chain
from orggraph.analysis.handoffs import CRITICALITY_WEIGHTS, handoff_criticality, sla_breaches


def test_chain_by_hand():
    t = handoff_criticality(chain()).set_index(["provider", "customer"])
    # Shortest paths through each edge of p1 -> p2 -> p3 -> x: pairs whose path uses it.
    assert t.loc[("p1", "p2"), "edge_betweenness"] == 3  # p1->p2, p1->p3, p1->x
    assert t.loc[("p2", "p3"), "edge_betweenness"] == 4  # p1->p3, p1->x, p2->p3, p2->x
    assert t.loc[("p3", "x"), "edge_betweenness"] == 3
    assert t["bridge"].all() and t["to_customer"].all()
    # p2 -> p3: flow 4/4, bridge, to customer, importance 3 -> 0.5, closeness 3 -> 0.5,
    # no satisfaction and no deliveries -> 0.
    w = CRITICALITY_WEIGHTS
    expected = (
        w["flow"] + w["bridge"] + w["to_customer"] + 0.5 * w["importance"] + 0.5 * w["distance"]
    )
    assert t.loc[("p2", "p3"), "criticality"] == pytest.approx(expected)
    assert t.loc[("p1", "p2"), "criticality"] == pytest.approx(expected - 0.25 * w["flow"])


def test_sla_breaches_by_hand(small_org):
    b = sla_breaches(small_org).set_index("deliverable")
    # shipment, SLA 15 days: 7 days (on time) and 20.35 days (late).
    assert b.loc["shipment", "deliveries"] == 2 and b.loc["shipment", "late"] == 1
    assert b.loc["shipment", "breach_rate"] == 0.5
    t = handoff_criticality(small_org).set_index(["provider", "customer"])
    assert t.loc[("ann", "cust"), "breach_rate"] == 0.5
    assert t.loc[("ann", "cust"), "deliveries"] == 2
    assert t.loc[("bob", "ann"), "deliveries"] == 0


def test_to_customer_flag(small_org):
    t = handoff_criticality(small_org).set_index(["provider", "customer"])
    # cat -> bob -> ann -> cust: every handoff leads on to the customer.
    assert t["to_customer"].all()

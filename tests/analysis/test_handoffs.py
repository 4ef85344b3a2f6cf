"""Critical handoffs: edge betweenness, bridges, SLA breaches and the score, by hand."""

from __future__ import annotations

import numpy as np
import pytest

from orggraph.analysis._examples import chain
from orggraph.analysis.handoffs import handoff_criticality, sla_breaches


def test_chain_by_hand():
    t = handoff_criticality(chain()).set_index(["provider", "customer"])
    # Shortest paths through each edge of p1 -> p2 -> p3 -> x: pairs whose path uses it.
    assert t.loc[("p1", "p2"), "edge_betweenness"] == 3  # p1->p2, p1->p3, p1->x
    assert t.loc[("p2", "p3"), "edge_betweenness"] == 4  # p1->p3, p1->x, p2->p3, p2->x
    assert t.loc[("p3", "x"), "edge_betweenness"] == 3
    # Average 10/3 paths per handoff: multiples 0.9, 1.2, 0.9.
    assert t["flow_multiple"].tolist() == pytest.approx([1.2, 0.9, 0.9])
    assert t["bridge"].all() and t["to_customer"].all()
    # Without p2 -> p3 the map falls into {p1, p2} and {p3, x}: 2 units cut off;
    # the end handoffs cut off one unit each.
    assert t.loc[("p2", "p3"), "cut_off"] == 2 and t.loc[("p1", "p2"), "cut_off"] == 1
    # Criticality: the larger of flow (1.2 / 5, not an outlier) and bridge (2 / 5).
    assert t.loc[("p2", "p3"), "criticality"] == pytest.approx(2 / 5)
    assert t.loc[("p1", "p2"), "criticality"] == pytest.approx(max(0.9 / 5, 1 / 5))


def test_flow_outlier_by_hand():
    from orggraph.analysis.bottlenecks import flow_outliers, outlier_line

    v = np.array([1.0, 1, 1, 1, 1, 1, 1, 2, 50])
    m, z = flow_outliers(v)
    assert m.tolist() == pytest.approx((v / v.mean()).tolist())
    x = np.log1p(v / v.mean())
    mad = 1.4826 * np.median(np.abs(x - np.median(x)))
    # More than half tie: the mean absolute deviation stands in for the MAD.
    assert mad == 0
    spread = 1.2533 * np.mean(np.abs(x - np.median(x)))
    assert z[-1] == pytest.approx((x[-1] - np.median(x)) / spread)
    # Bonferroni: the normal quantile 1 - 0.05 / n, never below the floor.
    assert outlier_line(3.5, 0.05, 20) == 3.5
    # Normal tables: the upper 5e-7 point is 4.8916.
    assert outlier_line(3.5, 0.05, 100_000) == pytest.approx(4.8916, abs=1e-3)


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

"""Capability, the simulated promise, alignment gaps and internal satisfaction."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import orggraph
from orggraph.analysis._examples import ten_deliveries
from orggraph.analysis.capability import (
    alignment_gaps,
    capability,
    internal_satisfaction,
    simulate_promise,
    value_stream,
)

from ..conftest import DATA


def test_ten_deliveries_by_hand():
    # Lead times 1, 2, ..., 10 days against an 8-day target.
    c = capability(ten_deliveries()).iloc[0]
    assert c["deliveries"] == 10
    assert c["median"] == pytest.approx(5.5)
    assert c["p85"] == pytest.approx(8.65)  # rank 0.85 x 9 = 7.65: 8 + 0.65 x (9 - 8)
    assert c["p95"] == pytest.approx(9.55)
    assert c["on_time_rate"] == pytest.approx(0.8) and c["defect_rate"] == pytest.approx(0.2)
    sd = math.sqrt(sum((x - 5.5) ** 2 for x in range(1, 11)) / 9)
    assert c["cpk"] == pytest.approx((8 - 5.5) / (3 * sd))
    p99865 = 1 + 0.99865 * 9  # linear interpolation between ranks
    assert c["cpk_percentile"] == pytest.approx((8 - 5.5) / (p99865 - 5.5))
    assert c["meets_90"] == pytest.approx(9.1) and c["meets_95"] == pytest.approx(9.55)
    assert not c["too_few"] and c["not_capable"]
    assert capability(ten_deliveries(), min_deliveries=11).iloc[0]["too_few"]


def _two_step_chain():
    units = pd.DataFrame(
        {
            "id": ["d", "a", "b", "x"],
            "name": ["D", "A", "B", "X"],
            "kind": ["department", "person", "person", "external"],
            "parent": ["", "d", "d", ""],
        }
    )
    handoffs = pd.DataFrame(
        {
            "provider": ["a", "b"],
            "customer": ["b", "x"],
            "deliverable": ["part", "product"],
            "closeness": [3, 3],
            "frequency": ["weekly"] * 2,
            "sla_days": ["", 5],
        }
    )
    t0 = pd.Timestamp("2026-01-05")
    rows = []
    for i, (first, second) in enumerate([(1, 2), (3, 4)] * 10):
        start = t0 + pd.Timedelta(days=7 * i)
        rows.append(("a", "b", "part", start, start + pd.Timedelta(days=first)))
        rows.append(("b", "x", "product", start, start + pd.Timedelta(days=second)))
    deliveries = pd.DataFrame(
        rows, columns=["provider", "customer", "deliverable", "requested", "delivered"]
    )
    return orggraph.Organization.from_tables(units, handoffs, deliveries)


def test_value_stream_walks_upstream():
    org = _two_step_chain()
    assert value_stream(org, ("b", "x", "product")) == [
        [("a", "b", "part")],
        [("b", "x", "product")],
    ]


def test_simulation_matches_exact_convolution():
    # Step 1 takes 1 or 3 days, step 2 takes 2 or 4 (each half the time, independent
    # in the simulation): totals 3, 5, 5, 7, so P(total <= 5) = 3/4 exactly.
    org = _two_step_chain()
    runs = 20_000
    sim = simulate_promise(org, runs=runs, seed=11)
    assert sim["final"] == ("b", "x", "product") and sim["promise"] == 5
    # Tolerance: 4 binomial standard errors, sqrt(0.75 x 0.25 / 20000) = 0.0031, so a
    # correct simulator fails this with probability below 1e-4 (and the seed pins it).
    assert sim["p_meet"] == pytest.approx(0.75, abs=4 * math.sqrt(0.75 * 0.25 / runs))
    assert sim["p_meet_se"] == pytest.approx(math.sqrt(0.75 * 0.25 / runs), rel=0.02)
    assert sim["promise_90"] == 7 and sim["promise_95"] == 7
    again = simulate_promise(org, runs=runs, seed=11)
    assert again["p_meet"] == sim["p_meet"]
    # Holding step 1 at its median (2 days) makes totals 4 or 6: half late.
    s1 = sim["steps"].iloc[0]
    assert s1["late_if_median"] == pytest.approx(0.5, abs=0.02)


def test_sample_promise_is_met_about_70_percent():
    org = orggraph.load(DATA / "healthcare-supplier")
    sim = simulate_promise(org, runs=10_000, seed=0)
    assert sim["final"] == ("OPS-09", "CUST", "delivered order") and sim["promise"] == 15
    assert [s for s in sim["steps"]["deliverable"]] == [
        "customer order",
        "production order",
        "batch for release",
        "released batch",
        "packed order",
        "delivered order",
    ]
    # Observed: share of the 338 orders delivered within 15 days, counted from the file.
    d = pd.read_csv(DATA / "healthcare-supplier" / "deliveries.csv")
    d = d[d["deliverable"] == "delivered order"]
    observed = (
        (pd.to_datetime(d["delivered"]) - pd.to_datetime(d["requested"])) <= pd.Timedelta(days=15)
    ).mean()
    assert sim["observed_on_time"] == pytest.approx(observed)
    # The stages of the sample are independent, so the simulation must agree with what
    # was observed within sampling error: 2 x sqrt(0.7 x 0.3 / 338) = 0.05.
    assert abs(sim["p_meet"] - observed) < 0.05
    assert 0.65 < sim["p_meet"] < 0.75
    assert sim["promise_90"] > 15
    worst = sim["steps"].sort_values("contribution").iloc[-1]
    assert worst["deliverable"] == "production order"


def test_alignment_gaps():
    org = orggraph.load(DATA / "healthcare-supplier")
    gaps = alignment_gaps(org)
    h = pd.read_csv(DATA / "healthcare-supplier" / "handoffs.csv")
    both = h.dropna(subset=["provider_closeness", "customer_closeness"])
    expected = both[(both["customer_closeness"] - both["provider_closeness"]).abs() >= 2]
    assert sorted(gaps["deliverable"]) == sorted(expected["deliverable"])
    assert (gaps["difference"].abs() >= 2).all()


def test_internal_satisfaction_by_hand_and_suppression(small_org):
    # small_org: bob (sales) -> ann (ops) rated 2; ann (ops) -> cust rated 4.
    t = internal_satisfaction(small_org, min_raters=1).set_index("department")
    assert t.loc["sales", "mean_satisfaction"] == 2 and t.loc["sales", "internal_nps"] == -100
    assert t.loc["ops", "internal_nps"] == 0  # one rating of 4: neither promoter nor detractor
    hidden = internal_satisfaction(small_org, min_raters=2).set_index("department")
    assert hidden["suppressed"].all() and hidden["mean_satisfaction"].isna().all()


def test_sample_internal_nps_independent():
    org = orggraph.load(DATA / "healthcare-supplier")
    t = internal_satisfaction(org).set_index("department")
    u = pd.read_csv(DATA / "healthcare-supplier" / "units.csv", dtype=str).fillna("")
    parent = dict(zip(u["id"], u["parent"], strict=True))

    def top(x):
        while parent.get(x):
            x = parent[x]
        return x

    h = pd.read_csv(DATA / "healthcare-supplier" / "handoffs.csv")
    h = h[h["provider"].map(top) != h["customer"].map(top)].dropna(subset=["satisfaction"])
    sales = h[h["provider"].map(top) == "SAL"]["satisfaction"]
    assert t.loc["SAL", "mean_satisfaction"] == pytest.approx(sales.mean())
    assert t.loc["SAL", "internal_nps"] == pytest.approx(
        100 * ((sales == 5).mean() - (sales <= 3).mean())
    )
    assert np.isnan(t.loc["IT", "mean_satisfaction"])  # rated by fewer than 5 units

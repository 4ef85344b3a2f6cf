"""What-if: a departure leaves work unserved; never 'resolved' (issue 11). Checked by hand."""

from __future__ import annotations

import pytest

import orggraph
from orggraph.analysis import Thresholds, analyze
from orggraph.analysis._examples import chain
from orggraph.analysis.whatif import what_if
from orggraph.exceptions import OrgGraphError

from ..conftest import DATA


@pytest.fixture(scope="module")
def sample():
    org = orggraph.load(DATA / "healthcare-supplier")
    return org, analyze(org, thresholds=Thresholds(simulation_runs=2000))


def test_chain_by_hand():
    r = what_if(chain(), ["p2"])
    # p2 -> p3 (assembly) has no provider left; p1 -> p2 (part) has no one to receive it.
    assert r["unserved"][["customer", "deliverable"]].values.tolist() == [["p3", "assembly"]]
    assert r["undelivered"][["provider", "deliverable"]].values.tolist() == [["p1", "part"]]
    # Pairs among p1, p3, x: p1->p3, p1->x, p3->x; p1 loses both.
    assert (r["lost_pair_count"], r["pair_count"]) == (2, 3)
    assert r["cut_off_from_customer"] == ["p1"]
    with_successor = what_if(chain(), ["p2"], successor="p1")
    assert with_successor["lost_pair_count"] == 0  # p1 -> p3 directly now
    assert with_successor["unserved"]["taken_over_by"].tolist() == ["p1"]


def test_removing_dana_leaves_work_unserved_and_breaks_the_promise(sample):
    org, a = sample
    r = what_if(org, ["OPS-PLN"], analysis=a)
    # Her production orders go to Manufacturing (data/healthcare-supplier/handoffs.csv).
    lost = r["unserved"][r["unserved"]["deliverable"] == "production order"]
    assert set(lost["customer"]) == {"MFG-03", "MFG-13"}
    # The 15 sales reps' customer orders now reach no one.
    orders = r["undelivered"][r["undelivered"]["deliverable"] == "customer order"]
    assert len(orders) == 15 and set(orders["provider"].str[:4]) == {"SAL-"}
    # Sales' route to Manufacturing gets longer: the work reroutes, it does not vanish.
    assert any(
        a_ == "SAL" and b == "MFG" and after > before for a_, b, before, after in r["rerouted"]
    )
    # The 15-day promise cannot be kept: its first step (customer order) has no one left.
    (p,) = r["promises"]
    assert (p["promise_days"], p["status"], p["step_deliverable"]) == (
        15,
        "broken",
        "customer order",
    )
    # Findings about Dana need an owner; none is reported as gone.
    assert any("OPS-PLN" in f.subjects for f in r["findings_needing_owner"])
    assert "resolved_findings" not in r
    named = what_if(org, ["OPS-PLN"], analysis=a, successor="OPS-01")
    assert named["promises"][0]["status"] == "taken over"


def test_unknown_units_and_bad_successor_are_clear(sample):
    org, a = sample
    with pytest.raises(OrgGraphError, match="no unit with id 'nobody'"):
        what_if(org, ["nobody"])
    with pytest.raises(OrgGraphError, match="among the removed"):
        what_if(org, ["OPS"], successor="OPS-PLN")


def test_a_department_at_once(sample):
    org, a = sample
    r = what_if(org, ["SAL"], analysis=a)
    assert all(u.startswith("SAL") for u in r["removed"])
    assert r["promises"][0]["status"] == "broken"

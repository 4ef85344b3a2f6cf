"""The bundled sample organizations: valid, reproducible, and telling the story they promise.

The planted facts are checked straight from the CSV files with pandas, not
through orggraph, so a bug in the loader cannot hide a wrong sample.
"""

from __future__ import annotations

import runpy

import pandas as pd
import pytest

import orggraph

from .conftest import DATA

HS = DATA / "healthcare-supplier"


@pytest.fixture(scope="module")
def hs():
    return {
        n: pd.read_csv(HS / f"{n}.csv", dtype=str, keep_default_na=False)
        for n in ("units", "handoffs", "deliveries")
    }


def test_healthcare_supplier_loads_cleanly():
    org = orggraph.load(HS)
    assert not [w for w in org.warnings if w.code == "isolated"]
    s = orggraph.summary(org)
    assert 140 <= s["kinds"]["person"] <= 160
    names = {d["name"] for d in s["departments"]}
    assert names == {
        "Sales",
        "Operations",
        "Manufacturing",
        "Packing",
        "Quality",
        "Customer Support",
        "Product Development",
        "Marketing",
        "IT",
        "HR",
        "Finance",
        "Billing",
    }
    assert s["kinds"]["external"] == 1


def test_generator_is_deterministic(tmp_path):
    runpy.run_path(str(HS / "generate.py"), run_name="not_main")["main"](tmp_path)
    for name in ("units.csv", "handoffs.csv", "deliveries.csv"):
        assert (tmp_path / name).read_bytes() == (HS / name).read_bytes(), name


def test_fifteen_day_promise_missed_about_30_percent(hs):
    d = hs["deliveries"]
    h = hs["handoffs"]
    promise = h[(h["customer"] == "CUST") & (h["sla_days"] == "15")]
    assert len(promise) == 1
    end = d[d["deliverable"] == promise["deliverable"].iloc[0]]
    days = (pd.to_datetime(end["delivered"]) - pd.to_datetime(end["requested"])).dt.days
    late = (pd.to_datetime(end["delivered"]) - pd.to_datetime(end["requested"])) > pd.Timedelta(
        days=15
    )
    assert 0.25 <= late.mean() <= 0.35
    span = pd.to_datetime(d["requested"])
    assert (span.max() - span.min()).days >= 350  # a year of deliveries
    assert days.median() < 15


def test_operations_sales_handoffs_are_arms_length(hs):
    u = hs["units"].set_index("id")
    h = hs["handoffs"]

    def dept(i):
        while u.loc[i, "parent"]:
            i = u.loc[i, "parent"]
        return i

    pd_, cd = h["provider"].map(dept), h["customer"].map(dept)
    ops_sales = h[((pd_ == "OPS") & (cd == "SAL")) | ((pd_ == "SAL") & (cd == "OPS"))]
    assert len(ops_sales) >= 5
    assert ops_sales["closeness"].astype(int).max() <= 2
    others = h[(pd_ != cd) & ~h.index.isin(ops_sales.index) & (h["closeness"] != "")]
    assert others["closeness"].astype(int).mean() > 2.5

    # The two silos hand the smallest share of their work to other departments.
    share_out = (pd_ != cd).groupby(pd_).mean().drop("CUST")
    assert set(share_out.nsmallest(2).index) == {"PD", "IT"}

    # One person many depend on: the most distinct internal customers and providers.
    partners = pd.concat(
        [
            h[["provider", "customer"]].rename(columns={"provider": "p", "customer": "q"}),
            h[["customer", "provider"]].rename(columns={"customer": "p", "provider": "q"}),
        ]
    )
    top = partners.groupby("p")["q"].nunique().drop("CUST").idxmax()
    assert u.loc[top, "name"] == "Dana Whitfield"


def test_workshop_workbook(tmp_path):
    book = DATA / "workshop" / "workshop.xlsx"
    org = orggraph.load(book)
    s = orggraph.summary(org)
    assert s["kinds"] == {"department": 12, "team": 0, "person": 0, "external": 1}
    assert s["handoffs"] >= 20
    runpy.run_path(str(DATA / "workshop" / "make_workbook.py"), run_name="x")["main"](tmp_path)
    again = orggraph.load(tmp_path / "workshop.xlsx")
    pd.testing.assert_frame_equal(again.handoffs, org.handoffs)
    # The title row and blank row above the header are skipped, not read as data.
    from openpyxl import load_workbook

    ws = load_workbook(book)["handoffs"]
    assert ws["A3"].value == "provider" and ws.merged_cells.ranges

"""The web view's data, without a browser: every callback's function checked on its own."""

from __future__ import annotations

import io

import pandas as pd
import pytest

import orggraph
from orggraph.analysis import analyze
from orggraph.web import views

from ..conftest import DATA, UNITS, write_org


@pytest.fixture(scope="module")
def hs():
    org = orggraph.load(DATA / "healthcare-supplier")
    return org, analyze(org)


def test_overview_figures_match_summary(hs):
    org, a = hs
    s = orggraph.summary(org)
    fig = dict(views.overview(org, a)["figures"])
    assert fig["People"] == s["kinds"]["person"]
    assert fig["Handoffs across departments"] == s["handoffs_across"]
    assert fig["Silos"] == sum(f.kind == "silo" for f in a.findings)


def test_map_people_level_has_department_boxes(hs):
    org, a = hs
    m = views.map_elements(org, a)
    assert m["level"] == "people"
    nodes = {e["data"]["id"]: e for e in m["elements"] if "source" not in e["data"]}
    assert nodes["OPS-PLN"]["data"]["parent"] == "OPS"
    assert "bottleneck" in nodes["OPS-PLN"]["classes"]
    assert "silo" in nodes["PD"]["classes"] and "department-box" in nodes["PD"]["classes"]
    # Node size follows betweenness: the most central person is the largest.
    people = [e for e in nodes.values() if e["data"]["kind"] == "person"]
    assert max(people, key=lambda e: e["data"]["size"])["data"]["id"] == "OPS-PLN"
    edges = [e for e in m["elements"] if "source" in e["data"]]
    assert len(edges) == m["counts"]["edges"] == org.graph.number_of_edges()


def test_map_filters(hs):
    org, a = hs
    only_sales = views.map_elements(org, a, departments=["SAL"])
    ids = {e["data"]["id"] for e in only_sales["elements"] if "source" not in e["data"]}
    depts = {org.department_of(i) for i in ids}
    assert depts <= {"SAL", "CUST"}
    close = views.map_elements(org, a, min_closeness=3)
    assert all(e["data"]["closeness"] >= 3 for e in close["elements"] if "source" in e["data"])
    # Operations <-> Sales handoffs are all rated 1-2: none survive closeness >= 3.
    assert not [
        e
        for e in close["elements"]
        if "source" in e["data"]
        and {org.department_of(e["data"]["source"]), org.department_of(e["data"]["target"])}
        == {"OPS", "SAL"}
    ]
    silos = views.map_elements(org, a, finding_kinds=["silo"])
    ids = {e["data"]["id"] for e in silos["elements"] if "source" not in e["data"]}
    assert {org.department_of(i) for i in ids} == {"PD", "IT", "MFG"}


def test_large_organizations_open_at_department_level(hs, monkeypatch):
    org, a = hs
    monkeypatch.setattr(views, "MAP_PEOPLE_MAX", 100)
    m = views.map_elements(org, a)
    assert m["level"] == "departments"
    assert m["counts"]["nodes"] == org.department_graph.number_of_nodes()
    drill = views.map_elements(org, a, drill="PD")
    assert drill["level"] == "people"
    ids = {e["data"]["id"] for e in drill["elements"] if "source" not in e["data"]}
    pd_people = set(org.units.query("department == 'PD' and kind == 'person'")["id"])
    assert pd_people <= ids


def test_panels(hs):
    org, a = hs
    p = views.node_panel(org, a, "OPS-PLN")
    assert p["name"] == "Dana Whitfield" and p["role"] == "Production Planner"
    assert len(p["handoffs_in"]) == int((org.handoffs["customer"] == "OPS-PLN").sum())
    assert any("bottleneck" in f["summary"] for f in p["findings"])
    assert any(f["kind"] == "bottleneck" and f["measure"] for f in p["findings"])
    words = dict((k, w) for k, _, w, _ in p["metrics"])
    assert (
        words["betweenness"].startswith("lies on ")
        and "shortest working paths" in words["betweenness"]
    )
    e = views.edge_panel(org, a, "OPS-09", "CUST")
    d = pd.read_csv(DATA / "healthcare-supplier" / "deliveries.csv")
    d = d[(d["provider"] == "OPS-09") & (d["customer"] == "CUST")]
    late = (pd.to_datetime(d["delivered"]) - pd.to_datetime(d["requested"])) > pd.Timedelta(days=15)
    assert e["deliveries"] == len(d) and e["breach_rate"] == pytest.approx(late.mean())


def test_matrix_and_cells(hs):
    org, a = hs
    m = views.matrix(org)
    assert sorted(m.index) == sorted(m.columns)
    assert len(m) == len(org.departments) + len(org.external)
    assert m.loc["Sales", "Operations"] == pytest.approx(
        org.handoffs.assign(
            p=org.handoffs["provider"].map(org.department_of),
            c=org.handoffs["customer"].map(org.department_of),
        )
        .query("p == 'SAL' and c == 'OPS'")["weight"]
        .sum()
    )
    ids = views.matrix_ids(org)
    rows = views.cell_handoffs(org, ids["Sales"], ids["Operations"])
    assert len(rows) == 17


def test_findings_rows(hs):
    org, a = hs
    rows = views.findings_rows(org, a)
    assert [r["rank"] for r in rows] == list(range(1, len(a.findings) + 1))
    assert rows[0]["summary"] == a.findings[0].summary
    # Subjects are names, not ids.
    assert any("Dana Whitfield" in r["subjects"] for r in rows)
    assert not any("OPS-PLN" in r["subjects"] for r in rows)


def test_sla_figures(hs):
    from orggraph.web import figures

    org, a = hs
    options = figures.sla_options(org, a)
    cap = a.tables["capability"]
    assert len(options) == len(cap)
    fig, row = figures.lead_time_histogram(org, a, options[0]["value"])
    assert len(fig.data[0].x) == row["deliveries"]
    promise = next(iter(a.tables["promises"].values()))
    sankey = figures.value_stream_sankey(org, promise)
    labels = list(sankey.data[0].node.label)
    # Long labels are wrapped so that neighbouring columns do not run into each other.
    assert labels[0] == "Sales" and labels[-1] == "Hospital and<br>clinic customers"
    # Every step carries the 338 orders.
    assert sum(sankey.data[0].link.value) == 6 * 338


def test_findings_csv_follows_the_grid_and_is_quoted(hs):
    import csv

    org, a = hs
    text = views.findings_csv(org, a)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == views.FINDINGS_CSV_COLUMNS and len(rows) == len(a.findings) + 1
    assert text.startswith('"rank","kind"')
    # The grid's filtered, sorted rows: only their ranks are used, in their order.
    shown = [{"rank": 3, "summary": "=evil()"}, {"rank": 1}, {"rank": "x"}, "junk"]
    rows = list(csv.reader(io.StringIO(views.findings_csv(org, a, shown=shown))))
    assert [r[0] for r in rows[1:]] == ["3", "1"]
    assert "=evil()" not in text


def test_map_options_and_heatmap(hs):
    from orggraph.web import figures

    org, a = hs
    o = views.map_options(org)
    assert [d["value"] for d in o["departments"]] == list(org.departments)
    found = {d["value"]: d["label"] for d in o["find"]}
    assert found["OPS-PLN"] == "Dana Whitfield" and "SAL" in found and "CUST" in found
    fig = figures.matrix_heatmap(org, value="closeness")
    m = views.matrix(org, value="closeness")
    assert list(fig.data[0].x) == list(m.columns)
    # Sales -> Operations: mean of the closeness ratings of the 17 handoffs, from the file.
    h = pd.read_csv(DATA / "healthcare-supplier" / "handoffs.csv")
    sales_ops = h[h["provider"].str.startswith("SAL") & h["customer"].str.startswith("OPS")]
    assert m.loc["Sales", "Operations"] == pytest.approx(sales_ops["closeness"].mean())


def test_department_edge_panel_lists_the_cell(hs):
    org, a = hs
    e = views.edge_panel(org, a, "SAL", "OPS")
    assert e["provider"] == "Sales" and len(e["handoffs"]) == 17


def test_matrix_labels_are_text_not_links(tmp_path):
    from orggraph.web import figures

    link = '<a href="https://evil.example">Sales</a>'
    units = UNITS.replace("sales,Sales,", f'sales,"{link.replace(chr(34), chr(34) * 2)}",')
    org = orggraph.load(write_org(tmp_path / "o", units=units))
    fig = figures.matrix_heatmap(org)
    labels = list(fig.data[0].x) + list(fig.data[0].y)
    assert '&lt;a href="https://evil.example"&gt;Sales&lt;/a&gt;' in labels
    assert not any("<" in str(x) for x in labels)
    # A click on the escaped label finds the department again.
    point = {"points": [{"x": fig.data[0].x[0], "y": fig.data[0].y[0]}]}
    assert figures.matrix_cell(org, point)[1] in org.units["id"].tolist()
    assert figures.matrix_cell(org, {"points": []}) == (None, None)


def test_overview_states_near_misses_and_limits():
    """Krackhardt's departments mix: the overview says which silo came closest, and why not."""
    import orggraph
    from orggraph.analysis import Thresholds, analyze
    from orggraph.web import views

    from ..conftest import DATA

    r = DATA / "research" / "krackhardt-hightech"
    org = orggraph.load_network(r / "advice.csv", nodes=r / "nodes.csv", unit_column="Department")
    o = views.overview(org, analyze(org, thresholds=Thresholds(permutations=99)))
    silo = [x for x in o["near_misses"] if x.startswith("silo:")]
    assert silo and "came closest" in silo[0] and "line 2x" in silo[0]


def test_map_tips_in_plain_words_first(tmp_path):
    """The hover text of the map (tests/conftest.py's chain cat -> bob -> ann -> cust)."""
    org = orggraph.load(write_org(tmp_path / "org"))
    a = analyze(org)
    tips = {e["data"]["id"]: e["data"]["tip"] for e in views.map_elements(org, a)["elements"]}
    bob = tips["bob"]
    assert bob["t"] == "Bob Ray"
    assert bob["s"] == "person · Account manager · Sales"
    # Four units have handoffs: (4-1)(4-2) = 6 ordered pairs of others; Bob lies on
    # cat -> ann and cat -> cust, 2 of 6.
    assert bob["p"][0] == "lies on 33% of the shortest working paths between others"
    assert bob["x"] == ["betweenness centrality: 0.333"]
    edge = tips["bob->ann"]
    assert "t" not in edge  # the browser names the ends
    assert edge["s"] == "1 handoff"
    assert edge["p"][0] == "they work together occasionally"  # closeness 2
    assert edge["x"] == ["closeness 2.0 of 5"]
    dept = {
        e["data"]["id"]: e["data"]["tip"]
        for e in views.map_elements(org, a, level="departments")["elements"]
    }
    assert dept["sales"]["t"] == "Sales" and dept["sales"]["s"] == "department"
    assert dept["sales"]["p"][0] == "2 people"  # Bob and Cat
    assert dept["cust"]["s"] == "external customer"


def test_closeness_words():
    assert views.closeness_words(1.0) == (
        "they work together at arm's length",
        "closeness 1.0 of 5",
    )
    assert views.closeness_words(4.6)[0] == "they work together closely, every day"
    assert views.closeness_words(float("nan"))[1] == "closeness: not rated"


def test_whatif_summary_leaves_work_unserved(tmp_path):
    """Removing Bob from tests/conftest.py's chain cat -> bob -> ann -> cust, by hand:
    of the 3 pairs of the others whose work reached each other (cat -> ann, cat -> cust,
    ann -> cust) the 2 from Cat lose every path; Ann loses the customer order Bob sent her
    and Cat's sales targets reach no one."""
    from orggraph.analysis.whatif import what_if

    org = orggraph.load(write_org(tmp_path / "org"))
    blocks = views.whatif_summary(org, what_if(org, ["bob"], analysis=analyze(org)))
    assert blocks[0] == ("summary", "2 of 3 who-reaches-whom dependencies lose every path (66.7%)")
    as_dict = {}
    for (kind, x), nxt in zip(blocks, blocks[1:] + [(None, None)], strict=True):
        if kind == "heading":
            as_dict[x] = nxt[1]
    assert as_dict["Internal customers who lose work (1)"] == (["Ann Lee: customer order"], "none")
    assert as_dict["Work delivered to no one (1)"] == (
        ["Cat Moss → Bob Ray: sales targets"],
        "none",
    )
    assert as_dict["Routes that get longer"] == ([], "none")
    texts = [x for kind, x in blocks if kind == "text"]
    assert "Department pairs cut apart: Sales → Operations, Sales → Customer" in texts
    assert "Units that no longer reach the customer: 1" in texts  # Cat
    owner, _ = as_dict["Findings that now need an owner"]
    assert owner and all("Bob Ray" in s for s in owner)
    words = repr(blocks).lower()
    assert "resolved" not in words and "go away" not in words

"""orggraph export: GraphML and GEXF round trips, and the Excel workbook."""

from __future__ import annotations

import csv
import math
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner

import orggraph
from orggraph.analysis import KINDS, analyze
from orggraph.cli import main
from orggraph.export import FORMATS, SHEETS, annotated_graph, workbook_tables
from orggraph.readwrite.exports import write_graph, write_xlsx

from .conftest import DATA, HANDOFFS, UNITS, write_org

EVIL = '=HYPERLINK("http://evil.example","x")'


@pytest.fixture(scope="module")
def sample():
    org = orggraph.load(DATA / "healthcare-supplier")
    return org, analyze(org, seed=0)


@pytest.fixture(scope="module")
def files(sample, tmp_path_factory):
    org, a = sample
    tmp = tmp_path_factory.mktemp("export")
    g = annotated_graph(org, a)
    return {
        "graphml": write_graph(g, tmp / "org.graphml", "graphml"),
        "gexf": write_graph(g, tmp / "org.gexf", "gexf"),
        "xlsx": write_xlsx(workbook_tables(org, a), tmp / "org.xlsx", FORMATS),
    }


def _same(a, b):
    if isinstance(b, float) or isinstance(a, float):
        return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=1e-12)
    return a == b


def _check_nodes_and_edges(g, org, a):
    """Counts and attributes of a graph read back, against the organization and analysis."""
    assert g.number_of_nodes() == len(org.units)
    assert g.number_of_edges() == len(org.handoffs)
    units = org.units.set_index("id")
    for u, row in units.iterrows():
        d = g.nodes[u]
        for col in ("name", "kind", "department"):
            assert d[col] == row[col], (u, col)
        assert d["department_name"] == org.names[row["department"]]
    c = a.tables["centrality"]
    for u, row in c.iterrows():
        for col in ("betweenness", "flow_multiple", "in_strength", "constraint"):
            if row[col] == row[col]:
                assert _same(g.nodes[u][col], row[col]), (u, col)
    members = a.communities["membership"]
    for u, k in zip(members["actor"], members["community"], strict=True):
        assert int(g.nodes[u]["community"]) == k
    # Finding flags: the bottleneck people and the silo departments' members.
    for f in a.findings:
        if f.kind == "bottleneck":
            assert g.nodes[f.subjects[0]]["finding_bottleneck"] is True
    silos = {f.subjects[0] for f in a.findings if f.kind == "silo"}
    for u, row in units.iterrows():
        assert g.nodes[u]["in_silo"] is (row["department"] in silos)
    # Every handoff is one edge, keyed by its deliverable, with its own columns.
    edges = {(p, c, d["deliverable"]): d for p, c, d in g.edges(data=True)}
    assert len(edges) == len(org.handoffs)
    for r in org.handoffs.itertuples(index=False):
        d = edges[(r.provider, r.customer, r.deliverable)]
        assert d["frequency"] == str(r.frequency)
        for col in ("weight", "closeness", "satisfaction", "sla_days"):
            v = getattr(r, col)
            if v == v:
                assert _same(d[col], v), col
            else:
                assert col not in d  # missing stays missing, never text
    crit = a.tables["handoff_criticality"].set_index(["provider", "customer"])
    for (p, c, _), d in edges.items():
        assert _same(d["edge_betweenness"], crit.at[(p, c), "edge_betweenness"])
        assert d["crossing"] is (org.department_of(p) != org.department_of(c))


def test_graphml_round_trip_networkx(files, sample):
    import networkx as nx

    org, a = sample
    _check_nodes_and_edges(nx.read_graphml(files["graphml"]), org, a)


def test_gexf_round_trip_networkx(files, sample):
    import networkx as nx

    org, a = sample
    _check_nodes_and_edges(nx.read_gexf(files["gexf"]), org, a)


def test_graphml_round_trip_igraph(files, sample):
    import igraph as ig

    org, a = sample
    g = ig.Graph.Read_GraphML(str(files["graphml"]))
    assert (g.vcount(), g.ecount()) == (len(org.units), len(org.handoffs))
    assert sorted(g.vs["id"]) == sorted(org.units["id"])
    by_id = {v["id"]: v for v in g.vs}
    c = a.tables["centrality"]
    for u in c.index:
        assert math.isclose(by_id[u]["betweenness"], c.at[u, "betweenness"], rel_tol=1e-12)
    assert math.isclose(sum(g.es["weight"]), org.handoffs["weight"].sum(), rel_tol=1e-12)
    pairs = {(g.vs[e.source]["id"], g.vs[e.target]["id"]) for e in g.es}
    assert pairs == set(org.graph.edges())
    assert set(g.es["deliverable"]) == set(org.handoffs["deliverable"])


def test_gexf_independent_xml_count(files, sample):
    """Read the GEXF as plain XML: one node per unit, one edge per handoff, every column."""
    org, _ = sample
    root = ET.parse(files["gexf"]).getroot()
    ns = {"g": root.tag.split("}")[0].strip("{")}
    assert len(root.findall(".//g:nodes/g:node", ns)) == len(org.units)
    assert len(root.findall(".//g:edges/g:edge", ns)) == len(org.handoffs)
    names = {a.get("title") for a in root.iter(f"{{{ns['g']}}}attribute")}
    unit_cols = [c for c in org.units.columns if c not in ("id", "name")]
    hand_cols = [c for c in org.handoffs.columns if c not in ("provider", "customer", "weight")]
    for col in [*unit_cols, *hand_cols, "community", "betweenness", "criticality", "in_silo"]:
        assert col in names, col
    for k in KINDS:
        assert f"finding_{k}" in names


def test_names_survive_and_spreadsheet_cells_are_neutralised(tmp_path):
    import networkx as nx
    from openpyxl import load_workbook

    units = UNITS.replace("Bob Ray", EVIL.replace('"', '""').join('""')).replace(
        "Ann Lee", "<script>alert(1)</script>"
    )
    org = orggraph.load(write_org(tmp_path / "org", units=units, handoffs=HANDOFFS))
    a = analyze(org, seed=0)
    g = annotated_graph(org, a)
    write_graph(g, tmp_path / "o.graphml", "graphml")
    back = nx.read_graphml(tmp_path / "o.graphml")
    assert back.nodes["bob"]["name"] == EVIL
    assert back.nodes["ann"]["name"] == "<script>alert(1)</script>"
    write_xlsx(workbook_tables(org, a), tmp_path / "o.xlsx", FORMATS)
    wb = load_workbook(tmp_path / "o.xlsx")
    values = [c.value for row in wb["handoffs"].iter_rows() for c in row]
    assert "'" + EVIL in values and EVIL not in values


def test_xlsx_sheets_headers_filters_and_formats(files, sample):
    from openpyxl import load_workbook

    org, a = sample
    wb = load_workbook(files["xlsx"])
    assert wb.sheetnames == list(SHEETS)
    for name in SHEETS:
        ws = wb[name]
        assert ws.freeze_panes == "A2", name
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:"), name
        assert all(c.font.bold for c in ws[1])
    header = {ws.title: [c.value for c in ws[1]] for ws in wb}

    def column(sheet, name):
        j = header[sheet].index(name)
        return [row[j] for row in wb[sheet].iter_rows(min_row=2)]

    share = column("departments", "internal_share")
    assert all(c.number_format == "0.0%" for c in share)
    assert all(c.number_format == "0.000" for c in column("people", "betweenness"))
    # The same numbers as the organization and its analysis.
    ws = wb["handoffs"]
    assert ws.max_row - 1 == len(org.handoffs)
    weight = sum(c.value for c in column("handoffs", "weight"))
    assert math.isclose(weight, org.handoffs["weight"].sum(), rel_tol=1e-12)
    people = dict(
        zip(
            (c.value for c in column("people", "id")),
            (c.value for c in column("people", "betweenness")),
            strict=True,
        )
    )
    for u, v in a.tables["centrality"]["betweenness"].items():
        assert math.isclose(people[u], v, rel_tol=1e-12, abs_tol=1e-15)
    ei = a.tables["ei_index"]
    got = dict(
        zip(
            (c.value for c in column("departments", "department")),
            (c.value for c in share),
            strict=True,
        )
    )
    for d in ei.index:
        assert math.isclose(got[d], ei.at[d, "internal_share"], rel_tol=1e-12)
    summaries = [c.value for c in column("findings", "summary")]
    assert summaries[: len(a.findings)] == [f.summary for f in a.findings]
    assert len(summaries) == len(a.findings) + len(a.near_misses)


def _number(text):
    text = text.strip()
    if text.endswith("%"):
        return float(text[:-1]) / 100
    return float(text)


@pytest.mark.slow
def test_xlsx_opens_in_libreoffice_with_the_same_numbers(files, tmp_path):
    from openpyxl import load_workbook

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        if os.environ.get("CI"):
            pytest.fail("CI must install LibreOffice Calc (see .ci/run)")
        pytest.skip("LibreOffice is not installed (apt-get install libreoffice-calc-nogui)")
    # Every sheet to its own CSV (token 12 = -1), UTF-8, full precision (token 9 = false).
    fmt = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
    run = subprocess.run(
        [
            soffice,
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/lo",
            "--convert-to",
            fmt,
            "--outdir",
            str(tmp_path),
            str(files["xlsx"]),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    wb = load_workbook(files["xlsx"])
    for name in ("people", "departments", "handoffs"):
        with open(tmp_path / f"org-{name}.csv", encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        ws = wb[name]
        assert len(rows) == ws.max_row, name
        assert rows[0] == [c.value for c in ws[1]]
        for got, row in zip(rows[1:], ws.iter_rows(min_row=2), strict=True):
            for text, cell in zip(got, row, strict=False):
                v = cell.value
                if isinstance(v, bool):
                    assert text.upper() == str(v).upper()
                elif isinstance(v, (int, float)):
                    assert math.isclose(_number(text), v, rel_tol=1e-9, abs_tol=1e-12), (
                        name,
                        cell.coordinate,
                        text,
                        v,
                    )
                elif v is None:
                    assert text == ""
                else:
                    assert text == v


def test_cli_export_every_format(tmp_path):
    org_dir = write_org(tmp_path / "org")
    runner = CliRunner()
    for name in ("o.graphml", "o.gexf", "o.xlsx"):
        r = runner.invoke(main, ["export", str(org_dir), str(tmp_path / name)])
        assert r.exit_code == 0, r.output
        assert (tmp_path / name).stat().st_size > 0
    r = runner.invoke(main, ["export", str(org_dir), str(tmp_path / "o.txt")])
    assert r.exit_code == 2
    r = runner.invoke(
        main, ["export", str(org_dir), str(tmp_path / "o.dat"), "--format", "graphml"]
    )
    assert r.exit_code == 0, r.output

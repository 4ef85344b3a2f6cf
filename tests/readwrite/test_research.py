"""Every research network in data/research loads with the documented command.

Counts come from each dataset's SOURCE.md (the publishers' figures).
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import orggraph
from orggraph.cli import main

from ..conftest import DATA, ROOT

R = "data/research"
# (command as documented in README.md, people, ties in the file, self-ties, departments)
DOCUMENTED = [
    (
        f"orggraph summary {R}/krackhardt-hightech/advice.csv --nodes {R}/krackhardt-hightech/"
        f"nodes.csv --unit-column Department --reports-to {R}/krackhardt-hightech/reportto.csv",
        21,
        190,
        0,
        5,
    ),
    (
        f"orggraph summary {R}/lazega-lawfirm/advice.csv --nodes {R}/lazega-lawfirm/nodes.csv "
        "--unit-column Office",
        71,
        892,
        0,
        3,
    ),
    (
        f"orggraph summary {R}/lazega-lawfirm/advice.csv --nodes {R}/lazega-lawfirm/nodes.csv "
        "--unit-column Practice",
        71,
        892,
        0,
        2,
    ),
    (
        f"orggraph summary {R}/burkhardt-agency/advicegivingt1.csv --nodes {R}/burkhardt-agency/"
        "nodes.csv --direction gives",
        73,
        1492,
        0,
        1,
    ),
    (
        f"orggraph summary {R}/cross-parker-consulting/edges.csv --nodes {R}/"
        "cross-parker-consulting/nodes.csv --unit-column location --weight-as closeness",
        46,
        879,
        2,
        8,
    ),
    (
        f"orggraph summary {R}/uk-faculty/edges.csv --nodes {R}/uk-faculty/nodes.csv "
        "--unit-column school",
        81,
        817,
        0,
        4,
    ),
]


def run(command):
    args = command.split()[1:] + ["--json"]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.mark.parametrize(
    "command,people,ties,loops,depts",
    DOCUMENTED,
    ids=[c.split()[2].split("/")[2] for c, *_ in DOCUMENTED],
)
def test_documented_command_gives_source_counts(monkeypatch, command, people, ties, loops, depts):
    monkeypatch.chdir(ROOT)
    assert command in (ROOT / "README.md").read_text(), "README must document this command"
    s = run(command)
    assert s["kinds"]["person"] == people
    assert s["handoffs"] + s["self_ties_dropped"] == ties
    assert s["self_ties_dropped"] == loops
    assert s["kinds"]["department"] == depts


@pytest.mark.parametrize(
    "folder,relation,ties",
    [
        ("krackhardt-hightech", "friendship", 102),
        ("krackhardt-hightech", "reportto", 20),
        ("lazega-lawfirm", "cowork", 756),
        ("lazega-lawfirm", "friendship", 575),
        ("burkhardt-agency", "advicegivingt2", 1408),
        ("burkhardt-agency", "advicegivingt3", 1566),
        ("burkhardt-agency", "advicegivingt4", 1438),
        ("burkhardt-agency", "advicegivingt5", 1528),
    ],
)
def test_every_relation_loads(folder, relation, ties):
    org = orggraph.load_network(
        DATA / "research" / folder / f"{relation}.csv",
        nodes=DATA / "research" / folder / "nodes.csv",
    )
    assert len(org.handoffs) == ties


def test_cross_parker_txt_matches_csv():
    d = DATA / "research" / "cross-parker-consulting"
    a = orggraph.load_network(d / "Cross_Parker-Consulting_info.txt", weight_as="closeness")
    b = orggraph.load_network(d / "edges.csv", weight_as="closeness")
    assert sorted(a.graph.edges(data="closeness")) == sorted(b.graph.edges(data="closeness"))


def test_direction_and_reporting_line():
    d = DATA / "research" / "krackhardt-hightech"
    org = orggraph.load_network(
        d / "advice.csv",
        nodes=d / "nodes.csv",
        unit_column="Department",
        reports_to=d / "reportto.csv",
    )
    # advice.csv row "A01,A02": A01 went to A02 for advice, so A02 provides it to A01.
    assert org.graph.has_edge("A02", "A01")
    assert org.department_of("A01") == "department-4"
    managers = org.units.set_index("id")["manager"]
    # reportto.csv: A01 -> A02, A02 -> A07; A07 is the CEO (department 0) with no manager.
    assert managers["A01"] == "A02" and managers["A02"] == "A07" and managers["A07"] == ""
    gives = orggraph.load_network(d / "advice.csv", direction="gives")
    assert gives.graph.has_edge("A01", "A02")


def test_people_without_unit_are_kept_and_flagged():
    d = DATA / "research" / "cross-parker-consulting"
    org = orggraph.load_network(d / "edges.csv", nodes=d / "nodes.csv", unit_column="location")
    (w,) = [w for w in org.warnings if w.code == "no_unit"]
    assert "24" in w.message and "30" in w.message
    assert org.department_of("24") == "location-unassigned"


def test_research_column_errors_are_clear(tmp_path):
    d = DATA / "research" / "krackhardt-hightech"
    with pytest.raises(orggraph.ValidationError) as info:
        orggraph.load_network(d / "advice.csv", nodes=d / "nodes.csv", unit_column="Dept")
    (p,) = info.value.problems
    assert p.source == "nodes.csv" and 'no column "Dept"' in p.message
    assert "Department" in p.message


def test_without_unit_column_the_candidate_columns_are_named():
    d = DATA / "research" / "uk-faculty"
    # nodes.csv has two columns: id and school (4 schools for 81 people).
    org = orggraph.load_network(d / "edges.csv", nodes=d / "nodes.csv")
    (w,) = [w for w in org.warnings if w.code == "no_unit_column"]
    assert w.message.endswith("columns that could name the departments: school")
    with_unit = orggraph.load_network(d / "edges.csv", nodes=d / "nodes.csv", unit_column="school")
    assert not [w for w in with_unit.warnings if w.code == "no_unit_column"]

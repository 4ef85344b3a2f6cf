"""One contract for every finder, on every fixture, sample and research dataset."""

from __future__ import annotations

import pytest

import orggraph
from orggraph.analysis import FINDERS, KINDS, SEVERITIES, Thresholds, analyze
from orggraph.analysis._examples import chain, two_departments

from ..conftest import DATA, write_org

R = DATA / "research"


def _small(tmp_path_factory):
    return orggraph.load(write_org(tmp_path_factory.mktemp("small") / "o"))


FIXTURES = {
    "small": _small,
    "two_departments": lambda _: two_departments(),
    "chain": lambda _: chain(),
    "healthcare-supplier": lambda _: orggraph.load(DATA / "healthcare-supplier"),
    "workshop": lambda _: orggraph.load(DATA / "workshop" / "workshop.xlsx"),
    "krackhardt": lambda _: orggraph.load_network(
        R / "krackhardt-hightech" / "advice.csv",
        nodes=R / "krackhardt-hightech" / "nodes.csv",
        unit_column="Department",
        reports_to=R / "krackhardt-hightech" / "reportto.csv",
    ),
    "lazega-office": lambda _: orggraph.load_network(
        R / "lazega-lawfirm" / "advice.csv",
        nodes=R / "lazega-lawfirm" / "nodes.csv",
        unit_column="Office",
    ),
    "lazega-practice": lambda _: orggraph.load_network(
        R / "lazega-lawfirm" / "advice.csv",
        nodes=R / "lazega-lawfirm" / "nodes.csv",
        unit_column="Practice",
    ),
    "burkhardt": lambda _: orggraph.load_network(
        R / "burkhardt-agency" / "advicegivingt1.csv",
        nodes=R / "burkhardt-agency" / "nodes.csv",
        direction="gives",
    ),
    "cross-parker": lambda _: orggraph.load_network(
        R / "cross-parker-consulting" / "edges.csv",
        nodes=R / "cross-parker-consulting" / "nodes.csv",
        unit_column="location",
        weight_as="closeness",
    ),
}


@pytest.fixture(scope="module", params=list(FIXTURES))
def org(request, tmp_path_factory):
    return FIXTURES[request.param](tmp_path_factory)


@pytest.mark.parametrize("topic", list(FINDERS))
def test_finder_contract(org, topic):
    t = Thresholds(permutations=99, simulation_runs=2000)
    found = FINDERS[topic](org, thresholds=t, seed=3, tables={})
    again = FINDERS[topic](org, thresholds=t, seed=3, tables={})
    assert found == again, "the same seed must give the same findings"
    ids = set(org.ids)
    for f in found:
        assert KINDS[f.kind] == topic
        assert f.severity in SEVERITIES
        assert 0.0 <= f.score <= 1.0
        assert f.subjects and set(f.subjects) <= ids
        assert f.evidence, "a finding without evidence"
        assert f.summary.endswith(".") and f.action
        f.to_dict()  # JSON-ready


def test_analyze_is_ranked_and_deterministic(org):
    t = Thresholds(permutations=99, simulation_runs=2000)
    a = analyze(org, thresholds=t, seed=1)
    b = analyze(org, thresholds=t, seed=1)
    assert a.findings == b.findings
    scores = [f.score for f in a.findings]
    assert scores == sorted(scores, reverse=True)

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
    "uk-faculty": lambda _: orggraph.load_network(
        R / "uk-faculty" / "edges.csv", nodes=R / "uk-faculty" / "nodes.csv", unit_column="school"
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


T = Thresholds(permutations=99, simulation_runs=2000)


@pytest.fixture(scope="module")
def result(org):
    return analyze(org, thresholds=T, seed=3)


@pytest.mark.parametrize("topic", list(FINDERS))
def test_finder_contract(org, result, topic):
    found = FINDERS[topic](org, result, T)
    again = FINDERS[topic](org, result, T)
    assert found == again, "a finder is a pure function of (organization, result, thresholds)"
    ids = set(org.ids)
    for f in found:
        assert KINDS[f.kind] == topic
        assert 0.0 <= f.score <= 1.0
        assert f.subjects and set(f.subjects) <= ids
        assert f.evidence, "a finding without evidence"
        assert f.summary.endswith(".") and f.action and f.measure
        f.to_dict()  # JSON-ready


def test_analyze_agrees_with_the_finders(org, result):
    """What analyze reports is exactly what the finders return, past the line, bounded."""
    candidates = [f for finder in FINDERS.values() for f in finder(org, result, T)]
    past = {(f.kind, f.subjects) for f in candidates if f.score >= max(0.5, T.min_score)}
    shown = {(f.kind, f.subjects) for f in result.findings}
    assert shown <= past
    for kind, n in result.totals.items():
        assert n["found"] == sum(k == kind for k, _ in past)
        assert n["shown"] == min(n["found"], T.max_per_kind)
    for f in result.findings:
        assert f.severity in SEVERITIES
        assert f.score >= 0.5
    for f in result.near_misses:
        assert f.score < 0.5 and result.totals[f.kind]["found"] == 0


def test_analyze_is_ranked_and_deterministic(org, result):
    b = analyze(org, thresholds=T, seed=3)
    assert result.findings == b.findings and result.near_misses == b.near_misses
    scores = [f.score for f in result.findings]
    assert scores == sorted(scores, reverse=True)


def test_result_is_frozen(result, org):
    import dataclasses

    with pytest.raises(dataclasses.FrozenInstanceError):
        result.findings = ()
    with pytest.raises(TypeError):
        result.tables["centrality"] = None
    assert "_analysis_cache" not in vars(org), "no cache written into the Organization"

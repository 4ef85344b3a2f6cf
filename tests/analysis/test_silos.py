"""Silos: E-I index, mixing and communities against hand and independent computations."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pandas as pd
import pytest

import orggraph
from orggraph.analysis._examples import two_departments
from orggraph.analysis.silos import communities, ei_index, mixing_matrix

from ..conftest import DATA

RESEARCH = DATA / "research"


def test_ei_by_hand_on_two_departments():
    # Actors a1, a2 (department a) and b1 (b). Ties a1->a2, a2->a1 inside a, a2->b1 across.
    t = ei_index(two_departments(), permutations=0)
    assert t.loc["a", "internal_ties"] == 2 and t.loc["a", "external_ties"] == 1
    assert t.loc["a", "ei"] == pytest.approx((1 - 2) / 3)
    assert t.loc["b", "ei"] == pytest.approx(1.0)
    # N = 3 actors; a has n = 2: (2(N-n) - (n-1)) / (2(N-n) + (n-1)) = (2 - 1) / (2 + 1).
    assert t.loc["a", "ei_expected"] == pytest.approx(1 / 3)
    assert t.loc["a", "gatekeeper"] == "a2" and t.loc["a", "gatekeeper_share"] == 1.0
    assert t.loc["a", "partner_departments"] == 1


def test_mixing_matrix_by_hand(small_org):
    w = mixing_matrix(small_org)
    assert w.loc["sales", "ops"] == pytest.approx(35.0)  # bob -> ann, daily, importance 5
    assert w.loc["ops", "cust"] == pytest.approx(52 / 12)
    assert w.loc["sales", "sales"] == pytest.approx(1.0)
    c = mixing_matrix(small_org, value="closeness")
    assert c.loc["sales", "ops"] == 2 and math.isnan(c.loc["ops", "sales"])
    assert mixing_matrix(small_org, value="count").to_numpy().sum() == 3


def _two_cliques():
    units = pd.DataFrame(
        {
            "id": ["a", "b"] + [f"a{i}" for i in range(5)] + [f"b{i}" for i in range(5)],
            "name": ["A", "B"] + [f"A{i}" for i in range(5)] + [f"B{i}" for i in range(5)],
            "kind": ["department"] * 2 + ["person"] * 10,
            "parent": ["", ""] + ["a"] * 5 + ["b"] * 5,
        }
    )
    rows = [(f"{g}{i}", f"{g}{j}") for g in "ab" for i in range(5) for j in range(5) if i != j]
    rows.append(("a0", "b0"))
    handoffs = pd.DataFrame(
        {
            "provider": [r[0] for r in rows],
            "customer": [r[1] for r in rows],
            "deliverable": "work",
            "closeness": 4,
            "frequency": "weekly",
        }
    )
    return orggraph.Organization.from_tables(units, handoffs)


def test_permutation_test_detects_planted_silos_and_is_seeded():
    org = _two_cliques()
    t = ei_index(org, permutations=499, seed=7)
    # 20 internal ties, 1 crossing: E-I = (1 - 20) / 21.
    assert t.loc["a", "ei"] == pytest.approx(-19 / 21)
    # Only label shuffles that keep both cliques intact are as extreme: 2 of C(10,5) = 252.
    assert t.loc["a", "p_value"] < 0.05
    again = ei_index(org, permutations=499, seed=7)
    pd.testing.assert_frame_equal(t, again)


def test_communities_find_planted_groups():
    c = communities(_two_cliques(), seed=1)
    assert c["nmi"] == pytest.approx(1.0) and c["ari"] == pytest.approx(1.0)
    assert c["split_departments"] == [] and c["spanning_communities"] == []


def _nmi_ari(table: np.ndarray):
    """Independent NMI (arithmetic normalization) and ARI from a contingency table."""
    n = table.sum()
    pij = table / n
    pi, pj = pij.sum(1), pij.sum(0)
    nz = pij > 0
    mi = (pij[nz] * np.log(pij[nz] / np.outer(pi, pj)[nz])).sum()
    hi = -(pi[pi > 0] * np.log(pi[pi > 0])).sum()
    hj = -(pj[pj > 0] * np.log(pj[pj > 0])).sum()
    nmi = 2 * mi / (hi + hj)

    def comb(x):
        return x * (x - 1) / 2

    index = comb(table).sum()
    a, b = comb(table.sum(1)).sum(), comb(table.sum(0)).sum()
    expected = a * b / comb(n)
    ari = (index - expected) / ((a + b) / 2 - expected)
    return nmi, ari


@pytest.mark.parametrize("unit", ["Office", "Practice"])
def test_lazega_communities_agreement_matches_independent_formula(unit):
    org = orggraph.load_network(
        RESEARCH / "lazega-lawfirm" / "advice.csv",
        nodes=RESEARCH / "lazega-lawfirm" / "nodes.csv",
        unit_column=unit,
    )
    c = communities(org, seed=0)
    nmi, ari = _nmi_ari(c["contingency"].to_numpy().astype(float))
    assert c["nmi"] == pytest.approx(nmi, abs=1e-9)
    assert c["ari"] == pytest.approx(ari, abs=1e-9)


def _read(name):
    return pd.read_csv(name, dtype=str)


@pytest.mark.parametrize(
    "folder,relation,column",
    [
        ("krackhardt-hightech", "advice", "Department"),
        ("lazega-lawfirm", "advice", "Office"),
        ("lazega-lawfirm", "advice", "Practice"),
    ],
)
def test_ei_index_equals_hand_count_from_edge_list(folder, relation, column):
    d = RESEARCH / folder
    nodes = _read(d / "nodes.csv")
    group = dict(zip(nodes["id"], nodes[column], strict=False))
    edges = _read(d / f"{relation}.csv")
    edges = edges[edges["source"] != edges["target"]]
    internal, external = Counter(), Counter()
    for s, t in zip(edges["source"], edges["target"], strict=False):
        if group[s] == group[t]:
            internal[group[s]] += 1
        else:
            external[group[s]] += 1
            external[group[t]] += 1
    org = orggraph.load_network(d / f"{relation}.csv", nodes=d / "nodes.csv", unit_column=column)
    table = ei_index(org, permutations=0)
    for g in set(group.values()):
        row = table.loc[f"{column.lower()}-{g}"]
        e, i = external[g], internal[g]
        assert (row["internal_ties"], row["external_ties"]) == (i, e)
        assert row["ei"] == pytest.approx((e - i) / (e + i))


def test_krackhardt_advice_ei_values_by_hand():
    # Counted by hand from advice.csv (Krackhardt 1987): department 2 (8 managers) has 25
    # advice ties among its members and 90 with others, E-I = (90 - 25) / 115; the CEO's
    # "department" 0 has 21 ties, all with others.
    org = orggraph.load_network(
        RESEARCH / "krackhardt-hightech" / "advice.csv",
        nodes=RESEARCH / "krackhardt-hightech" / "nodes.csv",
        unit_column="Department",
    )
    t = ei_index(org, permutations=0)
    assert t.loc["department-0", "ei"] == 1.0
    assert t.loc["department-0", "internal_ties"] == 0
    assert t.loc["department-0", "external_ties"] == 21
    assert (t.loc["department-2", "internal_ties"], t.loc["department-2", "external_ties"]) == (
        25,
        90,
    )
    assert t.loc["department-2", "ei"] == pytest.approx(65 / 115)


def test_cross_parker_region_homophily_matches_source():
    # SOURCE.md (after Park et al. 2022): 75% of ties within region vs 49% expected at random.
    d = RESEARCH / "cross-parker-consulting"
    org = orggraph.load_network(
        d / "edges.csv", nodes=d / "nodes.csv", unit_column="region", weight_as="closeness"
    )
    m = mixing_matrix(org, value="count").loc[
        ["region-USA", "region-Europe"], ["region-USA", "region-Europe"]
    ]
    within = np.trace(m.to_numpy()) / m.to_numpy().sum()
    assert within == pytest.approx(0.747, abs=0.001)
    sizes = ei_index(org, permutations=0).loc[["region-USA", "region-Europe"], "members"]
    n = sizes.sum()
    assert (sizes * (sizes - 1)).sum() / (n * (n - 1)) == pytest.approx(0.4926, abs=0.0001)


def test_leiden_in_a_child_process_finds_the_same_communities(monkeypatch):
    # Large organizations run Leiden in a child process so that progress can be
    # shown meanwhile: the same graph and seed must give the same partition there.
    import orggraph.analysis.silos as silos

    org = orggraph.load_network(
        RESEARCH / "uk-faculty" / "edges.csv", nodes=RESEARCH / "uk-faculty" / "nodes.csv"
    )
    here = communities(org, seed=3, in_process=True)
    lines = []
    # Lines every few milliseconds: starting the child's interpreter alone takes longer.
    monkeypatch.setattr(silos, "LEIDEN_EVERY", 0.005)
    there = communities(org, seed=3, progress=lines.append, in_process=False)
    pd.testing.assert_frame_equal(here["membership"], there["membership"])
    assert there["modularity"] == here["modularity"]
    n = len(here["membership"])
    assert lines and all(line.startswith(f"communities: Leiden on {n:,} people") for line in lines)


def _uk_faculty():
    return orggraph.load_network(
        RESEARCH / "uk-faculty" / "edges.csv", nodes=RESEARCH / "uk-faculty" / "nodes.csv"
    )


def test_leiden_runs_here_when_its_process_cannot_start(monkeypatch):
    import sys

    org = _uk_faculty()
    here = communities(org, seed=3, in_process=True)
    monkeypatch.setattr(sys, "executable", "/nonexistent/python")
    lines = []
    there = communities(org, seed=3, progress=lines.append, in_process=False)
    pd.testing.assert_frame_equal(here["membership"], there["membership"])
    assert lines == ["communities: Leiden's own process failed; running it here"]


def test_a_failing_progress_callback_stops_leiden_and_says_why(monkeypatch):
    import orggraph.analysis.silos as silos

    monkeypatch.setattr(silos, "LEIDEN_EVERY", 0.005)

    def hang_up(line):
        raise ConnectionResetError("the browser went away")

    with pytest.raises(ConnectionResetError, match="went away"):
        communities(_uk_faculty(), seed=3, progress=hang_up, in_process=False)

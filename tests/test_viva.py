"""Viva Insights queries load directly: the vivainsights package's own sample data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import orggraph
from orggraph.analysis import analyze
from orggraph.cli import main
from orggraph.ingest import ingest_viva
from orggraph.privacy import group_sizes, small_groups
from orggraph.readwrite import load_viva
from orggraph.readwrite.viva import metric_dates, read_viva_periods

vi = pytest.importorskip("vivainsights")
SAMPLES = Path(vi.__file__).parent / "data"
P2P = SAMPLES / "p2p_data.csv"
G2G = SAMPLES / "g2g_data.csv"


@pytest.fixture(scope="module")
def p2p():
    return load_viva(P2P)


def test_sample_p2p_loads_as_pandas_says(p2p):
    d = pd.read_csv(P2P)
    metric = "Strong_tie_score"  # the first default metric the sample has
    d = d[(d[metric] > 0) & (d.iloc[:, 0] != d.iloc[:, 1])]
    pairs = d.groupby(["PrimaryCollaborator_PersonId", "SecondaryCollaborator_PersonId"])[
        metric
    ].sum()
    people = set(d.iloc[:, 0]) | set(d.iloc[:, 1])
    assert (p2p.units["kind"] == "person").sum() == len(people) == 3783
    assert len(p2p.handoffs) == len(pairs) == 2014
    h = p2p.handoffs.set_index(["provider", "customer"])
    # One MetricDate: frequency = the pair's score.
    np.testing.assert_allclose(h.loc[pairs.index, "per_month"], pairs.to_numpy(), rtol=1e-5)
    assert set(h["closeness"]) <= {1, 2, 3, 4, 5}
    assert metric_dates(P2P) == ["2023-01-04"]


def test_sample_p2p_analyses(p2p):
    result = analyze(p2p, seed=0, fast=False)
    assert result.findings  # a sparse network of 3,783 people: bridges and bottlenecks
    kinds = {f.kind for f in result.findings}
    assert kinds <= {"bottleneck", "critical_handoff", "silo", "blocks"}
    for f in result.findings:
        assert all(s in p2p.names for s in f.subjects)


def test_cli_hr_attribute_on_simulated_p2p(tmp_path):
    sim = vi.p2p_data_sim(size=120, nei=4, p=0.1)
    sim.to_csv(tmp_path / "p2p.csv", index=False)
    r = CliRunner().invoke(
        main,
        ["analyze", str(tmp_path / "p2p.csv"), "--format-in", "viva-p2p"]
        + ["--hr-attribute", "Organization", "--format", "json"],
    )
    assert r.exit_code == 0, r.output
    report = json.loads(r.output[r.output.index("{") :])
    orgs = set(sim["PrimaryCollaborator_Organization"]) | set(
        sim["SecondaryCollaborator_Organization"]
    )
    assert {d["name"] for d in report["departments"]} == {f"Organization {o}" for o in orgs}
    org = load_viva(tmp_path / "p2p.csv", hr_attribute="Organization")
    truth = dict(
        zip(
            sim["PrimaryCollaborator_PersonId"],
            sim["PrimaryCollaborator_Organization"],
            strict=True,
        )
    )
    for pid, org_name in list(truth.items())[:30]:
        assert org.names[org.department_of(pid)] == f"Organization {org_name}"


def test_missing_hr_attribute_is_an_error_naming_it():
    # The shipped p2p sample has no HR attribute columns.
    r = CliRunner().invoke(
        main,
        ["validate", str(P2P), "--format-in", "viva-p2p", "--hr-attribute", "Organization"],
    )
    assert r.exit_code == 1
    assert "PrimaryCollaborator_Organization" in r.output


def test_g2g_groups_with_sizes_and_dates():
    org = load_viva(G2G, format="viva-g2g")
    sizes = group_sizes(org)
    names = org.names
    by_name = {names[g]: n for g, n in sizes.items()}
    assert by_name["CEO"] == 1 and by_name["HR"] == 137
    assert {names[g] for g in small_groups(sizes)} == {"CEO"}
    g = pd.read_csv(G2G)
    g = g[~g["SecondaryCollaborator_Organization"].isin(["Within Group"])]
    g = g[g.PrimaryCollaborator_Organization != g.SecondaryCollaborator_Organization]
    metric = "Group_collaboration_time_invested"
    g = g[g[metric] > 0]
    mean = (
        g.groupby(["PrimaryCollaborator_Organization", "SecondaryCollaborator_Organization"])[
            metric
        ].sum()
        / pd.read_csv(G2G)["MetricDate"].nunique()
    )
    h = org.handoffs.assign(
        p=org.handoffs["provider"].map(names), c=org.handoffs["customer"].map(names)
    ).set_index(["p", "c"])
    assert len(h) == len(mean)
    # Group hours reach 23,124 a period: every frequency is divided by 10 (a warning says so).
    assert any(w.code == "scaled" and "divided by 10 " in w.message for w in org.warnings)
    np.testing.assert_allclose(h.loc[mean.index, "per_month"] * 10, mean.to_numpy(), rtol=1e-5)
    assert any(w.code == "several_dates" for w in org.warnings)


def test_several_metric_dates_become_periods(tmp_path):
    dates = metric_dates(G2G)
    assert len(dates) == 6
    periods, _ = read_viva_periods(G2G, format="viva-g2g", period="date")
    assert list(periods) == dates
    report = ingest_viva(G2G, tmp_path / "g2g", format="viva-g2g", period="month")
    assert [p["period"] for p in report["periods"]] == ["2023-01"]
    org = orggraph.load(tmp_path / "g2g" / "2023-01")
    assert org.units.set_index("name").loc["CEO", "headcount"] == "1"

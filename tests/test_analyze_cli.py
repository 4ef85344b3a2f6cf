"""orggraph analyze: the planted story on the sample, formats, thresholds and config."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from orggraph.cli import main

from .conftest import DATA

HS = str(DATA / "healthcare-supplier")


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def report():
    r = invoke("analyze", HS, "--format", "json", "--top", "10")
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def test_planted_problems_come_out_on_top(report):
    top = report["findings"][:10]
    subjects = [tuple(f["subjects"]) for f in top]
    assert ("OPS-PLN",) in subjects  # Dana Whitfield, the production planner
    assert ("PD",) in subjects and ("IT",) in subjects  # the two silos
    assert ("SAL", "OPS") in subjects  # Sales -> Operations at arm's length
    assert ("OPS-09", "CUST") in subjects  # the 15-day promise
    assert subjects[0] == ("PD",)  # Product Development: 97% of its ties inside
    dana = next(f for f in top if f["subjects"] == ["OPS-PLN"])
    assert dana["kind"] == "bottleneck" and dana["severity"] == "medium"
    assert dana["evidence"]["betweenness"] == report["top_betweenness"][0]["betweenness"]
    assert "Dana Whitfield" in dana["summary"]


def test_json_schema(report):
    assert {
        "organization",
        "seed",
        "thresholds",
        "counts",
        "findings",
        "departments",
        "communities",
        "top_betweenness",
        "estimates",
        "timings_s",
    } <= set(report)
    f = report["findings"][0]
    assert set(f) == {
        "rank",
        "kind",
        "severity",
        "score",
        "subjects",
        "subject_names",
        "summary",
        "evidence",
        "action",
        "measure",
        "ratio",
    }
    assert len(report["findings"]) == 10
    assert report["schema"] == 2 and {"totals", "near_misses"} <= set(report)


def test_text_and_markdown():
    text = invoke("analyze", HS, "--top", "3").output
    assert text.count("    why: ") == 3 and "Departments (inside:" in text
    md = invoke("analyze", HS, "--format", "markdown", "--top", "3").stdout
    assert md.startswith("# orggraph analysis") and "| Product Development |" in md


def test_thresholds_from_option_and_toml(tmp_path):
    strict = json.loads(
        invoke("analyze", HS, "--format", "json", "--threshold", "silo_odds_ratio_min=50").stdout
    )
    assert strict["counts"]["silo"] == 0
    # Nothing crossed: the department that came closest is named.
    assert [f["subjects"] for f in strict["near_misses"] if f["kind"] == "silo"] == [["PD"]]
    cfg = tmp_path / "orggraph.toml"
    cfg.write_text("[thresholds]\nsilo_odds_ratio_min = 1.2\n")
    loose = json.loads(invoke("analyze", HS, "--format", "json", "--config", cfg).stdout)
    assert loose["thresholds"]["silo_odds_ratio_min"] == 1.2
    assert loose["counts"]["silo"] > 2


def test_bad_threshold_is_a_clear_usage_error(tmp_path):
    r = invoke("analyze", HS, "--threshold", "silo_ei=-0.5")
    assert r.exit_code == 2 and "unknown threshold 'silo_ei'" in r.output
    cfg = tmp_path / "bad.toml"
    cfg.write_text("[thresholds\n")
    r = invoke("analyze", HS, "--config", cfg)
    assert r.exit_code == 2 and "not valid TOML" in r.output


def test_fast_mode_says_it_estimates():
    r = invoke("analyze", HS, "--fast", "--sources", "60", "--top", "3")
    assert "ESTIMATES" in r.output and "dealt to 20 batches" in r.output
    assert "estimated: asked for (--fast)" in r.stderr

"""The command line: exit codes, located error lists, JSON, templates."""

from __future__ import annotations

import json
import subprocess
import sys

from click.testing import CliRunner

from orggraph.cli import main

from .conftest import DATA, UNITS, write_org


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_validate_ok(org_dir):
    r = invoke("validate", org_dir)
    assert r.exit_code == 0 and "valid" in r.output and "7 units, 3 handoffs" in r.output


def test_validate_lists_every_error_and_exits_1(tmp_path):
    units = UNITS.replace("bob,Bob Ray,person", "bob,Bob Ray,persn").replace(
        "cat,Cat Moss", "ann,Cat Moss"
    )
    r = invoke("validate", write_org(tmp_path / "o", units=units))
    assert r.exit_code == 1
    assert "nothing was analysed" in r.output
    assert 'units.csv, row 6, column "kind"' in r.output
    assert 'units.csv, row 7, column "id"' in r.output
    assert "Traceback" not in r.output


def test_summary_refuses_invalid_input(tmp_path):
    units = UNITS.replace("bob,Bob Ray,person", "bob,Bob Ray,persn")
    r = invoke("summary", write_org(tmp_path / "o", units=units))
    # The errors are listed and no summary of half-loaded data is printed.
    assert r.exit_code == 1
    assert 'units.csv, row 6, column "kind"' in r.output
    assert "density" not in r.output and "handoffs" not in r.output.lower().replace(
        "handoffs.csv", ""
    )


def test_validate_json(tmp_path):
    units = UNITS.replace("bob,Bob Ray,person", "bob,Bob Ray,persn")
    r = invoke("validate", write_org(tmp_path / "o", units=units), "--json")
    doc = json.loads(r.output)
    assert r.exit_code == 1 and doc["valid"] is False
    assert doc["errors"][0]["row"] == 6 and doc["errors"][0]["column"] == "kind"


def test_summary_text_and_json(org_dir):
    r = invoke("summary", org_dir)
    assert r.exit_code == 0
    assert "1 inside departments, 2 across" in r.output and "Operations" in r.output
    doc = json.loads(invoke("summary", org_dir, "--json").output)
    assert doc["handoffs"] == 3 and doc["kinds"]["person"] == 3


def test_template(tmp_path):
    r = invoke("template", tmp_path / "t")
    assert r.exit_code == 0
    assert (tmp_path / "t" / "orggraph-template.xlsx").exists()
    assert (tmp_path / "t" / "handoffs.csv").read_text().startswith("provider,customer")


def test_convert(tmp_path, org_dir):
    assert invoke("convert", org_dir, tmp_path / "o.xlsx").exit_code == 0
    assert invoke("validate", tmp_path / "o.xlsx").exit_code == 0


def test_python_dash_m_and_no_dash_import():
    sample = str(DATA / "healthcare-supplier")
    code = (
        f"import sys, runpy; sys.argv = ['orggraph', 'summary', {sample!r}]\n"
        "try: runpy.run_module('orggraph', run_name='__main__')\n"
        "except SystemExit as e: assert not e.code\n"
        "assert 'dash' not in sys.modules and 'plotly' not in sys.modules, 'dash imported'"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "Manufacturing" in r.stdout


def test_summary_suppresses_small_departments(org_dir):
    # org_dir's departments have 1-2 people each: under the default K = 5.
    r = invoke("summary", org_dir)
    assert "suppressed" in r.output and "fewer than 5 people" in r.output
    doc = json.loads(invoke("summary", org_dir, "--json").output)
    assert doc["departments"] and all(d["headcount"] is None for d in doc["departments"])
    assert all(d["suppressed"] for d in doc["departments"])
    # K = 1 shows them: the headcounts then add up to the 3 people.
    doc = json.loads(invoke("summary", org_dir, "--json", "--min-group-size", "1").output)
    assert sum(d["headcount"] for d in doc["departments"]) == 3
    assert invoke("summary", org_dir, "--min-group-size", "0").exit_code == 2


def test_row_limit_is_named_and_can_be_raised(org_dir):
    # org_dir's largest table, units.csv, has 7 rows: a limit of 6 refuses it and says how to
    # raise the limit; 7 reads it.
    r = invoke("validate", org_dir, "--max-rows", "6")
    assert r.exit_code == 1 and "more than 6 rows" in r.output and "--max-rows" in r.output
    assert invoke("validate", org_dir, "--max-rows", "7").exit_code == 0
    assert invoke("validate", org_dir, "--max-mb", "0").exit_code == 2

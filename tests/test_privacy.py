"""Privacy: keyed pseudonyms that hide every name and id, and a minimum group size of 5."""

from __future__ import annotations

import json
import math
import re
import stat

import numpy as np
import pandas as pd
import pytest

import orggraph
from orggraph import privacy, report
from orggraph.analysis import analyze
from orggraph.analysis.capability import internal_satisfaction
from orggraph.analysis.silos import mixing_matrix
from orggraph.exceptions import OrgGraphError
from orggraph.ingest import ingest
from orggraph.readwrite import events as ev
from orggraph.readwrite import user_tables
from orggraph.ties import RULE

from .conftest import DATA

ENRON = DATA / "research" / "enron-email"
KEY = b"0123456789abcdef0123456789abcdef"


# ------------------------------------------------------------------ pseudonyms
def test_pseudonyms_are_keyed_and_stable():
    a, b = privacy.Pseudonymizer(KEY), privacy.Pseudonymizer(KEY)
    other = privacy.Pseudonymizer(b"another key, long enough for it")
    assert a("E024") == b("E024") != other("E024")
    assert re.fullmatch(r"P-[0-9a-f]{16}", a("E024"))
    assert a("") == ""
    with pytest.raises(OrgGraphError, match="too short"):
        privacy.Pseudonymizer(b"short")


def test_key_file_created_private_and_reused(tmp_path):
    key, created = ev.read_key(tmp_path / "k" / "key", create=True)
    assert created and len(key) == 64
    assert stat.S_IMODE((tmp_path / "k" / "key").stat().st_mode) == 0o600
    again, created = ev.read_key(tmp_path / "k" / "key", create=True)
    assert again == key and not created


@pytest.fixture(scope="module")
def pseudonymized(tmp_path_factory):
    out = tmp_path_factory.mktemp("pseudo")
    ingest(ENRON / "emails.csv.gz", ENRON / "hris.csv", out / "p", period="month", key=KEY)
    ingest(ENRON / "emails.csv.gz", ENRON / "hris.csv", out / "plain", period="month")
    return out


def test_pseudonymized_outputs_contain_no_original_name_or_id(pseudonymized):
    people = pd.read_csv(ENRON / "people.csv", dtype=str, keep_default_na=False)
    secrets = set(people["id"]) | set(people["name"]) | set(people["email"])
    # Name parts too ("Meyers"), where long enough not to be an ordinary word.
    # (Not "Campbell": the report cites Marsden & Campbell 1984, and so does ties.RULE.)
    secrets |= {w for n in people["name"] for w in n.split() if len(w) >= 5 and w not in RULE}
    files = [p for p in (pseudonymized / "p").rglob("*") if p.is_file()]
    assert len(files) > 100  # 44 months x 3 files, and the report
    for f in files:
        text = f.read_text(encoding="utf-8")
        found = [s for s in secrets if s in text]
        assert not found, (f, found[:5])
    # The plain run does contain them: the search would have found a leak.
    plain = (pseudonymized / "plain" / "2001-10" / "units.csv").read_text()
    assert "E024" in plain and "Louise Kitchen" in plain


def test_same_person_same_pseudonym_in_two_periods(pseudonymized):
    p = privacy.Pseudonymizer(KEY)
    for person in ("E024", "E107"):
        alias = p(person)
        for month in ("2001-09", "2001-10"):
            units = pd.read_csv(pseudonymized / "p" / month / "units.csv", dtype=str)
            assert alias in set(units["id"])
            plain = pd.read_csv(pseudonymized / "plain" / month / "handoffs.csv", dtype=str)
            coded = pd.read_csv(pseudonymized / "p" / month / "handoffs.csv", dtype=str)
            # The same handoffs, under the pseudonym.
            mine = plain[plain["provider"] == person]
            theirs = coded[coded["provider"] == alias]
            assert sorted(mine["events"]) == sorted(theirs["events"])
            assert sorted(map(p, mine["customer"])) == sorted(theirs["customer"])
    org = orggraph.load(pseudonymized / "p" / "2001-10")
    assert org.names[p("E024")] == p("E024")


# ----------------------------------------------------------- minimum group size
@pytest.fixture(scope="module")
def with_small_department(tmp_path_factory):
    """The healthcare sample with a 3-person Legal department that works with others."""
    org = orggraph.load(DATA / "healthcare-supplier")
    t = user_tables(org)
    units, hand = t["units"], t["handoffs"]
    extra = pd.DataFrame(
        {
            "id": ["LEG", "LEG-1", "LEG-2", "LEG-3"],
            "name": ["Legal", "Lou Gale", "Lee Hart", "Liv Moss"],
            "kind": ["department", "person", "person", "person"],
            "parent": ["", "LEG", "LEG", "LEG"],
        }
    )
    people = list(units.loc[units["kind"] == "person", "id"])
    rows = []
    for i, who in enumerate(["LEG-1", "LEG-2", "LEG-3"]):
        for j in range(4):
            other = people[(7 * i + 11 * j) % len(people)]
            rows.append((who, other, f"contract review {j}", "4", "weekly", "5"))
            rows.append((other, who, f"contract request {j}", "3", "monthly", "2"))
    rows.append(("LEG-1", "LEG-2", "case notes", "5", "daily", ""))
    legal = pd.DataFrame(
        rows,
        columns=["provider", "customer", "deliverable", "closeness", "frequency", "satisfaction"],
    )
    folder = tmp_path_factory.mktemp("small") / "org"
    folder.mkdir()
    pd.concat([units, extra]).fillna("").to_csv(folder / "units.csv", index=False)
    pd.concat([hand, legal]).fillna("").to_csv(folder / "handoffs.csv", index=False)
    t["deliveries"].to_csv(folder / "deliveries.csv", index=False)
    org = orggraph.load(folder)
    return org, analyze(org, seed=0)


def _no_numbers(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def test_sizes_and_small_groups(with_small_department):
    org, _ = with_small_department
    sizes = privacy.group_sizes(org)
    assert sizes["LEG"] == 3
    people = org.units[org.units["kind"] == "person"]
    assert sizes.sum() == len(people)
    small = privacy.small_groups(sizes)
    assert "LEG" in small
    assert all(sizes[d] < 5 for d in small)


def test_report_department_table_hides_small_groups(with_small_department):
    org, result = with_small_department
    sizes = privacy.group_sizes(org)
    small = privacy.small_groups(sizes)
    d = report.to_dict(result, org)
    rows = {r["department"]: r for r in d["departments"]}
    for dept in small:
        r = rows[dept]
        assert r["suppressed"] is True
        assert all(
            _no_numbers(v) for k, v in r.items() if k not in ("department", "name", "suppressed")
        )
    for dept in set(rows) - small:
        assert rows[dept]["suppressed"] is False and rows[dept]["members"] >= 5
    json.dumps(d, allow_nan=False)  # valid JSON: blanks are null
    text = report.to_text(result, org)
    legal = next(line for line in text.splitlines() if line.strip().startswith("Legal "))
    assert "suppressed" in legal and not re.search(r"\d+%|\b3\b", legal)
    md = report.to_markdown(result, org)
    legal = next(line for line in md.splitlines() if line.startswith("| Legal |"))
    assert "suppressed" in legal and not re.search(r"\d", legal.replace("5 people", ""))


def test_matrix_and_satisfaction_hide_small_groups(with_small_department):
    org, _ = with_small_department
    sizes = privacy.group_sizes(org)
    small = privacy.small_groups(sizes)
    for value in ("weight", "count", "closeness"):
        raw = mixing_matrix(org, value=value)
        assert raw.loc["LEG"].notna().any()  # there is something to hide
        m = privacy.suppress_matrix(raw, sizes)
        for dept in small & set(m.index):
            assert m.loc[dept].isna().all() and m[dept].isna().all()
        big = [x for x in m.index if x not in small]
        pd.testing.assert_frame_equal(m.loc[big, big], raw.loc[big, big].astype(float))
        assert "LEG" in m.attrs["suppressed"]
    sat = internal_satisfaction(org, min_raters=1)
    assert not np.isnan(sat.set_index("department").loc["LEG", "mean_satisfaction"])
    s = privacy.suppress_satisfaction(sat, sizes).set_index("department")
    for dept in small & set(s.index):
        assert s.loc[dept, "suppressed"]
        for col in ("raters", "ratings", "mean_satisfaction", "internal_nps", "p_below"):
            assert _no_numbers(s.loc[dept, col])
    note = privacy.suppression_note(sizes, org.names)
    assert "Legal" in note and "fewer than 5" in note


def test_department_level_sizes_from_headcount_or_unknown():
    units = pd.DataFrame(
        {
            "id": ["a", "b", "c"],
            "name": ["A", "B", "C"],
            "kind": "department",
            "parent": "",
            "headcount": ["40", "2", ""],
        }
    )
    hand = pd.DataFrame(
        {
            "provider": ["a", "b"],
            "customer": ["b", "c"],
            "deliverable": "x",
            "closeness": [3, 3],
            "frequency": ["weekly", "weekly"],
        }
    )
    org = orggraph.Organization.from_tables(units, hand)
    sizes = privacy.group_sizes(org)
    assert sizes["a"] == 40 and sizes["b"] == 2 and np.isnan(sizes["c"])
    assert privacy.small_groups(sizes) == {"b"}
    assert privacy.small_groups(sizes, k=50) == {"a", "b"}
    with pytest.raises(ValueError):
        privacy.small_groups(sizes, k=0)


def test_report_notes_and_unknown_ids_pseudonymized(tmp_path):
    (tmp_path / "hr.csv").write_text(
        "id,name,manager,department\nann,Ann Lee,boss7,Ops\nbob,Bob Ray,,Ops\n"
    )
    (tmp_path / "log.csv").write_text(
        "time,sender,recipient\n2024-01-02 09:00,ann,bob\n2024-01-03 09:00,bob,stranger9\n"
    )
    report = ingest(tmp_path / "log.csv", tmp_path / "hr.csv", tmp_path / "out", key=KEY)
    assert report["unknown_people"] == 1 and report["hris_notes"]
    for f in (tmp_path / "out").rglob("*.*"):
        text = f.read_text()
        for secret in ("ann", "bob", "Ann Lee", "Bob Ray", "boss7", "stranger9"):
            assert secret not in text, (f.name, secret)
    p = privacy.Pseudonymizer(KEY)
    assert report["unknown_people_top"] == [{"id": p("stranger9"), "events": 1}]

"""Privacy: keyed pseudonyms that hide every name and id, and a minimum group size of 5."""

from __future__ import annotations

import json
import math
import re
import shutil
import stat

import numpy as np
import pandas as pd
import pytest

import orggraph
from orggraph import compare as compare_mod
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


# ------------------------------------------------ evidence: every output, k = 5
# The sample plus Legal: 3 people (fewer than 5) with handoffs whose department figures are
# numbers no other output has: 4 of its 11 ties inside (share 0.363636, E-I 3/11 =
# 0.272727); Legal -> Legal 13.7 + 9.1 + 6.3 + 2.35 = 31.45 a month, Legal -> Finance
# 2.9 + 1.45 = 4.35, Sales -> Legal 5.9 + 2.15 = 8.05 (importance 3: weight = deliveries a
# month).
LEGAL = [
    {"id": "LEG", "name": "Legal", "kind": "department", "location": "Harrogate"},
    {"id": "LEG-01", "name": "Imogen Quarrie", "kind": "person", "parent": "LEG",
     "role": "General Counsel", "location": "Harrogate", "level": "1"},
    {"id": "LEG-02", "name": "Tobias Wrenfield", "kind": "person", "parent": "LEG",
     "role": "Paralegal", "location": "Harrogate", "level": "2"},
    {"id": "LEG-03", "name": "Saoirse Blackmoor", "kind": "person", "parent": "LEG",
     "role": "Contracts Officer", "location": "Harrogate", "level": "2"},
]  # fmt: skip
LEGAL_HANDOFFS = [  # provider, customer, deliverable, closeness, per month, satisfaction
    ("LEG-01", "LEG-02", "contract draft", 5, "13.7", 4),
    ("LEG-02", "LEG-03", "contract review", 4, "9.1", 4),
    ("LEG-03", "LEG-01", "clause memo", 4, "6.3", 5),
    ("LEG-01", "LEG-03", "case file", 4, "2.35", 4),
    ("LEG-03", "BIL-02", "billing terms", 2, "1.15", 4),
    ("LEG-03", "FIN-02", "signed contract", 2, "2.9", 2),
    ("LEG-01", "FIN-03", "contract opinion", 2, "1.45", 1),
    ("FIN-02", "LEG-01", "contract request", 2, "4.3", 3),
    ("LEG-02", "SAL-03", "terms advice", 3, "3.7", 2),
    ("SAL-04", "LEG-02", "deal terms", 3, "5.9", 4),
    ("SAL-05", "LEG-03", "deal papers", 3, "2.15", 4),
]
SAMPLE = DATA / "healthcare-supplier"


def _write_sample_with_legal(folder, *, drop=()):
    shutil.copytree(SAMPLE, folder)
    units = pd.read_csv(folder / "units.csv", dtype=str, keep_default_na=False)
    h = pd.read_csv(folder / "handoffs.csv", dtype=str, keep_default_na=False)
    units = pd.concat([units, pd.DataFrame(LEGAL)], ignore_index=True).fillna("")
    extra = pd.DataFrame(
        [
            {"provider": p, "customer": c, "deliverable": d, "closeness": str(cl),
             "frequency": f, "satisfaction": str(s)}
            for p, c, d, cl, f, s in LEGAL_HANDOFFS
            if d not in drop
        ]
    )  # fmt: skip
    h = pd.concat([h, extra], ignore_index=True).fillna("")
    units.to_csv(folder / "units.csv", index=False)
    h.to_csv(folder / "handoffs.csv", index=False)
    return folder


def _legal_figures(folder):
    """Legal's group-level figures, computed here with pandas (not by orggraph)."""
    units = pd.read_csv(folder / "units.csv", dtype=str, keep_default_na=False)
    parent = dict(zip(units["id"], units["parent"], strict=True))

    def top(u):
        while parent.get(u):
            u = parent[u]
        return u

    h = pd.read_csv(folder / "handoffs.csv", dtype={"provider": str, "customer": str})
    h["pd"], h["cd"] = h["provider"].map(top), h["customer"].map(top)
    per_month = pd.to_numeric(h["frequency"], errors="coerce")
    legal = h[(h["pd"] == "LEG") | (h["cd"] == "LEG")]
    ties = legal.drop_duplicates(["provider", "customer"])
    inside = int((ties["pd"] == ties["cd"]).sum())
    cells = per_month.groupby([h["pd"], h["cd"]]).sum()
    rated = legal[(legal["pd"] == "LEG") & (legal["cd"] != "LEG")]
    return {
        "headcount": int(((units["kind"] == "person") & (units["parent"] == "LEG")).sum()),
        "internal_share": inside / len(ties),
        "ei": (len(ties) - 2 * inside) / len(ties),
        "inside_weight": cells[("LEG", "LEG")],
        "to_finance": cells[("LEG", "FIN")],
        "from_sales": cells[("SAL", "LEG")],
        "satisfaction_received": rated["satisfaction"].astype(float).mean(),
    }


def _forms(v) -> list[str]:
    """How an output may write a figure: full precision, 6 decimals (JSON), 2 and 3 decimals."""
    out = {repr(float(v)), f"{v:.6f}".rstrip("0"), f"{v:.3f}", f"{v:.2f}"}
    return sorted(x for x in out if len(x.replace("0", "").replace(".", "")) >= 3)


def _xlsx_text(path) -> str:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    return "\n".join(
        f"[{ws.title}] " + " | ".join("" if c is None else str(c) for c in row)
        for ws in wb.worksheets
        for row in ws.iter_rows(values_only=True)
    )


def _outputs(folder, other, tmp, *extra) -> dict[str, str]:
    """Every command-line output of ``folder`` (and its comparison with ``other``) as text."""
    from click.testing import CliRunner

    from orggraph.cli import main

    run = CliRunner().invoke
    out = {}
    for fmt in ("text", "markdown", "json"):
        r = run(main, ["analyze", str(folder), "--format", fmt, "--top", "50", *extra])
        assert r.exit_code == 0, r.output
        out[f"analyze {fmt}"] = r.stdout
    html = tmp / "report.html"
    r = run(main, ["report", str(folder), "-o", str(html), "--compare", str(other), *extra])
    assert r.exit_code == 0, r.output
    out["report html"] = html.read_text(encoding="utf-8")
    for fmt in ("xlsx", "graphml", "gexf"):
        f = tmp / f"export.{fmt}"
        r = run(main, ["export", str(folder), str(f), *extra])
        assert r.exit_code == 0, r.output
        out[f"export {fmt}"] = _xlsx_text(f) if fmt == "xlsx" else f.read_text(encoding="utf-8")
    for fmt in ("text", "markdown", "json"):
        r = run(main, ["compare", str(other), str(folder), "--format", fmt,
                       "--permutations", "99", *extra])  # fmt: skip
        assert r.exit_code == 0, r.output
        out[f"compare {fmt}"] = r.stdout
    return out


def _web_outputs(folder, key, k=5) -> dict[str, str]:
    """What the web pages show in privacy mode, from the pure view functions."""
    from orggraph.web import compareview, views
    from orggraph.web import privacy as wp
    from orggraph.web.deliverables import FILES, make

    mode = wp.PrivacyMode(k=k, key=key)
    org = mode.apply(orggraph.load(folder))
    a = mode.analyze(org)
    legal_people = org.units.loc[org.units["department"] == "LEG", "id"].tolist()
    out = {
        "web overview": views.overview(org, a, top=50),
        "web findings": views.findings_rows(org, a),
        "web findings csv": views.findings_csv(org, a),
        "web map people": views.map_elements(org, a),
        "web map departments": views.map_elements(org, a, level="departments"),
        "web map drill": views.map_elements(org, a, level="departments", drill="FIN"),
        "web panels": [views.node_panel(org, a, u) for u in ["LEG", *legal_people]],
        "web edge panels": [
            views.edge_panel(org, a, "LEG", "FIN"),
            views.edge_panel(org, a, "SAL", "LEG"),
        ],  # fmt: skip
        "web matrix": wp.suppressed_matrix(org).to_json(),
        "web matrix figure": wp.matrix_heatmap(org).to_json(),
        "web matrix click": wp.matrix_cell(
            org, {"points": [{"x": "Legal (suppressed: fewer than 5 people)", "y": "Finance"}]}
        ),
    }
    before = mode.apply(orggraph.load(folder.parent / "before"))
    c = compare_mod.compare(
        before, org, after_analysis=a, before_analysis=mode.analyze(before),
        permutations=99, community_runs=1, min_group_size=k,
    )  # fmt: skip
    c = compareview.private_comparison(c, k=k)
    out["web compare"] = {
        "headline": compareview.headline(c),
        "departments": compareview.department_rows(c),
        "findings": compareview.finding_rows(c),
        "bottlenecks": compareview.bottleneck_rows(c),
        "download": compareview.download(c, "json"),
    }
    entry = type("Entry", (), {"org": org, "analysis": a, "handle": "x"})()
    for kind in FILES:
        if kind.endswith(("pdf", "png")):  # printed by Chromium from the same HTML
            continue
        name, data, _mime, _s = make(kind, entry, None)
        out[f"web download {name}"] = (
            data.decode("utf-8", "replace") if not name.endswith(".xlsx") else _xlsx_bytes(data)
        )
    return {k: v if isinstance(v, str) else json.dumps(v, default=str) for k, v in out.items()}


def _xlsx_bytes(data) -> str:
    import io

    return _xlsx_text(io.BytesIO(data))


NEAR_NAME = re.compile(r"(?<![A-Za-z])Legal[^A-Za-z.]{0,40}?\d")  # a sentence may end at it


@pytest.fixture(scope="module")
def evidence(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("evidence")
    after = _write_sample_with_legal(tmp / "after")
    before = _write_sample_with_legal(tmp / "before", drop=("deal papers",))
    key = tmp / "key"
    key.write_bytes(KEY + b"\n")
    (tmp / "k5").mkdir()
    (tmp / "k1").mkdir()
    (tmp / "p").mkdir()
    return {
        "folder": after,
        "figures": _legal_figures(after),
        "k5": _outputs(after, before, tmp / "k5"),
        "k1": _outputs(after, before, tmp / "k1", "--min-group-size", "1"),
        "pseudonymized": _outputs(
            after, before, tmp / "p", "--pseudonymize", "--key-file", str(key)
        ),
        "web": _web_outputs(after, KEY),
    }


def test_legal_figures_by_hand(tmp_path):
    f = _legal_figures(_write_sample_with_legal(tmp_path / "org"))
    # 3 people; 4 of its 11 working ties stay inside; the sums of the table above.
    assert f["headcount"] == 3
    assert f["internal_share"] == pytest.approx(4 / 11)
    assert f["ei"] == pytest.approx((7 - 4) / 11)
    assert (f["inside_weight"], f["to_finance"], f["from_sales"]) == pytest.approx(
        (31.45, 4.35, 8.05)
    )
    assert f["satisfaction_received"] == pytest.approx((2 + 1 + 2 + 4) / 4)


@pytest.mark.slow
def test_no_figure_of_a_small_group_in_any_output(evidence):
    f = evidence["figures"]
    # Sums of its handoffs: numbers no other output has, searched everywhere.
    sums = {k: _forms(f[k]) for k in ("inside_weight", "to_finance", "from_sales")}
    # Shares (ratios of small whole numbers, which other departments may share by
    # chance): searched on every line that names Legal.
    shares = {k: _forms(f[k]) for k in ("internal_share", "ei", "satisfaction_received")}
    outputs = {**evidence["k5"], **evidence["pseudonymized"], **evidence["web"]}
    assert len(outputs) >= 24
    assert sum("Legal" in text for text in outputs.values()) >= 20  # it is there, by name
    checked = 0
    for name, text in outputs.items():
        # One row per person or handoff (the workbook's people and handoffs sheets) holds
        # that person's own figures beside their department's name: not a group's.
        grouped = "\n".join(
            x for x in text.splitlines() if not x.startswith(("[people]", "[handoffs]"))
        )
        near = NEAR_NAME.findall(grouped)
        assert not near, (name, near[:3])
        lines = [x for x in text.splitlines() if re.search(r"\bLEG\b|Legal", x)]
        for what, forms in {**sums, **shares}.items():
            for form in forms:
                checked += 1
                pattern = rf"(?<![\d.]){re.escape(form)}(?!\d)"
                where = [text] if what in sums else lines
                for t in where:
                    hit = re.search(pattern, t)
                    assert hit is None, (name, what, form, t[max(0, hit.start() - 80) : hit.end()])
    assert checked > 200
    # Each says what was suppressed and why, by name.
    for name in ("analyze text", "analyze markdown", "compare text", "report html"):
        text = evidence["k5"][name]
        assert re.search(r"suppressed[^.]*fewer than 5 people", text), name
        assert "Legal" in text
    # The same search finds them when nothing is suppressed: it would catch a leak.
    k1 = evidence["k1"]
    assert NEAR_NAME.search(k1["analyze text"])
    for what in ("internal_share", "ei"):
        assert any(form in k1["analyze json"] for form in shares[what]), what
    assert any(form in k1["export xlsx"] for form in shares["internal_share"])
    assert any(
        form in k1["report html"] or form in k1["export xlsx"] for form in sums["inside_weight"]
    )


@pytest.mark.slow
def test_structured_outputs_flag_the_small_group_and_hold_no_figure(evidence):
    d = json.loads(evidence["k5"]["analyze json"])
    (row,) = [r for r in d["departments"] if r["department"] == "LEG"]
    assert row["suppressed"] is True
    assert all(v is None for k, v in row.items() if k not in ("department", "name", "suppressed"))
    assert d["privacy"]["min_group_size"] == 5 and d["privacy"]["suppressed"] == ["LEG"]
    assert not any("LEG" in f["subjects"] for f in d["findings"] if f["kind"] != "blocks")
    c = json.loads(evidence["k5"]["compare json"])
    (row,) = [r for r in c["departments"]["rows"] if r["department"] == "LEG"]
    assert row["suppressed"] and row["members_after"] is None and row["p_value"] is None
    assert "Legal" in c["privacy"]["note"]
    assert "[departments] LEG | Legal |" in evidence["k5"]["export xlsx"]
    (line,) = [
        x for x in evidence["k5"]["export xlsx"].splitlines() if x.startswith("[departments] LEG")
    ]
    assert "suppressed: fewer than 5 people" in line and not re.search(r"\d\.\d", line)
    m = json.loads(evidence["web"]["web matrix"])
    legal = [k for k in m if k.startswith("Legal")][0]
    assert all(v is None for v in m[legal].values())
    assert all(col[legal] is None for col in m.values())
    assert evidence["web"]["web matrix click"] == "[null, null]"


@pytest.mark.slow
def test_pseudonymized_outputs_hold_no_name_or_id(evidence):
    units = pd.read_csv(evidence["folder"] / "units.csv", dtype=str, keep_default_na=False)
    people = units[units["kind"] == "person"]
    secrets = set(people["id"]) | set(people["name"])
    assert len(secrets) == 2 * 152
    outputs = {**evidence["pseudonymized"], **evidence["web"]}
    for name, text in outputs.items():
        found = sorted(s for s in secrets if re.search(rf"(?<![\w-]){re.escape(s)}(?![\w-])", text))
        assert not found, (name, found[:5])
    # Roles and locations of the small group's people are not shown either.
    for name, text in outputs.items():
        assert "General Counsel" not in text and "Contracts Officer" not in text, name
    # The search finds them where names are not pseudonymized.
    assert "Imogen Quarrie" in evidence["k5"]["report html"]
    assert "LEG-01" in evidence["k5"]["export graphml"]


def _pseudonym(key, person_id):
    """HMAC-SHA256 (RFC 2104) of the id under the key: P- and the first 16 hex digits."""
    import hashlib
    import hmac

    return "P-" + hmac.new(key, person_id.encode(), hashlib.sha256).hexdigest()[:16]


def test_same_person_same_pseudonym_in_two_periods_cli_and_web(tmp_path):
    from click.testing import CliRunner

    from orggraph.cli import main
    from orggraph.web import privacy as wp

    before = _write_sample_with_legal(tmp_path / "2025-01", drop=("deal papers",))
    after = _write_sample_with_legal(tmp_path / "2025-02")
    key = tmp_path / "key"
    key.write_bytes(KEY + b"\n")
    r = CliRunner().invoke(
        main, ["compare", str(before), str(after), "--format", "json", "--permutations", "99",
               "--pseudonymize", "--key-file", str(key)],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    c = json.loads(r.stdout)
    # "deal papers" (Sales -> Legal) is new in February: its ends, pseudonymized alike in
    # both periods, so the handoff is matched as added and every other one as kept.
    (added,) = c["handoffs"]["added"]
    assert added["provider"] == _pseudonym(KEY, "SAL-05")
    assert added["customer"] == _pseudonym(KEY, "LEG-03")
    assert c["handoffs"]["removed"] == [] and c["units"]["joined"] == []
    # The web view with the same key gives the same pseudonyms (serve --privacy-key).
    org = wp.PrivacyMode(key=KEY).apply(orggraph.load(after))
    assert _pseudonym(KEY, "LEG-03") in set(org.units["id"])


def test_serve_privacy_key_errors_are_clear_and_quote_no_key(tmp_path):
    from click.testing import CliRunner

    from orggraph.cli import main

    run = CliRunner().invoke
    sample = str(DATA / "healthcare-supplier")
    r = run(main, ["serve", sample, "--privacy-key", str(tmp_path / "missing")])
    assert r.exit_code == 2 and "no key file at" in r.output
    short = tmp_path / "short"
    short.write_bytes(b"tiny-secret")
    r = run(main, ["serve", sample, "--privacy-key", str(short)])
    assert r.exit_code == 2 and "too short" in r.output and "tiny-secret" not in r.output
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    r = run(main, ["serve", sample], env={"ORGGRAPH_PRIVACY_KEY_FILE": str(empty)})
    assert r.exit_code == 2 and "is empty" in r.output
    assert "secret" not in repr(__import__("orggraph.web.privacy").web.privacy.PrivacyMode(
        key=b"a secret key of 32 bytes........"))  # fmt: skip


@pytest.mark.parametrize("bad", ["0", "-3", "2.5", "five"])
def test_min_group_size_must_be_a_whole_number_of_at_least_one(bad):
    from click.testing import CliRunner

    from orggraph.cli import main

    for command in ("analyze", "report", "export", "compare"):
        r = CliRunner().invoke(main, [command, str(DATA / "healthcare-supplier"), "x.xlsx",
                                      "--min-group-size", bad])  # fmt: skip
        assert r.exit_code == 2, (command, r.output)
        assert "--min-group-size" in r.output

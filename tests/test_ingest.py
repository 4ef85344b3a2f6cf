"""orggraph ingest: collaboration logs + HRIS -> organizations, checked against pandas.

Expected numbers come from independent pandas computations on the raw log, or by hand on
logs written inline; never from the program's own output.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import orggraph
from orggraph.cli import main
from orggraph.exceptions import OrgGraphError
from orggraph.ingest import build_tables, ingest
from orggraph.readwrite import events as ev
from orggraph.ties import closeness

from .conftest import DATA

ENRON = DATA / "research" / "enron-email"
EMAILS = ENRON / "emails.csv.gz"
HRIS = ENRON / "hris.csv"


def _have_spark() -> bool:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return False
    java = shutil.which("java")
    if java is None:
        return False
    return subprocess.run([java, "-version"], capture_output=True).returncode == 0


needs_spark = pytest.mark.skipif(not _have_spark(), reason="needs pyspark and a Java runtime")


# ------------------------------------------------------------------ Enron, pandas
@pytest.fixture(scope="module")
def enron_expected():
    """The kept rows of the Enron log by the documented rules, in plain pandas."""
    e = pd.read_csv(EMAILS, dtype=str, keep_default_na=False)
    t = pd.to_datetime(e["time"], errors="coerce")
    broken = t.isna() | (t < "1980-01-01")
    valid = e[~broken].assign(t=t[~broken])
    size = valid.groupby(["sender", "time"])["recipient"].transform("size")
    mass = size > 50
    own = valid["sender"] == valid["recipient"]
    kept = valid[~mass & ~own]
    return {
        "rows": len(e),
        "broken": int(broken.sum()),
        "mass": int(mass.sum()),
        "mass_messages": int(valid[mass].groupby(["sender", "time"]).ngroups),
        "self": int((own & ~mass).sum()),
        "kept": kept,
        "monthly_all": valid["t"].dt.strftime("%Y-%m").value_counts(),
    }


@pytest.fixture(scope="module")
def enron_monthly(tmp_path_factory, enron_expected):
    out = tmp_path_factory.mktemp("enron") / "monthly"
    report = ingest(EMAILS, HRIS, out, period="month")
    return out, report


def test_enron_every_row_accounted_for(enron_monthly, enron_expected):
    _, r = enron_monthly
    x = enron_expected
    assert r["rows"] == x["rows"] == 125_409
    assert r["excluded"]["broken_clock"] == x["broken"] == 174  # SOURCE.md: 174
    assert r["excluded"]["mass"] == x["mass"]
    assert r["mass_messages"] == x["mass_messages"]
    assert r["excluded"]["self"] == x["self"]
    assert r["excluded"]["unknown_person"] == 0
    assert r["kept"] == len(x["kept"])
    assert r["accounted"] and r["kept"] + sum(r["excluded"].values()) == r["rows"]


def test_enron_per_pair_monthly_counts_equal_pandas(enron_monthly, enron_expected):
    out, report = enron_monthly
    kept = enron_expected["kept"]
    expected = (
        kept.assign(month=kept["t"].dt.strftime("%Y-%m"))
        .groupby(["month", "sender", "recipient"])
        .size()
        .rename("events")
        .sort_index()
    )
    frames = []
    for p in report["periods"]:
        h = pd.read_csv(out / p["period"] / "handoffs.csv", dtype={"events": "int64"})
        frames.append(h.assign(month=p["period"]))
    got = (
        pd.concat(frames)
        .rename(columns={"provider": "sender", "customer": "recipient"})
        .set_index(["month", "sender", "recipient"])["events"]
        .sort_index()
    )
    pd.testing.assert_series_equal(got, expected, check_names=False)
    # Frequency is the month's count in monthly snapshots; reverse_events the other way.
    h = pd.read_csv(out / "2001-10" / "handoffs.csv")
    assert (h["frequency"] == h["events"]).all()
    back = expected.loc["2001-10"]
    rev = [back.get((c, p), 0) for p, c in zip(h["provider"], h["customer"], strict=True)]
    assert h["reverse_events"].tolist() == rev


def test_enron_october_2001_peak(enron_monthly, enron_expected):
    _, report = enron_monthly
    raw = enron_expected["monthly_all"]
    assert raw.idxmax() == "2001-10" and raw.max() == 10_796  # SOURCE.md's peak
    events = {p["period"]: p["events"] for p in report["periods"]}
    assert max(events, key=events.get) == "2001-10"
    kept = enron_expected["kept"]
    assert events["2001-10"] == (kept["t"].dt.strftime("%Y-%m") == "2001-10").sum()


def test_enron_snapshots_load(enron_monthly):
    out, report = enron_monthly
    for label in ("1999-06", "2001-10", "2002-06"):
        org = orggraph.load(out / label)
        assert (org.units["kind"] == "person").sum() == 184
        assert len(org.handoffs) == next(
            p["handoffs"] for p in report["periods"] if p["period"] == label
        )
        assert set(org.handoffs["closeness"]) <= {1, 2, 3, 4, 5}
    assert json.loads((out / "ingest-report.json").read_text())["rows"] == 125_409


def test_enron_whole_window_frequency_is_events_per_month(tmp_path, enron_expected):
    report = ingest(EMAILS, HRIS, tmp_path / "all")
    # 1998-11-01 to 2002-07-01: 44 whole months.
    assert report["window"] == ["1998-11-01 00:00:00", "2002-07-01 00:00:00"]
    h = pd.read_csv(tmp_path / "all" / "handoffs.csv")
    kept = enron_expected["kept"]
    counts = kept.groupby(["sender", "recipient"]).size()
    assert len(h) == len(counts)
    got = h.set_index(["provider", "customer"])["frequency"].sort_index()
    np.testing.assert_allclose(got.to_numpy(), (counts.sort_index() / 44).to_numpy(), atol=1e-6)


# ------------------------------------------------------------ rules, by hand
HR = """id,name,manager,department,title,start,end
a,Ann,,Ops,Lead,,
b,Bob,a,Ops,Clerk,,
c,Cat,a,Sales,Rep,,
d,Dan,c,Sales,Rep,2024-02-01,
e,Eve,,Sales,Rep,,2024-01-15
"""

LOG = """time,sender,recipients,kind,duration_minutes
2024-01-03 09:00,a,b,e-mail,
2024-01-03 10:00,a,b;c,e-mail,
2024-01-04 10:00,b,a,e-mail,
2024-01-05 10:00,c,a,meeting,30
2024-01-06 10:00,a,a,e-mail,
2024-01-07 10:00,a,zed,e-mail,
2024-01-08 10:00,a,d,e-mail,
1979-12-31 21:00,a,b,e-mail,
not a time,a,b,e-mail,
2031-01-01 00:00,a,b,e-mail,
2023-12-31 23:59,a,b,e-mail,
2024-02-02 10:00,c,d,chat,
2024-02-02 11:00,b,a;c;d;e,e-mail,
"""


@pytest.fixture
def small(tmp_path):
    (tmp_path / "hr.csv").write_text(HR)
    (tmp_path / "log.csv").write_text(LOG)
    return tmp_path


def test_every_exclusion_rule_by_hand(small):
    people, notes = ev.read_hris(small / "hr.csv")
    assert notes == []
    agg = ev.aggregate(
        small / "log.csv",
        people,
        period="month",
        start="2024-01-01",
        end="2024-03-01",
        max_recipients=3,
        now="2026-01-01",
    )
    # 13 lines, two of them with lists (2 and 4 recipients): 17 rows.
    assert agg.rows == 17
    by = agg.excluded.groupby("reason")["events"].sum().to_dict()
    assert by == {
        "broken_clock": 3,  # 1979, unreadable, 2031 (after "now")
        "outside_window": 1,  # 2023-12-31
        "mass": 4,  # b's message to 4 people (> 3)
        "self": 1,  # a -> a
        "unknown_person": 1,  # zed
        "not_employed": 1,  # a -> d in January; d starts 2024-02-01
    }
    kept = agg.pairs.assign(
        month=agg.pairs["period"].map(
            dict(zip(agg.periods["period"], agg.periods["label"], strict=True))
        )
    )
    rows = {
        (m, p, c, k): (n, r)
        for m, p, c, k, n, r in kept[
            ["month", "provider", "customer", "kind", "events", "reverse_events"]
        ].itertuples(index=False)
    }
    assert rows == {
        ("2024-01", "a", "b", "e-mail"): (2, 1),
        ("2024-01", "a", "c", "e-mail"): (1, 0),
        ("2024-01", "b", "a", "e-mail"): (1, 2),
        ("2024-01", "c", "a", "meeting"): (1, 0),
        ("2024-02", "c", "d", "chat"): (1, 0),
    }
    assert agg.rows == kept["events"].sum() + sum(by.values())
    meeting = agg.pairs[agg.pairs["kind"] == "meeting"]
    assert meeting["minutes"].tolist() == [30.0]


def test_folders_people_managers_and_closeness(small):
    report = ingest(
        small / "log.csv",
        small / "hr.csv",
        small / "out",
        period="month",
        start="2024-01-01",
        end="2024-03-01",
        max_recipients=3,
        now="2026-01-01",
    )
    jan = orggraph.load(small / "out" / "2024-01")
    feb = orggraph.load(small / "out" / "2024-02")
    # Eve left on 2024-01-15, Dan started 2024-02-01.
    assert set(jan.units.query("kind == 'person'")["id"]) == {"a", "b", "c", "e"}
    assert set(feb.units.query("kind == 'person'")["id"]) == {"a", "b", "c", "d"}
    assert jan.units.set_index("id").loc["b", "manager"] == "a"
    assert jan.department_of("c") == "dept-sales"
    h = jan.handoffs.set_index(["provider", "customer", "deliverable"])
    # e-mail pairs in January: a->b 2, a->c 1, b->a 1 (n = 3). Below a->b: 2 pairs, so
    # quintile 1 + floor(10/3) = 4, answered: 5. a->c: 1, one way: 1. b->a: 1, answered: 2.
    assert h.loc[("a", "b", "e-mail"), "closeness"] == 5
    assert h.loc[("a", "c", "e-mail"), "closeness"] == 1
    assert h.loc[("b", "a", "e-mail"), "closeness"] == 2
    # The only meeting pair is its own kind: quintile 1, not answered in meetings.
    assert h.loc[("c", "a", "meeting"), "closeness"] == 1
    assert float(h.loc[("c", "a", "meeting"), "hours"]) == 0.5
    assert report["excluded"]["not_employed"] == 1


def test_quarter_frequency_is_per_month(small):
    ingest(
        small / "log.csv",
        small / "hr.csv",
        small / "q",
        period="quarter",
        start="2024-01-01",
        end="2024-04-01",
        now="2026-01-01",
    )
    h = pd.read_csv(small / "q" / "2024-Q1" / "handoffs.csv")
    assert (h["months"] == 3).all()
    np.testing.assert_allclose(h["frequency"], (h["events"] / 3).round(6))


def test_partial_month_counts_its_share():
    assert ev.months_between("2024-01-01", "2024-04-01") == 3
    assert ev.months_between("2024-02-01", "2024-02-15") == pytest.approx(14 / 29)


def test_closeness_rule_ties_share_a_quintile():
    q, c = closeness([0, 0, 0, 3, 4], [5] * 5, [0, 1, 0, 0, 9])
    assert q.tolist() == [1, 1, 1, 4, 5]
    assert c.tolist() == [1, 2, 1, 4, 5]


def test_hris_problems_are_fixed_and_reported(tmp_path):
    (tmp_path / "hr.csv").write_text(
        "person_id,full_name,manager_id,dept\nx,X,y,A\ny,Y,x,A\nz,Z,nobody,B\nw,W,w,B\n"
    )
    people, notes = ev.read_hris(tmp_path / "hr.csv")
    assert list(people["department"]) == ["A", "A", "B", "B"]
    text = " ".join(notes)
    assert "not in the HRIS" in text and "own manager" in text and "loop" in text
    assert (people["manager"] == "").sum() == 3  # nobody, w itself, and one of the x/y loop
    (tmp_path / "dup.csv").write_text("id,name\nx,X\nx,Y\n")
    with pytest.raises(OrgGraphError, match="repeated ids"):
        ev.read_hris(tmp_path / "dup.csv")


def test_missing_columns_named(tmp_path):
    (tmp_path / "log.csv").write_text("when,who\n2024-01-01,a\n")
    with pytest.raises(OrgGraphError, match="time / sender"):
        ev.aggregate(tmp_path / "log.csv", pd.DataFrame({"id": ["a"], "start": [""], "end": [""]}))


def test_parquet_input_gives_the_same_pairs(small, tmp_path):
    import duckdb

    people, _ = ev.read_hris(small / "hr.csv")
    pq = tmp_path / "log.parquet"
    duckdb.sql(
        f"COPY (SELECT * FROM read_csv('{small / 'log.csv'}', all_varchar = true)) "
        f"TO '{pq}' (FORMAT parquet)"
    )
    kw = dict(period="month", max_recipients=3, now="2026-01-01")
    a = ev.aggregate(small / "log.csv", people, **kw)
    b = ev.aggregate(pq, people, **kw)
    pd.testing.assert_frame_equal(a.pairs, b.pairs)


def test_cli_ingest(small):
    r = CliRunner().invoke(
        main,
        [
            "ingest",
            str(small / "log.csv"),
            "--hris",
            str(small / "hr.csv"),
            "-o",
            str(small / "cli"),
            "--max-recipients",
            "3",
            "--start",
            "2024-01-01",
            "--end",
            "2024-03-01",
            "--kind",
            "message",
            "--json",
        ],
    )
    assert r.exit_code == 0, r.output
    report = json.loads(r.output)
    assert report["excluded"]["mass"] == 4 and report["accounted"]
    assert orggraph.load(small / "cli").name == "cli"
    r = CliRunner().invoke(main, ["ingest", str(small / "log.csv"), "-o", str(small / "x")])
    assert r.exit_code != 0 and "--hris" in r.output
    r = CliRunner().invoke(
        main,
        ["ingest", str(small / "log.csv"), "--hris", str(small / "hr.csv"), "-o", "x"]
        + ["--start", "2024-03-01", "--end", "2024-01-01"],
    )
    assert r.exit_code == 1 and "window is empty" in r.output


# ------------------------------------------------------------- DuckDB vs Spark
def synthetic_log(path, *, people=60, events=4000, seed=3):
    """A small log with every pathology: lists, kinds, durations, bad times, strangers."""
    rng = np.random.default_rng(seed)
    ids = [f"p{i:03d}" for i in range(people)]
    t0 = pd.Timestamp("2023-01-01").value // 10**9
    times = pd.to_datetime(rng.integers(t0, t0 + 365 * 86400, events), unit="s")
    times = times.strftime("%Y-%m-%d %H:%M:%S").to_numpy().astype(object)
    times[rng.random(events) < 0.01] = "1970-01-01 00:00:00"
    times[rng.random(events) < 0.005] = "garbage"
    sender = rng.choice(ids, events)
    k = rng.choice([1, 1, 1, 2, 3, 8], events)
    rec = [";".join(rng.choice([*ids, "stranger"], n)) for n in k]
    kind = rng.choice(["e-mail", "chat", "meeting"], events)
    dur = np.where(kind == "meeting", rng.integers(15, 90, events).astype(str), "")
    pd.DataFrame(
        {"time": times, "sender": sender, "recipients": rec, "kind": kind, "duration": dur}
    ).to_csv(path, index=False)
    hr = pd.DataFrame({"id": ids, "department": [f"D{i % 4}" for i in range(people)]})
    hr.to_csv(path.parent / "hr.csv", index=False)
    return path, path.parent / "hr.csv"


@pytest.mark.slow
@needs_spark
def test_duckdb_and_spark_identical_on_enron_and_synthetic(tmp_path):
    people, _ = ev.read_hris(HRIS)
    for period in ("month", None):
        a = ev.aggregate(EMAILS, people, period=period)
        b = ev.aggregate(EMAILS, people, period=period, engine="spark")
        assert (a.engine, b.engine) == ("duckdb", "spark")
        pd.testing.assert_frame_equal(a.pairs, b.pairs)
        pd.testing.assert_frame_equal(a.excluded, b.excluded, check_dtype=False)
        assert a.rows == b.rows == 125_409
    log, hr = synthetic_log(tmp_path / "log.csv")
    people, _ = ev.read_hris(hr)
    kw = dict(period="quarter", max_recipients=5, now="2025-01-01")
    a = ev.aggregate(log, people, **kw)
    b = ev.aggregate(log, people, engine="spark", **kw)
    pd.testing.assert_frame_equal(a.pairs, b.pairs)
    pd.testing.assert_frame_equal(a.unknown, b.unknown, check_dtype=False)
    pd.testing.assert_frame_equal(a.excluded, b.excluded, check_dtype=False)
    assert set(a.pairs["kind"]) == {"e-mail", "chat", "meeting"}
    # The written handoff tables are identical too (closeness and frequency included).
    ta, tb = build_tables(a, people), build_tables(b, people)
    assert ta.keys() == tb.keys()
    for label in ta:
        pd.testing.assert_frame_equal(ta[label][1], tb[label][1])


def test_synthetic_log_against_pandas(tmp_path):
    log, hr = synthetic_log(tmp_path / "log.csv")
    people, _ = ev.read_hris(hr)
    agg = ev.aggregate(log, people, max_recipients=5, now="2025-01-01")
    e = pd.read_csv(log, dtype=str, keep_default_na=False)
    e["n"] = e["recipients"].str.count(";") + 1
    rows = e.assign(recipient=e["recipients"].str.split(";")).explode("recipient")
    assert agg.rows == len(rows)
    t = pd.to_datetime(rows["time"], errors="coerce", format="%Y-%m-%d %H:%M:%S")
    ok = t.notna() & (t >= "1980-01-01")
    ok &= rows["n"] <= 5
    ok &= rows["sender"] != rows["recipient"]
    ok &= rows["recipient"] != "stranger"
    want = rows[ok].groupby(["sender", "recipient", "kind"]).size().sort_index()
    got = agg.pairs.set_index(["provider", "customer", "kind"])["events"].sort_index()
    pd.testing.assert_series_equal(got, want, check_names=False)

"""From a collaboration log and an HRIS table to organizations (``orggraph ingest``).

HR analysts have an HR system's org chart and passive collaboration data
(e-mail, meeting and chat logs), not spreadsheets of deliverables. This
module turns the two into the organization folders every other command
reads: ``units.csv`` (departments from the HRIS, people in them, reporting
lines), ``handoffs.csv`` (one row per direction, kind and period) and an
empty ``deliveries.csv``; one folder for the whole study window, or one per
month or quarter so that periods compare.

The aggregation itself is SQL (:mod:`orggraph.readwrite.events`, DuckDB or
Spark); what happens here is small and pure: the documented rules that turn
counts into the two numbers a handoff carries.

**Frequency** = events per month in that direction: the pair's events in the
period divided by the calendar months the period covers inside the study
window (a whole month is 1, a partial month its share of days). In monthly
snapshots it is the month's count. It is capped at
:data:`~orggraph.schema.MAX_PER_MONTH` (10,000), the most the input format
accepts; capped pairs are counted in the report.

**Closeness** (1-5) from volume and reciprocity, by the cited rule of
:mod:`orggraph.ties`: the pair's volume quintile among the pairs of its
period and kind, +1 when the other direction has events, at most 5.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from .exceptions import OrgGraphError
from .privacy import Pseudonymizer
from .readwrite import events as ev
from .readwrite import load_viva_periods, write
from .schema import MAX_PER_MONTH
from .ties import RULE, closeness

__all__ = ["ingest", "ingest_viva", "report_text", "build_tables", "PERSON_COLUMNS", "REPORT_FILE"]

#: The ingest report, beside the organization (or the period folders).
REPORT_FILE = "ingest-report.json"
#: Person columns written to units.csv besides id/name/kind/parent/manager. With
#: --pseudonymize only these survive: any other HRIS column (e-mail, hire date,
#: salary band ...) could single a person out and is dropped.
PERSON_COLUMNS = ("role", "location", "level")
UNASSIGNED = "Unassigned"
_KEEP_REPORT = 20


def _slug(text: str) -> str:
    s = re.sub(r"[^0-9a-z]+", "-", str(text).lower()).strip("-")
    return s or "x"


def _departments(people: pd.DataFrame) -> dict[str, str]:
    """Department name -> unit id (``dept-<slug>``, numbered where slugs collide)."""
    out, used = {}, set()
    for name in sorted(people["department"].replace("", UNASSIGNED).unique()):
        base = f"dept-{_slug(name)}"
        did, i = base, 2
        while did in used:
            did, i = f"{base}-{i}", i + 1
        used.add(did)
        out[name] = did
    return out


def _employed(people: pd.DataFrame, start: str, end: str) -> pd.Series:
    """Employed some time in [start, end) (ISO dates; HRIS end dates are inclusive)."""
    s, e = people["start"], people["end"]
    return ((s == "") | (s < end)) & ((e == "") | (e >= start))


def build_tables(agg: ev.Aggregated, people: pd.DataFrame, *, pseudonymizer=None):
    """Units and handoffs of every period: ``{label: (units, handoffs, counts)}``.

    Pure: no file is read or written. People are those employed some time in
    the period (everyone, without HRIS dates); departments come from the
    HRIS ``department`` column (``Unassigned`` where empty).
    """
    pz = pseudonymizer
    depts = _departments(people)
    base = people.copy()
    base["department"] = base["department"].replace("", UNASSIGNED)
    extras = [
        c
        for c in base.columns
        if c not in ("id", "name", "manager", "department", "start", "end", *PERSON_COLUMNS)
    ]
    if pz is not None:
        ids = pz.series(base["id"])
        base = base.assign(id=ids, name=ids, manager=pz.series(base["manager"]))
        extras = []
    else:
        base["name"] = base["name"].where(base["name"] != "", base["id"])
    pairs = agg.pairs
    out = {}
    for per in agg.periods.itertuples(index=False):
        h = pairs[pairs["period"] == per.period]
        if not len(h):
            continue
        staff = base[_employed(people, per.start, per.end).to_numpy()]
        # A manager who left before the period is no unit of it: that line is left empty.
        manager = staff["manager"].where(staff["manager"].isin(set(staff["id"])), "")
        used = sorted(staff["department"].unique())
        units = pd.concat(
            [
                pd.DataFrame(
                    {
                        "id": [depts[d] for d in used],
                        "name": used,
                        "kind": "department",
                        "parent": "",
                        "manager": "",
                    }
                ),
                pd.DataFrame(
                    {
                        "id": staff["id"].to_numpy(),
                        "name": staff["name"].to_numpy(),
                        "kind": "person",
                        "parent": staff["department"].map(depts).to_numpy(),
                        "manager": manager.to_numpy(),
                        **{c: staff[c].to_numpy() for c in (*PERSON_COLUMNS, *extras)},
                    }
                ),
            ],
            ignore_index=True,
        ).fillna("")
        q, c = closeness(h["rank_below"], h["pairs"], h["reverse_events"])
        freq = h["events"].to_numpy() / per.months
        capped = int((freq > MAX_PER_MONTH).sum())
        hand = pd.DataFrame(
            {
                "provider": h["provider"].to_numpy(),
                "customer": h["customer"].to_numpy(),
                "deliverable": h["kind"].to_numpy(),
                "closeness": c,
                "frequency": np.round(np.minimum(freq, MAX_PER_MONTH), 6),
                "events": h["events"].to_numpy(),
                "reverse_events": h["reverse_events"].to_numpy(),
                "volume_quintile": q,
                "months": round(per.months, 6),
            }
        )
        if h["minutes"].notna().any():
            hand["hours"] = np.round(h["minutes"].to_numpy() / 60.0, 6)
        if pz is not None:
            hand["provider"] = pz.series(hand["provider"])
            hand["customer"] = pz.series(hand["customer"])
        out[per.label] = (
            units,
            hand,
            {
                "events": int(h["events"].sum()),
                "handoffs": len(hand),
                "people": int(len(staff)),
                "active_people": int(pd.concat([h["provider"], h["customer"]]).nunique()),
                "months": round(per.months, 6),
                "frequency_capped": capped,
            },
        )
    return out


def _report(agg, tables, people, notes, *, period, max_recipients, pz, folders):
    ex = agg.excluded
    by_reason = {r: int(ex.loc[ex["reason"] == r, "events"].sum()) for r in ev.REASONS}
    kept = int(agg.pairs["events"].sum())
    mass = ex[ex["reason"] == "mass"]
    unknown = agg.unknown
    if pz is not None:
        unknown = unknown.assign(id=pz.series(unknown["id"]))
    labels = dict(zip(agg.periods["period"], agg.periods["label"], strict=False))
    per_period = []
    for per in agg.periods.itertuples(index=False):
        e = ex[ex["period"] == per.period]
        row = {"period": per.label, "start": per.start, "end": per.end}
        if per.label in tables:
            row |= tables[per.label][2]
            row["folder"] = folders.get(per.label)
        else:
            row |= {"events": 0, "handoffs": 0, "months": round(per.months, 6)}
            row["skipped"] = "no events left after the exclusions: no folder written"
        row["excluded"] = {r: int(e.loc[e["reason"] == r, "events"].sum()) for r in ev.REASONS}
        per_period.append(row)
    report = {
        "engine": agg.engine,
        "columns": agg.columns,
        "rows": agg.rows,
        "kept": kept,
        "excluded": by_reason,
        "accounted": kept + sum(by_reason.values()) == agg.rows,
        "mass_messages": int(mass["messages"].sum()) if len(mass) else 0,
        "max_recipients": int(max_recipients),
        "window": list(agg.window),
        "first_event": agg.first,
        "last_event": agg.last,
        "period": period or "all",
        "periods": per_period,
        "people_in_hris": len(people),
        "unknown_people": len(unknown),
        "unknown_people_top": unknown.head(_KEEP_REPORT).to_dict("records"),
        "hris_notes": notes,
        "pseudonymized": pz is not None,
        "closeness_rule": RULE,
        "frequency_rule": "events per calendar month of the period inside the window",
    }
    report["excluded_by_period"] = {
        labels.get(k, "outside"): {
            r: int(v) for r, v in g.groupby("reason")["events"].sum().items() if v
        }
        for k, g in ex.fillna({"period": -1}).groupby("period")
    }
    return report


def ingest(
    events,
    hris,
    out,
    *,
    period=None,
    engine="duckdb",
    master=None,
    start=None,
    end=None,
    max_recipients=50,
    kind="message",
    department_column=None,
    columns=None,
    key=None,
    memory_limit=None,
    threads=None,
    now=None,
) -> dict:
    """Aggregate a collaboration log into organization folders and report what was left out.

    Parameters
    ----------
    events, hris : path
        The log (see :func:`orggraph.readwrite.events.aggregate`) and the
        HRIS table (see :func:`orggraph.readwrite.events.read_hris`).
    out : path
        The organization folder; with ``period``, the folder that receives
        one organization folder per period (``2001-10``, ``2001-Q4``).
    key : bytes, optional
        Pseudonymize with this secret key (:class:`orggraph.privacy.Pseudonymizer`):
        ids, names and managers become ``P-`` + keyed hashes, the report's
        unknown ids too, and HRIS columns other than role, location and level
        are dropped.
    Other parameters as :func:`orggraph.readwrite.events.aggregate`.

    Returns
    -------
    dict
        The report, also written to ``out/ingest-report.json``: rows read,
        kept, excluded per reason (every row is counted once: ``accounted``),
        mass messages, the window, per-period counts and folders, unknown
        people, HRIS fixes and the rules used.
    """
    people, notes = ev.read_hris(hris, department_column=department_column)
    agg = ev.aggregate(
        events,
        people,
        engine=engine,
        master=master,
        period=period,
        start=start,
        end=end,
        max_recipients=max_recipients,
        kind=kind,
        columns=columns,
        memory_limit=memory_limit,
        threads=threads,
        now=now,
    )
    pz = Pseudonymizer(key) if key is not None else None
    if pz is not None:  # the notes quote ids ("e.g. 'X123'"): those become pseudonyms too
        notes = [re.sub(r"'([^']*)'", lambda m: repr(pz(m.group(1))), n) for n in notes]
    tables = build_tables(agg, people, pseudonymizer=pz)
    if not tables:
        raise OrgGraphError(
            "no event is left after the exclusions, so there is no organization to write "
            f"({agg.rows} rows read; see the counts with --json)"
        )
    out = Path(out)
    folders = {}
    for label, (units, hand, _) in tables.items():
        folder = out if period is None else out / label
        ev.write_folder(folder, units, hand)
        folders[label] = str(folder)
    report = _report(
        agg,
        tables,
        people,
        notes,
        period=period,
        max_recipients=max_recipients,
        pz=pz,
        folders=folders,
    )
    ev.write_report(out / REPORT_FILE, report)
    return report


def _pseudonymize_raw(pz):
    """A transform for raw Viva tables: person ids and names to pseudonyms."""

    def apply(tables):
        units = tables["units"].frame.copy()
        people = units["kind"] == "person"
        ids = set(units.loc[people, "id"])
        units.loc[people, "id"] = pz.series(units.loc[people, "id"])
        units.loc[people, "name"] = units.loc[people, "id"]
        hand = tables["handoffs"].frame.copy()
        for col in ("provider", "customer"):
            mine = hand[col].isin(ids)
            hand.loc[mine, col] = pz.series(hand.loc[mine, col])
        return {
            **tables,
            "units": replace(tables["units"], frame=units),
            "handoffs": replace(tables["handoffs"], frame=hand),
        }

    return apply


def ingest_viva(
    query,
    out,
    *,
    format="viva-p2p",
    period=None,
    hr_attribute=None,
    weight_column=None,
    key=None,
) -> dict:
    """Write a Viva Insights query as organization folders (one per period with ``period``).

    See :mod:`orggraph.readwrite.viva` for how the query is read. ``key``
    pseudonymizes person ids as :func:`ingest` does.

    Raises
    ------
    ValidationError
        When the query does not make a valid organization.
    """
    pz = Pseudonymizer(key) if key is not None else None
    orgs = load_viva_periods(
        query,
        format=format,
        period=period,
        hr_attribute=hr_attribute,
        weight_column=weight_column,
        transform=_pseudonymize_raw(pz) if pz is not None else None,
    )
    out = Path(out)
    periods = []
    for label, org in orgs.items():
        folder = out if period is None else out / label
        write(org, folder)
        periods.append(
            {
                "period": label,
                "folder": str(folder),
                "handoffs": len(org.handoffs),
                "people": int((org.units["kind"] == "person").sum()),
                "departments": len(org.departments),
                "warnings": [p.message for p in org.warnings],
            }
        )
    report = {
        "format": format,
        "period": period or "all",
        "periods": periods,
        "pseudonymized": pz is not None,
        "closeness_rule": RULE,
        "frequency_rule": "the metric summed per pair and divided by the number of MetricDates",
    }
    ev.write_report(out / REPORT_FILE, report)
    return report


def report_text(report: dict) -> str:
    """The ingest report for a terminal: what was read, kept, left out and written."""
    lines = []
    if "rows" in report:
        lines.append(
            f"read {report['rows']:,} event rows ({report['engine']}): kept {report['kept']:,}"
        )
        names = {
            "broken_clock": "broken clock (no time, before 1980 or in the future)",
            "outside_window": "outside the study window",
            "mass": f"mass mails (more than {report['max_recipients']} recipients; "
            f"{report['mass_messages']:,} messages)",
            "self": "to oneself",
            "unknown_person": f"unknown people ({report['unknown_people']:,} ids not in the HRIS)",
            "not_employed": "someone not employed in that period",
        }
        for reason, n in report["excluded"].items():
            lines.append(f"  left out {n:>10,}  {names[reason]}")
        lines.append(
            "  every row accounted for" if report["accounted"] else "  ROWS NOT ACCOUNTED FOR"
        )
        w = report["window"]
        lines.append(f"window {w[0]} to {w[1]} (first event {report['first_event']})")
        for note in report["hris_notes"]:
            lines.append(f"HRIS: {note}")
    for p in report["periods"]:
        if "skipped" in p:
            lines.append(f"  {p['period']}: {p['skipped']}")
            continue
        extra = f", {p['events']:,} events" if "events" in p else ""
        lines.append(
            f"wrote {p['folder']}: {p['handoffs']:,} handoffs, {p['people']:,} people{extra}"
        )
    if report["pseudonymized"]:
        lines.append("names and ids are pseudonymized (HMAC-SHA256 under the key file)")
    return "\n".join(lines)

"""Collaboration logs and HRIS tables: read, aggregate with SQL, write organization folders.

A collaboration log has one row per event and recipient: when, who sent
(or organized), who received (or attended), and optionally how long and what
kind (``e-mail``, ``meeting``, ``chat``). It is far too large for pandas, so
the aggregation into directed pairs per period is SQL, run by an engine:

- :class:`DuckDBEngine` (default): embedded DuckDB reads CSV (plain or
  gzipped) and Parquet files directly, streams them, and spills to disk
  beyond its memory limit (out-of-core).
- :class:`SparkEngine`: the same statements on Apache Spark (``pyspark``,
  the optional extra ``orggraph[spark]``), ``local[*]`` or a cluster's
  master URL, for logs that outgrow one machine.

The two engines run the same SQL text; only the few words their dialects
spell differently (the recipient-list explode, the quoting of a column
name, how an intermediate table is kept) come from the engine. Both return
the same tables (the tests compare them on the Enron log and a synthetic one).

Every row of the log is accounted for: each one is either kept (part of a
pair's count) or excluded for exactly one reason, checked in this order:

``broken_clock``
    No readable time, or a time before :data:`EARLIEST` (1980-01-01: clock
    resets write 1970-01-01 or 1979-12-31) or after the moment of the run.
``outside_window``
    A readable time outside the study window ``[start, end)``.
``mass``
    One of more than ``max_recipients`` recipients of the same message (a
    broadcast or distribution list, not work between two people). A message
    is the rows sharing a ``message_id`` where the log has one, else the rows
    sharing sender, time stamp and kind.
``self``
    Sender and recipient are the same person.
``unknown_person``
    The sender or the recipient is not in the HRIS table.
``not_employed``
    Both are known, but one of them was not employed during the period
    (HRIS ``start``/``end`` dates, where given).
"""

from __future__ import annotations

import csv
import datetime as dt
import glob
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from ..exceptions import OrgGraphError
from ..privacy import new_key
from ..safety import neutralise_table

__all__ = [
    "EARLIEST",
    "EVENT_COLUMNS",
    "HRIS_COLUMNS",
    "REASONS",
    "PERIODS",
    "DuckDBEngine",
    "SparkEngine",
    "Aggregated",
    "make_engine",
    "months_between",
    "event_files",
    "find_columns",
    "read_hris",
    "read_key",
    "aggregate",
    "write_folder",
    "write_report",
]

#: Times before this are a broken clock, not an event.
EARLIEST = "1980-01-01"
#: Why an event row is left out, in the order the rules are checked.
REASONS = (
    "broken_clock",
    "outside_window",
    "mass",
    "self",
    "unknown_person",
    "not_employed",
)
PERIODS = ("month", "quarter")

#: Accepted headers (lower case, spaces/underscores/hyphens ignored) for each role.
EVENT_COLUMNS = {
    "time": ["time", "timestamp", "datetime", "date", "sent", "sent_at", "start", "start_time"],
    "sender": ["sender", "from", "organizer", "organiser", "source", "sender_id", "from_id"],
    "recipient": ["recipient", "to", "attendee", "target", "recipient_id", "to_id"],
    "recipients": ["recipients", "attendees"],
    "duration": ["duration_minutes", "duration", "minutes"],
    "kind": ["kind", "type", "channel", "event_type"],
    "message": ["message_id", "message", "event_id", "meeting_id"],
}
HRIS_COLUMNS = {
    "id": ["id", "person_id", "personid", "employee_id", "employee", "person"],
    "name": ["name", "full_name", "display_name"],
    "manager": ["manager", "manager_id", "managerid", "supervisor", "reports_to"],
    "department": ["department", "dept", "organization", "organisation", "org", "division"],
    "role": ["role", "title", "job_title", "position"],
    "location": ["location", "site", "office", "city"],
    "level": ["level", "grade", "leveldesignation"],
    "start": ["start", "start_date", "hire_date", "hiredate"],
    "end": ["end", "end_date", "termination_date", "leave_date"],
}


def _norm(text) -> str:
    return re.sub(r"[\s_\-]+", "", str(text).strip().lower())


def find_columns(headers, roles, *, required=(), given=None) -> dict[str, str]:
    """Which header plays which role, e.g. ``{"time": "Sent", "sender": "From"}``.

    ``given`` maps a role to a header the user named (it must exist).

    Raises
    ------
    OrgGraphError
        When a required role has no column, listing the headers found.

    Examples
    --------
    >>> find_columns(["Sent", "From", "To"], EVENT_COLUMNS, required=("time",))
    {'time': 'Sent', 'sender': 'From', 'recipient': 'To'}
    """
    given = {k: v for k, v in (given or {}).items() if v}
    out: dict[str, str] = {}
    normed = {_norm(h): h for h in headers}
    for role, names in roles.items():
        if role in given:
            if given[role] not in headers:
                raise OrgGraphError(
                    f'no column "{given[role]}" for the {role}; columns are: '
                    + ", ".join(map(str, headers))
                )
            out[role] = given[role]
            continue
        for n in names:
            if _norm(n) in normed:
                out[role] = normed[_norm(n)]
                break
    missing = [r for r in required if r not in out]
    if missing:
        raise OrgGraphError(
            "cannot tell which column is the "
            + " / ".join(missing)
            + " (accepted: "
            + "; ".join(f"{r}: {', '.join(roles[r])}" for r in missing)
            + "); columns are: "
            + ", ".join(map(str, headers))
        )
    return out


# ------------------------------------------------------------------ engines
def _sql_string(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def event_files(path) -> tuple[list[str], str]:
    """The files of a log (a file, a folder of them, or a glob) and their format.

    Returns ``(paths, "csv" | "parquet")``; CSV may be gzipped (``.csv.gz``).
    """
    p = str(path)
    if any(ch in p for ch in "*?["):
        files = sorted(glob.glob(p))
    elif Path(p).is_dir():
        files = sorted(
            str(f)
            for f in Path(p).iterdir()
            if f.is_file() and re.search(r"\.(csv|csv\.gz|parquet|pq)$", f.name, re.I)
        )
    else:
        files = [p] if Path(p).is_file() else []
    if not files:
        raise OrgGraphError(f"no event log found at {p} (a CSV, .csv.gz or Parquet file)")
    kinds = {"parquet" if re.search(r"\.(parquet|pq)$", f, re.I) else "csv" for f in files}
    if len(kinds) > 1:
        raise OrgGraphError(f"{p} mixes CSV and Parquet files: give one format")
    return files, kinds.pop()


class DuckDBEngine:
    """Embedded DuckDB: streams CSV/Parquet, spills to disk beyond ``memory_limit``.

    Parameters
    ----------
    memory_limit : str, optional
        e.g. ``"3GB"``; DuckDB's own default is 80% of the machine's memory.
    threads : int, optional
        Worker threads (default: all cores).
    temp_directory : path, optional
        Where DuckDB spills; default a ``.tmp`` folder DuckDB chooses.
    """

    name = "duckdb"

    def __init__(self, *, memory_limit=None, threads=None, temp_directory=None):
        self.con = duckdb.connect()
        if memory_limit:
            self.con.execute(f"SET memory_limit = {_sql_string(memory_limit)}")
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")
        if temp_directory:
            self.con.execute(f"SET temp_directory = {_sql_string(temp_directory)}")
        self.con.execute("SET preserve_insertion_order = false")

    @staticmethod
    def quote(column: str) -> str:
        return '"' + str(column).replace('"', '""') + '"'

    @staticmethod
    def explode(expr: str) -> str:
        return f"unnest(string_split({expr}, ';'))"

    def load_events(self, files, fmt):
        lst = "[" + ", ".join(_sql_string(f) for f in files) + "]"
        reader = (
            f"read_parquet({lst})"
            if fmt == "parquet"
            # Everything as text: a bad value deep in the file is one excluded row, not a
            # failed read (a sniffed TIMESTAMP column would stop at the first broken clock).
            else f"read_csv({lst}, header = true, all_varchar = true)"
        )
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW events_raw AS SELECT * FROM {reader}")

    def columns(self) -> list[str]:
        return [r[0] for r in self.con.execute("DESCRIBE events_raw").fetchall()]

    def frame(self, name: str, df: pd.DataFrame, schema: str):
        self.con.register(f"{name}_df", df)
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {name}_df")
        self.con.unregister(f"{name}_df")

    def materialize(self, name: str, sql: str):
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")

    def query(self, sql: str) -> pd.DataFrame:
        return self.con.execute(sql).df()

    def close(self):
        self.con.close()


class SparkEngine:
    """Apache Spark through pyspark: ``local[*]`` by default, or a cluster's master URL.

    The session runs in UTC with the Spark UI off. Requires ``pip install
    "orggraph[spark]"`` and a Java runtime (17 or newer).
    """

    name = "spark"

    def __init__(self, master=None, *, conf=None):
        try:  # deliberate lazy import: pyspark is an optional extra
            from pyspark.sql import SparkSession
        except ImportError:
            raise OrgGraphError(
                'the Spark engine needs pyspark: pip install "orggraph[spark]" (and a Java runtime)'
            ) from None
        builder = (
            SparkSession.builder.master(master or "local[*]")
            .appName("orggraph-ingest")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", "8")
        )
        for k, v in (conf or {}).items():
            builder = builder.config(k, v)
        self.spark = builder.getOrCreate()
        self.spark.sparkContext.setLogLevel("ERROR")
        self._cached: list[str] = []

    @staticmethod
    def quote(column: str) -> str:
        return "`" + str(column).replace("`", "``") + "`"

    @staticmethod
    def explode(expr: str) -> str:
        return f"explode(split({expr}, ';'))"

    def load_events(self, files, fmt):
        reader = self.spark.read
        df = reader.parquet(*files) if fmt == "parquet" else reader.csv(files, header=True)
        df.createOrReplaceTempView("events_raw")

    def columns(self) -> list[str]:
        return list(self.spark.table("events_raw").columns)

    def frame(self, name: str, df: pd.DataFrame, schema: str):
        rows = [tuple(None if _missing(v) else v for v in r) for r in df.itertuples(index=False)]
        self.spark.createDataFrame(rows, schema=schema).createOrReplaceTempView(name)

    def materialize(self, name: str, sql: str):
        df = self.spark.sql(sql).cache()
        df.createOrReplaceTempView(name)
        self._cached.append(name)

    def query(self, sql: str) -> pd.DataFrame:
        df = self.spark.sql(sql)
        return pd.DataFrame([r.asDict() for r in df.collect()], columns=df.columns)

    def close(self):
        for name in self._cached:
            self.spark.catalog.dropTempView(name)
        self._cached.clear()


def _missing(v) -> bool:
    return v is None or (isinstance(v, float) and v != v)


def make_engine(name="duckdb", *, master=None, memory_limit=None, threads=None):
    """An engine by name: ``duckdb`` or ``spark``."""
    if name == "duckdb":
        if master:
            raise OrgGraphError("--master is for the Spark engine (--engine spark)")
        return DuckDBEngine(memory_limit=memory_limit, threads=threads)
    if name == "spark":
        return SparkEngine(master)
    raise OrgGraphError(f"unknown engine {name!r}: expected duckdb or spark")


# --------------------------------------------------------------------- HRIS
def read_hris(path, *, department_column=None, encoding=None):
    """Read an HRIS table (CSV, .csv.gz or .xlsx) into standard columns.

    Columns are found by name (:data:`HRIS_COLUMNS`): ``id`` (required),
    ``name``, ``manager``, ``department``, ``role`` (title), ``location``,
    ``level``, ``start`` and ``end`` (employment dates, ``end`` inclusive).
    Others are kept as they are.

    Returns
    -------
    people : DataFrame
        Text columns; ``start``/``end`` as ``YYYY-MM-DD`` or empty.
    notes : list of str
        What was changed, each a sentence for the ingest report (a manager
        that is no known person, a reporting line that loops, a date that
        cannot be read).

    Raises
    ------
    OrgGraphError
        Without an id column, or with the same id twice.
    """
    path = Path(path)
    if not path.is_file():
        raise OrgGraphError(f"no HRIS file at {path}")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        raw = pd.read_excel(path, dtype=str).fillna("")
    else:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding or "utf-8-sig")
    raw.columns = [str(c).strip() for c in raw.columns]
    cols = find_columns(
        list(raw.columns), HRIS_COLUMNS, required=("id",), given={"department": department_column}
    )
    out = pd.DataFrame({"id": raw[cols["id"]].str.strip()})
    for role in HRIS_COLUMNS:
        if role != "id":
            out[role] = raw[cols[role]].str.strip() if role in cols else ""
    used = set(cols.values())
    for c in raw.columns:
        if c not in used and c not in out:
            out[c] = raw[c]
    notes: list[str] = []
    blank = out["id"] == ""
    if blank.any():
        notes.append(f"{int(blank.sum())} HRIS rows without an id were left out")
        out = out[~blank]
    dup = out["id"][out["id"].duplicated()]
    if len(dup):
        raise OrgGraphError(
            f"the HRIS table {path.name} has {len(dup)} repeated ids, e.g. "
            + ", ".join(map(repr, dup.unique()[:5]))
        )
    for role in ("start", "end"):
        text = out[role]
        parsed = pd.to_datetime(text.where(text != ""), errors="coerce", format="mixed")
        bad = (text != "") & parsed.isna()
        if bad.any():
            notes.append(
                f"{int(bad.sum())} HRIS {role} dates could not be read and count as open, "
                f"e.g. {text[bad].iloc[0]!r}"
            )
        out[role] = parsed.dt.strftime("%Y-%m-%d").fillna("")
    notes += _fix_managers(out)
    return out.reset_index(drop=True), notes


def _fix_managers(people: pd.DataFrame) -> list[str]:
    notes = []
    ids = set(people["id"])
    m = people["manager"]
    unknown = (m != "") & ~m.isin(ids)
    own = m == people["id"]
    if unknown.any():
        notes.append(
            f"{int(unknown.sum())} managers are not in the HRIS table and were cleared, e.g. "
            f"{m[unknown].iloc[0]!r}"
        )
    if own.any():
        notes.append(f"{int(own.sum())} people listed as their own manager: cleared")
    people.loc[unknown | own, "manager"] = ""
    manager = dict(zip(people["id"], people["manager"], strict=True))
    cut = []
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    for start in manager:
        path = []
        node = start
        while node and state.get(node, 0) == 0:
            state[node] = 1
            path.append(node)
            node = manager.get(node, "")
        if node and state.get(node) == 1:  # the walk came back to its own path: a loop
            cut.append(node)
            manager[node] = ""
        for n in path:
            state[n] = 2
    if cut:
        people.loc[people["id"].isin(cut), "manager"] = ""
        notes.append(
            f"{len(cut)} reporting lines formed a loop; the manager of "
            + ", ".join(map(repr, cut[:5]))
            + " was cleared to break it"
        )
    return notes


# -------------------------------------------------------------- aggregation
@dataclass
class Aggregated:
    """What :func:`aggregate` returns: every row of the log accounted for.

    Attributes
    ----------
    pairs : DataFrame
        One row per period, provider (sender), customer (recipient) and
        kind: ``events``, ``reverse_events`` (the other direction, same
        period and kind), ``minutes`` (summed duration, NaN without one),
        ``rank_below`` (pairs of the same period and kind with fewer events),
        ``pairs`` (how many pairs of that period and kind), sorted.
    excluded : DataFrame
        ``reason``, ``period`` (NaN for broken clocks and events outside the
        window), ``kind``, ``events`` (rows) and, for mass mails, ``messages``.
    unknown : DataFrame
        ``id`` and ``events``: people the log names that the HRIS lacks.
    periods : DataFrame
        ``period`` key, ``label``, ``start``, ``end`` (the part inside the
        window) and ``months`` (calendar months covered, fractions for
        partial months).
    rows : int
        Rows read (after splitting recipient lists).
    window : tuple of str
        The study window ``[start, end)`` used.
    first, last : str
        The earliest and latest valid event time.
    engine : str
    """

    pairs: pd.DataFrame
    excluded: pd.DataFrame
    unknown: pd.DataFrame
    periods: pd.DataFrame
    rows: int
    window: tuple
    first: str | None
    last: str | None
    engine: str
    columns: dict = field(default_factory=dict)


def _month_start(ts: pd.Timestamp) -> pd.Timestamp:
    return pd.Timestamp(year=ts.year, month=ts.month, day=1)


def _next_month(ts: pd.Timestamp) -> pd.Timestamp:
    return _month_start(ts) + pd.offsets.MonthBegin(1)


def months_between(start, end) -> float:
    """Calendar months in ``[start, end)``: whole months count 1, a partial one its share of days.

    Examples
    --------
    >>> months_between("2001-10-01", "2002-01-01")
    3.0
    >>> months_between("2001-02-01", "2001-02-15")
    0.5
    """
    a, b = pd.Timestamp(start), pd.Timestamp(end)
    total = 0.0
    m = _month_start(a)
    while m < b:
        nxt = _next_month(m)
        lo, hi = max(a, m), min(b, nxt)
        if hi > lo:
            total += (hi - lo) / (nxt - m)
        m = nxt
    return total


def _period_bounds(key: int, period) -> tuple[pd.Timestamp, pd.Timestamp, str]:
    if period == "month":
        y, m = divmod(int(key), 12)
        s = pd.Timestamp(year=y, month=m + 1, day=1)
        return s, s + pd.offsets.MonthBegin(1), f"{y:04d}-{m + 1:02d}"
    if period == "quarter":
        y, q = divmod(int(key), 4)
        s = pd.Timestamp(year=y, month=3 * q + 1, day=1)
        return s, s + pd.offsets.MonthBegin(3), f"{y:04d}-Q{q + 1}"
    return pd.Timestamp.min, pd.Timestamp.max, "all"


def _ts_literal(ts) -> str:
    return "TIMESTAMP " + _sql_string(pd.Timestamp(ts).strftime("%Y-%m-%d %H:%M:%S"))


def _stage_sql(q, cols, *, explode, period, window, latest, max_recipients, kind):
    """SQL of the aggregation: each row's period and reason, summed per pair.

    Two scans of the log: the first finds the mass messages (a GROUP BY whose result is
    tiny), the second sums every row by reason and pair, with the mass messages joined in
    (a window function over the whole log did the same at twice the cost).
    """
    string = "CAST({} AS STRING)"
    if "recipients" in cols:
        rcol = explode(string.format(q(cols["recipients"])))
    else:
        rcol = string.format(q(cols["recipient"]))
    kind_expr = (
        f"COALESCE(NULLIF(TRIM({string.format(q(cols['kind']))}), ''), {_sql_string(kind)})"
        if "kind" in cols
        else _sql_string(kind)
    )
    dur = (
        f"TRY_CAST({q(cols['duration'])} AS DOUBLE)"
        if "duration" in cols
        else "CAST(NULL AS DOUBLE)"
    )
    if "message" in cols:
        msg = f", {string.format(q(cols['message']))} AS msg"
        mkey, join = "msg", "a.msg = m.msg"
    else:
        msg = ""
        mkey, join = "s, ts, kind", "a.s = m.s AND a.ts = m.ts AND a.kind = m.kind"
    key = {
        "month": "year(ts) * 12 + month(ts) - 1",
        "quarter": "year(ts) * 4 + quarter(ts) - 1",
        None: "0",
    }[period]
    outside = ""
    if window[0] is not None:
        outside = (
            f"WHEN ts < {_ts_literal(window[0])} OR ts >= {_ts_literal(window[1])} "
            "THEN 'outside_window' "
        )
    base = f"""
  SELECT TRY_CAST({q(cols["time"])} AS TIMESTAMP) AS ts,
         {string.format(q(cols["sender"]))} AS s,
         {rcol} AS r,
         {kind_expr} AS kind,
         {dur} AS dur{msg}
  FROM events_raw"""
    if "recipients" in cols:  # a generator cannot sit inside TRIM in Spark: trim outside
        rest = "ts, s, kind, dur" + (", msg" if msg else "")
        base = f"SELECT {rest}, TRIM(r) AS r FROM ({base}) exploded"
    return f"""
WITH base AS ({base}
),
mass AS (
  SELECT {mkey}, COUNT(*) AS n FROM base GROUP BY {mkey} HAVING COUNT(*) > {int(max_recipients)}
),
reasoned AS (
  SELECT a.ts, a.s, a.r, a.kind, a.dur, m.n,
         CASE WHEN a.ts IS NULL OR a.ts < {_ts_literal(EARLIEST)} OR a.ts > {_ts_literal(latest)}
              THEN 'broken_clock'
              {outside.replace("ts ", "a.ts ")}WHEN m.n IS NOT NULL THEN 'mass'
              WHEN a.s = a.r THEN 'self'
              ELSE 'pair' END AS reason
  FROM base a LEFT JOIN mass m ON {join}
)
SELECT reason,
       CASE WHEN reason IN ('broken_clock', 'outside_window') THEN NULL ELSE {key} END
         AS period,
       CASE WHEN reason = 'pair' THEN s END AS s,
       CASE WHEN reason = 'pair' THEN r END AS r,
       kind,
       COUNT(*) AS events,
       SUM(dur) AS minutes,
       SUM(CASE WHEN reason = 'mass' THEN CAST(1 AS DOUBLE) / n END) AS messages,
       MIN(CASE WHEN reason NOT IN ('broken_clock', 'outside_window') THEN ts END) AS first_ts,
       MAX(CASE WHEN reason NOT IN ('broken_clock', 'outside_window') THEN ts END) AS last_ts
FROM reasoned
GROUP BY 1, 2, 3, 4, 5
"""


_JUDGE_SQL = """
SELECT a.period, ps.ix AS si, pr.ix AS ri, k.kx, a.events, a.minutes,
       CASE WHEN ps.id IS NULL OR pr.id IS NULL THEN 'unknown_person'
            WHEN (ps.start_date IS NOT NULL AND ps.start_date >= p.pend)
              OR (ps.end_date IS NOT NULL AND ps.end_date < p.pstart)
              OR (pr.start_date IS NOT NULL AND pr.start_date >= p.pend)
              OR (pr.end_date IS NOT NULL AND pr.end_date < p.pstart)
            THEN 'not_employed'
            ELSE 'kept' END AS reason,
       CASE WHEN ps.id IS NULL THEN a.s WHEN pr.id IS NULL THEN a.r END AS unknown_id
FROM stage a
JOIN periods p ON a.period = p.period
JOIN kinds k ON a.kind = k.kind
LEFT JOIN people ps ON a.s = ps.id
LEFT JOIN people pr ON a.r = pr.id
WHERE a.reason = 'pair'
"""

# People and kinds travel as integer codes (ix: the rank of the id in sorted order), so the
# pair table that comes back to Python holds numbers only: 12 million pairs fit in ~0.6 GB.
_PAIRS_SQL = """
WITH kept AS (
  SELECT period, si, ri, kx, events, minutes FROM judged WHERE reason = 'kept'
),
both_ways AS (
  SELECT a.period, a.si, a.ri, a.kx, a.events, a.minutes,
         COALESCE(b.events, 0) AS reverse_events
  FROM kept a
  LEFT JOIN kept b ON a.period = b.period AND a.kx = b.kx AND a.si = b.ri AND a.ri = b.si
)
SELECT period, si, ri, kx, events, reverse_events, minutes,
       RANK() OVER (PARTITION BY period, kx ORDER BY events) - 1 AS rank_below,
       COUNT(*) OVER (PARTITION BY period, kx) AS pairs
FROM both_ways
ORDER BY period, si, ri, kx
"""


def aggregate(
    events,
    people: pd.DataFrame,
    *,
    engine="duckdb",
    master=None,
    period=None,
    start=None,
    end=None,
    max_recipients=50,
    kind="message",
    columns=None,
    memory_limit=None,
    threads=None,
    now=None,
) -> Aggregated:
    """Aggregate a collaboration log into directed pairs per period, with SQL.

    Parameters
    ----------
    events : path
        A CSV (optionally gzipped) or Parquet file, a folder of them or a glob.
        One row per event and recipient, or a ``recipients``/``attendees``
        column holding a ``;``-separated list.
    people : DataFrame
        :func:`read_hris`'s table (``id``, ``start``, ``end`` are used here).
    engine : {"duckdb", "spark"} or an engine object
    master : str, optional
        Spark master URL (default ``local[*]``).
    period : {None, "month", "quarter"}
        One organization for the whole window, or one per calendar period.
    start, end : date, optional
        The study window ``[start, end)``. Default: from the first day of the
        month of the first valid event to the first day of the month after
        the last.
    max_recipients : int
        Messages with more recipients are ``mass`` and left out.
    kind : str
        The kind of every event when the log has no kind column.
    columns : dict, optional
        Role -> header, overriding :data:`EVENT_COLUMNS`' guesses.
    memory_limit, threads
        DuckDB settings (see :class:`DuckDBEngine`).
    now : timestamp, optional
        Times after this are a broken clock (default: the moment of the run).

    Returns
    -------
    Aggregated
    """
    if period not in (None, *PERIODS):
        raise OrgGraphError(f"unknown period {period!r}: expected month or quarter")
    if (start is None) != (end is None):
        raise OrgGraphError("give both --start and --end, or neither")
    if start is not None and pd.Timestamp(start) >= pd.Timestamp(end):
        raise OrgGraphError(f"the window is empty: start {start} is not before end {end}")
    if int(max_recipients) < 1:
        raise OrgGraphError("--max-recipients must be at least 1")
    files, fmt = event_files(events)
    eng = (
        make_engine(engine, master=master, memory_limit=memory_limit, threads=threads)
        if isinstance(engine, str)
        else engine
    )
    own = isinstance(engine, str)
    try:
        eng.load_events(files, fmt)
        headers = eng.columns()
        cols = find_columns(
            headers, EVENT_COLUMNS, required=("time", "sender"), given=columns or {}
        )
        if "recipient" not in cols and "recipients" not in cols:
            raise OrgGraphError(
                "cannot tell which column is the recipient (accepted: "
                + ", ".join(EVENT_COLUMNS["recipient"] + EVENT_COLUMNS["recipients"])
                + "); columns are: "
                + ", ".join(headers)
            )
        if "recipient" in cols and "recipients" in cols:
            del cols["recipients"]
        latest = pd.Timestamp(now) if now is not None else pd.Timestamp.now().floor("s")
        window = (pd.Timestamp(start), pd.Timestamp(end)) if start is not None else (None, None)
        eng.materialize(
            "stage",
            _stage_sql(
                eng.quote,
                cols,
                explode=eng.explode,
                period=period,
                window=window,
                latest=latest,
                max_recipients=max_recipients,
                kind=kind,
            ),
        )
        summary = eng.query(
            "SELECT reason, period, kind, SUM(events) AS events, SUM(messages) AS messages, "
            "MIN(first_ts) AS first_ts, MAX(last_ts) AS last_ts "
            "FROM stage GROUP BY reason, period, kind"
        )
        rows = int(summary["events"].sum()) if len(summary) else 0
        first = pd.to_datetime(summary["first_ts"]).min() if len(summary) else pd.NaT
        last = pd.to_datetime(summary["last_ts"]).max() if len(summary) else pd.NaT
        if window[0] is None:
            window = (_month_start(first), _next_month(last)) if pd.notna(first) else (None, None)
        keys = sorted(
            int(k) for k in summary.loc[summary["reason"] == "pair", "period"].dropna().unique()
        )
        periods = []
        for k in keys:
            ps, pe, label = _period_bounds(k, period)
            lo, hi = max(ps, window[0]), min(pe, window[1])
            periods.append(
                {
                    "period": k,
                    "label": label,
                    "pstart": lo.strftime("%Y-%m-%d"),
                    "pend": hi.strftime("%Y-%m-%d"),
                    "months": months_between(lo, hi),
                }
            )
        periods = pd.DataFrame(periods, columns=["period", "label", "pstart", "pend", "months"])
        eng.frame(
            "periods",
            periods[["period", "pstart", "pend"]].astype({"period": "int64"}),
            "period long, pstart string, pend string",
        )
        ids = np.array(sorted(people["id"].astype(str)), dtype=object)
        kinds = np.array(
            sorted(summary.loc[summary["reason"] == "pair", "kind"].dropna().unique()),
            dtype=object,
        )
        eng.frame(
            "kinds",
            pd.DataFrame({"kind": kinds, "kx": np.arange(len(kinds), dtype=np.int64)}),
            "kind string, kx long",
        )
        rank = {v: i for i, v in enumerate(ids)}
        who = pd.DataFrame(
            {
                "ix": people["id"].astype(str).map(rank).astype("int64"),
                "id": people["id"].astype(str),
                "start_date": people.get("start", pd.Series("", index=people.index))
                .astype(str)
                .replace("", None),
                "end_date": people.get("end", pd.Series("", index=people.index))
                .astype(str)
                .replace("", None),
            }
        ).astype(object)
        eng.frame("people", who, "ix long, id string, start_date string, end_date string")
        eng.materialize("judged", _JUDGE_SQL)
        judged = eng.query(
            "SELECT reason, period, kx, SUM(events) AS events, COUNT(*) AS pairs "
            "FROM judged WHERE reason <> 'kept' GROUP BY reason, period, kx"
        )
        judged["kind"] = kinds[judged["kx"].astype("int64").to_numpy()] if len(judged) else ""
        unknown = eng.query(
            "SELECT unknown_id AS id, SUM(events) AS events FROM judged "
            "WHERE reason = 'unknown_person' GROUP BY unknown_id ORDER BY events DESC, id"
        )
        codes = eng.query(_PAIRS_SQL)
    finally:
        if own:
            eng.close()

    excluded = summary[summary["reason"] != "pair"][
        ["reason", "period", "kind", "events", "messages"]
    ]
    judged = judged.assign(messages=np.nan)[["reason", "period", "kind", "events", "messages"]]
    excluded = pd.concat([excluded, judged], ignore_index=True)
    excluded["events"] = excluded["events"].astype("int64")
    excluded["messages"] = excluded["messages"].round()
    order = {r: i for i, r in enumerate(REASONS)}
    excluded = excluded.sort_values(
        ["reason", "period", "kind"], key=lambda s: s.map(order) if s.name == "reason" else s
    ).reset_index(drop=True)
    pairs = pd.DataFrame(
        {
            "period": codes["period"].astype("int64").to_numpy(),
            "provider": ids[codes["si"].astype("int64").to_numpy()],
            "customer": ids[codes["ri"].astype("int64").to_numpy()],
            "kind": kinds[codes["kx"].astype("int64").to_numpy()],
        }
    )
    for c in ("events", "reverse_events", "rank_below", "pairs"):
        pairs[c] = codes[c].astype("int64").to_numpy()
    pairs["minutes"] = codes["minutes"].astype(float).to_numpy()
    pairs = pairs[
        ["period", "provider", "customer", "kind", "events", "reverse_events", "minutes"]
        + ["rank_below", "pairs"]
    ]
    del codes
    unknown["events"] = unknown["events"].astype("int64")
    return Aggregated(
        pairs=pairs.reset_index(drop=True),
        excluded=excluded,
        unknown=unknown,
        periods=periods.rename(columns={"pstart": "start", "pend": "end"}),
        rows=rows,
        window=tuple(None if w is None else w.strftime("%Y-%m-%d %H:%M:%S") for w in window),
        first=None if pd.isna(first) else str(first),
        last=None if pd.isna(last) else str(last),
        engine=eng.name,
        columns=cols,
    )


# ------------------------------------------------------------------ writing
def _write_csv(df: pd.DataFrame, path: Path):
    neutralise_table(df.astype(object).where(df.notna(), "")).to_csv(
        path, index=False, encoding="utf-8", quoting=csv.QUOTE_ALL
    )


def write_folder(folder, units: pd.DataFrame, handoffs: pd.DataFrame) -> Path:
    """Write ``units.csv``, ``handoffs.csv`` and an empty ``deliveries.csv`` to ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    _write_csv(units, folder / "units.csv")
    _write_csv(handoffs, folder / "handoffs.csv")
    _write_csv(
        pd.DataFrame(columns=["provider", "customer", "deliverable", "requested", "delivered"]),
        folder / "deliveries.csv",
    )
    return folder


def write_report(path, report: dict) -> Path:
    """Write the ingest report as JSON."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)

    def default(v):
        if isinstance(v, np.integer):
            return int(v)
        if isinstance(v, np.floating):
            return None if not np.isfinite(v) else float(v)
        if isinstance(v, dt.datetime | pd.Timestamp):
            return str(v)
        raise TypeError(type(v))

    path.write_text(json.dumps(report, indent=1, default=default) + "\n", encoding="utf-8")
    return path


def read_key(path, *, create=False) -> tuple[bytes, bool]:
    """The pseudonymization key in ``path``; with ``create``, a new random one if none exists.

    Returns ``(key, created)``. A created key file is readable by its owner only.
    """
    path = Path(path)
    if path.is_file():
        return path.read_bytes().strip(), False
    if not create:
        raise OrgGraphError(f"no key file at {path}")
    key = new_key()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_bytes(key + b"\n")
    return key, True

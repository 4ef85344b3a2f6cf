"""Check raw tables and turn them into typed, trustworthy tables.

:func:`validate` finds every problem in one pass and locates each one by
file (or sheet), spreadsheet row and column. It never stops at the first
problem and never returns half-checked tables: either the caller gets clean
tables, or a :class:`~orggraph.exceptions.ValidationError` listing everything
to fix. Checks are vectorized with pandas so that a 100,000-person
organization validates in seconds.
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata

import numpy as np
import pandas as pd

from .exceptions import (
    ERROR,
    MORE_PROBLEMS,
    WARNING,
    Problem,
    ValidationError,
    cap_problems,
    split_problems,
)
from .raw import RawTable
from .schema import (
    ALLOWED_PARENT_KINDS,
    DATE_RANGE,
    DEFAULT_LIMITS,
    FREQUENCY_PER_MONTH,
    INPUT_TABLES,
    KINDS,
    MAX_SLA_DAYS,
    RATING_COLUMNS,
    RATING_RANGE,
    REQUIRED_TABLES,
    RatingScale,
    closeness_distance,
    frequency_per_month,
    handoff_weight,
    rating_scales,
    suggest_column,
)

__all__ = ["validate", "check"]

#: The numeric columns of handoffs and the range each must lie in; a range
#: whose low end is exclusive is marked with a third item, False.
_NUMERIC = {
    "closeness": RATING_RANGE,
    "importance": RATING_RANGE,
    "satisfaction": RATING_RANGE,
    "sla_days": (0.0, MAX_SLA_DAYS, False),
    "provider_closeness": RATING_RANGE,
    "customer_closeness": RATING_RANGE,
}

#: Characters that reorder or hide text: bidi embeddings, overrides and
#: isolates (U+202A-U+202E, U+2066-U+2069) make "gpj.exe" read as "exe.jpg".
_BIDI = "\u202a-\u202e\u2066-\u2069"
#: Other invisible format characters: soft hyphen, Arabic letter mark,
#: Mongolian vowel separator, zero-width space, left-to-right and
#: right-to-left marks, word joiner and invisible operators, deprecated
#: format characters, byte-order mark, interlinear annotation marks.
#: Zero-width (non-)joiners, U+200C and U+200D, are left out: Persian names
#: and emoji sequences need them (they are still refused in ids).
_INVISIBLE = "\u00ad\u061c\u180e\u200b\u200e\u200f\u2060-\u2064\u206a-\u206f\ufeff\ufff9-\ufffb"
_BIDI_RE = re.compile(f"[{_BIDI}]")
_HIDDEN_RE = re.compile(f"[{_BIDI}{_INVISIBLE}]")
_ID_HIDDEN_RE = re.compile(f"[{_BIDI}{_INVISIBLE}\u200c\u200d]")


class _Budget:
    """How many errors and warnings may still be listed; counts the rest."""

    def __init__(self, limit: int):
        self.limit = limit
        self.kept = {ERROR: 0, WARNING: 0}
        self.more = {ERROR: 0, WARNING: 0}

    def take(self, severity: str, n: int) -> int:
        room = max(0, self.limit - self.kept.get(severity, 0))
        k = min(n, room)
        self.kept[severity] = self.kept.get(severity, 0) + k
        self.more[severity] = self.more.get(severity, 0) + n - k
        return k


class _Collector:
    """Accumulates problems for one table, located by the user's row numbers.

    Past the budget's limit problems are only counted: a million bad rows
    make a thousand records and one "... and 999,000 more".
    """

    def __init__(self, raw: RawTable, budget: _Budget | None = None):
        self.raw = raw
        self.budget = budget or _Budget(DEFAULT_LIMITS.max_problems)
        self.items: list[Problem] = []

    def add(self, severity, code, message, idx=None, column="", value=""):
        if not self.budget.take(severity, 1):
            return
        row = None if idx is None else int(self.raw.rows[idx])
        self.items.append(
            Problem(
                severity,
                code,
                message,
                self.raw.source,
                self.raw.name,
                row,
                column,
                "" if value is None else str(value),
            )
        )

    def rows(self, severity, code, mask, column, message):
        """One problem per row where ``mask`` is true; ``message`` may be a callable of value."""
        idx = np.flatnonzero(np.asarray(mask, dtype=bool))
        if not len(idx):
            return
        idx = idx[: self.budget.take(severity, len(idx))]
        values = self.raw.frame[column].to_numpy() if column in self.raw.frame else None
        for i in idx:
            v = values[i] if values is not None else ""
            msg = message(v) if callable(message) else message
            self.items.append(
                Problem(
                    severity,
                    code,
                    msg,
                    self.raw.source,
                    self.raw.name,
                    int(self.raw.rows[i]),
                    column,
                    "" if v is None else str(v),
                )
            )


def _check_columns(raw: RawTable, col: _Collector) -> bool:
    headers = list(raw.frame.columns)
    ok = True
    for name, required, _ in INPUT_TABLES[raw.name]:
        if name in headers:
            continue
        near = suggest_column(
            name,
            [h for h in headers if h not in dict.fromkeys(n for n, _, _ in INPUT_TABLES[raw.name])],
        )
        if not required and near is None:
            continue
        where = f" (column {raw.letters[near]})" if near in raw.letters else ""
        hint = f'; found "{near}"{where}: rename it to "{name}"' if near is not None else ""
        if required:
            col.add(ERROR, "missing_column", f'missing required column "{name}"{hint}', column=name)
            ok = False
        else:
            col.add(
                WARNING,
                "misnamed_column",
                f'optional column "{name}" not found{hint}; "{near}" is kept as an extra attribute',
                column=name,
            )
    for h in headers:
        if h.startswith("(unnamed column"):
            vals = raw.frame[h]
            if (vals.astype(str) != "").any():
                col.add(ERROR, "unnamed_column", f"{h} holds values but has no header", column=h)
    if ok and len(raw.frame) == 0 and raw.name in REQUIRED_TABLES:
        col.add(ERROR, "empty_table", "the table has a header but no rows")
        ok = False
    return ok


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame:
        return pd.Series([""] * len(frame), index=frame.index, dtype=object)
    return frame[column].map(lambda v: v if isinstance(v, str) else str(v)).astype(object)


def _numbers(col: _Collector, frame, column, lo, hi, inclusive=True, scale=None):
    """Parse an optional numeric column; report non-numbers and out-of-range values.

    Only finite numbers in range pass: "inf", "nan" and 1e308 are refused
    here, so nothing infinite reaches a weight or a simulation. With a
    declared rating ``scale`` the range is the scale's, and the values that
    pass are mapped onto 1-5 (:meth:`~orggraph.schema.RatingScale.to_five`).
    """
    text = _text(frame, column)
    num = pd.to_numeric(text.where(text != "", None), errors="coerce").astype(float)
    bad = (text != "") & num.isna()
    if inclusive:
        rng = f"from {lo:g} to {hi:g}"
        out = (num < lo) | (num > hi)
    else:
        rng = f"greater than {lo:g} and at most {hi:,g}"
        out = (num <= lo) | (num > hi)
    out = num.notna() & out
    if scale is not None:
        rng += f" (the declared rating scale {scale})"
    col.rows(ERROR, "not_a_number", bad, column, f"expected a number {rng}")
    col.rows(ERROR, "out_of_range", out, column, f"out of range: expected a number {rng}")
    num = num.where(~out)
    return num if scale is None else pd.Series(scale.to_five(num), index=num.index)


class _Suggester:
    """Suggests the id a person probably meant; built once per table."""

    #: Values longer than this get no fuzzy suggestion (difflib is quadratic).
    MAX_FUZZY = 200

    def __init__(self, ids: set, names: dict):
        self.ids, self.names = ids, names
        self.low = {i.lower(): i for i in ids}
        self.fuzzy = list(ids) if len(ids) <= 20000 else None

    def __call__(self, value: str) -> str:
        if value in self.names:
            return f' (that is the name of unit "{_short(self.names[value])}"; use its id)'
        if value.lower() in self.low:
            return f' (did you mean "{_short(self.low[value.lower()])}"?)'
        if self.fuzzy is not None and len(value) <= self.MAX_FUZZY:
            close = difflib.get_close_matches(value, self.fuzzy, n=1, cutoff=0.8)
            if close:
                return f' (did you mean "{_short(close[0])}"?)'
        return ""


def _short(text, n: int = 60) -> str:
    text = str(text)
    return text if len(text) <= n else f"{text[:n]}... ({len(text):,} characters)"


def _chain(cycle: list[str]) -> str:
    shown = [_short(c, 40) for c in cycle[:10]]
    if len(cycle) > 10:
        return " -> ".join(shown) + f" -> ... ({len(cycle):,} units) -> {shown[0]}"
    return " -> ".join(shown + [shown[0]])


def _find_cycles(parent: dict) -> list[list[str]]:
    """Cycles in a graph where every node has at most one parent."""
    state: dict[str, int] = {}  # 1 = on the current walk, 2 = done
    cycles = []
    for start in parent:
        if state.get(start):
            continue
        walk, node = [], start
        while node is not None and node in parent and not state.get(node):
            state[node] = 1
            walk.append(node)
            node = parent[node]
        if node is not None and state.get(node) == 1:
            cycles.append(walk[walk.index(node) :])
        for n in walk:
            state[n] = 2
    return cycles


def _hidden_characters(col: _Collector, frame, id_columns, text_columns):
    """Flag invisible characters, each at its row and column.

    In an id any of them is an error (ids must read exactly as typed); in
    names and other text a bidi control is an error (it makes text read
    differently from what it says) and another invisible character a warning.
    """
    for column in [*id_columns, *text_columns]:
        if column not in frame:
            continue
        is_id = column in id_columns
        pattern = _ID_HIDDEN_RE if is_id else _HIDDEN_RE
        try:
            whole = "\n".join(frame[column])
        except TypeError:  # not all text (an Excel date cell in a name column)
            whole = "\n".join(_text(frame, column))
        if not pattern.search(whole):
            continue  # one pass over the whole column; rows are looked at only on a hit
        text = _text(frame, column)
        hit = text.str.contains(pattern).fillna(False).astype(bool)
        severe = hit if is_id else hit & text.str.contains(_BIDI_RE).fillna(False).astype(bool)

        def message(v, pattern=pattern, is_id=is_id, severe=True):
            v = str(v)
            ch = (_BIDI_RE.search(v) or pattern.search(v)).group()
            name = unicodedata.name(ch, "a format character")
            why = (
                "ids must read exactly as they are typed"
                if is_id
                else "it makes text read differently from what it says"
                if severe
                else "it cannot be seen"
            )
            return (
                f"contains the invisible character U+{ord(ch):04X} ({name}) at position "
                f"{v.index(ch) + 1}: remove it ({why})"
            )

        col.rows(ERROR, "invisible_character", severe, column, message)
        col.rows(
            WARNING,
            "invisible_character",
            hit & ~severe,
            column,
            functools.partial(message, severe=False),
        )


def _look_alikes(col: _Collector, ids: pd.Series, first_row: dict):
    """Warn about ids that differ only in case, width or compatibility forms ("Ann", "ＡＮＮ")."""
    distinct = ids[(ids != "") & ~ids.duplicated()]
    folded = distinct.str.normalize("NFKC").str.casefold()
    clash = folded.duplicated(keep=False)
    if not clash.any():
        return
    first: dict[str, str] = {}
    for i, k in zip(distinct[clash], folded[clash], strict=False):
        first.setdefault(k, i)
    mask = pd.Series(False, index=ids.index)
    later = clash & folded.duplicated(keep="first")
    mask[later[later].index] = True
    key = dict(zip(distinct, folded, strict=False))
    col.rows(
        WARNING,
        "look_alike_id",
        mask,
        "id",
        lambda v: (
            f'looks like id "{_short(first[key[v]])}" (row {first_row[first[key[v]]]}): '
            "they differ only in case, width or compatibility characters"
        ),
    )


# ------------------------------------------------------------------------ units
def _units(raw: RawTable, col: _Collector):
    f = raw.frame
    ids = _text(f, "id")
    col.rows(ERROR, "missing_value", ids == "", "id", "every unit needs an id")
    dup = ids.duplicated(keep="first") & (ids != "")
    first_row: dict[str, int] = {}
    for i, r in zip(ids, raw.rows, strict=False):
        first_row.setdefault(i, int(r))
    col.rows(
        ERROR,
        "duplicate_id",
        dup,
        "id",
        lambda v: f"duplicate id: already used on row {first_row[v]}",
    )

    kinds = _text(f, "kind").str.strip().str.lower()
    unknown = ~kinds.isin(KINDS)

    def kind_msg(v):
        close = difflib.get_close_matches(str(v).strip().lower(), KINDS, n=1, cutoff=0.6)
        hint = f' (did you mean "{close[0]}"?)' if close else ""
        return "unknown kind: expected one of " + ", ".join(KINDS) + hint

    col.rows(ERROR, "unknown_kind", unknown, "kind", kind_msg)

    names = _text(f, "name")
    col.rows(WARNING, "missing_name", names == "", "name", "no name given; the id is shown instead")
    names = names.where(names != "", ids)

    valid = set(ids[ids != ""])
    kind_of = dict(zip(ids, kinds, strict=False))
    by_name = {n: i for n, i in zip(names, ids, strict=False) if n != i}
    suggest = _Suggester(valid, by_name)
    _hidden_characters(col, f, ["id"], ["name", "role", "location"])
    _look_alikes(col, ids, first_row)

    parents = _text(f, "parent")
    unknown_parent = (parents != "") & ~parents.isin(valid)
    col.rows(
        ERROR,
        "unknown_id",
        unknown_parent,
        "parent",
        lambda v: "no unit has this id" + suggest(v),
    )
    parent_kind = parents.map(kind_of)
    for kind, allowed in ALLOWED_PARENT_KINDS.items():
        is_kind = (kinds == kind).to_numpy()
        known = (parents != "") & ~unknown_parent
        bad = is_kind & known & ~parent_kind.isin(allowed)
        if kind == "external":
            msg = "the external customer stands outside the organization: leave parent empty"
        else:

            def msg(v, kind=kind, allowed=allowed):
                return (
                    f"a {kind} cannot belong to a "
                    f"{kind_of.get(v)} ({_short(v)}); expected a " + " or ".join(allowed)
                )

        col.rows(ERROR, "bad_parent", bad, "parent", msg)
    for kind in ("person", "team"):
        missing = (kinds == kind) & (parents == "")
        col.rows(
            ERROR,
            "missing_value",
            missing,
            "parent",
            f"a {kind} must belong to a "
            + ("team or department" if kind == "person" else "department"),
        )
    parent_map = {i: (p or None) for i, p in zip(ids, parents, strict=False) if i}
    row_of = {i: k for k, i in enumerate(ids)}
    for cycle in _find_cycles(parent_map):
        k = min(row_of[c] for c in cycle)
        col.add(
            ERROR,
            "cycle",
            "the parent chain loops: " + _chain(cycle),
            k,
            "parent",
            ids.iloc[k],
        )

    managers = _text(f, "manager")
    unknown_mgr = (managers != "") & ~managers.isin(valid)
    col.rows(
        ERROR,
        "unknown_id",
        unknown_mgr,
        "manager",
        lambda v: "no unit has this id" + suggest(v),
    )
    not_person = (managers != "") & ~unknown_mgr & (managers.map(kind_of) != "person")
    col.rows(
        ERROR,
        "bad_manager",
        not_person,
        "manager",
        lambda v: f"a manager must be a person; {_short(v)} is a {kind_of.get(v)}",
    )
    mgr_map = {i: (m or None) for i, m in zip(ids, managers, strict=False) if i}
    for cycle in _find_cycles(mgr_map):
        k = min(row_of[c] for c in cycle)
        col.add(
            ERROR,
            "cycle",
            "the reporting line loops: " + _chain(cycle),
            k,
            "manager",
            ids.iloc[k],
        )

    out = f.copy()
    for c in ("id", "name", "kind", "parent", "manager", "role", "location", "level"):
        out[c] = {"name": names, "kind": kinds}.get(c, _text(f, c))
    return out


def _department_of(units: pd.DataFrame) -> pd.Series:
    """The top-level department (or the external unit itself) of every unit."""
    parent = dict(zip(units["id"], units["parent"], strict=False))
    memo: dict[str, str] = {}

    def top(u):
        chain = []
        while u not in memo:
            p = parent.get(u, "")
            if not p:
                memo[u] = u
                break
            chain.append(u)
            u = p
        for c in chain:
            memo[c] = memo[u]
        return memo[u]

    return units["id"].map(top)


# --------------------------------------------------------------------- handoffs
def _handoffs(raw: RawTable, col: _Collector, unit_ids: set, names: dict, scales=None):
    f = raw.frame
    prov, cust = _text(f, "provider"), _text(f, "customer")
    suggest = _Suggester(unit_ids, names) if unit_ids is not None else None
    for name, s in (("provider", prov), ("customer", cust)):
        col.rows(ERROR, "missing_value", s == "", name, f"every handoff needs a {name} unit id")
        if unit_ids is not None:
            col.rows(
                ERROR,
                "unknown_id",
                (s != "") & ~s.isin(unit_ids),
                name,
                lambda v: "no unit has this id" + suggest(v),
            )
    col.rows(
        ERROR,
        "self_handoff",
        (prov != "") & (prov == cust),
        "customer",
        "a unit cannot be its own internal customer (provider and customer are the same)",
    )
    deliv = _text(f, "deliverable")
    col.rows(
        ERROR,
        "missing_value",
        deliv == "",
        "deliverable",
        "name what is handed over (e.g. 'signed order')",
    )
    _hidden_characters(col, f, [], ["deliverable"])

    freq = _text(f, "frequency")
    # Parse each distinct word once: a million rows hold a handful of words.
    parsed = {}
    for v in pd.unique(freq):
        try:
            parsed[v] = frequency_per_month(v) if v != "" else None
        except ValueError as exc:
            parsed[v] = exc
    per_month = np.full(len(f), np.nan)
    for v, result in parsed.items():
        idx = np.flatnonzero((freq == v).to_numpy())
        if v == "":
            for i in idx:
                col.add(
                    ERROR,
                    "missing_value",
                    "how often is it handed over? expected "
                    + ", ".join(FREQUENCY_PER_MONTH)
                    + " or a number per month",
                    i,
                    "frequency",
                )
        elif isinstance(result, ValueError):
            for i in idx:
                col.add(ERROR, "unknown_frequency", str(result), i, "frequency", v)
        else:
            per_month[idx] = result

    out = f.copy()
    out["provider"], out["customer"], out["deliverable"], out["frequency"] = prov, cust, deliv, freq
    scales = scales or {}
    for c, bounds in _NUMERIC.items():
        scale = scales.get(c)
        if scale is not None and not scale.is_five:
            out[c] = _numbers(col, f, c, scale.low, scale.high, scale=scale)
        else:
            out[c] = _numbers(col, f, c, *bounds)
    no_close = _text(f, "closeness") == ""
    col.rows(
        WARNING,
        "missing_closeness",
        no_close,
        "closeness",
        "no closeness rating; the neutral 3 is used for path lengths",
    )
    out["per_month"] = per_month
    out["weight"] = handoff_weight(per_month, out["importance"].to_numpy())
    out["distance"] = closeness_distance(out["closeness"].to_numpy())

    # Duplicate rows: identical ones are merged, conflicting ones rejected.
    key = prov + "\x1f" + cust + "\x1f" + deliv.str.strip().str.lower()
    dup = key.duplicated(keep="first") & (prov != "") & (cust != "") & (deliv != "")
    keep = np.ones(len(f), dtype=bool)
    if dup.any():
        first_idx = {}
        for i, k in enumerate(key):
            first_idx.setdefault(k, i)
        table = f.astype(str)
        for i in np.flatnonzero(dup.to_numpy()):
            j = first_idx[key.iloc[i]]
            diff = [
                c
                for c in f.columns
                if table.iat[i, f.columns.get_loc(c)] != table.iat[j, f.columns.get_loc(c)]
            ]
            where = f"row {int(raw.rows[j])}"
            if not diff:
                col.add(
                    WARNING,
                    "duplicate_handoff",
                    f"repeats {where} exactly; merged into one handoff",
                    i,
                    "deliverable",
                    deliv.iloc[i],
                )
                keep[i] = False
            else:
                col.add(
                    ERROR,
                    "duplicate_handoff",
                    f"same provider, customer and deliverable as {where} but different "
                    f"{', '.join(diff)}; rejected: keep one row or name the deliverables "
                    "apart",
                    i,
                    "deliverable",
                    deliv.iloc[i],
                )
    return out[keep].reset_index(drop=True)


# ------------------------------------------------------------------- deliveries
#: The documented date forms: YYYY-MM-DD with an optional time (an Excel date
#: cell arrives as a date-time). Time zones are refused: where any value has
#: one, only these forms are parsed (else pandas' ISO 8601 parser reads all).
_DATE_RE = r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?"


def _dates(col: _Collector, f, column, required):
    raw = f[column] if column in f else pd.Series([""] * len(f), dtype=object)
    text = raw.map(lambda v: v.isoformat() if hasattr(v, "isoformat") else str(v)).astype(object)
    parsed = None
    if not re.search("[+Zz]", "\n".join(text)):  # no time zones: parse all at once
        try:
            parsed = pd.to_datetime(text.where(text != "", None), format="ISO8601", errors="coerce")
        except (ValueError, OverflowError):
            parsed = None
    if parsed is None or isinstance(parsed.dtype, pd.DatetimeTZDtype):
        # Time zones or other oddities: only the documented forms are parsed.
        form = text.str.fullmatch(_DATE_RE).fillna(False).astype(bool)
        parsed = pd.to_datetime(text.where(form, None), format="ISO8601", errors="coerce")
    bad = (text != "") & parsed.isna()
    col.rows(
        ERROR,
        "bad_date",
        bad,
        column,
        "not a date: expected YYYY-MM-DD or YYYY-MM-DD HH:MM (or an Excel date cell)",
    )
    lo, hi = DATE_RANGE
    out = parsed.notna() & (
        (parsed < pd.Timestamp(lo)) | (parsed >= pd.Timestamp(hi) + pd.Timedelta(days=1))
    )
    col.rows(
        ERROR,
        "out_of_range",
        out,
        column,
        f"out of range: expected a date from {lo.isoformat()} to {hi.isoformat()}",
    )
    if required:
        col.rows(
            ERROR, "missing_value", text == "", column, f"every delivery needs a {column} date"
        )
    return parsed.where(~out).astype("datetime64[ns]")


def _deliveries(raw: RawTable, col: _Collector, handoff_keys):
    f = raw.frame
    prov, cust, deliv = (_text(f, c) for c in ("provider", "customer", "deliverable"))
    out = f.copy()
    out["provider"], out["customer"], out["deliverable"] = prov, cust, deliv
    if handoff_keys is not None:
        key = prov + "\x1f" + cust + "\x1f" + deliv.str.strip().str.lower()
        col.rows(
            ERROR,
            "unknown_handoff",
            ~key.isin(handoff_keys),
            "deliverable",
            lambda v: (
                "no handoff in the handoffs table has this provider, customer and deliverable"
            ),
        )
    req = _dates(col, f, "requested", True)
    dlv = _dates(col, f, "delivered", False)
    early = (dlv < req).fillna(False)
    col.rows(
        ERROR,
        "delivered_before_requested",
        early,
        "delivered",
        lambda v: "delivered before it was requested",
    )
    out["requested"], out["delivered"] = req, dlv
    out["lead_days"] = (dlv - req).dt.total_seconds() / 86400.0
    return out


# ----------------------------------------------------------------------- scales
def _scales(raw: RawTable | None, col: _Collector | None, declared: dict) -> dict:
    """The rating scale of each rating column: the caller's, and the ``scales`` table's.

    Each row of the table names a rating column and the ends of the scale it
    was collected on. A row that contradicts the scale the caller declared
    (``--rating-scale``) is an error: one column, one scale.
    """
    scales = dict(declared)
    if raw is None or col is None:
        return scales
    f = raw.frame
    columns = _text(f, "column").str.strip()
    ends = {c: pd.to_numeric(_text(f, c).str.strip(), errors="coerce") for c in ("low", "high")}
    first: dict[str, int] = {}
    for i, name in enumerate(columns):
        if name not in RATING_COLUMNS:
            close = difflib.get_close_matches(name, RATING_COLUMNS, n=1, cutoff=0.6)
            hint = f' (did you mean "{close[0]}"?)' if close else ""
            col.add(
                ERROR,
                "unknown_column",
                "not a rating column: expected one of " + ", ".join(RATING_COLUMNS) + hint,
                i,
                "column",
                _short(name),
            )
            continue
        if name in first:
            col.add(
                ERROR,
                "duplicate_scale",
                f"the scale of {name} is already given on row {int(raw.rows[first[name]])}",
                i,
                "column",
                name,
            )
            continue
        first[name] = i
        try:
            scale = RatingScale(float(ends["low"].iat[i]), float(ends["high"].iat[i]))
        except ValueError:
            where = "high" if pd.notna(ends["low"].iat[i]) else "low"
            col.add(
                ERROR,
                "bad_scale",
                "expected the scale's lowest and highest points as numbers, low below high "
                "(e.g. 1 and 7)",
                i,
                where,
                _short(f.iat[i, f.columns.get_loc(where)] if where in f else ""),
            )
            continue
        if name in declared and declared[name] != scale:
            col.add(
                ERROR,
                "conflicting_scale",
                f"this row puts {name} on {scale}, but the rating scale given to orggraph "
                f"(--rating-scale) is {declared[name]}: keep one",
                i,
                "column",
                name,
            )
            continue
        scales[name] = scale
    return scales


# ------------------------------------------------------------------------ entry
def check(raw_tables: dict[str, RawTable], file_problems=(), *, limits=None, rating_scale=None):
    """Validate raw tables. Returns ``(tables, problems)`` without raising.

    ``tables`` is None when any problem is an error. At most
    ``limits.max_problems`` errors and as many warnings are listed, the rest
    counted in one closing problem of code ``"more_problems"``.

    ``rating_scale`` declares the scale the ratings were collected on (see
    :func:`orggraph.schema.rating_scales`: ``"1-7"``, ``{"satisfaction":
    "0-10"}``, ...); a ``scales`` table among ``raw_tables`` declares it too.
    Ratings are checked against their scale and mapped onto 1-5 by
    :meth:`~orggraph.schema.RatingScale.to_five`.
    """
    limits = limits or DEFAULT_LIMITS
    declared = rating_scales(rating_scale)
    budget = _Budget(limits.max_problems)
    problems = []
    for p in file_problems:
        if p.code == MORE_PROBLEMS:
            problems.append(p)  # merged into the closing count below
        elif budget.take(p.severity, 1):
            problems.append(p)
    collectors = {name: _Collector(raw, budget) for name, raw in raw_tables.items()}
    ok = {name: _check_columns(raw, collectors[name]) for name, raw in raw_tables.items()}
    tables = {}
    unit_ids = names = None
    if ok.get("units"):
        units = _units(raw_tables["units"], collectors["units"])
        unit_ids = set(units["id"][units["id"] != ""])
        names = {n: i for n, i in zip(units["name"], units["id"], strict=False) if n != i}
        tables["units"] = units
    scales = _scales(
        raw_tables.get("scales") if ok.get("scales") else None, collectors.get("scales"), declared
    )
    handoff_keys = None
    if ok.get("handoffs"):
        h = _handoffs(raw_tables["handoffs"], collectors["handoffs"], unit_ids, names, scales)
        handoff_keys = set(
            h["provider"]
            + "\x1f"
            + h["customer"]
            + "\x1f"
            + h["deliverable"].str.strip().str.lower()
        )
        tables["handoffs"] = h
    if ok.get("deliveries"):
        tables["deliveries"] = _deliveries(
            raw_tables["deliveries"], collectors["deliveries"], handoff_keys
        )
    for c in collectors.values():
        problems += c.items

    errors = [p for p in problems if p.severity == ERROR]
    if errors or not all(t in tables for t in REQUIRED_TABLES):
        return None, cap_problems(problems, limits.max_problems, budget.more)

    units = tables["units"]
    units["department"] = _department_of(units)
    problems += _structure_warnings(units, tables["handoffs"], raw_tables["units"], budget)
    if "deliveries" not in tables:
        tables["deliveries"] = pd.DataFrame(
            {
                "provider": pd.Series(dtype=object),
                "customer": pd.Series(dtype=object),
                "deliverable": pd.Series(dtype=object),
                "requested": pd.Series(dtype="datetime64[ns]"),
                "delivered": pd.Series(dtype="datetime64[ns]"),
                "lead_days": pd.Series(dtype=float),
            }
        )
    return tables, cap_problems(problems, limits.max_problems, budget.more)


def _structure_warnings(units, handoffs, raw_units, budget=None):
    col = _Collector(raw_units, budget)
    ids = units["id"]
    involved = set(handoffs["provider"]) | set(handoffs["customer"])
    # A unit is connected if it, or anything inside it, takes part in a handoff.
    parent = dict(zip(ids, units["parent"], strict=False))
    connected = set()
    for u in involved:
        while u and u not in connected:
            connected.add(u)
            u = parent.get(u, "")
    col.rows(
        WARNING,
        "isolated",
        ~ids.isin(connected),
        "id",
        "takes part in no handoff (neither it nor anything inside it)",
    )
    people = units[units["kind"] == "person"]
    if len(people):
        staffed = set()
        for u in people["id"]:
            while u and u not in staffed:
                staffed.add(u)
                u = parent.get(u, "")
        col.rows(
            WARNING,
            "no_people",
            (units["kind"] == "department") & ~ids.isin(staffed),
            "id",
            "department without people",
        )
    if not (units["kind"] == "external").any():
        col.add(
            WARNING,
            "no_external",
            "no unit of kind 'external': analyses of the path to the external customer are skipped",
            column="kind",
        )
    return col.items


def validate(raw_tables: dict[str, RawTable], file_problems=(), *, limits=None, rating_scale=None):
    """Validate raw tables; return ``(tables, warnings)`` or raise ValidationError.

    Kept for scripts written against it (bench/benchmark.py); the build step,
    :func:`orggraph.build.validated`, is the same with a documented home.
    """
    tables, problems = check(raw_tables, file_problems, limits=limits, rating_scale=rating_scale)
    errors, warnings = split_problems(problems)
    if tables is None:
        raise ValidationError(errors, warnings)
    return tables, warnings

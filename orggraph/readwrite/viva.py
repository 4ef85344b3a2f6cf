"""Microsoft Viva Insights queries as organizations: person-to-person and group-to-group.

Viva Insights exports collaboration already aggregated, one row per pair and
``MetricDate``:

- **person-to-person** (``viva-p2p``): ``PrimaryCollaborator_PersonId``,
  ``SecondaryCollaborator_PersonId``, ``MetricDate``, metrics (collaboration
  hours, meeting and e-mail counts, or tie scores such as
  ``Strong_tie_score``) and HR attributes prefixed
  ``PrimaryCollaborator_``/``SecondaryCollaborator_`` (``..._Organization``).
  Each person is a unit; the HR attribute given (``hr_attribute``) makes the
  departments (without one, everyone is in one department).
- **group-to-group** (``viva-g2g``): ``PrimaryCollaborator_<attribute>``,
  ``PrimaryCollaborator_GroupSize`` and the same for the secondary group,
  ``MetricDate`` and group metrics (``Group_collaboration_time_invested``,
  meeting and e-mail counts). A secondary group of ``Within Group`` is the
  primary group itself (left out with the self rows). Each group is a department whose
  ``headcount`` is its group size (so the minimum group size of
  :mod:`orggraph.privacy` applies).

Direction: the primary collaborator is the provider and the secondary its
internal customer (the primary's collaboration time invested with the
secondary, as Viva orients the row).

**Frequency** is the chosen metric (``weight_column``, default the first of
:data:`P2P_METRICS` / :data:`G2G_METRICS` present, else 1 per row) summed
over the rows of a pair and divided by the number of distinct
``MetricDate`` values: the pair's mean per query period (a week or a month,
as the query was run); where the largest exceeds the 10,000 a frequency may
be (group hours do), all are divided by the same power of ten, with a
warning. With several dates and no ``period``, the whole span
is averaged (a warning says so); :func:`read_viva_periods` gives one
organization per calendar month or quarter. **Closeness** follows the rule
of :mod:`orggraph.ties` (volume quintile + reciprocity). With
``weight_as="closeness"`` the metric is read as a 1-5 closeness rating
instead and the frequency is 1.

``MetricDate`` is read as ISO (``2023-04-01``) or, as Viva exports it and the
vivainsights package reads it, month first (``04/01/2023``); if a value
cannot be month first (``13/04/2023``) the whole column is read day first.
Rows whose metric is 0 or empty are no tie and are left out, counted in a
warning; so are rows naming the same person (or group) twice.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..exceptions import ERROR, WARNING, Problem
from ..raw import RawTable
from ..schema import DEFAULT_LIMITS, MAX_PER_MONTH
from ..ties import closeness_of_volume
from .readers import _Bytes, _names
from .research import _read

__all__ = [
    "FORMATS",
    "P2P_METRICS",
    "G2G_METRICS",
    "read_viva",
    "read_viva_periods",
    "metric_dates",
]

FORMATS = ("viva-p2p", "viva-g2g")
P = "PrimaryCollaborator_"
S = "SecondaryCollaborator_"
#: Default metric of a person-to-person query, the first present.
P2P_METRICS = (
    "Collaboration_hours",
    "Meeting_hours",
    "Meeting_count",
    "Meetings",
    "Email_count",
    "Emails",
    "Strong_tie_score",
    "Diverse_tie_score",
)
#: Default metric of a group-to-group query, the first present.
G2G_METRICS = (
    "Group_collaboration_time_invested",
    "Group_meeting_time_invested",
    "Group_meeting_count",
    "Group_email_sent_count",
)


def _err(code, message, raw, column="", row=None, value=""):
    return Problem(ERROR, code, message, raw.source, raw.name, row, column, value)


def _col(cols, name):
    """The header matching ``name`` case-insensitively, or None."""
    low = {c.lower(): c for c in cols}
    return low.get(name.lower())


def _dates(text: pd.Series) -> pd.Series:
    text = text.astype(str).str.strip()
    iso = pd.to_datetime(text, errors="coerce", format="%Y-%m-%d")
    if iso.notna().all():
        return iso
    us = pd.to_datetime(text, errors="coerce", format="%m/%d/%Y")
    if us.notna().all():
        return us
    eu = pd.to_datetime(text, errors="coerce", format="%d/%m/%Y")
    return eu if eu.notna().sum() > us.notna().sum() else us.fillna(iso)


def metric_dates(path, *, encoding=None, limits=None) -> list[str]:
    """The distinct ``MetricDate`` values of a query, as ISO dates."""
    limits = limits or DEFAULT_LIMITS
    raw, _ = _read(Path(path), "handoffs", encoding, limits, _Bytes(limits, Path(path).name))
    if raw is None or _col(raw.frame.columns, "MetricDate") is None:
        return []
    d = _dates(raw.frame[_col(raw.frame.columns, "MetricDate")])
    return sorted(d.dropna().dt.strftime("%Y-%m-%d").unique())


def _slug(text) -> str:
    return re.sub(r"[^0-9A-Za-z]+", "-", str(text)).strip("-") or "x"


def _prepare(raw, fmt, hr_attribute, weight_column, problems):
    """Column names of a query, or None with problems."""
    cols = list(raw.frame.columns)
    found = {"date": _col(cols, "MetricDate")}
    if fmt == "viva-p2p":
        found["p"], found["s"] = _col(cols, P + "PersonId"), _col(cols, S + "PersonId")
        need = [P + "PersonId", S + "PersonId"]
        attr = hr_attribute
    else:
        attrs = sorted(
            {
                c[len(P) :]
                for c in cols
                if c.lower().startswith(P.lower())
                and _col(cols, S + c[len(P) :])
                and c[len(P) :].lower() != "groupsize"
            }
        )
        attr = hr_attribute or (attrs[0] if len(attrs) == 1 else None)
        if attr is None:
            problems.append(
                _err(
                    "missing_column",
                    "a group-to-group query needs the grouping attribute: pass "
                    "--hr-attribute (one of: " + (_names(attrs) or "none found") + ")",
                    raw,
                )
            )
            return None
        found["p"], found["s"] = _col(cols, P + attr), _col(cols, S + attr)
        found["psize"] = _col(cols, P + "GroupSize")
        found["ssize"] = _col(cols, S + "GroupSize")
        need = [P + attr, S + attr]
    if attr and fmt == "viva-p2p":
        found["pattr"], found["sattr"] = _col(cols, P + attr), _col(cols, S + attr)
        need += [P + attr, S + attr]
    missing = [n for n in need if _col(cols, n) is None]
    if missing:
        problems.append(
            _err(
                "missing_column",
                f"no column {_names(missing)} in this {fmt} query; columns are: {_names(cols)}",
                raw,
                missing[0],
            )
        )
        return None
    metrics = P2P_METRICS if fmt == "viva-p2p" else G2G_METRICS
    if weight_column:
        found["w"] = _col(cols, weight_column)
        if found["w"] is None:
            problems.append(
                _err(
                    "missing_column",
                    f'no metric column "{weight_column}"; columns are: {_names(cols)}',
                    raw,
                    weight_column,
                )
            )
            return None
    else:
        found["w"] = next((_col(cols, m) for m in metrics if _col(cols, m)), None)
    found["attr"] = attr
    return found


def _frame(raw, c, problems):
    """One row per query row: p, s, date, value, row number (bad values located)."""
    f = raw.frame
    out = pd.DataFrame(
        {
            "p": f[c["p"]].astype(str).str.strip(),
            "s": f[c["s"]].astype(str).str.strip(),
            "row": raw.rows,
        }
    )
    if c["date"]:
        out["date"] = _dates(f[c["date"]])
        bad = out["date"].isna()
        for i in np.flatnonzero(bad.to_numpy())[:20]:
            problems.append(
                _err(
                    "bad_date",
                    "not a date (expected MM/DD/YYYY or YYYY-MM-DD)",
                    raw,
                    c["date"],
                    int(raw.rows[i]),
                    f[c["date"]].iloc[i],
                )
            )
    else:
        out["date"] = pd.Timestamp("1970-01-01")
    if c["w"]:
        text = f[c["w"]].astype(str).str.strip()
        out["value"] = pd.to_numeric(text.replace("", np.nan), errors="coerce")
        bad = (text != "") & (out["value"].isna() | ~np.isfinite(out["value"]))
        for i in np.flatnonzero(bad.to_numpy())[:20]:
            problems.append(
                _err(
                    "not_a_number",
                    "the metric must be a number",
                    raw,
                    c["w"],
                    int(raw.rows[i]),
                    text.iloc[i],
                )
            )
    else:
        out["value"] = 1.0
    if "psize" in c:
        # A group-to-group row whose secondary is "Within Group" is the group with itself.
        within = out["s"].str.lower() == "within group"
        out.loc[within, "s"] = out.loc[within, "p"]
    for side in ("p", "s"):
        key = {"p": "pattr", "s": "sattr"}[side]
        if c.get(key):
            out[side + "_attr"] = f[c[key]].astype(str).str.strip()
        size = {"p": "psize", "s": "ssize"}[side]
        if c.get(size):
            out[side + "_size"] = pd.to_numeric(f[c[size]], errors="coerce")
    return out


def _units_p2p(rows, attr, name):
    people = pd.unique(pd.concat([rows["p"], rows["s"]], ignore_index=True))
    if attr:
        # Each person's attribute: the value on their most recent row.
        both = pd.concat(
            [
                rows[["p", "p_attr", "date"]].set_axis(["id", "v", "date"], axis=1),
                rows[["s", "s_attr", "date"]].set_axis(["id", "v", "date"], axis=1),
            ]
        ).sort_values("date", kind="stable")
        value = both.drop_duplicates("id", keep="last").set_index("id")["v"]
        value = value.replace("", "unassigned")
        dept_name = {v: f"{attr} {v}" for v in value.unique()}
        dept_id = {v: f"{attr.lower()}-{_slug(v)}" for v in value.unique()}
        depts = sorted(dept_name, key=str)
        dep = pd.DataFrame(
            {
                "id": [dept_id[v] for v in depts],
                "name": [dept_name[v] for v in depts],
                "kind": "department",
                "parent": "",
            }
        )
        parent = [dept_id[value[p]] for p in people]
    else:
        dep = pd.DataFrame({"id": ["organization"], "name": [name], "kind": "department"})
        dep["parent"] = ""
        parent = ["organization"] * len(people)
    per = pd.DataFrame({"id": people, "name": people, "kind": "person", "parent": parent})
    return pd.concat([dep, per], ignore_index=True)


def _units_g2g(rows):
    sizes = pd.concat(
        [
            rows[["p", "p_size"]].set_axis(["id", "n"], axis=1) if "p_size" in rows else None,
            rows[["s", "s_size"]].set_axis(["id", "n"], axis=1) if "s_size" in rows else None,
        ]
    )
    groups = pd.unique(pd.concat([rows["p"], rows["s"]], ignore_index=True))
    size = sizes.groupby("id")["n"].max() if len(sizes) else pd.Series(dtype=float)
    return pd.DataFrame(
        {
            "id": [f"group-{_slug(g)}" for g in groups],
            "name": groups,
            "kind": "department",
            "parent": "",
            "headcount": ["" if pd.isna(size.get(g)) else str(int(size.get(g))) for g in groups],
        }
    )


def _tables(raw, rows, c, fmt, weight_as, name, problems):
    """Raw units and handoffs of the rows of one period."""
    n_dates = max(1, rows["date"].nunique())
    loops = rows["p"] == rows["s"]
    empty = rows["value"].isna() | (rows["value"] <= 0)
    if loops.any():
        problems.append(
            Problem(
                WARNING,
                "self_tie",
                f"{int(loops.sum())} rows of a {'person' if fmt == 'viva-p2p' else 'group'} "
                "with itself left out (a handoff joins two units)",
                raw.source,
                "handoffs",
            )
        )
    if (empty & ~loops).any():
        problems.append(
            Problem(
                WARNING,
                "no_tie",
                f"{int((empty & ~loops).sum())} rows with a metric of 0 or empty are no tie "
                "and were left out",
                raw.source,
                "handoffs",
                None,
                c["w"] or "",
            )
        )
    keep = rows[~loops & ~empty]
    pairs = (
        keep.groupby(["p", "s"], sort=False)
        .agg(total=("value", "sum"), row=("row", "min"), dates=("date", "nunique"))
        .reset_index()
    )
    pairs["volume"] = pairs["total"] / n_dates
    if weight_as == "closeness":
        close = pairs["volume"].round().clip(1, 5).astype(int).astype(str)
        freq = pd.Series("1", index=pairs.index)
    else:
        _, cl, _ = closeness_of_volume(pairs, source="p", target="s")
        close = pd.Series(cl, index=pairs.index).astype(str)
        top = pairs["volume"].max() if len(pairs) else 0.0
        scale = 10.0 ** np.ceil(np.log10(top / MAX_PER_MONTH)) if top > MAX_PER_MONTH else 1.0
        if scale > 1:
            problems.append(
                Problem(
                    WARNING,
                    "scaled",
                    f"the metric reaches {top:,.0f} per period, above the {MAX_PER_MONTH:,.0f} "
                    f"a frequency may be: every frequency is divided by {scale:,.0f} (the "
                    f"relative weights, and the {c['w'] or 'metric'} column, are unchanged)",
                    raw.source,
                    "handoffs",
                    None,
                    c["w"] or "",
                )
            )
        freq = (pairs["volume"] / scale).map(lambda v: f"{v:.6g}")
    if fmt == "viva-p2p":
        units = _units_p2p(rows, c["attr"], name)
        pid = dict(zip(units["id"], units["id"], strict=False))
    else:
        units = _units_g2g(rows)
        pid = {g: f"group-{_slug(g)}" for g in units["name"]}
    metric = c["w"] or "rows"
    hand = pd.DataFrame(
        {
            "provider": pairs["p"].map(pid),
            "customer": pairs["s"].map(pid),
            "deliverable": "collaboration",
            "closeness": close,
            "frequency": freq,
            metric: pairs["total"].map(lambda v: f"{v:.6g}"),
            "metric_dates": pairs["dates"].astype(str),
        }
    ).astype(object)
    tables = {
        "units": RawTable("units", raw.source, units.astype(object), np.zeros(len(units), int)),
        "handoffs": RawTable("handoffs", raw.source, hand, pairs["row"].to_numpy()),
    }
    return tables


def _read_rows(path, fmt, hr_attribute, weight_column, encoding, limits):
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}")
    path = Path(path)
    limits = limits or DEFAULT_LIMITS
    problems: list[Problem] = []
    raw, probs = _read(path, "handoffs", encoding, limits, _Bytes(limits, path.name))
    problems += probs
    if raw is None:
        return None, None, None, problems
    c = _prepare(raw, fmt, hr_attribute, weight_column, problems)
    if c is None:
        return None, None, None, problems
    rows = _frame(raw, c, problems)
    return raw, rows, c, problems


def read_viva(
    path,
    *,
    format="viva-p2p",
    hr_attribute=None,
    weight_column=None,
    weight_as="frequency",
    encoding=None,
    limits=None,
):
    """Read a Viva Insights query as raw organization tables (all dates averaged).

    Parameters
    ----------
    path : path
        The query's CSV export.
    format : {"viva-p2p", "viva-g2g"}
    hr_attribute : str, optional
        The HR attribute (``Organization``, ``FunctionType``, ...): its
        ``PrimaryCollaborator_``/``SecondaryCollaborator_`` columns give each
        person's department (p2p) or the groups (g2g, where it is found
        without this when the query has one grouping attribute).
    weight_column : str, optional
        The metric; default the first of :data:`P2P_METRICS`/:data:`G2G_METRICS`.
    weight_as : {"frequency", "closeness"}

    Returns
    -------
    tables : dict of str to RawTable
    problems : list of Problem
    """
    raw, rows, c, problems = _read_rows(path, format, hr_attribute, weight_column, encoding, limits)
    if rows is None or any(p.severity == ERROR for p in problems):
        return {}, problems
    n = rows["date"].nunique()
    if n > 1:
        problems.append(
            Problem(
                WARNING,
                "several_dates",
                f"{n} MetricDate values ({rows['date'].min():%Y-%m-%d} to "
                f"{rows['date'].max():%Y-%m-%d}) averaged into one organization; "
                "orggraph ingest --format-in ... --period month writes one per period",
                raw.source,
                "handoffs",
                None,
                c["date"] or "",
            )
        )
    return _tables(raw, rows, c, format, weight_as, Path(path).stem, problems), problems


def read_viva_periods(
    path,
    *,
    format="viva-p2p",
    period="month",
    hr_attribute=None,
    weight_column=None,
    weight_as="frequency",
    encoding=None,
    limits=None,
):
    """One organization per calendar period of the query's ``MetricDate`` values.

    ``period`` is ``month``, ``quarter`` or ``date`` (one per distinct
    MetricDate). Returns ``{label: (tables, problems)}`` in date order, or
    ``{}`` and the problems when the file cannot be read.
    """
    raw, rows, c, problems = _read_rows(path, format, hr_attribute, weight_column, encoding, limits)
    if rows is None or any(p.severity == ERROR for p in problems):
        return {}, problems
    fmt = {"month": "%Y-%m", "date": "%Y-%m-%d"}.get(period)
    if period == "quarter":
        label = rows["date"].dt.year.astype(str) + "-Q" + rows["date"].dt.quarter.astype(str)
    elif fmt:
        label = rows["date"].dt.strftime(fmt)
    else:
        raise ValueError("period must be month, quarter or date")
    out = {}
    for lab in sorted(label.unique()):
        probs = list(problems)
        out[lab] = (
            _tables(raw, rows[label == lab], c, format, weight_as, Path(path).stem, probs),
            probs,
        )
    return out, problems

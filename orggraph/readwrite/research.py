"""Load a research network (edge list + node table) as an organization.

Researchers publish organizational networks as an edge list (``source,
target[, weight]``) and a node table with attributes, one of which names the
person's department, office or practice. :func:`read_network` turns that into
the same raw tables a user's workbook gives, so the same validation and model
apply.

Direction matters. In a survey network the row person *names* the column
person. For "who do you go to for advice" (``direction="seeks"``) the named
person provides the advice: provider = target, customer = source. For "to
whom do you give advice" (``direction="gives"``) provider = source.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..exceptions import ERROR, WARNING, Problem, cap_problems
from ..raw import RawTable
from ..schema import DEFAULT_LIMITS, Limits
from .readers import _Bytes, _decode, _names, _read_csv_text, _Refused

__all__ = ["read_network"]


def _read(path: Path, name: str, encoding, limits: Limits, budget: _Bytes):
    try:
        if not path.exists():
            return None, [Problem(ERROR, "missing_file", f"no such file: {path}", str(path))]
        what = "folder" if path.is_dir() else None if path.is_file() else "special file"
        if what:
            return None, [
                Problem(
                    ERROR,
                    "not_a_file",
                    f"this is a {what}; expected a CSV (or whitespace-separated .txt) file",
                    str(path),
                )
            ]
        budget.take(path.stat().st_size, f'"{path.name}"')
        data = path.read_bytes()
    except _Refused as exc:
        return None, exc.problems
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        return None, [Problem(ERROR, "unreadable", f"cannot be read: {reason}", str(path))]
    text, probs = _decode(data, path.name, encoding)
    del data
    if text is None:
        return None, probs
    first = next((line for line in text.splitlines() if line.strip()), "")
    if path.suffix.lower() == ".txt" or "," not in first:
        # Whitespace-separated lists such as Opsahl's .txt files.
        text = "\n".join(",".join(line.split()) for line in text.splitlines())
    raw, p2 = _read_csv_text(text, name, path.name, limits)
    return raw, probs + p2


def _column(raw: RawTable, wanted: str | None, fallbacks, what, problems, required=True):
    cols = list(raw.frame.columns)
    if wanted is not None:
        if wanted in cols:
            return wanted
        problems.append(
            Problem(
                ERROR,
                "missing_column",
                f'no column "{wanted}" ({what}); columns are: {_names(cols)}',
                raw.source,
                raw.name,
                None,
                wanted,
            )
        )
        return None
    for f in fallbacks:
        for c in cols:
            if c.strip().lower() == f:
                return c
    if required:
        problems.append(
            Problem(
                ERROR,
                "missing_column",
                f"cannot tell which column is the {what}; columns are: {_names(cols)}",
                raw.source,
                raw.name,
            )
        )
    return None


def read_network(
    edges,
    *,
    nodes=None,
    unit_column=None,
    direction="seeks",
    weight_column=None,
    weight_as="frequency",
    reports_to=None,
    relation=None,
    encoding=None,
    limits=None,
):
    """Read a research network as raw organization tables.

    Parameters
    ----------
    edges : path
        CSV (or whitespace-separated .txt) edge list: source, target and an
        optional weight column.
    nodes : path, optional
        Node table with an ``id`` column (or the first column) and attributes.
    unit_column : str, optional
        Node-table column that names each person's department (or office,
        practice, region). Each distinct value becomes a department. Without
        it everyone sits in one department named after the network.
    direction : {"seeks", "gives"}
        ``seeks``: source went to target for the relation, so target is the
        provider. ``gives``: source gave to target, so source is the provider.
    weight_column : str, optional
        Edge-list column with the tie value; default ``weight`` or ``value``.
    weight_as : {"frequency", "closeness"}
        Read the tie value as deliveries per month, or as a 1-5 closeness rating.
    reports_to : path, optional
        Edge list of ``source`` reports to ``target``: becomes the manager column.
    relation : str, optional
        The deliverable name; default the edge file's stem (e.g. ``advice``).
    encoding : str, optional
        Text encoding of the files (default UTF-8).
    limits : Limits, optional
        Bounds on sizes, rows, columns and fields (the files together count
        against ``max_bytes``); default :data:`~orggraph.schema.DEFAULT_LIMITS`.

    Returns
    -------
    tables : dict of str to RawTable
    problems : list of Problem
        File problems, plus warnings for dropped self-ties and people without a unit.
    """
    edges = Path(edges)
    limits = limits or DEFAULT_LIMITS
    budget = _Bytes(limits, edges.name)
    problems: list[Problem] = []
    eraw, probs = _read(edges, "handoffs", encoding, limits, budget)
    problems += probs
    if eraw is None:
        return {}, problems
    if direction not in ("seeks", "gives"):
        raise ValueError("direction must be 'seeks' or 'gives'")
    src = _column(eraw, None, ["source", "from", "e1", "sender", "ego"], "source", problems)
    dst = _column(eraw, None, ["target", "to", "e2", "receiver", "alter"], "target", problems)
    wcol = _column(
        eraw, weight_column, ["weight", "value", "score", "w"], "weight", problems, required=False
    )
    if src is None or dst is None:
        cols = list(eraw.frame.columns)
        if len(cols) >= 2 and src is None and dst is None:
            problems = [p for p in problems if p.code != "missing_column"]
            src, dst = cols[0], cols[1]
            wcol = wcol or (cols[2] if len(cols) > 2 else None)
        else:
            return {}, problems
    e = eraw.frame
    s, t = e[src].astype(str), e[dst].astype(str)
    provider, customer = (t, s) if direction == "seeks" else (s, t)
    values = e[wcol].astype(str) if wcol else pd.Series(["1"] * len(e))
    loops = (s == t).to_numpy()
    looped = np.flatnonzero(loops)
    if len(looped) > limits.max_problems:
        dropped = {WARNING: len(looped) - limits.max_problems}
        problems += cap_problems([], limits.max_problems, dropped)
    for i in looped[: limits.max_problems]:
        problems.append(
            Problem(
                WARNING,
                "self_tie",
                "self-tie dropped (a person naming themselves is not a handoff)",
                eraw.source,
                "handoffs",
                int(eraw.rows[i]),
                src,
                s.iloc[i],
            )
        )
    keep = ~loops
    rel = relation or edges.stem
    hand = pd.DataFrame(
        {
            "provider": provider[keep].to_numpy(),
            "customer": customer[keep].to_numpy(),
            "deliverable": rel,
            "closeness": values[keep].to_numpy() if weight_as == "closeness" else "",
            "frequency": values[keep].to_numpy() if weight_as == "frequency" else "1",
        },
        dtype=object,
    )
    tables = {"handoffs": RawTable("handoffs", eraw.source, hand, eraw.rows[keep])}

    # People: from the node table, plus anyone the edge list names that it lacks.
    ids: list[str] = []
    attrs = pd.DataFrame()
    nsource = "nodes"
    nrows = None
    if nodes is not None:
        nraw, probs = _read(Path(nodes), "units", encoding, limits, budget)
        problems += probs
        if nraw is None:
            return {}, problems
        nsource = nraw.source
        idcol = (
            _column(
                nraw, None, ["id", "name", "node", "nodename"], "node id", problems, required=False
            )
            or nraw.frame.columns[0]
        )
        attrs = nraw.frame.rename(columns={idcol: "id"})
        ids = list(attrs["id"].astype(str))
        nrows = nraw.rows
        if unit_column is not None and unit_column not in attrs:
            problems.append(
                Problem(
                    ERROR,
                    "missing_column",
                    f'no column "{unit_column}" to use '
                    f"as the unit; columns are: {_names(attrs.columns)}",
                    nraw.source,
                    "units",
                    None,
                    unit_column,
                )
            )
            return {}, problems
    elif unit_column is not None:
        problems.append(
            Problem(
                ERROR, "missing_file", "--unit-column needs --nodes (the node table)", str(edges)
            )
        )
        return {}, problems
    seen = set(ids)
    extra = [x for x in pd.unique(pd.concat([s[keep], t[keep]])) if x not in seen]
    ids += extra

    org_name = edges.parent.name or "network"
    if unit_column is None:
        dept_of = {i: "organization" for i in ids}
        dept_rows = [("organization", org_name)]
        # A node table often carries the departments; say which columns could.
        candidates = [
            c
            for c in attrs.columns
            if c != "id" and 2 <= attrs[c].nunique() <= max(2, len(attrs) // 3)
        ]
        if candidates:
            problems.append(
                Problem(
                    WARNING,
                    "no_unit_column",
                    "no --unit-column: everyone is in one department, so no silo can be "
                    f"judged; columns that could name the departments: {_names(candidates)}",
                    nsource,
                    "units",
                )
            )
    else:
        unit_vals = dict(zip(attrs["id"].astype(str), attrs[unit_column].astype(str), strict=False))
        dept_of, dept_rows, missing = {}, {}, []
        for i in ids:
            v = unit_vals.get(i, "").strip()
            if v == "":
                missing.append(i)
                v = "unassigned"
            did = f"{unit_column.lower()}-{v}".replace(" ", "-")
            dept_of[i] = did
            dept_rows[did] = f"{unit_column[:1].upper()}{unit_column[1:]} {v}"
        dept_rows = sorted(dept_rows.items())
        if missing:
            problems.append(
                Problem(
                    WARNING,
                    "no_unit",
                    f"{len(missing)} people have no "
                    f"{unit_column} and were put in '{unit_column} unassigned': "
                    + _names(missing, 10),
                    nsource,
                    "units",
                    None,
                    unit_column,
                )
            )

    managers = {}
    if reports_to is not None:
        rraw, probs = _read(Path(reports_to), "reports_to", encoding, limits, budget)
        problems += probs
        if rraw is not None:
            rs = _column(rraw, None, ["source", "from", "e1"], "source", problems)
            rt = _column(rraw, None, ["target", "to", "e2"], "target", problems)
            if rs and rt:
                managers = dict(
                    zip(rraw.frame[rs].astype(str), rraw.frame[rt].astype(str), strict=False)
                )

    people = pd.DataFrame(
        {
            "id": ids,
            "name": ids,
            "kind": "person",
            "parent": [dept_of[i] for i in ids],
            "manager": [managers.get(i, "") for i in ids],
        },
        dtype=object,
    )
    if len(attrs):
        extra_attrs = attrs.drop(
            columns=[c for c in attrs.columns if c in ("name", "kind", "parent", "manager")]
        )
        # One attribute row per id (a repeated id is reported by validation), so
        # that the merge keeps one row per person and the row numbers line up.
        extra_attrs = extra_attrs.astype(str).drop_duplicates("id")
        people = people.merge(extra_attrs, on="id", how="left").fillna("")
    depts = pd.DataFrame(
        {
            "id": [d for d, _ in dept_rows],
            "name": [n for _, n in dept_rows],
            "kind": "department",
            "parent": "",
        },
        dtype=object,
    )
    units = pd.concat([depts, people], ignore_index=True).fillna("").astype(object)
    rows = np.concatenate(
        [
            np.zeros(len(depts), dtype=np.int64),
            nrows if nrows is not None and not extra else np.arange(2, len(people) + 2),
        ]
    )
    tables["units"] = RawTable("units", nsource, units, rows)
    return tables, problems

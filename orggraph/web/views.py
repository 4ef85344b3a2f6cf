"""What the pages show, as plain data: pure functions that the Dash callbacks call.

Nothing here imports dash; everything is unit-tested without a browser.
Text from the user's files is passed on as data (never as HTML): Dash and
Cytoscape render it as text.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

__all__ = [
    "LARGE",
    "overview",
    "map_elements",
    "node_panel",
    "edge_panel",
    "matrix",
    "matrix_ids",
    "cell_handoffs",
    "map_options",
    "findings_rows",
    "findings_csv",
    "FINDINGS_CSV_COLUMNS",
    "closeness_colour",
]

#: Above this many people the map opens at department level, with drill-down.
LARGE = 2000


def _names(org):
    return dict(zip(org.units["id"], org.units["name"], strict=False))


def overview(org, analysis, *, top=8) -> dict:
    """Headline figures and the top findings, each with the map target to show it."""
    from ..summary import summary

    s = summary(org)
    counts = {
        k: sum(f.kind == k for f in analysis.findings)
        for k in ("silo", "bottleneck", "critical_handoff")
    }
    risks = analysis.tables["key_person_risk"]
    key_people = int((risks["dependencies_lost"] > 0).sum()) if len(risks) else 0
    names = _names(org)
    return {
        "name": org.name,
        "figures": [
            ("People", s["kinds"]["person"]),
            ("Departments", s["kinds"]["department"]),
            ("Handoffs inside departments", s["handoffs_inside"]),
            ("Handoffs across departments", s["handoffs_across"]),
            ("Silos", counts["silo"]),
            ("Bottlenecks", counts["bottleneck"]),
            ("Key-person risks", key_people),
            ("Critical handoffs", counts["critical_handoff"]),
        ],
        "findings": [
            {
                "rank": i + 1,
                "kind": f.kind,
                "severity": f.severity,
                "summary": f.summary,
                "subjects": list(f.subjects),
                "names": [names.get(x, x) for x in f.subjects],
                "focus": f.subjects[0],
            }
            for i, f in enumerate(analysis.findings[:top])
        ],
        # Kinds with more past the line than shown, and what came closest where none is.
        "limited": [
            f"{t['found']} {k.replace('_', ' ')} findings crossed the line; the {t['shown']} "
            "strongest are listed"
            for k, t in analysis.totals.items()
            if t["found"] > t["shown"]
        ],
        "near_misses": [
            f"{f.kind.replace('_', ' ')}: {', '.join(names.get(x, x) for x in f.subjects[:3])} "
            f"came closest, at {f.ratio:.0%} of the line: {f.measure}."
            for f in analysis.near_misses
        ],
    }


def closeness_colour(c) -> str:
    """Red (1, arm's length) to green (5, close); grey when not rated."""
    if c is None or (isinstance(c, float) and math.isnan(c)):
        return "#9e9e9e"
    palette = {1: "#d73027", 2: "#fc8d59", 3: "#fee08b", 4: "#91cf60", 5: "#1a9850"}
    return palette[int(min(5, max(1, round(c))))]


def _flags(analysis):
    silos, bottlenecks, critical, interfaces = set(), set(), set(), set()
    for f in analysis.findings:
        if f.kind == "silo":
            silos.add(f.subjects[0])
        elif f.kind == "bottleneck":
            bottlenecks.add(f.subjects[0])
        elif f.kind == "critical_handoff":
            (interfaces if f.evidence.get("level") == "department" else critical).add(
                tuple(f.subjects)
            )
    return silos, bottlenecks, critical, interfaces


def _fr(n, edges, seed):
    """Seeded Fruchterman-Reingold positions (igraph), centred, in [-1, 1]."""
    import random

    import igraph as ig

    if n == 1:
        return np.zeros((1, 2))
    g = ig.Graph(n=n, edges=edges)
    random.seed(seed)
    ig.set_random_number_generator(random)
    xy = np.asarray(g.layout_fruchterman_reingold(niter=300).coords, dtype=float)
    xy -= xy.mean(axis=0)
    span = np.abs(xy).max() or 1.0
    return xy / span


def _positions(org, units, group) -> dict:
    """Deterministic map positions: departments laid out by how much they exchange,
    people laid out inside their department by who works with whom."""
    g = org.graph
    groups = list(dict.fromkeys(group[u] for u in units))
    gpos = {d: i for i, d in enumerate(groups)}
    dedges = {
        (gpos[group[a]], gpos[group[b]])
        for a, b in g.edges()
        if a in group and b in group and group[a] != group[b]
    }
    centres = _fr(len(groups), sorted(dedges), seed=1)
    members = {d: [u for u in units if group[u] == d] for d in groups}
    radius = {d: 40 + 28 * math.sqrt(len(m)) for d, m in members.items()}
    scale = 1.5 * max(radius.values()) * math.sqrt(len(groups))
    out = {}
    for d, m in members.items():
        idx = {u: i for i, u in enumerate(m)}
        edges = sorted({(idx[a], idx[b]) for a in m for b in g.successors(a) if b in idx})
        xy = _fr(len(m), edges, seed=2) * radius[d]
        cx, cy = centres[gpos[d]] * scale
        for u, (x, y) in zip(m, xy, strict=False):
            out[u] = {"x": float(cx + x), "y": float(cy + y)}
    return out


def map_elements(
    org,
    analysis,
    *,
    level=None,
    departments=None,
    kinds=None,
    min_closeness=0,
    finding_kinds=None,
    focus=None,
    drill=None,
    removed=(),
) -> dict:
    """Cytoscape elements for the network map, with the filters applied.

    Parameters
    ----------
    level : {"people", "departments"}, optional
        Default: people, unless the organization has more than :data:`LARGE` people.
    departments : list of department ids to show (default all).
    kinds : list of unit kinds to show (default all).
    min_closeness : hide handoffs rated below this closeness.
    finding_kinds : list of finding kinds; when given, only units and handoffs
        that are subjects of such findings (and their departments) are shown.
    focus : unit id to mark as found/selected.
    drill : department id: at department level, open this one department's people.
    removed : unit ids to show as removed (what-if).

    Returns
    -------
    dict with ``elements`` (list of cytoscape element dicts), ``level`` and
    ``counts`` (nodes and edges shown).
    """
    people = int((org.units["kind"] == "person").sum())
    level = level or ("departments" if people > LARGE else "people")
    names = _names(org)
    silos, bottlenecks, critical, interfaces = _flags(analysis)
    c = analysis.tables["centrality"]
    btw = c["betweenness"].to_dict()
    top_btw = max(btw.values(), default=0) or 1.0
    dept_of = org._dept
    kind_of = org._kind
    removed = set(removed)
    wanted_depts = set(departments) if departments else None
    wanted_kinds = set(kinds) if kinds else None
    subjects = None
    if finding_kinds:
        subjects = set()
        for f in analysis.findings:
            if f.kind in finding_kinds:
                subjects |= set(f.subjects)
    elements = []

    def keep_dept(d):
        return wanted_depts is None or d in wanted_depts or kind_of.get(d) == "external"

    if level == "departments" and drill is None:
        g = org.department_graph
        for n, d in g.nodes(data=True):
            if not keep_dept(n) or (
                subjects is not None
                and n not in subjects
                and not any(dept_of.get(s) == n for s in subjects)
            ):
                continue
            classes = (
                [d["kind"]]
                + (["silo"] if n in silos else [])
                + (["found"] if n == focus else [])
                + (["removed"] if n in removed else [])
            )
            elements.append(
                {
                    "data": {
                        "id": n,
                        "label": f"{d['name']} ({d['headcount']})",
                        "kind": d["kind"],
                        "size": 30 + 3 * math.sqrt(d["headcount"]),
                    },
                    "classes": " ".join(classes),
                }
            )
        shown = {e["data"]["id"] for e in elements}
        pos = _positions(org, list(shown), {n: n for n in shown})
        for e in elements:
            e["position"] = pos[e["data"]["id"]]
        wmax = max((d["weight"] for *_, d in g.edges(data=True)), default=1.0) or 1.0
        for a, b, d in g.edges(data=True):
            if a not in shown or b not in shown or d["closeness"] < min_closeness:
                continue
            classes = ["critical"] if (a, b) in interfaces else []
            elements.append(
                {
                    "data": {
                        "id": f"{a}->{b}",
                        "source": a,
                        "target": b,
                        "width": 1 + 7 * d["weight"] / wmax,
                        "colour": closeness_colour(d["closeness"]),
                        "closeness": round(d["closeness"], 2),
                    },
                    "classes": " ".join(classes),
                }
            )
    else:
        g = org.graph
        active = [u for u in g if g.degree(u) > 0]
        keep = []
        for u in active:
            k = kind_of[u]
            d = dept_of[u]
            if (
                drill is not None
                and d != drill
                and not (
                    g.has_edge(u, u)
                    or any(dept_of[v] == drill for v in g.successors(u))
                    or any(dept_of[v] == drill for v in g.predecessors(u))
                )
            ):
                continue
            if not keep_dept(d) or (wanted_kinds is not None and k not in wanted_kinds):
                continue
            if subjects is not None and u not in subjects and d not in subjects:
                continue
            keep.append(u)
        keep_set = set(keep)
        depts_used = dict.fromkeys(dept_of[u] for u in keep if kind_of[u] != "external")
        for d in depts_used:
            if d == "" or d in keep_set:
                continue
            classes = (
                ["department-box"]
                + (["silo"] if d in silos else [])
                + (["removed"] if d in removed else [])
            )
            elements.append(
                {
                    "data": {"id": d, "label": names.get(d, d), "kind": "department"},
                    "classes": " ".join(classes),
                }
            )
        pos = _positions(org, keep, {u: dept_of[u] for u in keep})
        for u in keep:
            classes = [kind_of[u]]
            if u in bottlenecks:
                classes.append("bottleneck")
            if u == focus:
                classes.append("found")
            if u in removed or dept_of[u] in removed:
                classes.append("removed")
            data = {
                "id": u,
                "label": names.get(u, u),
                "kind": kind_of[u],
                "size": 14 + 46 * math.sqrt(btw.get(u, 0.0) / top_btw),
            }
            if kind_of[u] != "external" and dept_of[u] in depts_used and dept_of[u] != u:
                data["parent"] = dept_of[u]
            elements.append({"data": data, "classes": " ".join(classes), "position": pos[u]})
        wmax = max((d["weight"] for *_, d in g.edges(data=True)), default=1.0) or 1.0
        for a, b, d in g.edges(data=True):
            if a not in keep_set or b not in keep_set:
                continue
            rated = d["closeness"] if d.get("rated", 1) else float("nan")
            if d["closeness"] < min_closeness:
                continue
            classes = []
            if (a, b) in critical:
                classes.append("critical")
            if a in removed or b in removed:
                classes.append("removed")
            elements.append(
                {
                    "data": {
                        "id": f"{a}->{b}",
                        "source": a,
                        "target": b,
                        "width": 1 + 7 * math.sqrt(d["weight"] / wmax),
                        "colour": closeness_colour(rated),
                        "closeness": round(d["closeness"], 2),
                    },
                    "classes": " ".join(classes),
                }
            )
    nodes = sum(1 for e in elements if "source" not in e["data"])
    return {
        "elements": elements,
        "level": "departments" if level == "departments" and drill is None else "people",
        "counts": {"nodes": nodes, "edges": len(elements) - nodes},
    }


def node_panel(org, analysis, unit) -> dict:
    """Everything the side panel shows about a unit."""
    units = org.units.set_index("id")
    if unit not in units.index:
        return {}
    u = units.loc[unit]
    names = _names(org)
    c = analysis.tables["centrality"]
    metrics = {}
    if unit in c.index:
        r = c.loc[unit]
        metrics = {
            "betweenness": round(float(r["betweenness"]), 4),
            "providers": int(r["providers"]),
            "customers": int(r["customers"]),
            "constraint": round(float(r["constraint"]), 3),
            "effective size": round(float(r["effective_size"]), 2),
            "brokerage": int(r["brokerage"]),
        }
    h = org.handoffs
    cols = ["provider", "customer", "deliverable", "closeness", "frequency", "satisfaction"]
    hin = h[h["customer"] == unit][cols].assign(provider=lambda d: d["provider"].map(names))
    hout = h[h["provider"] == unit][cols].assign(customer=lambda d: d["customer"].map(names))
    return {
        "id": unit,
        "name": u["name"],
        "kind": u["kind"],
        "role": u.get("role", ""),
        "department": names.get(u["department"], u["department"]),
        "manager": names.get(u.get("manager", ""), ""),
        "metrics": metrics,
        "findings": [f.summary for f in analysis.findings if unit in f.subjects],
        "handoffs_in": hin.to_dict("records"),
        "handoffs_out": hout.to_dict("records"),
    }


def _handoff_rows(org, rows) -> list[dict]:
    """Handoff table rows as the panels and tables show them: names, not ids."""
    names = _names(org)
    return [
        {
            "provider": names.get(r["provider"], r["provider"]),
            "customer": names.get(r["customer"], r["customer"]),
            "deliverable": r["deliverable"],
            "closeness": _n(r["closeness"]),
            "satisfaction": _n(r["satisfaction"]),
            "sla_days": _n(r["sla_days"]),
            "frequency": r["frequency"],
        }
        for _, r in rows.iterrows()
    ]


def edge_panel(org, analysis, provider, customer) -> dict:
    """The handoffs behind one map edge, with SLA and breach rate."""
    names = _names(org)
    h = org.handoffs
    rows = h[(h["provider"] == provider) & (h["customer"] == customer)]
    if rows.empty:  # a department-level edge: the cell of the department matrix
        return {
            **edge_panel_totals(analysis, provider, customer, names),
            "handoffs": cell_handoffs(org, provider, customer),
        }
    return {
        **edge_panel_totals(analysis, provider, customer, names),
        "handoffs": _handoff_rows(org, rows),
    }


def edge_panel_totals(analysis, provider, customer, names) -> dict:
    """Names, SLA breach rate, deliveries and criticality of one unit-graph edge."""
    crit = analysis.tables["handoff_criticality"]
    c = crit[(crit["provider"] == provider) & (crit["customer"] == customer)]
    breach = (
        None if c.empty or pd.isna(c["breach_rate"].iloc[0]) else float(c["breach_rate"].iloc[0])
    )
    return {
        "provider": names.get(provider, provider),
        "customer": names.get(customer, customer),
        "breach_rate": breach,
        "deliveries": int(c["deliveries"].iloc[0]) if not c.empty else 0,
        "criticality": float(c["criticality"].iloc[0]) if not c.empty else None,
    }


def _n(v):
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else v


def matrix(org, *, value="weight") -> pd.DataFrame:
    """Provider x customer department matrix, ordered to show blocks.

    Departments are ordered by average-linkage clustering of their mutual
    weights (scipy), so departments that work together sit side by side.
    Index and columns are department names.
    """
    from scipy.cluster.hierarchy import leaves_list, linkage
    from scipy.spatial.distance import squareform

    from ..analysis.silos import mixing_matrix

    w = mixing_matrix(org, value="weight")
    m = w if value == "weight" else mixing_matrix(org, value=value)
    ids = list(w.index)
    if len(ids) > 2:
        s = w.to_numpy() + w.to_numpy().T
        np.fill_diagonal(s, 0)
        top = s.max() or 1.0
        dist = 1 - s / top
        np.fill_diagonal(dist, 0)
        order = leaves_list(linkage(squareform(dist, checks=False), method="average"))
        ids = [ids[i] for i in order]
    m = m.loc[ids, ids]
    labels = _labels(org, ids)
    m.index = labels
    m.columns = labels
    m.attrs["ids"] = ids
    return m


def _labels(org, ids):
    """Department names, with the id added where two departments share a name."""
    names = _names(org)
    counts = pd.Series([names.get(i, i) for i in ids]).value_counts()
    return [
        names.get(i, i) if counts[names.get(i, i)] == 1 else f"{names.get(i, i)} ({i})" for i in ids
    ]


def matrix_ids(org) -> dict:
    """Matrix axis label -> department id."""
    from ..analysis.silos import mixing_matrix

    ids = list(mixing_matrix(org, value="count").index)
    return dict(zip(_labels(org, ids), ids, strict=False))


def cell_handoffs(org, provider_dept, customer_dept) -> list[dict]:
    """The handoffs behind one matrix cell (department ids)."""
    dept = org._dept
    h = org.handoffs
    rows = h[
        (h["provider"].map(dept) == provider_dept) & (h["customer"].map(dept) == customer_dept)
    ]
    return _handoff_rows(org, rows)


def map_options(org) -> dict:
    """Dropdown options of the map: departments, and every unit one can look for by name."""
    u = org.units
    tops = set(org.departments)
    departments = [
        {"label": n, "value": i} for i, n in zip(u["id"], u["name"], strict=False) if i in tops
    ]
    others = u[u["kind"] != "department"]
    find = [{"label": n, "value": i} for i, n in zip(others["id"], others["name"], strict=False)]
    return {"departments": departments, "find": find + departments}


def findings_rows(org, analysis) -> list[dict]:
    """One grid row per finding, evidence flattened to text."""
    names = _names(org)
    rows = []
    for i, f in enumerate(analysis.findings):
        ev = "; ".join(
            f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}"
            for k, v in f.evidence.items()
            if v is not None and k != "level"
        )
        rows.append(
            {
                "rank": i + 1,
                "kind": f.kind,
                "severity": f.severity,
                "score": round(f.score, 3),
                "subjects": ", ".join(names.get(s, s) for s in f.subjects),
                "summary": f.summary,
                "evidence": ev,
                "action": f.action,
                "subject_ids": " ".join(f.subjects),
            }
        )
    return rows


FINDINGS_CSV_COLUMNS = [
    "rank",
    "kind",
    "severity",
    "score",
    "subjects",
    "summary",
    "evidence",
    "action",
]


def findings_csv(org, analysis, *, shown=None) -> str:
    """The findings as CSV text, safe to open in a spreadsheet.

    Every field is quoted and any cell that would start a formula (a name such as
    ``=HYPERLINK(...)``) gets a leading single quote (:func:`orggraph.safety.csv_text`).
    ``shown``: the grid's rows as filtered and sorted in the browser; only their ranks are
    used, to pick and order the server's own rows.
    """
    from ..safety import csv_text

    rows = findings_rows(org, analysis)
    if shown is not None:
        by_rank = {r["rank"]: r for r in rows}
        ranks = [r.get("rank") for r in shown if isinstance(r, dict)]
        rows = [by_rank[k] for k in ranks if isinstance(k, int) and k in by_rank]
    return csv_text(rows, FINDINGS_CSV_COLUMNS)

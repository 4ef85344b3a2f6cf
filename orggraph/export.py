"""Exports for other tools: an annotated graph (GraphML, GEXF) and workbook tables (xlsx).

Pure functions of an organization and its analysis; the files are written by
:mod:`orggraph.readwrite.exports`.

- :func:`annotated_graph`: a ``networkx.MultiDiGraph`` with one node per unit and **one
  edge per handoff** (provider -> internal customer, keyed by deliverable), carrying every
  unit and handoff column and the analysis results: department and its name, community,
  betweenness, flow multiple and the other centrality columns, key-person risk, and
  finding flags (``findings``: the kinds a node or handoff is the subject of;
  ``finding_<kind>``: one boolean per kind; ``in_silo`` for members of a silo
  department). Handoff edges also carry their provider -> customer pair's analysis
  (edge betweenness, bridge, breach rate, criticality) and ``crossing`` (between
  departments). Gephi, yEd and Cytoscape read it as GraphML or GEXF.
- :func:`workbook_tables`: the sheets ``findings``, ``people``, ``departments``,
  ``handoffs`` and ``about`` as DataFrames, with :data:`FORMATS` naming each numeric
  column's number format.

Missing values are left out of the graph (GraphML and GEXF have no null), never written
as text.

Privacy: both read the analysis through :func:`orggraph.privacy.suppress_analysis` with the
minimum group size (``min_group_size``, default the organization's own: 5 for a plain
one). A department under it keeps its name and ``suppressed`` = True (the workbook's
``departments`` sheet also says why in ``privacy``) and no figure; its and its teams'
nodes carry no headcount or centrality; findings about it are left out; the ``about``
sheet and the graph's ``privacy`` attribute say what was suppressed and why.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict

import networkx as nx
import pandas as pd

from . import privacy
from .analysis import KINDS

__all__ = ["annotated_graph", "workbook_tables", "finding_flags", "FORMATS", "SHEETS"]

SHEETS = ("findings", "people", "departments", "handoffs", "about")

#: column -> number format kind ("pct", "num", "int", "score") for the workbook.
FORMATS = {
    "score": "score",
    "ratio": "num",
    "rank": "int",
    "betweenness": "num",
    "flow_multiple": "num",
    "flow_z": "num",
    "in_strength": "num",
    "out_strength": "num",
    "providers": "int",
    "customers": "int",
    "constraint": "num",
    "effective_size": "num",
    "coordinator": "int",
    "itinerant": "int",
    "representative": "int",
    "gatekeeper": "int",
    "liaison": "int",
    "brokerage": "int",
    "community": "int",
    "dependencies_lost": "pct",
    "department_pairs_lost": "pct",
    "cut_off_from_customer": "int",
    "members": "int",
    "internal_ties": "int",
    "external_ties": "int",
    "internal_weight": "num",
    "external_weight": "num",
    "ei": "num",
    "ei_weighted": "num",
    "ei_expected": "num",
    "p_value": "num",
    "p_value_weighted": "num",
    "internal_share": "pct",
    "expected_share": "pct",
    "coleman": "num",
    "homophily": "num",
    "homophily_z": "num",
    "p_random": "num",
    "excess": "num",
    "odds_ratio": "num",
    "p_peers": "num",
    "partner_departments": "int",
    "gatekeeper_share": "pct",
    "mean_satisfaction": "num",
    "internal_nps": "num",
    "raters": "int",
    "closeness": "num",
    "importance": "num",
    "satisfaction": "num",
    "sla_days": "num",
    "provider_closeness": "num",
    "customer_closeness": "num",
    "per_month": "num",
    "weight": "num",
    "distance": "num",
    "edge_betweenness": "num",
    "cut_off": "int",
    "deliveries": "int",
    "breach_rate": "pct",
    "criticality": "num",
}


def _plain(v):
    """A value GraphML/GEXF can hold (str, int, float, bool), or None for missing."""
    if v is None or v is pd.NaT or v is pd.NA:
        return None
    if hasattr(v, "item") and not isinstance(v, str):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, pd.Timestamp):
        return v.isoformat()
    if isinstance(v, (list, tuple, set)):
        return "; ".join(map(str, v)) if v else None
    if isinstance(v, (str, bool, int, float)):
        return v
    return str(v)


def finding_flags(org, analysis) -> tuple[dict, dict]:
    """Which finding kinds each unit and each handoff is the subject of.

    Returns
    -------
    (units, handoffs)
        ``units``: unit id -> set of kinds; ``handoffs``: (provider, customer,
        deliverable) -> set of kinds. A handoff is flagged by a critical handoff on its
        pair (or, for an arm's-length interface, on its pair of departments), by an SLA
        not capable or an alignment gap on its pair and deliverable, and by the promise at
        risk on its pair.
    """
    units: dict[str, set] = {}
    pairs: dict[tuple, set] = {}  # (p, c) -> kinds, any deliverable
    exact: dict[tuple, set] = {}  # (p, c, deliverable lower) -> kinds
    dept_pairs: dict[tuple, set] = {}
    for f in analysis.findings:
        s = f.subjects
        for u in s:
            units.setdefault(u, set()).add(f.kind)
        deliverable = f.evidence.get("deliverable")
        key = str(deliverable).strip().lower() if isinstance(deliverable, str) else None
        if f.kind == "critical_handoff" and len(s) == 2:
            if f.evidence.get("level") == "department":
                dept_pairs.setdefault((s[0], s[1]), set()).add(f.kind)
            else:
                pairs.setdefault((s[0], s[1]), set()).add(f.kind)
        elif f.kind == "target_not_capable" and len(s) >= 2:
            for p in s[:-1]:
                exact.setdefault((p, s[-1], key), set()).add(f.kind)
        elif f.kind == "alignment_gap" and len(s) == 2:
            exact.setdefault((s[0], s[1], key), set()).add(f.kind)
        elif f.kind == "promise_at_risk" and len(s) == 2:
            pairs.setdefault((s[0], s[1]), set()).add(f.kind)
    handoffs = {}
    dept = org.department_of
    for p, c, d in zip(
        org.handoffs["provider"],
        org.handoffs["customer"],
        org.handoffs["deliverable"],
        strict=True,
    ):
        kinds = set(pairs.get((p, c), ()))
        kinds |= exact.get((p, c, str(d).strip().lower()), set())
        kinds |= dept_pairs.get((dept(p), dept(c)), set())
        if kinds:
            handoffs[(p, c, d)] = kinds
    return units, handoffs


def _unit_table(org, analysis) -> pd.DataFrame:
    """Units with their analysis columns, indexed by id (``analysis`` already suppressed)."""
    u = org.units.set_index("id", drop=False)
    out = u.copy()
    small = privacy.small_units(org, k=analysis.tables["privacy"]["min_group_size"])
    hide = out.index.isin(small)
    for col in privacy.SIZE_COLUMNS:  # a department-level map's headcount of a small group
        if col in out and hide.any():
            out[col] = out[col].astype(object).where(~hide, None)
    out["suppressed"] = hide
    names = org.names
    out["department_name"] = [names.get(d, d) for d in out["department"]]
    c = analysis.tables["centrality"].drop(columns=["name", "kind", "department"])
    members = analysis.communities["membership"].set_index("actor")["community"]
    c = c.assign(community=members.reindex(c.index).astype("Int64"))
    kp = analysis.tables.get("key_person_risk")
    if kp is not None and not kp.empty:
        cols = ["cut_vertex", "dependencies_lost", "department_pairs_lost", "cut_off_from_customer"]
        c = c.join(kp[[x for x in cols if x in kp]], how="left")
    # Units outside the analysis (no handoff) have no value: integers stay integers.
    out = out.join(c, how="left")
    for col in c.columns:
        if pd.api.types.is_integer_dtype(c[col]) and not pd.api.types.is_bool_dtype(c[col]):
            out[col] = out[col].astype("Int64")
    if "cut_off_from_customer" in out:
        out["cut_off_from_customer"] = out["cut_off_from_customer"].astype("Int64")
    if "cut_vertex" in out:
        out["cut_vertex"] = out["cut_vertex"].astype("boolean")
    flags, _ = finding_flags(org, analysis)
    silos = {f.subjects[0] for f in analysis.findings if f.kind == "silo"}
    out["findings"] = [", ".join(sorted(flags.get(x, ()))) for x in out.index]
    for k in KINDS:
        out[f"finding_{k}"] = [k in flags.get(x, ()) for x in out.index]
    out["in_silo"] = [d in silos for d in out["department"]]
    return out


def _handoff_table(org, analysis) -> pd.DataFrame:
    h = org.handoffs.copy()
    names, dept = org.names, org.department_of
    h.insert(1, "provider_name", [names.get(x, x) for x in h["provider"]])
    h.insert(3, "customer_name", [names.get(x, x) for x in h["customer"]])
    h["provider_department"] = [dept(x) for x in h["provider"]]
    h["customer_department"] = [dept(x) for x in h["customer"]]
    h["crossing"] = h["provider_department"] != h["customer_department"]
    crit = analysis.tables["handoff_criticality"].set_index(["provider", "customer"])
    keep = [
        "edge_betweenness",
        "flow_multiple",
        "flow_z",
        "bridge",
        "cut_off",
        "to_customer",
        "deliveries",
        "breach_rate",
        "criticality",
    ]
    crit = crit[[k for k in keep if k in crit]]
    h = h.join(crit, on=["provider", "customer"])
    _, flags = finding_flags(org, analysis)
    keys = list(zip(h["provider"], h["customer"], h["deliverable"], strict=True))
    h["findings"] = [", ".join(sorted(flags.get(k, ()))) for k in keys]
    for k in KINDS:
        h[f"finding_{k}"] = [k in flags.get(x, ()) for x in keys]
    return h


def _column_values(series):
    """Python values of a column, one type per column: numbers stay numbers, the rest text."""
    if pd.api.types.is_bool_dtype(series):
        return [None if v is None or v is pd.NA else bool(v) for v in series]
    if pd.api.types.is_numeric_dtype(series):
        return [_plain(v) for v in series]
    out = []
    for v in series:
        v = _plain(v)
        out.append(None if v is None or v == "" else (v if isinstance(v, bool) else str(v)))
    # A column of text and True/False (object dtype) is written as text throughout.
    if any(isinstance(v, bool) for v in out) and not all(
        isinstance(v, bool) for v in out if v is not None
    ):
        out = [None if v is None else str(v) for v in out]
    return out


def _private(org, analysis, min_group_size):
    k = privacy.min_group_size_of(org) if min_group_size is None else min_group_size
    return privacy.suppress_analysis(analysis, org, k=k)


def annotated_graph(org, analysis, *, min_group_size=None) -> nx.MultiDiGraph:
    """The organization as a MultiDiGraph with the analysis on its nodes and edges.

    One node per unit (every unit, also those without handoffs), one edge per handoff,
    keyed by its deliverable. Attributes with no value are left out. Groups under
    ``min_group_size`` people: ``suppressed`` True and no figure (see the module notes);
    the graph's ``privacy`` attribute says what was suppressed and why.

    Examples
    --------
    >>> from orggraph.analysis import analyze
    >>> from orggraph.analysis._examples import two_departments
    >>> org = two_departments()
    >>> g = annotated_graph(org, analyze(org, seed=0))
    >>> g.number_of_nodes() == len(org.units), g.number_of_edges() == len(org.handoffs)
    (True, True)
    """
    analysis = _private(org, analysis, min_group_size)
    units = _unit_table(org, analysis)
    hand = _handoff_table(org, analysis)
    g = nx.MultiDiGraph(name=org.name)
    p = privacy.privacy_summary(analysis)
    g.graph["min_group_size"] = p["min_group_size"]
    if p.get("note"):
        g.graph["privacy"] = p["note"]
    cols = {c: _column_values(units[c]) for c in units.columns if c != "id"}
    for i, u in enumerate(units.index):
        attrs = {c: vals[i] for c, vals in cols.items() if vals[i] is not None}
        attrs["label"] = attrs.get("name", u)
        attrs["actor"] = u in analysis.tables["centrality"].index
        g.add_node(u, **attrs)
    hcols = {c: _column_values(hand[c]) for c in hand.columns if c not in ("provider", "customer")}
    for i, (p, c) in enumerate(zip(hand["provider"], hand["customer"], strict=True)):
        attrs = {k: vals[i] for k, vals in hcols.items() if vals[i] is not None}
        g.add_edge(p, c, key=str(hand["deliverable"].iat[i]), **attrs)
    return g


def _findings_sheet(org, analysis) -> pd.DataFrame:
    names = org.names
    rows = []
    for status, items in (("finding", analysis.findings), ("near miss", analysis.near_misses)):
        for i, f in enumerate(items, start=1):
            rows.append(
                {
                    "status": status,
                    "rank": i if status == "finding" else None,
                    "kind": f.kind,
                    "severity": f.severity,
                    "score": f.score,
                    "ratio": min(f.ratio, 1e6),
                    "subjects": ", ".join(f.subjects),
                    "subject_names": ", ".join(names.get(s, s) for s in f.subjects),
                    "summary": f.summary,
                    "measure": f.measure,
                    "action": f.action,
                    "evidence": json.dumps(f.evidence, ensure_ascii=False),
                }
            )
    return pd.DataFrame(
        rows,
        columns=[
            "status",
            "rank",
            "kind",
            "severity",
            "score",
            "ratio",
            "subjects",
            "subject_names",
            "summary",
            "measure",
            "action",
            "evidence",
        ],
    )


def workbook_tables(org, analysis, *, min_group_size=None) -> dict[str, pd.DataFrame]:
    """The workbook's sheets: findings, people (unit metrics), departments, handoffs, about.

    ``people`` holds every unit that takes part in a handoff (the actors of the
    analysis), with its centrality, community, key-person risk and finding flags.
    A department under ``min_group_size`` people keeps only its id, name,
    ``suppressed`` = True and, in ``privacy``, why; ``about`` lists the minimum group
    size and what was suppressed.
    """
    from . import __version__

    analysis = _private(org, analysis, min_group_size)
    units = _unit_table(org, analysis)
    actors = analysis.tables["centrality"].index
    people = units.loc[units.index.isin(actors)].reset_index(drop=True)
    people = people.drop(columns=[c for c in people.columns if c.startswith("finding_")])
    front = ["id", "name", "kind", "department", "department_name", "role", "community"]
    people = people[[c for c in front if c in people] + [c for c in people if c not in front]]
    ei = analysis.tables["ei_index"].copy()
    ei.insert(0, "name", [org.names.get(d, d) for d in ei.index])
    ei.insert(0, "department", ei.index)
    ei["odds_ratio"] = [math.exp(x) if x == x else None for x in ei["excess"]]
    sat = analysis.tables.get("internal_satisfaction")
    if sat is not None and not sat.empty:
        s = sat.set_index("department").drop(columns=["name"])
        s = s.rename(columns={"suppressed": "satisfaction_suppressed"})
        ei = ei.join(s, how="left")
    silos = {f.subjects[0] for f in analysis.findings if f.kind == "silo"}
    ei["silo"] = [d in silos for d in ei.index]
    p = privacy.privacy_summary(analysis)
    # A suppressed row is shown as suppressed, with why, last: never silently blank.
    small = ei.pop("suppressed").fillna(False).astype(bool).to_numpy()
    ei["silo"] = ei["silo"].astype(object).where(~small, None)
    ei["suppressed"] = small
    ei["privacy"] = [
        f"{privacy.SUPPRESSED}: fewer than {p['min_group_size']} people" if x else None
        for x in small
    ]
    hand = _handoff_table(org, analysis).drop(columns=[f"finding_{k}" for k in KINDS])
    about = [
        ("organization", org.name),
        ("orggraph version", __version__),
        ("seed", analysis.seed),
        ("units", len(org.units)),
        ("handoffs", len(org.handoffs)),
        ("deliveries", len(org.deliveries)),
        ("findings", len(analysis.findings)),
        ("minimum group size", p["min_group_size"]),
        ("groups suppressed", ", ".join(p["suppressed_names"]) or "none"),
        ("findings suppressed", p["findings_suppressed"]),
        ("privacy", p["note"] or "nothing suppressed"),
        ("pseudonymized", bool(getattr(org, "pseudonymized", False))),
    ] + [(f"threshold {k}", v) for k, v in asdict(analysis.thresholds).items()]
    return {
        "findings": _findings_sheet(org, analysis),
        "people": people,
        "departments": ei.reset_index(drop=True),
        "handoffs": hand,
        "about": pd.DataFrame(about, columns=["what", "value"]),
    }

"""Headline figures of an organization: counts, headcount and where handoffs run."""

from __future__ import annotations

import networkx as nx

__all__ = ["summary", "counts"]


def summary(org, *, min_group_size: int | None = None) -> dict:
    """Counts by kind, departments with headcount, handoffs inside vs across, density.

    Density is that of the unit-level directed graph: edges / (n (n - 1)).
    With ``min_group_size`` K, a department of fewer than K people keeps its
    name but its headcount and teams are ``None`` and ``suppressed`` is
    True (the privacy rule of :mod:`orggraph.privacy`).

    Examples
    --------
    >>> import pandas as pd
    >>> from orggraph import Organization
    >>> units = pd.DataFrame({"id": ["d", "a", "b", "c"], "name": ["D", "A", "B", "C"],
    ...     "kind": ["department", "person", "person", "external"],
    ...     "parent": ["", "d", "d", ""]})
    >>> handoffs = pd.DataFrame({"provider": ["a", "b"], "customer": ["b", "c"],
    ...     "deliverable": ["x", "y"], "closeness": [3, 3], "frequency": ["weekly"] * 2})
    >>> s = summary(Organization.from_tables(units, handoffs))
    >>> s["handoffs_inside"], s["handoffs_across"], s["density"]
    (1, 1, 0.16666666666666666)
    """
    units = org.units
    h = org.handoffs
    c = counts(org)
    people = units[units["kind"] == "person"].groupby("department").size()
    teams = units[units["kind"] == "team"].groupby("department").size()
    tops = units[(units["id"] == units["department"]) & (units["kind"] == "department")]
    d = org.deliveries
    edges = len(h[["provider", "customer"]].drop_duplicates())
    return {
        "name": org.name,
        "units": len(units),
        "kinds": c["kinds"],
        "departments": [
            _department(r, int(people.get(r.id, 0)), int(teams.get(r.id, 0)), min_group_size)
            for r in tops.itertuples(index=False)
        ],
        "min_group_size": min_group_size,
        "handoffs": len(h),
        "handoffs_inside": c["handoffs_inside"],
        "handoffs_across": c["handoffs_across"],
        # From the handoff table, not org.graph: building that graph takes seconds at
        # 100,000 people, and a warm-cache server would pay them on its first page.
        "edges": edges,
        "density": edges / (len(units) * (len(units) - 1)) if len(units) > 1 else 0.0,
        "department_density": nx.density(org.department_graph),
        "deliveries": len(d),
        "open_deliveries": int(d["delivered"].isna().sum()) if len(d) else 0,
        "warnings": len(org.warnings),
        # Research edge lists may hold self-ties; they are dropped and counted here.
        "self_ties_dropped": sum(1 for w in org.warnings if w.code == "self_tie"),
    }


def counts(org) -> dict:
    """The cheap part of :func:`summary`: units by kind, handoffs inside and across departments.

    What the first page shows; the rest of the summary (the department graph's
    density, distinct pairs) takes a second more at 100,000 people.
    """
    units = org.units
    h = org.handoffs
    dept = units.set_index("id")["department"]
    inside = h["provider"].map(dept) == h["customer"].map(dept)
    kinds = units["kind"].value_counts()
    return {
        "kinds": {k: int(kinds.get(k, 0)) for k in ("department", "team", "person", "external")},
        "handoffs_inside": int(inside.sum()),
        "handoffs_across": int((~inside).sum()),
    }


def _department(r, headcount: int, teams: int, k) -> dict:
    if k is not None and headcount < k:
        return {"id": r.id, "name": r.name, "headcount": None, "teams": None, "suppressed": True}
    return {"id": r.id, "name": r.name, "headcount": headcount, "teams": teams, "suppressed": False}

"""What-if: someone leaves or a team is reorganized. What loses its path, what changes?"""

from __future__ import annotations

import networkx as nx
import pandas as pd

__all__ = ["remove_units", "what_if"]


def remove_units(org, removed):
    """The organization without ``removed`` units (and everything inside them).

    Their handoffs and deliveries go with them. The result is a new, validated
    :class:`~orggraph.model.Organization`; ``org`` is unchanged.
    """
    from ..model import Organization

    removed = set(removed)
    unknown = removed - set(org.ids)
    if unknown:
        from ..exceptions import OrgGraphError

        raise OrgGraphError(f"no unit with id {sorted(unknown)[0]!r}")
    units = org.units
    parent = dict(zip(units["id"], units["parent"], strict=False))

    def inside(u):
        while u:
            if u in removed:
                return True
            u = parent.get(u, "")
        return False

    gone = {u for u in units["id"] if inside(u)}
    keep_units = units[~units["id"].isin(gone)].drop(columns=["department"])
    keep_units = keep_units.assign(
        manager=keep_units["manager"].where(~keep_units["manager"].isin(gone), "")
    )
    h = org.handoffs
    h = h[~h["provider"].isin(gone) & ~h["customer"].isin(gone)]
    h = h.drop(columns=["per_month", "weight", "distance"])
    d = org.deliveries
    d = d[~d["provider"].isin(gone) & ~d["customer"].isin(gone)].drop(columns=["lead_days"])
    return Organization.from_tables(
        keep_units, h, d, name=f"{org.name} without " + ", ".join(sorted(removed))
    )


def what_if(org, removed, *, analysis=None, seed=0, max_pairs=200) -> dict:
    """Remove units and report what breaks and how the findings change.

    Returns
    -------
    dict
        ``removed`` (ids, including units inside removed ones), ``lost_pairs``
        (DataFrame of provider-side unit, customer-side unit whose every path
        was through the removed units, at most ``max_pairs`` rows),
        ``lost_pair_count``, ``pair_count`` (reachable pairs before),
        ``department_pairs_lost`` (list of (from, to) department ids),
        ``cut_off_from_customer`` (unit ids), ``new_findings`` and
        ``resolved_findings`` (Finding lists, compared by kind and subjects),
        and ``organization`` (the reduced Organization).
    """
    from . import analyze

    after_org = remove_units(org, removed)
    gone = set(org.ids) - set(after_org.ids)
    g = org.graph
    h = after_org.graph
    active = [u for u in g if g.degree(u) > 0 and u not in gone]
    lost, total = [], 0
    for u in active:
        before = nx.descendants(g, u) - gone
        after = nx.descendants(h, u)
        total += len(before)
        lost += [(u, v) for v in sorted(before - after)]
    dept = org._dept
    dep_before = (
        {
            (dept[u], dept[v])
            for u in active
            for v in nx.descendants(g, u) - gone
            if dept[u] != dept[v]
        }
        if len(active) <= 3000
        else set()
    )
    dep_after = (
        {
            (dept[u], dept[v])
            for u in active
            if u in h
            for v in nx.descendants(h, u)
            if dept[u] != dept[v]
        }
        if len(active) <= 3000
        else set()
    )
    cut_off = []
    for e in org.external:
        if e in gone:
            continue
        cut_off += sorted((set(nx.ancestors(g, e)) - gone) - set(nx.ancestors(h, e)))
    before_a = analysis or analyze(org, seed=seed)
    after_a = analyze(after_org, seed=seed)
    key = lambda f: (f.kind, f.subjects)  # noqa: E731
    before_keys = {key(f) for f in before_a.findings}
    after_keys = {key(f) for f in after_a.findings}
    return {
        "removed": sorted(gone),
        "lost_pairs": pd.DataFrame(lost[:max_pairs], columns=["from", "to"]),
        "lost_pair_count": len(lost),
        "pair_count": total,
        "department_pairs_lost": sorted(dep_before - dep_after),
        "cut_off_from_customer": cut_off,
        "new_findings": [f for f in after_a.findings if key(f) not in before_keys],
        "resolved_findings": [
            f for f in before_a.findings if key(f) not in after_keys and not set(f.subjects) & gone
        ],
        "organization": after_org,
    }

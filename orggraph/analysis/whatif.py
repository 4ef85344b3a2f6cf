"""What-if: someone leaves or a team is reorganized. What is left unserved, what breaks?

A departure does not make problems go away: the work the leavers did is
*unserved* until someone takes it over. :func:`what_if` answers from the
organization as it is, without re-running the analysis (so it answers in
seconds at 10,000 people): which internal customers lose which deliverables,
which work now goes to no one, which promises to the external customer can
no longer be kept, which working paths are lost and which reroute, and which
findings now need an owner. With a ``successor``, the leavers' handoffs are
handed to that unit instead, and the answer is what it takes on.
"""

from __future__ import annotations

import pandas as pd

from ..exceptions import OrgGraphError
from . import capability
from .bottlenecks import Reach

__all__ = ["what_if"]


def _inside(org, removed) -> set[str]:
    """``removed`` and every unit inside them (a department's teams and people)."""
    parent = dict(zip(org.units["id"], org.units["parent"], strict=False))

    def inside(u):
        while u:
            if u in removed:
                return True
            u = parent.get(u, "")
        return False

    return {u for u in org.ids if inside(u)}


def what_if(
    org,
    removed,
    *,
    analysis=None,
    successor=None,
    seed=0,
    max_pairs=200,
    exact_limit=2000,
    sample=300,
    reach=None,
) -> dict:
    """Remove units (and everything inside them) and report what that leaves undone.

    Parameters
    ----------
    removed : iterable of unit ids
    analysis : Analysis, optional
        For the promises and the findings that need an owner.
    successor : str, optional
        A unit that takes over every handoff of the removed units.
    reach : Reach, optional
        A prepared :class:`~orggraph.analysis.bottlenecks.Reach` of ``org``
        (the web view keeps one per organization so each question is quick).

    Returns
    -------
    dict
        ``removed`` (ids), ``successor``, ``unserved`` (DataFrame: the
        internal customers who no longer receive a deliverable: customer,
        deliverable, provider, with ``taken_over_by`` when a successor is
        named), ``undelivered`` (work the removed units received: provider,
        deliverable, customer, now delivered to no one), ``promises`` (per
        promise to the external customer: ``status`` "broken" when a step
        of its value stream is left with no one, "weakened" when some
        alternatives of a step are gone, "taken over", or "unaffected", and
        the step), ``lost_pair_count``/``pair_count`` (ordered pairs whose
        work reached each other and no longer does, of all such pairs,
        among units not removed; sampled above ``exact_limit`` units),
        ``lost_pairs`` (examples), ``department_pairs_lost`` (department
        pairs with no path left), ``rerouted`` (department pairs whose work
        still gets through, by more handoffs: (from, to, handoffs before,
        after)), ``cut_off_from_customer`` (unit ids),
        ``findings_needing_owner`` (findings about removed units: still
        there, now with no one responsible) and ``findings_affected``
        (findings about the internal customers who lose work), and
        ``estimate`` (True when sampled).

    Examples
    --------
    >>> from orggraph.analysis._examples import chain
    >>> r = what_if(chain(), ["p2"])
    >>> r["unserved"][["customer", "deliverable"]].values.tolist()
    [['p3', 'assembly']]
    >>> r["lost_pair_count"], r["pair_count"]  # p1 no longer reaches p3 and x
    (2, 3)
    """
    removed = set(removed)
    unknown = removed - set(org.ids)
    if unknown:
        raise OrgGraphError(f"no unit with id {sorted(unknown)[0]!r}")
    gone = _inside(org, removed)
    if successor is not None:
        if successor not in org.index:
            raise OrgGraphError(f"no unit with id {successor!r} to take the work over")
        if successor in gone:
            raise OrgGraphError(f"the successor {successor!r} is among the removed units")
    names = org.names
    h = org.handoffs
    out_of = h["provider"].isin(gone) & ~h["customer"].isin(gone)
    into = h["customer"].isin(gone) & ~h["provider"].isin(gone)
    unserved = h.loc[out_of, ["customer", "deliverable", "provider"]].reset_index(drop=True)
    undelivered = h.loc[into, ["provider", "deliverable", "customer"]].reset_index(drop=True)
    if successor is not None:
        unserved["taken_over_by"] = successor
        undelivered["taken_over_by"] = successor
    unserved["customer_name"] = unserved["customer"].map(names)
    undelivered["provider_name"] = undelivered["provider"].map(names)

    promises = []
    sims = analysis.tables.get("promises", {}) if analysis is not None else None
    keys = list(sims) if sims is not None else list(capability.promises(org, runs=1))
    for key in keys:
        status, where = "unaffected", None
        for i, step in enumerate(capability.value_stream(org, key), start=1):
            hit = [k for k in step if k[0] in gone or k[1] in gone]
            if not hit:
                continue
            deliverable = step[0][2]
            if successor is not None:
                status, where = "taken over", (i, deliverable)
            elif len(hit) == len(step):
                status, where = "broken", (i, deliverable)
                break
            elif status == "unaffected":
                status, where = "weakened", (i, deliverable)
        promises.append(
            {
                "provider": key[0],
                "customer": key[1],
                "deliverable": key[2],
                "promise_days": None if sims is None else sims[key]["promise"],
                "status": status,
                "step": None if where is None else where[0],
                "step_deliverable": None if where is None else where[1],
            }
        )

    reach = reach or Reach(org, exact_limit=exact_limit, sample=sample, seed=seed)
    idx = {reach.pos[u] for u in gone if u in reach.pos}
    r = reach.without(
        idx,
        successor=reach.pos.get(successor) if successor is not None else None,
        max_pairs=max_pairs,
    )
    ids = reach.ids
    dept_of_group = {}
    for u, grp in zip(ids, reach.group, strict=True):
        dept_of_group.setdefault(int(grp), org.department_of(u))
    losing = set(unserved["customer"]) if successor is None else set()
    needing_owner, affected = [], []
    if analysis is not None:
        for f in analysis.findings:
            if set(f.subjects) & gone:
                needing_owner.append(f)
            elif set(f.subjects) & losing:
                affected.append(f)
    return {
        "removed": sorted(gone),
        "successor": successor,
        "unserved": unserved,
        "undelivered": undelivered,
        "promises": promises,
        "lost_pairs": pd.DataFrame(
            [(ids[a], ids[b]) for a, b in r["lost_examples"]], columns=["from", "to"]
        ),
        "lost_pair_count": r["lost_pairs"],
        "pair_count": r["pairs"],
        "department_pairs_lost": [
            (dept_of_group[a], dept_of_group[b]) for a, b in r["department_pairs"]
        ],
        "rerouted": [
            (dept_of_group[a], dept_of_group[b], before, after)
            for a, b, before, after in r["rerouted"]
        ],
        "cut_off_from_customer": [ids[v] for v in r["cut_off"]],
        "findings_needing_owner": needing_owner,
        "findings_affected": affected,
        "estimate": r["estimate"],
    }

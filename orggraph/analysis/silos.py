"""Silos: how much each department keeps to itself, and the groups work really forms.

Weights are the documented handoff weight (deliveries per month x
importance / 3); a tie is a provider -> customer pair with at least one
handoff. The external customer is left out: it is nobody's department.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._graph import actors

__all__ = ["mixing_matrix", "ei_index", "communities"]


def mixing_matrix(org, *, value="weight") -> pd.DataFrame:
    """Provider department x customer department matrix of handoffs.

    Parameters
    ----------
    org : Organization
    value : {"weight", "closeness", "count"}
        ``weight``: total handoff weight; ``closeness``: mean closeness
        rating of the handoffs in the cell (NaN where no handoff or no
        rating); ``count``: number of handoffs.

    Returns
    -------
    DataFrame
        Rows are provider departments, columns customer departments (ids,
        the external customer included), in file order.

    Examples
    --------
    >>> from orggraph.analysis._examples import two_departments
    >>> mixing_matrix(two_departments(), value="count").loc["a", "b"]
    np.float64(1.0)
    """
    h = org.handoffs
    dept = org._dept
    h = h.assign(pdept=h["provider"].map(dept), cdept=h["customer"].map(dept))
    tops = set(org.departments) | set(org.external)
    order = [u for u in org.ids if u in tops]
    g = h.groupby(["pdept", "cdept"], sort=False)
    if value == "weight":
        m = g["weight"].sum().unstack().reindex(index=order, columns=order).fillna(0.0)
    elif value == "count":
        m = g.size().unstack().reindex(index=order, columns=order).fillna(0.0).astype(float)
    elif value == "closeness":
        m = g["closeness"].mean().unstack().reindex(index=order, columns=order)
    else:
        raise ValueError("value must be 'weight', 'closeness' or 'count'")
    m.index.name, m.columns.name = "provider department", "customer department"
    return m


def _ei_counts(group, src, dst, w, k):
    """Internal and external tie totals per group (vectorized over edges)."""
    gs, gd = group[src], group[dst]
    inside = gs == gd
    internal = np.bincount(gs[inside], weights=w[inside], minlength=k)
    touching = np.bincount(gs, weights=w, minlength=k) + np.bincount(gd, weights=w, minlength=k)
    external = touching - 2 * internal
    return internal, external


def _ei(internal, external):
    total = internal + external
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, (external - internal) / total, np.nan)


def ei_index(org, *, permutations=999, seed=0) -> pd.DataFrame:
    """E-I index of every department, with its expectation and a permutation test.

    For department *g*, *I* counts the ties with both ends inside *g* and
    *E* the ties with exactly one end in *g* (either direction); the E-I
    index is ``(E - I) / (E + I)``, from -1 (keeps entirely to itself) to +1
    (works only with others) (Krackhardt & Stern 1988). It is computed on
    tie counts (``ei``) and on handoff weights (``ei_weighted``).

    ``ei_expected`` is the value if ties fell at random among the same
    actors: with *n* members among *N* actors there are ``n(n-1)`` possible
    internal and ``2n(N-n)`` possible crossing directed ties, so
    ``(2(N-n) - (n-1)) / (2(N-n) + (n-1))``.

    ``p_value`` (and ``p_value_weighted``) is the one-sided permutation
    p-value of an index this low: department labels are shuffled among the
    actors ``permutations`` times (sizes kept, seeded), ``p = (1 + #{EI_perm
    <= EI_obs}) / (1 + permutations)``.

    ``partner_departments`` counts the other departments it exchanges at
    least one handoff with. ``gatekeeper`` is the member carrying the most
    of the department's crossing ties and ``gatekeeper_share`` that share:
    1.0 means one person is the department's only door.

    Returns
    -------
    DataFrame indexed by department id.

    References
    ----------
    Krackhardt, D. & Stern, R. N. (1988). Informal networks and
    organizational crises: an experimental simulation. *Social Psychology
    Quarterly* 51(2), 123-140.

    Examples
    --------
    >>> from orggraph.analysis._examples import two_departments
    >>> ei_index(two_departments(), permutations=0).loc["a", "ei"]
    np.float64(-0.3333333333333333)
    """
    a = actors(org)
    k = len(a.groups)
    ones = np.ones(len(a.src))
    internal, external = _ei_counts(a.group, a.src, a.dst, ones, k)
    winternal, wexternal = _ei_counts(a.group, a.src, a.dst, a.weight, k)
    ei, eiw = _ei(internal, external), _ei(winternal, wexternal)
    sizes = np.bincount(a.group, minlength=k).astype(float)
    n_all = a.n
    num = 2 * (n_all - sizes) - (sizes - 1)
    den = 2 * (n_all - sizes) + (sizes - 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        expected = np.where(den > 0, num / den, np.nan)

    p = pw = np.full(k, np.nan)
    if permutations:
        rng = np.random.default_rng(seed)
        below = np.zeros(k)
        wbelow = np.zeros(k)
        for _ in range(permutations):
            perm = rng.permutation(a.group)
            i, e = _ei_counts(perm, a.src, a.dst, ones, k)
            wi, we = _ei_counts(perm, a.src, a.dst, a.weight, k)
            below += _ei(i, e) <= ei + 1e-12
            wbelow += _ei(wi, we) <= eiw + 1e-12
        p = (1 + below) / (1 + permutations)
        pw = (1 + wbelow) / (1 + permutations)

    gs, gd = a.group[a.src], a.group[a.dst]
    cross = gs != gd
    partners = [set() for _ in range(k)]
    for x, y in zip(gs[cross], gd[cross], strict=False):
        partners[x].add(y)
        partners[y].add(x)
    per_actor = np.bincount(a.src[cross], minlength=a.n) + np.bincount(a.dst[cross], minlength=a.n)
    gate, share = [], []
    for g in range(k):
        members = np.flatnonzero(a.group == g)
        tot = per_actor[members].sum()
        if tot == 0 or len(members) < 2:
            gate.append("")
            share.append(np.nan)
            continue
        best = members[np.argmax(per_actor[members])]
        gate.append(a.ids[best])
        share.append(per_actor[best] / tot)
    out = pd.DataFrame(
        {
            "members": sizes.astype(int),
            "internal_ties": internal.astype(int),
            "external_ties": external.astype(int),
            "internal_weight": winternal,
            "external_weight": wexternal,
            "ei": ei,
            "ei_weighted": eiw,
            "ei_expected": expected,
            "p_value": p,
            "p_value_weighted": pw,
            "partner_departments": [len(s) for s in partners],
            "gatekeeper": gate,
            "gatekeeper_share": share,
        },
        index=pd.Index(a.groups, name="department"),
    )
    return out


def communities(org, *, method="leiden", seed=0, resolution=1.0) -> dict:
    """Groups that work really forms, compared with the formal departments.

    Communities are found on the actors' graph made undirected (weights of
    the two directions summed) by maximizing modularity with Leiden (Traag,
    Waltman & van Eck 2019, via leidenalg, seeded) or Louvain (Blondel et al.
    2008, via igraph). Agreement with the departments is measured by
    normalized mutual information (``nmi``, Danon et al. 2005, arithmetic
    normalization) and the adjusted Rand index (``ari``, Hubert & Arabie
    1985).

    Returns
    -------
    dict
        ``membership`` (DataFrame: actor, department, community),
        ``contingency`` (department x community counts), ``nmi``, ``ari``,
        ``modularity``, ``split_departments`` (departments none of whose
        communities holds 80% of their members) and ``spanning_communities``
        (communities where no department holds 80% of the members).
    """
    import igraph as ig

    a = actors(org)
    g = a.igraph(directed=False)
    if method == "leiden":
        import leidenalg

        part = leidenalg.find_partition(
            g,
            leidenalg.RBConfigurationVertexPartition,
            weights="weight",
            seed=seed,
            resolution_parameter=resolution,
        )
        membership = list(part.membership)
        modularity = g.modularity(membership, weights="weight")
    elif method == "louvain":
        import random

        random.seed(seed)
        ig.set_random_number_generator(random)
        membership = g.community_multilevel(weights="weight", resolution=resolution).membership
        modularity = g.modularity(membership, weights="weight")
    else:
        raise ValueError("method must be 'leiden' or 'louvain'")
    depts = [a.groups[i] for i in a.group]
    members = pd.DataFrame({"actor": a.ids, "department": depts, "community": membership})
    table = pd.crosstab(members["department"], members["community"])
    if len(set(membership)) > 1 or len(set(a.group.tolist())) > 1:
        nmi = ig.compare_communities(a.group.tolist(), membership, method="nmi")
        ari = ig.compare_communities(a.group.tolist(), membership, method="adjusted_rand")
    else:
        nmi = ari = 1.0
    split = [d for d, row in table.iterrows() if row.max() < 0.8 * row.sum()]
    spanning = [int(c) for c, col in table.items() if col.max() < 0.8 * col.sum()]
    return {
        "membership": members,
        "contingency": table,
        "nmi": float(nmi),
        "ari": float(ari),
        "modularity": float(modularity),
        "split_departments": split,
        "spanning_communities": spanning,
    }


def find(org, *, thresholds, seed=0, tables=None) -> list:
    """Silo findings: departments whose E-I index is low and unlikely by chance.

    Score: ``(ei_expected - ei) / 2``, clipped to [0, 1]: how far below
    random mixing the department keeps to itself.
    """
    from .findings import ACTIONS, Finding, severity_of

    t = thresholds
    ei = (
        tables["ei_index"]
        if tables and "ei_index" in tables
        else ei_index(org, permutations=t.permutations, seed=seed)
    )
    names = dict(zip(org.units["id"], org.units["name"], strict=False))
    out = []
    for dept, r in ei.iterrows():
        if not (r["ei"] <= t.silo_ei_max) or r["members"] < 2:
            continue
        if not (r["p_value"] <= t.silo_p_max):
            continue
        score = float(np.clip((r["ei_expected"] - r["ei"]) / 2, 0, 1))
        if score < t.min_score:
            continue
        total = r["internal_ties"] + r["external_ties"]
        inside = r["internal_ties"] / total if total else float("nan")
        summary = (
            f"{names[dept]} keeps to itself: {inside:.0%} of its {int(total)} working "
            f"ties stay inside the department, and it exchanges work with only "
            f"{int(r['partner_departments'])} other department"
            f"{'s' if r['partner_departments'] != 1 else ''}."
        )
        partners = "the departments it should serve"
        out.append(
            Finding(
                "silo",
                severity_of(score, t),
                score,
                (dept,),
                summary,
                {
                    "ei": r["ei"],
                    "ei_weighted": r["ei_weighted"],
                    "ei_expected": r["ei_expected"],
                    "p_value": r["p_value"],
                    "internal_ties": int(r["internal_ties"]),
                    "external_ties": int(r["external_ties"]),
                    "members": int(r["members"]),
                    "partner_departments": int(r["partner_departments"]),
                },
                ACTIONS["forum"].format(partners=partners),
            )
        )
    return out

"""Bottlenecks: who or what too much depends on or passes through.

Path-based measures use the documented ``distance`` (1 / closeness);
strength and structural-hole measures use ``weight`` (how much flows). The
graph is the unit-level graph restricted to units that take part in at least
one handoff (the external customer included).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

__all__ = [
    "centrality",
    "structural_holes",
    "brokerage",
    "cut_vertices",
    "key_person_risk",
    "active_graph",
]

ROLES = ("coordinator", "itinerant", "representative", "gatekeeper", "liaison")


def _units(n) -> str:
    return f"{int(n)} unit{'s' if int(n) != 1 else ''}"


def _possessive(name: str) -> str:
    return name + ("'" if name.endswith("s") else "'s")


def active_graph(org):
    """``(igraph.Graph, ids, group)``: units with handoffs; ``group`` = department index."""
    cache = org.__dict__.setdefault("_analysis_cache", {})
    if "active" in cache:
        return cache["active"]
    import igraph as ig

    g = org.graph
    ids = [u for u in org.ids if g.degree(u) > 0]
    pos = {u: i for i, u in enumerate(ids)}
    edges = list(g.edges(data=True))
    ig_g = ig.Graph(n=len(ids), edges=[(pos[a], pos[b]) for a, b, _ in edges], directed=True)
    ig_g.vs["name"] = ids
    for attr in (
        "weight",
        "distance",
        "closeness",
        "handoffs",
        "importance",
        "satisfaction",
        "sla_days",
    ):
        ig_g.es[attr] = [d[attr] for _, _, d in edges]
    depts = [org.department_of(u) for u in ids]
    codes = {d: i for i, d in enumerate(dict.fromkeys(depts))}
    group = np.array([codes[d] for d in depts], dtype=np.int64)
    cache["active"] = (ig_g, ids, group)
    return cache["active"]


def _betweenness(g, *, sample, seed):
    n = g.vcount()
    scale = 1.0 / ((n - 1) * (n - 2)) if n > 2 else 1.0
    if sample is None or sample >= n:
        return np.asarray(g.betweenness(directed=True, weights="distance")) * scale, None
    # Source sampling (Brandes & Pich 2007): dependencies from k random
    # sources, scaled by n / k. Two independent halves give a built-in check.
    rng = np.random.default_rng(seed)
    sources = rng.choice(n, size=sample, replace=False)
    halves = np.array_split(sources, 2)
    parts = [
        np.asarray(g.betweenness(directed=True, weights="distance", sources=h.tolist()))
        for h in halves
    ]
    est = (parts[0] + parts[1]) * (n / sample) * scale
    top = max(1, min(10, n // 10))
    a, b = (set(np.argsort(-p)[:top]) for p in parts)
    info = {
        "method": "sampled sources (Brandes & Pich 2007)",
        "sources": int(sample),
        "of": int(n),
        "seed": seed,
        "split_half_top_overlap": len(a & b) / top,
        "top": top,
    }
    return est, info


def structural_holes(org) -> pd.DataFrame:
    """Burt's constraint and effective size from mutual handoff weights.

    With mutual weight ``z_uv = w_uv + w_vu``, ``p_uv = z_uv / sum_k z_uk``
    and ``m_vw = z_vw / max_k z_vk``:

    - effective size(u) = sum over contacts v of ``1 - sum_w p_uw m_vw``;
    - constraint(u) = sum over contacts v of ``(p_uv + sum_w p_uw p_wv)^2``

    (Burt 1992), both summing over w among u's contacts other than u and v.
    Computed with sparse matrix products; the test suite checks every value
    against networkx's per-node computation.

    References
    ----------
    Burt, R. S. (1992). *Structural Holes: The Social Structure of
    Competition.* Harvard University Press.
    """
    g, ids, _ = active_graph(org)
    n = g.vcount()
    el = np.array(g.get_edgelist(), dtype=np.int64).reshape(-1, 2)
    w = np.asarray(g.es["weight"], dtype=float)
    a = sp.csr_matrix((w, (el[:, 0], el[:, 1])), shape=(n, n))
    z = (a + a.T).tocsr()
    z.eliminate_zeros()
    rowsum = np.asarray(z.sum(axis=1)).ravel()
    rowmax = z.max(axis=1).toarray().ravel()
    with np.errstate(divide="ignore"):
        p = sp.diags(np.where(rowsum > 0, 1 / rowsum, 0)) @ z
        m = sp.diags(np.where(rowmax > 0, 1 / rowmax, 0)) @ z
    b = z.copy()
    b.data[:] = 1.0
    deg = np.asarray(b.sum(axis=1)).ravel()
    redundancy = np.asarray(p.multiply(b @ m).sum(axis=1)).ravel()
    effective = deg - redundancy
    q = (p + p @ p).multiply(b)
    constraint = np.asarray(q.multiply(q).sum(axis=1)).ravel()
    constraint = np.where(deg > 0, constraint, np.nan)
    return pd.DataFrame(
        {"constraint": constraint, "effective_size": effective}, index=pd.Index(ids, name="unit")
    )


def brokerage(org) -> pd.DataFrame:
    """Gould & Fernandez brokerage roles per unit, with departments as groups.

    Every open two-path ``a -> b -> c`` (a, b, c distinct, no handoff a -> c)
    makes *b* a broker, in one of five roles by the departments of a, b, c:
    coordinator (all one department), itinerant (a and c share one, b is
    outside), representative (b's department hands to another: g(a) = g(b) !=
    g(c)), gatekeeper (b admits work into its department: g(a) != g(b) =
    g(c)) and liaison (three departments). The external customer is a group
    of its own.

    References
    ----------
    Gould, R. V. & Fernandez, R. M. (1989). Structures of mediation: a
    formal approach to brokerage in transaction networks. *Sociological
    Methodology* 19, 89-126.
    """
    g, ids, group = active_graph(org)
    n = g.vcount()
    edge_codes = np.sort(np.array([s * n + t for s, t in g.get_edgelist()], dtype=np.int64))
    ins, outs = g.get_adjlist(mode="in"), g.get_adjlist(mode="out")
    counts = np.zeros((n, len(ROLES)), dtype=np.int64)
    for b in range(n):
        if not ins[b] or not outs[b]:
            continue
        a = np.repeat(np.asarray(ins[b]), len(outs[b]))
        c = np.tile(np.asarray(outs[b]), len(ins[b]))
        keep = a != c
        a, c = a[keep], c[keep]
        codes = a * n + c
        pos = np.searchsorted(edge_codes, codes)
        pos[pos >= len(edge_codes)] = 0
        open_ = edge_codes[pos] != codes
        a, c = a[open_], c[open_]
        ga, gc, gb = group[a], group[c], group[b]
        counts[b, 0] = np.sum((ga == gb) & (gc == gb))
        counts[b, 1] = np.sum((ga == gc) & (ga != gb))
        counts[b, 2] = np.sum((ga == gb) & (gc != gb))
        counts[b, 3] = np.sum((gc == gb) & (ga != gb))
        counts[b, 4] = np.sum((ga != gb) & (gc != gb) & (ga != gc))
    out = pd.DataFrame(counts, columns=list(ROLES), index=pd.Index(ids, name="unit"))
    out["brokerage"] = out.sum(axis=1)
    return out


def centrality(org, *, sample=None, seed=0) -> pd.DataFrame:
    """Betweenness, strength, partners, structural holes and brokerage per unit.

    Columns: ``betweenness`` (weighted on distance, directed, normalized by
    ``(n-1)(n-2)`` as networkx does), ``in_strength``/``out_strength`` (sum of
    weights received/delivered), ``providers``/``customers`` (distinct units
    it receives from/delivers to), ``constraint``, ``effective_size`` (see
    :func:`structural_holes`), the five brokerage role counts and their total
    (see :func:`brokerage`), plus ``name``, ``kind`` and ``department``.

    Parameters
    ----------
    sample : int, optional
        Estimate betweenness from this many random source units (fast mode
        for large organizations). ``df.attrs["betweenness"]`` then describes
        the estimate, including the top-10 overlap of two independent halves
        of the sample: a measure of how stable the ranking is.
    seed : int
        Seed of the source sample.

    Examples
    --------
    >>> from orggraph.analysis._examples import chain
    >>> centrality(chain())["betweenness"].round(3).to_dict()
    {'p1': 0.0, 'p2': 0.333, 'p3': 0.333, 'x': 0.0}
    """
    g, ids, _ = active_graph(org)
    btw, info = _betweenness(g, sample=sample, seed=seed)
    units = org.units.set_index("id")
    df = pd.DataFrame(
        {
            "name": units.loc[ids, "name"].to_numpy(),
            "kind": units.loc[ids, "kind"].to_numpy(),
            "department": units.loc[ids, "department"].to_numpy(),
            "betweenness": btw,
            "in_strength": g.strength(mode="in", weights="weight"),
            "out_strength": g.strength(mode="out", weights="weight"),
            "providers": g.degree(mode="in"),
            "customers": g.degree(mode="out"),
        },
        index=pd.Index(ids, name="unit"),
    )
    df = df.join(structural_holes(org)).join(brokerage(org))
    df.attrs["betweenness"] = info or {"method": "exact (Brandes 2001, igraph)"}
    return df


def cut_vertices(org) -> list[str]:
    """Units whose removal splits the map into more pieces (undirected view), in file order.

    Examples
    --------
    >>> from orggraph.analysis._examples import chain
    >>> cut_vertices(chain())
    ['p2', 'p3']
    """
    g, ids, _ = active_graph(org)
    cut = set(g.as_undirected(mode="collapse").articulation_points())
    return [u for i, u in enumerate(ids) if i in cut]


def _reach_pairs(g, vertices=None):
    n = g.vcount()
    return np.asarray(g.neighborhood_size(vertices=vertices, order=n, mode="out")) - 1


def key_person_risk(
    org, *, top=10, exact_limit=2000, sample=300, seed=0, centrality_table=None
) -> pd.DataFrame:
    """What breaks if a person (or unit) is gone.

    Candidates are the cut vertices of the undirected view (units whose
    removal disconnects the map) and the highest-betweenness units; the
    ``top`` of them by betweenness are removed one at a time and scored:

    - ``dependencies_lost``: share of ordered pairs (u, v) where u's work
      reaches v along handoffs before, and no path is left after (pairs
      involving the removed unit excluded). Exact up to ``exact_limit``
      units, else estimated from ``sample`` random sources (seeded).
    - ``department_pairs_lost``: share of ordered department pairs connected
      by some path before and by none after.
    - ``cut_off_from_customer``: units that reached the external customer
      before and do not after, and ``departments_cut_off`` among them.

    Returns
    -------
    DataFrame indexed by unit, sorted by ``dependencies_lost``.
    """
    g, ids, group = active_graph(org)
    n = g.vcount()
    und = g.as_undirected(mode="collapse")
    cut = set(und.articulation_points())
    c = centrality_table if centrality_table is not None else centrality(org)
    btw = c["betweenness"].to_numpy()
    order = [i for i in np.argsort(-btw, kind="stable") if ids[i] not in org.external]
    candidates = ([i for i in order if i in cut] + [i for i in order if i not in cut])[:top]
    if not candidates:
        return pd.DataFrame(
            columns=[
                "cut_vertex",
                "dependencies_lost",
                "department_pairs_lost",
                "cut_off_from_customer",
                "departments_cut_off",
            ]
        )
    rng = np.random.default_rng(seed)
    sources = None if n <= exact_limit else rng.choice(n, size=min(sample, n), replace=False)
    # Virtual department sources measure department-to-department reach.
    k = int(group.max()) + 1
    dg = g.copy()
    dg.add_vertices(k)
    dg.add_edges([(n + grp, v) for v, grp in enumerate(group)])
    ext = [ids.index(e) for e in org.external if e in ids]

    def dept_reach(graph, removed=None):
        pairs = set()
        for d in range(k):
            reached = graph.subcomponent(n + d, mode="out")
            pairs |= {
                (d, int(group[v])) for v in reached if v < n and v != removed and group[v] != d
            }
        return pairs

    def to_customer(graph):
        out = set()
        for e in ext:
            out |= set(graph.subcomponent(e, mode="in"))
        return out

    base_pairs = _reach_pairs(g, None if sources is None else sources.tolist())
    base_dept = dept_reach(dg)
    base_cust = to_customer(g)
    rows = []
    for x in candidates:
        h = g.copy()
        h.delete_edges(h.incident(x, mode="all"))
        hd = dg.copy()
        hd.delete_edges([e for e in hd.incident(x, mode="all")])
        # Pairs through x before: reach(u) counted x itself; discount it.
        before = base_pairs.copy()
        srcs = np.arange(n) if sources is None else sources
        reach_x = set(g.subcomponent(x, mode="in"))
        before = before - np.array([1 if (s in reach_x and s != x) else 0 for s in srcs])
        keep = srcs != x
        after = _reach_pairs(h, None if sources is None else sources.tolist())
        lost = (before[keep] - after[keep]).sum()
        total = before[keep].sum()
        dpairs = dept_reach(hd, removed=x)
        cust = to_customer(h)
        cut_off = sorted(base_cust - cust - {x} - set(ext))
        rows.append(
            {
                "unit": ids[x],
                "cut_vertex": x in cut,
                "dependencies_lost": lost / total if total else 0.0,
                "department_pairs_lost": len(base_dept - dpairs) / len(base_dept)
                if base_dept
                else 0,
                "cut_off_from_customer": len(cut_off),
                "departments_cut_off": sorted({org.department_of(ids[v]) for v in cut_off}),
                "estimate": sources is not None,
            }
        )
    return pd.DataFrame(rows).set_index("unit").sort_values("dependencies_lost", ascending=False)


def find(org, *, thresholds, seed=0, tables=None, sample=None) -> list:
    """Bottleneck findings: people (or units) too much passes through or depends on.

    Score: the largest of ``betweenness / (2.5 x bottleneck_betweenness)``,
    ``dependencies_lost / (2 x key_person_dependencies)`` and, for a
    department's gatekeeper, its share of crossing ties; clipped to [0, 1].
    """
    from .findings import ACTIONS, Finding, severity_of
    from .silos import ei_index

    t = thresholds
    tables = tables if tables is not None else {}
    c = tables.get("centrality")
    if c is None:
        c = tables["centrality"] = centrality(org, sample=sample, seed=seed)
    risk = tables.get("key_person_risk")
    if risk is None:
        risk = tables["key_person_risk"] = key_person_risk(org, seed=seed, centrality_table=c)
    ei = tables.get("ei_index")
    if ei is None:
        ei = tables["ei_index"] = ei_index(org, permutations=t.permutations, seed=seed)
    names = dict(zip(org.units["id"], org.units["name"], strict=False))
    gate = {
        r["gatekeeper"]: (d, r)
        for d, r in ei.iterrows()
        if r["gatekeeper"]
        and r["external_ties"] >= t.gatekeeper_min_ties
        and r["gatekeeper_share"] >= t.gatekeeper_share
    }
    external = set(org.external)
    out = []
    for unit, r in c.iterrows():
        if unit in external:
            continue
        btw = float(r["betweenness"])
        dep = float(risk["dependencies_lost"].get(unit, 0.0)) if len(risk) else 0.0
        parts = {
            "betweenness": btw / (2.5 * t.bottleneck_betweenness),
            "dependencies": dep / (2 * t.key_person_dependencies),
        }
        if unit in gate:
            parts["gatekeeping"] = float(gate[unit][1]["gatekeeper_share"])
        flagged = (
            btw >= t.bottleneck_betweenness or dep >= t.key_person_dependencies or unit in gate
        )
        if not flagged:
            continue
        score = float(min(1.0, max(parts.values())))
        if score < t.min_score:
            continue
        who = names[unit]
        dept = org.department_of(unit)
        reasons = []
        if btw >= t.bottleneck_betweenness:
            reasons.append(f"lies on {btw:.0%} of the shortest working paths between others")
        reasons.append(
            f"receives work from {_units(r['providers'])} and delivers to {_units(r['customers'])}"
        )
        if unit in gate:
            reasons.append(
                f"carries {gate[unit][1]['gatekeeper_share']:.0%} of "
                f"{_possessive(names[dept])} work with other departments"
            )
        if dep >= t.key_person_dependencies:
            lost = risk.loc[unit]
            pronoun = "them" if r["kind"] == "person" else "it"
            reasons.append(
                f"without {pronoun} {dep:.0%} of who-reaches-whom dependencies lose every path"
                + (
                    f" and {', '.join(names[d] for d in lost['departments_cut_off'])}"
                    " can no longer reach the customer"
                    if lost["departments_cut_off"]
                    else ""
                )
            )
        if r["kind"] == "person":
            summary = f"{who} in {names[dept]} is a bottleneck: "
        elif unit == dept:
            summary = f"The {who} department is a bottleneck: "
        else:
            summary = f"{who} ({r['kind']} in {names[dept]}) is a bottleneck: "
        summary += "; ".join(reasons) + "."
        evidence = {
            "betweenness": btw,
            "providers": int(r["providers"]),
            "customers": int(r["customers"]),
            "in_strength": float(r["in_strength"]),
            "out_strength": float(r["out_strength"]),
            "constraint": float(r["constraint"]),
            "effective_size": float(r["effective_size"]),
            "brokerage": int(r["brokerage"]),
            "gatekeeper_role": int(r["gatekeeper"]),
            "representative_role": int(r["representative"]),
        }
        if unit in risk.index:
            evidence |= {
                "cut_vertex": bool(risk.loc[unit, "cut_vertex"]),
                "dependencies_lost": dep,
                "department_pairs_lost": float(risk.loc[unit, "department_pairs_lost"]),
                "cut_off_from_customer": int(risk.loc[unit, "cut_off_from_customer"]),
            }
        if unit in gate:
            evidence["gatekeeper_share"] = float(gate[unit][1]["gatekeeper_share"])
        info = c.attrs.get("betweenness", {})
        if "sources" in info:
            evidence["betweenness_estimate"] = (
                f"sampled {info['sources']} of {info['of']} sources; split-half top-"
                f"{info['top']} overlap {info['split_half_top_overlap']:.0%}"
            )
        backup = "backup" if r["kind"] == "person" else "unit_backup"
        action = (
            ACTIONS["gatekeeper"].format(dept=names[dept], who=who)
            if unit in gate and parts["gatekeeping"] == max(parts.values())
            else ACTIONS[backup].format(who=who)
        )
        out.append(
            Finding("bottleneck", severity_of(score, t), score, (unit,), summary, evidence, action)
        )
    return out

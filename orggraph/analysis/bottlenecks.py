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

from ._graph import Condensed, active_graph, actors
from .findings import ACTIONS, Finding, score_of
from .paths import estimate, exact

__all__ = [
    "centrality",
    "flow_outliers",
    "outlier_line",
    "sole_links",
    "structural_holes",
    "brokerage",
    "cut_vertices",
    "key_person_risk",
    "Reach",
    "active_graph",
]

ROLES = ("coordinator", "itinerant", "representative", "gatekeeper", "liaison")


def _units(n) -> str:
    return f"{int(n)} unit{'s' if int(n) != 1 else ''}"


def _possessive(name: str) -> str:
    return name + ("'" if name.endswith("s") else "'s")


def flow_outliers(values, mask=None) -> tuple[np.ndarray, np.ndarray]:
    """``(multiple, z)``: each value against the organization's own distribution.

    ``multiple`` = value / mean value (1 = an average share of the paths,
    whatever the organization's size); ``z`` = the robust z-score of
    ``log(1 + multiple)``: (x - median) / (1.4826 x MAD), the modified
    z-score of Iglewicz & Hoaglin (1993), for which 3.5 marks an outlier.
    Where more than half the values tie (MAD = 0) the mean absolute
    deviation x 1.2533 stands in. ``mask`` selects the values that form the
    distribution (others are scored against it).

    References
    ----------
    Iglewicz, B. & Hoaglin, D. C. (1993). *How to Detect and Handle
    Outliers.* ASQC Quality Press.

    Examples
    --------
    >>> m, z = flow_outliers(np.array([1.0, 1, 1, 1, 2, 10]))
    >>> [round(float(v), 1) for v in m]
    [0.4, 0.4, 0.4, 0.4, 0.8, 3.8]
    """
    v = np.asarray(values, dtype=float)
    mask = np.ones(len(v), dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    if not mask.any() or v[mask].mean() <= 0:
        return np.zeros(len(v)), np.zeros(len(v))
    multiple = v / v[mask].mean()
    x = np.log1p(multiple)
    med = np.median(x[mask])
    spread = 1.4826 * np.median(np.abs(x[mask] - med))
    if spread <= 0:
        spread = 1.2533 * np.mean(np.abs(x[mask] - med))
    z = (x - med) / spread if spread > 0 else np.zeros(len(v))
    return multiple, z


def outlier_line(z_min: float, alpha: float, n: int) -> float:
    """The robust z a value must reach to be an outlier among ``n``: at least ``z_min``.

    The one-sided normal quantile ``1 - alpha / n`` (a Bonferroni bound):
    among ``n`` values with no outlier at all, the chance that any passes is
    at most about ``alpha``, at 20 people as at 100,000.

    Examples
    --------
    >>> round(outlier_line(3.5, 0.05, 10_000), 2)
    4.42
    """
    # scipy.special, not scipy.stats: the same functions without a second of import.
    from scipy.special import ndtri

    return float(max(z_min, -ndtri(alpha / max(n, 1))))


def sole_links(org, *, min_group=5, min_ties=4, min_share=0.8) -> pd.DataFrame:
    """Department pairs whose direct work runs through one person.

    For every pair of departments with at least ``min_group`` members each
    and at least ``min_ties`` handoffs between them (either direction), the
    member of either department on the most of those handoffs, how many
    (``carried``) and their ``share``. ``expected_share`` is the share the
    same person has of their department's *other* crossing handoffs (what
    they would carry of this pair if the pair were like the rest of their
    work); ``p_value`` is the binomial probability of carrying at least
    ``carried`` by that share, Holm-adjusted over the pairs tested. Only
    pairs where the top person reaches ``min_share`` are returned.

    Examples
    --------
    >>> from orggraph.analysis._examples import two_departments
    >>> len(sole_links(two_departments(), min_group=1, min_ties=1))
    1
    """
    from scipy.special import bdtrc

    from .silos import holm

    a = actors(org)
    cols = [
        "department_a",
        "department_b",
        "person",
        "carried",
        "interface_ties",
        "share",
        "expected_share",
        "p_value",
    ]
    gs, gd = a.group[a.src], a.group[a.dst]
    cross = gs != gd
    if not cross.any():
        return pd.DataFrame(columns=cols)
    sizes = np.bincount(a.group, minlength=len(a.groups))
    lo, hi = np.minimum(gs[cross], gd[cross]), np.maximum(gs[cross], gd[cross])
    ends = pd.DataFrame(
        {
            "lo": np.r_[lo, lo],
            "hi": np.r_[hi, hi],
            "person": np.r_[a.src[cross], a.dst[cross]],
        }
    )
    pair_ties = ends.groupby(["lo", "hi"]).size() // 2
    carried = ends.groupby(["lo", "hi", "person"]).size().rename("carried").reset_index()
    carried = carried.sort_values("carried", ascending=False, kind="stable")
    top = carried.drop_duplicates(["lo", "hi"]).set_index(["lo", "hi"])
    top["interface_ties"] = pair_ties.reindex(top.index).to_numpy()
    top = top.reset_index()
    ok = (
        (sizes[top["lo"]] >= min_group)
        & (sizes[top["hi"]] >= min_group)
        & (top["interface_ties"] >= min_ties)
    )
    top = top[ok.to_numpy()].copy()
    if top.empty:
        return pd.DataFrame(columns=cols)
    top["share"] = top["carried"] / top["interface_ties"]
    # The person's share of their own department's crossing work outside this pair.
    person_cross = np.bincount(ends["person"], minlength=a.n) // 1
    dept_cross = np.bincount(a.group[ends["person"].to_numpy()], minlength=len(a.groups))
    pg = a.group[top["person"].to_numpy()]
    other_person = person_cross[top["person"].to_numpy()] - top["carried"].to_numpy()
    other_dept = dept_cross[pg] - top["interface_ties"].to_numpy()
    top["expected_share"] = (other_person + 0.5) / (np.maximum(other_dept, 0) + 1.0)
    top["expected_share"] = top["expected_share"].clip(upper=1.0)
    # P(X >= carried) for X ~ Binomial(interface_ties, expected_share).
    raw = bdtrc(
        (top["carried"] - 1).to_numpy(dtype=np.int64),
        top["interface_ties"].to_numpy(dtype=np.int64),
        top["expected_share"].to_numpy(dtype=float),
    )
    top["p_value"] = holm(raw)
    top = top[top["share"] >= min_share]
    top["department_a"] = [a.groups[i] for i in top["lo"]]
    top["department_b"] = [a.groups[i] for i in top["hi"]]
    top["person"] = [a.ids[i] for i in top["person"]]
    return top[cols].reset_index(drop=True)


#: Rows of the two-step products computed at once by :func:`structural_holes`.
_HOLES_ROWS = 50_000


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
    redundancy, constraint = np.zeros(n), np.zeros(n)
    # Rows in blocks: the two-step products of a million people hold 264 million
    # pairs (out of memory at once); each row comes out the same either way.
    for lo in range(0, n, _HOLES_ROWS):
        pb, bb = p[lo : lo + _HOLES_ROWS], b[lo : lo + _HOLES_ROWS]
        redundancy[lo : lo + _HOLES_ROWS] = np.asarray(pb.multiply(bb @ m).sum(axis=1)).ravel()
        q = (pb + pb @ p).multiply(bb)
        constraint[lo : lo + _HOLES_ROWS] = np.asarray(q.multiply(q).sum(axis=1)).ravel()
    effective = deg - redundancy
    constraint = np.where(deg > 0, constraint, np.nan)
    return pd.DataFrame(
        {"constraint": constraint, "effective_size": effective}, index=pd.Index(ids, name="unit")
    )


#: Two-paths handled at once by :func:`brokerage` (about 200 MB of arrays).
_BLOCK = 4_000_000


def _rows(tails, heads, n):
    """Compressed rows: ``heads[ptr[v]:ptr[v + 1]]`` follow ``v``."""
    order = np.argsort(tails, kind="stable")
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.add.at(ptr, tails + 1, 1)
    return np.cumsum(ptr), heads[order]


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
    el = np.asarray(g.get_edgelist(), dtype=np.int64).reshape(-1, 2)
    edge_codes = np.sort(el[:, 0] * n + el[:, 1])
    in_ptr, in_heads = _rows(el[:, 1], el[:, 0], n)
    out_ptr, out_heads = _rows(el[:, 0], el[:, 1], n)
    in_deg, out_deg = np.diff(in_ptr), np.diff(out_ptr)
    per_b = in_deg * out_deg
    counts = np.zeros((n, len(ROLES)), dtype=np.int64)
    # Every two-path a -> b -> c at once, in blocks of brokers of about
    # BLOCK two-paths (a Python loop over brokers took most of a second at
    # 10,000 people; a million people have some 10^8 two-paths).
    ends = np.cumsum(per_b)
    first = 0
    while first < n:
        last = int(np.searchsorted(ends, (ends[first - 1] if first else 0) + _BLOCK, "right"))
        last = min(max(last, first + 1), n)
        bs = np.arange(first, last)
        rep = np.repeat(bs, per_b[bs])
        start = np.repeat(np.cumsum(per_b[bs]) - per_b[bs], per_b[bs])
        k = np.arange(len(rep)) - start
        a = in_heads[in_ptr[rep] + k // out_deg[rep]] if len(rep) else rep
        c = out_heads[out_ptr[rep] + k % out_deg[rep]] if len(rep) else rep
        keep = a != c
        a, b, c = a[keep], rep[keep], c[keep]
        codes = a * n + c
        pos = np.minimum(np.searchsorted(edge_codes, codes), max(len(edge_codes) - 1, 0))
        open_ = edge_codes[pos] != codes if len(edge_codes) else np.ones(len(codes), bool)
        a, b, c = a[open_], b[open_], c[open_]
        ga, gb, gc = group[a], group[b], group[c]
        roles = (
            (ga == gb) & (gc == gb),
            (ga == gc) & (ga != gb),
            (ga == gb) & (gc != gb),
            (gc == gb) & (ga != gb),
            (ga != gb) & (gc != gb) & (ga != gc),
        )
        for j, mask in enumerate(roles):
            counts[:, j] += np.bincount(b[mask], minlength=n)
        first = last
    out = pd.DataFrame(counts, columns=list(ROLES), index=pd.Index(ids, name="unit"))
    out["brokerage"] = out.sum(axis=1)
    return out


def centrality(org, *, paths=None, sample=None, seed=0, holes=None) -> pd.DataFrame:
    """Betweenness, strength, partners, structural holes and brokerage per unit.

    Columns: ``betweenness`` (weighted on distance, directed, normalized by
    ``(n-1)(n-2)`` as networkx does), ``flow_multiple`` and ``flow_z`` (the
    betweenness against the organization's own distribution, see
    :func:`flow_outliers`), ``in_strength``/``out_strength`` (sum of
    weights received/delivered), ``providers``/``customers`` (distinct units
    it receives from/delivers to), ``constraint``, ``effective_size`` (see
    :func:`structural_holes`), the five brokerage role counts and their total
    (see :func:`brokerage`), plus ``name``, ``kind`` and ``department``.

    Parameters
    ----------
    paths : Paths, optional
        Shortest-path results from :mod:`~orggraph.analysis.paths` (computed
        once by ``analyze`` for units and handoffs together).
    sample : int, optional
        Without ``paths``: estimate betweenness from this many random source
        units (:func:`~orggraph.analysis.paths.estimate`); the table then has
        ``betweenness_low`` and ``betweenness_high`` (the interval) and
        ``rank_certain`` for the top 10, and ``df.attrs["betweenness"]``
        states the guarantee.
    seed : int
        Seed of the source sample.
    holes : DataFrame, optional
        :func:`structural_holes` joined with :func:`brokerage`, where the
        caller computed them already (``analyze``, while shortest paths run).

    Examples
    --------
    >>> from orggraph.analysis._examples import chain
    >>> centrality(chain())["betweenness"].round(3).to_dict()
    {'p1': 0.0, 'p2': 0.333, 'p3': 0.333, 'x': 0.0}
    """
    g, ids, _ = active_graph(org)
    if paths is None:
        paths = exact(org) if sample is None else estimate(org, sources=sample, seed=seed)
    n = g.vcount()
    scale = 1.0 / ((n - 1) * (n - 2)) if n > 2 else 1.0
    btw = paths.node * scale
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
    internal = df["kind"].to_numpy() != "external"
    df["flow_multiple"], df["flow_z"] = flow_outliers(btw, internal)
    if paths.estimated:
        df["betweenness_low"] = paths.lower * scale
        df["betweenness_high"] = paths.upper * scale
        top = np.argsort(-btw, kind="stable")[: paths.info["top"]]
        rest = np.ones(n, dtype=bool)
        rest[top] = False
        ceiling = paths.upper[rest].max() if rest.any() else -np.inf
        certain = np.zeros(n, dtype=bool)
        certain[top] = paths.lower[top] > ceiling
        df["rank_certain"] = certain
    if holes is None:
        holes = structural_holes(org).join(brokerage(org))
    df = df.join(holes)
    df.attrs["betweenness"] = dict(paths.info)
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


class Reach:
    """Who reaches whom along handoffs, and what a change takes away.

    The one removal-impact routine: key-person risk removes one candidate
    at a time, the what-if removes people or departments (optionally handing
    their work to a successor). Built once per organization. Each
    :meth:`without` finds the strongly connected components of what is left
    (everyone in one reaches the same units) and searches the much smaller
    graph between them: a few seconds per removal at 100,000 people where
    one search per sampled source took a minute. Exact up to
    ``exact_limit`` units, else from ``sample`` random sources (seeded), the
    same sources before and after.
    """

    def __init__(self, org, *, exact_limit=2000, sample=300, seed=0):
        g, ids, group = active_graph(org)
        self.g, self.ids, self.group = g, ids, group
        self.pos = {u: i for i, u in enumerate(ids)}
        n = self.n = g.vcount()
        rng = np.random.default_rng(seed)
        self.sources = (
            np.arange(n) if n <= exact_limit else rng.choice(n, size=min(sample, n), replace=False)
        )
        self.estimate = n > exact_limit
        self.k = int(group.max()) + 1 if n else 0
        self.el = np.asarray(g.get_edgelist(), dtype=np.int64).reshape(-1, 2)
        self.ext = [self.pos[e] for e in org.external if e in self.pos]
        self.org = org
        self._dg = None
        base = Condensed(self.el, np.zeros(n, dtype=bool), group, self.k)
        # Who each source reaches, as a boolean matrix (sources x units): the counts
        # of a removal are then column sums, not Python sets.
        self.reached = np.zeros((len(self.sources), n), dtype=bool)
        rows: dict = {}
        for i, c in enumerate(base.memb[self.sources].tolist()):
            if c not in rows:
                rows[c] = base.reaches(c)[base.memb]
            self.reached[i] = rows[c]
        self.base_dept = base.department_pairs()
        self.base_cust = base.to(self.ext)

    @property
    def dg(self):
        """The graph with one virtual source per department (for routes), built when needed."""
        if self._dg is None:
            self._dg = self.g.copy()
            self._dg.add_vertices(self.k)
            self._dg.add_edges([(self.n + grp, v) for v, grp in enumerate(self.group)])
            self.base_steps = self._dept_steps(self._dg)
        return self._dg

    def _dept_steps(self, graph) -> np.ndarray:
        """Fewest handoffs from any member of department d to any member of d2 (k x k)."""
        if not self.k:
            return np.zeros((0, 0))
        d = np.asarray(
            graph.distances(source=list(range(self.n, self.n + self.k)), mode="out"),
            dtype=float,
        )[:, : self.n]
        out = np.full((self.k, self.k), np.inf)
        for g2 in range(self.k):
            cols = self.group == g2
            if cols.any():
                out[:, g2] = d[:, cols].min(axis=1)
        # The virtual source adds one step; a department reaches itself in none.
        return out - 1

    def without(self, removed, *, successor=None, max_pairs=0, routes=True) -> dict:
        """The effect of removing vertex indices ``removed``.

        With ``successor`` (a vertex index), the removed units' handoffs are
        handed to it instead of lost. Returns ``dependencies_lost`` (share of
        reachable ordered pairs, among pairs without a removed unit, that
        lose every path), ``lost_pairs`` and ``pairs`` (counts over the
        sources), ``lost_examples`` (up to ``max_pairs`` vertex pairs),
        ``department_pairs_lost`` (share) and ``department_pairs`` (the
        pairs of department indices), ``rerouted`` (department pairs still
        connected but by a longer route: (from, to, handoffs before, after);
        only with ``routes``), ``cut_off`` (vertices that no longer reach the
        external customer) and ``estimate``.
        """
        removed = set(removed)
        gone = np.zeros(self.n, dtype=bool)
        gone[list(removed)] = True
        edges = self.el[~(gone[self.el[:, 0]] | gone[self.el[:, 1]])]
        extra = []
        if successor is not None:
            for x in removed:
                extra += [(successor, t) for t in self.g.successors(x) if t not in removed]
                extra += [(s, successor) for s in self.g.predecessors(x) if s not in removed]
            extra = [(a, b) for a, b in set(extra) if a != b]
            if extra:
                edges = np.vstack([edges, np.asarray(extra, dtype=np.int64)])
        after_graph = Condensed(edges, gone, self.group, self.k)
        keep = ~gone[self.sources]
        rows = self.reached[keep]
        # Before: what each source reached, less itself and the removed units.
        before = rows.sum(axis=1) - 1 - rows[:, gone].sum(axis=1)
        srcs = self.sources[keep]
        after = after_graph.reach_sizes(srcs) - 1
        total = int(before.sum())
        lost = int(total - after.sum())
        examples = []
        # Examples only from the sources that lost something.
        for s in srcs[before - after > 0].tolist():
            if len(examples) >= max_pairs:
                break
            now = after_graph.reaches(after_graph.memb[s])[after_graph.memb]
            was = self.reached[self.sources == s][0] & ~gone
            examples += [(s, int(v)) for v in np.flatnonzero(was & ~now) if v != s]
        examples = examples[:max_pairs]
        dpairs = after_graph.department_pairs()
        cut_off = sorted(self.base_cust - after_graph.to(self.ext) - removed - set(self.ext))
        rerouted = []
        if routes and self.k:
            hd = self.dg.copy()
            if extra:
                hd.add_edges(extra)
            hd.delete_edges({e for x in removed for e in hd.incident(x, mode="all")})
            steps = self._dept_steps(hd)
            longer = np.argwhere(
                np.isfinite(self.base_steps) & np.isfinite(steps) & (steps > self.base_steps)
            )
            rerouted = [
                (int(a), int(b), int(self.base_steps[a, b]), int(steps[a, b]))
                for a, b in longer
                if a != b
            ]
        return {
            "rerouted": rerouted,
            "dependencies_lost": lost / total if total else 0.0,
            "lost_pairs": lost,
            "pairs": total,
            "lost_examples": examples,
            "department_pairs": sorted(self.base_dept - dpairs),
            "department_pairs_lost": len(self.base_dept - dpairs) / len(self.base_dept)
            if self.base_dept
            else 0.0,
            "cut_off": cut_off,
            "estimate": self.estimate,
        }


def key_person_risk(
    org,
    *,
    top=10,
    exact_limit=2000,
    sample=300,
    seed=0,
    centrality_table=None,
    extra=(),
    reach=None,
) -> pd.DataFrame:
    """What breaks if a person (or unit) is gone.

    Candidates are the cut vertices of the undirected view (units whose
    removal disconnects the map) and the highest-betweenness units; the
    ``top`` of them by betweenness, plus the units in ``extra``, are removed
    one at a time (:class:`Reach`) and scored:

    - ``dependencies_lost``: share of ordered pairs (u, v) where u's work
      reaches v along handoffs before, and no path is left after (pairs
      involving the removed unit excluded). Exact up to ``exact_limit``
      units, else estimated from ``sample`` random sources (seeded).
    - ``department_pairs_lost``: share of ordered department pairs connected
      by some path before and by none after.
    - ``cut_off_from_customer``: units that reached the external customer
      before and do not after, and ``departments_cut_off`` among them.

    ``reach``: the :class:`Reach` of ``org`` built with the same settings,
    where the caller has it (``analyze`` builds it while the paths run).

    Returns
    -------
    DataFrame indexed by unit, sorted by ``dependencies_lost``.
    """
    g, ids, group = active_graph(org)
    und = g.as_undirected(mode="collapse")
    cut = set(und.articulation_points())
    c = centrality_table if centrality_table is not None else centrality(org)
    btw = c["betweenness"].to_numpy()
    order = [i for i in np.argsort(-btw, kind="stable") if ids[i] not in org.external]
    candidates = ([i for i in order if i in cut] + [i for i in order if i not in cut])[:top]
    pos = {u: i for i, u in enumerate(ids)}
    candidates += [pos[u] for u in dict.fromkeys(extra) if u in pos and pos[u] not in candidates]
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
    if reach is None:
        reach = Reach(org, exact_limit=exact_limit, sample=sample, seed=seed)
    rows = []
    for x in candidates:
        r = reach.without({x}, routes=False)
        rows.append(
            {
                "unit": ids[x],
                "cut_vertex": x in cut,
                "dependencies_lost": r["dependencies_lost"],
                "department_pairs_lost": r["department_pairs_lost"],
                "cut_off_from_customer": len(r["cut_off"]),
                "departments_cut_off": sorted({org.department_of(ids[v]) for v in r["cut_off"]}),
                "estimate": r["estimate"],
            }
        )
    return pd.DataFrame(rows).set_index("unit").sort_values("dependencies_lost", ascending=False)


def find(org, result, thresholds) -> list:
    """Bottleneck candidates: load outliers, sole links and key-person risks.

    Three ways past the line, each against the organization itself:

    - *load*: betweenness at least ``bottleneck_multiple`` times the average
      and a robust z-score of at least :func:`outlier_line` (ratio: multiple /
      its line, capped at 2: load alone is at most medium, since a busy
      person can be helped and a second route exists);
    - *sole link*: the person on at least ``sole_link_share`` of the
      handoffs between two departments of ``min_group_size`` or more,
      carrying at least ``sole_link_min_ties`` of them, more than their
      other work predicts (Holm p <= ``p_max``); ratio: carried /
      ``sole_link_min_ties``, summed over the pairs they link alone;
    - *key person*: removing them leaves at least ``key_person_dependencies``
      of who-reaches-whom pairs with no path (ratio: lost / line).

    The ratio of a unit is the largest of the three.
    """
    t = thresholds
    c = result.tables["centrality"]
    risk = result.tables["key_person_risk"]
    links = result.tables["sole_links"]
    links = links[links["p_value"] <= t.p_max]
    names = org.names
    external = set(org.external)
    # Load alone is capped at twice its line (medium at most): a busy person can be
    # helped; a sole link or key person has no second route and outranks them.
    load = (c["flow_multiple"] / t.bottleneck_multiple).clip(lower=0, upper=2.0)
    z_line = outlier_line(t.bottleneck_z, t.outlier_alpha, int((c["kind"] != "external").sum()))
    load = load.where(c["flow_z"] >= z_line, np.minimum(load, 0.99))
    dep = (
        risk["dependencies_lost"].reindex(c.index).fillna(0.0)
        if len(risk)
        else pd.Series(0.0, index=c.index)
    )
    sole = links.groupby("person")["carried"].sum().reindex(c.index).fillna(0) / max(
        t.sole_link_min_ties, 1
    )
    ratio = pd.concat(
        [load, dep / t.key_person_dependencies, sole], axis=1, keys=["load", "dep", "sole"]
    )
    best = ratio.astype(float).max(axis=1)
    best = best[[u not in external for u in best.index]]
    # Everything past the line, and the closest few below it (near misses).
    chosen = best[best >= 1].index.tolist() + best[best < 1].nlargest(3).index.tolist()
    info = c.attrs.get("betweenness", {})
    out = []
    for unit in chosen:
        r = c.loc[unit]
        parts = ratio.loc[unit]
        who = names[unit]
        dept = org.department_of(unit)
        reasons = []
        if parts["load"] >= 1:
            reasons.append(
                f"lies on {r['flow_multiple']:.1f} times the average person's share of the "
                f"shortest working paths between others ({r['betweenness']:.1%} of them)"
            )
        mine = links[links["person"] == unit]
        for _, lk in mine.iterrows():
            other = lk["department_b"] if lk["department_a"] == dept else lk["department_a"]
            here = lk["department_a"] if other == lk["department_b"] else lk["department_b"]
            reasons.append(
                f"is on {int(lk['carried'])} of the {int(lk['interface_ties'])} handoffs "
                f"between {names[here]} and {names[other]}: their only regular link"
            )
        if parts["dep"] >= 1:
            lost = risk.loc[unit]
            pronoun = "them" if r["kind"] == "person" else "it"
            reasons.append(
                f"without {pronoun} {dep[unit]:.0%} of the pairs whose work reaches each "
                "other lose every route"
                + (
                    f" and {', '.join(names[d] for d in lost['departments_cut_off'])}"
                    " can no longer reach the customer"
                    if lost["departments_cut_off"]
                    else ""
                )
            )
        reasons.append(
            f"receives work from {_units(r['providers'])} and delivers to {_units(r['customers'])}"
        )
        if r["kind"] == "person":
            summary = f"{who} in {names[dept]} is a bottleneck: "
        elif unit == dept:
            summary = f"The {who} department is a bottleneck: "
        else:
            summary = f"{who} ({r['kind']} in {names[dept]}) is a bottleneck: "
        summary += "; ".join(reasons) + "."
        measure = (
            f"{r['flow_multiple']:.1f}x the average share of paths, robust z "
            f"{r['flow_z']:.1f} (lines {t.bottleneck_multiple:g}x and {z_line:.2f})"
        )
        if len(mine):
            measure += f"; sole link on {int(mine['carried'].sum())} handoffs"
        if unit in risk.index:
            measure += (
                f"; {dep[unit]:.1%} of reach lost on removal (line {t.key_person_dependencies:.0%})"
            )
        evidence = {
            "betweenness": float(r["betweenness"]),
            "flow_multiple": float(r["flow_multiple"]),
            "flow_z": float(r["flow_z"]),
            "providers": int(r["providers"]),
            "customers": int(r["customers"]),
            "in_strength": float(r["in_strength"]),
            "out_strength": float(r["out_strength"]),
            "constraint": float(r["constraint"]),
            "effective_size": float(r["effective_size"]),
            "brokerage": int(r["brokerage"]),
            "gatekeeper_role": int(r["gatekeeper"]),
            "representative_role": int(r["representative"]),
            "sole_link_pairs": len(mine),
        }
        if unit in risk.index:
            evidence |= {
                "cut_vertex": bool(risk.loc[unit, "cut_vertex"]),
                "dependencies_lost": float(dep[unit]),
                "department_pairs_lost": float(risk.loc[unit, "department_pairs_lost"]),
                "cut_off_from_customer": int(risk.loc[unit, "cut_off_from_customer"]),
            }
        if "sources" in info:
            evidence["betweenness_estimate"] = (
                f"estimated from {info['sources']} of {info['of']} sources: between "
                f"{r['betweenness_low']:.2%} and {r['betweenness_high']:.2%} with "
                f"{info['confidence']:.0%} confidence"
                + ("" if r.get("rank_certain", True) else "; its rank is NOT certain")
            )
        if len(mine) and parts["sole"] == parts.max():
            lk = mine.iloc[0]
            action = ACTIONS["sole_link"].format(
                a=names[lk["department_a"]], b=names[lk["department_b"]], who=who
            )
        else:
            action = ACTIONS["backup" if r["kind"] == "person" else "unit_backup"].format(who=who)
        out.append(
            Finding(
                "bottleneck",
                "",
                score_of(float(best[unit])),
                (unit,),
                summary,
                evidence,
                action,
                measure,
            )
        )
    return out

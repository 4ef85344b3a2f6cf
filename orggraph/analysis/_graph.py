"""Shared graph views for the analyses: the internal actors and their department labels."""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import breadth_first_order, connected_components

__all__ = ["Actors", "Condensed", "actors", "active_graph"]

# Graph views live beside the frozen Organization, never inside it: keyed by the
# object, dropped with it.
_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _cache(org) -> dict:
    try:
        return _CACHE.setdefault(org, {})
    except TypeError:  # not weak-referenceable: no caching
        return {}


@dataclass(frozen=True)
class Actors:
    """The internal units that take part in handoffs, as integer arrays.

    ``ids[i]`` is actor ``i``; ``group[i]`` the index of its department in
    ``groups``; ``src``/``dst``/``weight``/``distance`` the unit-graph edges
    between actors (pairs merged, external customer left out).
    """

    ids: list[str]
    group: np.ndarray
    groups: list[str]
    src: np.ndarray
    dst: np.ndarray
    weight: np.ndarray
    distance: np.ndarray

    @property
    def n(self) -> int:
        return len(self.ids)

    def igraph(self, directed=True):
        import igraph as ig

        g = ig.Graph(n=self.n, edges=np.column_stack([self.src, self.dst]).tolist(), directed=True)
        g.es["weight"] = self.weight.tolist()
        g.es["distance"] = self.distance.tolist()
        if not directed:
            g = g.as_undirected(mode="collapse", combine_edges={"weight": "sum", "distance": "min"})
        return g


def actors(org) -> Actors:
    """Internal actors of ``org`` (units other than the external customer that have handoffs)."""
    cache = _cache(org)
    if "actors" in cache:
        return cache["actors"]
    e = org.unit_edges
    external = set(org.external)
    used = set(e["provider"]).union(e["customer"])
    ids = [u for u in org.ids if u not in external and u in used]
    depts = [org.department_of(u) for u in ids]
    groups = list(dict.fromkeys(depts))
    gpos = {d: i for i, d in enumerate(groups)}
    where = pd.Index(ids)
    a, b = where.get_indexer(e["provider"]), where.get_indexer(e["customer"])
    inside = (a >= 0) & (b >= 0)
    edges = np.column_stack(
        [a[inside], b[inside], e["weight"].to_numpy()[inside], e["distance"].to_numpy()[inside]]
    )
    arr = np.array(edges, dtype=float).reshape(-1, 4)
    result = Actors(
        ids,
        np.array([gpos[d] for d in depts], dtype=np.int64),
        groups,
        arr[:, 0].astype(np.int64),
        arr[:, 1].astype(np.int64),
        arr[:, 2],
        arr[:, 3],
    )
    cache["actors"] = result
    return result


def active_graph(org):
    """``(igraph.Graph, ids, group)``: units with handoffs; ``group`` = department index.

    The external customer is included (it is where work ends); edges carry
    ``weight``, ``distance``, ``closeness``, ``handoffs``, ``importance``,
    ``satisfaction`` and ``sla_days`` from :attr:`Organization.unit_edges`
    (the edges of :attr:`Organization.graph`, without building it).
    """
    cache = _cache(org)
    if "active" in cache:
        return cache["active"]
    import igraph as ig

    e = org.unit_edges
    used = set(e["provider"]).union(e["customer"])
    ids = [u for u in org.ids if u in used]
    where = pd.Index(ids)
    pairs = np.column_stack([where.get_indexer(e["provider"]), where.get_indexer(e["customer"])])
    ig_g = ig.Graph(n=len(ids), edges=pairs.tolist(), directed=True)
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
        ig_g.es[attr] = e[attr].tolist()
    depts = [org.department_of(u) for u in ids]
    codes = {d: i for i, d in enumerate(dict.fromkeys(depts))}
    group = np.array([codes[d] for d in depts], dtype=np.int64)
    cache["active"] = (ig_g, ids, group)
    return cache["active"]


class Condensed:
    """The strongly connected components of a graph and the acyclic graph between them.

    Everyone in a component reaches the same units, so who-reaches-whom is a
    search on the much smaller graph between components. ``edges`` is an
    (m, 2) array of vertex indices; ``removed_mask`` marks vertices taken
    out (their edges must already be gone). ``k`` virtual vertices, one per
    department of ``group``, point at the components of its remaining
    members, so that a department's reach is one search. Used by removal
    impact (:class:`~orggraph.analysis.bottlenecks.Reach`).
    """

    def __init__(self, edges, removed_mask, group, k):
        n = len(group)
        ones = np.ones(len(edges), dtype=bool)
        a = csr_matrix((ones, (edges[:, 0], edges[:, 1])), shape=(n, n))
        self.nc, memb = connected_components(a, directed=True, connection="strong")
        self.memb = memb.astype(np.int64)
        self.sizes = np.bincount(self.memb, minlength=self.nc)
        self.group, self.k, self.kept = group, k, ~removed_mask
        ca, cb = self.memb[edges[:, 0]], self.memb[edges[:, 1]]
        cross = ca != cb
        rows = np.concatenate([ca[cross], self.nc + group[self.kept]])
        cols = np.concatenate([cb[cross], self.memb[self.kept]])
        size = self.nc + k
        self.dag = csr_matrix((np.ones(len(rows), dtype=bool), (rows, cols)), shape=(size, size))
        self._up = None
        self._known: dict = {}

    def reaches(self, c) -> np.ndarray:
        """Boolean over components: those reachable from component (or vertex) ``c``."""
        mask = np.zeros(self.nc + self.k, dtype=bool)
        mask[breadth_first_order(self.dag, int(c), directed=True, return_predecessors=False)] = True
        return mask[: self.nc]

    def reach_sizes(self, vertices) -> np.ndarray:
        """How many units each of ``vertices`` reaches, itself included."""
        out = np.empty(len(vertices))
        for i, c in enumerate(self.memb[vertices].tolist()):
            if c not in self._known:
                self._known[c] = int(self.sizes[self.reaches(c)].sum())
            out[i] = self._known[c]
        return out

    def department_pairs(self) -> set:
        """Ordered department pairs (d, d2), d2 != d, with a path from a member to a member."""
        pairs = set()
        for d in range(self.k):
            units = self.reaches(self.nc + d)[self.memb] & self.kept
            hit = np.flatnonzero(np.bincount(self.group[units], minlength=self.k))
            pairs.update((d, int(d2)) for d2 in hit.tolist() if d2 != d)
        return pairs

    def to(self, targets) -> set:
        """Vertices with a path to any of ``targets`` (themselves included)."""
        if not targets:
            return set()
        if self._up is None:
            self._up = self.dag[: self.nc, : self.nc].T.tocsr()
        mask = np.zeros(self.nc, dtype=bool)
        for t in targets:
            c = int(self.memb[t])
            mask[breadth_first_order(self._up, c, directed=True, return_predecessors=False)] = True
        return set(np.flatnonzero(mask[self.memb]).tolist())

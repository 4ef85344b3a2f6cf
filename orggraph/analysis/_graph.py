"""Shared graph views for the analyses: the internal actors and their department labels."""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np

__all__ = ["Actors", "actors", "active_graph"]

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
    g = org.graph
    external = set(org.external)
    ids = [u for u in org.ids if u not in external and g.degree(u) > 0]
    pos = {u: i for i, u in enumerate(ids)}
    depts = [org.department_of(u) for u in ids]
    groups = list(dict.fromkeys(depts))
    gpos = {d: i for i, d in enumerate(groups)}
    edges = [
        (pos[a], pos[b], d["weight"], d["distance"])
        for a, b, d in g.edges(data=True)
        if a in pos and b in pos
    ]
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
    ``satisfaction`` and ``sla_days`` from :attr:`Organization.graph`.
    """
    cache = _cache(org)
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

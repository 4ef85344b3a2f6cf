"""Shortest working paths: node and edge betweenness from one computation, exact or estimated.

Path lengths are the documented distance ``1 / closeness`` in whole steps of
``1 / LENGTH_SCALE``: with closeness 1-5, 60 / closeness is a whole number,
so paths of equal length tie exactly in every engine (floating-point sums
of 1/3 and 1/5 would split such ties by rounding noise).

- :func:`exact`: one Brandes (2001) pass for nodes and edges together, on
  every core (networkit's ``Betweenness(..., computeEdgeCentrality=True)``);
  igraph's two passes where networkit is not installed.
- :func:`estimate`: sources sampled in independent batches (Brandes & Pich
  2007), with a confidence interval for every unit from the spread of the
  batch estimates, added batch by batch until the top ``k`` are separated
  from the rest or the budget is spent.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from ._graph import active_graph

__all__ = ["LENGTH_SCALE", "Paths", "exact", "estimate", "predict_exact_seconds"]

#: Path lengths are distance x LENGTH_SCALE, rounded: 60 = lcm(1..5), x 1,000 for the
#: averaged closeness of merged handoffs.
LENGTH_SCALE = 60_000


@dataclass(frozen=True)
class Paths:
    """Betweenness of every unit and handoff of the active graph (igraph order).

    ``node`` and ``edge`` are raw counts (pairs whose shortest paths pass
    through, split over equal paths); ``lower``/``upper`` bound ``node``
    where it is estimated. ``info`` says how it was computed and, for an
    estimate, the guarantee in numbers.
    """

    node: np.ndarray
    edge: np.ndarray
    info: dict = field(default_factory=dict)
    lower: np.ndarray | None = None
    upper: np.ndarray | None = None

    @property
    def estimated(self) -> bool:
        return self.lower is not None


def lengths(g) -> list[float]:
    """Whole-step path lengths of the active graph's edges (see the module docstring)."""
    return np.round(np.asarray(g.es["distance"], dtype=float) * LENGTH_SCALE).tolist()


def _settle(x: np.ndarray) -> np.ndarray:
    """Round every value to 40 bits of mantissa (about 12 significant digits)."""
    m, e = np.frexp(x)
    return np.ldexp(np.round(m * 2.0**40) / 2.0**40, e)


#: Up to this many units igraph's two passes finish before networkit is even imported.
SMALL = 3000


def exact(org, *, threads: int | None = None, engine: str = "auto") -> Paths:
    """Exact node and edge betweenness in one pass (Brandes 2001).

    ``engine``: "networkit" (one multi-threaded pass for units and
    handoffs), "igraph" (two passes, one thread) or "auto": igraph up to
    :data:`SMALL` units, where importing networkit costs more than it saves.
    Both count the same whole-step paths and agree with networkx.

    Examples
    --------
    >>> from orggraph.analysis._examples import chain
    >>> exact(chain()).node.tolist()
    [0.0, 2.0, 2.0, 0.0]
    """
    g, _, _ = active_graph(org)
    n, w = g.vcount(), lengths(g)
    el = g.get_edgelist()
    nk = None
    if engine == "networkit" or (engine == "auto" and n > SMALL):
        try:
            import networkit as nk
        except ImportError:  # pragma: no cover - networkit is a declared dependency
            nk = None
    if nk is None:
        node = np.asarray(g.betweenness(directed=True, weights=w))
        edge = np.asarray(g.edge_betweenness(directed=True, weights=w))
        return Paths(node, edge, {"method": "exact (Brandes 2001, igraph)"})
    if threads:
        nk.setNumberOfThreads(int(threads))
    G = nk.Graph(n, weighted=True, directed=True)
    for (s, t), x in zip(el, w, strict=True):
        G.addEdge(s, t, x)
    G.indexEdges()
    bc = nk.centrality.Betweenness(G, normalized=False, computeEdgeCentrality=True)
    bc.run()
    # Threads add dependencies in any order: round off the last bits so that the
    # same input always gives the same figures.
    node = _settle(np.asarray(bc.scores(), dtype=float))
    scores = np.asarray(bc.edgeScores(), dtype=float)
    edge = _settle(scores[[G.edgeId(s, t) for s, t in el]]) if el else np.zeros(0)
    return Paths(
        node,
        edge,
        {
            "method": "exact (Brandes 2001, networkit, one pass for units and handoffs)",
            "threads": nk.getCurrentNumberOfThreads(),
        },
    )


def estimate(
    org,
    *,
    sources: int = 1000,
    batches: int = 20,
    k: int = 10,
    confidence: float = 0.95,
    max_sources: int | None = None,
    time_budget: float | None = None,
    seed: int = 0,
    progress=None,
) -> Paths:
    """Betweenness estimated from sampled sources, with its error stated.

    Sources are drawn without replacement (seeded) in ``batches`` equal
    batches; each batch gives an unbiased estimate of every unit's and
    handoff's betweenness (its dependencies scaled by n / batch size); the
    estimate pools all sources (dependencies x n / sources used), exact
    when every unit was a source. For unit *v*, the interval is
    ``mean +/- t x sd / sqrt(batches)`` with the Student t quantile at
    ``1 - (1 - confidence) / (2 n)``: a Bonferroni bound, so that *all* n
    intervals hold together with probability ``confidence`` (asymptotically:
    the batch means are approximately normal; this is not a worst-case
    bound). A unit of the estimated top ``k`` is *certain* when its lower
    bound is above the upper bound of every unit outside the top ``k``.

    While fewer than ``k`` are certain, further rounds of ``batches``
    batches of the same size are added, until all are, ``max_sources``
    (default: all units) is reached or ``time_budget`` seconds are spent.

    Returns
    -------
    Paths
        ``info`` holds ``sources``, ``of``, ``batches``, ``confidence``,
        ``half_width_max`` (the widest interval among the top ``k``, as a
        normalized betweenness), ``top_certain`` and ``top``.

    References
    ----------
    Brandes, U. & Pich, C. (2007). Centrality estimation in large networks.
    *Int. J. Bifurcation and Chaos* 17(7), 2303-2318.
    """
    from scipy.special import stdtrit

    g, _, _ = active_graph(org)
    n = g.vcount()
    w = lengths(g)
    max_sources = min(max_sources or n, n)
    size = max(1, min(sources, max_sources) // batches)
    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    start = time.perf_counter()
    node_parts, used = [], 0
    node_sum, edge_sum = np.zeros(n), np.zeros(g.ecount())
    k = max(1, min(k, n - 1))
    while True:
        for _ in range(batches):
            batch = order[used : used + size]
            if not len(batch):
                break
            used += len(batch)
            src = batch.tolist()
            dep = np.asarray(g.betweenness(directed=True, weights=w, sources=src))
            node_sum += dep
            edge_sum += np.asarray(g.edge_betweenness(directed=True, weights=w, sources=src))
            node_parts.append(dep * n / len(batch))
            if progress:
                progress(f"shortest paths: {used:,} of {n:,} sources")
        x = np.vstack(node_parts)
        m = len(x)
        # The pooled estimate (every source so far) is unbiased and the least
        # noisy; the batches' spread gives its standard error.
        mean = node_sum * n / used
        sd = x.std(axis=0, ddof=1) if m > 1 else np.full(n, np.inf)
        q = stdtrit(max(m - 1, 1), 1 - (1 - confidence) / (2 * n))
        half = q * sd / np.sqrt(m)
        lower, upper = np.maximum(mean - half, 0), mean + half
        top = np.argsort(-mean, kind="stable")[:k]
        rest = np.ones(n, dtype=bool)
        rest[top] = False
        ceiling = upper[rest].max() if rest.any() else -np.inf
        certain = int(np.sum(lower[top] > ceiling))
        out_of_time = time_budget is not None and time.perf_counter() - start > time_budget
        if certain == k or used >= max_sources or out_of_time:
            break
    if used >= n:
        # Every unit was a source: the "estimate" is exact.
        lower = upper = mean
        certain = k
    scale = 1.0 / ((n - 1) * (n - 2)) if n > 2 else 1.0
    info = {
        "method": "sampled sources in independent batches (Brandes & Pich 2007)",
        "sources": int(used),
        "of": int(n),
        "batches": int(m),
        "seed": seed,
        "confidence": confidence,
        "half_width_max": float(np.max(upper[top] - mean[top]) * scale),
        "top": int(k),
        "top_certain": certain,
        "stopped": "separated"
        if certain == k
        else ("time budget" if out_of_time else "all allowed sources used"),
    }
    return Paths(mean, edge_sum * n / used, info, lower, upper)


def predict_exact_seconds(org, *, threads: int = 1) -> float:
    """A rough forecast of :func:`exact`'s time: Dijkstra from every unit, n m log n.

    The constant was measured on this project's benchmark machine (2 cores,
    bench/benchmark.py); it errs on the slow side.
    """
    g, _, _ = active_graph(org)
    n, m = g.vcount(), g.ecount()
    return 1.2e-8 * n * (m + n) * np.log2(max(n, 2)) / max(threads, 1)

"""Shortest working paths: node and edge betweenness from one computation, exact or estimated.

Path lengths are the documented distance ``1 / closeness`` in whole steps of
``1 / LENGTH_SCALE``: with closeness 1-5, 60 / closeness is a whole number,
so paths of equal length tie exactly in every engine (floating-point sums
of 1/3 and 1/5 would split such ties by rounding noise).

- :func:`exact`: one Brandes (2001) pass for nodes and edges together, on
  every core (networkit's ``Betweenness(..., computeEdgeCentrality=True)``);
  igraph's two passes where networkit is not installed.
- :func:`start_exact`: the same values from igraph's edge pass on chunks
  of sources in forked worker processes (the command line: faster than
  networkit's threads on 2 cores, and the caller works meanwhile).
- :func:`estimate`: sources sampled in independent batches (Brandes & Pich
  2007), with a confidence interval for every unit from the spread of the
  batch estimates, added batch by batch until the top ``k`` are separated
  from the rest or the budget is spent.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from ._graph import Condensed, active_graph

__all__ = [
    "LENGTH_SCALE",
    "Paths",
    "Pending",
    "exact",
    "estimate",
    "predict_exact_seconds",
    "start_exact",
]

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


#: The exact pass in worker processes splits the sources into this many fixed
#: chunks (whatever the number of processes): the sums, and so the figures, are
#: the same for any number of workers.
EXACT_CHUNKS = 32


class Pending:
    """An exact pass running in forked worker processes; :meth:`result` waits for it."""

    def __init__(self, pool, job, g, n, m, processes, started):
        self._pool, self._job, self._g = pool, job, g
        self._n, self._m, self._processes, self._started = n, m, processes, started

    def result(self) -> tuple[Paths, float]:
        """``(Paths, seconds since the pass started)``."""
        try:
            parts = self._job.get()
        finally:
            self._pool.terminate()
        node, edge = np.zeros(self._n), np.zeros(self._m)
        for dep, eb in parts:
            node += dep
            edge += eb
        info = {
            "method": "exact (Brandes 2001, igraph, one pass for units and handoffs, "
            f"sources split over {self._processes} processes)",
            "processes": self._processes,
        }
        elapsed = time.perf_counter() - self._started
        return Paths(_settle(node), _settle(edge), info), elapsed


def start_exact(org, *, processes: int) -> Pending:
    """Start the exact pass on ``processes`` forked workers and return at once.

    Every source's dependencies come from igraph's edge pass (see
    :func:`_dependencies`), the sources split into :data:`EXACT_CHUNKS`
    fixed chunks. On this project's 2-core benchmark machine this beats
    networkit's threaded pass (10,000 people: 12.4 s against 16-18 s), and
    the caller's own steps run while the workers work. Call it from the
    main thread before starting any other (forking copies only the calling
    thread); the command line uses it, the web view never forks.
    """
    started = time.perf_counter()
    g, _, strata = active_graph(org)
    n = g.vcount()
    w = lengths(g)
    el = np.asarray(g.get_edgelist(), dtype=np.int64).reshape(-1, 2)
    reach = Condensed(el, np.zeros(n, dtype=bool), strata, int(strata.max()) + 1 if n else 0)
    pool = _pool(processes, (g, w, el[:, 0], reach.reach_sizes))
    chunks = [c for c in np.array_split(np.arange(n), EXACT_CHUNKS) if len(c)]
    job = pool.map_async(_child_dependencies, chunks, chunksize=1)
    return Pending(pool, job, g, n, g.ecount(), processes, started)


def _stratified(rng, strata: np.ndarray, size: int) -> np.ndarray:
    """A systematic sample of ``size`` units, implicitly stratified by ``strata``.

    Units are listed stratum by stratum (strata and members in random order)
    and every ``n / size``-th is taken from a random start: each unit is
    drawn with probability exactly ``size / n`` (so ``n / size`` times the
    sum over the sample is unbiased) and every department gets its share of
    sources. Betweenness depends most on where the source sits (a broker
    carries its own department's work out), so this removes the
    between-department part of the sampling noise.
    """
    n = len(strata)
    order = np.lexsort((rng.random(n), rng.permutation(int(strata.max()) + 1)[strata]))
    step = n / size
    return order[np.floor(rng.random() * step + step * np.arange(size)).astype(np.int64)]


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
    processes: int | None = None,
) -> Paths:
    """Betweenness estimated from sampled sources, with its error stated.

    Sources are drawn in ``batches`` independent batches, each a systematic
    sample stratified by department (:func:`_stratified`): every unit is in
    a batch with the same probability, so each batch gives an unbiased
    estimate of every unit's and handoff's betweenness (its dependencies
    scaled by n / batch size), and the batches are independent. The
    estimate pools them; for unit *v* the interval is
    ``mean +/- t x sd / sqrt(batches)`` with the Student t quantile at
    ``1 - (1 - confidence) / (2 n)``: a Bonferroni bound, so that *all* n
    intervals hold together with probability ``confidence`` (asymptotically:
    the batch means are approximately normal; this is not a worst-case
    bound, and tests/analysis/test_paths.py checks it against exact values).
    A unit of the estimated top ``k`` is *certain* when its lower bound is
    above the upper bound of every unit outside the top ``k``.

    One shortest-path pass per batch serves units and handoffs: the
    dependencies a batch puts on the handoffs leaving *v* add up to *v*'s
    own dependency plus, where *v* is a source, the units it reaches.

    While fewer than ``k`` are certain, further rounds of ``batches``
    batches of the same size are added, until all are, ``max_sources``
    (default: as many as units) is reached or ``time_budget`` seconds are
    spent (checked after every batch, from the second on: fewer batches
    give a wider, still honest, bound).

    With ``processes`` above 1, batches are computed by that many forked
    worker processes (igraph holds the interpreter lock while it works);
    the result is the same as with one. Only for command-line use: forking
    a multi-threaded server is unsafe, so the web view never asks for it.

    Asking for at least as many sources as there are units gives the exact
    values (:func:`exact`).

    Returns
    -------
    Paths
        ``info`` holds ``sources``, ``of``, ``batches``, ``confidence``,
        ``half_width_max`` (the widest interval among the top ``k``, as a
        normalized betweenness), ``bound`` (the widest of all: every unit's
        estimate lies within it of the exact value, with ``confidence``),
        ``top_certain`` and ``top``.

    References
    ----------
    Brandes, U. & Pich, C. (2007). Centrality estimation in large networks.
    *Int. J. Bifurcation and Chaos* 17(7), 2303-2318.
    Brandes, U. (2008). On variants of shortest-path betweenness centrality
    and their generic computation. *Social Networks* 30(2), 136-145.
    Cochran, W. G. (1977). *Sampling Techniques*, 3rd ed., ch. 8
    (systematic sampling).
    """
    from scipy.special import stdtrit

    g, _, strata = active_graph(org)
    n = g.vcount()
    if sources >= n:
        return exact(org)
    w = lengths(g)
    el = np.asarray(g.get_edgelist(), dtype=np.int64).reshape(-1, 2)
    tails = el[:, 0]
    k_groups = int(strata.max()) + 1 if n else 0
    reach = Condensed(el, np.zeros(n, dtype=bool), strata, k_groups).reach_sizes
    max_sources = min(max_sources or n, n)
    size = max(1, min(sources, max_sources) // batches)
    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    node_parts, used = [], 0
    node_sum, edge_sum = np.zeros(n), np.zeros(g.ecount())
    k = max(1, min(k, n - 1))
    pool = _pool(processes, (g, w, tails, reach)) if processes and processes > 1 else None
    while True:
        # Batches are drawn here, in order, whoever computes them: the same seed
        # gives the same estimate with one process or several.
        drawn = [_stratified(rng, strata, size) for _ in range(batches)]
        done = (
            pool.imap(_child_dependencies, drawn)
            if pool
            else (_dependencies(g, w, tails, reach, b) for b in drawn)
        )
        for batch, (dep, eb) in zip(drawn, done, strict=False):
            used += len(batch)
            node_sum += dep
            edge_sum += eb
            node_parts.append(dep * n / len(batch))
            if progress:
                progress(f"shortest paths: {used:,} sources of {n:,} units")
            # A budget is kept batch by batch (two at least, for a spread): on a
            # million units one round of batches alone can take an hour.
            if (
                time_budget is not None
                and len(node_parts) >= 2
                and time.perf_counter() - start > time_budget
            ):
                break
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
        if certain == k or used + size * batches > max_sources or out_of_time:
            break
    if pool:
        pool.terminate()
    scale = 1.0 / ((n - 1) * (n - 2)) if n > 2 else 1.0
    info = {
        "method": "sampled sources in independent batches stratified by department "
        "(Brandes & Pich 2007)",
        "sources": int(used),
        "of": int(n),
        "batches": int(m),
        "seed": seed,
        "confidence": confidence,
        "half_width_max": float(np.max(upper[top] - mean[top]) * scale),
        # The one figure that bounds every unit: per-unit intervals of units
        # whose paths come from a few sources are too narrow (the batch spread
        # misses rare sources), the widest interval covers them
        # (tests/analysis/test_paths.py).
        "bound": float(np.max(upper - mean) * scale),
        "top": int(k),
        "top_certain": certain,
        "stopped": "separated"
        if certain == k
        else ("time budget" if out_of_time else "all allowed sources used"),
    }
    return Paths(mean, edge_sum * n / used, info, lower, upper)


#: What forked workers compute on: set just before the pool forks, read-only after.
_WORK: tuple = ()


def _pool(processes: int, work: tuple):
    import multiprocessing

    global _WORK
    _WORK = work
    return multiprocessing.get_context("fork").Pool(processes)


def _child_dependencies(batch):
    return _dependencies(*_WORK, batch)


def _dependencies(g, w, tails, reach, batch) -> tuple[np.ndarray, np.ndarray]:
    """Units' and handoffs' dependencies on the sources in ``batch``, from one pass.

    igraph's edge pass alone: what the batch's paths put on the handoffs
    leaving *v* sums to *v*'s dependency (Brandes 2001, eq. 6) plus, for
    each time *v* is itself a source, the units it reaches besides itself.
    """
    eb = np.asarray(g.edge_betweenness(directed=True, weights=w, sources=batch.tolist()))
    dep = np.bincount(tails, weights=eb, minlength=g.vcount())
    np.subtract.at(dep, batch, reach(batch) - 1)
    # The subtraction can leave -1e-12 where nothing passes.
    return np.maximum(dep, 0.0), eb


def predict_exact_seconds(org, *, threads: int = 1) -> float:
    """A rough forecast of :func:`exact`'s time: Dijkstra from every unit, n m log n.

    The constant was measured on this project's benchmark machine (2 cores,
    bench/benchmark.py); it errs on the slow side.
    """
    g, _, _ = active_graph(org)
    n, m = g.vcount(), g.ecount()
    return 1.2e-8 * n * (m + n) * np.log2(max(n, 2)) / max(threads, 1)

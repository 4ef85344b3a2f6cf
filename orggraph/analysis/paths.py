"""Shortest working paths: node and edge betweenness from one computation, exact or estimated.

Path lengths are the documented distance ``1 / closeness`` in whole steps of
``1 / LENGTH_SCALE``: with closeness 1-5, 60 / closeness is a whole number,
so paths of equal length tie exactly in every engine (floating-point sums
of 1/3 and 1/5 would split such ties by rounding noise).

- :func:`exact`: one Brandes (2001) pass for units and handoffs together,
  on every core (orggraph's compiled kernel, :mod:`._sssp`); igraph's two
  passes on small graphs, where compiling costs more than it saves.
- :func:`estimate`: units sampled systematically in department and team
  order and dealt to batches, each searched forward and backward with
  linear scaling (Geisberger, Sanders & Schultes 2008), the leading units
  refined by regression on their distances (Sarndal, Swensson & Wretman
  1992), with an interval for every unit from the spread of the batch
  estimates and one bound for them all, added round by round until the
  top ``k`` are separated from the rest or the budget is spent.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from ._graph import active_graph

__all__ = [
    "LENGTH_SCALE",
    "Paths",
    "exact",
    "estimate",
    "drawn",
    "predict_exact_seconds",
    "sources_within",
]

#: Changes whenever the same input would give other figures (part of the cache key).
REVISION = "2026-12-05 leading units refined by regression"

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


#: Up to this many units igraph's two passes finish before the kernel is even loaded.
SMALL = 3000


def exact(org, *, engine: str = "auto", progress=None) -> Paths:
    """Exact node and edge betweenness in one pass (Brandes 2001).

    ``engine``: "kernel" (orggraph's compiled kernel, one pass for units
    and handoffs on every core, :mod:`._sssp`), "igraph" (two passes, one
    thread) or "auto": igraph up to :data:`SMALL` units, where loading the
    kernel costs more than it saves. Both count the same whole-step paths
    and agree with networkx (tests/analysis/test_bottlenecks.py).
    ``progress(message)`` hears how many units were searched, every few
    seconds (kernel only).

    Examples
    --------
    >>> from orggraph.analysis._examples import chain
    >>> exact(chain()).node.tolist()
    [0.0, 2.0, 2.0, 0.0]
    """
    g, _, _ = active_graph(org)
    n, w = g.vcount(), lengths(g)
    if engine == "igraph" or (engine == "auto" and n <= SMALL):
        node = np.asarray(g.betweenness(directed=True, weights=w))
        edge = np.asarray(g.edge_betweenness(directed=True, weights=w))
        return Paths(node, edge, {"method": "exact (Brandes 2001, igraph)"})
    from . import _sssp

    node, edge = _sssp.dependencies(
        _kernel_graph(g, w),
        np.arange(n),
        progress=None
        if progress is None
        else lambda done, _: progress(f"shortest paths: {done:,} of {n:,} units searched"),
    )
    return Paths(
        node,
        edge,
        {"method": "exact (Brandes 2001, one pass for units and handoffs on every core)"},
    )


def _kernel_graph(g, w):
    from . import _sssp

    el = np.asarray(g.get_edgelist(), dtype=np.int64).reshape(-1, 2)
    return _sssp.Graph(g.vcount(), el[:, 0], el[:, 1], np.asarray(w, dtype=np.int64))


def _teams(org, ids) -> np.ndarray:
    """Each unit's parent (its team, or the department itself) as an integer code."""
    import pandas as pd

    units = org.units.drop_duplicates("id").set_index("id")
    return pd.factorize(units["parent"].reindex(ids).fillna("").astype(str))[0]


def _stratified(rng, strata: np.ndarray, size: int, teams: np.ndarray | None = None) -> np.ndarray:
    """A systematic sample of ``size`` units, implicitly stratified by ``strata`` and ``teams``.

    Units are listed department by department and, inside one, team by team
    (departments, teams and members in random order), and every
    ``n / size``-th is taken from a random start: each unit is drawn with
    probability exactly ``size / n`` (so ``n / size`` times the sum over the
    sample is unbiased), every department gets its share of sources and,
    once the step comes near a team's size, nearly every team one.
    Betweenness depends most on where the source sits (a broker carries its
    own department's work out; a team's members leave by the same ways), so
    this removes most of the between-department and between-team part of
    the sampling noise: at 10,000 people, one such sample of 1,000 units has
    half the variance of 20 independent ones of 50 ordered by department
    alone (docs/benchmarks.md).
    """
    n = len(strata)
    keys = [rng.random(n)]
    if teams is not None:
        keys.append(rng.permutation(int(teams.max()) + 1)[teams])
    keys.append(rng.permutation(int(strata.max()) + 1)[strata])
    order = np.lexsort(tuple(keys))
    step = n / size
    return order[np.floor(rng.random() * step + step * np.arange(size)).astype(np.int64)]


#: The estimate refines this many leading units by regression (:func:`_refined`) ...
REFINED = 50
#: ... chosen among this many, the ones the first PILOT batches of the first round
#: rank highest: every later draw's own dependency of these is kept.
WATCHED = 200
PILOT = 2
#: The regression is used once there are this many draws per coefficient ...
DRAWS_PER_COEFFICIENT = 40
#: ... and while no more than this share of the units is drawn: a systematic sample
#: of a large share is already close (1,000 people, 600 drawn: relative error of the
#: top 20 0.021 plain, 0.024 refined; 3,000 people: 0.034 and 0.027).
REFINE_UP_TO = 0.25


def _features(to_v: np.ndarray, from_v: np.ndarray, same_department: np.ndarray) -> np.ndarray:
    """Each unit's regressors for its contribution to one unit v's betweenness.

    With linear scaling a drawn unit u passes on to v the share d(u, v) /
    d(u, t) of each pair (u, t) through v, and d(v, u) / d(s, u) of each pair
    (s, u): its contribution grows with its distances to and from v. Both,
    their product and harmonic mean, and whether u is in v's department,
    carry about half of the variance of the contributions at 10,000 people
    (docs/benchmarks.md); units that cannot reach v, or that v cannot reach,
    get indicators of their own. Squares carried a little more and tripled
    the regression's small bias (far units' high leverage).
    """
    a, o = np.array(to_v, dtype=float), np.array(from_v, dtype=float)
    reach_a, reach_o = np.isfinite(a), np.isfinite(o)
    a[~reach_a], o[~reach_o] = 0.0, 0.0
    scale = max(a.max(initial=0.0), o.max(initial=0.0), 1.0)  # conditioning, not meaning
    a, o = a / scale, o / scale
    h = a * o / np.maximum(a + o, 1e-12)
    same = same_department.astype(float)
    return np.column_stack(
        [np.ones_like(a), reach_a, reach_o, h, a, o, a * o, same, same * a, same * o]
    )


#: Regressors per unit (:func:`_features`).
FEATURES = 10


def _refined(graph, strata, units, contributions, drawn, batch_of, batches):
    """Regression estimates of ``units``' betweenness and one per batch of the draws.

    The generalized regression estimator (Sarndal, Swensson & Wretman 1992,
    ch. 6): a least-squares fit of the drawn units' ``contributions`` on
    :func:`_features`, summed over all units, plus the drawn units'
    residuals scaled by n / draws. It is approximately unbiased whatever the
    fit (the residuals correct it; the bias shrinks as 1 / draws) and its
    variance is that of the residuals; ``drawn[i]`` was drawn in batch
    ``batch_of[i]``, the batches giving its spread as for the plain estimate.
    """
    from . import _sssp

    n = graph.n
    est = np.zeros(len(units))
    parts = np.zeros((batches, len(units)))
    per_batch = np.bincount(batch_of, minlength=batches)
    # Eight units' distances at a time: a million people's rows take 64 MB each.
    for lo in range(0, len(units), 8):
        chunk = units[lo : lo + 8]
        to_v = _sssp.distances(graph, chunk, reverse=True)
        from_v = _sssp.distances(graph, chunk)
        for i, v in enumerate(chunk.tolist()):
            f = _features(to_v[i], from_v[i], strata == strata[v])
            y = contributions[:, lo + i]
            beta = np.linalg.lstsq(f[drawn], y, rcond=None)[0]
            fit = f @ beta
            residual = y - fit[drawn]
            est[lo + i] = fit.sum() + residual.sum() * n / len(drawn)
            parts[:, lo + i] = fit.sum() + np.bincount(batch_of, residual, batches) * n / per_batch
    return est, parts


def _certain(mean, lower, upper, k):
    """How many of the top ``k`` lie above every other unit's interval, and the top ``k``."""
    top = np.argsort(-mean, kind="stable")[:k]
    rest = np.ones(len(mean), dtype=bool)
    rest[top] = False
    ceiling = upper[rest].max() if rest.any() else -np.inf
    return int(np.sum(lower[top] > ceiling)), top


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
    refine: int = REFINED,
    progress=None,
) -> Paths:
    """Betweenness estimated from sampled units, with its error stated.

    Each round draws one systematic sample of units ordered by department
    and team (:func:`_stratified`) and deals it to ``batches`` batches in
    turn. Each drawn unit is searched forward (as a source) and backward on
    the reversed graph (as a target), every pair's share split by how far
    along its path a unit lies (linear scaling, Geisberger et al. 2008):
    the forward and backward shares of a pair add up to one, so over all
    units the sum is the exact betweenness, and every unit is drawn with
    the same probability: the sample, scaled by n / its size, is an
    unbiased estimate of every unit's and handoff's betweenness (the pooled
    estimate; a single batch's start is confined to one step of the
    sample, so its inclusion probabilities vary with where a department
    falls in the list: the batches are neither independent nor alike).
    Without the scaling a
    unit next to a drawn source takes that source's whole dependency in one
    draw: at 10,000 people the same number of searches put all of the exact
    top 10 inside the estimated top 20 in 53 of 100 seeds, with it in 99 of
    100 (docs/benchmarks.md).

    Each batch is a coarser sample than their union and their expectations
    differ, so their spread tends to overstate the pooled estimate's error
    (at 10,000 and 20,000 people the largest error was a sixth to a third
    of the stated bound); tests/analysis/test_paths.py checks that
    the bound holds, not that it is tight.

    The leading ``refine`` units (by the pooled estimate) are then refined
    by regression (:func:`_refined`): the first :data:`PILOT` batches of the
    first round choose :data:`WATCHED` units, every later draw's own
    dependency of them is kept, and for each leading unit those are fitted
    on its distances to and from every unit. At 100,000 people this cut
    the relative error of the exact top 20 from 0.028 to 0.018 and raised
    the share of seed pairs agreeing on >= 9 of the top 10 from 50% to 95%
    (docs/benchmarks.md). It needs :data:`DRAWS_PER_COEFFICIENT` kept draws
    per regressor and is left out when more than :data:`REFINE_UP_TO` of
    the units are drawn; ``refine=0`` turns it off. It runs once, after the
    last round (rounds stop on the plain intervals), outside the time
    budget (at a million people a few seconds). A refined unit's interval
    is ``est +/- t x sd / sqrt(kept batches)`` over the per-batch regression
    estimates, with the same Bonferroni quantile: unlike the plain ones these
    are about right per unit (at 3,000 people the errors of the refined top
    50 were 0.96 standard errors wide, the plain 0.72), so their margin is
    the Bonferroni quantile's alone.

    The estimate pools the batches; for unit *v* the interval is
    ``mean +/- t x sd / sqrt(batches)`` with the Student t quantile at
    ``1 - (1 - confidence) / (2 n)``: a Bonferroni bound, so that *all* n
    intervals hold together with probability ``confidence`` (asymptotically:
    the batch means are approximately normal; this is not a worst-case
    bound, and tests/analysis/test_paths.py checks it against exact values).
    A unit of the estimated top ``k`` is *certain* when its lower bound is
    above the upper bound of every unit outside the top ``k``.

    While fewer than ``k`` are certain, further rounds of ``batches``
    batches are added, until all are, ``max_sources`` (default: as many as
    units) is reached or the ``time_budget`` is spent. With a budget, one
    unit is timed first and the batches made small enough for a whole
    round to fit in it; each further round is sized to what is left, and
    none is started that would not fit (smaller batches give a wider,
    still honest, bound).

    The searches run on every core (:mod:`._sssp`); the result does not
    depend on their number. Asking for at least as many sources as there
    are units gives the exact values (:func:`exact`).

    Returns
    -------
    Paths
        ``info`` holds ``sources`` (units drawn), ``of``, ``batches``,
        ``confidence``, ``half_width_max`` (the widest interval among the
        top ``k``, as a normalized betweenness), ``bound`` (the widest of
        all: every unit's estimate lies within it of the exact value, with
        ``confidence``), ``top_certain``, ``top``, ``refined`` (how many
        leading units the regression refined, 0 where it was not used) and
        ``stopped``.

    References
    ----------
    Sarndal, C.-E., Swensson, B. & Wretman, J. (1992). *Model Assisted
    Survey Sampling*. Springer, ch. 6 (the regression estimator).
    Brandes, U. & Pich, C. (2007). Centrality estimation in large networks.
    *Int. J. Bifurcation and Chaos* 17(7), 2303-2318.
    Geisberger, R., Sanders, P. & Schultes, D. (2008). Better approximation
    of betweenness centrality. *Proc. ALENEX 2008*, 90-100.
    Cochran, W. G. (1977). *Sampling Techniques*, 3rd ed., ch. 8
    (systematic sampling).
    """
    from scipy.special import stdtrit

    from . import _sssp

    g, ids, strata = active_graph(org)
    teams = _teams(org, ids)
    n = g.vcount()
    if sources >= n or drawn(sources, batches) >= n:
        # Whole batches of at least one unit: as many draws as units, the exact pass.
        return exact(org)
    graph = _kernel_graph(g, lengths(g))
    max_sources = min(max_sources or n, n)
    size = max(1, min(sources, max_sources) // batches)
    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    if time_budget is not None:
        # Smaller batches where the budget cannot hold a whole round: a bound from
        # two huge batches is worthless (a million people: +/-11,737 from two of 50).
        # One unit, timed and set aside, says what a batch costs.
        _sssp.warm_up()  # loading the compiled kernel is not a unit's cost
        probe = np.random.default_rng([seed, 1])
        timed = time.perf_counter()
        _sssp.dependencies(graph, _stratified(probe, strata, 1, teams), scaled=True)
        per_unit = time.perf_counter() - timed
        left = time_budget - (time.perf_counter() - start)
        fits = int(max(0.0, left) / (batches * per_unit * 1.25))
        size = max(1, min(size, fits))
    node_parts, used = [], 0
    node_sum, edge_sum = np.zeros(n), np.zeros(g.ecount())
    k = max(1, min(k, n - 1))
    # The leading units' estimates are refined by regression on their distances
    # (see _refined): every draw's own dependency of up to WATCHED units is kept,
    # the units the first PILOT batches rank highest.
    refine = min(refine, n) if batches > PILOT + 1 and size * batches <= REFINE_UP_TO * n else 0
    watch, kept, kept_units, kept_batch, kept_batches = None, [], [], [], 0
    refined = np.zeros(0, dtype=np.int64)

    def run(dealt, watch, done):
        return _sssp.dependencies_by_batch(
            graph,
            dealt,
            watch=watch,
            # Within a round too: a round at a million people takes minutes.
            progress=None
            if progress is None
            else lambda searched, _: progress(
                f"shortest paths: {done + searched:,} of {n:,} units searched"
            ),
        )

    out_of_time = False
    while True:
        # A round of batches in one call (see _sssp.dependencies_by_batch); with a
        # budget, each round is sized to what is left of it.
        # One fine systematic sample per round, dealt to the batches in turn: the
        # pooled estimate has the fine sample's stratification (about one unit per
        # team at 100,000 people), while each batch's spread is that of a coarser
        # one, so the interval tends to err wide (see the docstring).
        picks = _stratified(rng, strata, size * batches, teams)
        dealt = [picks[b::batches] for b in range(batches)]
        began = time.perf_counter()
        if refine and watch is None:
            pilot = dealt[:PILOT]
            rows, eb = run(pilot, None, used)
            drawn_first = sum(len(b) for b in pilot)
            watch = np.argsort(-rows.sum(axis=0), kind="stable")[:WATCHED]
            more, eb_more, watched = run(dealt[PILOT:], watch, used + drawn_first)
            rows, eb = np.vstack([rows, more]), eb + eb_more
            first = PILOT
        elif refine:
            rows, eb, watched = run(dealt, watch, used)
            first = 0
        else:
            rows, eb = run(dealt, None, used)
        for b, (batch, dep) in enumerate(zip(dealt, rows, strict=True)):
            used += len(batch)
            node_sum += dep
            node_parts.append(dep * n / len(batch))
            if refine and b >= first:
                kept_units.append(batch)
                kept_batch.append(np.full(len(batch), kept_batches))
                kept_batches += 1
        if refine:
            kept.append(watched)
        edge_sum += eb
        if time_budget is not None:
            per_unit = (time.perf_counter() - began) / (size * batches)
            left = time_budget - (time.perf_counter() - start)
            size = min(size, int(max(0.0, left) / (batches * per_unit * 1.25)))
            out_of_time = size < 1
        x = np.vstack(node_parts)
        m = len(x)
        # The pooled estimate (every drawn unit so far) is unbiased and the least
        # noisy; the batches' spread gives its standard error.
        mean = node_sum * n / used
        sd = x.std(axis=0, ddof=1) if m > 1 else np.full(n, np.inf)
        q = stdtrit(max(m - 1, 1), 1 - (1 - confidence) / (2 * n))
        half = q * sd / np.sqrt(m)
        lower, upper = np.maximum(mean - half, 0), mean + half
        certain, top = _certain(mean, lower, upper, k)
        stop = certain == k or out_of_time or used + size * batches > max_sources
        if stop and refine and sum(len(u) for u in kept_units) >= DRAWS_PER_COEFFICIENT * FEATURES:
            # Once, at the end: the pooled estimate picks the leading units, theirs
            # are refined (100 searches for their distances: a few seconds at a
            # million people, once rather than every round).
            order = np.argsort(-mean, kind="stable")
            refined = order[np.isin(order, watch)][:refine]
            column = {v: i for i, v in enumerate(watch.tolist())}
            est, parts = _refined(
                graph,
                strata,
                refined,
                np.vstack(kept)[:, [column[v] for v in refined.tolist()]],
                np.concatenate(kept_units),
                np.concatenate(kept_batch),
                kept_batches,
            )
            # Residuals can in principle carry a fit below zero; no unit carries less.
            mean[refined] = np.maximum(est, 0.0)
            q_kept = stdtrit(max(kept_batches - 1, 1), 1 - (1 - confidence) / (2 * n))
            half[refined] = q_kept * parts.std(axis=0, ddof=1) / np.sqrt(kept_batches)
            lower, upper = np.maximum(mean - half, 0), mean + half
            certain, top = _certain(mean, lower, upper, k)
        if stop:
            break
    scale = 1.0 / ((n - 1) * (n - 2)) if n > 2 else 1.0
    info = {
        "method": "sampled units searched forward and backward with linear scaling "
        "(Geisberger et al. 2008), a systematic sample ordered by department and team "
        "dealt to batches (Brandes & Pich 2007)"
        + (
            f"; the leading {len(refined)} refined by regression on their distances "
            "(Sarndal et al. 1992)"
            if len(refined)
            else ""
        ),
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
        "refined": int(len(refined)),
        "stopped": "separated"
        if certain == k
        else ("time budget" if out_of_time else "all allowed sources used"),
    }
    return Paths(mean, edge_sum * n / used, info, lower, upper)


#: Seconds one search spends per unit or handoff of the graph, on one core of this
#: project's benchmark machine (2 cores, bench/benchmark.py): at 100,000 people
#: (1.07 million units and handoffs) a search took 14-19 ms as the machine's speed
#: drifted. Smaller graphs search faster per handoff (they fit the processor's
#: caches): the forecasts err on the slow side there (10,000 people: 7 s forecast,
#: 4-5.5 s measured).
SECONDS_PER_STEP = 1.3e-8


def drawn(sources: int, batches: int = 20) -> int:
    """How many units :func:`estimate` draws in its first round when asked for ``sources``:
    whole batches, at least one unit each."""
    return max(1, sources // batches) * batches


def predict_exact_seconds(org, *, threads: int = 1) -> float:
    """A rough forecast of :func:`exact`'s time: one search from every unit, n (n + m)."""
    g, _, _ = active_graph(org)
    n, m = g.vcount(), g.ecount()
    return SECONDS_PER_STEP * n * (m + n) / max(threads, 1)


def sources_within(org, seconds: float, *, threads: int = 1) -> int:
    """How many units :func:`estimate` can search (forward and backward) in ``seconds``."""
    g, _, _ = active_graph(org)
    n, m = g.vcount(), g.ecount()
    return int(seconds * max(threads, 1) / (2 * SECONDS_PER_STEP * (m + n)))

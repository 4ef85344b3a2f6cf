"""Compiled single-source shortest paths with Brandes' dependency accumulation.

One kernel serves the exact pass and the estimate: Dijkstra from a source on
whole-step lengths (:data:`paths.LENGTH_SCALE`) with a bucket queue (Dial
1969; buckets a power of two wide, at most the shortest handoff, so a
bucket's units are settled together), path counts, and the dependencies of units and handoffs
accumulated back from the farthest unit over the shortest-path predecessors
kept on the way out (Brandes 2001). Against a binary heap and a second walk
over every handoff: 2.2 times faster at 100,000 people, 2.5 at 10,000, the
same figures (docs/benchmarks.md). With ``scaled``, every pair's share is weighted by how far
along its path the unit lies (Geisberger, Sanders & Schultes 2008, "linear
scaling"); searching forward from a sampled unit on the graph and backward
from it on the reversed graph then gives shares that add up to exactly one
per pair, so the sum over all units is the exact betweenness, and a unit
close to a sampled unit no longer gets its whole dependency in one draw.

numba compiles the kernel on first use (a few seconds, once) and caches the
machine code in orggraph's cache folder; this module is imported only when
shortest paths are computed.
"""

from __future__ import annotations

import contextlib
import os
import threading

import numpy as np

from ..cache import cache_dir

# Compiled kernels go to the user's cache, not into an installed package; numba
# reads the setting when it is imported.
os.environ.setdefault("NUMBA_CACHE_DIR", str(cache_dir() / "numba"))

from numba import njit, prange  # noqa: E402

__all__ = ["Graph", "dependencies", "distances"]

# numba's default threading layer is not safe for parallel kernels launched from
# two threads at once (a web server answering two people): one at a time.
_LOCK = threading.Lock()


@njit(cache=True, nogil=True)
def _one(
    indptr, heads, lens, s, node_acc, edge_acc, scaled, by_tail, work, shift, mask, watch, watched
):
    dist, sigma, dep, order = work[:4]
    bucket_head, entry, pred_head, pred = work[4:]
    never = np.iinfo(np.int64).max
    dist[s] = 0
    sigma[s] = 1.0
    # Dial's buckets 2**shift wide, no wider than the shortest handoff: a unit
    # reached from bucket b lands in a later one, so every unit of a bucket is final
    # when the bucket is taken, in any order, and none of them lies on another's
    # shortest path (what the backward pass needs). A ring of mask + 1 buckets
    # covers the longest handoff; shifts and masks, not divisions, find a bucket
    # (up to 10-16% faster at 100,000 people; noisy). A bucket's entries are a list through
    # ``entry`` (unit, next) pairs.
    entry[0] = s
    entry[1] = -1
    bucket_head[0] = 0
    entries, preds, pending, k, b = 1, 0, 1, 0, 0
    while pending > 0:
        e = bucket_head[b & mask]
        bucket_head[b & mask] = -1
        while e >= 0:
            v = entry[2 * e]
            e = entry[2 * e + 1]
            pending -= 1
            d = dist[v]
            if (d >> shift) != b:  # moved to an earlier bucket and taken there
                continue
            order[k] = v
            k += 1
            for j in range(indptr[v], indptr[v + 1]):
                w = heads[j]
                nd = d + lens[j]
                old = dist[w]
                if nd <= old:
                    if nd < old:
                        dist[w] = nd
                        sigma[w] = sigma[v]
                        pred_head[w] = -1  # a shorter way: the old predecessors go
                        if (old >> shift) != (nd >> shift):
                            t = (nd >> shift) & mask
                            entry[2 * entries] = w
                            entry[2 * entries + 1] = bucket_head[t]
                            bucket_head[t] = entries
                            entries += 1
                            pending += 1
                    else:
                        sigma[w] += sigma[v]
                    # Predecessors kept as (unit, handoff, next) triples: the backward
                    # pass walks the shortest-path graph only, not every handoff again.
                    pred[3 * preds] = v
                    pred[3 * preds + 1] = j
                    pred[3 * preds + 2] = pred_head[w]
                    pred_head[w] = preds
                    preds += 1
        b += 1
    for i in range(k - 1, 0, -1):
        w = order[i]
        node_acc[w] += dep[w]
        share = (1.0 + dep[w]) / sigma[w]
        dw = dist[w]
        p = pred_head[w]
        while p >= 0:
            v = pred[3 * p]
            j = pred[3 * p + 1]
            r = sigma[v] * share
            if scaled:
                # The pair's share up to v: d(s, v) / d(s, t), carried in dep.
                c = r * (dist[v] / dw)
                edge_acc[j] += c if by_tail else r
            else:
                c = r
                edge_acc[j] += r
            dep[v] += c
            p = pred[3 * p + 2]
    # This search's own dependencies of the watched units (a regression estimate
    # needs each sampled unit's, not only the batch's sum).
    for i in range(len(watch)):
        if watch[i] != s:  # dep[s] holds the source's own total, not a dependency
            watched[i] += dep[watch[i]]
    # Only what this source touched is reset: O(reached), not O(n), per source.
    for i in range(k):
        v = order[i]
        dist[v] = never
        dep[v] = 0.0
        sigma[v] = 0.0


@njit(cache=True, nogil=True)
def _ring(lens):
    """Buckets 2**shift wide (at most the shortest length) in a ring of mask + 1."""
    shortest = max(1, lens.min()) if len(lens) else 1
    shift = 0
    while (2 << shift) <= shortest:
        shift += 1
    # A unit lands at most (longest >> shift) + 1 buckets ahead of the one taken.
    span = ((lens.max() if len(lens) else 1) >> shift) + 2
    slots = 1
    while slots < span:
        slots *= 2
    return shift, slots - 1


@njit(cache=True, nogil=True, parallel=True)
def _batches(
    indptr, heads, lens, sources, starts, groups, m, scaled, by_tail, searched, watch, watched
):
    n = len(indptr) - 1
    shift, mask = _ring(lens)
    nodes = np.zeros((len(starts) - 1, n))
    # Handoffs summed per group of batches (one row per thread's share), not per batch.
    edges = np.zeros((len(groups) - 1, m))
    for c in prange(len(groups) - 1):
        work = (
            np.full(n, np.iinfo(np.int64).max, dtype=np.int64),
            np.zeros(n),
            np.zeros(n),
            np.empty(n, dtype=np.int64),
            np.full(mask + 1, -1, dtype=np.int64),
            # 32-bit entries: a million people's handoffs in less memory per search.
            np.empty(2 * (len(heads) + 1), dtype=np.int32),
            np.full(n, -1, dtype=np.int32),
            np.empty(3 * (len(heads) + 1), dtype=np.int32),
        )
        for b in range(groups[c], groups[c + 1]):
            for i in range(starts[b], starts[b + 1]):
                _one(
                    indptr,
                    heads,
                    lens,
                    sources[i],
                    nodes[b],
                    edges[c],
                    scaled,
                    by_tail,
                    work,
                    shift,
                    mask,
                    watch,
                    watched[i],
                )
                # One slot per group: no two threads write the same one; read for progress.
                searched[c] += 1
    return nodes, edges


@njit(cache=True, nogil=True, parallel=True)
def _distances(indptr, heads, lens, sources, groups, out):
    n = len(indptr) - 1
    shift, mask = _ring(lens)
    never = np.iinfo(np.int64).max
    for c in prange(len(groups) - 1):
        bucket_head = np.full(mask + 1, -1, dtype=np.int64)
        entry = np.empty(2 * (len(heads) + 1), dtype=np.int32)
        dist = np.empty(n, dtype=np.int64)
        for i in range(groups[c], groups[c + 1]):
            # Dijkstra on the ring of buckets, as in _one, distances only.
            dist[:] = never
            dist[sources[i]] = 0
            entry[0] = sources[i]
            entry[1] = -1
            bucket_head[0] = 0
            entries, pending, b = 1, 1, 0
            while pending > 0:
                e = bucket_head[b & mask]
                bucket_head[b & mask] = -1
                while e >= 0:
                    v = entry[2 * e]
                    e = entry[2 * e + 1]
                    pending -= 1
                    d = dist[v]
                    if (d >> shift) != b:
                        continue
                    for j in range(indptr[v], indptr[v + 1]):
                        w = heads[j]
                        nd = d + lens[j]
                        old = dist[w]
                        if nd < old:
                            dist[w] = nd
                            if (old >> shift) != (nd >> shift):
                                t = (nd >> shift) & mask
                                entry[2 * entries] = w
                                entry[2 * entries + 1] = bucket_head[t]
                                bucket_head[t] = entries
                                entries += 1
                                pending += 1
                b += 1
            for v in range(n):
                if dist[v] != never:
                    out[i, v] = dist[v]


def distances(graph: Graph, sources, *, reverse: bool = False) -> np.ndarray:
    """Shortest-path lengths from each of ``sources`` (to them, with ``reverse``):
    one row per source, ``inf`` where a unit cannot be reached."""
    src = np.asarray(sources, dtype=np.int64)
    indptr, heads, lens, _ = graph.backward if reverse else graph.forward
    out = np.full((len(src), graph.n), np.inf)
    # As for the dependencies: fewer groups on big graphs (each holds its own buckets).
    k = max(1, min(CHUNKS if graph.m <= BIG else 2, len(src)))
    groups = np.linspace(0, len(src), k + 1).astype(np.int64)
    with _LOCK:
        _distances(indptr, heads, lens, src, groups, out)
    return out


#: How far apart handoff lengths may lie (longest / shortest) for the ring of buckets.
MAX_SPREAD = 1024


class Graph:
    """Out-edges of the unit graph in compressed rows, and of its reverse."""

    def __init__(self, n: int, src: np.ndarray, dst: np.ndarray, lengths: np.ndarray):
        if len(lengths):
            shortest, longest = int(np.min(lengths)), int(np.max(lengths))
            # The buckets are up to as wide as the shortest handoff (it must have a length),
            # a ring of them covers the longest, and every search walks the ring up to
            # its farthest unit: lengths far apart would cost memory and time for
            # nothing (orggraph's lie within a factor of 5: closeness 1-5).
            if shortest < 1 or longest > 2**31 - 1:
                raise ValueError("handoff lengths must be whole numbers from 1 to 2**31 - 1")
            if longest > MAX_SPREAD * shortest:
                raise ValueError(
                    f"handoff lengths must lie within a factor of {MAX_SPREAD:,} of each "
                    f"other (shortest {shortest:,}, longest {longest:,})"
                )
        if len(src) >= 2**31 - 1:
            raise ValueError("more than 2**31 - 2 handoffs: beyond the kernel's 32-bit indices")
        self.n, self.m = int(n), len(src)
        self.forward = self._csr(src, dst, lengths)
        self.backward = self._csr(dst, src, lengths)

    def _csr(self, tails, heads, lengths):
        order = np.argsort(tails, kind="stable")
        indptr = np.zeros(self.n + 1, dtype=np.int64)
        np.add.at(indptr, np.asarray(tails, dtype=np.int64) + 1, 1)
        return (
            np.cumsum(indptr),
            # 32-bit heads and lengths: less memory to read per search (sums stay 64-bit).
            np.asarray(heads, dtype=np.int32)[order],
            np.asarray(lengths, dtype=np.int32)[order],
            order.astype(np.int64),
        )


#: Batches (or sources) are split into this many fixed groups, whatever the number
#: of threads: the same sums in the same order, so the same figures every time.
CHUNKS = 8
#: Above this many handoffs, two groups: each holds its buckets, its predecessors
#: and a row of handoff sums (a million people: 2 GB less at once).
BIG = 2_000_000


def dependencies(
    graph: Graph, sources, *, scaled: bool = False, progress=None
) -> tuple[np.ndarray, np.ndarray]:
    """Units' and handoffs' dependencies on ``sources`` (Brandes 2001), on every core.

    Plain: summed over all units as sources, the exact betweenness. With
    ``scaled``: the forward search from each source and the backward search
    to it, each pair's share split by the position along its path
    (Geisberger et al. 2008); summed over all units, again the exact
    betweenness.
    """
    src = np.asarray(sources, dtype=np.int64)
    # Fixed chunks of sources as batches: the same sums in the same order whatever
    # the number of threads.
    k = max(1, min(CHUNKS if graph.m <= BIG else 2, len(src)))
    rows, edge = dependencies_by_batch(
        graph, np.array_split(src, k), scaled=scaled, progress=progress
    )
    return rows.sum(axis=0), edge


def warm_up() -> None:
    """Load (or compile) the kernels now, on a graph of two units."""
    tiny = Graph(2, np.array([0]), np.array([1]), np.array([1]))
    dependencies(tiny, [0], scaled=True)
    distances(tiny, [0])


#: Seconds between progress reports while the kernel runs.
EVERY = 10.0


def dependencies_by_batch(graph: Graph, batches, *, scaled: bool = True, progress=None, watch=None):
    """:func:`dependencies` of several batches in one call: ``(rows, edge)``.

    ``rows[b]`` holds the units' dependencies on batch ``b``, ``edge`` the
    handoffs' on all of them. With ``watch`` (unit indices), ``(rows, edge,
    watched)``: ``watched[i, k]`` is unit ``watch[k]``'s dependency on the
    ``i``-th source of the batches taken in order. One call instead of one per batch: between
    calls the interpreter must be free, and some analyses hold it for
    minutes (leidenalg: 0.7 s at 10,000 people, most of 5 minutes at a
    million), leaving every core idle meanwhile. Batches go to
    :data:`CHUNKS` fixed groups (fewer above :data:`BIG` handoffs), each
    with one row of handoff sums.

    ``progress(done, total)`` is called every :data:`EVERY` seconds while the
    kernel runs, with the units searched so far (a call at a million people
    takes minutes), and once at the end.
    """
    src = np.ascontiguousarray(np.concatenate([np.asarray(b, dtype=np.int64) for b in batches]))
    starts = np.concatenate([[0], np.cumsum([len(b) for b in batches])]).astype(np.int64)
    k = max(1, min(CHUNKS if graph.m <= BIG else 2, len(batches)))
    groups = np.linspace(0, len(batches), k + 1).astype(np.int64)
    rows, edge = np.zeros((len(batches), graph.n)), np.zeros(graph.m)
    passes = ((graph.forward, True), (graph.backward, False))[: 1 + scaled]
    searched = np.zeros((len(passes), k), dtype=np.int64)
    keep = np.asarray([] if watch is None else watch, dtype=np.int64)
    watched = np.zeros((len(src), len(keep)))
    with _LOCK, _reporting(progress, searched, len(src)):
        for (csr, by_tail), count in zip(passes, searched, strict=True):
            indptr, heads, lens, edge_ids = csr
            nodes, edges = _batches(
                indptr,
                heads,
                lens,
                src,
                starts,
                groups,
                graph.m,
                scaled,
                by_tail,
                count,
                keep,
                watched,
            )
            rows += nodes
            edge[edge_ids] += edges.sum(axis=0)
    return (rows, edge) if watch is None else (rows, edge, watched)


@contextlib.contextmanager
def _reporting(progress, searched, units):
    """Call ``progress(done, total)`` every :data:`EVERY` seconds from a thread, and at the end.

    The kernel frees the interpreter while it runs, so the thread can read the
    counts it keeps (with ``scaled``, a unit is searched forward and backward:
    each search is half of it).
    """
    if progress is None:
        yield
        return
    stop = threading.Event()

    def report():
        while not stop.wait(EVERY):
            progress(min(units, int(searched.sum()) // len(searched)), units)

    t = threading.Thread(target=report, name="orggraph-progress", daemon=True)
    t.start()
    try:
        yield
    finally:
        stop.set()
        t.join()
    progress(units, units)

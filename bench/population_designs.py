"""Sample designs for the betweenness estimate, replayed on every unit's contributions (issue 12).

    python bench/population_designs.py FOLDER --rows ROWS.npz [--draws 4000 7920 16000] [--runs 40]

First (when ROWS.npz does not exist) every unit is searched forward and backward, with linear
scaling, keeping what it adds to each of 500 candidates (the units a first estimate of 2,000 draws
ranks highest): the sum over all units is the exact betweenness, and the rows are the whole
population the estimate samples from (at 100,000 people about 40 minutes on 2 cores, 200 MB).
Then, for each number of draws, the estimate's own sample (`paths._stratified` in department and
team order, dealt to 20 batches) is replayed ``--runs`` times on those rows, plain and refined
by regression as `paths.estimate` does it (the first 2 batches choose 200 watched units, the
other 18 fit the leading 50), and the script prints the relative error of the exact top 20
people, how often two runs share >= 9 of their top 10 people, and how many of the exact top 10
each run's top 10 holds. No search is repeated: a design's figures take seconds.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

import orggraph
from orggraph.analysis import _sssp, paths
from orggraph.analysis._graph import active_graph


def population(org, graph, out: Path, candidates: int = 500):
    n = graph.n
    first = paths.estimate(org, sources=2000, max_sources=2000, seed=99, refine=0).node
    cand = np.argsort(-first, kind="stable")[:candidates]
    rows = np.zeros((n, len(cand)), dtype=np.float32)
    node = np.zeros(n)
    t = time.perf_counter()
    for lo in range(0, n, 64):
        units = np.arange(lo, min(n, lo + 64))
        dep, _ = _sssp.dependencies_by_batch(graph, [[u] for u in units])
        rows[units] = dep[:, cand]
        node += dep.sum(axis=0)
        if lo % 6400 == 0:
            print(f"  {time.perf_counter() - t:7.0f} s: {lo:,} of {n:,} units", file=sys.stderr)
    np.savez(out, rows=rows, cand=cand, node=node)


def replay(graph, rows, cand, exact, strata, teams, person, draws, runs, seed=11):
    n = len(exact)
    built = {}

    def features(c):
        # Built when first refined (the leading 100 or so of the 500): all 500 at
        # 100,000 people would take 4 GB.
        if c not in built:
            v = int(cand[c])
            to_v = _sssp.distances(graph, [v], reverse=True)[0]
            from_v = _sssp.distances(graph, [v])[0]
            built[c] = paths._features(to_v, from_v, strata == strata[v])
        return built[c]

    where = {int(v): i for i, v in enumerate(cand)}
    ranked = [int(v) for v in np.argsort(-np.where(person, exact, -1)) if int(v) in where]
    t20 = np.array([where[v] for v in ranked[:20]])
    truth = rows.sum(axis=0, dtype=np.float64)
    rng = np.random.default_rng(seed)
    plain, refined = [], []
    for _ in range(runs):
        picks = paths._stratified(rng, strata, draws, teams)
        dealt = [picks[b::20] for b in range(20)]
        ht = rows[picks].sum(axis=0, dtype=np.float64) * n / draws
        pilot = np.concatenate(dealt[: paths.PILOT])
        watch = set(np.argsort(-rows[pilot].sum(axis=0))[: paths.WATCHED].tolist())
        kept = np.concatenate(dealt[paths.PILOT :])
        est = ht.copy()
        for c in [c for c in np.argsort(-ht) if c in watch][: paths.REFINED]:
            f, y = features(c), rows[:, c].astype(np.float64)
            beta = np.linalg.lstsq(f[kept], y[kept], rcond=None)[0]
            fit = f @ beta
            est[c] = fit.sum() + (y[kept] - fit[kept]).sum() * n / len(kept)
        plain.append(ht)
        refined.append(est)
    people = person[cand]
    for name, runs_ in (("plain", plain), ("refined", refined)):
        a = np.where(people, np.array(runs_), -1)
        rel = (a[:, t20] - truth[t20]) / truth[t20]
        tops = [set(np.argsort(-x)[:10].tolist()) for x in a]
        pairs = [len(tops[2 * i] & tops[2 * i + 1]) for i in range(len(tops) // 2)]
        exact10 = set(t20[:10].tolist())
        print(
            f"{draws:>7,} draws, {name:8s}: relative error {np.sqrt(np.mean(rel**2)):.3f}, "
            f"pairs sharing >= 9 of the top 10: {np.mean(np.array(pairs) >= 9):.0%}, "
            f"of the exact top 10: {np.mean([len(t & exact10) for t in tops]):.1f}",
            flush=True,
        )


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("folder")
    ap.add_argument("--rows", required=True, type=Path)
    ap.add_argument("--draws", type=int, nargs="+", default=[4000, 7920, 16000])
    ap.add_argument("--runs", type=int, default=40)
    args = ap.parse_args()
    org = orggraph.load(args.folder)
    g, ids, strata = active_graph(org)
    teams = paths._teams(org, ids)
    graph = paths._kernel_graph(g, paths.lengths(g))
    kind = org.units.drop_duplicates("id").set_index("id")["kind"].reindex(ids).to_numpy()
    if not args.rows.exists():
        population(org, graph, args.rows)
    d = np.load(args.rows)
    for draws in args.draws:
        people = kind == "person"
        replay(graph, d["rows"], d["cand"], d["node"], strata, teams, people, draws, args.runs)


if __name__ == "__main__":
    main()

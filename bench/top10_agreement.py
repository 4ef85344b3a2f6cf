"""How many searches two seeds of the betweenness estimate need to agree on the top 10 people,
at sizes where the exact answer is out of reach (issue 12: 100,000 people, >= 9 of 10).

    python bench/top10_agreement.py FOLDER [--units 4000] [--draws 1000 4000 16000 64000]

Draws ``--units`` units in department and team order (as the estimate does) and records, for each,
what it adds (searched forward and backward, linear scaling) to every candidate's betweenness:
the 500 people ranked highest by a first estimate from 1,000 other units. Pooled, those rows
are the best estimate at hand; the script prints the top 20 with their relative standard
errors, and then resamples the rows (with replacement, 40 pairs per size) to see how often two
independent estimates of ``--draws`` units agree on >= 9 of their top 10. Resampling a finite
sample understates how close the true values lie, so the figures are optimistic; drawing
rows independently ignores the team order the estimate's own sample has, which makes them
pessimistic (at 10,000 people that order halves the variance). At 100,000
people: about 4 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import orggraph
from orggraph.analysis import _sssp, paths
from orggraph.analysis._graph import active_graph


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("folder")
    ap.add_argument("--units", type=int, default=4000)
    ap.add_argument("--candidates", type=int, default=500)
    ap.add_argument("--draws", type=int, nargs="*", default=[1000, 2000, 4000, 16000, 64000])
    ap.add_argument("--pairs", type=int, default=40)
    ap.add_argument("--seed", type=int, default=123)
    args = ap.parse_args()
    t = time.perf_counter()
    org = orggraph.load(args.folder)
    g, ids, strata = active_graph(org)
    teams = paths._teams(org, ids)
    kind = org.units.set_index("id")["kind"].reindex(ids).to_numpy()
    people = np.flatnonzero(kind == "person")
    graph = paths._kernel_graph(g, paths.lengths(g))
    n = graph.n
    print(f"{n:,} units, loaded in {time.perf_counter() - t:.0f} s", flush=True)

    rng = np.random.default_rng(args.seed)
    first = paths._stratified(rng, strata, 1000, teams)
    t = time.perf_counter()
    rows, _ = _sssp.dependencies_by_batch(graph, np.array_split(first, 20))
    rough = rows.sum(axis=0)
    cand = people[np.argsort(-rough[people])[: args.candidates]]
    print(f"candidates from 1,000 units in {time.perf_counter() - t:.0f} s", flush=True)

    drawn = paths._stratified(rng, strata, args.units, teams)
    x = np.zeros((args.units, len(cand)))
    t = time.perf_counter()
    for lo in range(0, args.units, 250):
        part = drawn[lo : lo + 250]
        rows, _ = _sssp.dependencies_by_batch(graph, [[u] for u in part])
        x[lo : lo + len(part)] = rows[:, cand]
    print(f"{args.units:,} units' rows in {time.perf_counter() - t:.0f} s", flush=True)

    scale = n / ((n - 1) * (n - 2))  # per unit drawn -> normalized betweenness
    mean = x.mean(axis=0)
    se = x.std(axis=0, ddof=1) / np.sqrt(args.units)
    order = np.argsort(-mean)
    print("\n| rank | normalized betweenness | relative standard error | per-unit CV |")
    print("|---:|---:|---:|---:|")
    for r, c in enumerate(order[:20]):
        print(
            f"| {r + 1} | {mean[c] * scale:.6f} | {se[c] / mean[c]:.3f} | "
            f"{x[:, c].std() / mean[c]:.1f} |"
        )
    gaps = np.diff(mean[order[:12]]) / mean[order[:11]]
    print(f"\nrelative gaps between ranks 8-12: {np.round(-gaps[7:11], 4).tolist()}")

    best = set(order[:10].tolist())
    print(
        "\n| units per estimate | two estimates agree (mean of 10) | pairs with >= 9 | "
        "top 10 shared with the pooled top 10 (mean) |"
    )
    print("|---:|---:|---:|---:|")
    for m in args.draws:
        agree, pooled = [], []
        for _ in range(args.pairs):
            a = x[rng.integers(0, args.units, m)].mean(axis=0)
            b = x[rng.integers(0, args.units, m)].mean(axis=0)
            ta, tb = set(np.argsort(-a)[:10].tolist()), set(np.argsort(-b)[:10].tolist())
            agree.append(len(ta & tb))
            pooled.append(len(ta & best))
        print(
            f"| {m:,} | {np.mean(agree):.1f} | {np.mean(np.array(agree) >= 9):.0%} | "
            f"{np.mean(pooled):.1f} |"
        )


if __name__ == "__main__":
    main()

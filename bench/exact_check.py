"""The default estimate against the exact betweenness of a large organization (issue 12).

    python bench/exact_check.py FOLDER --exact FILE.npy [--seeds 1 2 3 4] [--refine 50]

The exact values are read from FILE.npy, or computed and written there when it does not exist
(`paths.exact`: one search from every unit; at 100,000 people about 12-20 minutes on 2 cores;
forward and backward with linear scaling, as bench/population_designs.py does, took 40).
Then the estimate as `orggraph analyze` draws it by default (`analysis.plan_paths`) runs once
per seed, and the script prints, for each, its time, how many of its top 10 people are in the
exact top 10 and top 20, and its stated bound against its largest error; then, for every pair
of seeds, how many of their top 10 people agree (issue 12: >= 9 at 100,000 people).
`--refine 0` runs the estimate without its regression step, for comparison.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path

import numpy as np

import orggraph
from orggraph.analysis import paths, plan_paths
from orggraph.analysis._graph import active_graph


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("folder")
    ap.add_argument("--exact", required=True, type=Path)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4])
    ap.add_argument("--refine", type=int, default=paths.REFINED)
    args = ap.parse_args()
    org = orggraph.load(args.folder)
    g, ids, _ = active_graph(org)
    n = g.vcount()
    kind = org.units.drop_duplicates("id").set_index("id")["kind"].reindex(ids).to_numpy()
    person = kind == "person"
    if args.exact.exists():
        exact = np.load(args.exact)
    else:
        t = time.perf_counter()

        def say(step):
            print(f"  {time.perf_counter() - t:7.0f} s {step}", file=sys.stderr)

        exact = paths.exact(org, progress=say).node
        np.save(args.exact, exact)
        print(f"exact pass: {time.perf_counter() - t:.0f} s, written to {args.exact}")
    scale = 1.0 / ((n - 1) * (n - 2))

    def top(values, k):
        return [int(i) for i in np.argsort(-np.where(person, values, -1), kind="stable")[:k]]

    t10, t20 = set(top(exact, 10)), set(top(exact, 20))
    leading = [round(float(exact[i] * scale), 7) for i in top(exact, 20)]
    print("exact top 20 people (normalized):", leading)
    sample, reason = plan_paths(org)
    print(f"plan: {reason}")
    tops = {}
    for seed in args.seeds:
        t = time.perf_counter()
        e = paths.estimate(org, sources=sample, max_sources=sample, seed=seed, refine=args.refine)
        took = time.perf_counter() - t
        tops[seed] = set(top(e.node, 10))
        error = float(np.max(np.abs(e.node - exact)) * scale)
        print(
            f"seed {seed}: {took:.1f} s, {e.info['sources']:,} units, refined "
            f"{e.info['refined']}; top 10 in exact top 10: {len(tops[seed] & t10)}, "
            f"in exact top 20: {len(tops[seed] & t20)}; bound +/-{e.info['bound']:.5f}, "
            f"largest error {error:.5f} ({'holds' if error <= e.info['bound'] else 'FAILS'}); "
            f"top 10 certain: {e.info['top_certain']}",
            flush=True,
        )
    pairs = [len(tops[a] & tops[b]) for a, b in itertools.combinations(args.seeds, 2)]
    print(f"pairs of seeds sharing their top 10: {pairs}; >= 9 in {sum(p >= 9 for p in pairs)}")


if __name__ == "__main__":
    main()

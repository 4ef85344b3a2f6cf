"""Benchmark orggraph from 100 to 100,000 people, and the same pipeline in networkx alone.

    python bench/benchmark.py [--sizes 100 1000 10000 100000] [--nx-limit 600] [--out FILE]
                              [--bound-check 20000]

Each size runs in a fresh subprocess (so peak memory is that size's own): generate a synthetic
organization (`orggraph generate`, seed 1) as CSV, then time loading and validation, building the
graphs, every analysis step and the full `analyze` (exact, and fast mode where it applies), and
read the peak resident memory. The networkx-alone pipeline (betweenness, edge betweenness,
Louvain, constraint and effective size, articulation points and removal impact) runs in its own
subprocess, killed after --nx-limit seconds; the ratio compares it with the same steps in
orggraph, measured in the same run. The fast mode's top-10 bottlenecks are checked against the
exact top-20 where the exact run finishes. Prints a Markdown report (and writes it with --out).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def _peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _progress(n):
    """Steps on stderr, with the time since the analysis started."""
    start = time.perf_counter()

    def say(step):
        print(
            f"  [{n:,} people, {time.perf_counter() - start:6.1f} s] {step}",
            file=sys.stderr,
            flush=True,
        )

    return say


def _estimate(org, seed, *, fast=False):
    """The estimate exactly as `orggraph analyze` draws it without a time budget (or `--fast`)."""
    from orggraph.analysis import paths, plan_paths

    sample, _ = plan_paths(org, fast=True if fast else "auto")
    return paths.estimate(org, sources=sample, seed=seed, max_sources=sample)


def bound_check(n: int, seed: int) -> dict:
    """The estimate's stated bound against an exact run, on one synthetic organization."""
    from orggraph.analysis import paths
    from orggraph.analysis.validation import organization_of
    from orggraph.synthetic import generate

    org = organization_of(generate(n, seed=seed))
    t = time.perf_counter()
    ex = paths.exact(org).node
    exact_s = time.perf_counter() - t
    m = ex.size
    scale = 1 / ((m - 1) * (m - 2))
    rows = []
    for s in range(3):
        t = time.perf_counter()
        e = _estimate(org, s, fast=True)
        secs = time.perf_counter() - t
        err = np.abs(e.node - ex) * scale
        t50 = np.argsort(-e.node)[:50]
        rows.append(
            {
                "seed": s,
                "seconds": secs,
                "sources": e.info["sources"],
                "bound": e.info["bound"],
                "max_error": float(err.max()),
                "holds": bool(err.max() <= e.info["bound"]),
                "top50_intervals_hold": int(
                    np.sum((ex[t50] >= e.lower[t50] - 1e-9) & (ex[t50] <= e.upper[t50] + 1e-9))
                ),
                "top10_in_exact_top20": len(
                    set(np.argsort(-e.node)[:10].tolist()) & set(np.argsort(-ex)[:20].tolist())
                ),
                "top_certain": e.info["top_certain"],
            }
        )
    return {"people": n, "units": int(m), "exact_s": exact_s, "runs": rows}


def one(n: int, seed: int, exact: bool) -> dict:
    """Everything for one size, in this process."""
    import orggraph
    from orggraph.analysis import analyze, bottlenecks
    from orggraph.readwrite import read_raw
    from orggraph.synthetic import generate, write_generated
    from orggraph.validate import validate

    out = Path(tempfile.mkdtemp()) / f"org{n}"
    t = time.perf_counter()
    tables = generate(n, seed=seed)
    write_generated(tables, out)
    r = {
        "people": n,
        "units": len(tables["units"]),
        "handoffs": len(tables["handoffs"]),
        "deliveries": len(tables["deliveries"]),
        "generate_s": time.perf_counter() - t,
    }
    del tables

    t = time.perf_counter()
    raw, problems = read_raw(out)
    clean, warnings = validate(raw, problems)
    r["load_validate_s"] = time.perf_counter() - t
    t = time.perf_counter()
    org = orggraph.Organization._build(clean, name=out.name, warnings=warnings)
    _ = org.graph, org.department_graph, org.igraph()
    bottlenecks.active_graph(org)
    r["build_s"] = time.perf_counter() - t

    steps = {}

    def people_top(values, k):
        return set(np.argsort(-np.where(people, values, -1))[:k].tolist())

    # As `orggraph analyze` runs it by default: exact where the pass fits the plan,
    # else an estimate of as many units as fit (analysis.default_sources).
    t = time.perf_counter()
    a_default = analyze(org, seed=seed, progress=_progress(n))
    r["analyze_s"] = time.perf_counter() - t
    r["paths_choice"] = a_default.estimates.get("choice", "")
    r["default_steps_s"] = dict(a_default.timings)
    r["default_findings"] = len(a_default.findings)
    g = bottlenecks.active_graph(org)[0]
    people = a_default.tables["centrality"]["kind"].to_numpy() == "person"
    default_btw = a_default.tables["centrality"]["betweenness"].to_numpy()
    estimated = "betweenness" in a_default.estimates
    if estimated:
        r["estimate"] = dict(a_default.estimates["betweenness"])
        # Two seeds, no exact answer: how far do their top 10 agree?
        other = _estimate(org, seed + 1)
        r["two_seeds_top10_agree"] = len(people_top(default_btw, 10) & people_top(other.node, 10))
    else:
        r["analyze_exact_s"] = r["analyze_s"]
        r["exact_steps_s"] = r["default_steps_s"]
        steps["shortest_paths_exact"] = a_default.timings["shortest paths"]
        steps["communities"] = a_default.timings["communities"]
        steps["key_person_risk"] = a_default.timings["key-person risk"]
    if exact:
        # `--fast`: the quick look, 1,000 units, against the exact answer.
        t = time.perf_counter()
        a_fast = analyze(org, seed=seed, fast=True, progress=_progress(n))
        r["analyze_fast_s"] = time.perf_counter() - t
        r["fast_steps_s"] = dict(a_fast.timings)
        r.setdefault("estimate", dict(a_fast.estimates.get("betweenness", {})))
        if estimated:
            t = time.perf_counter()
            a_exact = analyze(org, seed=seed, fast=False, progress=_progress(n))
            r["analyze_exact_s"] = time.perf_counter() - t
            r["exact_steps_s"] = dict(a_exact.timings)
            steps["shortest_paths_exact"] = a_exact.timings["shortest paths"]
            default_btw = a_exact.tables["centrality"]["betweenness"].to_numpy()
        exact_top20 = people_top(default_btw, 20)
        # The fast estimate's top 10 people against the exact top 20, for 5 seeds.
        inside, secs = [], []
        for s in range(5):
            t0 = time.perf_counter()
            est = _estimate(org, s, fast=True)
            secs.append(time.perf_counter() - t0)
            inside.append(len(people_top(est.node, 10) & exact_top20))
        r["estimate_top10_in_exact_top20"] = inside
        r["estimate_seconds"] = secs
    r["units_active"] = g.vcount()
    r["steps_s"] = steps
    r["peak_mib"] = _peak_mib()
    r["csv_dir"] = str(out)
    return r


def nx_pipeline(folder: str, seed: int) -> dict:
    """The graph steps of the analysis with networkx alone (the reference implementation)."""
    import networkx as nx

    import orggraph

    org = orggraph.load(folder)
    g = org.graph.subgraph([u for u in org.graph if org.graph.degree(u) > 0])
    steps = {}

    def timed(name, fn):
        t0 = time.perf_counter()
        fn()
        steps[name] = time.perf_counter() - t0
        print(json.dumps({"partial": steps}), flush=True)

    timed("betweenness", lambda: nx.betweenness_centrality(g, weight="distance"))
    timed("edge_betweenness", lambda: nx.edge_betweenness_centrality(g, weight="distance"))
    und = g.to_undirected()
    timed("communities", lambda: nx.community.louvain_communities(und, weight="weight", seed=seed))
    timed(
        "structural_holes",
        lambda: (
            nx.constraint(g, nodes=list(g), weight="weight"),
            nx.effective_size(g, nodes=list(g), weight="weight"),
        ),
    )

    def removal():
        cut = list(nx.articulation_points(und))
        base = sum(len(nx.descendants(g, u)) for u in g)
        for x in cut[:10]:
            h = g.subgraph([u for u in g if u != x])
            sum(len(nx.descendants(h, u)) for u in h)
        return base

    timed("key_person_risk", removal)
    return steps


ORG_STEPS = {  # networkx step -> the orggraph steps that do the same work
    "betweenness": ["shortest_paths_exact"],
    "edge_betweenness": [],  # the same exact pass gives both
    "communities": ["communities"],
    "structural_holes": [],  # inside betweenness_exact (centrality computes both)
    "key_person_risk": ["key_person_risk"],
}


KERNEL_FIRST_USE = """
import numpy as np
from orggraph.analysis import _sssp
tiny = _sssp.Graph(2, np.array([0]), np.array([1]), np.array([1]))
_sssp.dependencies(tiny, [0], scaled=True)
"""


def run_nx(folder, seed, limit):
    proc = subprocess.Popen(
        [sys.executable, __file__, "--nx", folder, "--seed", str(seed)],
        stdout=subprocess.PIPE,
        text=True,
    )
    partial, finished = {}, False
    start = time.perf_counter()
    try:
        out, _ = proc.communicate(timeout=limit)
        finished = proc.returncode == 0
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    for line in out.splitlines():
        if line.startswith("{"):
            partial = json.loads(line).get("partial", partial)
    return {"steps_s": partial, "finished": finished, "wall_s": time.perf_counter() - start}


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = int(Path("/proc/meminfo").read_text().split()[1]) / 1024 / 1024
    except OSError:
        mem = float("nan")
    import igraph
    import networkx
    import pandas

    return (
        f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB RAM, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}, networkx "
        f"{networkx.__version__}, igraph {igraph.__version__}, pandas {pandas.__version__}"
    )


def report(results, nx_results, limit, bounds=()) -> str:
    lines = [
        "# Benchmarks",
        "",
        f"Machine: {machine()}.",
        "",
        "Synthetic organizations from `orggraph generate --people N --seed 1`; every figure "
        "measured in one run of `python bench/benchmark.py` (seconds, wall clock; peak "
        "memory = the process's maximum resident set).",
        "",
        "| people | handoffs | load + validate | build | analyze (default) | default paths | "
        "analyze (exact) | analyze (--fast) | peak memory |",
        "|---:|---:|---:|---:|---:|---|---:|---:|---:|",
    ]

    def secs(r, key):
        return f"{r[key]:.2f}" if key in r else "not run"

    for r in results:
        lines.append(
            f"| {r['people']:,} | {r['handoffs']:,} | {r['load_validate_s']:.2f} | "
            f"{r['build_s']:.2f} | {r['analyze_s']:.2f} | {r['paths_choice']} | "
            f"{secs(r, 'analyze_exact_s')} | {secs(r, 'analyze_fast_s')} | "
            f"{r['peak_mib'] / 1024:.2f} GiB |"
        )
    for label, key in (
        ("default", "default_steps_s"),
        ("--fast", "fast_steps_s"),
        ("exact", "exact_steps_s"),
    ):
        # Where the default was exact, its steps are the exact ones: shown once.
        rows = [
            r
            for r in results
            if key in r and (key == "default_steps_s" or r[key] != r["default_steps_s"])
        ]
        if not rows:
            continue
        lines += ["", f"## Analysis steps, {label} (seconds, from `analyze`'s own timings)", ""]
        names = list(dict.fromkeys(k for r in rows for k in r[key]))
        lines.append("| step | " + " | ".join(f"{r['people']:,}" for r in rows) + " |")
        lines.append("|---|" + "---:|" * len(rows))
        for k in names:
            lines.append(
                f"| {k} | "
                + " | ".join(f"{r[key][k]:.2f}" if k in r[key] else "-" for r in rows)
                + " |"
            )
    lines += [
        "",
        "## The estimate and its guarantee",
        "",
        "`paths.estimate` as `analyze` runs it without a time budget: where the exact pass "
        "does not fit, the default draws as many units as fit 110 s on 2 cores "
        "(`analysis.default_sources`), else `--fast`'s 1,000; one systematic sample in "
        "department and team order dealt to 20 batches, each unit searched forward and "
        "backward with linear scaling. The top 10 against the exact top 20: `--fast`. "
        '"bound": every unit\'s estimate lies within it of the exact value with 95% '
        "confidence (normalized betweenness).",
        "",
        "| people | units drawn | bound (+/-) | widest top-10 interval (+/-) | top 10 certain | "
        "estimate's top 10 inside the exact top 20 (5 seeds) | seconds per estimate | "
        "two seeds agree on the top 10 |",
        "|---:|---:|---:|---:|---:|---|---|---:|",
    ]
    for r in results:
        e = r.get("estimate", {})
        inside = r.get("estimate_top10_in_exact_top20")
        secs = r.get("estimate_seconds")
        lines.append(
            f"| {r['people']:,} | {e.get('sources', 0):,} | {e.get('bound', 0):.4f} | "
            f"{e.get('half_width_max', 0):.4f} | {e.get('top_certain', '-')} | "
            f"{'-' if inside is None else ', '.join(map(str, inside))} | "
            f"{'-' if secs is None else ', '.join(f'{x:.1f}' for x in secs)} | "
            f"{r.get('two_seeds_top10_agree', '-')} |"
        )
    for b in bounds:
        lines += [
            "",
            f"Bound checked on {b['people']:,} people ({b['units']:,} units) against an exact "
            f"pass ({b['exact_s']:.1f} s):",
            "",
            "| seed | sources | seconds | bound | largest error | holds | top-50 intervals "
            "holding | top 10 inside exact top 20 | top 10 certain |",
            "|---:|---:|---:|---:|---:|---|---:|---:|---:|",
        ]
        for x in b["runs"]:
            lines.append(
                f"| {x['seed']} | {x['sources']:,} | {x['seconds']:.1f} | {x['bound']:.5f} | "
                f"{x['max_error']:.5f} | {'yes' if x['holds'] else 'NO'} | "
                f"{x['top50_intervals_hold']} of 50 | {x['top10_in_exact_top20']} | "
                f"{x['top_certain']} |"
            )
    fit = [(r["people"], r["analyze_s"]) for r in results if r["people"] >= 1000]
    if len(fit) >= 2:
        a, _ = np.polyfit(np.log([n for n, _ in fit]), np.log([t for _, t in fit]), 1)
        lines += ["", f"Fitted growth of the default analysis: time ~ n^{a:.2f}."]
    lines += [
        "",
        f"## networkx alone (limit {limit} s per size)",
        "",
        "| people | step | networkx | orggraph | ratio |",
        "|---:|---|---:|---:|---:|",
    ]
    for r in results:
        nxr = nx_results.get(r["people"])
        if not nxr:
            continue
        total_nx = total_og = 0.0
        for step, secs in nxr["steps_s"].items():
            og = sum(r["steps_s"].get(s, 0.0) for s in ORG_STEPS[step])
            total_nx += secs
            total_og += og
            ratio = f"{secs / og:.0f}x" if og else "(inside another step)"
            lines.append(f"| {r['people']:,} | {step} | {secs:.2f} | {og:.2f} | {ratio} |")
        state = "finished" if nxr["finished"] else f"stopped at the {limit} s limit"
        if not nxr["steps_s"]:
            lines.append(
                f"| {r['people']:,} | betweenness | not finished in {limit} s | "
                f"{r['steps_s'].get('shortest_paths_exact', float('nan')):.2f} | "
                f"> {limit / r['steps_s'].get('shortest_paths_exact', 1):.0f}x |"
            )
            continue
        lines.append(
            f"| {r['people']:,} | **all graph steps** ({state}) | {total_nx:.2f} | "
            f"{total_og:.2f} | **{total_nx / max(total_og, 1e-9):.0f}x** |"
        )
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="*", default=[100, 1000, 10000, 100000])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--nx-limit", type=int, default=600)
    ap.add_argument(
        "--exact-limit",
        type=int,
        default=10000,
        help="run the exact analysis up to this many people",
    )
    ap.add_argument("--nx-sizes", type=int, nargs="*", default=[100, 1000, 10000])
    ap.add_argument("--out")
    ap.add_argument("--one", type=int)
    ap.add_argument("--nx")
    ap.add_argument("--exact", action="store_true")
    ap.add_argument(
        "--bound-check",
        type=int,
        nargs="*",
        default=[],
        help="check the estimate's stated bound against an exact pass at these sizes",
    )
    ap.add_argument("--bound-one", type=int)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.seed, args.exact)))
        return
    if args.bound_one:
        print(json.dumps(bound_check(args.bound_one, args.seed)))
        return
    if args.nx:
        nx_pipeline(args.nx, args.seed)
        return
    results, nx_results = [], {}
    # The shortest-path kernel compiles on its first use after an install and is
    # cached (orggraph/analysis/_sssp.py): compile it once here, and time it, so
    # that each size measures what every later run costs (loading it, not compiling).
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", KERNEL_FIRST_USE], check=True)
    compile_s = time.perf_counter() - t
    print(f"kernel: first use (compile or load from the cache) {compile_s:.1f} s", flush=True)
    for n in args.sizes:
        cmd = [sys.executable, __file__, "--one", str(n), "--seed", str(args.seed)]
        if n <= args.exact_limit:
            cmd.append("--exact")
        # Progress goes to stderr, straight through to the terminal.
        done = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=True)
        r = json.loads(done.stdout.strip().splitlines()[-1])
        results.append(r)
        Path(args.out or "/dev/null").with_suffix(".json").write_text(
            json.dumps({"results": results, "nx": nx_results})
        ) if args.out else None
        print(
            f"{n:>7} people: load {r['load_validate_s']:.2f} s, build {r['build_s']:.2f} s, "
            f"analyze {r['analyze_s']:.2f} s ({r['paths_choice']}), exact "
            f"{r.get('analyze_exact_s', float('nan')):.2f} s, --fast "
            f"{r.get('analyze_fast_s', float('nan')):.2f} s, "
            f"agree {r.get('two_seeds_top10_agree', '-')}, peak {r['peak_mib'] / 1024:.2f} GiB",
            flush=True,
        )
        if n in args.nx_sizes:
            nx_results[n] = run_nx(r["csv_dir"], args.seed, args.nx_limit)
            if args.out:
                Path(args.out).with_suffix(".json").write_text(
                    json.dumps({"results": results, "nx": nx_results})
                )
            print(f"{'':>7}  networkx alone: {nx_results[n]['steps_s']}", flush=True)
    bounds = []
    for n in args.bound_check:
        cmd = [sys.executable, __file__, "--bound-one", str(n), "--seed", str(args.seed)]
        done = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=True)
        bounds.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(f"bound check at {n:,} people: {bounds[-1]['runs']}", flush=True)
    text = report(results, nx_results, args.nx_limit, bounds)
    text += (
        f"\nThe shortest-path kernel's first use in this run (compiling it if the cache was "
        f"empty, else loading it): {compile_s:.1f} s, before the sizes above.\n"
    )
    print(text)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()

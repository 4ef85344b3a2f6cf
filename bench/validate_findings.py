"""Validate the finding rules: real networks, null models, planted structure.

Writes the figures behind docs/validation.md (Markdown on stdout, progress on
stderr). Seeded; the full protocol takes about half an hour on 2 cores:

    python bench/validate_findings.py > /tmp/validation.md
    python bench/validate_findings.py --quick   # minutes: fewer runs, no 10,000

Protocol (issue 9):

- every real network in data/research: what the literature says and what
  orggraph reports (silo, blocks and bottleneck findings);
- null models: for every real network and synthetic organizations of 1,000
  and 10,000 people, degree-preserving rewirings (departments kept) and
  department-label shuffles: share of runs with any silo or blocks finding;
  flat random organizations: share with any bottleneck finding;
- planted structure: synthetic organizations of 100, 1,000 and 10,000 people
  with one planted silo (crossing handoffs cut to 10%) and one planted
  bottleneck (the only person through whom two departments exchange work):
  share of seeds where each is found and ranked first of its kind.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

import orggraph
from orggraph.analysis.validation import (
    bottleneck_findings,
    organization_of,
    planted,
    rewired,
    shuffled,
    silo_findings,
)
from orggraph.synthetic import flat, generate

ROOT = Path(__file__).resolve().parent.parent
R = ROOT / "data" / "research"


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def real_networks():
    """(name, loader, unit attribute, what the literature says)."""
    return [
        (
            "krackhardt-hightech advice",
            lambda: orggraph.load_network(
                R / "krackhardt-hightech/advice.csv",
                nodes=R / "krackhardt-hightech/nodes.csv",
                unit_column="Department",
            ),
            "Department",
            "departments mix: internal share close to random (Krackhardt 1987)",
        ),
        (
            "lazega-lawfirm advice",
            lambda: orggraph.load_network(
                R / "lazega-lawfirm/advice.csv",
                nodes=R / "lazega-lawfirm/nodes.csv",
                unit_column="Practice",
            ),
            "Practice",
            "advice stays inside each practice (Lazega 2001): both keep to themselves",
        ),
        (
            "lazega-lawfirm advice",
            lambda: orggraph.load_network(
                R / "lazega-lawfirm/advice.csv",
                nodes=R / "lazega-lawfirm/nodes.csv",
                unit_column="Office",
            ),
            "Office",
            "offices are a second boundary (Lazega 2001); office 3 has 4 lawyers",
        ),
        (
            "uk-faculty friendship",
            lambda: orggraph.load_network(
                R / "uk-faculty/edges.csv", nodes=R / "uk-faculty/nodes.csv", unit_column="school"
            ),
            "school",
            "schools recovered by community detection (Nepusz et al. 2008); school 4 has 2",
        ),
        (
            "cross-parker-consulting info",
            lambda: orggraph.load_network(
                R / "cross-parker-consulting/edges.csv",
                nodes=R / "cross-parker-consulting/nodes.csv",
                unit_column="location",
                weight_as="closeness",
            ),
            "location",
            "ties strongly region-homophilous, 75% within vs 49% expected (Park et al. 2022)",
        ),
        (
            "burkhardt-agency advice t1",
            lambda: orggraph.load_network(
                R / "burkhardt-agency/advicegivingt1.csv",
                nodes=R / "burkhardt-agency/nodes.csv",
                direction="gives",
            ),
            "none",
            "no unit attribute: no silo can be judged",
        ),
        (
            "healthcare-supplier (bundled sample)",
            lambda: orggraph.load(ROOT / "data/healthcare-supplier"),
            "department",
            "written with PD and IT keeping to themselves, Dana Whitfield as planner",
        ),
    ]


def section_real(out):
    out.append("## Real networks\n")
    out.append(
        "| network | by | people | ties | what is known | silo / blocks findings | "
        "bottleneck findings |\n|---|---|---|---|---|---|---|"
    )
    for name, loader, by, known in real_networks():
        org = loader()
        names = org.names
        sf = silo_findings(org, permutations=999)
        bf = bottleneck_findings(org)
        silo = "; ".join(
            f"{f.kind}: " + ", ".join(names[s] for s in f.subjects[:4]) + f" ({f.score:.2f})"
            for f in sf
        )
        btl = "; ".join(f"{names[f.subjects[0]]} ({f.score:.2f})" for f in bf[:5])
        people = sum(org.units["kind"] == "person")
        out.append(
            f"| {name} | {by} | {people} | {org.graph.number_of_edges()} | {known} | "
            f"{silo or 'none'} | {btl or 'none'} |"
        )
        log("real", name, by, "done")
    out.append("")


def section_null(out, sizes, runs):
    out.append("## Null models\n")
    out.append(
        "Share of null organizations with any silo or blocks finding (degree-preserving "
        "rewiring keeps every person's providers and customers count and the departments; "
        "a shuffle keeps the handoffs and deals the people to other teams).\n"
    )
    out.append("| organization | rewirings with a silo finding | shuffles with a silo finding |")
    out.append("|---|---|---|")
    bases = [(f"{name} by {by}", loader) for name, loader, by, _ in real_networks() if by != "none"]
    bases += [(f"synthetic {n:,}", lambda n=n: organization_of(generate(n, seed=1))) for n in sizes]
    for name, loader in bases:
        base = loader()
        row = []
        for fn in (rewired, shuffled):
            hits, start = 0, time.perf_counter()
            for s in range(runs):
                hits += bool(silo_findings(fn(base, seed=s), seed=s))
            row.append(f"{hits} of {runs} ({hits / runs:.0%})")
            log("null", name, fn.__name__, hits, f"{time.perf_counter() - start:.0f}s")
        out.append(f"| {name} | {row[0]} | {row[1]} |")
    out.append("")


def section_flat(out, flat_runs):
    out.append(
        "Flat random organizations (every person hands work to 10 random others; departments "
        "are random labels): share with any bottleneck finding. The rule's stated rate is 5% "
        "(`outlier_alpha`).\n"
    )
    out.append("| people | organizations with a bottleneck finding | people flagged |")
    out.append("|---|---|---|")
    for n, k in flat_runs:
        hits = flagged = 0
        start = time.perf_counter()
        for s in range(k):
            f = bottleneck_findings(organization_of(flat(n, seed=s)), seed=s)
            hits += bool(f)
            flagged += len(f)
        out.append(f"| {n:,} | {hits} of {k} ({hits / k:.0%}) | {flagged} of {n * k:,} |")
        log("flat", n, hits, f"{time.perf_counter() - start:.0f}s")
    out.append("")


def section_planted(out, sizes, seeds):
    out.append("## Planted structure\n")
    out.append(
        "Per size, `seeds` synthetic organizations (orggraph.synthetic.generate) with a planted "
        "silo (the third-largest department: 10% of its crossing handoffs kept, at "
        "random) and a planted bottleneck (every handoff between the two largest departments "
        "rerouted through one person of the first).\n"
    )
    out.append(
        "| people | silo found | silo ranked first | bottleneck found | bottleneck ranked first |"
    )
    out.append("|---|---|---|---|---|")
    for n in sizes:
        c = dict.fromkeys(("sf", "s1", "bf", "b1"), 0)
        start = time.perf_counter()
        for s in range(seeds):
            org, silo, person = planted(n, s)
            sf = [f for f in silo_findings(org, seed=s) if f.kind == "silo"]
            c["sf"] += any(f.subjects == (silo,) for f in sf)
            c["s1"] += bool(sf) and sf[0].subjects == (silo,)
            bf = bottleneck_findings(org, seed=s)
            c["bf"] += any(f.subjects == (person,) for f in bf)
            c["b1"] += bool(bf) and bf[0].subjects == (person,)
        row = " | ".join(f"{c[k]} of {seeds}" for k in ("sf", "s1", "bf", "b1"))
        out.append(f"| {n:,} | {row} |")
        log("planted", n, c, f"{time.perf_counter() - start:.0f}s")
    out.append("")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer runs, no 10,000-person runs")
    ap.add_argument("--only", choices=["real", "null", "flat", "planted"], action="append")
    ap.add_argument("--null-sizes", type=int, nargs="*", help="synthetic sizes for null models")
    ap.add_argument("--flat-sizes", type=int, nargs="*", help="flat random organization sizes")
    ap.add_argument("--planted-sizes", type=int, nargs="*", help="planted structure sizes")
    ap.add_argument("--runs", type=int, help="null-model runs per organization (default 100)")
    args = ap.parse_args()
    parts = args.only or ["real", "null", "flat", "planted"]
    runs = args.runs or (20 if args.quick else 100)
    null_sizes = (
        args.null_sizes
        if args.null_sizes is not None
        else ([1000] if args.quick else [1000, 10000])
    )
    flat_sizes = (
        args.flat_sizes
        if args.flat_sizes is not None
        else ([1000] if args.quick else [1000, 10000])
    )
    planted_sizes = (
        args.planted_sizes
        if args.planted_sizes is not None
        else ([100, 1000] if args.quick else [100, 1000, 10000])
    )

    def emit(fn, *a):
        # Each section is printed when done, so a long run keeps what it has.
        out = []
        fn(out, *a)
        print("\n".join(out), flush=True)

    print(f"<!-- bench/validate_findings.py {' '.join(sys.argv[1:])} -->\n", flush=True)
    if "real" in parts:
        emit(section_real)
    if "null" in parts:
        emit(section_null, null_sizes, runs)
    if "flat" in parts:
        # Flat organizations need exact betweenness: 20 at 10,000 people, 100 below.
        emit(section_flat, [(n, runs if n < 10000 else min(runs, 20)) for n in flat_sizes])
    if "planted" in parts:
        emit(section_planted, planted_sizes, 20)


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()

"""Benchmark of `orggraph ingest`'s aggregation on synthetic collaboration logs.

    python bench/ingest_benchmark.py --events 1e6 1e7 --people 100000 [--spark] [--keep DIR]

The generator writes a log with DuckDB's own SQL (no Python loop): one Parquet (or CSV) file of
N events among P people over one year. People sit in teams of 10 and departments of 1,000; each
person has 50 regular contacts (60% in the team, 30% in the department, 10% anywhere), so a
log of any length has at most 50 x P directed pairs, as real mail does. Activity is skewed
(a few people send much more). The log has the pathologies a real one has: 0.1% broken clocks
(1970-01-01), 0.5% messages to oneself, 0.2% recipients missing from the HRIS, and one
60-recipient mass mail per 100,000 rows.

Each size runs in a fresh process (so that peak memory is its own): the aggregation
(`orggraph.readwrite.events.aggregate`, one SQL pass and the pair tables), then the whole
ingest (aggregation + units/handoffs tables + CSV files) for the sizes up to --write-max.
Peak memory is the process's maximum resident set size (ru_maxrss), DuckDB's memory included.
Results are printed as a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pandas as pd

CONTACTS = 50


def generate(path, *, events: int, people: int, seed: int = 0, fmt: str = "parquet"):
    """Write a synthetic log of ``events`` rows among ``people`` people (deterministic)."""
    path = Path(path)
    span = 365 * 86400
    h = f"hash(i, {int(seed)}, "  # hash(i, seed, k): a deterministic pseudo-random 64-bit value
    sql = f"""
    WITH base AS (
      SELECT i,
             i // 100000 AS block,
             (i % 100000) < 60 AS in_mass,
             CAST({h}1) % 1000000 AS DOUBLE) / 1000000 AS u_sender,
             {h}2) % {CONTACTS} AS k,
             {h}3) % 1000 AS u_kind,
             {h}4) % {span} AS sec,
             {h}5) % 10000 AS u_bad
      FROM range({int(events)}) t(i)
    ),
    who AS (
      SELECT *,
             CASE WHEN in_mass THEN hash(block, {int(seed)}) % {people}
                  ELSE CAST(floor({people} * pow(u_sender, 1.6)) AS BIGINT) END AS s,
             CASE WHEN in_mass THEN hash(block, {int(seed)}, 9) % {span} ELSE sec END AS t
      FROM base
    ),
    contact AS (
      SELECT *,
             hash(s, k, {int(seed)}) % 10 AS r_kind,
             hash(s, k, {int(seed)}, 7) AS r_pick
      FROM who
    ),
    picked AS (
      SELECT *,
             CASE WHEN in_mass THEN (s + 1 + (i % 100000)) % {people}
                  WHEN u_bad < 50 THEN s
                  WHEN r_kind < 6 THEN (s // 10) * 10 + (s % 10 + 1 + r_pick % 9) % 10
                  WHEN r_kind < 9 THEN (s // 1000) * 1000 + (s % 1000 + 1 + r_pick % 999) % 1000
                  ELSE r_pick % {people} END AS r0
      FROM contact
    )
    SELECT CASE WHEN u_bad >= 9990 THEN TIMESTAMP '1970-01-01 00:00:00'
                ELSE TIMESTAMP '2023-01-01 00:00:00' + to_seconds(t) END AS time,
           'p' || lpad(CAST(s AS VARCHAR), 6, '0') AS sender,
           CASE WHEN u_bad BETWEEN 50 AND 69 THEN 'x' || CAST(r0 AS VARCHAR)
                ELSE 'p' || lpad(CAST(LEAST(r0, {people - 1}) AS VARCHAR), 6, '0') END
             AS recipient,
           CASE WHEN in_mass OR u_kind < 700 THEN 'e-mail' WHEN u_kind < 900 THEN 'chat'
                ELSE 'meeting' END
             AS kind
    FROM picked
    """
    options = "FORMAT parquet, COMPRESSION zstd" if fmt == "parquet" else "FORMAT csv, HEADER"
    con = duckdb.connect()
    con.execute(f"COPY ({sql}) TO '{path}' ({options})")
    con.close()
    return path


def write_hris(path, people: int):
    ids = [f"p{i:06d}" for i in range(people)]
    pd.DataFrame(
        {
            "id": ids,
            "manager": [f"p{(i // 10) * 10:06d}" if i % 10 else "" for i in range(people)],
            "department": [f"D{i // 1000:03d}" for i in range(people)],
        }
    ).to_csv(path, index=False)
    return path


def _measure(log, hris, out, engine, memory_limit, write):
    """In a fresh process: aggregate (and ingest), print JSON with times and peak memory."""
    from orggraph.ingest import ingest
    from orggraph.readwrite import events as ev

    people, _ = ev.read_hris(hris)
    t0 = time.perf_counter()
    agg = ev.aggregate(log, people, engine=engine, memory_limit=memory_limit)
    t_agg = time.perf_counter() - t0
    result = {
        "rows": agg.rows,
        "pairs": len(agg.pairs),
        "kept": int(agg.pairs["events"].sum()),
        "aggregate_s": round(t_agg, 2),
    }
    if write:
        t0 = time.perf_counter()
        ingest(log, hris, out, engine=engine, memory_limit=memory_limit)
        result["ingest_s"] = round(time.perf_counter() - t0, 2)
    result["peak_rss_gib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2)
    print(json.dumps(result))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", nargs="+", type=float, default=[1e6, 1e7])
    ap.add_argument("--people", type=int, default=100_000)
    ap.add_argument("--format", choices=["parquet", "csv"], default="parquet")
    ap.add_argument("--memory-limit", default="3GB", help="DuckDB memory limit")
    ap.add_argument("--spark", action="store_true", help="also time Spark local[*]")
    ap.add_argument("--spark-max", type=float, default=1e7, help="largest size for Spark")
    ap.add_argument("--write-max", type=float, default=1e7, help="largest size for full ingest")
    ap.add_argument("--keep", help="folder for the logs (default: a temporary one)")
    ap.add_argument("--_measure", nargs=6, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a._measure:
        log, hris, out, engine, mem, write = a._measure
        _measure(log, hris, out, engine, mem, write == "1")
        return
    work = Path(a.keep or tempfile.mkdtemp(prefix="orggraph-ingest-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    hris = write_hris(work / "hris.csv", a.people)
    rows = []
    print(f"machine: {os.cpu_count()} cores; people {a.people:,}; logs in {work}", file=sys.stderr)
    for n in a.events:
        n = int(n)
        log = work / f"events-{n}.{a.format}"
        t0 = time.perf_counter()
        if not log.exists():
            generate(log, events=n, people=a.people, fmt=a.format)
        gen_s = time.perf_counter() - t0
        size_mb = log.stat().st_size / 2**20
        engines = ["duckdb"] + (["spark"] if a.spark and n <= a.spark_max else [])
        for engine in engines:
            write = "1" if n <= a.write_max else "0"
            cmd = [sys.executable, __file__, "--_measure", str(log), str(hris)]
            cmd += [str(work / f"out-{engine}-{n}"), engine, a.memory_limit, write]
            t0 = time.perf_counter()
            proc = subprocess.run(cmd, capture_output=True, text=True)
            wall = time.perf_counter() - t0
            if proc.returncode:
                print(proc.stderr[-3000:], file=sys.stderr)
                continue
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            r |= {
                "events": n,
                "engine": engine,
                "generate_s": round(gen_s, 1),
                "log_mb": round(size_mb),
                "process_s": round(wall, 1),
            }
            rows.append(r)
            print(json.dumps(r), file=sys.stderr, flush=True)
    print(
        "| events | engine | log (MB) | pairs | aggregate (s) | whole ingest (s) "
        "| peak memory (GiB) |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['events']:,} | {r['engine']} | {r['log_mb']:,} | {r['pairs']:,} | "
            f"{r['aggregate_s']:.1f} | {r.get('ingest_s', '-')} | {r['peak_rss_gib']:.2f} |"
        )


if __name__ == "__main__":
    main()

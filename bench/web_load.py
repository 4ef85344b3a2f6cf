"""Load test of `orggraph serve` (waitress, sign-in on), on this machine's loopback only.

    python bench/web_load.py [--users 50] [--seconds 60] [--think 1.0] [--threads 8]
                             [--uploads 100] [--upload-people 200] [--cache-mb 64]

1. Starts `orggraph serve data/healthcare-supplier` on 127.0.0.1 (a free port) with a users
   file, in a subprocess.
2. **Users**: N simulated people sign in and, for the given seconds, open pages as the
   browser does (the page's layout callback, then every callback the page fires), waiting
   `--think` seconds (0.5x to 1.5x, random) between pages. Reports requests, throughput,
   latency percentiles per request and overall, and errors (any answer but 200/204, or a
   timeout).
3. **Uploads**: N sessions each upload a distinct generated organization (a .zip), 4 at a
   time, with a cache cap far below what N uploads need; reports the server's
   memory (RSS) before and after, and its own cache accounting (from its log).

Everything stops by itself (the server is stopped at the end, also on errors); it never
listens beyond 127.0.0.1. Prints a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import base64
import concurrent.futures as cf
import io
import os
import platform
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "healthcare-supplier"
PASSWORD = "load-test-password"

# What the browser sends for each page: (page path, [callback outputs fired on arrival]).
PAGES = {
    "/": ["overview-body.children"],
    "/map": ["map-departments.options", "map.elements"],
    "/matrix": ["matrix-graph.figure"],
    "/findings": ["findings-grid.rowData"],
    "/sla": ["sla-handoff.options"],
    "/what-if": ["whatif-remove.options", "whatif-result.children"],
}
VALUES = {
    ("org-key", "data"): "default",
    ("matrix-value", "value"): "weight",
    ("map-kinds", "value"): ["person", "team", "department", "external"],
    ("map-closeness", "value"): 0,
    ("map-findings", "value"): [],
    ("_pages_location", "search"): "",
}


def rss_mb(pid) -> float:
    text = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+)", text).group(1)) / 1024


class Server:
    def __init__(self, tmp, *, threads, cache_mb, max_upload_mb=20):
        from orggraph.web.security import hash_password

        users = Path(tmp) / "users.toml"
        users.write_text(f'[users.load]\npassword_hash = "{hash_password(PASSWORD)}"\n')
        self.log = Path(tmp) / "server.log"
        self.logf = open(self.log, "w")  # noqa: SIM115
        cmd = [sys.executable, "-m", "orggraph", "serve", str(SAMPLE), "--host", "127.0.0.1"]
        cmd += ["--port", "0", "--threads", str(threads), "--cache-mb", str(cache_mb)]
        cmd += ["--max-upload-mb", str(max_upload_mb), "--users", str(users)]
        self.proc = subprocess.Popen(cmd, stderr=self.logf, env={**os.environ, "TMPDIR": tmp})
        deadline = time.time() + 180
        while time.time() < deadline:
            m = re.search(r"at (http://127\.0\.0\.1:\d+)/", self.log.read_text())
            if m:
                self.url = m.group(1)
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        self.stop()
        raise SystemExit("the server did not start:\n" + self.log.read_text())

    @property
    def rss(self):
        return rss_mb(self.proc.pid)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.logf.close()


class Browser:
    """One person: a signed-in session calling callbacks as the Dash renderer does."""

    def __init__(self, base, user):
        self.base = base
        self.s = requests.Session()
        self.s.headers["Origin"] = base
        form = self.s.get(base + "/login", timeout=60).text
        token = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
        r = self.s.post(
            base + "/login",
            data={"csrf": token, "username": user, "password": PASSWORD, "next": "/"},
            allow_redirects=False,
            timeout=60,
        )
        assert r.status_code == 302, r.text
        self.s.get(base + "/", timeout=60)
        self.s.get(base + "/_dash-layout", timeout=60)
        self.deps = self.s.get(base + "/_dash-dependencies", timeout=60).json()

    def callback(self, output, values):
        d = next(d for d in self.deps if output in d["output"])
        full = d["output"]
        parts = full.strip(".").split("...") if full.startswith("..") else [full]
        outputs = []
        for part in parts:
            i, prop = part.split("@")[0].rsplit(".", 1)
            outputs.append({"id": i, "property": prop})

        def items(kind):
            return [
                {
                    "id": i["id"],
                    "property": i["property"],
                    "value": values.get((i["id"], i["property"])),
                }
                for i in d[kind]
            ]

        body = {
            "output": full,
            "outputs": outputs if full.startswith("..") else outputs[0],
            "inputs": items("inputs"),
            "changedPropIds": [f"{i['id']}.{i['property']}" for i in d["inputs"]],
            "state": items("state"),
        }
        headers = {"X-CSRFToken": self.s.cookies.get("_csrf_token", "")}
        return self.s.post(
            self.base + "/_dash-update-component", json=body, headers=headers, timeout=60
        )


def users_phase(base, n_users, seconds, think, seed=0):
    rng = random.Random(seed)
    browsers = []
    with cf.ThreadPoolExecutor(8) as pool:  # sign in (scrypt) before the clock starts
        browsers = list(pool.map(lambda i: Browser(base, "load"), range(n_users)))
    samples, errors, lock = [], [], threading.Lock()
    stop_at = time.perf_counter() + seconds

    def person(b, r):
        time.sleep(r.uniform(0, think))  # people do not all arrive at once
        while time.perf_counter() < stop_at:
            path = r.choice(list(PAGES))
            values = dict(VALUES)
            values[("_pages_location", "pathname")] = path
            for output in ["_pages_content.children", "org-name.children", *PAGES[path]]:
                t = time.perf_counter()
                try:
                    resp = b.callback(output, values)
                    ok = resp.status_code in (200, 204)
                    what = resp.status_code
                except requests.RequestException as exc:
                    ok, what = False, type(exc).__name__
                dt = time.perf_counter() - t
                with lock:
                    samples.append((output.split(".")[0], dt))
                    if not ok:
                        errors.append((output, what))
                if time.perf_counter() >= stop_at:
                    break
            time.sleep(think * r.uniform(0.5, 1.5))

    threads = [
        threading.Thread(target=person, args=(b, random.Random(rng.random())), daemon=True)
        for b in browsers
    ]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 120)
    return samples, errors, time.perf_counter() - t0


def percentile(xs, q):
    xs = sorted(xs)
    if not xs:
        return float("nan")
    k = (len(xs) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def make_upload(i, people):
    from orggraph.synthetic import generate

    tables = generate(people, seed=1000 + i)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, df in tables.items():
            zf.writestr(f"{name}.csv", df.to_csv(index=False))
    return buf.getvalue()


def uploads_phase(server, n, people):
    # One session per upload (a session keeps at most 4): the byte cap is what bounds them.
    with cf.ThreadPoolExecutor(8) as pool:
        sessions = list(pool.map(lambda i: Browser(server.url, "load"), range(n)))
    rss_before = server.rss
    peak = [rss_before]
    done = threading.Event()

    def watch():
        while not done.wait(0.5):
            peak[0] = max(peak[0], server.rss)

    threading.Thread(target=watch, daemon=True).start()
    errors, kept = [], 0
    t0 = time.perf_counter()

    def one(i):
        data = make_upload(i, people)
        url = "data:application/zip;base64," + base64.b64encode(data).decode()
        r = sessions[i].callback(
            "upload.contents",
            {("upload", "contents"): url, ("upload", "filename"): f"org{i:03d}.zip"},
        )
        return r.status_code, "Loaded" in r.text, len(data)

    checkpoints = {}
    results = []
    with cf.ThreadPoolExecutor(4) as pool:
        for i, r in enumerate(pool.map(one, range(n)), 1):
            results.append(r)
            if i % 25 == 0 or i == n:
                checkpoints[i] = server.rss
    seconds = time.perf_counter() - t0
    for status, ok, _ in results:
        kept += ok
        if status != 200 or not ok:
            errors.append(status)
    time.sleep(3)
    done.set()
    lines = re.findall(
        r"uploads hold ([\d.]+ [KM]B) of ([\d.]+ [KM]B) \((\d+) kept\)", server.log.read_text()
    )
    return {
        "uploads": n,
        "accepted": kept,
        "errors": len(errors),
        "seconds": seconds,
        "zip_kb": sum(r[2] for r in results) / n / 1024,
        "rss_before": rss_before,
        "rss_peak": peak[0],
        "rss_after": server.rss,
        "checkpoints": checkpoints,
        "cache_last": lines[-1] if lines else None,
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--think", type=float, default=1.0)
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--uploads", type=int, default=100)
    ap.add_argument("--upload-people", type=int, default=200)
    ap.add_argument("--cache-mb", type=float, default=64)
    a = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    load_before = " ".join(f"{x:.1f}" for x in os.getloadavg())
    with tempfile.TemporaryDirectory() as tmp:
        server = Server(tmp, threads=a.threads, cache_mb=a.cache_mb)
        try:
            rss_start = server.rss
            samples, errors, wall = (
                users_phase(server.url, a.users, a.seconds, a.think) if a.users else ([], [], 1)
            )
            rss_users = server.rss
            up = uploads_phase(server, a.uploads, a.upload_people) if a.uploads else None
        finally:
            server.stop()
    lat = [dt for _, dt in samples]
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, load average before: {load_before}"
    )
    print(
        f"\n{a.users} users, {a.seconds:.0f} s, think time {a.think:g} s, "
        f"{a.threads} server threads"
    )
    print(
        f"requests {len(lat)} ({len(lat) / wall:.1f}/s), errors {len(errors)}"
        + (f" e.g. {errors[:3]}" if errors else "")
    )
    print("| request | count | p50 ms | p95 ms | p99 ms |\n|---|---|---|---|---|")
    kinds = sorted({k for k, _ in samples})
    for k in [*kinds, "all"]:
        xs = [dt for kk, dt in samples if k in ("all", kk)]
        print(
            f"| {k} | {len(xs)} | {percentile(xs, 0.5) * 1000:.0f} | "
            f"{percentile(xs, 0.95) * 1000:.0f} | {percentile(xs, 0.99) * 1000:.0f} |"
        )
    print(f"server RSS: {rss_start:.0f} MB at start, {rss_users:.0f} MB after the users")
    if up:
        print(
            f"\n{up['uploads']} distinct uploads ({a.upload_people} people each, "
            f"{up['zip_kb']:.0f} KB zipped) in {up['seconds']:.0f} s: {up['accepted']} "
            f"accepted, {up['errors']} errors; cache cap {a.cache_mb:g} MB"
        )
        print(
            f"server RSS: {up['rss_before']:.0f} MB before, peak {up['rss_peak']:.0f} MB, "
            f"{up['rss_after']:.0f} MB after (growth {up['rss_after'] - up['rss_before']:.0f}"
            f" MB); cache accounting at the end: {up['cache_last']}"
        )
        marks = ", ".join(f"{k}: {v:.0f} MB" for k, v in up["checkpoints"].items())
        print(f"server RSS after N uploads: {marks}")


if __name__ == "__main__":
    main()

"""Time `orggraph serve` on a large organization: first start (analysis) and a warm-cache start.

    python bench/serve_timing.py FOLDER [--port 8765]

Runs the real command twice in a fresh, private cache folder (or --cache-dir). Each time it
measures, from the moment the process starts: until the server answers HTTP, until the first
page (the overview) shows its findings in headless Chromium (1440x900), and then the map
page's nodes. The first start analyses the organization (its progress lines are echoed with
their time); the second finds the analysis in the cache (issue 12: first page <= 3 s on a
warm cache). Prints one line each.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

from orggraph.web.testing import launch

CY = "document.getElementById('map')._cyreg.cy"


def start(folder, port, env):
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "orggraph", "serve", str(folder), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    lines = []

    def echo():
        for line in proc.stderr:
            lines.append(line)
            print(f"    [{time.perf_counter() - t0:7.1f} s] {line.rstrip()}", flush=True)

    threading.Thread(target=echo, daemon=True).start()
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5)
            break
        except OSError:
            if proc.poll() is not None:
                raise SystemExit("the server stopped:\n" + "".join(lines)) from None
            time.sleep(0.1)
    return proc, t0, time.perf_counter() - t0


def first_page(browser, port, t0):
    """Seconds from ``t0`` to the overview's findings, then from a click's navigation to the map."""
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.goto(f"http://127.0.0.1:{port}/")
    page.wait_for_selector("#top-findings li", timeout=300_000)
    overview = time.perf_counter() - t0
    t = time.perf_counter()
    page.goto(f"http://127.0.0.1:{port}/map")
    page.wait_for_function(
        f"() => document.getElementById('map') && document.getElementById('map')._cyreg "
        f"&& {CY}.nodes().length > 0",
        timeout=300_000,
    )
    map_s = time.perf_counter() - t
    page.close()
    return overview, map_s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("folder")
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument(
        "--cache-dir",
        help="an analysis cache folder to use (default: a new, empty one: the first start "
        "analyses)",
    )
    args = ap.parse_args()
    cache = args.cache_dir or tempfile.mkdtemp(prefix="orggraph-cache-")
    env = dict(os.environ, ORGGRAPH_CACHE_DIR=cache)
    print(f"analysis cache: {cache}", flush=True)
    with sync_playwright() as p:
        browser = launch(p)
        for label in ("first start", "second start (warm cache)"):
            print(label, flush=True)
            proc, t0, ready = start(Path(args.folder), args.port, env)
            overview, map_s = first_page(browser, args.port, t0)
            print(
                f"  {label}: server answers {ready:.1f} s after the command starts; the "
                f"overview with its findings {overview - ready:.1f} s after that "
                f"({overview:.1f} s in all); the map page's nodes {map_s:.1f} s after "
                "navigating to it",
                flush=True,
            )
            proc.terminate()
            proc.wait(timeout=30)
        browser.close()


if __name__ == "__main__":
    main()

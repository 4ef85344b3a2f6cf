"""Time the web view in a real headless Chromium: first map and a filter change.

    python bench/web_timing.py [PEOPLE ...]      (default: the sample and 10,000 people)

For each organization: server start-up (load + analysis, done before the first visitor),
then, measured in the browser, the time from navigation to the first drawn map, and from a
filter change (minimum closeness 5) to the redrawn map. Prints one line per organization.
"""

from __future__ import annotations

import logging
import sys
import tempfile
import threading
import time
from pathlib import Path

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from orggraph.web.testing import launch

logging.getLogger("werkzeug").setLevel(logging.ERROR)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CY = "document.getElementById('map')._cyreg.cy"


def serve(path):
    from orggraph.web import create_app

    t = time.perf_counter()
    app = create_app(path)
    startup = time.perf_counter() - t
    srv = make_server("127.0.0.1", 0, app.server, threaded=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, startup


def measure(browser, base, runs=3):
    first, change = [], []
    for _ in range(runs):
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        t = time.perf_counter()
        page.goto(base + "/map")
        page.wait_for_function(
            f"() => {{ const e = document.getElementById('map'); "
            f"return e && e._cyreg && {CY}.nodes().length > 0; }}",
            timeout=120_000,
        )
        first.append(time.perf_counter() - t)
        before = page.inner_text("#map-count")
        t = time.perf_counter()
        page.focus("#map-closeness [role=slider]")
        page.keyboard.press("End")  # minimum closeness 5: only the closest handoffs
        page.wait_for_function(
            "(b) => document.getElementById('map-count').innerText !== b",
            arg=before,
            timeout=60_000,
        )
        change.append(time.perf_counter() - t)
        page.close()
    return min(first), min(change), page


def main(sizes):
    from orggraph.synthetic import generate, write_generated

    cases = []
    for s in sizes:
        if s == "sample":
            cases.append(
                ("healthcare-supplier (149 people)", ROOT / "data" / "healthcare-supplier")
            )
        else:
            n = int(s)
            out = Path(tempfile.mkdtemp()) / f"org{n}"
            write_generated(generate(n, seed=1), out)
            cases.append((f"synthetic {n:,} people", out))
    with sync_playwright() as p:
        browser = launch(p)
        for label, path in cases:
            srv, startup = serve(path)
            base = f"http://127.0.0.1:{srv.server_port}"
            first, change, _ = measure(browser, base)
            print(
                f"{label:<36} start-up {startup:6.1f} s | first map {first:5.2f} s | "
                f"filter change {change:5.2f} s (best of 3, headless Chromium)"
            )
            srv.shutdown()
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1:] or ["sample", "10000"])

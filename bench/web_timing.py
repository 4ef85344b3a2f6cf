"""Time the web view in a real headless Chromium: first map, a filter change, what-if.

    python bench/web_timing.py [PEOPLE ...]   (default: the sample, 1,000 and 10,000 people)

For each organization: server start-up (load + analysis, done before the first visitor),
then, measured in the browser (best of 3):

- **first map**: from navigation to the map's nodes on screen (the department view above
  300 people), and **responsive**: until the main thread is free again (the end of the
  last long task, PerformanceObserver ``longtask`` entries), with the longest such task;
- **filter change**: minimum closeness 5, to the redrawn map;
- **what-if** (from 1,000 people): removing the top bottleneck and, separately, the
  largest department, from the choice to the answer on the page.

Prints one line per organization and measurement.
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
LONG_TASKS = """
window.__longtasks = [];
new PerformanceObserver(function (list) {
  list.getEntries().forEach(function (e) {
    window.__longtasks.push([e.startTime, e.duration]);
  });
}).observe({ type: "longtask", buffered: true });
"""


def serve(path):
    from orggraph.web import create_app

    t = time.perf_counter()
    app = create_app(path)
    startup = time.perf_counter() - t
    srv = make_server("127.0.0.1", 0, app.server, threaded=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, startup, app


def measure_map(browser, base, runs=3):
    first, responsive, longest, change = [], [], [], []
    for _ in range(runs):
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.add_init_script(LONG_TASKS)
        t = time.perf_counter()
        page.goto(base + "/map")
        page.wait_for_function(
            f"() => {{ const e = document.getElementById('map'); "
            f"return e && e._cyreg && {CY}.nodes().length > 0; }}",
            timeout=300_000,
        )
        first.append(time.perf_counter() - t)
        page.wait_for_timeout(1500)
        # Navigation start is time 0 of performance.now(); responsive: nodes drawn and the
        # last long task over.
        tasks = page.evaluate("() => window.__longtasks")
        drawn_ms = first[-1] * 1000
        end = max([s + d for s, d in tasks] + [drawn_ms])
        responsive.append(end / 1000)
        longest.append(max([d for _, d in tasks], default=0.0))
        before = page.inner_text("#map-count")
        t = time.perf_counter()
        page.focus("#map-closeness [role=slider]")
        page.keyboard.press("End")  # minimum closeness 5: only the closest handoffs
        page.wait_for_function(
            "(b) => document.getElementById('map-count').innerText !== b",
            arg=before,
            timeout=300_000,
        )
        change.append(time.perf_counter() - t)
        page.close()
    return min(first), min(responsive), min(longest), min(change)


def measure_what_if(browser, base, label):
    """Seconds from choosing ``label`` in the what-if box to the answer on the page."""
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.goto(base + "/what-if")
    page.wait_for_selector("#whatif-remove")
    page.wait_for_timeout(1500)
    page.click("#whatif-remove")
    page.keyboard.type(label)
    option = page.get_by_text(label, exact=True)
    option.wait_for(timeout=60_000)
    t = time.perf_counter()
    option.click()
    page.wait_for_selector("#whatif-summary", timeout=600_000)
    took = time.perf_counter() - t
    page.close()
    return took


def main(sizes):
    from orggraph.synthetic import generate, write_generated

    cases = []
    for s in sizes:
        if s == "sample":
            cases.append(
                ("healthcare-supplier (149 people)", ROOT / "data" / "healthcare-supplier", False)
            )
        else:
            n = int(s)
            out = Path(tempfile.mkdtemp()) / f"org{n}"
            write_generated(generate(n, seed=1), out)
            cases.append((f"synthetic {n:,} people", out, n >= 1000))
    with sync_playwright() as p:
        browser = launch(p)
        for label, path, whatif in cases:
            srv, startup, _ = serve(path)
            base = f"http://127.0.0.1:{srv.server_port}"
            first, responsive, longest, change = measure_map(browser, base)
            print(
                f"{label:<34} start-up {startup:6.1f} s | map nodes {first:5.2f} s, "
                f"responsive {responsive:5.2f} s, longest task {longest:5.0f} ms | "
                f"filter change {change:5.2f} s (best of 3, headless Chromium)",
                flush=True,
            )
            if whatif:
                org, analysis = _org_of(path)
                names = org.names
                person = next(f.subjects[0] for f in analysis.findings if f.kind == "bottleneck")
                dept = max(
                    org.departments,
                    key=lambda d: org.department_graph.nodes[d].get("headcount", 0),
                )
                for what, uid, kind in (
                    ("top bottleneck", person, "person"),
                    ("largest department", dept, "department"),
                ):
                    took = measure_what_if(browser, base, f"{names[uid]} ({kind})")
                    print(
                        f"{'':<34} what-if, removing the {what} ({names[uid]}): "
                        f"answer on the page {took:5.2f} s",
                        flush=True,
                    )
            srv.shutdown()
        browser.close()


def _org_of(path):
    """The organization and its analysis, as the server has them (the analysis cache)."""
    import orggraph
    from orggraph.cache import cached_analyze

    org = orggraph.load(path)
    return org, cached_analyze(org)[0]


if __name__ == "__main__":
    main(sys.argv[1:] or ["sample", "1000", "10000"])

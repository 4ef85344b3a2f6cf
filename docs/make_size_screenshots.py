"""Screenshots of every page at three sizes: the sample, 1,000 and 10,000 people.

    python docs/make_size_screenshots.py [sample 1000 10000]

Starts a server per organization (synthetic ones as `orggraph generate --people N`
writes them), opens each page in headless Chromium at 1440x900 and writes
docs/screenshots/<size>-<page>.png; ``map-names`` is the largest department zoomed in.
"""

from __future__ import annotations

import logging
import sys
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from orggraph.web.testing import launch

logging.getLogger("werkzeug").setLevel(logging.ERROR)

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(__file__).parent / "screenshots"
CY = "document.getElementById('{id}')._cyreg.cy"
PAGES = [
    ("overview", "/", "#overview-body .figures"),
    ("map", "/map", None),
    ("map-focus", "/map?focus={focus}", None),
    ("matrix", "/matrix", "#matrix-graph .main-svg"),
    ("findings", "/findings", "#findings-grid .ag-row"),
    ("sla", "/sla", "#sla-promise"),
    ("report", "/report", ".download-button"),
    ("compare", "/compare", "#compare-md"),
]


def _wait_cy(page, id_="map"):
    cy = CY.format(id=id_)
    page.wait_for_function(
        f"() => {{ const e = document.getElementById('{id_}'); "
        f"return e && e._cyreg && {cy}.nodes().length > 0; }}",
        timeout=600_000,
    )
    page.wait_for_function("() => document.querySelector('[data-fitted]')", timeout=60_000)
    page.wait_for_timeout(800)


def _label_overlaps(page):
    """Labels drawn on screen (Cytoscape's rendered label boxes) and pairs overlapping."""
    return page.evaluate(
        """() => {
        const cy = document.getElementById('map')._cyreg.cy, z = cy.zoom(), out = [];
        const opts = {includeNodes: false, includeEdges: false, includeLabels: true,
                      includeOverlays: false};
        cy.nodes().forEach(n => {
            if (!n.style('label') || parseFloat(n.style('text-opacity')) === 0) return;
            if (parseFloat(n.style('font-size')) * z < parseFloat(
                n.style('min-zoomed-font-size'))) return;
            const b = n.renderedBoundingBox(opts);
            if (b.x2 < 0 || b.y2 < 0 || b.x1 > cy.width() || b.y1 > cy.height()) return;
            out.push(b);
        });
        let pairs = 0;
        out.forEach((a, i) => out.slice(i + 1).forEach(b => {
            if (a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2) pairs++;
        }));
        const el = cy.container();
        return `${out.length} labels drawn (${el.getAttribute('data-labels')}), ` +
            `${pairs} overlapping pairs, zoom ${z.toFixed(2)}`;
    }"""
    )


def names(page, base, size):
    """The largest department's people, zoomed in (1.5 x) on its middle: names as they
    appear once there is room, none over another."""
    cy = CY.format(id="map")
    page.goto(base + "/map")
    _wait_cy(page)
    if page.evaluate(f"() => {cy}.nodes('.department').length > 0"):
        page.evaluate(
            f"() => {{ {cy}.nodes('.department').max(n => n.data('size')).ele.emit('tap'); }}"
        )
        page.wait_for_selector("#map-open", state="visible")
        page.click("#map-open")
        page.wait_for_function(f"() => {cy}.nodes('.person').length > 50", timeout=600_000)
        page.wait_for_timeout(1500)
    page.evaluate(
        f"""() => {{ const cy = {cy};
        const box = cy.nodes('.department-box').max(n => n.descendants().length).ele;
        cy.zoom(1.5); cy.center(box); }}"""
    )
    page.evaluate("() => document.getElementById('map').scrollIntoView()")
    page.evaluate("() => window.scrollBy(0, -110)")
    page.wait_for_timeout(800)
    print(f"{size} largest department at 1.5 x: {_label_overlaps(page)}", flush=True)
    page.screenshot(path=OUT / f"{size}-map-names.png")


def shoot(browser, base, size, focus, remove):
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    for name, path, sel in PAGES:
        page.goto(base + path.format(focus=focus))
        if sel:
            page.wait_for_selector(sel, timeout=600_000)
            page.wait_for_timeout(1200)
        else:
            _wait_cy(page)
            # The map, not the controls above it.
            page.evaluate("() => document.getElementById('map').scrollIntoView()")
            page.evaluate("() => window.scrollBy(0, -110)")
        page.screenshot(path=OUT / f"{size}-{name}.png")
        if name == "map":
            print(f"{size} opening map: {_label_overlaps(page)}", flush=True)
    names(page, base, size)
    page.goto(base + "/what-if")
    page.wait_for_selector("#whatif-remove")
    page.wait_for_timeout(1500)
    page.click("#whatif-remove")
    page.keyboard.type(remove)
    page.get_by_text(remove, exact=True).click()
    page.wait_for_selector("#whatif-summary", timeout=600_000)
    page.keyboard.press("Escape")
    page.mouse.click(5, 140)
    _wait_cy(page, "whatif-map")
    page.screenshot(path=OUT / f"{size}-what-if.png")
    page.close()


def main(sizes):
    import orggraph
    from orggraph.cache import cached_analyze
    from orggraph.synthetic import generate, write_generated
    from orggraph.web import create_app

    OUT.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = launch(p)
        for size in sizes:
            if size == "sample":
                path = ROOT / "data" / "healthcare-supplier"
            else:
                path = Path(tempfile.mkdtemp()) / f"org{size}"
                write_generated(generate(int(size), seed=1), path)
            org = orggraph.load(path)
            analysis = cached_analyze(org)[0]
            bottleneck = next(f for f in analysis.findings if f.kind == "bottleneck").subjects[0]
            silo = next((f for f in analysis.findings if f.kind == "silo"), None)
            focus = silo.subjects[0] if silo else org.departments[0]
            app = create_app(path)
            srv = make_server("127.0.0.1", 0, app.server, threaded=True)
            threading.Thread(target=srv.serve_forever, daemon=True).start()
            base = f"http://127.0.0.1:{srv.server_port}"
            shoot(browser, base, size, focus, f"{org.names[bottleneck]} (person)")
            srv.shutdown()
            print(f"{size}: done", flush=True)
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1:] or ["sample", "1000", "10000"])

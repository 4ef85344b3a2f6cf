"""Take the README's screenshots of every page in headless Chromium.

Run from the repository root: ``python docs/make_screenshots.py`` serves the sample itself
(or give the address of a server already serving it). The map is shown with the hover
explanation of its top bottleneck. Screenshots of every page at three sizes:
docs/make_size_screenshots.py.
"""

from __future__ import annotations

import io
import logging
import sys
import zipfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from orggraph.web.testing import launch

OUT = Path(__file__).parent / "screenshots"
logging.getLogger("werkzeug").setLevel(logging.ERROR)


CY = "document.getElementById('map')._cyreg.cy"


def _serve_sample():
    import threading

    from werkzeug.serving import make_server

    from orggraph.web import create_app

    app = create_app(Path(__file__).resolve().parent.parent / "data" / "healthcare-supplier")
    srv = make_server("127.0.0.1", 0, app.server, threaded=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f"http://127.0.0.1:{srv.server_port}"


def _map_with_tip(page, base, unit):
    """The map focused on ``unit``, the mouse over it: its hover explanation showing."""
    page.goto(base + f"/map?focus={unit}")
    page.wait_for_selector("[data-fitted]", timeout=60_000)
    page.wait_for_timeout(1500)
    page.evaluate("() => document.getElementById('map').scrollIntoView()")
    page.evaluate("() => window.scrollBy(0, -110)")
    page.wait_for_timeout(300)
    pos = page.evaluate(f"() => {CY}.getElementById('{unit}').renderedPosition()")
    box = page.locator("#map").bounding_box()
    page.mouse.move(box["x"] + pos["x"], box["y"] + pos["y"], steps=4)
    page.wait_for_selector("#map-tip", state="visible")


def main(base=None):
    OUT.mkdir(exist_ok=True)
    srv = None
    if base is None:
        srv, base = _serve_sample()
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        for name, path, sel in (
            ("overview", "/", "#overview-body .figures"),
            ("matrix", "/matrix", "#matrix-graph .main-svg"),
            ("findings", "/findings", "#findings-grid .ag-row"),
            ("sla", "/sla", "#sla-promise"),
        ):
            page.goto(base + path)
            page.wait_for_selector(sel, timeout=60_000)
            page.wait_for_timeout(1500)
            page.screenshot(path=OUT / f"{name}.png")
        _map_with_tip(page, base, "OPS-PLN")
        page.screenshot(path=OUT / "map.png")
        page.goto(base + "/what-if")
        page.wait_for_timeout(1500)
        page.click("#whatif-remove")
        page.keyboard.type("Elena Haddad")
        page.get_by_text("Elena Haddad (person)", exact=True).click()
        page.wait_for_selector("#whatif-summary")
        page.keyboard.press("Escape")
        page.mouse.click(5, 120)
        page.wait_for_timeout(2500)
        page.screenshot(path=OUT / "what-if.png")
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr(
                "units.csv",
                "id,name,kind,parent\nops,Operations,department,\n"
                "ann,Ann,persn,ops\nbob,Bob,person,opps\n",
            )
            zf.writestr(
                "handoffs.csv",
                "provider,customer,deliverable,closeness,frequency\nann,bob,report,7,dayly\n",
            )
        page.goto(base + "/")
        page.wait_for_timeout(1500)
        page.set_input_files(
            "#upload input[type=file]",
            files=[
                {"name": "client-map.zip", "mimeType": "application/zip", "buffer": buf.getvalue()}
            ],
        )
        page.wait_for_selector("#upload-problems")
        page.screenshot(path=OUT / "upload-errors.png")
        browser.close()
    if srv is not None:
        srv.shutdown()
    print(f"wrote screenshots to {OUT}")


if __name__ == "__main__":
    main(*sys.argv[1:])

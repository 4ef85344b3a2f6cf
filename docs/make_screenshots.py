"""Take the README's screenshots of every page in headless Chromium.

Run from the repository root while `python app.py` serves the sample:
``python docs/make_screenshots.py [http://127.0.0.1:8050]``.
"""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from orggraph.web.testing import launch

OUT = Path(__file__).parent / "screenshots"


def main(base="http://127.0.0.1:8050"):
    OUT.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        for name, path in (
            ("overview", "/"),
            ("map", "/map?focus=OPS-PLN"),
            ("matrix", "/matrix"),
            ("findings", "/findings"),
        ):
            page.goto(base + path)
            page.wait_for_timeout(3000)
            page.screenshot(path=OUT / f"{name}.png")
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
    print(f"wrote screenshots to {OUT}")


if __name__ == "__main__":
    main(*sys.argv[1:])

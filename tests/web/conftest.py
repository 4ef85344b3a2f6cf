"""A real server and a real headless Chromium (Debian's /usr/bin/chromium) for web tests."""

from __future__ import annotations

import os
import threading

import pytest

from ..conftest import DATA


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    from werkzeug.serving import make_server

    from orggraph.web import create_app

    app = create_app(
        DATA / "healthcare-supplier", upload_dir=tmp_path_factory.mktemp("up"), max_upload_mb=1
    )
    srv = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()


@pytest.fixture(scope="session")
def browser():
    from orggraph.web.testing import CHROMIUM

    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("CI must install Debian's chromium (see .ci/run)")
        pytest.skip("Debian's chromium is not installed here (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    from orggraph.web.testing import launch

    with sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()


class Page:
    """A browser page that records console errors, page errors and dialogs."""

    def __init__(self, browser, base):
        self.context = browser.new_context(viewport={"width": 1400, "height": 900})
        self.page = self.context.new_page()
        self.base = base
        self.errors, self.dialogs = [], []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))

    def goto(self, path):
        self.page.goto(self.base + path)
        self.page.wait_for_selector("#org-name:not(:empty)")
        return self.page


@pytest.fixture
def web(browser, server):
    pages = []

    def open_page():
        p = Page(browser, server)
        pages.append(p)
        return p

    yield open_page
    for p in pages:
        p.context.close()

"""A real server (waitress, sign-in on) and a real headless Chromium (Debian's
/usr/bin/chromium) for web tests.

Dash registers the pages' callbacks on the first app made in a process, so the whole
session shares one app: the sample organization behind password sign-in, on loopback,
with two users. Serving without sign-in and the command-line checks run `orggraph serve`
in a subprocess (test_security.py).
"""

from __future__ import annotations

import os
import re

import pytest

from ..conftest import DATA

USERS = {"alice": "alice-password-1", "bob": "bob-password-2"}
MAX_UPLOAD_MB = 1


@pytest.fixture(scope="session")
def app():
    from orggraph.web import create_app
    from orggraph.web.security import Settings, default_allowed_hosts, hash_password

    settings = Settings(
        users={u: hash_password(p) for u, p in USERS.items()},
        allowed_hosts=default_allowed_hosts("127.0.0.1"),
    )
    return create_app(
        DATA / "healthcare-supplier",
        max_upload_mb=MAX_UPLOAD_MB,
        cache_mb=64,
        settings=settings,
    )


@pytest.fixture(scope="session")
def server(app):
    from orggraph.web.server import Background

    srv = Background(app, threads=8)
    yield srv.url
    srv.stop()


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
    """A browser page (its own cookies: one user's browser) that records console errors,
    page errors and dialogs, signed in as ``user`` unless it is None."""

    def __init__(self, browser, base, user="alice"):
        self.context = browser.new_context(viewport={"width": 1400, "height": 900})
        self.page = self.context.new_page()
        self.base = base
        self.errors, self.dialogs = [], []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        if user:
            self.sign_in(user)

    def sign_in(self, user, password=None, next_path="/"):
        page = self.page
        page.goto(self.base + "/login?next=" + next_path)
        page.fill("#username", user)
        page.fill("#password", USERS[user] if password is None else password)
        page.click("#sign-in")
        page.wait_for_load_state()
        return page

    def goto(self, path):
        self.page.goto(self.base + path)
        self.page.wait_for_selector("#org-name:not(:empty)")
        return self.page


@pytest.fixture
def web(browser, server):
    pages = []

    def open_page(user="alice"):
        p = Page(browser, server, user)
        pages.append(p)
        return p

    yield open_page
    for p in pages:
        p.context.close()


# ------------------------------------------------------- crafted HTTP requests
class Client:
    """A ``requests`` session that signs in and calls Dash callbacks by hand, as an
    attacker's script would (same origin headers, the session's CSRF token)."""

    def __init__(self, base, user=None):
        import requests

        self.base = base
        self.s = requests.Session()
        self.s.headers["Origin"] = base
        if user:
            self.sign_in(user)

    def get(self, path, **kw):
        return self.s.get(self.base + path, allow_redirects=False, **kw)

    def post(self, path, **kw):
        return self.s.post(self.base + path, allow_redirects=False, **kw)

    def sign_in(self, user, password=None):
        form = self.get("/login").text
        token = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
        r = self.post(
            "/login",
            data={
                "csrf": token,
                "username": user,
                "password": USERS.get(user, "") if password is None else password,
                "next": "/",
            },
        )
        return r

    @property
    def csrf(self):
        return self.s.cookies.get("_csrf_token")

    def callback(self, output, inputs, state=(), *, csrf=True, headers=None):
        """POST a Dash callback: the one whose outputs include ``output`` (e.g.
        ``"overview-body.children"``), inputs/state as ``[(id, property, value), ...]``."""
        deps = self.get("/_dash-dependencies").json()
        if not isinstance(deps, list):  # not signed in: name the output as given
            deps = [{"output": output}]
        full = next(d["output"] for d in deps if output in d["output"])
        h = {"X-CSRFToken": self.csrf or ""} if csrf else {}
        h.update(headers or {})
        body = {
            "output": full,
            "outputs": _outputs(full),
            "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
            "changedPropIds": [f"{i}.{p}" for i, p, _ in inputs],
            "state": [{"id": i, "property": p, "value": v} for i, p, v in state],
        }
        return self.post("/_dash-update-component", json=body, headers=h)


def _outputs(full):
    if not full.startswith(".."):
        i, p = full.split("@")[0].rsplit(".", 1)
        return {"id": i, "property": p}
    out = []
    for part in full.strip(".").split("..."):
        i, p = part.split("@")[0].rsplit(".", 1)
        out.append({"id": i, "property": p})
    return out


@pytest.fixture
def client(server):
    def make(user="alice"):
        return Client(server, user)

    return make

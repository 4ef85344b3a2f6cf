"""The network map in a real headless Chromium, measured: the opening view of the sample,
the 1,000-person default view without main-thread stalls, "show on map", the panel."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.browser

CY = "document.getElementById('map')._cyreg.cy"
#: Smallest label drawn on screen, and the longest main-thread stall allowed, in ms.
MIN_LABEL_PX = 10
MAX_LONG_TASK_MS = 1000

# Records every main-thread task over 50 ms (Long Tasks API) from the first script on.
LONG_TASKS = """
window.__longtasks = [];
try {
  new PerformanceObserver(function (list) {
    list.getEntries().forEach(function (e) { window.__longtasks.push(e.duration); });
  }).observe({ type: "longtask", buffered: true });
} catch (e) { window.__longtasks = null; }
"""


def _wait_map(page, minimum=1, timeout=60_000):
    page.wait_for_function(
        f"() => {{ const e = document.getElementById('map'); "
        f"return e && e._cyreg && e._cyreg.cy.nodes().length >= {minimum}; }}",
        timeout=timeout,
    )


def _settle(page):
    """Wait until the map has been fitted (assets/orggraph.js marks it) and the viewport
    (zoom and pan) stops changing."""
    page.wait_for_function(
        "() => document.querySelector('#map [data-fitted]') || "
        "document.getElementById('map').closest('[data-fitted]') || "
        "document.querySelector('[data-fitted]')"
    )
    page.wait_for_timeout(300)
    last = None
    for _ in range(40):
        now = page.evaluate(f"() => [{CY}.zoom(), {CY}.pan().x, {CY}.pan().y]")
        if last and all(abs(a - b) < 1e-3 for a, b in zip(now, last, strict=True)):
            return now
        last = now
        page.wait_for_timeout(200)
    raise AssertionError("the map never settled")


def _view(page):
    """Zoom, canvas size, department boxes (rendered px, without labels) and every label's
    rendered size, as Chromium draws them now."""
    return page.evaluate(
        f"""() => {{
        const cy = {CY}, z = cy.zoom();
        const boxes = cy.nodes('.department-box, .department').map(n => {{
            const b = n.renderedBoundingBox({{includeLabels: false}});
            return {{id: n.id(), x1: b.x1, y1: b.y1, x2: b.x2, y2: b.y2}};
        }});
        const labels = cy.nodes().filter(n => n.style('label')).map(n => ({{
            id: n.id(), px: parseFloat(n.style('font-size')) * z,
            min: parseFloat(n.style('min-zoomed-font-size')),
            title: n.hasClass('department-box') || n.hasClass('department'),
            hidden: parseFloat(n.style('text-opacity')) === 0,
        }}));
        return {{zoom: z, width: cy.width(), height: cy.height(), boxes, labels}};
    }}"""
    )


def _overlap(a, b):
    return a["x1"] < b["x2"] and b["x1"] < a["x2"] and a["y1"] < b["y2"] and b["y1"] < a["y2"]


def _labels(page, map_id="map"):
    """Every label Chromium draws now, on the canvas: its rendered box (Cytoscape's own
    label bounds, in screen px) and font size. A label is drawn when its text is not
    transparent and its screen size is at least its min-zoomed-font-size."""
    return page.evaluate(
        f"""() => {{
        const cy = document.getElementById('{map_id}')._cyreg.cy, z = cy.zoom();
        const w = cy.width(), h = cy.height(), out = [];
        const opts = {{includeNodes: false, includeEdges: false, includeLabels: true,
                       includeOverlays: false}};
        cy.nodes().forEach(n => {{
            if (!n.style('label')) return;
            const px = parseFloat(n.style('font-size')) * z;
            if (px < parseFloat(n.style('min-zoomed-font-size'))) return;
            if (parseFloat(n.style('text-opacity')) === 0) return;
            if (parseFloat(n.style('opacity')) === 0) return;
            const b = n.renderedBoundingBox(opts);
            if (b.x2 < 0 || b.y2 < 0 || b.x1 > w || b.y1 > h) return;
            out.push({{id: n.id(), px, x1: b.x1, y1: b.y1, x2: b.x2, y2: b.y2,
                       title: n.hasClass('department-box') || n.hasClass('department')}});
        }});
        return out;
    }}"""
    )


def _overlaps(labels):
    """Pairs of drawn labels whose boxes overlap."""
    return [
        (a["id"], b["id"]) for i, a in enumerate(labels) for b in labels[i + 1 :] if _overlap(a, b)
    ]


def _names_on_screen(page):
    """People's and teams' names that would be drawn at this zoom (on screen, at least
    their smallest size), drawn or left out for want of room."""
    return page.evaluate(
        f"""() => {{
        const cy = {CY}, z = cy.zoom(), w = cy.width(), h = cy.height();
        let drawn = 0, left = 0;
        cy.nodes('.person, .team').forEach(n => {{
            const p = n.renderedPosition();
            if (p.x < 0 || p.y < 0 || p.x > w || p.y > h) return;
            const min = parseFloat(n.style('min-zoomed-font-size'));
            if (parseFloat(n.style('font-size')) * z < min) return;
            if (parseFloat(n.style('text-opacity')) === 0) left++; else drawn++;
        }});
        return {{drawn, left}};
    }}"""
    )


def test_opening_view_of_the_sample_is_readable(web):
    p = web()
    page = p.goto("/map")
    _wait_map(page, 100)
    _settle(page)
    v = _view(page)
    print(f"\nsample opening zoom {v['zoom']:.2f}")
    boxes = v["boxes"]
    assert len(boxes) == 12
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not _overlap(a, b), (a["id"], b["id"])
        # Fitted: every box is inside the canvas.
        assert a["x1"] >= -1 and a["y1"] >= -1
        assert a["x2"] <= v["width"] + 1 and a["y2"] <= v["height"] + 1
    # Labels below 10 px on screen are not drawn (min-zoomed-font-size); every
    # department title is drawn, at 10 px or more.
    drawn = [x for x in v["labels"] if x["px"] >= x["min"]]
    assert all(x["min"] >= MIN_LABEL_PX for x in v["labels"])
    assert all(x["px"] >= MIN_LABEL_PX for x in drawn)
    titles = [x for x in v["labels"] if x["title"]]
    assert titles and all(x["px"] >= MIN_LABEL_PX for x in titles)
    # Every department title is drawn (12 departments, none left out for want of room),
    # and no drawn label overlaps another.
    assert not any(x["hidden"] for x in titles)
    assert _overlaps(_labels(page)) == []
    print(f"smallest drawn label {min(x['px'] for x in drawn):.1f} px")
    # Zoomed in, people's names appear, still at 10 px or more, and none overlaps another.
    page.evaluate(f"() => {{ const cy = {CY}; cy.zoom(1.2); cy.center(); }}")
    _settle(page)
    drawn = _labels(page)
    names = [x for x in drawn if not x["title"]]
    assert len(names) > 10 and min(x["px"] for x in names) >= MIN_LABEL_PX
    assert _overlaps(drawn) == []
    assert p.errors == []


def test_show_on_map_takes_you_to_the_department(web):
    p = web()
    page = p.goto("/map?focus=PD")
    _wait_map(page, 100)
    page.wait_for_function(f"() => {CY}.getElementById('PD').hasClass('found')")
    _settle(page)
    v = page.evaluate(
        f"""() => {{
        const cy = {CY}, pd = cy.getElementById('PD');
        const b = pd.renderedBoundingBox({{includeLabels: false}});
        const rest = cy.nodes().not(pd).not(pd.descendants());
        const faded = rest.filter(n => n.hasClass('faded'));
        return {{b, w: cy.width(), h: cy.height(), rest: rest.length, faded: faded.length,
                 opacity: parseFloat(cy.getElementById('SAL').style('opacity')),
                 members: pd.descendants().filter(n => n.hasClass('faded')).length}};
    }}"""
    )
    b = v["b"]
    assert b["x1"] >= 0 and b["x2"] <= v["w"] and b["y1"] >= 0 and b["y2"] <= v["h"]
    # Zoomed to it: the department takes a good part of the map, not a corner.
    assert (b["x2"] - b["x1"]) > 0.25 * v["w"] or (b["y2"] - b["y1"]) > 0.25 * v["h"]
    assert v["members"] == 0
    assert v["faded"] >= 0.8 * v["rest"] and v["opacity"] < 0.3
    page.wait_for_selector("#panel-title")
    assert page.inner_text("#panel-title") == "Product Development"
    assert "Silo" in page.inner_text("#map-panel")
    assert p.errors == []


def test_clicking_a_node_lights_its_neighbours_and_fades_the_rest(web):
    p = web()
    page = p.goto("/map")
    _wait_map(page, 100)
    _settle(page)
    page.evaluate(
        f"() => {{ const cy = {CY}; cy.zoom(2); cy.center(cy.getElementById('OPS-PLN')); }}"
    )
    pos = page.evaluate(f"() => {CY}.getElementById('OPS-PLN').renderedPosition()")
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + pos["x"], box["y"] + pos["y"])
    page.wait_for_selector("#panel-title")
    assert page.inner_text("#panel-title") == "Dana Whitfield"
    lit = page.evaluate(
        f"""() => {{ const cy = {CY}, n = cy.getElementById('OPS-PLN');
        const nb = n.neighborhood().nodes();
        return {{nb: nb.filter(x => x.hasClass('faded')).length, n: nb.length,
                 far: cy.getElementById('IT').hasClass('faded')}}; }}"""
    )
    assert lit["n"] > 5 and lit["nb"] == 0 and lit["far"]
    assert "shortest working paths" in page.inner_text("#map-panel")
    assert p.errors == []


def _hover(page, js_point):
    """Move the mouse onto a point of the map (rendered px, from ``js_point``) and return
    the tooltip's text once it shows."""
    pos = page.evaluate(f"() => {{ const cy = {CY}; return {js_point}; }}")
    box = page.locator("#map").bounding_box()
    page.mouse.move(box["x"] + pos["x"], box["y"] + pos["y"], steps=4)
    page.wait_for_selector("#map-tip", state="visible", timeout=5_000)
    return page.inner_text("#map-tip")


def _zoom_to(page, unit, zoom=2.0):
    page.evaluate(
        f"() => {{ const cy = {CY}; cy.zoom({zoom}); cy.center(cy.getElementById('{unit}')); }}"
    )
    _settle(page)


def test_hovering_a_node_explains_it_in_plain_words(web):
    import networkx as nx

    import orggraph

    from ..conftest import DATA

    # Independent check of the figure: networkx's betweenness, normalized by (n-1)(n-2),
    # over the units that have a handoff, on the distance 1 / closeness in whole steps
    # of 1/60,000 (as analysis/paths.py documents it).
    g = orggraph.load(DATA / "healthcare-supplier").graph
    g = g.subgraph([u for u in g if g.degree(u) > 0]).copy()
    for _, _, d in g.edges(data=True):
        d["steps"] = round(d["distance"] * 60_000)
    share = nx.betweenness_centrality(g, weight="steps")["OPS-PLN"]
    p = web()
    page = p.goto("/map")
    _wait_map(page, 100)
    _settle(page)
    _zoom_to(page, "OPS-PLN")
    text = _hover(page, "cy.getElementById('OPS-PLN').renderedPosition()")
    lines = text.splitlines()
    # Who (data/healthcare-supplier/units.csv: Production Planner in Order Management,
    # a team of Operations), the key figure in plain words, the finding, then the
    # technical name.
    assert lines[0] == "Dana Whitfield"
    assert lines[1] == "person · Production Planner · Operations"
    plain = f"lies on {share:.0%} of the shortest working paths between others"
    assert plain in text
    assert "Bottleneck: a person many working paths run through" in text
    assert text.index(plain) < text.index("betweenness centrality")
    # Moving off the node hides it.
    page.mouse.move(2, 2)
    page.wait_for_selector("#map-tip", state="hidden", timeout=5_000)
    assert p.errors == []


def test_hovering_an_edge_explains_the_handoff(web):
    p = web()
    page = p.goto("/map")
    _wait_map(page, 100)
    _settle(page)
    edge = "cy.getElementById('OPS-PLN->MFG-03')"
    # Both ends out of the way of the edge's middle: the view centred on it.
    page.evaluate(f"() => {{ const cy = {CY}; cy.zoom(1.5); cy.center({edge}); }}")
    _settle(page)
    text = _hover(page, f"{edge}.renderedMidpoint()")
    lines = text.splitlines()
    # handoffs.csv: one handoff, production order, closeness 3 ("regular").
    assert lines[0] == "Dana Whitfield → " + page.evaluate(
        f"() => {CY}.getElementById('MFG-03').data('label')"
    )
    assert lines[1] == "1 handoff"
    assert "they work together regularly" in text
    assert text.index("regularly") < text.index("closeness 3.0 of 5")
    assert p.errors == []


def test_tooltip_writes_names_as_text(web):
    """A name from an upload that is HTML stays text in the tooltip: no element is made
    from it and no script runs."""
    p = web()
    page = p.goto("/map")
    _wait_map(page, 100)
    _settle(page)
    evil = '<img src=x onerror="window.__pwned=1"><b>Dana</b>'
    page.evaluate(
        f"""(evil) => {{ const n = {CY}.getElementById('OPS-PLN');
        n.data('tip', {{t: evil, s: evil, p: [evil], x: [evil]}}); }}""",
        evil,
    )
    _zoom_to(page, "OPS-PLN")
    text = _hover(page, "cy.getElementById('OPS-PLN').renderedPosition()")
    assert text.splitlines() == [evil] * 4
    assert page.evaluate("() => document.querySelectorAll('#map-tip img, #map-tip b').length") == 0
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.__pwned") is None
    assert p.errors == []


def test_department_pair_shows_its_true_count(web):
    p = web()
    page = p.goto("/map?focus=SAL,OPS")
    _wait_map(page, 10)
    page.wait_for_selector("#panel-count")
    assert page.inner_text("#panel-count") == "Sales hands 17 deliverables to Operations."
    page.goto(p.base + "/map?focus=SAL")
    page.wait_for_selector("#panel-delivers")
    assert "Operations: 17" in page.inner_text("#panel-delivers")
    assert p.errors == []


def test_find_a_person_by_typing_their_name(web, monkeypatch):
    """Above FIND_ALL units typing asks the server for matches (the first list holds
    departments only: test_map.py); picking one puts them in focus. (The server runs in this
    process: a lower FIND_ALL makes the sample a large organization.)"""
    from orggraph.web import views

    monkeypatch.setattr(views, "FIND_ALL", 5)
    p = web()
    page = p.goto("/map")
    _wait_map(page, 100)
    page.click("#map-find")
    # Type only once the dropdown's search box (in its popover) has the focus: right
    # after the click the button holds it, and under load keys typed meanwhile were
    # lost (one CI run in three this session: no request ever held "whitf").
    page.wait_for_function("() => document.activeElement.tagName === 'INPUT'")
    with page.expect_response(
        lambda r: (
            "map-find.options" in (r.request.post_data or "")
            and "whitf" in (r.request.post_data or "")
        ),
        timeout=60_000,
    ) as asked:
        page.keyboard.type("whitf")
    assert "OPS-PLN" in asked.value.text()  # the server's matches
    page.click(".dash-dropdown-option:has-text('Dana Whitfield')")
    page.wait_for_function(f"() => {CY}.getElementById('OPS-PLN').hasClass('found')")
    assert "Dana Whitfield" in page.inner_text("#map-find")
    assert p.errors == []


# ----------------------------------------------------------------- 1,000 people
class Served:
    """`orggraph serve DIR` in a subprocess on a free loopback port (no sign-in)."""

    def __init__(self, path, tmp):
        # Its own analysis cache: module fixtures start before each test's private one.
        env = {**os.environ, "TMPDIR": str(tmp), "ORGGRAPH_CACHE_DIR": str(tmp / "cache")}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "orggraph", "serve", str(path), "--port", "0"],
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        deadline = time.time() + 300
        self.lines = []
        while time.time() < deadline:
            line = self.proc.stderr.readline()
            self.lines.append(line)
            m = re.search(r"at (http://[\d.]+:\d+)/", line)
            if m:
                self.url = m.group(1)
                return
            if self.proc.poll() is not None:
                break
        raise AssertionError("orggraph serve did not start")

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=20)


@pytest.fixture(scope="module")
def thousand(tmp_path_factory):
    from orggraph.synthetic import generate, write_generated

    tmp = tmp_path_factory.mktemp("org")
    write_generated(generate(1000, seed=1), tmp / "org1000")
    s = Served(tmp / "org1000", tmp)
    yield s.url
    s.stop()


@pytest.mark.slow
def test_thousand_people_draw_without_a_stall(browser, thousand):
    ctx = browser.new_context(viewport={"width": 1440, "height": 900})
    try:
        page = ctx.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.add_init_script(LONG_TASKS)
        t = time.perf_counter()
        page.goto(thousand + "/map")
        _wait_map(page, 10)
        drawn = time.perf_counter() - t
        _settle(page)
        page.wait_for_timeout(1000)
        tasks = page.evaluate("() => window.__longtasks")
        assert tasks is not None, "this Chromium has no Long Tasks API"
        longest = max(tasks, default=0.0)
        print(
            f"\n1,000 people: map drawn {drawn:.2f} s after navigation, longest task "
            f"{longest:.0f} ms ({len(tasks)} over 50 ms)"
        )
        assert longest < MAX_LONG_TASK_MS
        assert page.evaluate(f"() => {CY}.nodes('.department').length") == 13
        assert "(departments)" in page.inner_text("#map-count")
        v = _view(page)
        for i, a in enumerate(v["boxes"]):
            for b in v["boxes"][i + 1 :]:
                assert not _overlap(a, b), (a["id"], b["id"])
        # Drill down into one department: its people, still without a stall.
        page.evaluate("() => { window.__longtasks.length = 0; }")
        # The largest department.
        page.evaluate(
            f"() => {{ {CY}.nodes('.department').max(n => n.data('size')).ele.emit('tap'); }}"
        )
        page.wait_for_selector("#map-open", state="visible")
        page.click("#map-open")
        page.wait_for_function(f"() => {CY}.nodes('.person').length > 50", timeout=30_000)
        _settle(page)
        longest = max(page.evaluate("() => window.__longtasks"), default=0.0)
        print(f"drill-down: longest task {longest:.0f} ms")
        assert longest < MAX_LONG_TASK_MS
        assert errors == []
    finally:
        ctx.close()


@pytest.mark.slow
def test_thousand_people_labels_never_overlap(browser, thousand):
    """At the opening zoom and zoomed into the largest department, no drawn label
    overlaps another; names appear as zooming in makes room for them."""
    ctx = browser.new_context(viewport={"width": 1440, "height": 900})
    try:
        page = ctx.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(thousand + "/map")
        _wait_map(page, 10)
        _settle(page)
        # Opening view: 13 departments and the external customer, each labelled.
        drawn = _labels(page)
        assert _overlaps(drawn) == []
        assert len(drawn) == 14
        assert min(x["px"] for x in drawn) >= MIN_LABEL_PX
        page.evaluate(
            f"() => {{ {CY}.nodes('.department').max(n => n.data('size')).ele.emit('tap'); }}"
        )
        page.wait_for_selector("#map-open", state="visible")
        page.click("#map-open")
        page.wait_for_function(f"() => {CY}.nodes('.person').length > 50", timeout=30_000)
        _settle(page)
        assert _overlaps(_labels(page)) == []
        share = {}
        for zoom in (1.0, 1.5, 2.5):
            page.evaluate(
                f"""() => {{ const cy = {CY};
                const box = cy.nodes('.department-box').max(n => n.descendants().length).ele;
                cy.zoom({zoom}); cy.center(box); }}"""
            )
            _settle(page)
            drawn = _labels(page)
            assert _overlaps(drawn) == [], zoom
            assert min(x["px"] for x in drawn) >= MIN_LABEL_PX
            n = _names_on_screen(page)
            share[zoom] = n["drawn"] / max(1, n["drawn"] + n["left"])
            print(f"\nzoom {zoom}: {n['drawn']} names drawn, {n['left']} left out for room")
        # Names keep 12 px on screen while the people spread apart: at 2.5 x the people
        # of a department stand at least (8 + 8 + 12) x 2.5 = 70 px apart (the sunflower's
        # gap and the smallest radius, views._sunflower), about one 12 px name's width, so
        # nearly every name has room; at 1 x they stand 28 px apart and many cannot.
        assert share[1.0] < share[2.5]
        assert share[2.5] >= 0.8
        assert errors == []
    finally:
        ctx.close()


def test_second_start_answers_at_once_with_the_kept_first_page(browser, tmp_path):
    """The second `serve` of the same bytes reads them in the background: the overview kept
    from the first start shows at once, the same findings, and every page works after."""
    import shutil

    from ..conftest import DATA

    src = tmp_path / "org"
    shutil.copytree(DATA / "healthcare-supplier", src)
    shown = []
    for start in range(2):
        s = Served(src, tmp_path)
        ctx = browser.new_context(viewport={"width": 1440, "height": 900})
        try:
            page = ctx.new_page()
            page.goto(s.url + "/")
            page.wait_for_selector("#top-findings li")
            shown.append(page.inner_text("#top-findings"))
            assert page.inner_text("#org-name") == "org"
            page.goto(s.url + "/map")
            _wait_map(page)
        finally:
            ctx.close()
            s.stop()
        log = "".join(s.lines) + s.proc.stderr.read()
        # The first start loads before answering; the second answers, then reads.
        assert ("from the analysis cache" in log) == (start == 1), log
    assert shown[0] == shown[1] and "show on map" in shown[0]

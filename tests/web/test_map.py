"""The network map's layout, selection, colours and words, without a browser.

Browser measurements (opening zoom, label sizes, long tasks, "show on map") are in
test_map_browser.py.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import orggraph
from orggraph.analysis import KINDS, analyze
from orggraph.web import figures, views

from ..conftest import DATA

#: Smallest CAM02-UCS distance allowed between two category colours, as seen with full
#: deuteranopia, protanopia or tritanopia (colorspacious's CVD simulation, severity 100).
#: 10 units is several times a just-noticeable difference (about 1-2).
CVD_MIN_DISTANCE = 10.0


@pytest.fixture(scope="module")
def hs():
    org = orggraph.load(DATA / "healthcare-supplier")
    return org, analyze(org)


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """A 1,000-person organization, as `orggraph generate --people 1000` writes it."""
    from orggraph.synthetic import generate, write_generated

    out = tmp_path_factory.mktemp("org") / "org1000"
    write_generated(generate(1000, seed=1), out)
    org = orggraph.load(out)
    return org, analyze(org)


def _nodes(m):
    return [e for e in m["elements"] if "source" not in e["data"]]


def _boxes(m):
    """Each department's box in map units: its people's extent plus the box padding."""
    kids = {}
    for e in _nodes(m):
        p = e["data"].get("parent")
        if p and "position" in e:
            kids.setdefault(p, []).append(e)
    out = {}
    for d, es in kids.items():
        xs = [e["position"]["x"] for e in es]
        ys = [e["position"]["y"] for e in es]
        r = [e["data"]["size"] / 2 for e in es]
        out[d] = (
            min(x - q for x, q in zip(xs, r, strict=True)) - 12,
            min(y - q for y, q in zip(ys, r, strict=True)) - 12,
            max(x + q for x, q in zip(xs, r, strict=True)) + 12,
            max(y + q for y, q in zip(ys, r, strict=True)) + 12,
        )
    return out


def _overlap(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.parametrize("which", ["hs", "big"])
def test_people_never_overlap_and_departments_never_overlap(which, request):
    org, a = request.getfixturevalue(which)
    m = views.map_elements(org, a, level="people", edge_cap=10**9 if which == "hs" else None)
    nodes = [e for e in _nodes(m) if "position" in e]
    by_dept = {}
    for e in nodes:
        by_dept.setdefault(e["data"].get("parent"), []).append(e)
    for es in by_dept.values():
        xy = np.array([[e["position"]["x"], e["position"]["y"]] for e in es])
        r = np.array([e["data"]["size"] / 2 for e in es])
        for i in range(len(es)):
            gap = np.hypot(*(xy[i + 1 :] - xy[i]).T) - r[i + 1 :] - r[i]
            assert (gap >= 5).all()
    boxes = _boxes(m)
    for (d1, b1), (d2, b2) in itertools.combinations(boxes.items(), 2):
        assert not _overlap(b1, b2), (d1, d2)
    # The external customer sits outside every department box.
    ext = [e for e in nodes if e["data"]["kind"] == "external"]
    for e in ext:
        x, y, r = e["position"]["x"], e["position"]["y"], e["data"]["size"] / 2
        assert not any(_overlap((x - r, y - r, x + r, y + r), b) for b in boxes.values())


def test_layout_is_deterministic(hs):
    org, a = hs
    assert views.map_elements(org, a) == views.map_elements(org, a)
    d1 = views.map_elements(org, a, level="departments")
    assert d1 == views.map_elements(org, a, level="departments")


def test_department_view_opens_above_a_few_hundred_people(hs, big):
    assert views.MAP_PEOPLE_MAX <= 500
    assert views.map_elements(*big)["level"] == "departments"
    assert views.map_elements(*hs)["level"] == "people"
    # Department nodes do not overlap either (node plus label room).
    m = views.map_elements(*big)
    pos = [(e["position"], e["data"]["size"]) for e in _nodes(m)]
    for (p, s), (q, t) in itertools.combinations(pos, 2):
        assert abs(p["x"] - q["x"]) >= (s + t) / 2 or abs(p["y"] - q["y"]) >= (s + t) / 2


def test_thousands_of_handoffs_are_drawn_as_department_links(big):
    org, a = big
    m = views.map_elements(org, a, level="people")
    assert m["counts"]["edges"] <= views.EDGE_CAP
    assert m["aggregated"] > 1000
    agg = [e for e in m["elements"] if "aggregate" in e.get("classes", "")]
    depts = set(org.departments)
    assert agg and all(e["data"]["source"] in depts for e in agg if e["data"]["handoffs"])


def test_focus_on_a_department_fades_the_rest(hs):
    org, a = hs
    m = views.map_elements(org, a, focus="PD")
    cls = {e["data"]["id"]: e["classes"].split() for e in m["elements"]}
    assert "found" in cls["PD"]
    members = [e["data"]["id"] for e in _nodes(m) if e["data"].get("parent") == "PD"]
    assert members and not any("faded" in cls[u] for u in members)
    assert "faded" in cls["SAL"] and "faded" in cls["OPS-PLN"]
    assert m["focus"] == ["PD"]


def test_focus_on_a_department_pair_lights_the_pair(hs):
    org, a = hs
    m = views.map_elements(org, a, level="departments", focus="SAL,OPS")
    cls = {e["data"]["id"]: e["classes"].split() for e in m["elements"]}
    assert "found" in cls["SAL"] and "found" in cls["OPS"] and "found" in cls["SAL->OPS"]
    assert "faded" in cls["MFG"] and "faded" not in cls["SAL->OPS"]


def test_a_person_in_focus_opens_their_department(big):
    org, a = big
    person = org.units[org.units["kind"] == "person"]["id"].iloc[0]
    m = views.map_elements(org, a, focus=person)
    assert m["level"] == "people" and m["drill"] == org.department_of(person)
    assert m["focus"] == [person]


def test_department_panel_counts_its_members_handoffs(hs):
    org, a = hs
    p = views.node_panel(org, a, "SAL")
    assert dict(p["flows_out"])["Operations"] == 17
    assert sum(n for _, n in p["flows_out"]) == len(p["handoffs_out"])
    assert p["inside"] > 0
    e = views.edge_panel(org, a, "SAL", "OPS")
    assert len(e["handoffs"]) == 17


def test_every_finding_kind_and_metric_has_plain_words(hs):
    org, a = hs
    for kind in KINDS:
        name, why = views.kind_words(kind)
        assert name and why and "_" not in name
    words, tech = views.metric_line("betweenness", 0.243)
    assert words == "lies on 24% of the shortest working paths between others"
    assert "betweenness" in tech
    rows = views.findings_rows(org, a)
    assert all(r["measure"] and r["kind_name"] and r["why"] for r in rows)
    o = views.overview(org, a)
    assert all(f["measure"] for f in o["findings"])


def _cvd_distances(colours):
    from colorspacious import cspace_convert

    def rgb(h):
        h = h.lstrip("#")
        return np.array([int(h[i : i + 2], 16) for i in (0, 2, 4)]) / 255

    out = {}
    for cvd in ("deuteranomaly", "protanomaly", "tritanomaly"):
        space = {"name": "sRGB1+CVD", "cvd_type": cvd, "severity": 100}
        seen = {
            k: cspace_convert(
                np.clip(cspace_convert(rgb(h), space, "sRGB1"), 0, 1), "sRGB1", "CAM02-UCS"
            )
            for k, h in colours.items()
        }
        out[cvd] = min(
            float(np.linalg.norm(seen[a] - seen[b])) for a, b in itertools.combinations(seen, 2)
        )
    return out


def test_category_colours_survive_colour_blindness():
    pytest.importorskip("colorspacious")
    d = _cvd_distances(views.CATEGORY_COLOURS)
    assert min(d.values()) > CVD_MIN_DISTANCE, d
    steps = _cvd_distances({str(k): v for k, v in views.CLOSENESS_COLOURS.items()})
    assert min(steps.values()) > CVD_MIN_DISTANCE, steps


def test_legend_says_what_size_colour_and_width_mean():
    for level in ("people", "departments"):
        text = " ".join(t for *_, t in views.legend(level))
        assert "size" in text and "colour" in text and "width" in text
    assert "headcount" in " ".join(t for *_, t in views.legend("departments"))


def test_matrix_colours_cross_department_flow_only(hs):
    org, _ = hs
    fig = figures.matrix_heatmap(org)
    h = fig.data[0]
    z = np.array(h.z, dtype=float)
    assert np.isnan(np.diag(z)).all() and np.nanmax(z) > 0
    assert len(fig.layout.yaxis.tickvals) == len(z) == len(fig.layout.xaxis.tickvals)
    assert "deliveries a month" in h.colorbar.title.text
    assert "deliveries a month" in h.hovertemplate


def test_many_department_links_keep_each_departments_strongest(big, monkeypatch):
    """Above DEPARTMENT_LINKS pairs: each department's heaviest links out and in, every one
    with the external customer and every critical one; the rest counted as hidden."""
    org, a = big
    full = views.map_elements(org, a, level="departments")
    assert full["hidden"] == 0  # 13 departments: under the line
    links = {
        (e["data"]["source"], e["data"]["target"])
        for e in full["elements"]
        if "source" in e["data"]
    }
    monkeypatch.setattr(views, "DEPARTMENT_LINKS", 10)
    monkeypatch.setattr(views, "LINKS_EACH_WAY", 1)
    m = views.map_elements(org, a, level="departments")
    drawn = {
        (e["data"]["source"], e["data"]["target"]) for e in m["elements"] if "source" in e["data"]
    }
    # By hand, from the department graph's weights.
    weight = {
        (x, y): d["weight"] for x, y, d in org.department_graph.edges(data=True) if (x, y) in links
    }
    expect = set()
    for d in {x for pair in weight for x in pair}:
        for end in (0, 1):
            mine = [p for p in weight if p[end] == d]
            if mine:
                expect.add(max(mine, key=weight.get))
    external = set(org.external)
    expect |= {p for p in weight if external & set(p)}
    for f in a.findings:
        if f.kind == "critical_handoff":
            x, y = f.subjects[:2]
            expect.add(
                (x, y)
                if f.evidence.get("level") == "department"
                else (org.department_of(x), org.department_of(y))
            )
    expect &= links
    assert drawn == expect and len(drawn) < len(links)
    assert m["hidden"] == len(links) - len(drawn)
    # The pair in focus is drawn however weak.
    weakest = min(weight, key=weight.get)
    shown = views.map_elements(org, a, level="departments", focus=",".join(weakest))
    assert weakest in {
        (e["data"]["source"], e["data"]["target"])
        for e in shown["elements"]
        if "source" in e["data"]
    }


def test_find_offers_what_matches_the_typing(hs, monkeypatch):
    org, _ = hs
    kind = org.units.set_index("id")["kind"]
    found = views.find_options(org, "  DANA ")
    assert {"label": "Dana Whitfield", "value": "OPS-PLN"} in found
    assert all("dana" in (o["label"] + o["value"]).lower() for o in found)
    many = views.find_options(org, "s")
    kinds = [kind[o["value"]] for o in many]
    assert "department" in kinds and "person" in kinds
    assert kinds == sorted(kinds, key=lambda k: k != "department")  # departments first
    assert len(views.find_options(org, "s", limit=3)) == 3
    # What was picked before stays offered.
    kept = views.find_options(org, "sales", chosen="OPS-PLN", limit=2)
    assert kept[-1] == {"label": "Dana Whitfield", "value": "OPS-PLN"} and len(kept) == 3
    # Anything from the browser: nothing found, nothing raised.
    for hostile in (None, "", "   ", {"$ne": 1}, ["dana"], 7, "x" * 100_000, ".*"):
        assert views.find_options(org, hostile) == []
    assert views.find_options(org, "dana", chosen={"x": 1}) == found
    # Above FIND_ALL units the first list holds departments and the unit in focus only.
    monkeypatch.setattr(views, "FIND_ALL", 5)
    o = views.map_options(org, focus="OPS-PLN")
    assert {d["value"] for d in o["find"]} == set(org.departments) | {"OPS-PLN"}

"""What the pages show, as plain data: pure functions that the Dash callbacks call.

Nothing here imports dash; everything is unit-tested without a browser.
Text from the user's files is passed on as data (never as HTML): Dash and
Cytoscape render it as text.
"""

from __future__ import annotations

import contextlib
import math
import weakref

import numpy as np
import pandas as pd

from .privacy import private_elements, private_panel

__all__ = [
    "LARGE",
    "overview",
    "map_elements",
    "node_panel",
    "edge_panel",
    "matrix",
    "matrix_ids",
    "cell_handoffs",
    "map_options",
    "find_options",
    "finds_by_typing",
    "findings_rows",
    "findings_csv",
    "FINDINGS_CSV_COLUMNS",
    "closeness_colour",
    "legend",
    "kind_words",
    "metric_line",
    "map_tips",
    "whatif_summary",
    "PROMISE_WORDS",
    "closeness_words",
    "CLOSENESS_WORDS",
    "METRICS",
    "KIND_WORDS",
    "CATEGORY_COLOURS",
    "CLOSENESS_COLOURS",
    "MAP_PEOPLE_MAX",
    "EDGE_CAP",
    "DEPARTMENT_LINKS",
    "LINKS_EACH_WAY",
]

#: Above this many people the printed report draws its map at department level (the web
#: map opens at department level from :data:`MAP_PEOPLE_MAX`).
LARGE = 2000


def _names(org):
    return dict(zip(org.units["id"], org.units["name"], strict=False))


#: Changes whenever :func:`overview` would give another page for the same analysis (the
#: server keeps the last one on disk, keyed by it).
OVERVIEW_REVISION = "2026-12-05"
#: org -> (analysis, top, overview): the first page of a large organization, computed once.
_OVERVIEWS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def overview(org, analysis, *, top=8) -> dict:
    """Headline figures and the top findings, each with the map target to show it.

    Computed once per organization and analysis: it is the first page every
    visitor opens (the server warms it while starting).
    """
    try:
        done = _OVERVIEWS.get(org)
    except TypeError:  # not weak-referenceable: computed each time
        done = None
    if done is not None and done[0] is analysis and done[1] == top:
        return done[2]
    result = _overview(org, analysis, top)
    with contextlib.suppress(TypeError):
        _OVERVIEWS[org] = (analysis, top, result)
    return result


def _overview(org, analysis, top) -> dict:
    from ..summary import counts as summary_counts

    s = summary_counts(org)
    counts = {
        k: sum(f.kind == k for f in analysis.findings)
        for k in ("silo", "bottleneck", "critical_handoff")
    }
    risks = analysis.tables["key_person_risk"]
    key_people = int((risks["dependencies_lost"] > 0).sum()) if len(risks) else 0
    names = _names(org)
    return {
        "name": org.name,
        "figures": [
            ("People", s["kinds"]["person"]),
            ("Departments", s["kinds"]["department"]),
            ("Handoffs inside departments", s["handoffs_inside"]),
            ("Handoffs across departments", s["handoffs_across"]),
            ("Silos", counts["silo"]),
            ("Bottlenecks", counts["bottleneck"]),
            ("Key-person risks", key_people),
            ("Critical handoffs", counts["critical_handoff"]),
        ],
        "findings": [
            {
                "rank": i + 1,
                "kind": f.kind,
                "severity": f.severity,
                "summary": f.summary,
                "subjects": list(f.subjects),
                "names": [names.get(x, x) for x in f.subjects],
                # "show on map": a department pair or a handoff as a pair, one unit alone.
                "focus": ",".join(f.subjects[:2])
                if f.kind in ("critical_handoff", "alignment_gap")
                else f.subjects[0],
                "kind_name": kind_words(f.kind)[0],
                "why": kind_words(f.kind)[1],
                "measure": f.measure,
            }
            for i, f in enumerate(analysis.findings[:top])
        ],
        # Kinds with more past the line than shown, and what came closest where none is.
        "limited": [
            f"{t['found']} {k.replace('_', ' ')} findings crossed the line; the {t['shown']} "
            "strongest are listed"
            for k, t in analysis.totals.items()
            if t["found"] > t["shown"]
        ],
        "near_misses": [
            f"{f.kind.replace('_', ' ')}: {', '.join(names.get(x, x) for x in f.subjects[:3])} "
            f"came closest, at {f.ratio:.0%} of the line: {f.measure}."
            for f in analysis.near_misses
        ],
    }


# ----------------------------------------------------------------------------- colours
#: Okabe & Ito (2008) colours, safe for the common colour-vision deficiencies. Each has
#: one meaning on the map (see :func:`legend`).
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky blue": "#56B4E9",
    "bluish green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish purple": "#CC79A7",
}
#: Node fill by kind of unit, and the two finding marks: one meaning per colour.
CATEGORY_COLOURS = {
    "person": OKABE_ITO["blue"],
    "team": OKABE_ITO["sky blue"],
    "department": OKABE_ITO["bluish green"],
    "external": OKABE_ITO["reddish purple"],
    "bottleneck": OKABE_ITO["orange"],
    "silo or critical handoff": OKABE_ITO["vermillion"],
}
#: Closeness 1 (arm's length) to 5 (daily close work): cividis (Nuñez et al. 2018), a
#: sequential scale that reads the same with and without colour vision deficiency; its
#: lightest end is left out so that close handoffs stay visible on white.
CLOSENESS_COLOURS = {1: "#00224E", 2: "#35456C", 3: "#666970", 4: "#958F78", 5: "#CBBA69"}
NOT_RATED = "#BBBBBB"


def closeness_colour(c) -> str:
    """Cividis from dark blue (1, arm's length) to olive yellow (5, close); grey when not
    rated."""
    if c is None or (isinstance(c, float) and math.isnan(c)):
        return NOT_RATED
    return CLOSENESS_COLOURS[int(min(5, max(1, round(c))))]


# ----------------------------------------------------------------------- plain words
#: Every metric, in plain words first (a format taking ``v``), the technical name second.
METRICS = {
    "betweenness": (
        "lies on {v:.0%} of the shortest working paths between others",
        "betweenness centrality",
    ),
    "providers": ("receives work from {v} others", "in-degree (providers)"),
    "customers": ("delivers work to {v} internal customers", "out-degree (customers)"),
    "constraint": (
        "{v:.2f} of 1: how much their contacts already work with each other "
        "(high: one tight circle; low: many separate contacts)",
        "Burt's constraint",
    ),
    "effective size": (
        "works with about {v:.1f} contacts who do not work with one another",
        "effective size (Burt)",
    ),
    "brokerage": (
        "links {v} pairs of others who have no handoff between them",
        "brokerage roles (Gould & Fernandez)",
    ),
    "headcount": ("{v} people", "headcount"),
    "ei": (
        "{v:+.2f}: -1 works only inside, +1 only with other departments",
        "E-I index (Krackhardt & Stern)",
    ),
}

#: Every finding kind: a short name and a one-line explanation.
KIND_WORDS = {
    "silo": ("Silo", "a department that works mostly with itself and little with the others"),
    "blocks": (
        "Departments work in blocks",
        "work stays inside departments far more than chance would put it",
    ),
    "bottleneck": (
        "Bottleneck",
        "a person many working paths run through: work waits when they are away",
    ),
    "critical_handoff": (
        "Critical handoff",
        "an important handoff between people or departments who barely work together",
    ),
    "target_not_capable": (
        "Target out of reach",
        "an agreed turnaround that the work, as it runs today, cannot meet",
    ),
    "promise_at_risk": (
        "Promise at risk",
        "the turnaround promised to the external customer is kept too rarely",
    ),
    "alignment_gap": (
        "Seen differently",
        "provider and internal customer rate how closely they work very differently",
    ),
    "low_internal_satisfaction": (
        "Unhappy internal customers",
        "internal customers rate what a department delivers low",
    ),
}


def kind_words(kind) -> tuple[str, str]:
    """(plain name, one-line explanation) of a finding kind."""
    return KIND_WORDS.get(kind, (str(kind).replace("_", " ").capitalize(), ""))


def metric_line(name, value) -> tuple[str, str]:
    """(plain sentence, technical name and value) of one metric."""
    words, tech = METRICS[name]
    return words.format(v=value), f"{tech}: {value:.3g}" if isinstance(
        value, float
    ) else f"{tech}: {value}"


def legend(level) -> list[tuple[str, str, str]]:
    """What size, colour and width mean on the map at this level: (shape, colour, text)."""
    c = CATEGORY_COLOURS
    edges = [
        ("line", CLOSENESS_COLOURS[1], "edge colour: closeness 1 (arm's length, dark blue)"),
        ("line", CLOSENESS_COLOURS[5], "to 5 (daily close work, olive); grey: not rated"),
        ("width", "#666666", "edge width: how much work flows (deliveries a month x importance)"),
        ("dash", c["silo or critical handoff"], "dashed vermillion edge: critical handoff"),
    ]
    if level == "departments":
        return [
            ("box", c["department"], "department; size: headcount"),
            ("ring", c["silo or critical handoff"], "vermillion border: silo"),
            ("dot", c["external"], "external customer"),
            *edges,
        ]
    return [
        ("dot", c["person"], "person; size: share of working paths through them"),
        ("dot", c["team"], "team"),
        ("dot", c["external"], "external customer"),
        ("dot", c["bottleneck"], "orange: bottleneck"),
        ("box", "#F4F6F8", "box: department (vermillion border: silo)"),
        ("box", c["department"], "another department as one node; size: headcount"),
        *edges,
    ]


#: Closeness rounded to a whole rating, in the words of the input format (README).
CLOSENESS_WORDS = {
    1: "at arm's length",
    2: "occasionally",
    3: "regularly",
    4: "closely",
    5: "closely, every day",
}


def closeness_words(c) -> tuple[str, str]:
    """(plain sentence, technical name and value) of a handoff's closeness."""
    if c is None or (isinstance(c, float) and math.isnan(c)):
        return "how closely they work together is not rated", "closeness: not rated"
    words = CLOSENESS_WORDS[int(min(5, max(1, round(c))))]
    return f"they work together {words}", f"closeness {c:.1f} of 5"


def _tip_findings(found) -> list[str]:
    """One plain line per finding kind (with how many), in the order first met."""
    counts = {}
    for kind in found:
        counts[kind] = counts.get(kind, 0) + 1
    out = []
    for kind, n in counts.items():
        name, why = kind_words(kind)
        out.append(f"{name}{f' ({n})' if n > 1 else ''}: {why}" if why else name)
    return out


def map_tips(org, analysis, elements) -> None:
    """Add ``tip`` to every map element: what the hover shows, plain words first.

    ``tip`` is ``{"t": title, "s": what it is, "p": [plain lines], "x": [technical
    lines]}`` (an edge has no title: its ends' titles make it), built from
    :func:`metric_line`, :func:`kind_words` and :func:`closeness_words` (the words of the
    side panel). Names stay data: the browser writes them as text (assets/orggraph.js).
    """
    names = _names(org)
    kind_of, dept_of = org._kind, org._dept
    btw = analysis.tables["centrality"]["betweenness"].to_dict()
    role = dict(zip(org.units["id"], org.units.get("role", pd.Series(dtype=str)), strict=False))
    ei = analysis.tables.get("ei_index")
    ei = ei["ei"].to_dict() if ei is not None and "ei" in ei.columns else {}
    # org.graph only where an edge lacks its count: building it takes seconds at
    # 100,000 people, and the department view never needs it.
    dg = org.department_graph
    on_unit, on_pair = {}, {}
    for f in analysis.findings:
        for s in dict.fromkeys(f.subjects):
            on_unit.setdefault(s, []).append(f.kind)
        if len(f.subjects) >= 2:
            on_pair.setdefault(tuple(f.subjects[:2]), []).append(f.kind)
    for e in elements:
        d = e["data"]
        if "source" in d:
            a, b = d["source"], d["target"]
            n = d.get("handoffs")
            if n is None:
                g = org.graph
                n = int(g.edges[a, b].get("handoffs", 1)) if g.has_edge(a, b) else 1
            plain, tech = closeness_words(d.get("closeness"))
            # No title: the browser writes "provider → customer" from the two ends' own
            # tips, which keeps thousands of edges from repeating names.
            d["tip"] = {
                "s": f"{n} handoff{'s' if n != 1 else ''}",
                "p": [plain, *_tip_findings(on_pair.get((a, b), []))],
                "x": [tech],
            }
            continue
        u = d["id"]
        kind = kind_of.get(u, d.get("kind", ""))
        plain, tech = [], []
        if kind == "department" and u in dg:
            what = "department"
            for key, v in (("headcount", dg.nodes[u].get("headcount", 0)), ("ei", ei.get(u))):
                if v is None or v != v:
                    continue
                p_, t_ = metric_line(key, float(v) if key == "ei" else int(v))
                plain.append(p_)
                if key != "headcount":
                    tech.append(t_)
        elif kind == "external":
            what = "external customer"
        else:
            dept = dept_of.get(u, "")
            where = names.get(dept, dept) if dept != u else ""
            what = " · ".join(x for x in (kind, role.get(u) or "", where) if x)
            if u in btw and btw[u] == btw[u]:
                p_, t_ = metric_line("betweenness", float(btw[u]))
                plain.append(p_)
                tech.append(t_)
        d["tip"] = {
            "t": names.get(u, u),
            "s": what,
            "p": plain + _tip_findings(on_unit.get(u, [])),
            "x": tech,
        }


def _flags(analysis):
    silos, bottlenecks, critical, interfaces = set(), set(), set(), set()
    for f in analysis.findings:
        if f.kind == "silo":
            silos.add(f.subjects[0])
        elif f.kind == "bottleneck":
            bottlenecks.add(f.subjects[0])
        elif f.kind == "critical_handoff":
            (interfaces if f.evidence.get("level") == "department" else critical).add(
                tuple(f.subjects)
            )
    return silos, bottlenecks, critical, interfaces


# ----------------------------------------------------------------------------- layout
#: Map units between two department boxes, and above each box for its title.
GAP = 60.0
TITLE = 70.0
#: Above this many people the map opens at department level (drill down into one).
MAP_PEOPLE_MAX = 300
#: Above this many handoffs, those across departments are drawn as one edge per pair of
#: department boxes (and only the strongest inside ones are kept).
EDGE_CAP = 1500
#: Above this many department pairs the department map draws each department's
#: :data:`LINKS_EACH_WAY` strongest links out and in (and every critical one).
DEPARTMENT_LINKS = 600
LINKS_EACH_WAY = 3
#: Horizontal and vertical stretch of the department placement (a wide screen).
ASPECT = np.array([1.5, 0.85])


def _fr(n, edges, seed, weights=None):
    """Seeded Fruchterman-Reingold positions (igraph), centred, in [-1, 1]."""
    import random

    import igraph as ig

    if n == 1:
        return np.zeros((1, 2))
    g = ig.Graph(n=n, edges=edges)
    random.seed(seed)
    ig.set_random_number_generator(random)
    xy = np.asarray(g.layout_fruchterman_reingold(niter=500, weights=weights).coords, dtype=float)
    xy -= xy.mean(axis=0)
    span = np.abs(xy).max() or 1.0
    return xy / span


_GOLDEN = math.pi * (3 - math.sqrt(5))


def _sunflower(sizes, gap=12.0):
    """Vogel's sunflower spiral: slot i at radius c*sqrt(i + 0.5), the largest first, with
    ``c`` the smallest that keeps every pair of circles ``gap`` apart."""
    n = len(sizes)
    if n == 0:
        return np.zeros((0, 2)), 0.0
    i = np.arange(n) + 0.5
    unit = np.c_[np.sqrt(i) * np.cos(i * _GOLDEN), np.sqrt(i) * np.sin(i * _GOLDEN)]
    r = np.asarray(sizes, dtype=float) / 2
    c = 1.0
    window = 90  # neighbours in the spiral are at Fibonacci offsets (34, 55, 89 ...)
    for k in range(1, min(n, window)):
        d = np.hypot(*(unit[k:] - unit[:-k]).T)
        need = (r[k:] + r[:-k] + gap) / np.maximum(d, 1e-9)
        c = max(c, float(need.max()))
    xy = unit * c
    extent = float((np.hypot(*xy.T) + r).max())
    return xy, extent


def _separate(centre, half, *, gap=GAP, top=None, rounds=2000):
    """Push rectangles apart until none overlap (deterministic; order of the input).

    ``centre``: (n, 2) array, changed in place; ``half``: (n, 2) half width and height;
    ``top``: extra room above each rectangle (its title)."""
    n = len(centre)
    top = np.zeros(n) if top is None else np.asarray(top, dtype=float)
    for _ in range(rounds):
        moved = False
        for a in range(n):
            for b in range(a + 1, n):
                dx = centre[b, 0] - centre[a, 0]
                dy = centre[b, 1] - centre[a, 1]
                ox = half[a, 0] + half[b, 0] + gap - abs(dx)
                # The rectangle below also keeps room for its title.
                below_top = top[b] if dy >= 0 else top[a]
                oy = half[a, 1] + half[b, 1] + gap + below_top - abs(dy)
                if ox <= 0 or oy <= 0:
                    continue
                moved = True
                if ox < oy:
                    s = ox / 2 + 0.01
                    sign = 1.0 if dx > 0 or (dx == 0 and a < b) else -1.0
                    centre[a, 0] -= sign * s
                    centre[b, 0] += sign * s
                else:
                    s = oy / 2 + 0.01
                    sign = 1.0 if dy > 0 or (dy == 0 and a < b) else -1.0
                    centre[a, 1] -= sign * s
                    centre[b, 1] += sign * s
        if not moved:
            break
    return centre


def _group_centres(org, groups, half, top):
    """Department centres: placed by how much work flows between them (weighted
    Fruchterman-Reingold, seeded), pushed apart until no two boxes overlap; the external
    customer beside the department that serves it most, on the outside."""
    kind_of = org._kind
    dg = org.department_graph
    gi = {d: i for i, d in enumerate(groups)}
    flow = {}
    for a, b, d in dg.edges(data=True):
        if a in gi and b in gi and a != b:
            key = tuple(sorted((gi[a], gi[b])))
            flow[key] = flow.get(key, 0.0) + float(d.get("weight", 1.0))
    inner = [d for d in groups if kind_of.get(d) != "external"]
    ii = {d: i for i, d in enumerate(inner)}
    edges = [
        (ii[groups[a]], ii[groups[b]])
        for a, b in sorted(flow)
        if groups[a] in ii and groups[b] in ii
    ]
    weights = [1 + math.log1p(flow[tuple(sorted((gi[inner[a]], gi[inner[b]])))]) for a, b in edges]
    centre = np.zeros((len(groups), 2))
    if inner:
        xy = _fr(len(inner), edges, seed=1, weights=weights or None)
        scale = (float(np.max(half)) + GAP) * max(1.0, math.sqrt(len(inner)))
        for d, i in ii.items():
            # Wider than high, as screens are.
            centre[gi[d]] = xy[i] * scale * ASPECT
        idx = [gi[d] for d in inner]
        sub = centre[idx].copy()
        _separate(sub, half[idx], top=top[idx])
        centre[idx] = sub
    middle = centre[[gi[d] for d in inner]].mean(axis=0) if inner else np.zeros(2)
    for d in groups:
        if d in ii:
            continue
        served = {
            groups[b if groups[a] == d else a]: w
            for (a, b), w in flow.items()
            if d in (groups[a], groups[b]) and (groups[b if groups[a] == d else a] in ii)
        }
        if not served:
            continue
        best = max(sorted(served), key=served.get)
        anchor = centre[gi[best]]
        out = anchor - middle
        norm = float(np.hypot(*out)) or 1.0
        out = out / norm if norm > 1e-9 else np.array([1.0, 0.0])
        reach = float(np.abs(half[gi[best]]).max() + np.abs(half[gi[d]]).max()) + 2 * GAP
        centre[gi[d]] = anchor + out * reach
    _separate(centre, half, top=top)
    return centre


def _node_size(btw, top_btw):
    return 16 + 30 * math.sqrt(max(btw, 0.0) / top_btw)


def _positions(org, units, group, sizes, labels=None) -> dict:
    """Deterministic map positions: departments placed by how much work flows between
    them, each department's people on a sunflower spiral inside it (the most central in
    the middle) so that no two overlap, and no two department boxes overlap."""
    groups = list(dict.fromkeys(group[u] for u in units))
    members = {d: [u for u in units if group[u] == d] for d in groups}
    inner = {}
    half = np.zeros((len(groups), 2))
    for i, d in enumerate(groups):
        m = sorted(members[d], key=lambda u: (-sizes[u], u))
        members[d] = m
        xy, extent = _sunflower([sizes[u] for u in m])
        inner[d] = xy
        half[i] = extent + 12  # the box's padding around its people
        if labels and m == [d]:
            # A node drawn alone (department view): room for its label below it, at
            # about 8 map units a character (labels keep at least 13 px on screen).
            half[i] = (max(extent, 4.0 * len(labels.get(d, ""))), extent + 18)
    top = np.array([0.0 if len(members[d]) == 1 and members[d][0] == d else TITLE for d in groups])
    centre = _group_centres(org, groups, half, top)
    out = {}
    for i, d in enumerate(groups):
        for u, (x, y) in zip(members[d], inner[d], strict=False):
            out[u] = {
                "x": round(float(centre[i, 0] + x), 2),
                "y": round(float(centre[i, 1] + y), 2),
            }
    return out


def _focus_ids(focus) -> list[str]:
    """A focus as given by a link or the find box: one id, ``"A,B"``, or a list."""
    if not focus:
        return []
    if isinstance(focus, str):
        return [x for x in focus.split(",") if x]
    return [str(x) for x in focus if x]


def map_elements(
    org,
    analysis,
    *,
    level=None,
    departments=None,
    kinds=None,
    min_closeness=0,
    finding_kinds=None,
    focus=None,
    drill=None,
    removed=(),
    edge_cap=None,
) -> dict:
    """Cytoscape elements for the network map, with the filters applied.

    Parameters
    ----------
    level : {"people", "departments"}, optional
        Default: people, unless the organization has more than :data:`MAP_PEOPLE_MAX`
        people.
    departments : list of department ids to show (default all).
    kinds : list of unit kinds to show (default all).
    min_closeness : hide handoffs rated below this closeness.
    finding_kinds : list of finding kinds; when given, only units and handoffs
        that are subjects of such findings (and their departments) are shown.
    focus : unit id, ``"A,B"`` or a list of ids to show: they (and, for one unit, its
        neighbours) are marked ``found`` and everything else ``faded``. At department
        level a person in focus opens their department.
    drill : department id: at department level, open this one department's people.
    removed : unit ids to show as removed (what-if).
    edge_cap : above this many handoffs, those across departments are drawn as one edge
        per department pair (default :data:`EDGE_CAP`).

    Returns
    -------
    dict with ``elements`` (list of cytoscape element dicts), ``level``, ``counts``
    (nodes and edges shown), ``aggregated`` (handoffs drawn as department links, 0 when
    none), ``hidden`` (weaker department links not drawn, see :data:`DEPARTMENT_LINKS`),
    ``drill`` (the department opened) and ``focus`` (the ids in focus).
    """
    people = int((org.units["kind"] == "person").sum())
    level = level or ("departments" if people > MAP_PEOPLE_MAX else "people")
    edge_cap = EDGE_CAP if edge_cap is None else edge_cap
    names = _names(org)
    silos, bottlenecks, critical, interfaces = _flags(analysis)
    c = analysis.tables["centrality"]
    btw = c["betweenness"].to_dict()
    top_btw = max(btw.values(), default=0) or 1.0
    dept_of = org._dept
    kind_of = org._kind
    removed = set(removed)
    focus_ids = [f for f in _focus_ids(focus) if f in kind_of]
    if level == "departments" and drill is None and focus_ids:
        people_in_focus = [f for f in focus_ids if kind_of[f] not in ("department", "external")]
        if people_in_focus:
            drill = dept_of.get(people_in_focus[0]) or None
    focus_set = set(focus_ids)
    wanted_depts = set(departments) if departments else None
    wanted_kinds = set(kinds) if kinds else None
    subjects = None
    if finding_kinds:
        subjects = set()
        for f in analysis.findings:
            if f.kind in finding_kinds:
                subjects |= set(f.subjects)
    elements = []
    aggregated = hidden = 0

    def keep_dept(d):
        return wanted_depts is None or d in wanted_depts or kind_of.get(d) == "external"

    if level == "departments" and drill is None:
        g = org.department_graph
        sizes = {}
        for n, d in g.nodes(data=True):
            if not keep_dept(n) or (
                subjects is not None
                and n not in subjects
                and not any(dept_of.get(s) == n for s in subjects)
            ):
                continue
            classes = (
                [d["kind"]]
                + (["silo"] if n in silos else [])
                + (["removed"] if n in removed else [])
            )
            sizes[n] = 40.0 if d["kind"] == "external" else 36 + 7 * math.sqrt(d["headcount"])
            elements.append(
                {
                    "data": {
                        "id": n,
                        "label": f"{d['name']} ({d['headcount']})"
                        if d["kind"] != "external"
                        else d["name"],
                        "kind": d["kind"],
                        "size": round(sizes[n], 1),
                    },
                    "classes": " ".join(classes),
                }
            )
        shown = [e["data"]["id"] for e in elements]
        labels = {e["data"]["id"]: e["data"]["label"] for e in elements}
        pos = _positions(org, shown, {n: n for n in shown}, sizes, labels)
        for e in elements:
            e["position"] = pos[e["data"]["id"]]
        shown_set = set(shown)
        wmax = max((d["weight"] for *_, d in g.edges(data=True)), default=1.0) or 1.0
        links = [
            (a, b, d)
            for a, b, d in g.edges(data=True)
            if a in shown_set and b in shown_set and d["closeness"] >= min_closeness
        ]
        # Never hidden: a department-level critical handoff, or one between people.
        must = interfaces | {(dept_of.get(a), dept_of.get(b)) for a, b, *_ in critical}
        links, hidden = _strongest_links(links, must, kind_of, focus_set)
        for a, b, d in links:
            classes = ["critical"] if (a, b) in interfaces else []
            elements.append(
                {
                    "data": {
                        "id": f"{a}->{b}",
                        "source": a,
                        "target": b,
                        "width": round(1.5 + 9 * math.sqrt(d["weight"] / wmax), 2),
                        "colour": closeness_colour(d["closeness"]),
                        "closeness": round(d["closeness"], 2),
                        "handoffs": int(d.get("handoffs", 0)),
                    },
                    "classes": " ".join(classes),
                }
            )
    else:
        g = org.graph
        active = [u for u in g if g.degree(u) > 0]
        keep = []
        for u in active:
            k = kind_of[u]
            d = dept_of[u]
            if (
                drill is not None
                and d != drill
                and not (
                    any(dept_of[v] == drill for v in g.successors(u))
                    or any(dept_of[v] == drill for v in g.predecessors(u))
                )
            ):
                continue
            if not keep_dept(d) or (wanted_kinds is not None and k not in wanted_kinds):
                continue
            if subjects is not None and u not in subjects and d not in subjects:
                continue
            keep.append(u)
        # An opened department: its people, and every other department (or the external
        # customer) they work with drawn as one node, with one edge per person and
        # department.
        rep = {u: u for u in keep}
        collapsed = {}
        if drill is not None:
            dg = org.department_graph
            for u in keep:
                if dept_of[u] != drill:
                    rep[u] = u if kind_of[u] == "external" else dept_of[u]
                    collapsed[rep[u]] = dg.nodes[rep[u]] if rep[u] in dg else {}
            keep = [u for u in keep if dept_of[u] == drill]
        keep_set = set(keep)
        depts_used = dict.fromkeys(dept_of[u] for u in keep if kind_of[u] != "external")
        for d in depts_used:
            if d == "" or d in keep_set:
                continue
            classes = (
                ["department-box"]
                + (["silo"] if d in silos else [])
                + (["removed"] if d in removed else [])
            )
            elements.append(
                {
                    "data": {"id": d, "label": names.get(d, d), "kind": "department"},
                    "classes": " ".join(classes),
                }
            )
        sizes = {
            u: 40.0 if kind_of[u] == "external" else _node_size(btw.get(u, 0.0), top_btw)
            for u in keep
        }
        group = {u: (u if kind_of[u] == "external" else dept_of[u]) for u in keep}
        for d, attrs in sorted(collapsed.items()):
            sizes[d] = (
                40.0
                if kind_of.get(d) == "external"
                else 36 + 7 * math.sqrt(attrs.get("headcount", 0))
            )
            group[d] = d
        pos = _positions(org, keep + sorted(collapsed), group, sizes)
        for d, attrs in sorted(collapsed.items()):
            k = "external" if kind_of.get(d) == "external" else "department"
            head = attrs.get("headcount", 0)
            elements.append(
                {
                    "data": {
                        "id": d,
                        "label": names.get(d, d) + (f" ({head})" if k == "department" else ""),
                        "kind": k,
                        "size": round(sizes[d], 1),
                    },
                    "classes": " ".join(
                        [k]
                        + (["silo"] if d in silos else [])
                        + (["removed"] if d in removed else [])
                    ),
                    "position": pos[d],
                }
            )
        for u in keep:
            classes = [kind_of[u]]
            if u in bottlenecks:
                classes.append("bottleneck")
            if u in removed or dept_of[u] in removed:
                classes.append("removed")
            data = {
                "id": u,
                "label": names.get(u, u),
                "kind": kind_of[u],
                "size": round(sizes[u], 1),
            }
            if kind_of[u] != "external" and dept_of[u] in depts_used and dept_of[u] != u:
                data["parent"] = dept_of[u]
            elements.append({"data": data, "classes": " ".join(classes), "position": pos[u]})
        wmax = max((d["weight"] for *_, d in g.edges(data=True)), default=1.0) or 1.0
        edges = [
            (a, b, d)
            for a, b, d in g.edges(data=True)
            if a in keep_set and b in keep_set and d["closeness"] >= min_closeness
        ]
        if collapsed:
            links = {}
            for a, b, d in g.edges(data=True):
                ra, rb = rep.get(a), rep.get(b)
                if ra is None or rb is None or d["closeness"] < min_closeness:
                    continue
                if (ra in collapsed) == (rb in collapsed):
                    continue  # inside the opened department (drawn below) or outside it
                p = links.setdefault((ra, rb), [0.0, 0.0, 0])
                p[0] += d["weight"]
                p[1] += d["weight"] * d["closeness"]
                p[2] += 1
            for (a, b), (w, wc, n) in sorted(links.items()):
                elements.append(
                    {
                        "data": {
                            "id": f"{a}->{b}",
                            "source": a,
                            "target": b,
                            "width": round(1 + 7 * math.sqrt(min(1.0, w / wmax)), 2),
                            "colour": closeness_colour(wc / w if w else float("nan")),
                            "closeness": round(wc / w, 2) if w else None,
                            "handoffs": n,
                        },
                        "classes": "aggregate",
                    }
                )
        box = {u: (dept_of[u] if dept_of[u] in depts_used and dept_of[u] != u else u) for u in keep}
        if len(edges) > edge_cap:
            across = [(a, b, d) for a, b, d in edges if box[a] != box[b]]
            inside = [(a, b, d) for a, b, d in edges if box[a] == box[b]]
            pairs = {}
            for a, b, d in across:
                p = pairs.setdefault((box[a], box[b]), [0.0, 0.0, 0])
                p[0] += d["weight"]
                p[1] += d["weight"] * d["closeness"]
                p[2] += 1
            aggregated = len(across)
            inside.sort(key=lambda e: (-e[2]["weight"], e[0], e[1]))
            inside = inside[: max(0, edge_cap - len(pairs))]
            pmax = max((p[0] for p in pairs.values()), default=1.0) or 1.0
            for (a, b), (w, wc, n) in sorted(pairs.items()):
                elements.append(
                    {
                        "data": {
                            "id": f"{a}->{b}",
                            "source": a,
                            "target": b,
                            "width": round(1.5 + 9 * math.sqrt(w / pmax), 2),
                            "colour": closeness_colour(wc / w if w else float("nan")),
                            "closeness": round(wc / w, 2) if w else None,
                            "handoffs": n,
                        },
                        "classes": "aggregate" + (" critical" if (a, b) in interfaces else ""),
                    }
                )
            edges = inside
        for a, b, d in edges:
            rated = d["closeness"] if d.get("rated", 1) else float("nan")
            classes = []
            if (a, b) in critical:
                classes.append("critical")
            if a in removed or b in removed:
                classes.append("removed")
            elements.append(
                {
                    "data": {
                        "id": f"{a}->{b}",
                        "source": a,
                        "target": b,
                        "width": round(1 + 7 * math.sqrt(d["weight"] / wmax), 2),
                        "colour": closeness_colour(rated),
                        "closeness": round(d["closeness"], 2),
                    },
                    "classes": " ".join(classes),
                }
            )
    if focus_set:
        _mark_focus(elements, focus_set, level_dept=level == "departments" and drill is None)
    map_tips(org, analysis, elements)
    private_elements(org, {"elements": elements})  # groups under k: no size (privacy mode)
    nodes = sum(1 for e in elements if "source" not in e["data"])
    return {
        "elements": elements,
        "level": "departments" if level == "departments" and drill is None else "people",
        "counts": {"nodes": nodes, "edges": len(elements) - nodes},
        "aggregated": aggregated,
        "hidden": hidden,
        "drill": drill,
        "focus": [f for f in focus_ids if any(e["data"]["id"] == f for e in elements)],
    }


def _strongest_links(links, interfaces, kind_of, focus):
    """Department links to draw: all up to :data:`DEPARTMENT_LINKS`, else the strongest.

    Above it (126 departments at 100,000 people link in 15,000 pairs: a grey
    mass that took the browser seconds to draw), each department's
    :data:`LINKS_EACH_WAY` heaviest links out and in are drawn, and every
    critical one, every one with the external customer and the pair in
    focus. Returns ``(links, hidden)``.
    """
    if len(links) <= DEPARTMENT_LINKS:
        return links, 0
    keep = set()
    for end in (0, 1):  # each department's strongest links out, then in
        by_dept: dict = {}
        for i in sorted(range(len(links)), key=lambda i: -links[i][2]["weight"]):
            d = links[i][end]
            if len(by_dept.setdefault(d, [])) < LINKS_EACH_WAY:
                by_dept[d].append(i)
                keep.add(i)
    for i, (a, b, _) in enumerate(links):
        if (
            (a, b) in interfaces
            or "external" in (kind_of.get(a), kind_of.get(b))
            or (a in focus and b in focus)
        ):
            keep.add(i)
    return [links[i] for i in sorted(keep)], len(links) - len(keep)


def _mark_focus(elements, focus, *, level_dept):
    """Class ``found`` on what is in focus (a department box with its people, a pair and
    the edges between them, one unit with its neighbours), ``faded`` on the rest."""
    nodes = {e["data"]["id"]: e for e in elements if "source" not in e["data"]}
    lit = {f for f in focus if f in nodes}
    # A department box brings its people.
    lit |= {u for u, e in nodes.items() if e["data"].get("parent") in lit}
    lit_edges = set()
    for e in elements:
        d = e["data"]
        if "source" not in d:
            continue
        a, b = d["source"], d["target"]
        pa, pb = nodes.get(a, {}).get("data", {}), nodes.get(b, {}).get("data", {})
        if len(focus) == 1:
            if a in lit or b in lit:
                lit_edges.add(d["id"])
        elif (a in focus or pa.get("parent") in focus) and (
            b in focus or pb.get("parent") in focus
        ):
            lit_edges.add(d["id"])
    ends = set()
    for e in elements:
        if e["data"].get("id") in lit_edges:
            ends |= {e["data"]["source"], e["data"]["target"]}
    shown = lit | ends
    shown |= {nodes[u]["data"]["parent"] for u in shown if nodes[u]["data"].get("parent")}
    for e in elements:
        d = e["data"]
        i = d["id"]
        on = (i in lit_edges) if "source" in d else (i in shown)
        cls = e.get("classes", "").split()
        cls = [x for x in cls if x not in ("found", "faded")]
        if "source" not in d and i in focus or "source" in d and i in lit_edges and len(focus) > 1:
            cls.append("found")
        if not on:
            cls.append("faded")
        e["classes"] = " ".join(cls)


def node_panel(org, analysis, unit) -> dict:
    """Everything the side panel shows about a unit: plain-word metrics, findings with
    their deciding numbers, and its handoffs. A department's handoffs are its members'
    handoffs with other departments, counted per department."""
    units = org.units.set_index("id")
    if unit not in units.index:
        return {}
    u = units.loc[unit]
    names = _names(org)
    c = analysis.tables["centrality"]
    dept_of = org._dept
    metrics = []
    h = org.handoffs
    cols = ["provider", "customer", "deliverable", "closeness", "frequency", "satisfaction"]
    is_dept = u["kind"] == "department" and unit in set(org.departments)
    if is_dept:
        pd_ = h["provider"].map(dept_of)
        cd_ = h["customer"].map(dept_of)
        hin = h[(cd_ == unit) & (pd_ != unit)]
        hout = h[(pd_ == unit) & (cd_ != unit)]
        inside = int(((pd_ == unit) & (cd_ == unit)).sum())
        headcount = int(((org.units["department"] == unit) & (org.units["kind"] == "person")).sum())
        metrics.append(("headcount", headcount, *metric_line("headcount", headcount)))
        ei = analysis.tables.get("ei_index")
        if ei is not None and unit in ei.index and "ei" in ei.columns:
            v = float(ei.loc[unit, "ei"])
            if v == v:
                metrics.append(("ei", v, *metric_line("ei", v)))
        by_from = hin.groupby(hin["provider"].map(dept_of)).size().sort_values(ascending=False)
        by_to = hout.groupby(hout["customer"].map(dept_of)).size().sort_values(ascending=False)
        flows_in = [(names.get(d, d), int(n)) for d, n in by_from.items()]
        flows_out = [(names.get(d, d), int(n)) for d, n in by_to.items()]
    else:
        inside = None
        flows_in = flows_out = None
        hin = h[h["customer"] == unit]
        hout = h[h["provider"] == unit]
        if unit in c.index:
            r = c.loc[unit]
            for key, col, conv in (
                ("betweenness", "betweenness", float),
                ("providers", "providers", int),
                ("customers", "customers", int),
                ("constraint", "constraint", float),
                ("effective size", "effective_size", float),
                ("brokerage", "brokerage", int),
            ):
                v = r[col]
                if v == v:
                    v = conv(v)
                    metrics.append((key, v, *metric_line(key, v)))
    hin = hin[cols].assign(provider=lambda d: d["provider"].map(names))
    hout = hout[cols].assign(customer=lambda d: d["customer"].map(names))
    findings = []
    for f in analysis.findings:
        if unit in f.subjects:
            name, why = kind_words(f.kind)
            findings.append(
                {
                    "kind": f.kind,
                    "name": name,
                    "why": why,
                    "summary": f.summary,
                    "measure": f.measure,
                }
            )
    return private_panel(  # groups under k: no headcount, flows or handoffs (privacy mode)
        org,
        {
            "id": unit,
            "name": u["name"],
            "kind": u["kind"],
            "role": u.get("role", ""),
            "department": names.get(u["department"], u["department"]),
            "manager": names.get(u.get("manager", ""), ""),
            "metrics": metrics,
            "findings": findings,
            "handoffs_in": hin.to_dict("records"),
            "handoffs_out": hout.to_dict("records"),
            "inside": inside,
            "flows_in": flows_in,
            "flows_out": flows_out,
        },
    )


def _handoff_rows(org, rows) -> list[dict]:
    """Handoff table rows as the panels and tables show them: names, not ids."""
    names = _names(org)
    return [
        {
            "provider": names.get(r["provider"], r["provider"]),
            "customer": names.get(r["customer"], r["customer"]),
            "deliverable": r["deliverable"],
            "closeness": _n(r["closeness"]),
            "satisfaction": _n(r["satisfaction"]),
            "sla_days": _n(r["sla_days"]),
            "frequency": r["frequency"],
        }
        for _, r in rows.iterrows()
    ]


def edge_panel(org, analysis, provider, customer) -> dict:
    """The handoffs behind one map edge, with SLA and breach rate. A department on
    either end (a department-level edge, a department drawn collapsed beside an opened
    one) stands for all its members."""
    names = _names(org)
    h = org.handoffs
    rows = h[(h["provider"] == provider) & (h["customer"] == customer)]
    if rows.empty:
        depts = set(org.departments)
        dept = org._dept

        def side(col, x):
            return (h[col] == x) | (h[col].map(dept) == x) if x in depts else h[col] == x

        rows = h[side("provider", provider) & side("customer", customer)]
    return {
        **edge_panel_totals(analysis, provider, customer, names),
        "handoffs": _handoff_rows(org, rows),
    }


def edge_panel_totals(analysis, provider, customer, names) -> dict:
    """Names, SLA breach rate, deliveries and criticality of one unit-graph edge."""
    crit = analysis.tables["handoff_criticality"]
    c = crit[(crit["provider"] == provider) & (crit["customer"] == customer)]
    breach = (
        None if c.empty or pd.isna(c["breach_rate"].iloc[0]) else float(c["breach_rate"].iloc[0])
    )
    return {
        "provider": names.get(provider, provider),
        "customer": names.get(customer, customer),
        "breach_rate": breach,
        "deliveries": int(c["deliveries"].iloc[0]) if not c.empty else 0,
        "criticality": float(c["criticality"].iloc[0]) if not c.empty else None,
    }


def _n(v):
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else v


def matrix(org, *, value="weight") -> pd.DataFrame:
    """Provider x customer department matrix, ordered to show blocks.

    Departments are ordered by average-linkage clustering of their mutual
    weights (scipy), so departments that work together sit side by side.
    Index and columns are department names.
    """
    from scipy.cluster.hierarchy import leaves_list, linkage
    from scipy.spatial.distance import squareform

    from ..analysis.silos import mixing_matrix

    w = mixing_matrix(org, value="weight")
    m = w if value == "weight" else mixing_matrix(org, value=value)
    ids = list(w.index)
    if len(ids) > 2:
        s = w.to_numpy() + w.to_numpy().T
        np.fill_diagonal(s, 0)
        top = s.max() or 1.0
        dist = 1 - s / top
        np.fill_diagonal(dist, 0)
        order = leaves_list(linkage(squareform(dist, checks=False), method="average"))
        ids = [ids[i] for i in order]
    m = m.loc[ids, ids]
    labels = _labels(org, ids)
    m.index = labels
    m.columns = labels
    m.attrs["ids"] = ids
    return m


def _labels(org, ids):
    """Department names, with the id added where two departments share a name."""
    names = _names(org)
    counts = pd.Series([names.get(i, i) for i in ids]).value_counts()
    return [
        names.get(i, i) if counts[names.get(i, i)] == 1 else f"{names.get(i, i)} ({i})" for i in ids
    ]


def matrix_ids(org) -> dict:
    """Matrix axis label -> department id."""
    from ..analysis.silos import mixing_matrix

    ids = list(mixing_matrix(org, value="count").index)
    return dict(zip(_labels(org, ids), ids, strict=False))


def cell_handoffs(org, provider_dept, customer_dept) -> list[dict]:
    """The handoffs behind one matrix cell (department ids)."""
    dept = org._dept
    h = org.handoffs
    rows = h[
        (h["provider"].map(dept) == provider_dept) & (h["customer"].map(dept) == customer_dept)
    ]
    return _handoff_rows(org, rows)


#: Up to this many units, "Find" lists them all; above, it offers what matches the typing.
FIND_ALL = 2000
#: Matches offered while typing.
FIND_SHOWN = 50


def map_options(org, *, focus=None) -> dict:
    """Dropdown options of the map: departments, and the units one can look for by name.

    Every unit up to :data:`FIND_ALL`; above, departments and ``focus`` only (a
    list of 112,000 names took the browser three seconds to build): the rest
    come from :func:`find_options` as one types.
    """
    u = org.units
    tops = set(org.departments)
    departments = [
        {"label": n, "value": i} for i, n in zip(u["id"], u["name"], strict=False) if i in tops
    ]
    others = u[u["kind"] != "department"]
    if finds_by_typing(org):
        others = others[others["id"] == focus]
    find = [{"label": n, "value": i} for i, n in zip(others["id"], others["name"], strict=False)]
    return {"departments": departments, "find": find + departments}


def finds_by_typing(org) -> bool:
    """Whether "Find" offers matches as one types rather than every unit (above FIND_ALL)."""
    return int((org.units["kind"] != "department").sum()) > FIND_ALL


def find_options(org, text, *, chosen=None, limit=FIND_SHOWN) -> list[dict]:
    """Units whose name or id holds ``text`` (any case), departments first, at most ``limit``.

    ``chosen`` (the unit picked before) stays in the list, so the box keeps
    showing it. ``text`` comes from the browser: anything but a string finds
    nothing, and only its first 100 characters count.
    """
    if not isinstance(text, str) or not text.strip():
        return []
    text = text.strip()[:100]
    u = org.units
    hit = u["name"].astype(str).str.contains(text, case=False, regex=False) | u["id"].astype(
        str
    ).str.contains(text, case=False, regex=False)
    found = u[hit]
    found = found.iloc[np.argsort((found["kind"] != "department").to_numpy(), kind="stable")]
    rows = list(zip(found["id"], found["name"], strict=False))[:limit]
    if isinstance(chosen, str) and chosen in org.index and all(i != chosen for i, _ in rows):
        rows.append((chosen, org.names[chosen]))
    return [{"label": n, "value": i} for i, n in rows]


def findings_rows(org, analysis) -> list[dict]:
    """One grid row per finding, evidence flattened to text."""
    names = _names(org)
    rows = []
    for i, f in enumerate(analysis.findings):
        ev = "; ".join(
            f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}"
            for k, v in f.evidence.items()
            if v is not None and k != "level"
        )
        rows.append(
            {
                "rank": i + 1,
                "kind": f.kind,
                "kind_name": kind_words(f.kind)[0],
                "why": kind_words(f.kind)[1],
                "severity": f.severity,
                "score": round(f.score, 3),
                "measure": f.measure,
                "subjects": ", ".join(names.get(s, s) for s in f.subjects),
                "summary": f.summary,
                "evidence": ev,
                "action": f.action,
                "subject_ids": " ".join(f.subjects),
            }
        )
    return rows


FINDINGS_CSV_COLUMNS = [
    "rank",
    "kind",
    "severity",
    "score",
    "subjects",
    "summary",
    "evidence",
    "action",
]


def findings_csv(org, analysis, *, shown=None) -> str:
    """The findings as CSV text, safe to open in a spreadsheet.

    Every field is quoted and any cell that would start a formula (a name such as
    ``=HYPERLINK(...)``) gets a leading single quote (:func:`orggraph.safety.csv_text`).
    ``shown``: the grid's rows as filtered and sorted in the browser; only their ranks are
    used, to pick and order the server's own rows.
    """
    from ..safety import csv_text

    rows = findings_rows(org, analysis)
    if shown is not None:
        by_rank = {r["rank"]: r for r in rows}
        ranks = [r.get("rank") for r in shown if isinstance(r, dict)]
        rows = [by_rank[k] for k in ranks if isinstance(k, int) and k in by_rank]
    return csv_text(rows, FINDINGS_CSV_COLUMNS)


# ------------------------------------------------------------------ what-if
#: What a promise's status means for the external customer, in words.
PROMISE_WORDS = {
    "broken": "can no longer be kept: no one is left for step {step} ({what})",
    "weakened": "loses some of its alternatives at step {step} ({what})",
    "taken over": "holds if {who} takes over step {step} ({what})",
    "unaffected": "is not affected",
}


def whatif_summary(org, r) -> list[tuple[str, object]]:
    """What a what-if result (:func:`orggraph.analysis.whatif.what_if`) says, in words,
    as blocks for the page to draw: ``("summary", text)``, ``("heading", text)``,
    ``("text", text)`` and ``("list", (items, what to say when there are none))``.

    A departure leaves its work unserved (or taken over by the successor), never
    resolved: its findings are listed as needing an owner.
    """
    names = org.names
    lost, pairs = r["lost_pair_count"], r["pair_count"]
    who = names.get(r["successor"], "") if r["successor"] else ""
    unserved = r["unserved"]
    by_customer = unserved.groupby("customer")["deliverable"].agg(
        lambda d: ", ".join(sorted(set(d)))
    )
    if pairs:
        head = (
            f"{lost:,} of {pairs:,} who-reaches-whom dependencies lose every path "
            f"({lost / pairs:.1%})" + (" (estimated from sampled sources)" if r["estimate"] else "")
        )
    else:
        head = "No dependencies before."
    undelivered = r["undelivered"][["provider", "deliverable", "customer"]].values
    return [
        ("summary", head),
        (
            "heading",
            f"Internal customers who lose work ({len(by_customer)})"
            if not who
            else f"Work {who} takes over ({len(unserved)} deliverables)",
        ),
        ("list", ([f"{names.get(c, c)}: {d}" for c, d in by_customer.items()][:50], "none")),
        ("heading", f"Work delivered to no one ({len(r['undelivered'])})"),
        (
            "list",
            (
                [f"{names.get(p, p)} → {names.get(c, c)}: {d}" for p, d, c in undelivered][:50],
                "none",
            ),
        ),
        ("heading", "Promises to the external customer"),
        (
            "list",
            (
                [
                    f"The {p['promise_days']:g}-day promise ({p['deliverable']}) "
                    + PROMISE_WORDS[p["status"]].format(
                        step=p["step"], what=p["step_deliverable"], who=who
                    )
                    for p in r["promises"]
                    if p["promise_days"] is not None
                ],
                "no promise with observed deliveries",
            ),
        ),
        (
            "text",
            "Department pairs cut apart: "
            + (
                ", ".join(
                    f"{names.get(a, a)} → {names.get(b, b)}" for a, b in r["department_pairs_lost"]
                )
                or "none"
            ),
        ),
        ("heading", "Routes that get longer"),
        (
            "list",
            (
                [
                    f"{names.get(a, a)} → {names.get(b, b)}: {after} handoffs instead of {before}"
                    for a, b, before, after in r["rerouted"]
                ][:30],
                "none",
            ),
        ),
        ("text", f"Units that no longer reach the customer: {len(r['cut_off_from_customer'])}"),
        ("heading", "Findings that now need an owner"),
        ("list", ([f.summary for f in r["findings_needing_owner"]], "none")),
    ]


# ---------------------------------------------------------- end what-if

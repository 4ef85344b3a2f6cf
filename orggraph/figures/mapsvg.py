"""The network map as a standalone SVG, in the web view's layout, findings highlighted.

Positions, node sizes, edge widths and colours come from
:func:`orggraph.web.views.map_elements` (the deterministic, seeded layout of the web view),
so the printed map and the interactive one look alike. On top of it:

- departments found to be silos get a red box;
- bottleneck people are orange and named;
- critical handoffs are dashed red; arm's-length department interfaces are a dashed red
  arrow between the two departments' boxes;
- handoffs whose internal SLA is not capable, and the promise at risk, are purple;
  alignment gaps dashed teal;
- each highlighted element carries the rank of its finding in a small badge.

Every name is escaped with :func:`orggraph.safety.escape_html`; hovering a node in a
browser shows its name, department and betweenness (an SVG ``<title>``).
"""

from __future__ import annotations

import math

from ..safety import escape_html

__all__ = ["map_svg", "MAP_LEGEND", "finding_marks"]

WIDTH = 1000.0
PAD = 24.0
RED, ORANGE, PURPLE, TEAL, GREY = "#c62828", "#ef6c00", "#6a1b9a", "#00838f", "#9e9e9e"

#: (swatch kind, colour, text) for the legend under the map.
MAP_LEGEND = (
    ("box", RED, "silo (department keeps to itself)"),
    ("dot", ORANGE, "bottleneck person"),
    ("dash", RED, "critical handoff / arm's-length interface"),
    ("line", PURPLE, "internal SLA not met / promise at risk"),
    ("dash", TEAL, "alignment gap"),
    ("line", "#d73027", "closeness 1 (arm's length)"),
    ("line", "#fee08b", "closeness 3 (regular)"),
    ("line", "#1a9850", "closeness 5 (daily close collaboration)"),
)


def finding_marks(org, analysis) -> dict:
    """What each ranked finding highlights on the map.

    Returns
    -------
    dict
        ``silos`` (department ids), ``bottlenecks`` (unit ids), ``critical``,
        ``sla`` and ``alignment`` (sets of (provider, customer) unit pairs),
        ``interfaces`` (department pairs) and ``badges``: anchor -> list of finding
        ranks, an anchor being a unit id or a (provider, customer) pair.
    """
    marks = {
        "silos": set(),
        "bottlenecks": set(),
        "critical": set(),
        "interfaces": set(),
        "sla": set(),
        "alignment": set(),
        "badges": {},
    }

    def badge(anchor, rank):
        marks["badges"].setdefault(anchor, []).append(rank)

    for rank, f in enumerate(analysis.findings, start=1):
        s = f.subjects
        if f.kind in ("silo", "low_internal_satisfaction"):
            if f.kind == "silo":
                marks["silos"].add(s[0])
            badge(s[0], rank)
        elif f.kind == "bottleneck":
            marks["bottlenecks"].add(s[0])
            badge(s[0], rank)
        elif f.kind == "critical_handoff" and len(s) == 2:
            if f.evidence.get("level") == "department":
                marks["interfaces"].add((s[0], s[1]))
                badge(("dept", s[0], s[1]), rank)
            else:
                marks["critical"].add((s[0], s[1]))
                badge((s[0], s[1]), rank)
        elif f.kind == "target_not_capable" and len(s) >= 2:
            pairs = [(p, s[-1]) for p in s[:-1]]
            marks["sla"].update(pairs)
            badge(s[-1], rank)
        elif f.kind == "promise_at_risk" and len(s) == 2:
            marks["sla"].add((s[0], s[1]))
            badge((s[0], s[1]), rank)
        elif f.kind == "alignment_gap" and len(s) == 2:
            marks["alignment"].add((s[0], s[1]))
            badge((s[0], s[1]), rank)
    return marks


def _fmt(v) -> str:
    return f"{v:.1f}"


def map_svg(org, analysis, *, level=None, width=WIDTH) -> str:
    """The map of ``org`` as an SVG document fragment (``<svg>...</svg>``).

    Parameters
    ----------
    level : {"people", "departments"}, optional
        As in the web view (default: people up to 2,000 people, else departments).
    width : float
        Width of the drawing in SVG user units; the height follows the layout. The
        SVG scales to its container (``viewBox``).
    """
    from ..web.views import map_elements

    m = map_elements(org, analysis, level=level)
    marks = finding_marks(org, analysis)
    elements = m["elements"]
    nodes = {e["data"]["id"]: e for e in elements if "source" not in e["data"] and "position" in e}
    boxes = [e for e in elements if "source" not in e["data"] and "position" not in e]
    edges = [e for e in elements if "source" in e["data"]]
    if not nodes:
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:g} 60" '
            'role="img" aria-label="empty map"><text x="10" y="30">No handoffs to draw.'
            "</text></svg>"
        )
    # Children of each department box (people level).
    members: dict[str, list[str]] = {}
    for u, e in nodes.items():
        parent = e["data"].get("parent")
        if parent:
            members.setdefault(parent, []).append(u)
    radius = {u: e["data"].get("size", 20) / 2 for u, e in nodes.items()}
    box_pad = 14.0
    rects = {}
    for b in boxes:
        d = b["data"]["id"]
        kids = members.get(d, [])
        if not kids:
            continue
        x0 = min(nodes[u]["position"]["x"] - radius[u] for u in kids) - box_pad
        x1 = max(nodes[u]["position"]["x"] + radius[u] for u in kids) + box_pad
        y0 = min(nodes[u]["position"]["y"] - radius[u] for u in kids) - box_pad - 18
        y1 = max(nodes[u]["position"]["y"] + radius[u] for u in kids) + box_pad
        rects[d] = (x0, y0, x1, y1)
    xs = [p["position"]["x"] - radius[u] for u, p in nodes.items()]
    xs += [p["position"]["x"] + radius[u] for u, p in nodes.items()]
    ys = [p["position"]["y"] - radius[u] for u, p in nodes.items()]
    ys += [p["position"]["y"] + radius[u] for u, p in nodes.items()]
    for x0, y0, x1, y1 in rects.values():
        xs += [x0, x1]
        ys += [y0, y1]
    minx, maxx, miny, maxy = min(xs), max(xs), min(ys), max(ys)
    k = (width - 2 * PAD) / max(maxx - minx, 1.0)
    height = (maxy - miny) * k + 2 * PAD

    def tx(x):
        return (x - minx) * k + PAD

    def ty(y):
        return (y - miny) * k + PAD

    pos = {u: (tx(e["position"]["x"]), ty(e["position"]["y"])) for u, e in nodes.items()}
    r = {u: max(2.5, radius[u] * k) for u in nodes}
    names, dept_of = org.names, org.department_of
    btw = analysis.tables["centrality"]["betweenness"].to_dict()
    level_shown = m["level"]
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:g} {height:.0f}" '
        f'width="100%" role="img" aria-label="network map of '
        f'{escape_html(org.name)}" class="orggraph-map" font-family="sans-serif">',
        "<defs>",
    ]
    colours = sorted({e["data"]["colour"] for e in edges} | {RED, PURPLE, TEAL, GREY}, key=str)
    marker = {c: f"arr{i}" for i, c in enumerate(colours)}
    for c, mid in marker.items():
        out.append(
            f'<marker id="{mid}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" '
            f'markerHeight="6" markerUnits="userSpaceOnUse" orient="auto">'
            f'<path d="M0,0 L10,5 L0,10 z" fill="{c}"/></marker>'
        )
    out.append("</defs>")
    out.append(f'<rect x="0" y="0" width="{width:g}" height="{height:.0f}" fill="#ffffff"/>')
    # Department boxes.
    for d, (x0, y0, x1, y1) in rects.items():
        silo = d in marks["silos"]
        out.append(
            f'<rect x="{_fmt(tx(x0))}" y="{_fmt(ty(y0))}" width="{_fmt((x1 - x0) * k)}" '
            f'height="{_fmt((y1 - y0) * k)}" rx="6" '
            f'fill="{"#fdecea" if silo else "#f5f7fa"}" '
            f'stroke="{RED if silo else "#b0bec5"}" stroke-width="{2.5 if silo else 1}">'
            f"<title>{escape_html(names.get(d, d))}"
            f"{' (silo)' if silo else ''}</title></rect>"
        )
        out.append(
            f'<text x="{_fmt(tx(x0) + 5)}" y="{_fmt(ty(y0) + 13)}" font-size="11" '
            f'font-weight="bold" fill="{RED if silo else "#37474f"}">'
            f"{escape_html(names.get(d, d))}</text>"
        )

    def line(a, b, colour, w, *, dash=None, opacity=1.0, title=None):
        (x1, y1), (x2, y2) = pos[a], pos[b]
        dx, dy = x2 - x1, y2 - y1
        dist = math.hypot(dx, dy) or 1.0
        sx, sy = x1 + dx / dist * r[a], y1 + dy / dist * r[a]
        ex, ey = x2 - dx / dist * (r[b] + 1), y2 - dy / dist * (r[b] + 1)
        attrs = f' stroke-dasharray="{dash}"' if dash else ""
        t = f"<title>{title}</title>" if title else ""
        return (
            f'<line x1="{_fmt(sx)}" y1="{_fmt(sy)}" x2="{_fmt(ex)}" y2="{_fmt(ey)}" '
            f'stroke="{colour}" stroke-width="{w:.2f}" stroke-opacity="{opacity}"{attrs} '
            f'marker-end="url(#{marker[colour]})">{t}</line>'
        )

    special = marks["critical"] | marks["sla"] | marks["alignment"]
    for e in edges:
        a, b = e["data"]["source"], e["data"]["target"]
        if a not in pos or b not in pos or (a, b) in special:
            continue
        crit = "critical" in e.get("classes", "")
        w = max(0.5, e["data"]["width"] * k * 0.6)
        out.append(
            line(
                a,
                b,
                RED if crit else e["data"]["colour"],
                max(w, 2.0) if crit else w,
                dash="6 4" if crit else None,
                opacity=1.0 if crit else 0.45,
            )
        )
    for pairs, colour, dash in (
        (marks["sla"], PURPLE, None),
        (marks["alignment"], TEAL, "5 3"),
        (marks["critical"], RED, "6 4"),
    ):
        for a, b in sorted(pairs):
            if a in pos and b in pos:
                title = f"{escape_html(names.get(a, a))} → {escape_html(names.get(b, b))}"
                out.append(line(a, b, colour, 2.2, dash=dash, title=title))
    # Arm's-length interfaces between department boxes (people level).
    dept_centre = {
        d: ((tx(x0) + tx(x1)) / 2, (ty(y0) + ty(y1)) / 2) for d, (x0, y0, x1, y1) in rects.items()
    }
    anchors = {}
    for a, b in sorted(marks["interfaces"]):
        if a in dept_centre and b in dept_centre and level_shown == "people":
            (x1, y1), (x2, y2) = dept_centre[a], dept_centre[b]
            # Bend the two directions apart so that A -> B and B -> A both show.
            mx, my = (x1 + x2) / 2, (y1 + y2) / 2
            nx_, ny_ = -(y2 - y1), x2 - x1
            n = math.hypot(nx_, ny_) or 1.0
            cx, cy = mx + nx_ / n * 40, my + ny_ / n * 40
            title = f"arm's length: {escape_html(names.get(a, a))} → {escape_html(names.get(b, b))}"
            out.append(
                f'<path d="M{_fmt(x1)},{_fmt(y1)} Q{_fmt(cx)},{_fmt(cy)} {_fmt(x2)},{_fmt(y2)}" '
                f'fill="none" stroke="{RED}" stroke-width="3.5" stroke-dasharray="10 6" '
                f'stroke-opacity="0.85" marker-end="url(#{marker[RED]})"><title>{title}</title>'
                "</path>"
            )
            # The curve's midpoint (quadratic Bezier at t = 0.5).
            anchors[("dept", a, b)] = (
                0.25 * x1 + 0.5 * cx + 0.25 * x2,
                0.25 * y1 + 0.5 * cy + 0.25 * y2,
            )
    # Nodes.
    for u, e in nodes.items():
        x, y = pos[u]
        kind = e["data"].get("kind", "")
        hot = u in marks["bottlenecks"]
        silo = u in marks["silos"]
        fill = (
            ORANGE
            if hot
            else "#455a64"
            if kind == "external"
            else "#90a4ae"
            if kind == "department"
            else "#5c7cfa"
        )
        stroke = RED if silo else "#263238" if hot else "#ffffff"
        d = dept_of(u)
        title = escape_html(names.get(u, u))
        if d != u:
            title += f" ({escape_html(names.get(d, d))})"
        title += f"; betweenness {btw.get(u, 0.0):.3f}"
        shape = (
            f'<rect x="{_fmt(x - r[u])}" y="{_fmt(y - r[u])}" width="{_fmt(2 * r[u])}" '
            f'height="{_fmt(2 * r[u])}"'
            if kind == "external"
            else f'<circle cx="{_fmt(x)}" cy="{_fmt(y)}" r="{_fmt(r[u])}"'
        )
        out.append(
            f'{shape} fill="{fill}" stroke="{stroke}" '
            f'stroke-width="{2.5 if (hot or silo) else 0.8}"><title>{title}</title>'
            f"{'</rect>' if kind == 'external' else '</circle>'}"
        )
    # Labels: highlighted people, departments drawn as nodes, the external customer.
    placed: list[tuple[float, float, float]] = []
    for u, e in nodes.items():
        kind = e["data"].get("kind", "")
        if not (
            u in marks["bottlenecks"]
            or kind in ("external", "department")
            or level_shown == "departments"
        ):
            continue
        x, y = pos[u]
        label = names.get(u, u)
        # A white backing instead of a stroked halo: a halo prints every label twice in a
        # PDF's text layer. Labels that would overlap an earlier one move down a line.
        w = 5.6 * len(label) + 6
        top = y + r[u] + 2
        for _ in range(6):
            if not any(abs(x - px) < (w + pw) / 2 and abs(top - py) < 12 for px, py, pw in placed):
                break
            top += 13
        placed.append((x, top, w))
        out.append(
            f'<rect x="{_fmt(x - w / 2)}" y="{_fmt(top)}" width="{_fmt(w)}" '
            f'height="12" rx="2" fill="#ffffff" fill-opacity="0.8"/>'
            f'<text x="{_fmt(x)}" y="{_fmt(top + 9)}" font-size="10.5" '
            f'text-anchor="middle" fill="#212121">{escape_html(label)}</text>'
        )
    # Rank badges.
    for anchor, ranks in marks["badges"].items():
        if isinstance(anchor, tuple) and anchor[0] == "dept":
            xy = anchors.get(anchor)
        elif isinstance(anchor, tuple):
            a, b = anchor
            xy = (
                ((pos[a][0] + pos[b][0]) / 2, (pos[a][1] + pos[b][1]) / 2)
                if a in pos and b in pos
                else None
            )
        elif anchor in rects:
            x0, y0, x1, _ = rects[anchor]
            xy = (tx(x1) - 4, ty(y0) + 4)
        elif anchor in pos:
            xy = (pos[anchor][0] + r[anchor] + 2, pos[anchor][1] - r[anchor] - 2)
        else:
            xy = None
        if xy is None:
            continue
        for i, rank in enumerate(sorted(ranks)):
            bx, by = xy[0] + i * 17, xy[1]
            out.append(
                f'<g class="badge"><circle cx="{_fmt(bx)}" cy="{_fmt(by)}" r="8" '
                f'fill="#212121" stroke="#ffffff" stroke-width="1.5"/>'
                f'<text x="{_fmt(bx)}" y="{_fmt(by + 3.5)}" font-size="9.5" '
                f'text-anchor="middle" fill="#ffffff" font-weight="bold">{rank}</text></g>'
            )
    out.append("</svg>")
    return "\n".join(out)

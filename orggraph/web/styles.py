"""Cytoscape stylesheet shared by the map and what-if pages.

Colours are Okabe-Ito (kinds of unit and the two finding marks) and cividis (closeness),
one meaning each (:data:`orggraph.web.views.CATEGORY_COLOURS`, :func:`views.legend`).
Labels are never drawn below 10 px on screen (``min-zoomed-font-size``): people's names
appear as one zooms in; department titles keep a constant screen size, and a label that
would overlap one already drawn is left out (class ``nolabel``, assets/orggraph.js).
"""

from .views import CATEGORY_COLOURS as C

#: Smallest label drawn, in screen pixels.
MIN_LABEL_PX = 10

STYLESHEET = [
    {
        "selector": "node",
        "style": {
            "label": "data(label)",
            "width": "data(size)",
            "height": "data(size)",
            "font-size": 12,
            "min-zoomed-font-size": MIN_LABEL_PX,
            "background-color": C["person"],
            "text-valign": "bottom",
            "text-margin-y": 2,
            "text-wrap": "ellipsis",
            "text-max-width": 90,
            "text-background-color": "#ffffff",
            "text-background-opacity": 0.7,
            "text-background-padding": 1,
        },
    },
    {"selector": ".team", "style": {"background-color": C["team"]}},
    {
        "selector": ".department-box",
        "style": {
            "shape": "round-rectangle",
            "background-color": "#F4F6F8",
            "background-opacity": 1,
            "border-color": "#9AA5B1",
            "border-width": 1,
            "padding": 12,
            # Sized by its people alone: their names keep a screen size (so grow in map
            # units as one zooms out) and would push neighbouring boxes into each other.
            "compound-sizing-wrt-labels": "exclude",
            "text-valign": "top",
            "text-halign": "center",
            "text-wrap": "wrap",
            "text-max-width": 400,
            "font-size": 16,
            "min-zoomed-font-size": MIN_LABEL_PX,
            "font-weight": "bold",
            "color": "#1F2933",
            "text-background-color": "#ffffff",
            "text-background-opacity": 0.85,
            "text-background-padding": 2,
        },
    },
    {
        "selector": ".department",
        "style": {
            "shape": "round-rectangle",
            "background-color": C["department"],
            "font-size": 14,
            "font-weight": "bold",
            "text-wrap": "wrap",
            "text-max-width": 160,
        },
    },
    {
        "selector": ".external",
        "style": {
            "shape": "diamond",
            "background-color": C["external"],
            "font-size": 14,
            "text-wrap": "wrap",
            "text-max-width": 160,
        },
    },
    {
        "selector": ".silo",
        "style": {"border-color": C["silo or critical handoff"], "border-width": 5},
    },
    {
        "selector": ".bottleneck",
        # Bottlenecks are drawn above the colleagues they may overlap.
        "style": {
            "background-color": C["bottleneck"],
            "border-color": "#000000",
            "border-width": 2,
            "z-index": 10,
        },
    },
    {
        "selector": "edge",
        "style": {
            "width": "data(width)",
            "line-color": "data(colour)",
            "target-arrow-color": "data(colour)",
            "target-arrow-shape": "triangle",
            "arrow-scale": 0.8,
            "curve-style": "bezier",
            "opacity": 0.75,
        },
    },
    {"selector": ".aggregate", "style": {"opacity": 0.6, "curve-style": "bezier"}},
    # Set by assets/orggraph.js: hundreds of edges at once, and zoomed in past 1.2 x.
    {"selector": "edge.dense", "style": {"opacity": 0.35}},
    {"selector": "edge.thin", "style": {"width": "mapData(width, 0, 10, 0.5, 4)"}},
    {
        "selector": ".critical",
        "style": {
            "line-style": "dashed",
            "line-color": C["silo or critical handoff"],
            "target-arrow-color": C["silo or critical handoff"],
            "opacity": 1,
            "z-index": 5,
        },
    },
    {"selector": ".removed", "style": {"opacity": 0.15}},
    {"selector": ".faded", "style": {"opacity": 0.12, "text-opacity": 0}},
    {
        "selector": ".found, .hl, :selected",
        "style": {
            "border-color": "#000000",
            "border-width": 5,
            "opacity": 1,
            "text-opacity": 1,
            "z-index": 20,
        },
    },
    {
        "selector": "edge.found, edge.hl",
        "style": {"opacity": 1, "width": "mapData(width, 0, 10, 3, 12)"},
    },
    # A label that would overlap one already drawn (assets/orggraph.js: declutter); last,
    # so that it wins over the highlight's text-opacity.
    {"selector": ".nolabel", "style": {"text-opacity": 0}},
]

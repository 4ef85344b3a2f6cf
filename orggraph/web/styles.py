"""Cytoscape stylesheet shared by the map and what-if pages."""

STYLESHEET = [
    {
        "selector": "node",
        "style": {
            "label": "data(label)",
            "width": "data(size)",
            "height": "data(size)",
            "font-size": 9,
            "background-color": "#5b7db1",
            "text-valign": "bottom",
            "text-wrap": "ellipsis",
            "text-max-width": 90,
        },
    },
    {
        "selector": ".department-box",
        "style": {
            "background-color": "#eef2f7",
            "border-color": "#9aa9bd",
            "border-width": 1,
            "text-valign": "top",
            "font-size": 12,
            "font-weight": "bold",
        },
    },
    {
        "selector": ".department",
        "style": {"shape": "round-rectangle", "background-color": "#7c93b8"},
    },
    {
        "selector": ".external",
        "style": {"shape": "diamond", "background-color": "#6a3d9a", "width": 40, "height": 40},
    },
    {
        "selector": ".silo",
        "style": {"border-color": "#c62828", "border-width": 4, "background-color": "#fdecea"},
    },
    {
        "selector": ".bottleneck",
        # Bottlenecks are drawn above the colleagues they may overlap.
        "style": {
            "background-color": "#ef6c00",
            "border-color": "#b23c00",
            "border-width": 4,
            "z-index": 10,
        },
    },
    {"selector": ".found, :selected", "style": {"border-color": "#1565c0", "border-width": 6}},
    {"selector": ".removed", "style": {"opacity": 0.15}},
    {
        "selector": "edge",
        "style": {
            "width": "data(width)",
            "line-color": "data(colour)",
            "target-arrow-color": "data(colour)",
            "target-arrow-shape": "triangle",
            "curve-style": "bezier",
            "opacity": 0.8,
        },
    },
    {
        "selector": ".critical",
        "style": {
            "line-style": "dashed",
            "line-color": "#b71c1c",
            "target-arrow-color": "#b71c1c",
            "opacity": 1,
        },
    },
]

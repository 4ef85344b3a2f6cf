"""What-if: remove a person or a department and see what is left unserved."""

import dash
import dash_cytoscape as cyto
from dash import Input, Output, callback, dcc, html

from orggraph.analysis.whatif import what_if
from orggraph.web import state, views
from orggraph.web.styles import STYLESHEET

dash.register_page(__name__, path="/what-if", name="What-if", order=5)

WORKING = "Working out who loses what, and which promises still hold…"

layout = html.Div(
    [
        html.H1("What-if"),
        html.P("Someone leaves, a team is reorganized: choose who or what to remove."),
        dcc.Dropdown(id="whatif-remove", multi=True, placeholder="people or departments"),
        dcc.Dropdown(
            id="whatif-successor",
            placeholder="optional: who takes their work over",
        ),
        html.P(id="whatif-progress", className="progress", role="status"),
        html.Div(id="whatif-result"),
        cyto.Cytoscape(
            id="whatif-map",
            elements=[],
            stylesheet=STYLESHEET,
            layout={"name": "preset", "fit": True, "padding": 20},
            style={"width": "100%", "height": "60vh"},
        ),
    ]
)


@callback(
    Output("whatif-remove", "options"),
    Output("whatif-successor", "options"),
    Input("org-key", "data"),
)
def options(key):
    u = state.resolve(key).org.units
    u = u[u["kind"] != "external"]
    choices = [
        {"label": f"{n} ({k})", "value": i}
        for i, n, k in zip(u["id"], u["name"], u["kind"], strict=False)
    ]
    return choices, choices


def _block(kind, x):
    if kind == "summary":
        return html.P(x, id="whatif-summary")
    if kind == "heading":
        return html.H3(x)
    if kind == "list":
        items, empty = x
        return html.Ul([html.Li(i) for i in items] or [html.Li(empty)])
    return html.P(x)


@callback(
    Output("whatif-result", "children"),
    Output("whatif-map", "elements"),
    Input("whatif-remove", "value"),
    Input("whatif-successor", "value"),
    Input("org-key", "data"),
    # Progress while the server works (seconds at 10,000 people): a line saying so, and
    # the choices held until the answer is in.
    running=[
        (Output("whatif-progress", "children"), WORKING, ""),
        (Output("whatif-remove", "disabled"), True, False),
        (Output("whatif-successor", "disabled"), True, False),
    ],
)
def result(removed, successor, key):
    e = state.resolve(key)
    org, analysis = e.org, e.analysis
    level = "departments" if (org.units["kind"] == "person").sum() > views.LARGE else None
    if not removed:
        return (
            html.P("Nothing removed."),
            views.map_elements(org, analysis, level=level)["elements"],
        )
    known = set(org.ids)
    removed = [u for u in removed if isinstance(u, str) and u in known]
    if successor not in known or successor in removed:
        successor = None
    r = what_if(org, removed, analysis=analysis, successor=successor)
    m = views.map_elements(org, analysis, level=level, removed=r["removed"])
    return [_block(k, x) for k, x in views.whatif_summary(org, r)], m["elements"]

"""What-if: remove a person or a department and see what loses its path."""

import dash
import dash_cytoscape as cyto
from dash import Input, Output, callback, dcc, html

from orggraph.analysis.whatif import what_if
from orggraph.web import state, views
from orggraph.web.styles import STYLESHEET

dash.register_page(__name__, path="/what-if", name="What-if", order=5)

layout = html.Div(
    [
        html.H1("What-if"),
        html.P("Someone leaves, a team is reorganized: choose who or what to remove."),
        dcc.Dropdown(id="whatif-remove", multi=True, placeholder="people or departments"),
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


@callback(Output("whatif-remove", "options"), Input("org-key", "data"))
def options(key):
    u = state.resolve(key).org.units
    u = u[u["kind"] != "external"]
    return [
        {"label": f"{n} ({k})", "value": i}
        for i, n, k in zip(u["id"], u["name"], u["kind"], strict=False)
    ]


@callback(
    Output("whatif-result", "children"),
    Output("whatif-map", "elements"),
    Input("whatif-remove", "value"),
    Input("org-key", "data"),
)
def result(removed, key):
    e = state.resolve(key)
    org, analysis = e.org, e.analysis
    level = "departments" if (org.units["kind"] == "person").sum() > views.LARGE else None
    if not removed:
        return (
            html.P("Nothing removed."),
            views.map_elements(org, analysis, level=level)["elements"],
        )
    r = what_if(org, removed, analysis=analysis)
    names = dict(zip(org.units["id"], org.units["name"], strict=False))
    lost = r["lost_pair_count"]
    body = [
        html.P(
            f"{lost} of {r['pair_count']} who-reaches-whom dependencies lose every path "
            f"({lost / r['pair_count']:.1%}).",
            id="whatif-summary",
        )
        if r["pair_count"]
        else html.P("No dependencies before."),
        html.P(
            "Department pairs cut apart: "
            + (
                ", ".join(f"{names[a]} → {names[b]}" for a, b in r["department_pairs_lost"])
                or "none"
            )
        ),
        html.P(f"Units that no longer reach the customer: {len(r['cut_off_from_customer'])}"),
        html.H3("New findings"),
        html.Ul([html.Li(f.summary) for f in r["new_findings"]] or [html.Li("none")]),
        html.H3("Findings that go away"),
        html.Ul([html.Li(f.summary) for f in r["resolved_findings"]] or [html.Li("none")]),
    ]
    m = views.map_elements(org, analysis, level=level, removed=r["removed"])
    return body, m["elements"]

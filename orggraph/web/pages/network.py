"""Network map: departments as boxes around their people, findings highlighted."""

import dash
import dash_cytoscape as cyto
from dash import Input, Output, State, callback, dcc, html

from orggraph.web import state, views
from orggraph.web.components import rows_table
from orggraph.web.styles import STYLESHEET

dash.register_page(__name__, path="/map", name="Network map", order=1)


def layout(focus=None, **_):
    return html.Div(
        [
            html.H1("Network map"),
            html.Div(
                [
                    html.Div(
                        [
                            html.Label("Level"),
                            dcc.RadioItems(
                                id="map-level",
                                options=[
                                    {"label": " people", "value": "people"},
                                    {"label": " departments", "value": "departments"},
                                ],
                                value=None,
                                inline=True,
                            ),
                        ]
                    ),
                    html.Div(
                        [
                            html.Label("Open one department"),
                            dcc.Dropdown(id="map-drill", placeholder="(all)"),
                        ]
                    ),
                    html.Div(
                        [
                            html.Label("Departments"),
                            dcc.Dropdown(id="map-departments", multi=True, placeholder="all"),
                        ]
                    ),
                    html.Div(
                        [
                            html.Label("Kinds"),
                            dcc.Checklist(
                                id="map-kinds",
                                inline=True,
                                options=[
                                    {"label": f" {k}", "value": k}
                                    for k in ("person", "team", "department", "external")
                                ],
                                value=["person", "team", "department", "external"],
                            ),
                        ]
                    ),
                    html.Div(
                        [
                            html.Label("Minimum closeness"),
                            dcc.Slider(
                                id="map-closeness",
                                min=0,
                                max=5,
                                step=1,
                                value=0,
                                marks={i: str(i) for i in range(6)},
                            ),
                        ]
                    ),
                    html.Div(
                        [
                            html.Label("Only findings"),
                            dcc.Checklist(
                                id="map-findings",
                                inline=True,
                                options=[
                                    {"label": " silos", "value": "silo"},
                                    {"label": " bottlenecks", "value": "bottleneck"},
                                    {"label": " critical handoffs", "value": "critical_handoff"},
                                ],
                                value=[],
                            ),
                        ]
                    ),
                    html.Div(
                        [
                            html.Label("Find a person"),
                            dcc.Dropdown(id="map-find", placeholder="type a name"),
                            # The unit a link asked for; applied once the options have loaded.
                            dcc.Store(id="map-focus", data=focus),
                        ]
                    ),
                ],
                className="controls",
            ),
            html.Div(id="map-count", className="count"),
            html.Div(
                [
                    cyto.Cytoscape(
                        id="map",
                        elements=[],
                        stylesheet=STYLESHEET,
                        # Positions come from the server (seeded), so the map is the
                        # same on every visit and in every workshop.
                        layout={"name": "preset", "fit": True, "padding": 20},
                        style={"width": "100%", "height": "72vh"},
                        minZoom=0.05,
                        maxZoom=4,
                    ),
                    html.Aside(
                        id="map-panel",
                        className="panel",
                        children=html.P("Click a person, department or handoff."),
                    ),
                ],
                className="map-area",
            ),
            html.Div(
                className="legend",
                children=[
                    html.Span(
                        "edge colour: closeness 1 (red) to 5 (green); width: how much flows; "
                        "node size: betweenness; "
                    ),
                    html.Span("red box: silo; orange: bottleneck; dashed red: critical handoff"),
                ],
            ),
        ]
    )


@callback(
    Output("map-departments", "options"),
    Output("map-drill", "options"),
    Output("map-find", "options"),
    Output("map-find", "value"),
    Input("org-key", "data"),
    State("map-focus", "data"),
)
def options(key, focus):
    org = state.resolve(key).org
    o = views.map_options(org)
    return o["departments"], o["departments"], o["find"], focus if focus in org.index else None


@callback(
    Output("map", "elements"),
    Output("map-count", "children"),
    Input("org-key", "data"),
    Input("map-level", "value"),
    Input("map-drill", "value"),
    Input("map-departments", "value"),
    Input("map-kinds", "value"),
    Input("map-closeness", "value"),
    Input("map-findings", "value"),
    Input("map-find", "value"),
)
def elements(key, level, drill, departments, kinds, closeness, finding_kinds, focus):
    e = state.resolve(key)
    m = views.map_elements(
        e.org,
        e.analysis,
        level=level,
        drill=drill,
        departments=departments,
        kinds=kinds,
        min_closeness=closeness or 0,
        finding_kinds=finding_kinds,
        focus=focus,
    )
    c = m["counts"]
    return m["elements"], f"{c['nodes']} units and {c['edges']} handoffs shown ({m['level']})"


@callback(
    Output("map-panel", "children"),
    Input("map", "tapNodeData"),
    Input("map", "tapEdgeData"),
    Input("map-find", "value"),
    State("org-key", "data"),
)
def panel(node, edge, found, key):
    e = state.resolve(key)
    org, analysis = e.org, e.analysis
    trigger = dash.ctx.triggered_id
    if trigger == "map" and dash.ctx.triggered[0]["prop_id"].endswith("tapEdgeData") and edge:
        e = views.edge_panel(org, analysis, edge["source"], edge["target"])
        breach = (
            "no deliveries"
            if e["breach_rate"] is None
            else (f"{e['breach_rate']:.0%} of {e['deliveries']} deliveries late")
        )
        return [
            html.H2(f"{e['provider']} → {e['customer']}", id="panel-title"),
            html.P(f"SLA breach rate: {breach}"),
            rows_table(
                e["handoffs"], ["deliverable", "closeness", "satisfaction", "sla_days", "frequency"]
            ),
        ]
    unit = (node or {}).get("id") if trigger == "map" else found
    if not unit:
        return html.P("Click a person, department or handoff.")
    p = views.node_panel(org, analysis, unit)
    if not p:
        return html.P("Not in this organization.")
    return [
        html.H2(p["name"], id="panel-title"),
        html.P(
            f"{p['kind']} · {p['role'] or 'no role given'} · {p['department']}"
            + (f" · reports to {p['manager']}" if p["manager"] else "")
        ),
        html.Dl([x for k, v in p["metrics"].items() for x in (html.Dt(k), html.Dd(str(v)))]),
        html.H3("Findings"),
        html.Ul([html.Li(s) for s in p["findings"]] or [html.Li("none")]),
        html.H3(f"Receives ({len(p['handoffs_in'])})"),
        rows_table(p["handoffs_in"], ["provider", "deliverable", "closeness", "satisfaction"]),
        html.H3(f"Delivers ({len(p['handoffs_out'])})"),
        rows_table(p["handoffs_out"], ["customer", "deliverable", "closeness", "satisfaction"]),
    ]

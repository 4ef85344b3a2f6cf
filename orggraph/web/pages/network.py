"""Network map: departments as boxes around their people (or, for large organizations,
one node per department with drill-down), findings highlighted, a legend per view and a
side panel about what is on the map."""

import dash
import dash_cytoscape as cyto
from dash import ClientsideFunction, Input, Output, State, callback, dcc, html, no_update
from dash.exceptions import PreventUpdate

from orggraph.web import state, views
from orggraph.web.components import rows_table
from orggraph.web.styles import STYLESHEET

dash.register_page(__name__, path="/map", name="Network map", order=1)

HINT = "Click a person, department or handoff; click the background to see everything."


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
                            html.Label("Find a person or department"),
                            dcc.Dropdown(id="map-find", placeholder="type a name"),
                            # What a link asked for ("show on map"): one id or "A,B".
                            dcc.Store(id="map-focus", data=focus),
                            # What the map shows now (level, opened department, focus).
                            dcc.Store(id="map-current"),
                            # What the panel is about.
                            dcc.Store(id="map-selected"),
                            # The elements, handed to the map in the browser
                            # (assets/orggraph.js: swapElements).
                            dcc.Store(id="map-elements"),
                            dcc.Store(id="map-id", data="map"),
                        ]
                    ),
                ],
                className="controls",
            ),
            html.Div(id="map-legend", className="legend-box"),
            html.Div(id="map-count", className="count"),
            html.Div(
                [
                    cyto.Cytoscape(
                        id="map",
                        elements=[],
                        stylesheet=STYLESHEET,
                        # Positions come from the server (seeded), so the map is the
                        # same on every visit and in every workshop.
                        layout={"name": "preset", "fit": True, "padding": 24},
                        style={
                            "width": "100%",
                            "height": "calc(100vh - 160px)",
                            "minHeight": "480px",
                        },
                        minZoom=0.03,
                        maxZoom=4,
                        boxSelectionEnabled=False,
                    ),
                    html.Div(
                        [
                            html.Aside(id="map-panel", children=html.P(HINT)),
                            html.Button(
                                "Open this department's people",
                                id="map-open",
                                style={"display": "none"},
                            ),
                        ],
                        className="panel",
                    ),
                ],
                className="map-area",
            ),
        ]
    )


def legend_items(level):
    """The legend of one view: a swatch and what it means, for each mark."""
    out = []
    for shape, colour, text in views.legend(level):
        style = {"background": colour} if shape in ("dot", "box") else {"borderColor": colour}
        out.append(html.Span([html.I(className=f"swatch {shape}", style=style), text]))
    return out


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
    single = focus if isinstance(focus, str) and focus in org.index else None
    o = views.map_options(org, focus=single)
    return o["departments"], o["departments"], o["find"], single


@callback(
    Output("map-find", "options", allow_duplicate=True),
    Input("map-find", "search_value"),
    State("map-find", "value"),
    State("org-key", "data"),
    prevent_initial_call=True,
)
def search(text, chosen, key):
    """What matches the typing, for a large organization (a small one has every name in
    the browser already, which filters them itself)."""
    org = state.resolve(key).org
    if not views.finds_by_typing(org):
        raise PreventUpdate
    if not isinstance(text, str) or not text.strip():  # cleared: the first list again
        return views.map_options(org, focus=chosen)["find"]
    return views.find_options(org, text, chosen=chosen)


dash.clientside_callback(
    ClientsideFunction(namespace="orggraph", function_name="swapElements"),
    Output("map", "elements"),
    Input("map-elements", "data"),
    State("map-id", "data"),
)


@callback(
    Output("map-elements", "data"),
    Output("map-count", "children"),
    Output("map-legend", "children"),
    Output("map-current", "data"),
    Input("org-key", "data"),
    Input("map-level", "value"),
    Input("map-drill", "value"),
    Input("map-departments", "value"),
    Input("map-kinds", "value"),
    Input("map-closeness", "value"),
    Input("map-findings", "value"),
    Input("map-find", "value"),
    State("map-focus", "data"),
)
def elements(key, level, drill, departments, kinds, closeness, finding_kinds, found, link):
    e = state.resolve(key)
    focus = found or (link if isinstance(link, str) else None)
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
    count = f"{c['nodes']} units and {c['edges']} handoffs shown ({m['level']})"
    if m["aggregated"]:
        count += (
            f"; {m['aggregated']:,} handoffs across departments drawn as one line per "
            "department pair"
        )
    if m["hidden"]:
        count += (
            f"; {m['hidden']:,} weaker department links hidden (each department's "
            f"{views.LINKS_EACH_WAY} strongest each way are drawn, and every critical one)"
        )
    if m["level"] == "departments":
        count += "; click a department, then open its people"
    current = {"level": m["level"], "drill": m["drill"], "focus": m["focus"]}
    return m["elements"], count, legend_items(m["level"]), current


@callback(
    Output("map-drill", "value"),
    Input("map-open", "n_clicks"),
    State("map-selected", "data"),
    prevent_initial_call=True,
)
def open_department(_, selected):
    node = (selected or {}).get("node")
    return node or no_update


def _selection(trigger, node, edge, current, previous, shown):
    """What the panel is about: the tapped node or edge, else what is in focus, else the
    previous selection while it is still on the map."""
    if trigger == "node" and node:
        return {"node": node["id"]}
    if trigger == "edge" and edge:
        return {"edge": [edge["source"], edge["target"]]}
    focus = (current or {}).get("focus") or []
    if trigger == "current" and focus:
        if len(focus) == 2:
            return {"edge": focus}
        return {"node": focus[0]}
    sel = previous or {}
    if sel.get("node") in shown or (sel.get("edge") and "->".join(sel["edge"]) in shown):
        return sel
    return {}


@callback(
    Output("map-panel", "children"),
    Output("map-selected", "data"),
    Output("map-open", "style"),
    Input("map", "tapNodeData"),
    Input("map", "tapEdgeData"),
    Input("map-current", "data"),
    State("map-elements", "data"),
    State("map-selected", "data"),
    State("org-key", "data"),
)
def panel(node, edge, current, shown_elements, previous, key):
    e = state.resolve(key)
    org, analysis = e.org, e.analysis
    prop = dash.ctx.triggered[0]["prop_id"] if dash.ctx.triggered else ""
    trigger = (
        "node"
        if prop.endswith("tapNodeData")
        else "edge"
        if prop.endswith("tapEdgeData")
        else "current"
    )
    # The map's elements as this callback sees them are the new ones (map-current is
    # set together with them): a selection a filter removed is dropped.
    shown = {x["data"]["id"] for x in shown_elements or []}
    sel = _selection(trigger, node, edge, current, previous, shown)
    hidden = {"display": "none"}
    if sel.get("edge"):
        return edge_view(org, analysis, *sel["edge"]), sel, hidden
    if sel.get("node"):
        p = views.node_panel(org, analysis, sel["node"])
        if not p:
            return html.P("Not in this organization."), {}, hidden
        dept_level = (current or {}).get("level") == "departments"
        button = {"display": "block"} if p["kind"] == "department" and dept_level else hidden
        return node_view(p), sel, button
    return html.P(HINT), {}, hidden


def edge_view(org, analysis, provider, customer):
    p = views.edge_panel(org, analysis, provider, customer)
    breach = (
        "no deliveries observed"
        if p["breach_rate"] is None
        else f"{p['breach_rate']:.0%} of {p['deliveries']} deliveries late"
    )
    n = len(p["handoffs"])
    return [
        html.H2(f"{p['provider']} → {p['customer']}", id="panel-title"),
        html.P(
            f"{p['provider']} hands {n} deliverable{'s' if n != 1 else ''} to {p['customer']}.",
            id="panel-count",
        ),
        html.P(f"Late against the agreed turnaround (SLA breach rate): {breach}"),
        rows_table(
            p["handoffs"],
            ["provider", "customer", "deliverable", "closeness", "satisfaction", "sla_days"],
        ),
    ]


def node_view(p):
    out = [
        html.H2(p["name"], id="panel-title"),
        html.P(
            "department" + (f" · led by {p['manager']}" if p["manager"] else "")
            if p["flows_out"] is not None
            else f"{p['kind']} · {p['role'] or 'no role given'} · {p['department']}"
            + (f" · reports to {p['manager']}" if p["manager"] else "")
        ),
        html.Ul(
            [
                html.Li([words, html.Span(f" ({tech})", className="tech")], title=tech)
                for _, _, words, tech in p["metrics"]
            ],
            className="metrics",
        ),
        html.H3(f"Findings ({len(p['findings'])})"),
        html.Ul(
            [
                html.Li(
                    [
                        html.B(f["name"], title=f["why"]),
                        html.Span(f" ({f['why']}): "),
                        html.Span(f["summary"]),
                        html.Div(f["measure"], className="measure") if f["measure"] else None,
                    ]
                )
                for f in p["findings"]
            ]
            or [html.Li("none")]
        ),
    ]
    if p.get("suppressed"):  # privacy mode: a group under the minimum size (web.privacy)
        return [*out, html.P(p["suppressed"], id="panel-suppressed", className="note")]
    if p["flows_out"] is not None:
        out += [
            html.H3(f"Delivers to other departments ({len(p['handoffs_out'])} handoffs)"),
            html.Ul(
                [html.Li(f"{d}: {n}") for d, n in p["flows_out"]] or [html.Li("none")],
                id="panel-delivers",
            ),
            html.H3(f"Receives from other departments ({len(p['handoffs_in'])} handoffs)"),
            html.Ul(
                [html.Li(f"{d}: {n}") for d, n in p["flows_in"]] or [html.Li("none")],
                id="panel-receives",
            ),
            html.P(f"Handoffs inside the department: {p['inside']}"),
        ]
        cols_in = ["provider", "customer", "deliverable", "closeness"]
        cols_out = cols_in
    else:
        cols_in = ["provider", "deliverable", "closeness", "satisfaction"]
        cols_out = ["customer", "deliverable", "closeness", "satisfaction"]
        out += [html.H3(f"Receives ({len(p['handoffs_in'])})")]
        out.append(rows_table(p["handoffs_in"][:200], cols_in))
        out += [html.H3(f"Delivers ({len(p['handoffs_out'])})")]
        out.append(rows_table(p["handoffs_out"][:200], cols_out))
    return out

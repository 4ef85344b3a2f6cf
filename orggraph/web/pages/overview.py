"""Overview: headline figures and the top findings, each linking to the map."""

from urllib.parse import quote

import dash
from dash import Input, Output, callback, dcc, html

from orggraph.web import state, views

dash.register_page(__name__, path="/", name="Overview", order=0)

layout = html.Div([html.H1("Overview"), html.Div(id="overview-body")])


@callback(Output("overview-body", "children"), Input("org-key", "data"))
def render(key):
    if state.load_failed(key):
        return html.P(state.LOAD_FAILED, className="error", id="load-failed")
    o = state.first_page(key)  # kept from an earlier start, while the organization loads
    if o is None:
        e = state.resolve(key)
        o = views.overview(e.org, e.analysis)
    cards = [
        html.Div(
            [html.Div(str(v), className="figure-value"), html.Div(label, className="figure-label")],
            className="figure",
            id=f"figure-{label.lower().replace(' ', '-')}",
        )
        for label, v in o["figures"]
    ]
    items = [
        html.Li(
            [
                html.Span(f["severity"].upper(), className=f"sev {f['severity']}"),
                html.Span(f["kind_name"], className="kind-name", title=f["why"]),
                html.Span(f["summary"]),
                dcc.Link(
                    "show on map",
                    href="/map?focus=" + quote(f["focus"], safe=","),
                    className="map-link",
                ),
                html.Div(
                    [
                        html.Span(f["why"].capitalize() + ". ", className="explain"),
                        html.Span(f"Deciding number: {f['measure']}" if f["measure"] else ""),
                    ],
                    className="measure",
                ),
            ],
            className="finding",
        )
        for f in o["findings"]
    ]
    out = [
        html.Div(cards, className="figures"),
        html.H2("Top findings"),
        html.Ol(items, id="top-findings"),
    ]
    if o["limited"]:
        out.append(html.P("; ".join(o["limited"]) + ".", className="note"))
    if o["near_misses"]:
        out += [
            html.H2("Nothing crossed the line for"),
            html.Ul([html.Li(x) for x in o["near_misses"]], id="near-misses"),
        ]
    return out

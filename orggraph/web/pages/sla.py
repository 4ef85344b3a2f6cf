"""SLAs: lead-time histograms against targets, and the value stream to the customer."""

import dash
from dash import Input, Output, callback, dcc, html

from orggraph.web import figures, state

dash.register_page(__name__, path="/sla", name="SLAs", order=4)

HIDDEN = {"display": "none"}

layout = html.Div(
    [
        html.H1("SLAs and the promise to the customer"),
        html.Div(id="sla-promise"),
        # Drawn only where there is a promise and a handoff chosen: never empty axes.
        dcc.Graph(id="sla-sankey", style={"display": "none"}),
        html.H2("Lead times per handoff"),
        dcc.Dropdown(id="sla-handoff", placeholder="choose a handoff with deliveries"),
        html.Div(id="sla-stats", className="count"),
        dcc.Graph(id="sla-histogram", style={"display": "none"}),
    ]
)


@callback(
    Output("sla-handoff", "options"),
    Output("sla-handoff", "value"),
    Output("sla-promise", "children"),
    Output("sla-sankey", "figure"),
    Output("sla-sankey", "style"),
    Input("org-key", "data"),
)
def overview(key):
    e = state.resolve(key)
    org, analysis = e.org, e.analysis
    options = figures.sla_options(org, analysis)
    promises = analysis.tables.get("promises", {})
    if not promises:
        return (
            options,
            options[0]["value"] if options else None,
            html.P(
                "No promise to judge: no handoff into the external customer has enough deliveries.",
                id="sla-no-promise",
            ),
            {},
            HIDDEN,
        )
    key0 = next(iter(promises))
    p = promises[key0]
    steps = p["steps"].sort_values("contribution", ascending=False)
    text = [
        html.P(figures.promise_summary(p), id="sla-promise-text"),
        html.P(
            "Causes of lateness (share of late orders that would be on time if the "
            "step always took its median): "
            + ", ".join(
                f"{r.deliverable} {r.contribution:.0%}" for r in steps.itertuples(index=False)
            )
        ),
    ]
    return (
        options,
        options[0]["value"] if options else None,
        text,
        figures.value_stream_sankey(org, p),
        {"height": "46vh", "minHeight": "360px"},
    )


@callback(
    Output("sla-histogram", "figure"),
    Output("sla-histogram", "style"),
    Output("sla-stats", "children"),
    Input("sla-handoff", "value"),
    Input("org-key", "data"),
)
def histogram(value, key):
    if not value:
        return {}, HIDDEN, "No handoff has observed deliveries: nothing to draw."
    e = state.resolve(key)
    fig, r = figures.lead_time_histogram(e.org, e.analysis, value)
    stats = (
        f"{int(r['deliveries'])} deliveries; median {r['median']:.1f} d, 85% within "
        f"{r['p85']:.1f} d, 95% within {r['p95']:.1f} d"
    )
    if r["sla_days"] == r["sla_days"]:
        stats += (
            f"; target {r['sla_days']:g} d met {r['on_time_rate']:.0%}; Cpk "
            f"{r['cpk']:.2f}, percentile index {r['cpk_percentile']:.2f}"
        )
    if r["too_few"]:
        stats += " (too few deliveries to judge)"
    elif r["not_capable"]:
        stats += " — the target is not achievable as the work runs today"
    return fig, {"height": "40vh", "minHeight": "320px"}, stats

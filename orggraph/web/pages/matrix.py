"""Department matrix: provider x customer department heatmap; click a cell for its handoffs."""

import dash
import plotly.graph_objects as go
from dash import Input, Output, State, callback, dcc, html

from orggraph.web import state, views

dash.register_page(__name__, path="/matrix", name="Department matrix", order=2)

layout = html.Div(
    [
        html.H1("Department matrix"),
        dcc.RadioItems(
            id="matrix-value",
            inline=True,
            value="weight",
            options=[
                {"label": " how much flows (weight)", "value": "weight"},
                {"label": " mean closeness", "value": "closeness"},
            ],
        ),
        dcc.Graph(id="matrix-graph", style={"height": "70vh"}),
        html.Div(id="matrix-cell"),
    ]
)


@callback(
    Output("matrix-graph", "figure"), Input("org-key", "data"), Input("matrix-value", "value")
)
def figure(key, value):
    m = views.matrix(state.get_org(key or state.config.default_key), value=value)
    fig = go.Figure(
        go.Heatmap(
            z=m.to_numpy(),
            x=list(m.columns),
            y=list(m.index),
            colorscale="RdYlGn" if value == "closeness" else "Blues",
            zmin=1 if value == "closeness" else None,
            zmax=5 if value == "closeness" else None,
            hovertemplate="%{y} → %{x}: %{z:.2f}<extra></extra>",
        )
    )
    fig.update_layout(
        xaxis_title="customer department",
        yaxis_title="provider department",
        yaxis_autorange="reversed",
        margin=dict(l=10, r=10, t=10, b=10),
    )
    return fig


@callback(
    Output("matrix-cell", "children"),
    Input("matrix-graph", "clickData"),
    State("org-key", "data"),
    prevent_initial_call=True,
)
def cell(click, key):
    org = state.get_org(key or state.config.default_key)
    label_to_id = views.matrix_ids(org)
    point = click["points"][0]
    rows = views.cell_handoffs(org, label_to_id[point["y"]], label_to_id[point["x"]])
    cols = ["provider", "customer", "deliverable", "closeness", "frequency", "satisfaction"]
    return [
        html.H2(f"{len(rows)} handoffs"),
        html.Table(
            [
                html.Thead(html.Tr([html.Th(c) for c in cols])),
                html.Tbody(
                    [
                        html.Tr([html.Td("" if r[c] is None else str(r[c])) for c in cols])
                        for r in rows
                    ]
                ),
            ]
        ),
    ]

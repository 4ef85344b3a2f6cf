"""Department matrix: provider x customer department heatmap; click a cell for its handoffs."""

import dash
from dash import Input, Output, State, callback, dcc, html

from orggraph.web import privacy, state, views
from orggraph.web.components import rows_table

dash.register_page(__name__, path="/matrix", name="Department matrix", order=2)

layout = html.Div(
    [
        html.H1("Department matrix"),
        dcc.RadioItems(
            id="matrix-value",
            inline=True,
            value="weight",
            options=[
                {"label": " how much work flows (weight)", "value": "weight"},
                {"label": " how closely they work (mean closeness, 1-5)", "value": "closeness"},
            ],
        ),
        html.P(
            "Each cell: how much work the row's department delivers to the column's. "
            "Work inside a department (the diagonal) is left out of the colour scale so "
            "that the flow across departments gets all of it; white: no handoffs. "
            "Click a cell for its handoffs.",
            className="explain",
        ),
        dcc.Graph(id="matrix-graph"),
        html.Div(id="matrix-cell"),
    ]
)


@callback(
    Output("matrix-graph", "figure"), Input("org-key", "data"), Input("matrix-value", "value")
)
def figure(key, value):
    return privacy.matrix_heatmap(state.resolve(key).org, value=value)


@callback(
    Output("matrix-cell", "children"),
    Input("matrix-graph", "clickData"),
    State("org-key", "data"),
    prevent_initial_call=True,
)
def cell(click, key):
    org = state.resolve(key).org
    provider, customer = privacy.matrix_cell(org, click)
    rows = views.cell_handoffs(org, provider, customer)
    cols = ["provider", "customer", "deliverable", "closeness", "frequency", "satisfaction"]
    return [html.H2(f"{len(rows)} handoffs"), rows_table(rows, cols)]

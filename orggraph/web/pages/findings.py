"""Findings: a sortable, filterable grid with CSV download (made on the server, with every
formula cell neutralised)."""

import dash
import dash_ag_grid as dag
from dash import Input, Output, State, callback, dcc, html

from orggraph.web import state, views

dash.register_page(__name__, path="/findings", name="Findings", order=3)

COLUMNS = [
    {"field": "rank", "width": 80},
    {"field": "kind", "width": 140},
    {"field": "severity", "width": 110},
    {"field": "score", "width": 100},
    {"field": "subjects", "width": 200},
    {"field": "summary", "flex": 2, "wrapText": True, "autoHeight": True},
    {"field": "evidence", "flex": 1, "tooltipField": "evidence"},
    {"field": "action", "flex": 1, "tooltipField": "action"},
]

layout = html.Div(
    [
        html.H1("Findings"),
        html.Button("Download CSV", id="findings-csv"),
        dcc.Download(id="findings-download"),
        dag.AgGrid(
            id="findings-grid",
            columnDefs=COLUMNS,
            rowData=[],
            defaultColDef={"sortable": True, "filter": True, "resizable": True},
            style={"height": "75vh"},
            dashGridOptions={"pagination": True},
        ),
    ]
)


@callback(Output("findings-grid", "rowData"), Input("org-key", "data"))
def rows(key):
    e = state.resolve(key)
    return views.findings_rows(e.org, e.analysis)


@callback(
    Output("findings-download", "data"),
    Input("findings-csv", "n_clicks"),
    State("findings-grid", "virtualRowData"),
    State("org-key", "data"),
    prevent_initial_call=True,
)
def export(_, shown, key):
    e = state.resolve(key)
    text = views.findings_csv(e.org, e.analysis, shown=shown)
    return dcc.send_string(text, "orggraph-findings.csv", type="text/csv")

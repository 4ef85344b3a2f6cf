"""Findings: a sortable, filterable grid with CSV download."""

import dash
import dash_ag_grid as dag
from dash import Input, Output, callback, html

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
        dag.AgGrid(
            id="findings-grid",
            columnDefs=COLUMNS,
            rowData=[],
            defaultColDef={"sortable": True, "filter": True, "resizable": True},
            csvExportParams={"fileName": "orggraph-findings.csv"},
            style={"height": "75vh"},
            dashGridOptions={"pagination": True},
        ),
    ]
)


@callback(Output("findings-grid", "rowData"), Input("org-key", "data"))
def rows(key):
    key = key or state.config.default_key
    return views.findings_rows(state.get_org(key), state.get_analysis(key))


@callback(
    Output("findings-grid", "exportDataAsCsv"),
    Input("findings-csv", "n_clicks"),
    prevent_initial_call=True,
)
def export(_):
    return True

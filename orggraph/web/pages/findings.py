"""Findings: a sortable, filterable grid with CSV download (made on the server, with every
formula cell neutralised)."""

import dash
import dash_ag_grid as dag
from dash import Input, Output, State, callback, dcc, html

from orggraph.web import state, views

dash.register_page(__name__, path="/findings", name="Findings", order=3)

#: Long texts wrap (whole sentences, not "Product Development keeps to itself: 97…").
_WRAP = {
    "wrapText": True,
    "autoHeight": True,
    "cellStyle": {"lineHeight": "1.35", "whiteSpace": "normal", "wordBreak": "normal"},
}

COLUMNS = [
    {"field": "rank", "width": 100},
    {"field": "severity", "width": 110},
    {
        "field": "kind_name",
        "headerName": "Kind",
        "width": 170,
        "tooltipField": "why",
    },
    {"field": "subjects", "width": 170, "tooltipField": "subjects", **_WRAP},
    {"field": "summary", "flex": 3, "minWidth": 260, **_WRAP},
    {
        "field": "measure",
        "headerName": "Deciding number (and its line)",
        "flex": 2,
        "minWidth": 200,
        **_WRAP,
    },
    {"field": "action", "flex": 3, "minWidth": 260, **_WRAP},
    {"field": "score", "width": 85},
    {"field": "kind", "headerName": "Kind (technical)", "width": 150, "hide": True},
    {"field": "evidence", "width": 160, "tooltipField": "evidence", "hide": True},
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
            style={"height": "calc(100vh - 190px)", "minHeight": "420px"},
            dashGridOptions={
                "pagination": True,
                "paginationAutoPageSize": True,
                "tooltipShowDelay": 300,
                "rowHeight": 30,
            },
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

"""Downloads: the report (HTML, PDF) and the map (SVG, PNG) of the tab's organization."""

import dash
from dash import Input, Output, State, callback, dcc, html, no_update

from orggraph.exceptions import OrgGraphError
from orggraph.web import deliverables, state

dash.register_page(__name__, path="/report", name="Report", order=6)

BUTTONS = [
    ("report-html", "Report (HTML)", "one file that opens offline in any browser"),
    ("report-pdf", "Report (PDF, A4)", "printed by headless Chromium: a few seconds"),
    ("map-svg", "Map (SVG)", "the map with the findings highlighted, for slides"),
    ("map-png", "Map (PNG)", "the same map as a picture"),
]

layout = html.Div(
    [
        html.H1("Report and downloads"),
        html.P(
            "Files of the organization this tab shows, made on the server. The report has "
            "the findings with their evidence and actions, the map, the department matrix, "
            "the SLAs, the department table and the methods."
        ),
        html.Div(
            [
                html.Div(
                    [
                        html.Button(label, id=f"download-{kind}", className="download-button"),
                        html.Span(note, className="note"),
                    ],
                    className="download-row",
                )
                for kind, label, note in BUTTONS
            ],
            className="downloads",
        ),
        dcc.Loading(html.Div(id="download-status", className="download-status"), type="dot"),
        dcc.Download(id="download-file"),
    ]
)


@callback(
    Output("download-file", "data"),
    Output("download-status", "children"),
    [Input(f"download-{kind}", "n_clicks") for kind, *_ in BUTTONS],
    State("org-key", "data"),
    prevent_initial_call=True,
    running=[
        *[(Output(f"download-{kind}", "disabled"), True, False) for kind, *_ in BUTTONS],
        (Output("download-status", "children"), "Making the file…", ""),
    ],
)
def download(*args):
    key = args[-1]
    kind = str(dash.ctx.triggered_id or "").removeprefix("download-")
    if kind not in deliverables.FILES:
        return no_update, no_update
    entry = state.resolve(key)
    printer = state.context().printer
    try:
        name, data, _mime, seconds = deliverables.make(kind, entry, printer)
    except OrgGraphError as exc:
        return no_update, html.P(str(exc), className="error", id="download-message")
    return dcc.send_bytes(data, name), html.P(
        f"{name}: {len(data) / 2**20:.1f} MB, made in {seconds:.1f} s.",
        className="ok",
        id="download-message",
    )

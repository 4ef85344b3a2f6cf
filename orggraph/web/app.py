"""The Dash application: shell, session organization and uploads.

Pages live in ``pages/`` (one module each, registered with
``dash.register_page``); every callback is a line or two over a function of
:mod:`orggraph.web.views` or :mod:`orggraph.web.state`.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import dash
from dash import Input, Output, State, dcc, html

from . import state

HERE = Path(__file__).parent
NAV = [
    ("Overview", "/"),
    ("Network map", "/map"),
    ("Department matrix", "/matrix"),
    ("Findings", "/findings"),
    ("SLAs", "/sla"),
    ("What-if", "/what-if"),
]


def problems_table(problems):
    """Problems as a plain table: file, row, column, problem (text only, never HTML)."""
    head = html.Tr([html.Th(h) for h in ("File", "Row", "Column", "Value", "Problem")])
    rows = [
        html.Tr(
            [
                html.Td(p.source),
                html.Td("" if p.row is None else str(p.row)),
                html.Td(p.column),
                html.Td(p.value),
                html.Td(p.message),
            ]
        )
        for p in problems[:200]
    ]
    return html.Table(
        [html.Thead(head), html.Tbody(rows)], className="problems", id="upload-problems"
    )


def create_app(path, *, upload_dir=None, max_upload_mb=20, warm=True) -> dash.Dash:
    """A Dash app serving the organization at ``path``; uploads replace it per session."""
    state.config.upload_dir = Path(upload_dir or tempfile.mkdtemp(prefix="orggraph-uploads-"))
    state.config.max_upload_bytes = int(max_upload_mb * 1024 * 1024)
    state.config.default_key = state.key_for_path(path)
    if warm:  # load and analyse before the first visitor, not during their first click
        state.get_analysis(state.config.default_key)
    app = dash.Dash(
        __name__,
        use_pages=True,
        pages_folder=str(HERE / "pages"),
        title="orggraph",
        suppress_callback_exceptions=True,
        assets_folder=str(HERE / "assets"),
    )
    app.server.config["MAX_CONTENT_LENGTH"] = int(max_upload_mb * 1024 * 1024 * 1.4) + 65536
    app.layout = html.Div(
        [
            dcc.Store(id="org-key", storage_type="session", data=state.config.default_key),
            html.Header(
                [
                    html.Div(
                        [
                            html.Span("orggraph", className="brand"),
                            html.Span(id="org-name", className="org-name"),
                        ]
                    ),
                    html.Nav(
                        [dcc.Link(label, href=href, className="nav-link") for label, href in NAV]
                    ),
                    dcc.Upload(
                        id="upload",
                        children=html.Div(
                            [
                                "Drop a workbook (.xlsx), a .zip of CSVs or .json here, or ",
                                html.A("choose a file"),
                            ]
                        ),
                        className="upload",
                        multiple=False,
                        max_size=-1,
                    ),
                ]
            ),
            html.Div(id="upload-status", className="upload-status"),
            html.Main(dash.page_container),
        ]
    )

    @app.callback(Output("org-name", "children"), Input("org-key", "data"))
    def show_name(key):
        return state.get_org(key or state.config.default_key).name

    @app.callback(
        Output("org-key", "data"),
        Output("upload-status", "children"),
        Input("upload", "contents"),
        State("upload", "filename"),
        State("org-key", "data"),
        prevent_initial_call=True,
    )
    def upload(contents, filename, key):
        new_key, problems = state.save_upload(contents, filename)
        if new_key is None:
            return key, html.Div(
                [
                    html.P(
                        f"{filename} was not loaded: {len(problems)} problem"
                        f"{'s' if len(problems) != 1 else ''}. The current organization stays.",
                        className="error",
                        id="upload-message",
                    ),
                    problems_table(problems),
                ]
            )
        org = state.get_org(new_key)
        return new_key, html.P(
            f"Loaded {filename}: {len(org.units)} units, {len(org.handoffs)} handoffs.",
            className="ok",
            id="upload-message",
        )

    return app

"""The Dash application: shell, session organization and uploads.

Pages live in ``pages/`` (one module each, registered with
``dash.register_page``); every callback is a line or two over a function of
:mod:`orggraph.web.views` or :mod:`orggraph.web.state`. Sign-in, sessions, CSRF checks
and security headers come from :mod:`orggraph.web.security`.
"""

from __future__ import annotations

from pathlib import Path

import dash
from dash import Input, Output, State, dcc, html, no_update

from . import security, state

HERE = Path(__file__).parent
NAV = [
    ("Overview", "/"),
    ("Network map", "/map"),
    ("Department matrix", "/matrix"),
    ("Findings", "/findings"),
    ("SLAs", "/sla"),
    ("What-if", "/what-if"),
    ("Compare", "/compare"),
    ("Report", "/report"),
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


def rejected(filename, problems):
    """What the page shows when an upload is refused: the current organization stays."""
    n = len(problems)
    return html.Div(
        [
            html.P(
                f"{filename} was not loaded: {n} problem{'s' if n != 1 else ''}. "
                "The current organization stays.",
                className="error",
                id="upload-message",
            ),
            problems_table(problems),
        ]
    )


def _privacy_badge(privacy):
    if privacy is None:
        return None
    return html.Span(
        f"Privacy mode: names pseudonymized, groups under {privacy.k} suppressed",
        id="privacy-mode",
        className="privacy-mode",
    )


def _header_user(settings):
    """Who is signed in, and the sign-out form (a POST carrying the session's token)."""
    from flask import has_request_context, session

    if not settings.sign_in or not has_request_context() or not session.get("user"):
        return None
    return html.Form(
        [
            html.Span(session["user"], id="user-name", className="user-name"),
            dcc.Input(type="hidden", name="csrf", value=session.get("csrf", "")),
            html.Button("Sign out", type="submit", id="sign-out", className="sign-out"),
        ],
        method="POST",
        action="/logout",
        className="user",
    )


def create_app(
    path,
    *,
    max_upload_mb=20,
    cache_mb=512,
    settings: security.Settings | None = None,
    warm=True,
    privacy=None,
    organization=None,
    loader=None,
    cached_input=None,
) -> dash.Dash:
    """A Dash app serving the organization at ``path``; uploads replace it per session.

    Parameters
    ----------
    path : the server's organization, seen by every user.
    max_upload_mb : largest upload accepted, also the browser's own limit.
    cache_mb : memory (estimated) that uploaded organizations may hold together.
    settings : sign-in and Host settings (default: no sign-in, for localhost).
    warm : load and analyse the organization now, not on the first visit; "background":
        in a thread, while the server already answers (pages wait for it).
    privacy : :class:`orggraph.web.privacy.PrivacyMode`, optional: person names replaced by
        pseudonyms and small groups suppressed in every page and download.
    organization : the organization at ``path``, when the caller has loaded it already.
    loader : how to load the organization at ``path`` otherwise (default
        :func:`orggraph.readwrite.load`).
    cached_input : its key in the cache when it was loaded before
        (:func:`orggraph.cache.cached_load_key`): the first page kept from then is shown
        while it is read again.
    """
    settings = settings or security.Settings()
    ctx = state.Context.create(
        path,
        max_upload_bytes=int(max_upload_mb * 2**20),
        cache_bytes=int(cache_mb * 2**20),
        privacy=privacy,
        organization=organization,
        loader=loader,
        cached_input=cached_input,
    )
    if warm == "background":
        ctx.warm_in_background()
    elif warm:  # load and analyse before the first visitor, not during their first click
        ctx.warm()
    app = dash.Dash(
        __name__,
        use_pages=True,
        pages_folder=str(HERE / "pages"),
        title="orggraph",
        suppress_callback_exceptions=True,
        assets_folder=str(HERE / "assets"),
        serve_locally=True,
    )
    server = app.server
    server.extensions["orggraph"] = ctx
    # The body of a callback carrying the upload: base64 (4/3) plus the JSON around it.
    server.config["MAX_CONTENT_LENGTH"] = int(ctx.max_upload_bytes * 1.4) + 65536
    max_bytes = ctx.max_upload_bytes

    def layout():
        return html.Div(
            [
                dcc.Store(id="org-key", storage_type="session", data=state.DEFAULT),
                # Set by assets/orggraph.js when the browser refuses a file over the limit.
                dcc.Store(id="upload-rejected"),
                html.Header(
                    [
                        html.Div(
                            [
                                html.Span("orggraph", className="brand"),
                                html.Span(id="org-name", className="org-name"),
                            ]
                        ),
                        html.Nav(
                            [
                                dcc.Link(label, href=href, className="nav-link")
                                for label, href in NAV
                            ]
                        ),
                        html.Div(
                            dcc.Upload(
                                id="upload",
                                children=html.Div(
                                    [
                                        "Drop a workbook (.xlsx), a .zip of CSVs or .json "
                                        "here, or ",
                                        html.A("choose a file"),
                                    ]
                                ),
                                className="upload",
                                multiple=False,
                                max_size=max_bytes,
                            ),
                            id="upload-limit",
                            className="upload-box",
                            **{"data-max-bytes": str(max_bytes)},
                        ),
                        _privacy_badge(privacy),
                        _header_user(settings),
                    ]
                ),
                html.Div(id="upload-status", className="upload-status"),
                html.Main(dash.page_container),
            ]
        )

    app.layout = layout

    @app.callback(
        Output("org-name", "children"),
        Output("org-key", "data"),
        Output("upload-status", "children", allow_duplicate=True),
        Input("org-key", "data"),
        prevent_initial_call="initial_duplicate",
    )
    def show_name(key):
        if state.load_failed(key):
            return ctx.path.name, no_update, html.P(state.LOAD_FAILED, className="error")
        page = state.first_page(key)
        if page is not None:
            return page["name"], no_update, no_update
        entry, note = state.resolve_or_default(key)
        if note is None:
            return entry.org.name, no_update, no_update
        # Not (or no longer) this session's: back to the server's organization, everywhere.
        return entry.org.name, state.DEFAULT, (html.P(note, className="error") if note else "")

    @app.callback(
        Output("org-key", "data", allow_duplicate=True),
        Output("upload-status", "children"),
        Output("upload", "contents"),
        Input("upload", "contents"),
        State("upload", "filename"),
        prevent_initial_call=True,
    )
    def upload(contents, filename):
        r = state.accept_upload(contents, filename)
        if r.entry is None:
            return no_update, rejected(filename, r.problems), None
        org = r.entry.org
        return (
            r.entry.handle,
            html.P(
                f"Loaded {filename}: {len(org.units)} units, {len(org.handoffs)} handoffs.",
                className="ok",
                id="upload-message",
            ),
            None,
        )

    @app.callback(
        Output("upload-status", "children", allow_duplicate=True),
        Input("upload-rejected", "data"),
        prevent_initial_call=True,
    )
    def too_large(info):
        info = info if isinstance(info, dict) else {}
        name = str(info.get("name", "the file"))[:200]
        size = info.get("size") if isinstance(info.get("size"), (int, float)) else 0
        return rejected(name, [state.too_large_problem(name, size, max_bytes)])

    server.extensions["orggraph_sessions"] = security.install(
        server, settings, script_hashes=app.csp_hashes, on_session_end=ctx.forget_session
    )
    return app

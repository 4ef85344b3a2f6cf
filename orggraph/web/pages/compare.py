"""Compare: two uploads (before and after) and what changed between them."""

import dash
from dash import Input, Output, State, callback, dcc, html, no_update
from flask import session

from orggraph.compare import compare
from orggraph.exceptions import OrgGraphError
from orggraph.web import compareview, state
from orggraph.web.app import problems_table
from orggraph.web.components import rows_table

dash.register_page(__name__, path="/compare", name="Compare", order=7)

SIDES = ("before", "after")


def _upload_box(side, max_bytes):
    return html.Div(
        [
            html.H2(side.capitalize()),
            dcc.Upload(
                id=f"compare-upload-{side}",
                children=html.Div([f"Drop the {side} snapshot here, or ", html.A("choose a file")]),
                className="upload",
                multiple=False,
                max_size=max_bytes,  # the browser's own limit, as for the main upload
            ),
            # The upload's handle (issued by the server, owned by this session): nothing else.
            dcc.Store(id=f"compare-{side}", storage_type="session"),
            html.Div(id=f"compare-status-{side}", className="upload-status"),
        ],
        className="compare-side",
    )


def layout(**_):
    boxes = [_upload_box(side, state.context().max_upload_bytes) for side in SIDES]
    return html.Div(
        [
            html.H1("Compare two snapshots"),
            html.P(
                "Upload the organization before and after a change (a workbook, a .zip of "
                "CSVs or .json, as for the main upload): units that joined, left or moved, "
                "handoffs added and removed, findings that appeared, were resolved or "
                "persisted, each department's homophily before and after with a test of "
                "whether the change is larger than chance, and bottleneck ranks that moved."
            ),
            html.Div(boxes, className="compare-uploads"),
            html.Div(
                [
                    html.Button("Download (Markdown)", id="compare-md", disabled=True),
                    html.Button("Download (JSON)", id="compare-json", disabled=True),
                    dcc.Download(id="compare-download"),
                ],
                className="downloads",
            ),
            dcc.Loading(html.Div(id="compare-result"), type="dot"),
        ]
    )


def _register_upload(side):
    @callback(
        Output(f"compare-{side}", "data"),
        Output(f"compare-status-{side}", "children"),
        Output(f"compare-upload-{side}", "contents"),
        Input(f"compare-upload-{side}", "contents"),
        State(f"compare-upload-{side}", "filename"),
        prevent_initial_call=True,
    )
    def upload(contents, filename):
        r = state.accept_upload(contents, filename)
        if r.entry is None:
            name = str(filename or "the file")[:200]
            return (
                no_update,
                html.Div(
                    [
                        html.P(f"{name} was not loaded.", className="error"),
                        problems_table(r.problems),
                    ]
                ),
                None,
            )
        org = r.entry.org
        return (
            r.entry.handle,
            html.P(
                f"{org.name}: {len(org.units)} units, {len(org.handoffs)} handoffs.",
                className="ok",
                id=f"compare-loaded-{side}",
            ),
            None,
        )

    return upload


upload_before = _register_upload("before")
upload_after = _register_upload("after")


def _entry(handle):
    """This session's upload behind ``handle``, or None (never another session's)."""
    if not isinstance(handle, str) or not handle:
        return None
    return state.context().store.get(handle, session.get("sid"))


def comparison(before_handle, after_handle):
    """The comparison of this session's two uploads, or a sentence saying why there is none."""
    ctx = state.context()
    before, after = _entry(before_handle), _entry(after_handle)
    if before is None or after is None:
        missing = [s for s, e in zip(SIDES, (before, after), strict=True) if e is None]
        return None, f"Upload the {' and the '.join(missing)} snapshot to compare."

    def run(b, a):
        c = compare(
            b.org,
            a.org,
            before_analysis=b.analysis,
            after_analysis=a.analysis,
            labels=SIDES,
            # Privacy mode: groups under k suppressed; otherwise every figure is shown.
            min_group_size=ctx.privacy.k if ctx.privacy is not None else 1,
        )
        if ctx.privacy is not None:
            c = compareview.private_comparison(c, k=ctx.privacy.k)
        return c

    try:
        return ctx.comparisons.get(session.get("sid"), before, after, compute=run), None
    except OrgGraphError as exc:
        return None, str(exc)


def _section(title, rows, cols, table_id):
    shown = rows[: compareview.SHOWN]
    more = len(rows) - len(shown)
    return [
        html.H2(f"{title} ({len(rows)})"),
        rows_table(shown, cols, id=table_id) if rows else html.P("none"),
        html.P(f"… and {more} more (in the downloads)", className="note") if more > 0 else None,
    ]


def render(c) -> list:
    """The page body of a comparison (a line or two per section over compareview)."""
    d = c["departments"]
    return [
        html.Div([html.P(x) for x in compareview.headline(c)], id="compare-headline"),
        *_section(
            "Units joined, left or moved",
            compareview.unit_rows(c),
            ["change", "unit", "kind", "department"],
            "compare-units",
        ),
        *_section(
            "Handoffs added or removed",
            compareview.handoff_rows(c),
            ["change", "provider", "customer", "deliverable", "across departments"],
            "compare-handoffs",
        ),
        *_section(
            "Findings",
            compareview.finding_rows(c),
            ["change", "kind", "subjects", "score", "summary"],
            "compare-findings",
        ),
        html.H2("Departments: homophily before and after"),
        html.P(
            f"Assortativity by department {d['assortativity_before']:+.2f} → "
            f"{d['assortativity_after']:+.2f}. Test: {d['test']['method']}; "
            f"{d['test']['permutations']:,} shuffles. {d['test']['caveat'].capitalize()}.",
            className="note",
        ),
        rows_table(
            compareview.department_rows(c),
            ["department", "people", "inside", "homophily", "p (Holm)", "beyond chance", "silo"],
            id="compare-departments",
        ),
        *_section(
            "Bottleneck ranks (betweenness)",
            compareview.bottleneck_rows(c),
            ["unit", "rank", "move", "betweenness", "bottleneck"],
            "compare-bottlenecks",
        ),
    ]


@callback(
    Output("compare-result", "children"),
    Output("compare-md", "disabled"),
    Output("compare-json", "disabled"),
    Input("compare-before", "data"),
    Input("compare-after", "data"),
)
def result(before, after):
    c, why = comparison(before, after)
    if c is None:
        return html.P(why, id="compare-message"), True, True
    return render(c), False, False


@callback(
    Output("compare-download", "data"),
    Input("compare-md", "n_clicks"),
    Input("compare-json", "n_clicks"),
    State("compare-before", "data"),
    State("compare-after", "data"),
    prevent_initial_call=True,
)
def download(_md, _json, before, after):
    c, _ = comparison(before, after)
    if c is None:
        return no_update
    fmt = "md" if dash.ctx.triggered_id == "compare-md" else "json"
    name, text = compareview.download(c, fmt)
    return dcc.send_string(text, name)

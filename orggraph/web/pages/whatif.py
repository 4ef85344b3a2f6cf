"""What-if: remove a person or a department and see what is left unserved."""

import dash
import dash_cytoscape as cyto
from dash import Input, Output, callback, dcc, html

from orggraph.analysis.whatif import what_if
from orggraph.web import state, views
from orggraph.web.styles import STYLESHEET

dash.register_page(__name__, path="/what-if", name="What-if", order=5)

layout = html.Div(
    [
        html.H1("What-if"),
        html.P("Someone leaves, a team is reorganized: choose who or what to remove."),
        dcc.Dropdown(id="whatif-remove", multi=True, placeholder="people or departments"),
        dcc.Dropdown(
            id="whatif-successor",
            placeholder="optional: who takes their work over",
        ),
        html.Div(id="whatif-result"),
        cyto.Cytoscape(
            id="whatif-map",
            elements=[],
            stylesheet=STYLESHEET,
            layout={"name": "preset", "fit": True, "padding": 20},
            style={"width": "100%", "height": "60vh"},
        ),
    ]
)


@callback(
    Output("whatif-remove", "options"),
    Output("whatif-successor", "options"),
    Input("org-key", "data"),
)
def options(key):
    u = state.resolve(key).org.units
    u = u[u["kind"] != "external"]
    choices = [
        {"label": f"{n} ({k})", "value": i}
        for i, n, k in zip(u["id"], u["name"], u["kind"], strict=False)
    ]
    return choices, choices


def _listing(items, empty):
    return html.Ul([html.Li(x) for x in items] or [html.Li(empty)])


def summary(org, r) -> list:
    """What the what-if result says, in words (a pure function of the result)."""
    names = org.names
    lost, pairs = r["lost_pair_count"], r["pair_count"]
    who = names.get(r["successor"], "") if r["successor"] else ""
    unserved = r["unserved"]
    by_customer = unserved.groupby("customer")["deliverable"].agg(
        lambda d: ", ".join(sorted(set(d)))
    )
    promise_words = {
        "broken": "can no longer be kept: no one is left for step {step} ({what})",
        "weakened": "loses some of its alternatives at step {step} ({what})",
        "taken over": "holds if {who} takes over step {step} ({what})",
        "unaffected": "is not affected",
    }
    return [
        html.P(
            (
                f"{lost:,} of {pairs:,} who-reaches-whom dependencies lose every path "
                f"({lost / pairs:.1%})"
                + (" (estimated from sampled sources)" if r["estimate"] else "")
                if pairs
                else "No dependencies before."
            ),
            id="whatif-summary",
        ),
        html.H3(
            f"Internal customers who lose work ({len(by_customer)})"
            if not who
            else f"Work {who} takes over ({len(unserved)} deliverables)"
        ),
        _listing(
            [f"{names.get(c, c)}: {d}" for c, d in by_customer.items()][:50],
            "none",
        ),
        html.H3(f"Work delivered to no one ({len(r['undelivered'])})"),
        _listing(
            [
                f"{names.get(p_, p_)} → {names.get(c, c)}: {d}"
                for p_, d, c in r["undelivered"][["provider", "deliverable", "customer"]].values
            ][:50],
            "none",
        ),
        html.H3("Promises to the external customer"),
        _listing(
            [
                f"The {p_['promise_days']:g}-day promise ({p_['deliverable']}) "
                + promise_words[p_["status"]].format(
                    step=p_["step"], what=p_["step_deliverable"], who=who
                )
                for p_ in r["promises"]
                if p_["promise_days"] is not None
            ],
            "no promise with observed deliveries",
        ),
        html.P(
            "Department pairs cut apart: "
            + (
                ", ".join(f"{names[a]} → {names[b]}" for a, b in r["department_pairs_lost"])
                or "none"
            )
        ),
        html.H3("Routes that get longer"),
        _listing(
            [
                f"{names[a]} → {names[b]}: {after} handoffs instead of {before}"
                for a, b, before, after in r["rerouted"]
            ][:30],
            "none",
        ),
        html.P(f"Units that no longer reach the customer: {len(r['cut_off_from_customer'])}"),
        html.H3("Findings that now need an owner"),
        _listing([f.summary for f in r["findings_needing_owner"]], "none"),
    ]


@callback(
    Output("whatif-result", "children"),
    Output("whatif-map", "elements"),
    Input("whatif-remove", "value"),
    Input("whatif-successor", "value"),
    Input("org-key", "data"),
)
def result(removed, successor, key):
    e = state.resolve(key)
    org, analysis = e.org, e.analysis
    level = "departments" if (org.units["kind"] == "person").sum() > views.LARGE else None
    if not removed:
        return (
            html.P("Nothing removed."),
            views.map_elements(org, analysis, level=level)["elements"],
        )
    known = set(org.ids)
    removed = [u for u in removed if isinstance(u, str) and u in known]
    if successor not in known or successor in removed:
        successor = None
    r = what_if(org, removed, analysis=analysis, successor=successor)
    m = views.map_elements(org, analysis, level=level, removed=r["removed"])
    return summary(org, r), m["elements"]

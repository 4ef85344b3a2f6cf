"""Plotly figures for the web view (pure functions of an organization and its analysis)."""

from __future__ import annotations

import math

import plotly.graph_objects as go

from ..safety import escape_html

__all__ = [
    "lead_time_histogram",
    "matrix_cell",
    "matrix_heatmap",
    "promise_summary",
    "sla_options",
    "value_stream_sankey",
]


def _label(text) -> str:
    """A name as Plotly shows it: as text, never as markup (Plotly renders <a href>)."""
    return escape_html(text, quote=False)


#: What a matrix cell's number is, with its unit (hover and colour bar).
MATRIX_UNITS = {
    "weight": ("work flowing", "deliveries a month x importance / 3"),
    "closeness": ("mean closeness", "1 arm's length to 5 daily close work"),
}


def matrix_heatmap(org, *, value="weight"):
    """Provider x customer department heatmap, in the block order of :func:`views.matrix`.

    The diagonal (work inside a department) is left out of the colour scale, so that the
    flow across departments, the point of the matrix, gets the whole scale; its value is
    in the hover. Empty cells stay white. Every row and column is labelled; the hover
    and the colour bar state the unit. Colours: cividis (colour-blind safe).

    Axis labels are department names escaped for Plotly (:func:`_label`):
    Plotly renders ``<a href>``, ``<b>`` and ``<br>`` in tick and hover labels, so a name
    such as ``<a href="https://...">Sales</a>`` is shown as that text, never as a link.
    """
    import numpy as np

    from .views import matrix

    m = matrix(org, value=value)
    closeness = value == "closeness"
    what, unit = MATRIX_UNITS["closeness" if closeness else "weight"]
    raw = m.to_numpy(dtype=float)
    z = raw.copy()
    n = len(z)
    np.fill_diagonal(z, np.nan)
    if not closeness:
        z[z == 0] = np.nan
    x = [_label(c) for c in m.columns]
    y = [_label(r) for r in m.index]
    text = [
        [
            (
                f"{y[i]} → {x[j]}: "
                + (
                    "no handoffs"
                    if np.isnan(raw[i, j]) or raw[i, j] == 0
                    else f"{raw[i, j]:.1f} {what}"
                )
                + (" (inside the department; not coloured)" if i == j else "")
            )
            for j in range(n)
        ]
        for i in range(n)
    ]
    colorbar = {"title": {"text": f"{what}<br>({unit})", "side": "right"}}
    if not closeness:
        # Flows span orders of magnitude: a log scale, labelled in the flow's own unit,
        # so that small cross-department flows are not lost next to the largest.
        z = np.log10(z)
        lo, hi = (
            np.nanmin(z) if np.isfinite(z).any() else 0,
            np.nanmax(z) if np.isfinite(z).any() else 1,
        )
        ticks = [
            v
            for e in range(-2, 7)
            for v in (10**e, 3 * 10**e)
            if lo - 0.01 <= np.log10(v) <= hi + 0.01
        ]
        colorbar.update(
            tickvals=[float(np.log10(v)) for v in ticks], ticktext=[f"{v:g}" for v in ticks]
        )
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=x,
            y=y,
            text=text,
            colorscale="Cividis",
            reversescale=not closeness,
            zmin=1 if closeness else None,
            zmax=5 if closeness else None,
            hoverongaps=False,
            hovertemplate="%{text}<br>(" + unit + ")<extra></extra>",
            xgap=1,
            ygap=1,
            colorbar=colorbar,
        )
    )
    fig.update_layout(
        xaxis={
            "title": "customer department (receives the work)",
            "tickmode": "array",
            "tickvals": x,
            "ticktext": x,
            "tickangle": -45,
            "tickfont": {"size": 11},
            "automargin": True,
            "side": "bottom",
        },
        yaxis={
            "title": "provider department (delivers the work)",
            "tickmode": "array",
            "tickvals": y,
            "ticktext": y,
            "tickfont": {"size": 11},
            "autorange": "reversed",
            "automargin": True,
        },
        plot_bgcolor="#ffffff",
        height=max(520, 160 + 19 * n),
        margin=dict(l=10, r=10, t=10, b=10),
    )
    return fig


def matrix_cell(org, click) -> tuple[str | None, str | None]:
    """The (provider, customer) department ids of a clicked heatmap cell."""
    from .views import matrix_ids

    ids = {_label(label): i for label, i in matrix_ids(org).items()}
    try:
        point = click["points"][0]
        return ids.get(point["y"]), ids.get(point["x"])
    except (KeyError, IndexError, TypeError):
        return None, None


def sla_options(org, analysis) -> list[dict]:
    """Dropdown options: every handoff with deliveries, worst on-time rate first."""
    cap = analysis.tables.get("capability")
    if cap is None or cap.empty:
        return []
    names = dict(zip(org.units["id"], org.units["name"], strict=False))
    cap = cap.sort_values("on_time_rate", na_position="last")
    return [
        {
            "label": f"{r.deliverable}: {names[r.provider]} -> {names[r.customer]}"
            + (f" ({r.on_time_rate:.0%} on time)" if r.on_time_rate == r.on_time_rate else ""),
            "value": f"{r.provider}\x1f{r.customer}\x1f{r.deliverable}",
        }
        for r in cap.itertuples(index=False)
    ]


def lead_time_histogram(org, analysis, value: str):
    """Histogram of one handoff's lead times with its target and 90% line."""
    provider, customer, deliverable = value.split("\x1f")
    d = org.deliveries
    d = d[
        (d["provider"] == provider)
        & (d["customer"] == customer)
        & (d["deliverable"].str.strip().str.lower() == deliverable.strip().lower())
    ]
    x = d["lead_days"].dropna()
    cap = analysis.tables["capability"]
    row = cap[
        (cap["provider"] == provider)
        & (cap["customer"] == customer)
        & (cap["deliverable"] == deliverable)
    ].iloc[0]
    fig = go.Figure(
        go.Histogram(
            x=x, nbinsx=40, name="deliveries", hovertemplate="%{x} days: %{y}<extra></extra>"
        )
    )
    if row["sla_days"] == row["sla_days"]:
        fig.add_vline(
            x=row["sla_days"],
            line_color="#D55E00",
            line_width=3,
            annotation_text=f"target {row['sla_days']:g} d",
        )
    fig.add_vline(
        x=row["meets_90"],
        line_dash="dash",
        line_color="#0072B2",
        annotation_text=f"met 90%: {row['meets_90']:.1f} d",
        annotation_position="bottom right",
    )
    fig.update_layout(
        xaxis_title="lead time (days)",
        yaxis_title="deliveries",
        margin=dict(l=10, r=10, t=30, b=10),
        showlegend=False,
    )
    return fig, row


def _wrap(text, width=14) -> str:
    """A long (already escaped) label on two lines, so that neighbouring columns' labels
    do not run into each other."""
    if len(text) <= width or " " not in text:
        return text
    cut = min((i for i, c in enumerate(text) if c == " "), key=lambda i: abs(i - len(text) / 2))
    return text[:cut] + "<br>" + text[cut + 1 :]


def value_stream_sankey(org, promise: dict):
    """The value stream as a Sankey: departments of each step, left to right, to the customer."""
    names = dict(zip(org.units["id"], org.units["name"], strict=False))
    steps = promise["steps"]
    labels, index, links = [], {}, {}

    def node(step, dept):
        key = (step, dept)
        if key not in index:
            index[key] = len(labels)
            labels.append(_wrap(_label(names.get(dept, dept))))
        return index[key]

    # Link width: deliveries observed on the handoffs between the two departments.
    counts = org.deliveries.groupby(["provider", "customer"]).size()
    for i, s in enumerate(steps.itertuples(index=False)):
        for handoff in s.handoffs:
            pair, _, _ = handoff.partition(" (")
            a, b = pair.split(" -> ")
            src = node(i, org.department_of(a))
            dst = node(i + 1, org.department_of(b))
            links[(src, dst)] = links.get((src, dst), 0) + int(counts.get((a, b), 0))
    contribution = {i: s.contribution for i, s in enumerate(steps.itertuples(index=False))}
    colours = []
    for src, _dst in links:
        step = next(k[0] for k, v in index.items() if v == src)
        c = max(0.0, min(1.0, contribution.get(step, 0.0) * 2))
        # Grey (the step adds little lateness) to Okabe-Ito vermillion (it adds much).
        rgb = [int(187 + (t - 187) * c) for t in (213, 94, 0)]
        colours.append(f"rgba({rgb[0]}, {rgb[1]}, {rgb[2]}, 0.6)")
    fig = go.Figure(
        go.Sankey(
            node={"label": labels, "pad": 22, "thickness": 16, "color": "#0072B2"},
            textfont={"size": 12},
            link={
                "source": [k[0] for k in links],
                "target": [k[1] for k in links],
                "value": list(links.values()),
                "color": colours,
            },
        )
    )
    # Room on both sides, so that the first and last columns' labels are never cut.
    fig.update_layout(
        margin=dict(l=20, r=20, t=30, b=20),
        title={
            "text": "Value stream to the customer (link colour: share of lateness the step "
            "causes, grey little, vermillion much)",
            "font": {"size": 13},
        },
    )
    return fig


def promise_summary(promise: dict) -> str:
    return (
        f"{promise['promise']:g}-day promise met {promise['p_meet']:.0%} of the time "
        f"({promise['runs']:,} simulated orders; observed {promise['observed_on_time']:.0%}). "
        f"Realistic promise: {math.ceil(promise['promise_90'])} days (90%), "
        f"{math.ceil(promise['promise_95'])} days (95%)."
    )

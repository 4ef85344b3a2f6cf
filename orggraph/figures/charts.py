"""Plotly charts for the report, built on the web view's figures and styled for a page.

The department matrix, the value-stream Sankey and the lead-time histograms are the web
view's own (:mod:`orggraph.web.figures`), so both show the same picture; here they get a
white template, a fixed height and, for print, a fixed width.
"""

from __future__ import annotations

import plotly.graph_objects as go

from ..safety import escape_html
from ..web import figures as web_figures
from ..web import privacy as web_privacy

__all__ = ["matrix_figures", "value_stream_figure", "lead_time_charts", "betweenness_bars"]


def _style(fig, *, height, width=None, title=None):
    fig.update_layout(
        template="plotly_white",
        height=height,
        width=width,
        autosize=width is None,
        font=dict(family="Helvetica, Arial, sans-serif", size=11),
    )
    if title:
        fig.update_layout(title=dict(text=escape_html(title, quote=False), x=0, font_size=13))
        fig.update_layout(margin=dict(t=40))
    return fig


def matrix_figures(org, *, width=None) -> list[tuple[str, go.Figure]]:
    """(caption, figure) for the department matrix by weight and by mean closeness."""
    out = []
    for value, caption in (
        (
            "weight",
            "How much work flows from each provider department (rows) to each "
            "customer department (columns): total handoff weight.",
        ),
        (
            "closeness",
            "How closely they work: mean closeness rating of the handoffs in the "
            "cell (1 arm's length, red, to 5 daily close collaboration, green).",
        ),
    ):
        # Small departments of a private organization are suppressed (web.privacy).
        fig = web_privacy.matrix_heatmap(org, value=value)
        n = len(fig.data[0].y) if fig.data else 1
        out.append((caption, _style(fig, height=max(320, 130 + 26 * n), width=width)))
    return out


def value_stream_figure(org, promise: dict, *, width=None) -> go.Figure:
    """The value stream into the external customer (the web view's Sankey)."""
    return _style(web_figures.value_stream_sankey(org, promise), height=300, width=width)


def lead_time_charts(org, analysis, *, limit=6, width=None) -> list[tuple[dict, go.Figure]]:
    """(capability row, histogram) for the handoffs with deliveries, least on time first.

    Handoffs with too few deliveries to judge are left out; at most ``limit``.
    """
    cap = analysis.tables.get("capability")
    if cap is None or cap.empty:
        return []
    cap = cap[~cap["too_few"].astype(bool)].sort_values(
        ["on_time_rate", "deliveries"], ascending=[True, False], na_position="last"
    )
    names = org.names
    out = []
    for r in cap.head(limit).itertuples(index=False):
        key = f"{r.provider}\x1f{r.customer}\x1f{r.deliverable}"
        fig, row = web_figures.lead_time_histogram(org, analysis, key)
        title = f"{r.deliverable}: {names.get(r.provider, r.provider)} → " + names.get(
            r.customer, r.customer
        )
        out.append((dict(row), _style(fig, height=260, width=width, title=title)))
    return out


def betweenness_bars(org, analysis, *, top=10, width=None) -> go.Figure:
    """The units with the highest betweenness (share of working paths through them)."""
    c = analysis.tables["centrality"].sort_values("betweenness", ascending=False).head(top)
    flagged = {f.subjects[0] for f in analysis.findings if f.kind == "bottleneck"}
    labels = [
        escape_html(f"{name} ({org.names.get(d, d)})", quote=False)
        for name, d in zip(c["name"], c["department"], strict=True)
    ]
    fig = go.Figure(
        go.Bar(
            x=c["betweenness"].to_numpy()[::-1],
            y=labels[::-1],
            orientation="h",
            marker_color=["#ef6c00" if u in flagged else "#5c7cfa" for u in c.index][::-1],
            customdata=c["flow_multiple"].to_numpy()[::-1],
            hovertemplate="%{y}: betweenness %{x:.3f} (%{customdata:.1f}x the average)"
            "<extra></extra>",
        )
    )
    fig.update_layout(
        xaxis_title="betweenness (share of shortest working paths through the unit)",
        margin=dict(l=10, r=10, t=10, b=10),
    )
    return _style(fig, height=60 + 28 * len(c), width=width)

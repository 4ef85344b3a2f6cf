"""Small Dash building blocks shared by the pages."""

from __future__ import annotations

from dash import html

__all__ = ["rows_table"]


def rows_table(rows, cols, **kwargs):
    """A plain table of dict rows; every value rendered as text, never as HTML."""
    return html.Table(
        [
            html.Thead(html.Tr([html.Th(c) for c in cols])),
            html.Tbody(
                [
                    html.Tr([html.Td("" if r.get(c) is None else str(r.get(c))) for c in cols])
                    for r in rows
                ]
            ),
        ],
        **kwargs,
    )

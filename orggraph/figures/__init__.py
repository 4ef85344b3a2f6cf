"""Figures for documents: the network map as SVG and the report's Plotly charts.

Pure functions of an organization and its analysis that return an SVG string or a Plotly
figure; nothing here reads or writes a file. Every name from the user's files is escaped
(:func:`orggraph.safety.escape_html`) before it reaches SVG or a Plotly label.

- :mod:`.mapsvg`: the map in the web view's deterministic layout, findings highlighted;
- :mod:`.charts`: the department matrix, lead-time histograms, value-stream Sankey and
  betweenness bars, styled for a printed page.
"""

from .charts import betweenness_bars, lead_time_charts, matrix_figures, value_stream_figure
from .mapsvg import MAP_LEGEND, map_svg

__all__ = [
    "MAP_LEGEND",
    "betweenness_bars",
    "lead_time_charts",
    "map_svg",
    "matrix_figures",
    "value_stream_figure",
]

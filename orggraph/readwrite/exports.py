"""Write the consultant's deliverables: the HTML report, its PDF, GraphML, GEXF and xlsx.

The content is built elsewhere (:mod:`orggraph.htmlreport`, :mod:`orggraph.export`);
this module only writes files, and runs headless Chromium to print the PDF.
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pandas as pd

from ..exceptions import OrgGraphError

__all__ = [
    "write_html",
    "write_pdf",
    "write_graph",
    "write_xlsx",
    "find_chromium",
    "CHROMIUM_FLAGS",
    "NUMBER_FORMATS",
]

#: Number format kind (``orggraph.export.FORMATS``) -> Excel number format.
NUMBER_FORMATS = {"pct": "0.0%", "num": "0.000", "int": "0", "score": "0.00"}

#: Flags for printing: Debian's Chromium headless, no network, no first-run or sync
#: traffic, and enough virtual time for plotly.js to draw every figure before printing.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--no-pdf-header-footer",
    "--run-all-compositor-stages-before-draw",
    "--virtual-time-budget=20000",
)


def find_chromium(path=None) -> str:
    """The Chromium to print with: ``path``, ``$ORGGRAPH_CHROMIUM``, or ``chromium`` on PATH.

    Raises
    ------
    OrgGraphError
        When none is installed (Debian: ``apt-get install chromium``).
    """
    for candidate in (
        path,
        os.environ.get("ORGGRAPH_CHROMIUM"),
        "chromium",
        "chromium-browser",
        "google-chrome",
    ):
        if candidate and (found := shutil.which(candidate)):
            return found
    raise OrgGraphError(
        "a PDF needs headless Chromium: install it (Debian: apt-get install chromium) or "
        "name it with $ORGGRAPH_CHROMIUM"
    )


def write_html(html: str, path) -> Path:
    path = Path(path)
    path.write_text(html, encoding="utf-8")
    return path


def write_pdf(html: str, path, *, chromium=None, timeout=180) -> Path:
    """Print ``html`` (a page laid out with ``to_html(..., paper=...)``) to a PDF file.

    The page size, margins and page numbers come from the document's CSS ``@page`` rule;
    Chromium's own header and footer are off.
    """
    return run_chromium(
        html,
        path,
        flags=CHROMIUM_FLAGS,
        output_flag="--print-to-pdf",
        suffix=".pdf",
        magic=b"%PDF-",
        what="print the PDF",
        chromium=chromium,
        timeout=timeout,
    )


def run_chromium(
    html, path, *, flags, output_flag, suffix, magic, what, chromium=None, timeout=180
):
    """Have headless Chromium turn ``html`` into a file at ``path`` (a PDF, a PNG).

    The page and Chromium's profile live in a private temporary folder that is
    removed afterwards; the output is checked by its first bytes (``magic``)
    before it is moved to ``path``.
    """
    exe = find_chromium(chromium)
    path = Path(path).resolve()
    with tempfile.TemporaryDirectory(prefix="orggraph-chromium-") as tmp:
        src = Path(tmp) / "page.html"
        src.write_text(html, encoding="utf-8")
        # Chromium picks some formats by the file name: keep the right suffix.
        out = Path(tmp) / f"out{suffix}"
        cmd = [
            exe,
            *flags,
            f"--user-data-dir={Path(tmp) / 'profile'}",
            f"{output_flag}={out}",
            src.as_uri(),
        ]
        try:
            run = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise OrgGraphError(f"Chromium did not {what} in {timeout} s") from None
        if not out.exists() or out.read_bytes()[: len(magic)] != magic:
            tail = (run.stderr or "").strip().splitlines()[-5:]
            raise OrgGraphError(f"Chromium could not {what}: " + " / ".join(tail))
        shutil.move(out, path)
    return path


def write_graph(graph, path, fmt) -> Path:
    """Write an annotated graph (:func:`orggraph.export.annotated_graph`) as GraphML or GEXF."""
    import networkx as nx

    path = Path(path)
    if fmt == "graphml":
        nx.write_graphml(graph, path, encoding="utf-8", prettyprint=True)
    elif fmt == "gexf":
        nx.write_gexf(graph, path, encoding="utf-8", prettyprint=True)
    else:
        raise ValueError("fmt must be 'graphml' or 'gexf'")
    return path


def _cell(v):
    from ..safety import neutralise_cell

    if v is None:
        return None
    if hasattr(v, "item") and not isinstance(v, str):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, (list, tuple, set)):
        v = ", ".join(map(str, v))
    if v is pd.NaT:
        return None
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    if isinstance(v, (bool, int, float)):
        return v
    return neutralise_cell(str(v))


def write_xlsx(tables, path, formats) -> Path:
    """Write ``{sheet: DataFrame}`` as a workbook for people to work in.

    Each sheet has a bold, frozen header row and an autofilter over its columns; numeric
    columns get the number format named in ``formats`` (column -> ``pct``, ``num``,
    ``int`` or ``score``; :data:`NUMBER_FORMATS`); text that a spreadsheet would run as a
    formula is neutralised (:func:`orggraph.safety.neutralise_cell`).
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    path = Path(path)
    wb = Workbook()
    wb.remove(wb.active)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDE6F0")
    for name, df in tables.items():
        ws = wb.create_sheet(name)
        ws.append([_cell(str(c)) for c in df.columns])
        for row in df.itertuples(index=False):
            ws.append([_cell(v) for v in row])
        for j, col in enumerate(df.columns, start=1):
            letter = get_column_letter(j)
            head = ws.cell(row=1, column=j)
            head.font, head.fill = bold, fill
            fmt = NUMBER_FORMATS.get(formats.get(col, ""))
            if (
                fmt
                and pd.api.types.is_numeric_dtype(df[col])
                and not pd.api.types.is_bool_dtype(df[col])
            ):
                for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                    cell.number_format = fmt
            width = max([len(str(col))] + [len(str(v)) for v in df[col].head(200)])
            ws.column_dimensions[letter].width = min(60, max(8, width + 2))
        ws.freeze_panes = "A2"
        if len(df.columns):
            ws.auto_filter.ref = f"A1:{get_column_letter(len(df.columns))}{len(df) + 1}"
    wb.save(path)
    return path

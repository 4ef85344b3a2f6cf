"""What the web view lets a person download: the report (HTML, PDF) and the map (SVG, PNG).

Every file is made on the server from the session's organization (an :class:`Entry` that
:func:`orggraph.web.state.resolve` returned for this session): the browser sends only
the handle it holds and which file it wants, never a path or a file name. File names are
made here from the organization's name (:func:`safe_filename`). PDF and PNG are printed by
headless Chromium in a private temporary folder that is removed at once; a
:class:`Printer` runs one print at a time, each bounded by a timeout.

Nothing here imports dash: the page (``pages/report.py``) is a line or two over these
functions.
"""

from __future__ import annotations

import re
import tempfile
import threading
import time
import unicodedata
from pathlib import Path

from ..exceptions import OrgGraphError

__all__ = [
    "FILES",
    "Busy",
    "Printer",
    "safe_filename",
    "report_html",
    "map_svg_file",
    "svg_size",
    "make",
]

#: What can be asked for: kind -> (file name suffix, MIME type, printed by Chromium).
FILES = {
    "report-html": ("report.html", "text/html", False),
    "report-pdf": ("report-A4.pdf", "application/pdf", True),
    "map-svg": ("map.svg", "image/svg+xml", False),
    "map-png": ("map.png", "image/png", True),
}


class Busy(OrgGraphError):
    """Another print is running and did not finish in time."""


def safe_filename(name, suffix: str, *, limit=60) -> str:
    """A file name made of the organization's name: ASCII letters, digits, ``-`` and ``_``.

    Examples
    --------
    >>> safe_filename("Healthcare supplier (2024)", "report.html")
    'orggraph-Healthcare-supplier-2024-report.html'
    >>> safe_filename('../../etc/passwd"; x=', "map.svg")
    'orggraph-etc-passwd-x-map.svg'
    >>> safe_filename("", "map.png")
    'orggraph-map.png'
    """
    text = unicodedata.normalize("NFKD", str(name or "")).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^A-Za-z0-9_]+", "-", text).strip("-_")[:limit].strip("-_")
    return "-".join(x for x in ("orggraph", stem, suffix) if x)


class Printer:
    """Headless Chromium for the web view: one print at a time, each within ``timeout``.

    A request that finds a print running waits up to ``wait`` seconds for it, then gets
    :class:`Busy`.
    """

    def __init__(self, *, timeout=90, wait=30, chromium=None):
        self.timeout = timeout
        self.wait = wait
        self.chromium = chromium
        self._lock = threading.Lock()

    def _run(self, write, suffix, **kwargs) -> bytes:
        if not self._lock.acquire(timeout=self.wait):
            raise Busy("the server is printing another file; try again in a moment")
        try:
            with tempfile.TemporaryDirectory(prefix="orggraph-web-") as tmp:
                out = Path(tmp) / ("out" + suffix)
                write(out, chromium=self.chromium, timeout=self.timeout, **kwargs)
                return out.read_bytes()
        finally:
            self._lock.release()

    def pdf(self, html: str) -> bytes:
        """``html`` (laid out for paper) printed to PDF bytes."""
        from ..readwrite.exports import write_pdf

        return self._run(lambda out, **kw: write_pdf(html, out, **kw), ".pdf")

    def png(self, html: str, *, width: int, height: int) -> bytes:
        """A picture of ``html`` at ``width`` x ``height`` CSS pixels (twice that in pixels)."""
        from ..readwrite.screenshot import write_png

        return self._run(
            lambda out, **kw: write_png(html, out, width=width, height=height, **kw), ".png"
        )


def report_html(entry, *, paper=None) -> str:
    """The self-contained HTML report of the session's organization."""
    from ..htmlreport import to_html

    return to_html(entry.analysis, entry.org, paper=paper)


_VIEWBOX = re.compile(r'viewBox="0 0 ([0-9.]+) ([0-9.]+)"')


def svg_size(svg: str) -> tuple[int, int]:
    """Width and height of an SVG from its ``viewBox`` (1000 x 600 when it has none).

    >>> svg_size('<svg viewBox="0 0 1000 649.5">')
    (1000, 650)
    """
    m = _VIEWBOX.search(svg[:2000])
    if not m:
        return 1000, 600
    return round(float(m.group(1))), round(float(m.group(2)))


def map_svg_file(entry) -> str:
    """The map as a standalone SVG file (the report's map: findings highlighted)."""
    from ..figures.mapsvg import map_svg

    svg = map_svg(entry.org, entry.analysis)
    w, h = svg_size(svg)
    svg = svg.replace('width="100%"', f'width="{w}" height="{h}"', 1)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + svg + "\n"


def _png_page(svg: str, width: int, height: int) -> str:
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><style>html,body{margin:0;'
        f"background:#fff}}svg{{display:block;width:{width}px;height:{height}px}}"
        f"</style></head><body>{svg}</body></html>"
    )


def make(kind: str, entry, printer: Printer) -> tuple[str, bytes, str, float]:
    """One download for the session's organization: ``(file name, bytes, MIME type, seconds)``.

    Raises
    ------
    ValueError
        ``kind`` is not one of :data:`FILES`.
    Busy, OrgGraphError
        Chromium is busy, missing, or failed.
    """
    if kind not in FILES:
        raise ValueError(f"unknown download {kind!r}")
    suffix, mime, _ = FILES[kind]
    t = time.perf_counter()
    if kind == "report-html":
        data = report_html(entry).encode("utf-8")
    elif kind == "report-pdf":
        data = printer.pdf(report_html(entry, paper="A4"))
    else:
        svg = map_svg_file(entry)
        if kind == "map-svg":
            data = svg.encode("utf-8")
        else:
            w, h = svg_size(svg)
            body = svg.split("\n", 1)[1]  # without the XML declaration
            data = printer.png(_png_page(body, w, h), width=w, height=h)
    return safe_filename(entry.org.name, suffix), data, mime, time.perf_counter() - t

"""Write a PNG picture of an HTML page (the map's SVG in a page) through headless Chromium.

The same Chromium, flags and temporary private folder as the PDF
(:func:`orggraph.readwrite.exports.write_pdf`): no network, nothing kept.
"""

from __future__ import annotations

from .exports import CHROMIUM_FLAGS, run_chromium

__all__ = ["write_png"]

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def write_png(html: str, path, *, width: int, height: int, scale=2, chromium=None, timeout=60):
    """Screenshot ``html`` at ``width`` x ``height`` CSS pixels (times ``scale``) to ``path``.

    Raises
    ------
    OrgGraphError
        No Chromium, or it did not finish in ``timeout`` seconds, or wrote no PNG.
    """
    flags = [f for f in CHROMIUM_FLAGS if f != "--no-pdf-header-footer"]
    flags += [
        "--hide-scrollbars",
        f"--force-device-scale-factor={scale:g}",
        f"--window-size={int(width)},{int(height)}",
    ]
    return run_chromium(
        html,
        path,
        flags=flags,
        output_flag="--screenshot",
        suffix=".png",
        magic=PNG_MAGIC,
        what="draw the picture",
        chromium=chromium,
        timeout=timeout,
    )

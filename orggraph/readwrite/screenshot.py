"""Write a PNG picture of an HTML page (the map's SVG in a page) through headless Chromium.

The same Chromium, flags and temporary private folder as the PDF
(:func:`orggraph.readwrite.exports.write_pdf`): no network, nothing kept.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from ..exceptions import OrgGraphError
from .exports import CHROMIUM_FLAGS, find_chromium

__all__ = ["write_png"]

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def write_png(html: str, path, *, width: int, height: int, scale=2, chromium=None, timeout=60):
    """Screenshot ``html`` at ``width`` x ``height`` CSS pixels (times ``scale``) to ``path``.

    Raises
    ------
    OrgGraphError
        No Chromium, or it did not finish in ``timeout`` seconds, or wrote no PNG.
    """
    exe = find_chromium(chromium)
    path = Path(path).resolve()
    with tempfile.TemporaryDirectory(prefix="orggraph-png-") as tmp:
        src = Path(tmp) / "page.html"
        src.write_text(html, encoding="utf-8")
        out = Path(tmp) / "page.png"
        flags = [f for f in CHROMIUM_FLAGS if f != "--no-pdf-header-footer"]
        cmd = [
            exe,
            *flags,
            "--hide-scrollbars",
            f"--force-device-scale-factor={scale:g}",
            f"--window-size={int(width)},{int(height)}",
            f"--user-data-dir={Path(tmp) / 'profile'}",
            f"--screenshot={out}",
            src.as_uri(),
        ]
        try:
            run = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise OrgGraphError(f"Chromium did not finish the picture in {timeout} s") from None
        if not out.exists() or out.read_bytes()[:8] != PNG_MAGIC:
            tail = (run.stderr or "").strip().splitlines()[-5:]
            raise OrgGraphError("Chromium could not draw the picture: " + " / ".join(tail))
        shutil.move(out, path)
    return path

"""Headless Chromium for the browser tests, benchmarks and screenshots (Playwright).

Playwright is a test dependency (`pip install -e ".[test]"`); the browser is Debian's
`chromium`, never one that Playwright downloads.
"""

from __future__ import annotations

import shutil

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "launch"]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Without the networking flags Chromium keeps trying to reach Google's servers, which a
# closed network refuses many times a second.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def launch(playwright):
    """Launch Debian's Chromium headless through a started Playwright instance."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

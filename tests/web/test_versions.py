"""No page tells a visitor which versions of Dash, Python or plotly run the server (issue 10)."""

from __future__ import annotations

import platform
import re

import dash
import plotly

from orggraph.web.app import create_app

from ..conftest import DATA


def test_pages_name_no_versions_and_assets_still_load():
    app = create_app(DATA / "healthcare-supplier")
    c = app.server.test_client()
    host = {"Host": "127.0.0.1:8050"}
    page = c.get("/", headers=host).get_data(as_text=True)
    for v in (dash.__version__, platform.python_version(), plotly.__version__):
        assert v not in page
    scripts = re.findall(r'src="(/_dash-component-suites/[^"]+)"', page)
    assert scripts
    for src in scripts:
        assert c.get(src, headers=host).status_code == 200, src

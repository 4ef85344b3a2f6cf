"""The Markdown report keeps names from the user's files inert (issue 10)."""

from __future__ import annotations

from markdown_it import MarkdownIt

import orggraph
from orggraph.analysis import Thresholds, analyze
from orggraph.report import to_markdown

from .conftest import HANDOFFS, UNITS, write_org

EVIL = "[click](https://evil.example) <img src=x onerror=alert(1)> | # heading"


def test_names_are_text_not_links_or_html(tmp_path):
    units = UNITS.replace("Cat Moss", EVIL.replace(",", " "))
    org = orggraph.load(write_org(tmp_path / "o", units=units, handoffs=HANDOFFS))
    text = to_markdown(analyze(org, thresholds=Thresholds(permutations=9)), org)
    html = MarkdownIt("commonmark", {"linkify": True}).enable("table").render(text)
    assert "<img" not in html and "<a " not in html and 'href="https://evil' not in html
    assert "evil.example" in html  # still shown, as text

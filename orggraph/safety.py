"""Outputs that are safe to open: spreadsheet cells, Markdown and HTML built from names.

Names, roles and deliverables come from other people's files. Whatever orggraph writes
must show them as text, whatever program opens the result:

- **spreadsheets** (CSV and xlsx): a cell whose text starts with ``=``, ``+``, ``-``, ``@``,
  a tab or a carriage return is read by Excel, LibreOffice and Google Sheets as a formula
  (``=HYPERLINK(...)``, DDE payloads). :func:`neutralise_cell` prefixes such text with a single
  quote, as the OWASP CSV-injection guidance says, and :func:`csv_text` also quotes every
  field (RFC 4180), so that a separator inside a value never starts a new cell;
- **Markdown**: :func:`escape_markdown` makes a name one line of literal text (no emphasis,
  links, autolinks, tables, headings or raw HTML);
- **HTML and Plotly labels**: :func:`escape_html` (Plotly renders ``<a href>``, ``<b>`` and
  ``<br>`` in axis, hover and node labels, and decodes entities back to text).

Nothing here imports pandas at module level; it is cheap to import from any layer.

References
----------
OWASP, "CSV Injection", https://owasp.org/www-community/attacks/CSV_Injection
"""

from __future__ import annotations

import csv
import html
import io
import re

__all__ = [
    "FORMULA_TRIGGERS",
    "neutralise_cell",
    "neutralise_table",
    "csv_text",
    "escape_html",
    "escape_markdown",
]

#: First characters that make a spreadsheet read a cell as a formula (OWASP), plus NUL.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")

# A plain number ("-3", "+0.5", "-1e-3") is data, not a formula: left as it is.
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def neutralise_cell(value):
    """A cell value that no spreadsheet evaluates as a formula.

    Text starting with one of :data:`FORMULA_TRIGGERS` gets a leading single quote; plain
    numbers written as text and every non-text value are returned unchanged.

    Examples
    --------
    >>> print(neutralise_cell('=HYPERLINK("http://evil.example","click")'))
    '=HYPERLINK("http://evil.example","click")
    >>> neutralise_cell("@SUM(A1)"), neutralise_cell("-2+3"), neutralise_cell("-2")
    ("'@SUM(A1)", "'-2+3", '-2')
    >>> neutralise_cell("Dana Whitfield"), neutralise_cell(3.5)
    ('Dana Whitfield', 3.5)
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        if _NUMBER.fullmatch(value):
            return value
        return "'" + value
    return value


def neutralise_table(df):
    """A copy of a DataFrame with every text cell (and column name) passed through
    :func:`neutralise_cell`.

    Examples
    --------
    >>> import pandas as pd
    >>> neutralise_table(pd.DataFrame({"name": ["=1+1", "Ann"]}))["name"].tolist()
    ["'=1+1", 'Ann']
    """
    out = df.map(neutralise_cell)
    out.columns = [neutralise_cell(c) for c in df.columns]
    return out


def csv_text(rows, columns) -> str:
    """CSV text of dict rows, every field quoted and every formula neutralised.

    Examples
    --------
    >>> print(csv_text([{"name": "=cmd|' /C calc'!A0", "n": 2}], ["name", "n"]), end="")
    "name","n"
    "'=cmd|' /C calc'!A0","2"
    """
    buf = io.StringIO()
    w = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    w.writerow([neutralise_cell(str(c)) for c in columns])
    for r in rows:
        w.writerow([neutralise_cell("" if r.get(c) is None else str(r.get(c))) for c in columns])
    return buf.getvalue().replace("\r\n", "\n")


def escape_html(text, *, quote=True) -> str:
    """Text for HTML, or for a Plotly label: ``<``, ``>``, ``&`` (and quotes) as entities.

    Plotly decodes ``&lt;``, ``&gt;`` and ``&amp;`` back to text but not ``&quot;``: pass
    ``quote=False`` for Plotly labels (outside a tag a quote is harmless).

    Examples
    --------
    >>> escape_html('<a href="https://evil.example">Sales</a>')
    '&lt;a href=&quot;https://evil.example&quot;&gt;Sales&lt;/a&gt;'
    >>> escape_html('<a href="x">R&D</a>', quote=False)
    '&lt;a href="x"&gt;R&amp;D&lt;/a&gt;'
    """
    return html.escape("" if text is None else str(text), quote=quote)


# Inline Markdown that could turn text into markup: emphasis, code, links and images, raw
# HTML and entities, tables, strikethrough, and the "@" of GFM's e-mail autolinks.
_MD_INLINE = re.compile(r"([\\`*_\[\]<>&|~@])")
# GFM's other autolinks: "www.", "scheme://", "mailto:" and "xmpp:".
_MD_AUTOLINK = re.compile(r"(?i)\b(www)(\.)|(:)(?=/)|\b(mailto|xmpp)(:)")
# What starts a block at the start of a line: a list item, heading, quote or setext line.
_MD_LEADING = re.compile(r"^(\s*)(?:([-+=#])|\d+([.)]))")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


def _unlink(m):
    """'www.' -> 'www\\.', ':/' -> '\\:/', 'mailto:' -> 'mailto\\:'."""
    word = m.group(1) or m.group(4) or ""
    return word + "\\" + (m.group(2) or m.group(3) or m.group(5))


def escape_markdown(text) -> str:
    r"""Text that Markdown (CommonMark and GitHub's) shows literally, on one line.

    Line breaks and other control characters become a space; Markdown punctuation is
    backslash-escaped; ``<`` and ``&`` cannot start raw HTML or an entity; URL schemes,
    ``www.`` and e-mail addresses are broken so that no autolink forms; a leading ``-``,
    ``+``, ``=``, ``#`` or ``1.`` cannot start a list, heading or quote. Safe inside a table
    cell (``|`` is escaped), a list item or a heading.

    Examples
    --------
    >>> print(escape_markdown("[click](https://evil.example) <img src=x> *bold*"))
    \[click\](https\://evil.example) \<img src=x\> \*bold\*
    >>> print(escape_markdown("Sales | Ops\n# heading"))
    Sales \| Ops # heading
    >>> print(escape_markdown("# Sales"), escape_markdown("1. Ops"), escape_markdown("www.x.org"))
    \# Sales 1\. Ops www\.x.org
    >>> escape_markdown("Dana Whitfield (Operations)")
    'Dana Whitfield (Operations)'
    """
    s = _CONTROL.sub(" ", "" if text is None else str(text))
    s = _MD_INLINE.sub(r"\\\1", s)
    s = _MD_AUTOLINK.sub(_unlink, s)
    m = _MD_LEADING.match(s)
    if m:
        at = m.start(2) if m.group(2) else m.start(3)
        s = s[:at] + "\\" + s[at:]
    return s

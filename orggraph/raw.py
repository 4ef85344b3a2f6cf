"""What every reader returns: raw tables and located problems.

This is the lowest layer of the way in, below every reader
(:mod:`orggraph.readwrite`), below validation (:mod:`orggraph.validate`)
and below the build step (:mod:`orggraph.build`); it imports nothing of
orggraph but the :class:`~orggraph.exceptions.Problem` record. A new input
format is a function that returns ``(tables, problems)``:

- ``tables``: ``{"units": RawTable, "handoffs": RawTable, ...}``, every value
  as the user wrote it (text; spreadsheet dates may stay dates), each row with
  the number the user sees (the spreadsheet row, or the JSON item number);
- ``problems``: file-level :class:`~orggraph.exceptions.Problem` records
  (missing file, unreadable, over a limit), each with its file, row, column
  and what was expected.

Nothing is interpreted by a reader; :func:`orggraph.build.validated` checks
the tables and :meth:`orggraph.Organization.from_raw` builds from them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd

from .exceptions import ERROR, WARNING, Problem

__all__ = ["RawTable", "RawInput", "Problem", "ERROR", "WARNING", "frames_to_raw"]


@dataclass
class RawTable:
    """One table as read: text values and the user's row numbers.

    Attributes
    ----------
    name : str
        The table: ``"units"``, ``"handoffs"``, ``"deliveries"`` or ``"scales"``.
    source : str
        Where it came from, as problems name it (``"units.csv"``,
        ``"book.xlsx, sheet 'units'"``, ``"org.json"``).
    frame : DataFrame
        The values, as text (object dtype), headers as written.
    rows : ndarray
        The spreadsheet row number (or JSON item number) of each frame row.
    letters : dict
        Header -> spreadsheet column letter(s), where the format has them.
    """

    name: str
    source: str
    frame: pd.DataFrame
    rows: np.ndarray
    letters: dict[str, str] = field(default_factory=dict)


class RawInput(NamedTuple):
    """A reader's result: unpacks as ``tables, problems``."""

    tables: dict[str, RawTable]
    problems: list[Problem]


def _as_text(v):
    if isinstance(v, str):
        return v
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if hasattr(v, "isoformat"):
        return v  # a date stays a date, as from a spreadsheet cell
    return str(v)


def frames_to_raw(**frames) -> dict[str, RawTable]:
    """Raw tables from DataFrames written as a user would write the files.

    The in-memory reader behind :meth:`orggraph.Organization.from_tables`:
    missing values become empty text, whole floats lose their ``.0`` and rows
    are numbered as in a spreadsheet with a header row (the first is row 2).
    ``None`` frames are left out.

    Examples
    --------
    >>> raw = frames_to_raw(units=pd.DataFrame({"id": ["a"], "level": [2.0]}), deliveries=None)
    >>> raw["units"].frame.iloc[0].tolist(), raw["units"].rows.tolist()
    (['a', '2'], [2])
    """
    raw = {}
    for name, df in frames.items():
        if df is None:
            continue
        frame = df.astype(object).where(df.notna(), "").map(_as_text)
        raw[name] = RawTable(name, name, frame.reset_index(drop=True), np.arange(2, len(frame) + 2))
    return raw

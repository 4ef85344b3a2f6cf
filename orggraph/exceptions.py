"""Exceptions and the located problem record that validation reports.

Every error orggraph raises derives from :class:`OrgGraphError`. Input that
fails validation raises :class:`ValidationError`, which carries *all* the
problems found in one pass, each located by file (or sheet), spreadsheet row
and column, so that a person can fix their file in one go.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

__all__ = [
    "OrgGraphError",
    "ValidationError",
    "Problem",
    "ERROR",
    "WARNING",
    "MORE_PROBLEMS",
    "cap_problems",
    "split_problems",
]

ERROR = "error"
WARNING = "warning"
#: Code of the closing problem that counts those left out of a capped list.
MORE_PROBLEMS = "more_problems"


class OrgGraphError(Exception):
    """Base class of every exception orggraph raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or worth knowing) about the input.

    Attributes
    ----------
    severity : {"error", "warning"}
        Errors stop the organization from being built; warnings do not.
    code : str
        A stable machine-readable name, e.g. ``"unknown_id"``.
    message : str
        What is wrong and what was expected, in plain words.
    source : str
        The file name, ``"book.xlsx, sheet 'units'"`` or ``"org.json"``.
    table : str
        ``"units"``, ``"handoffs"`` or ``"deliveries"`` (empty for file-level problems).
    row : int or None
        The row number as the user sees it: the spreadsheet row (header row
        included) for CSV and Excel, the 1-based item number for JSON.
    column : str
        The column name as expected by orggraph (empty when not applicable).
    value : str
        The offending value, as text.
    """

    severity: str
    code: str
    message: str
    source: str = ""
    table: str = ""
    row: int | None = None
    column: str = ""
    value: str = ""

    @property
    def location(self) -> str:
        """``source, row N, column "c"`` with the parts that apply."""
        if self.code == MORE_PROBLEMS:
            return "..."
        parts = [self.source or self.table]
        if self.row is not None:
            word = "item" if self.source.endswith(".json") else "row"
            parts.append(f"{word} {self.row}")
        if self.column:
            parts.append(f'column "{self.column}"')
        return ", ".join(p for p in parts if p)

    def __str__(self) -> str:
        value = f" {self.value!r}:" if self.value != "" else ""
        return f"{self.severity}: {self.location}:{value} {self.message}"

    def to_dict(self) -> dict:
        return asdict(self)


def _more(severity: str, count: int, limit: int) -> Problem:
    noun = "error" if severity == ERROR else "warning"
    return Problem(
        severity,
        MORE_PROBLEMS,
        f"and {count:,} more {noun}{'s' if count != 1 else ''}, not listed "
        f"(only the first {limit:,} {noun}s are kept)",
    )


def more_count(problem: Problem) -> int:
    """How many problems a :data:`MORE_PROBLEMS` record stands for."""
    match = re.search(r"and ([\d,]+) more", problem.message)
    return int(match.group(1).replace(",", "")) if match else 0


def cap_problems(problems, limit: int, extra=None) -> list[Problem]:
    """The first ``limit`` errors and ``limit`` warnings, then one count of the rest.

    ``extra`` maps a severity to a number of problems already left out
    elsewhere; earlier :data:`MORE_PROBLEMS` records are merged into the new
    count, so capping twice never loses a count.

    Examples
    --------
    >>> ps = [Problem(ERROR, "bad", f"bad {i}") for i in range(5)]
    >>> [p.message for p in cap_problems(ps, 2)]
    ['bad 0', 'bad 1', 'and 3 more errors, not listed (only the first 2 errors are kept)']
    """
    kept, more = [], dict(extra or {})
    count = {}
    for p in problems:
        if p.code == MORE_PROBLEMS:
            more[p.severity] = more.get(p.severity, 0) + more_count(p)
        elif count.get(p.severity, 0) < limit:
            count[p.severity] = count.get(p.severity, 0) + 1
            kept.append(p)
        else:
            more[p.severity] = more.get(p.severity, 0) + 1
    for severity in (ERROR, WARNING):
        if more.get(severity):
            kept.append(_more(severity, more[severity], limit))
    return kept


def split_problems(problems) -> tuple[list[Problem], list[Problem]]:
    """``(errors, warnings)``: the problems that stop a build, and those that ride along."""
    errors = [p for p in problems if p.severity == ERROR]
    warnings = [p for p in problems if p.severity == WARNING]
    return errors, warnings


class ValidationError(OrgGraphError):
    """The input has errors; ``problems`` lists every one of them.

    Warnings found in the same pass ride along in ``warnings`` so that a
    caller can show the whole picture at once.
    """

    def __init__(self, problems, warnings=()):
        self.problems = tuple(problems)
        self.warnings = tuple(warnings)
        n = sum(more_count(p) if p.code == MORE_PROBLEMS else 1 for p in self.problems)
        head = f"{n:,} problem{'s' if n != 1 else ''} in the input"
        listed = [p for p in self.problems if p.code != MORE_PROBLEMS]
        lines = [str(p) for p in listed[:20]]
        if n > len(lines):
            lines.append(f"... and {n - len(lines):,} more")
        super().__init__(head + ":\n" + "\n".join(lines))

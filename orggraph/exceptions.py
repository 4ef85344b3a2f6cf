"""Exceptions and the located problem record that validation reports.

Every error orggraph raises derives from :class:`OrgGraphError`. Input that
fails validation raises :class:`ValidationError`, which carries *all* the
problems found in one pass, each located by file (or sheet), spreadsheet row
and column, so that a person can fix their file in one go.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

__all__ = ["OrgGraphError", "ValidationError", "Problem", "ERROR", "WARNING"]

ERROR = "error"
WARNING = "warning"


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


class ValidationError(OrgGraphError):
    """The input has errors; ``problems`` lists every one of them.

    Warnings found in the same pass ride along in ``warnings`` so that a
    caller can show the whole picture at once.
    """

    def __init__(self, problems, warnings=()):
        self.problems = tuple(problems)
        self.warnings = tuple(warnings)
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} in the input"
        lines = [str(p) for p in self.problems[:20]]
        if n > 20:
            lines.append(f"... and {n - 20} more")
        super().__init__(head + ":\n" + "\n".join(lines))

"""Reading and writing organizations: the only layer that touches disk."""

from __future__ import annotations

from pathlib import Path

from ..exceptions import ERROR, WARNING, ValidationError
from ..schema import DEFAULT_LIMITS, Limits
from .readers import SUPPORTED, read_bytes, read_raw
from .research import read_network
from .writers import user_tables, write, write_template

__all__ = [
    "load",
    "load_bytes",
    "load_network",
    "Limits",
    "DEFAULT_LIMITS",
    "check_path",
    "write",
    "write_template",
    "user_tables",
    "read_raw",
    "read_bytes",
    "read_network",
    "SUPPORTED",
]


def _finish(raw, problems, name, limits):
    from ..model import Organization
    from ..validate import check

    tables, problems = check(raw, problems, limits=limits)
    errors = [p for p in problems if p.severity == ERROR]
    warnings = [p for p in problems if p.severity == WARNING]
    if tables is None or errors:
        raise ValidationError(errors, warnings)
    return Organization._build(tables, name=name, warnings=warnings)


def _name(path: Path) -> str:
    path = Path(path).resolve()
    return path.stem if path.is_file() else path.name


def load(path, *, encoding=None, limits=None):
    """Load and validate an organization from a folder, .zip, .xlsx or .json.

    ``limits`` (a :class:`~orggraph.schema.Limits`) bounds what is read:
    sizes, archive members, rows, columns, field lengths and problems listed.

    Raises
    ------
    ValidationError
        With every problem found, each located by file, row and column.

    Examples
    --------
    From the repository root:

    >>> org = load("data/healthcare-supplier")
    >>> org.units["kind"].value_counts()["person"]
    np.int64(149)
    """
    raw, problems = read_raw(path, encoding=encoding, limits=limits)
    return _finish(raw, problems, _name(path), limits)


def load_bytes(data, filename, *, encoding=None, limits=None, name=None):
    """Load and validate an organization held in memory (an upload).

    ``filename`` gives the format by its suffix (.xlsx, .zip or .json) and
    names the file in problems; nothing is written to disk.

    Raises
    ------
    ValidationError
        As :func:`load`.
    """
    raw, problems = read_bytes(data, filename, encoding=encoding, limits=limits)
    return _finish(raw, problems, name or Path(filename).stem or "organization", limits)


def load_network(edges, *, name=None, limits=None, **options):
    """Load a research network (edge list + node table); see :func:`read_network`."""
    raw, problems = read_network(edges, limits=limits, **options)
    return _finish(raw, problems, name or Path(edges).resolve().parent.name, limits)


def check_path(path, *, encoding=None, limits=None):
    """All problems (errors and warnings) of a file, without raising."""
    from ..validate import check

    raw, problems = read_raw(path, encoding=encoding, limits=limits)
    _, problems = check(raw, problems, limits=limits)
    return problems

"""Reading and writing organizations: the only layer that touches disk.

Every input format is a reader that returns raw tables and located problems
(:mod:`orggraph.raw`): :func:`read_raw` and :func:`read_bytes` (folders of
CSV, .zip, .xlsx, .ods, JSON), :func:`read_network` (research networks) and
:func:`~orggraph.readwrite.viva.read_viva` (Viva Insights queries). The
loaders below are each a reader followed by the one build step,
:meth:`orggraph.Organization.from_raw`; none of them judges a problem itself.
"""

from __future__ import annotations

from pathlib import Path

from ..build import problems as _problems
from ..model import Organization
from ..schema import DEFAULT_LIMITS, Limits
from .readers import SUPPORTED, read_bytes, read_raw
from .research import read_network
from .viva import read_viva, read_viva_periods
from .writers import user_tables, write, write_template

__all__ = [
    "load",
    "load_bytes",
    "load_network",
    "load_viva",
    "load_viva_periods",
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


def _name(path: Path) -> str:
    path = Path(path).resolve()
    return path.stem if path.is_file() else path.name


def load(path, *, encoding=None, limits=None, rating_scale=None):
    """Load and validate an organization from a folder, .zip, .xlsx, .ods or .json.

    ``limits`` (a :class:`~orggraph.schema.Limits`) bounds what is read:
    sizes, archive members, rows, columns, field lengths and problems listed.
    ``rating_scale`` declares the scale the ratings were collected on
    (``"1-7"``, ``{"satisfaction": "0-10"}``; see
    :func:`orggraph.schema.rating_scales`); they are mapped onto 1-5.

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
    return Organization.from_raw(
        raw, problems, name=_name(path), limits=limits, rating_scale=rating_scale
    )


def load_bytes(data, filename, *, encoding=None, limits=None, name=None, rating_scale=None):
    """Load and validate an organization held in memory (an upload).

    ``filename`` gives the format by its suffix (.xlsx, .ods, .zip or .json)
    and names the file in problems; nothing is written to disk.

    Raises
    ------
    ValidationError
        As :func:`load`.
    """
    raw, problems = read_bytes(data, filename, encoding=encoding, limits=limits)
    return Organization.from_raw(
        raw,
        problems,
        name=name or Path(filename).stem or "organization",
        limits=limits,
        rating_scale=rating_scale,
    )


def load_network(edges, *, name=None, limits=None, rating_scale=None, **options):
    """Load a research network (edge list + node table); see :func:`read_network`."""
    raw, problems = read_network(edges, limits=limits, **options)
    return Organization.from_raw(
        raw,
        problems,
        name=name or Path(edges).resolve().parent.name,
        limits=limits,
        rating_scale=rating_scale,
    )


def load_viva(path, *, name=None, limits=None, rating_scale=None, **options):
    """Load and validate a Viva Insights query as an organization; see :func:`read_viva`.

    Raises
    ------
    ValidationError
        With every problem found.
    """
    raw, problems = read_viva(path, limits=limits, **options)
    return Organization.from_raw(
        raw, problems, name=name or Path(path).stem, limits=limits, rating_scale=rating_scale
    )


def load_viva_periods(path, *, period=None, transform=None, limits=None, **options):
    """Validated organizations of a query: ``{"all": org}``, or one per period.

    ``period`` as :func:`~orggraph.readwrite.viva.read_viva_periods` (None: all
    dates averaged). ``transform(tables) -> tables`` is applied to the raw
    tables before they are validated (``orggraph ingest --pseudonymize``
    replaces person ids there).

    Raises
    ------
    ValidationError
        For the first period with errors.
    """
    name = Path(path).stem
    if period is None:
        groups = {"all": read_viva(path, limits=limits, **options)}
    else:
        groups, problems = read_viva_periods(path, period=period, limits=limits, **options)
        if not groups:
            groups = {"all": ({}, problems)}
    out = {}
    for label, (tables, problems) in groups.items():
        if transform is not None and tables:
            tables = transform(tables)
        out[label] = Organization.from_raw(
            tables, problems, name=name if label == "all" else label, limits=limits
        )
    return out


def check_path(path, *, encoding=None, limits=None, rating_scale=None):
    """All problems (errors and warnings) of a file, without raising."""
    raw, problems = read_raw(path, encoding=encoding, limits=limits)
    return _problems(raw, problems, limits=limits, rating_scale=rating_scale)

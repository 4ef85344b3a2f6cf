"""The build step: raw tables and located problems in, validated tables (or one error) out.

Every way in goes through here, whatever the format: a reader
(:mod:`orggraph.readwrite` for folders, .zip, .xlsx, .ods and JSON, research
networks and Viva Insights queries; :func:`orggraph.raw.frames_to_raw` for
DataFrames) returns ``(tables, problems)``; :func:`validated` checks them
(:func:`orggraph.validate.check`), maps declared rating scales onto 1-5, and
decides, in this one place, which problems stop the build (errors, raised
together as one :class:`~orggraph.exceptions.ValidationError`) and which ride
along (warnings). :meth:`orggraph.Organization.from_raw` builds the
organization from what it returns.

Layers, lowest first; each imports only those before it:

1. :mod:`orggraph.exceptions`, :mod:`orggraph.schema`: the problem record, the
   format's facts;
2. :mod:`orggraph.raw`: :class:`~orggraph.raw.RawTable`, what readers return;
3. the readers (:mod:`orggraph.readwrite.readers`, ``research``, ``viva``,
   ``events``), and :mod:`orggraph.validate`;
4. this module;
5. :mod:`orggraph.model` (:class:`~orggraph.Organization`);
6. the loaders of :mod:`orggraph.readwrite` (``load``, ``load_bytes``,
   ``load_network``, ``load_viva``, ``check_path``): a reader, then the model.
"""

from __future__ import annotations

from .exceptions import ValidationError, split_problems
from .raw import RawTable
from .validate import check

__all__ = ["validated", "problems"]


def validated(
    raw_tables: dict[str, RawTable],
    file_problems=(),
    *,
    limits=None,
    rating_scale=None,
):
    """Validated tables and warnings, or :class:`~orggraph.exceptions.ValidationError`.

    Parameters
    ----------
    raw_tables : dict of str to RawTable
        What a reader returned.
    file_problems : list of Problem
        The reader's own problems (missing file, over a limit, ...).
    limits : Limits, optional
        Bounds the number of problems listed.
    rating_scale : str, RatingScale, dict or list, optional
        The scale the ratings were collected on (see
        :func:`orggraph.schema.rating_scales`); a ``scales`` table among
        ``raw_tables`` may declare it too.

    Returns
    -------
    tables : dict of str to DataFrame
        ``units`` (with ``department``), ``handoffs`` (ratings on 1-5, with
        ``per_month``, ``weight`` and ``distance``) and ``deliveries``.
    warnings : list of Problem

    Raises
    ------
    ValidationError
        Every error found, with the warnings of the same pass.

    Examples
    --------
    >>> from orggraph.raw import frames_to_raw
    >>> import pandas as pd
    >>> units = pd.DataFrame({"id": ["a", "b"], "name": ["A", "B"],
    ...     "kind": ["department", "external"], "parent": ["", ""]})
    >>> handoffs = pd.DataFrame({"provider": ["a"], "customer": ["b"],
    ...     "deliverable": ["x"], "closeness": [7], "frequency": ["weekly"]})
    >>> tables, warnings = validated(frames_to_raw(units=units, handoffs=handoffs),
    ...     rating_scale="1-7")
    >>> tables["handoffs"]["closeness"].tolist()
    [5.0]
    """
    tables, found = check(raw_tables, file_problems, limits=limits, rating_scale=rating_scale)
    errors, warnings = split_problems(found)
    if tables is None:
        raise ValidationError(errors, warnings)
    return tables, warnings


def problems(raw_tables, file_problems=(), *, limits=None, rating_scale=None):
    """Every problem (errors and warnings) of raw tables, without raising."""
    return check(raw_tables, file_problems, limits=limits, rating_scale=rating_scale)[1]

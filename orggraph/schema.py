"""The input format: tables, columns, accepted words and the derived weights.

This module is the single place that says what an organization file must
contain. The README's "Input format" section documents the same facts, and a
test keeps the two in step.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from dataclasses import dataclass

import numpy as np

__all__ = [
    "TABLES",
    "REQUIRED_TABLES",
    "INPUT_TABLES",
    "SCALE_COLUMNS",
    "KINDS",
    "FREQUENCY_PER_MONTH",
    "RATING_RANGE",
    "RATING_COLUMNS",
    "RatingScale",
    "rating_scales",
    "MAX_PER_MONTH",
    "MAX_SLA_DAYS",
    "DATE_RANGE",
    "Limits",
    "DEFAULT_LIMITS",
    "DEFAULT_IMPORTANCE",
    "DEFAULT_CLOSENESS",
    "suggest_column",
    "frequency_per_month",
    "handoff_weight",
    "closeness_distance",
]

#: Columns of each table: (name, required, meaning).
TABLES: dict[str, list[tuple[str, bool, str]]] = {
    "units": [
        ("id", True, "unique id of the department, team, person or external customer"),
        ("name", True, "display name"),
        ("kind", True, "department | team | person | external"),
        ("parent", True, "the unit it belongs to; empty for top-level departments and externals"),
        ("manager", False, "person id of the manager (the reporting line)"),
        ("role", False, "job title or role"),
        ("location", False, "site or office"),
        ("level", False, "hierarchy level"),
    ],
    "handoffs": [
        ("provider", True, "unit id that delivers the work"),
        ("customer", True, "unit id that receives it: the internal customer"),
        ("deliverable", True, "what is handed over"),
        ("closeness", True, "1-5: 1 arm's length ... 5 daily close collaboration (may be empty)"),
        (
            "frequency",
            True,
            "daily, weekly, biweekly, monthly, quarterly, yearly, ad hoc, or a "
            "number of deliveries per month",
        ),
        ("importance", False, "1-5, how much the customer's work depends on it (default 3)"),
        ("satisfaction", False, "1-5, the customer's rating of what it receives"),
        ("sla_days", False, "agreed turnaround in days"),
        ("provider_closeness", False, "1-5, closeness as the provider sees it"),
        ("customer_closeness", False, "1-5, closeness as the internal customer sees it"),
    ],
    "deliveries": [
        ("provider", True, "unit id, as in handoffs"),
        ("customer", True, "unit id, as in handoffs"),
        ("deliverable", True, "as in handoffs"),
        ("requested", True, "date or date-time the work was requested (YYYY-MM-DD[ HH:MM])"),
        ("delivered", True, "date or date-time it was delivered; empty while still open"),
    ],
}
REQUIRED_TABLES = ("units", "handoffs")
#: The optional ``scales`` table: the scale each rating column was collected on
#: (see :class:`RatingScale`). Read beside the tables above, by every format.
SCALE_COLUMNS: list[tuple[str, bool, str]] = [
    ("column", True, "a rating column: closeness, importance, satisfaction, ..."),
    ("low", True, "the lowest point of the scale the ratings were collected on, e.g. 0 or 1"),
    ("high", True, "the highest point, e.g. 6, 7 or 10"),
]
#: Every table a reader looks for: the organization's and ``scales``.
INPUT_TABLES = {**TABLES, "scales": SCALE_COLUMNS}

KINDS = ("department", "team", "person", "external")

#: Which kinds may contain which. A person's parent is a team or department;
#: a team sits in a department or a larger team; departments may nest.
ALLOWED_PARENT_KINDS = {
    "person": ("team", "department"),
    "team": ("department", "team"),
    "department": ("department",),
    "external": (),
}

#: Deliveries per month for each frequency word. A month has about 21
#: working days and 4.33 weeks; "ad hoc" counts as one delivery every two
#: months, a deliberate low guess for work that comes irregularly.
FREQUENCY_PER_MONTH: dict[str, float] = {
    "daily": 21.0,
    "weekly": 52 / 12,
    "biweekly": 26 / 12,
    "monthly": 1.0,
    "quarterly": 1 / 3,
    "yearly": 1 / 12,
    "ad hoc": 0.5,
}
_FREQUENCY_SYNONYMS = {
    "bi-weekly": "biweekly",
    "fortnightly": "biweekly",
    "every two weeks": "biweekly",
    "annually": "yearly",
    "annual": "yearly",
    "adhoc": "ad hoc",
    "ad-hoc": "ad hoc",
    "as needed": "ad hoc",
    "per day": "daily",
    "per week": "weekly",
    "per month": "monthly",
}

_NORMED_SYNONYMS = {re.sub(r"[\s_\-]+", " ", k): v for k, v in _FREQUENCY_SYNONYMS.items()}

RATING_RANGE = (1.0, 5.0)
#: The handoff columns holding 1-5 ratings; a rating scale (``--rating-scale``)
#: maps them from the scale they were collected on.
RATING_COLUMNS = (
    "closeness",
    "importance",
    "satisfaction",
    "provider_closeness",
    "customer_closeness",
)
#: The most deliveries per month a numeric frequency may state: about 330 a
#: day. More is a typing slip (or an attack: an infinite weight breaks the
#: community detection), not a handoff between two units.
MAX_PER_MONTH = 10_000.0
#: The longest agreed turnaround, in days (ten years). ``sla_days`` must be
#: greater than 0 and at most this.
MAX_SLA_DAYS = 3650.0
#: Dates (``requested``, ``delivered``) must lie in this range, inclusive.
DATE_RANGE = (dt.date(1900, 1, 1), dt.date(2199, 12, 31))
DEFAULT_IMPORTANCE = 3.0
#: Used for the distance of a handoff that has no closeness rating: neutral.
DEFAULT_CLOSENESS = 3.0

# Other names people give these columns, used only to suggest a fix.
_SYNONYMS = {
    "id": ["unit id", "unit_id", "code", "key", "person id", "employee id"],
    "name": ["unit name", "full name", "title", "label"],
    "kind": ["type", "unit type", "category"],
    "parent": ["department", "team", "belongs to", "parent id", "unit", "group"],
    "manager": ["reports to", "reports_to", "boss", "supervisor", "line manager"],
    "provider": ["supplier", "from", "source", "sender", "giver", "provider id", "producer"],
    "customer": [
        "internal customer",
        "client",
        "to",
        "target",
        "receiver",
        "recipient",
        "customer id",
        "consumer",
    ],
    "deliverable": ["output", "product", "work product", "item", "what"],
    "closeness": ["proximity", "collaboration", "relationship", "closeness rating"],
    "frequency": ["how often", "freq", "cadence"],
    "satisfaction": ["rating", "csat", "score"],
    "sla_days": ["sla", "turnaround", "target days", "sla days"],
    "requested": ["request date", "ordered", "start", "requested at"],
    "delivered": ["delivery date", "done", "end", "delivered at", "completed"],
}


def _norm(text: str) -> str:
    return re.sub(r"[\s_\-]+", " ", str(text).strip().lower())


def suggest_column(expected: str, headers: list[str]) -> str | None:
    """The header in ``headers`` that most likely meant ``expected``, if any.

    Examples
    --------
    >>> suggest_column("provider", ["Provider ", "customer"])
    'Provider '
    >>> suggest_column("provider", ["supplier", "customer"])
    'supplier'
    >>> suggest_column("customer", ["Customer ID"])
    'Customer ID'
    >>> suggest_column("provider", ["colour"]) is None
    True
    """
    target = _norm(expected)
    names = {target, *(_norm(s) for s in _SYNONYMS.get(expected, []))}
    for header in headers:
        if _norm(header) in names:
            return header
    normed = {_norm(h): h for h in headers}
    close = difflib.get_close_matches(target, list(normed), n=1, cutoff=0.75)
    return normed[close[0]] if close else None


def frequency_per_month(value) -> float:
    """Deliveries per month for a frequency word or number.

    Raises ``ValueError`` naming the accepted words when the value is not understood.

    Examples
    --------
    >>> frequency_per_month("weekly")
    4.333333333333333
    >>> frequency_per_month(" Bi-weekly ")
    2.1666666666666665
    >>> frequency_per_month("12")
    12.0
    """
    text = _norm(value)
    word = _NORMED_SYNONYMS.get(text, text)
    if word in FREQUENCY_PER_MONTH:
        return FREQUENCY_PER_MONTH[word]
    try:
        number = float(str(value).strip())  # as written: "-1" must not read as 1
    except ValueError:
        close = difflib.get_close_matches(word, list(FREQUENCY_PER_MONTH), n=1, cutoff=0.6)
        hint = f' (did you mean "{close[0]}"?)' if close else ""
        raise ValueError(
            "expected one of "
            + ", ".join(FREQUENCY_PER_MONTH)
            + " or a number of deliveries per month"
            + hint
        ) from None
    if not math.isfinite(number) or not 0 < number <= MAX_PER_MONTH:
        raise ValueError(
            f"expected a positive number of deliveries per month, at most {MAX_PER_MONTH:,.0f}"
        )
    return number


def _missing_as(values, default):
    arr = np.asarray(np.nan if values is None else values, dtype=float)
    return np.where(np.isnan(arr), default, arr)


def _plain(arr):
    return arr.item() if arr.ndim == 0 else arr


def handoff_weight(per_month, importance):
    """How much flows along a handoff: deliveries per month x importance / 3.

    Importance 3 (the default, the middle of the 1-5 scale) leaves the
    frequency unchanged; importance 5 counts a delivery 5/3 times. Takes
    numbers or arrays (missing importance as None or NaN).

    Examples
    --------
    >>> handoff_weight(4.0, None)
    4.0
    >>> handoff_weight(3.0, 5)
    5.0
    """
    imp = _missing_as(importance, DEFAULT_IMPORTANCE)
    return _plain(np.asarray(per_month, dtype=float) * imp / DEFAULT_IMPORTANCE)


def closeness_distance(closeness):
    """Distance for path-based algorithms: ``1 / closeness``.

    A close relationship (5) is a short step (0.2); an arm's-length one (1) a
    long step (1.0). Missing closeness counts as the neutral 3. This is the
    usual inversion of a tie strength into a path length (Opsahl, Agneessens
    & Skvoretz 2010). Takes numbers or arrays.

    Examples
    --------
    >>> closeness_distance(5)
    0.2
    >>> closeness_distance(None)
    0.3333333333333333
    """
    return _plain(1.0 / _missing_as(closeness, DEFAULT_CLOSENESS))


# -------------------------------------------------------------- rating scales
_SCALE_RE = re.compile(
    r"\s*([+-]?\d+(?:\.\d+)?)\s*(?:-|\u2013|\.\.|to)\s*([+-]?\d+(?:\.\d+)?)\s*", re.IGNORECASE
)


@dataclass(frozen=True)
class RatingScale:
    """The scale a survey rating was collected on, and its map onto orggraph's 1-5.

    The map is the linear one that sends the scale's ends to 1 and 5 and keeps
    equal steps equal: ``r' = 1 + 4 (r - low) / (high - low)``. On 1-7, 4 (the
    middle) becomes 3 and 7 becomes 5; on 0-10, 5 becomes 3. Linear rescaling
    of this kind is how survey researchers compare answers given on scales of
    different lengths (Dawes 2008; Preston & Colman 2000).

    References
    ----------
    Dawes, J. (2008) Do data characteristics change according to the number of
    scale points used? An experiment using 5-point, 7-point and 10-point
    scales. *International Journal of Market Research* 50(1), 61-77.
    Preston, C. C. & Colman, A. M. (2000) Optimal number of response
    categories in rating scales. *Acta Psychologica* 104(1), 1-15.

    Examples
    --------
    >>> s = RatingScale.parse("1-7")
    >>> s.to_five(4), s.to_five(7), str(s)
    (3.0, 5.0, '1-7')
    >>> RatingScale.parse("0-10").to_five(5)
    3.0
    """

    low: float
    high: float

    def __post_init__(self):
        for v in (self.low, self.high):
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                raise ValueError(f"a rating scale's ends must be finite numbers, got {v!r}")
        if not self.low < self.high:
            raise ValueError(f"a rating scale runs from a lower to a higher number, got {self:s}")

    @classmethod
    def parse(cls, text) -> RatingScale:
        """``"1-7"``, ``"0-10"``, ``"0 to 6"`` or ``"-3..3"``; raises ValueError otherwise."""
        if isinstance(text, RatingScale):
            return text
        if isinstance(text, tuple | list) and len(text) == 2:
            return cls(float(text[0]), float(text[1]))
        m = _SCALE_RE.fullmatch(str(text))
        if not m:
            raise ValueError(
                f"{str(text)[:40]!r} is not a rating scale: write LOW-HIGH, e.g. 1-7 or 0-10"
            )
        return cls(float(m.group(1)), float(m.group(2)))

    def to_five(self, values):
        """``1 + 4 (r - low) / (high - low)``: numbers or arrays."""
        return _plain(
            1.0 + 4.0 * (np.asarray(values, dtype=float) - self.low) / (self.high - self.low)
        )

    @property
    def is_five(self) -> bool:
        return (self.low, self.high) == RATING_RANGE

    def __format__(self, spec) -> str:
        return f"{self.low:g}-{self.high:g}"

    def __str__(self) -> str:
        return format(self)


def rating_scales(spec) -> dict[str, RatingScale]:
    """The rating scale of each rating column, from what a user declares.

    ``spec`` is None (every rating on 1-5), one scale for every rating column
    (``"1-7"`` or a :class:`RatingScale`), a mapping ``{column: scale}``, or a
    list of ``"1-7"`` / ``"satisfaction=0-10"`` items as ``--rating-scale``
    takes them (a named column overrides the scale for all). Columns are those
    of :data:`RATING_COLUMNS`; anything else raises ValueError.

    Examples
    --------
    >>> {c: str(s) for c, s in rating_scales(["1-7", "satisfaction=0-10"]).items()}
    ... # doctest: +NORMALIZE_WHITESPACE
    {'closeness': '1-7', 'importance': '1-7', 'satisfaction': '0-10',
     'provider_closeness': '1-7', 'customer_closeness': '1-7'}
    """
    if spec is None:
        return {}
    if isinstance(spec, str | RatingScale):
        spec = [spec]
    items = list(spec.items()) if hasattr(spec, "items") else []
    if not items:
        for item in spec:
            if isinstance(item, str) and "=" in item:
                column, _, scale = item.partition("=")
                items.append((column.strip(), scale))
            else:
                items.append((None, item))
    out: dict[str, RatingScale] = {}
    named: dict[str, RatingScale] = {}
    for column, scale in items:
        scale = RatingScale.parse(scale)
        if column is None:
            out = dict.fromkeys(RATING_COLUMNS, scale)
        elif column in RATING_COLUMNS:
            named[column] = scale
        else:
            close = difflib.get_close_matches(str(column), RATING_COLUMNS, n=1, cutoff=0.6)
            hint = f' (did you mean "{close[0]}"?)' if close else ""
            raise ValueError(
                f"{str(column)[:40]!r} is not a rating column{hint}: expected one of "
                + ", ".join(RATING_COLUMNS)
            )
    return out | named


# ------------------------------------------------------------------- limits
@dataclass(frozen=True)
class Limits:
    """Bounds on what one organization's input may hold, checked while reading.

    Anything beyond a limit is refused with a located error before the work
    (or the memory) it would take is spent: archive sizes are checked from
    the zip directory before anything is inflated, and every member is then
    inflated through a stream that stops at its declared size. The defaults
    suit a command-line run on one's own files (the 100,000-person synthetic
    organization fits); a server that reads uploads passes stricter ones, e.g.
    ``Limits(max_bytes=50 * 2**20, max_rows=200_000)``.
    docs/security-limits.md lists them with the reasoning behind each.

    Attributes
    ----------
    max_bytes : int
        The most bytes read for one organization: the files on disk (CSV,
        JSON, the .zip or .xlsx itself) and, for a .zip or .xlsx, the sum of
        its members' uncompressed sizes. Default 1 GiB.
    max_members : int
        The most members (files) in a .zip or .xlsx. Default 1,000.
    max_ratio : float
        The highest compression ratio (uncompressed / compressed size) of one
        archive member larger than ``ratio_exempt_bytes``. Spreadsheets and
        CSV files compress 5-20 times; zip bombs 1,000 times. Default 100.
    ratio_exempt_bytes : int
        Members up to this uncompressed size are not ratio-checked (a small
        file of blanks compresses well and harms nobody). Default 1 MiB.
    max_rows : int
        The most rows below the header in one table (blank rows included).
        Default 5,000,000.
    max_columns : int
        The most columns in one table. Default 500.
    max_field_chars : int
        The longest value (or header) in characters: Excel's own cell limit.
        Default 32,767.
    max_problems : int
        How many errors, and separately how many warnings, are listed; the
        rest are counted in one closing "... and N more" problem. Default 1,000.

    Examples
    --------
    >>> Limits().max_rows
    5000000
    >>> Limits(max_rows=1000).max_rows
    1000
    """

    max_bytes: int = 1 << 30
    max_members: int = 1_000
    max_ratio: float = 100.0
    ratio_exempt_bytes: int = 1 << 20
    max_rows: int = 5_000_000
    max_columns: int = 500
    max_field_chars: int = 32_767
    max_problems: int = 1_000

    def __post_init__(self):
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
                raise ValueError(f"Limits.{name} must be a positive number, got {value!r}")
            if name != "max_ratio" and not isinstance(value, int):
                raise ValueError(f"Limits.{name} must be a whole number, got {value!r}")


#: The limits used when a caller passes none.
DEFAULT_LIMITS = Limits()

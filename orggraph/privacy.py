"""Privacy for people-analytics input: keyed pseudonyms and a minimum group size.

Two rules, as HR and works councils ask for them:

**Pseudonyms.** :class:`Pseudonymizer` replaces a person's id (and name, and
manager id) by a keyed hash: ``P-`` + the first 16 hex digits of
HMAC-SHA256(key, id) (RFC 2104; NIST SP 800-107). The same key gives the same
pseudonym for the same id in every run and every period, so monthly snapshots
still compare; without the key nobody can recompute the mapping by hashing a
list of known ids, which a plain (unkeyed) hash would allow.

**Minimum group size.** A number about a group of fewer than ``k`` people
(default 5, as Microsoft Viva Insights does) can be traced back to the
individuals, so every group-level output drops it: department tables, mixing
matrices and satisfaction tables keep the group's name and a ``suppressed``
flag, never its figures. :func:`group_sizes` says how many people each
top-level department has: its person units, or, in a department-level map
with no people (a Viva group-to-group query), the ``headcount`` or
``group_size`` column of the department; where neither is known the size is
unknown and nothing is suppressed (a department-level map holds no
person-level data).

The analysis functions stay as they are; outputs (the report, the web view,
exports) pass their tables through :func:`suppress_departments`,
:func:`suppress_matrix` and :func:`suppress_satisfaction` and say what was
left out with :func:`suppression_note`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

import numpy as np
import pandas as pd

from .exceptions import OrgGraphError

__all__ = [
    "MIN_GROUP_SIZE",
    "Pseudonymizer",
    "new_key",
    "group_sizes",
    "small_groups",
    "suppress_departments",
    "suppress_matrix",
    "suppress_satisfaction",
    "suppression_note",
]

#: The default minimum group size (Viva Insights' default too).
MIN_GROUP_SIZE = 5
#: Columns of a department's unit row that may hold its size (department-level maps).
SIZE_COLUMNS = ("headcount", "group_size")
_KEY_BYTES = 32


def new_key() -> bytes:
    """A fresh random secret key (32 bytes, hex-encoded) for :class:`Pseudonymizer`."""
    return secrets.token_hex(_KEY_BYTES).encode("ascii")


class Pseudonymizer:
    """Keyed, stable pseudonyms: HMAC-SHA256 of the value under a secret key.

    Parameters
    ----------
    key : bytes or str
        The secret. Keep it outside the data (a key file readable by the
        analyst only); the same key gives the same pseudonyms next month.
    prefix : str
        Put before the hash; ``P-`` marks a person.
    digits : int
        Hex digits of the hash kept (16 = 64 bits: two people collide with
        probability about n^2 / 2^65, 3e-10 for 100,000 people; a collision
        is detected and raises).

    Examples
    --------
    >>> p = Pseudonymizer(b"a secret key of 32 characters..")
    >>> p("E001") == p("E001"), p("E001") == p("E002")
    (True, False)
    >>> p("E001")
    'P-b69ddb2ed5ff03ef'
    >>> Pseudonymizer(b"another secret key, 32 characters")("E001") == p("E001")
    False
    """

    def __init__(self, key, *, prefix: str = "P-", digits: int = 16):
        if isinstance(key, str):
            key = key.encode("utf-8")
        key = bytes(key).strip()
        if len(key) < 16:
            raise OrgGraphError(
                "the pseudonymization key is too short: use at least 16 bytes "
                "(orggraph ingest --pseudonymize writes a random 64-character key when the "
                "key file does not exist)"
            )
        self._key = key
        self.prefix = prefix
        self.digits = digits
        self._seen: dict[str, str] = {}
        self._back: dict[str, str] = {}

    def __call__(self, value) -> str:
        value = "" if value is None else str(value)
        if value == "":
            return ""
        out = self._seen.get(value)
        if out is None:
            digest = hmac.new(self._key, value.encode("utf-8"), hashlib.sha256).hexdigest()
            out = self.prefix + digest[: self.digits]
            other = self._back.setdefault(out, value)
            if other != value:
                raise OrgGraphError(
                    f"two ids share the pseudonym {out}: keep more digits (digits=...)"
                )
            self._seen[value] = out
        return out

    def series(self, values: pd.Series) -> pd.Series:
        """Pseudonyms of a column (each distinct value hashed once)."""
        values = values.fillna("").astype(str)
        uniq = pd.unique(values)
        return values.map(dict(zip(uniq, map(self, uniq), strict=True)))


# ---------------------------------------------------------------- group sizes
def group_sizes(org) -> pd.Series:
    """People in each top-level department, by department id.

    The count of person units where the organization has people; otherwise a
    department's ``headcount`` or ``group_size`` column; NaN where unknown.
    The external customer is no group of people and is left out.

    Examples
    --------
    >>> from orggraph.analysis._examples import two_departments
    >>> group_sizes(two_departments()).to_dict()
    {'a': 2.0, 'b': 1.0}
    """
    u = org.units
    tops = u[(u["kind"] == "department") & (u["id"] == u["department"])]
    people = u[u["kind"] == "person"]
    if len(people):
        counts = people.groupby("department").size()
        return counts.reindex(tops["id"]).fillna(0).astype(float).rename("people")
    sizes = pd.Series(np.nan, index=pd.Index(tops["id"]), name="people")
    for col in SIZE_COLUMNS:
        if col in tops:
            v = pd.to_numeric(tops[col].replace("", np.nan), errors="coerce").to_numpy()
            sizes = sizes.fillna(pd.Series(v, index=sizes.index))
    return sizes


def small_groups(sizes: pd.Series, *, k: int = MIN_GROUP_SIZE) -> set:
    """Ids of the groups with fewer than ``k`` people (unknown sizes are not small)."""
    _check_k(k)
    return set(sizes.index[sizes.notna() & (sizes < k)])


def _check_k(k):
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise ValueError(f"the minimum group size must be a whole number >= 1, got {k!r}")


_KEEP = ("department", "name", "suppressed")


def suppress_departments(
    table: pd.DataFrame, sizes: pd.Series, *, k: int = MIN_GROUP_SIZE, column=None
) -> pd.DataFrame:
    """A department table with every figure of a group under ``k`` people blanked.

    Parameters
    ----------
    table : DataFrame
        One row per department: indexed by department id (as
        ``ei_index``), or with the id in ``column``.
    sizes : Series
        :func:`group_sizes`.
    k : int
        The minimum group size.
    column : str, optional
        The column holding the department id; default the index.

    Returns
    -------
    DataFrame
        A copy: on rows of small groups every column but the id, ``name``
        and ``suppressed`` is blank (NaN in float columns, None in others:
        the headcount and the gatekeeper's name included), and
        ``suppressed`` is True there.
        An existing ``suppressed`` column (too few raters) is kept: a row
        is suppressed for either reason.

    Examples
    --------
    >>> t = pd.DataFrame({"name": ["A", "B"], "members": [9, 3], "ei": [0.1, -0.5]},
    ...                  index=["a", "b"])
    >>> out = suppress_departments(t, pd.Series({"a": 9, "b": 3}))
    >>> out.loc["b", ["members", "ei"]].isna().all(), bool(out.loc["b", "suppressed"])
    (np.True_, True)
    >>> out.loc["a", "ei"]
    np.float64(0.1)
    """
    ids = table.index.to_series() if column is None else table[column]
    small = ids.isin(small_groups(sizes, k=k)).to_numpy()
    out = table.copy()
    hide = [c for c in out.columns if c not in _KEEP and c != column]
    if small.any():
        for c in hide:
            if pd.api.types.is_float_dtype(out[c]):
                out.loc[small, c] = np.nan
            else:  # whole numbers, flags and names stay as they are elsewhere: blank is None
                out[c] = out[c].astype(object)
                out.loc[small, c] = None
    before = out["suppressed"].fillna(False).astype(bool) if "suppressed" in out else False
    out["suppressed"] = small | before
    return out


def suppress_satisfaction(
    table: pd.DataFrame, sizes: pd.Series, *, k: int = MIN_GROUP_SIZE
) -> pd.DataFrame:
    """``internal_satisfaction`` with provider departments under ``k`` people suppressed.

    Raters, ratings, mean, NPS and p-value are blanked for a small group; rows
    already suppressed for too few raters stay suppressed.
    """
    return suppress_departments(table, sizes, k=k, column="department")


def suppress_matrix(matrix: pd.DataFrame, sizes: pd.Series, *, k: int = MIN_GROUP_SIZE):
    """A department x department matrix with every cell that involves a small group blanked.

    A cell is NaN when its row or its column department has fewer than ``k``
    people (the external customer is no group and never suppresses a cell).
    ``out.attrs["suppressed"]`` lists the small departments.

    Examples
    --------
    >>> m = pd.DataFrame([[0, 2.0], [1.0, 0]], index=["a", "b"], columns=["a", "b"])
    >>> suppress_matrix(m, pd.Series({"a": 8, "b": 2})).to_numpy().tolist()
    [[0.0, nan], [nan, nan]]
    """
    small = small_groups(sizes, k=k)
    out = matrix.astype(float).copy()
    rows = out.index.isin(small)
    cols = out.columns.isin(small)
    out.loc[rows, :] = np.nan
    out.loc[:, cols] = np.nan
    out.attrs["suppressed"] = sorted(small & (set(out.index) | set(out.columns)))
    return out


def suppression_note(sizes: pd.Series, names=None, *, k: int = MIN_GROUP_SIZE) -> str:
    """One sentence on what was suppressed and why ('' when nothing was).

    Examples
    --------
    >>> suppression_note(pd.Series({"a": 8, "b": 2}), {"b": "Legal"})
    'Figures for 1 group of fewer than 5 people are suppressed (minimum group size 5): Legal.'
    """
    small = sorted(small_groups(sizes, k=k))
    if not small:
        return ""
    names = names or {}
    word = "group" if len(small) == 1 else "groups"
    listed = ", ".join(str(names.get(s, s)) for s in small)
    return (
        f"Figures for {len(small)} {word} of fewer than {k} people are suppressed "
        f"(minimum group size {k}): {listed}."
    )

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

The analysis functions stay as they are; outputs (the reports, the exports, the
comparison and the web view) read an analysis passed through
:func:`suppress_analysis` (department and satisfaction rows of small groups
blank and flagged, findings about them left out and counted, their group units'
rows dropped) and say what was left out with :func:`suppression_note`.

**One organization for every output.** :func:`private_org` turns an
organization into a :class:`PrivateOrganization` that carries its minimum
group size (and, with a pseudonymizer, has every person's id and name replaced
by the pseudonym, undocumented columns dropped and the roles and locations of
people in small groups blanked). The command line analyses that organization,
so no original name reaches any output, and the same key gives the same
pseudonyms as ``orggraph ingest --pseudonymize`` and ``orggraph serve
--privacy-key``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import secrets
from types import MappingProxyType

import numpy as np
import pandas as pd

from .exceptions import OrgGraphError
from .model import Organization
from .schema import TABLES

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
    "PrivateOrganization",
    "private_org",
    "is_private",
    "min_group_size_of",
    "small_units",
    "about_groups",
    "suppress_analysis",
    "privacy_summary",
    "SUPPRESSED",
]

#: The default minimum group size (Viva Insights' default too).
MIN_GROUP_SIZE = 5
#: Columns of a department's unit row that may hold its size (department-level maps).
SIZE_COLUMNS = ("headcount", "group_size")
_KEY_BYTES = 32
#: What a suppressed cell shows.
SUPPRESSED = "suppressed"


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


# ------------------------------------------------------- private organizations
#: Unit columns kept when people are pseudonymized; any other column may hold a name, an
#: e-mail or a number that identifies a person, and is dropped.
UNIT_COLUMNS = (*(c for c, _, _ in TABLES["units"]), "department", "headcount", "group_size")
#: The documented handoff and delivery columns and the ones derived from them.
HANDOFF_COLUMNS = (*(c for c, _, _ in TABLES["handoffs"]), "per_month", "weight", "distance")
DELIVERY_COLUMNS = (*(c for c, _, _ in TABLES["deliveries"]), "lead_days")
#: Unit columns blanked for everyone in a group under the minimum size (pseudonymized only):
#: a role or a location held by one of three people names that person.
IDENTIFYING = ("role", "location", "level")


@dataclasses.dataclass(frozen=True, eq=False)
class PrivateOrganization(Organization):
    """An organization shown under the privacy rules: figures of groups under
    ``min_group_size`` people suppressed in every output; ``pseudonymized`` when its
    people's ids and names are keyed pseudonyms."""

    min_group_size: int = MIN_GROUP_SIZE
    pseudonymized: bool = False


def is_private(org) -> bool:
    """Whether ``org`` is shown under the privacy rules (:func:`private_org`)."""
    return isinstance(org, PrivateOrganization)


def min_group_size_of(org, default=MIN_GROUP_SIZE):
    """The minimum group size ``org`` is shown with; ``default`` for a plain organization."""
    return org.min_group_size if is_private(org) else default


def private_org(org, pseudonymizer=None, *, k=MIN_GROUP_SIZE) -> PrivateOrganization:
    """``org`` under the privacy rules: minimum group size ``k``, pseudonyms if asked.

    Parameters
    ----------
    org : Organization
    pseudonymizer : callable, optional
        id -> pseudonym (:class:`Pseudonymizer`); also becomes the person's name. Without
        one, names, columns and warnings are kept as they are.
    k : int
        The minimum group size every output applies.

    Returns
    -------
    PrivateOrganization
        Same structure, handoffs and deliveries. With a pseudonymizer: person ids, names
        and manager ids pseudonymized; undocumented columns dropped; roles, locations and
        levels of the units of groups under ``k`` people blank; no load warnings (they
        quote names).

    Examples
    --------
    >>> from orggraph.analysis._examples import two_departments
    >>> org = private_org(two_departments(), lambda x: "P-" + x.upper(), k=2)
    >>> sorted(org.units.loc[org.units["kind"] == "person", "name"])
    ['P-A1', 'P-A2', 'P-B1']
    >>> org.min_group_size, org.pseudonymized
    (2, True)
    """
    _check_k(k)
    if pseudonymizer is None:
        return PrivateOrganization(
            org.units,
            org.handoffs,
            org.deliveries,
            name=org.name,
            warnings=org.warnings,
            min_group_size=k,
            pseudonymized=is_private(org) and org.pseudonymized,
        )
    u = org.units
    people = u.loc[u["kind"] == "person", "id"]
    mapping = dict(zip(people, map(pseudonymizer, people), strict=True))

    def ids(col: pd.Series) -> pd.Series:
        return col.map(lambda v: mapping.get(v, v))

    units = u[[c for c in u.columns if c in UNIT_COLUMNS]].copy()
    is_person = units["kind"] == "person"
    units["name"] = units["name"].where(~is_person, units["id"].map(mapping))
    small = units["department"].isin(small_groups(group_sizes(org), k=k))
    for c in IDENTIFYING:
        if c in units:
            units[c] = units[c].astype(object).where(~small, "")
    for c in ("id", "parent", "manager"):
        if c in units:
            units[c] = ids(units[c])
    if "manager" in units:  # a manager who is not a listed person: no name to show
        units["manager"] = units["manager"].where(
            units["manager"].isin(set(mapping.values()) | set(u["id"])), ""
        )
    h = org.handoffs
    handoffs = h[[c for c in h.columns if c in HANDOFF_COLUMNS]].copy()
    d = org.deliveries
    deliveries = d[[c for c in d.columns if c in DELIVERY_COLUMNS]].copy()
    for t in (handoffs, deliveries):
        t["provider"] = ids(t["provider"])
        t["customer"] = ids(t["customer"])
    return PrivateOrganization(
        units.reset_index(drop=True),
        handoffs.reset_index(drop=True),
        deliveries.reset_index(drop=True),
        name=org.name,
        warnings=(),
        min_group_size=k,
        pseudonymized=True,
    )


def small_units(org, *, k=MIN_GROUP_SIZE) -> set:
    """Ids of the group units whose figures are suppressed: each department under ``k``
    people and every team or sub-department inside it (a part of a small group is
    smaller still). People are not in it: a person's own figures are no group's.

    Examples
    --------
    >>> from orggraph.analysis._examples import two_departments
    >>> sorted(small_units(two_departments(), k=2))
    ['b']
    """
    small = small_groups(group_sizes(org), k=k)
    if not small:
        return set()
    u = org.units
    inside = u[(u["kind"] != "person") & u["department"].isin(small)]
    return set(inside["id"]) | small


def _touches(values, small) -> np.ndarray:
    return np.asarray([v in small for v in values], dtype=bool)


def about_groups(kind, subjects, small) -> bool:
    """Whether a finding of ``kind`` about ``subjects`` is about one of the ``small`` groups.
    ``blocks`` is about the whole organization (its subjects are every department): never.
    """
    return kind != "blocks" and bool(set(subjects) & small)


def suppress_analysis(analysis, org, *, k=None):
    """``analysis`` as every output may show it: nothing about a group under ``k`` people.

    Parameters
    ----------
    analysis : Analysis
        From :func:`orggraph.analysis.analyze` of ``org``.
    org : Organization
    k : int, optional
        The minimum group size; default :func:`min_group_size_of` ``org``.

    Returns
    -------
    Analysis
        A copy in which the ``ei_index`` and ``internal_satisfaction`` rows of small
        departments are blank and ``suppressed``; findings and near misses about a small
        group (any subject in :func:`small_units`) are left out and ``totals`` lowered to
        match; the rows of small groups' units in ``centrality`` and ``key_person_risk``,
        and of their handoffs in ``handoff_criticality`` and ``capability``, and promises
        that start or end at one, are dropped (``blocks``, about the whole organization,
        stays: :func:`about_groups`). ``tables["privacy"]`` says what was
        suppressed (:func:`privacy_summary`). Applying it twice changes nothing more.

    Examples
    --------
    >>> from orggraph.analysis import analyze
    >>> from orggraph.analysis._examples import two_departments
    >>> org = two_departments()
    >>> a = suppress_analysis(analyze(org, seed=0), org, k=2)
    >>> bool(a.tables["ei_index"].loc["b", "suppressed"]), a.tables["privacy"]["suppressed"]
    (True, ['b'])
    """
    k = min_group_size_of(org) if k is None else k
    _check_k(k)
    done = analysis.tables.get("privacy")
    if done is not None and done["min_group_size"] == k:
        return analysis
    sizes = group_sizes(org)
    small = small_units(org, k=k)
    depts = sorted(small_groups(sizes, k=k))
    tables = dict(analysis.tables)
    if "ei_index" in tables:
        ei = suppress_departments(tables["ei_index"], sizes, k=k)
        ei.attrs = dict(tables["ei_index"].attrs)
        tables["ei_index"] = ei
    sat = tables.get("internal_satisfaction")
    if sat is not None and not sat.empty:
        tables["internal_satisfaction"] = suppress_satisfaction(sat, sizes, k=k)
    dropped = {}
    for name in ("centrality", "key_person_risk"):
        t = tables.get(name)
        if t is not None and len(t) and small:
            hide = _touches(t.index, small)
            dropped[name] = int(hide.sum())
            tables[name] = t[~hide]
    for name in ("handoff_criticality", "capability"):
        t = tables.get(name)
        if t is not None and len(t) and small and {"provider", "customer"} <= set(t.columns):
            hide = _touches(t["provider"], small) | _touches(t["customer"], small)
            dropped[name] = int(hide.sum())
            tables[name] = t[~hide]
    promises = tables.get("promises")
    if promises and small:
        tables["promises"] = {
            key: sim for key, sim in promises.items() if not (set(key[:2]) & small)
        }
        dropped["promises"] = len(promises) - len(tables["promises"])

    def about_small(f):
        return about_groups(f.kind, f.subjects, small)

    findings = tuple(f for f in analysis.findings if not about_small(f))
    near = tuple(f for f in analysis.near_misses if not about_small(f))
    hidden = [f for f in analysis.findings if about_small(f)]
    totals = {kind: dict(t) for kind, t in analysis.totals.items()}
    for f in hidden:
        t = totals.get(f.kind)
        if t:
            t["found"] = max(0, t.get("found", 0) - 1)
            t["shown"] = max(0, t.get("shown", 0) - 1)
    names = org.names
    tables["privacy"] = {
        "min_group_size": k,
        "suppressed": depts,
        "suppressed_names": [str(names.get(d, d)) for d in depts],
        "findings_suppressed": len(hidden),
        "near_misses_suppressed": len(analysis.near_misses) - len(near),
        "rows_dropped": dropped,
        "note": suppression_note(sizes, names, k=k),
    }
    return dataclasses.replace(
        analysis,
        findings=findings,
        near_misses=near,
        totals=totals,
        tables=MappingProxyType(tables),
    )


def privacy_summary(analysis) -> dict:
    """What :func:`suppress_analysis` left out, as JSON-ready data, with one sentence
    (``note``) that says what and why (empty when nothing was)."""
    p = dict(analysis.tables.get("privacy") or {})
    if not p:
        return {}
    note = p.get("note", "")
    if p.get("findings_suppressed"):
        n = p["findings_suppressed"]
        them = "them" if len(p["suppressed"]) > 1 else "it"
        note += f" {n} finding{'s' if n != 1 else ''} about {them} {'are' if n != 1 else 'is'}"
        note += " not shown."
    p["note"] = note.strip()
    return p

"""Privacy mode of the web view (``orggraph serve --privacy``): no person's name leaves the
server, and no figure about a group smaller than the minimum group size.

One function, :func:`private_org`, turns an organization into what every page reads in
privacy mode: person ids and names become keyed pseudonyms (:class:`orggraph.privacy.
Pseudonymizer`, ``P-`` + 12 hex digits, one random key per server start, so the same
person has the same pseudonym in every page, upload and comparison of that server),
manager ids too, and columns beyond the documented ones (an e-mail address, a personnel
number) are dropped. The server analyses that organization, never the original, so every
finding's text, every map label, panel, grid, dropdown and download is made from
pseudonyms: the pages need no change. :mod:`orggraph.web.state` applies it to the
server's organization and to every upload when :class:`PrivacyMode` is on.

Group-level numbers of departments under ``k`` people are suppressed
(:func:`orggraph.privacy.suppress_matrix`): :func:`suppressed_matrix` and
:func:`matrix_heatmap` blank those cells and label the department "suppressed";
the department matrix page and the report's matrix call them, and they draw an
organization that is not private exactly as :mod:`orggraph.web.figures` does. Roles,
locations, department, team and deliverable names are kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..model import Organization
from ..privacy import MIN_GROUP_SIZE, Pseudonymizer, group_sizes, new_key, small_groups

__all__ = [
    "PrivacyMode",
    "PrivateOrganization",
    "private_org",
    "is_private",
    "suppressed_labels",
    "suppressed_matrix",
    "matrix_heatmap",
    "matrix_cell",
    "SUPPRESSED",
]

SUPPRESSED = "suppressed"
DIGITS = 12  # 48 bits: two of 30,000 people collide with probability about 2e-6 (detected)

#: Columns kept in privacy mode; any other column may hold a name, an e-mail or a number
#: that identifies a person, and is dropped.
UNIT_COLUMNS = (
    "id",
    "name",
    "kind",
    "parent",
    "manager",
    "role",
    "location",
    "level",
    "department",
    "headcount",
    "group_size",
)
HANDOFF_COLUMNS = (
    "provider",
    "customer",
    "deliverable",
    "closeness",
    "frequency",
    "importance",
    "satisfaction",
    "sla_days",
    "provider_closeness",
    "customer_closeness",
    "per_month",
    "weight",
    "distance",
)
DELIVERY_COLUMNS = ("provider", "customer", "deliverable", "requested", "delivered", "lead_days")


@dataclass(frozen=True, eq=False)
class PrivateOrganization(Organization):
    """An organization with pseudonymized people, and the minimum group size it is shown with."""

    min_group_size: int = MIN_GROUP_SIZE


@dataclass
class PrivacyMode:
    """What ``--privacy`` turns on: pseudonyms under ``key`` and the minimum group size ``k``."""

    k: int = MIN_GROUP_SIZE
    key: bytes = field(default_factory=new_key, repr=False)

    def __post_init__(self):
        if isinstance(self.k, bool) or not isinstance(self.k, int) or self.k < 1:
            raise ValueError(f"the minimum group size must be a whole number >= 1, got {self.k!r}")
        self._pz = Pseudonymizer(self.key, digits=DIGITS)

    def apply(self, org) -> PrivateOrganization:
        return private_org(org, self._pz, k=self.k)


def private_org(org, pseudonymizer, *, k=MIN_GROUP_SIZE) -> PrivateOrganization:
    """``org`` with every person's id and name replaced by their pseudonym.

    Parameters
    ----------
    org : Organization
    pseudonymizer : callable
        id -> pseudonym (:class:`orggraph.privacy.Pseudonymizer`); also the person's name.
    k : int
        The minimum group size the result is shown with.

    Returns
    -------
    PrivateOrganization
        Same structure, handoffs and deliveries; person ids, names and manager ids
        pseudonymized; undocumented columns dropped; no load warnings (they quote names).

    Examples
    --------
    >>> from orggraph.analysis._examples import two_departments
    >>> org = private_org(two_departments(), lambda x: "P-" + x.upper())
    >>> sorted(org.units.loc[org.units["kind"] == "person", "name"])
    ['P-A1', 'P-A2', 'P-B1']
    """
    u = org.units
    people = set(u.loc[u["kind"] == "person", "id"])
    mapping = {p: pseudonymizer(p) for p in people}

    def ids(col: pd.Series) -> pd.Series:
        return col.map(lambda v: mapping.get(v, v))

    units = u[[c for c in u.columns if c in UNIT_COLUMNS]].copy()
    is_person = units["kind"] == "person"
    units["name"] = units["name"].where(~is_person, units["id"].map(mapping))
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
    )


def is_private(org) -> bool:
    return isinstance(org, PrivateOrganization)


def _small(org) -> set:
    return small_groups(group_sizes(org), k=org.min_group_size)


def suppressed_labels(org) -> dict[str, str]:
    """Department id -> its matrix label in privacy mode, for departments under ``k`` people."""
    k = org.min_group_size
    names = org.names
    return {d: f"{names.get(d, d)} ({SUPPRESSED}: fewer than {k} people)" for d in _small(org)}


def suppressed_matrix(org, *, value="weight") -> pd.DataFrame:
    """The department matrix of the web view (:func:`orggraph.web.views.matrix`) with every
    cell of a department under the minimum group size blank (NaN) and its label saying
    "suppressed". ``attrs["ids"]`` as there; ``attrs["suppressed"]``: the small departments.
    """
    from ..privacy import suppress_matrix
    from .views import matrix

    m = matrix(org, value=value)
    ids = m.attrs["ids"]
    by_id = pd.DataFrame(m.to_numpy(), index=ids, columns=ids)
    out = suppress_matrix(by_id, group_sizes(org), k=org.min_group_size)
    relabel = suppressed_labels(org)
    labels = [relabel.get(i, label) for i, label in zip(ids, m.index, strict=True)]
    out.index, out.columns = labels, labels
    out.attrs = {"ids": ids, "suppressed": sorted(relabel)}
    return out


def matrix_heatmap(org, *, value="weight", _plain=None):
    """The matrix heatmap; for a private organization, with small departments suppressed:
    their rows and columns hold no number (colour, hover or text) and are drawn grey with
    "suppressed" in each cell and in the department's label. Any other organization is
    drawn exactly as :func:`orggraph.web.figures.matrix_heatmap` draws it."""
    import plotly.graph_objects as go

    from . import figures

    plain = _plain or figures.matrix_heatmap
    fig = plain(org, value=value)
    if not is_private(org) or not _small(org) or not fig.data:
        return fig
    m = suppressed_matrix(org, value=value)
    small = set(m.attrs["suppressed"])
    ids = m.attrs["ids"]
    relabel = {figures._label(a): figures._label(b) for a, b in _plain_labels(org, m).items()}
    hide = [[a in small or b in small for b in ids] for a in ids]
    k = org.min_group_size
    why = f"{SUPPRESSED}: fewer than {k} people"
    for trace in fig.data:
        if trace.type != "heatmap":
            continue
        z = [list(row) for row in trace.z]
        text = [list(row) for row in trace.text] if trace.text is not None else None
        for i, row in enumerate(hide):
            for j, h in enumerate(row):
                if h:
                    z[i][j] = None
                    if text is not None:
                        text[i][j] = why
        trace.update(
            z=z,
            text=text,
            x=[relabel.get(x, x) for x in trace.x],
            y=[relabel.get(y, y) for y in trace.y],
        )
        labels = list(trace.x)
        grey = [[0 if h else None for h in row] for row in hide]
        fig.add_trace(
            go.Heatmap(
                z=grey,
                x=labels,
                y=list(trace.y),
                text=[[SUPPRESSED if h else "" for h in row] for row in hide],
                texttemplate="%{text}",
                textfont={"size": 9, "color": "#555555"},
                colorscale=[[0, "#e0e0e0"], [1, "#e0e0e0"]],
                showscale=False,
                hoverongaps=False,
                hovertemplate=why + "<extra></extra>",
                xgap=trace.xgap,
                ygap=trace.ygap,
            )
        )
        break
    for axis in ("xaxis", "yaxis"):
        ax = fig.layout[axis]
        for prop in ("tickvals", "ticktext"):
            if ax[prop] is not None:
                ax[prop] = [relabel.get(v, v) for v in ax[prop]]
    return fig


def _plain_labels(org, m) -> dict:
    """Label in the plain matrix -> label in the suppressed one (small departments only)."""
    from .views import matrix_ids

    relabel = suppressed_labels(org)
    return {label: relabel[i] for label, i in matrix_ids(org).items() if i in relabel}


def matrix_cell(org, click, *, _plain=None):
    """The clicked cell's departments; nothing for a suppressed department."""
    from . import figures

    if not is_private(org):
        return (_plain or figures.matrix_cell)(org, click)
    labels = {figures._label(x): i for x, i in _matrix_ids(org).items()}
    try:
        point = click["points"][0]
        p, c = labels.get(point["y"]), labels.get(point["x"])
    except (KeyError, IndexError, TypeError):
        return None, None
    small = _small(org)
    if p in small or c in small:
        return None, None
    return p, c


def _matrix_ids(org) -> dict:
    from .views import matrix_ids

    relabel = suppressed_labels(org)
    return {relabel.get(i, label): i for label, i in matrix_ids(org).items()}

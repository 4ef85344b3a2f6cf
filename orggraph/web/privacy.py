"""Privacy mode of the web view (``orggraph serve --privacy``): no person's name leaves the
server, and no figure about a group smaller than the minimum group size.

:meth:`PrivacyMode.apply` turns an organization into what every page reads in privacy
mode (:func:`orggraph.privacy.private_org`): person ids and names become keyed pseudonyms
(:class:`orggraph.privacy.Pseudonymizer`, ``P-`` + 16 hex digits, the same as
``orggraph ingest --pseudonymize`` and the ``--pseudonymize`` option of every other
command give for the same key), manager ids too, columns beyond the documented ones (an
e-mail address, a personnel number) are dropped, and the roles, locations and levels of
the people of groups under ``k`` people are blank. The key is random for each server
start unless ``serve --privacy-key FILE`` names one: then the pseudonyms are stable
across restarts. The key stays in the server: never logged, never sent to a browser.

:meth:`PrivacyMode.analyze` is the analysis every page shows:
:func:`orggraph.privacy.suppress_analysis` of it (department and satisfaction rows of
small groups blank, findings about them left out and counted). The server analyses the
pseudonymized organization, never the original, so every finding's text, map label,
panel, grid, dropdown and download is made from pseudonyms.

Group-level numbers of departments under ``k`` people are suppressed
(:func:`orggraph.privacy.suppress_matrix`): :func:`suppressed_matrix` and
:func:`matrix_heatmap` blank those cells and label the department "suppressed"; the
department matrix page and the report's matrix call them. :func:`hidden_groups`,
:func:`private_elements` and :func:`private_panel` give the map (labels, side panel) the
same rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..privacy import (
    MIN_GROUP_SIZE,
    SUPPRESSED,
    PrivateOrganization,
    Pseudonymizer,
    group_sizes,
    is_private,
    new_key,
    private_org,
    small_groups,
    small_units,
    suppress_analysis,
)

__all__ = [
    "PrivacyMode",
    "PrivateOrganization",
    "private_org",
    "is_private",
    "hidden_groups",
    "private_panel",
    "private_elements",
    "suppressed_labels",
    "suppressed_matrix",
    "matrix_heatmap",
    "matrix_cell",
    "SUPPRESSED",
]

#: Hex digits of a pseudonym: the command line's (:class:`orggraph.privacy.Pseudonymizer`
#: default), so the same key gives the same pseudonym in the web view and in every file.
DIGITS = 16


@dataclass
class PrivacyMode:
    """What ``--privacy`` turns on: pseudonyms under ``key`` and the minimum group size ``k``.

    ``key``: the secret (``serve --privacy-key FILE``); random for each start when not given.
    It is kept out of ``repr`` so that it never reaches a log.
    """

    k: int = MIN_GROUP_SIZE
    key: bytes = field(default_factory=new_key, repr=False)

    def __post_init__(self):
        if isinstance(self.k, bool) or not isinstance(self.k, int) or self.k < 1:
            raise ValueError(f"the minimum group size must be a whole number >= 1, got {self.k!r}")
        self._pz = Pseudonymizer(self.key, digits=DIGITS)

    def apply(self, org) -> PrivateOrganization:
        return private_org(org, self._pz, k=self.k)

    def analyze(self, org, **kwargs):
        """The analysis of a private organization as the pages show it: suppressed."""
        from ..analysis import analyze

        return suppress_analysis(analyze(org, **kwargs), org, k=self.k)


def hidden_groups(org) -> set:
    """Ids of the group units whose figures a private organization never shows (each
    department under its minimum group size and every team inside one); empty for an
    organization that is not private (the web view without ``--privacy``)."""
    return small_units(org, k=org.min_group_size) if is_private(org) else set()


def _why(org) -> str:
    return f"{SUPPRESSED}: fewer than {org.min_group_size} people"


def private_elements(org, result: dict) -> dict:
    """Map elements (:func:`orggraph.web.views.map_elements`) without a small group's size.

    For a private organization, a node of a group under the minimum size is labelled
    "(suppressed)" instead of its headcount and drawn at the size of a group of exactly
    the minimum size; an edge with such a group at one end (a department link, or a
    person's handoffs with a collapsed department) loses its weight, closeness and count:
    a thin grey edge with the class ``suppressed``. Anything else, and any organization
    that is not private, is returned as it is.
    """
    hidden = hidden_groups(org)
    if not hidden:
        return result
    import math

    names = org.names
    why = _why(org)
    size = round(36 + 7 * math.sqrt(org.min_group_size), 1)
    for e in result.get("elements", []):
        d = e.get("data", {})
        if "source" in d:
            if d["source"] in hidden or d["target"] in hidden:
                d.update(width=1.0, colour="#BBBBBB", closeness=None, handoffs=None)
                e["classes"] = " ".join(
                    [c for c in e.get("classes", "").split() if c] + [SUPPRESSED]
                )
                if "tip" in d:
                    d["tip"] = {"s": SUPPRESSED, "p": [why], "x": []}
        elif d.get("id") in hidden:
            d["label"] = f"{names.get(d['id'], d['id'])} ({SUPPRESSED})"
            if "size" in d:
                d["size"] = size
            if "tip" in d:
                d["tip"] = {**d["tip"], "p": [why], "x": []}
    return result


def private_panel(org, panel: dict) -> dict:
    """The map's side panel (:func:`orggraph.web.views.node_panel`) of a private
    organization: for a group under the minimum size, no headcount, E-I index, flows or
    handoff list, but one line saying they are suppressed and why; for anyone, no role
    where the private organization has none. Other panels are returned as they are."""
    if not panel or not is_private(org):
        return panel
    if panel.get("id") in hidden_groups(org):
        why = _why(org)
        panel = {
            **panel,
            "metrics": [("headcount", None, why, why)],
            "inside": None,
            "flows_in": [],
            "flows_out": [],
            "handoffs_in": [],
            "handoffs_out": [],
            "suppressed": why,
            "role": "",
        }
    return panel


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

"""The Organization: validated tables and the graphs built from them, read-only.

Edges run from provider to internal customer. Two numbers ride on every edge:

``weight``
    How much flows: the sum over the pair's handoffs of deliveries per month x
    importance / 3 (see :func:`orggraph.schema.handoff_weight`). Use it for
    strength-based measures (in/out strength, mixing matrices, communities).
``distance``
    How long a step the edge is for path-based algorithms (betweenness,
    shortest paths): ``1 / closeness``, closeness being the weight-averaged
    closeness of the pair's handoffs (missing ratings count as 3). A close
    relationship is a short step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import networkx as nx
import numpy as np
import pandas as pd

from .build import validated
from .exceptions import OrgGraphError, Problem
from .raw import frames_to_raw
from .schema import DEFAULT_CLOSENESS, closeness_distance

__all__ = ["Organization"]


def _aggregate(handoffs: pd.DataFrame, src: str, dst: str) -> pd.DataFrame:
    h = handoffs.assign(
        _c=handoffs["closeness"].fillna(DEFAULT_CLOSENESS),
        _rated=handoffs["closeness"].notna(),
    )
    h["_cw"] = h["_c"] * h["weight"]
    h["_sw"] = h["satisfaction"] * h["weight"]
    h["_sww"] = h["weight"].where(h["satisfaction"].notna(), 0.0)
    g = h.groupby([src, dst], sort=False)
    agg = g.agg(
        weight=("weight", "sum"),
        handoffs=("weight", "size"),
        _cw=("_cw", "sum"),
        _sw=("_sw", "sum"),
        _sww=("_sww", "sum"),
        rated=("_rated", "sum"),
        importance=("importance", "max"),
        sla_days=("sla_days", "min"),
    ).reset_index()
    # Weighted means, so a daily handoff counts more than a yearly one.
    agg["closeness"] = agg["_cw"] / agg["weight"]
    agg["satisfaction"] = (agg["_sw"] / agg["_sww"]).where(agg["_sww"] > 0)
    agg["distance"] = closeness_distance(agg["closeness"].to_numpy())
    return agg.drop(columns=["_cw", "_sw", "_sww"])


@dataclass(frozen=True, eq=False)
class Organization:
    """An organization: units, handoffs and deliveries, validated, with its graphs.

    Build one with :func:`orggraph.load` (from files),
    :meth:`Organization.from_tables` (from DataFrames) or
    :meth:`Organization.from_raw` (from any reader's raw tables). The tables returned by
    the properties are copies on write: changing them never changes the
    organization.

    Examples
    --------
    >>> import pandas as pd
    >>> units = pd.DataFrame({"id": ["ops", "sales", "cust"],
    ...     "name": ["Operations", "Sales", "Customer"],
    ...     "kind": ["department", "department", "external"], "parent": ["", "", ""]})
    >>> handoffs = pd.DataFrame({"provider": ["sales", "ops"], "customer": ["ops", "cust"],
    ...     "deliverable": ["order", "shipment"], "closeness": [2, 4],
    ...     "frequency": ["daily", "weekly"]})
    >>> org = Organization.from_tables(units, handoffs)
    >>> org.graph.edges["sales", "ops"]["distance"]
    0.5
    >>> org.department_of("ops")
    'ops'
    """

    _units: pd.DataFrame
    _handoffs: pd.DataFrame
    _deliveries: pd.DataFrame
    name: str = "organization"
    warnings: tuple[Problem, ...] = field(default=())

    # ------------------------------------------------------------ constructors
    @classmethod
    def from_raw(
        cls,
        raw_tables,
        problems=(),
        *,
        name="organization",
        limits=None,
        rating_scale=None,
    ):
        """Build from what any reader returns: raw tables and located problems.

        The one way in for every format: :func:`orggraph.build.validated`
        checks the tables (and maps declared rating scales onto 1-5), then
        the organization is built from the validated tables.

        Raises
        ------
        ValidationError
            Listing every problem, located by file, row and column.
        """
        tables, warnings = validated(raw_tables, problems, limits=limits, rating_scale=rating_scale)
        return cls._build(tables, name=name, warnings=warnings)

    @classmethod
    def from_tables(
        cls, units, handoffs, deliveries=None, *, name="organization", rating_scale=None
    ):
        """Validate DataFrames (as a user would write them) and build the organization.

        ``rating_scale`` as :meth:`from_raw`: e.g. ``"1-7"`` when the ratings
        were collected on 1-7.

        Raises
        ------
        ValidationError
            Listing every problem, located by table, row (1-based, as in a
            spreadsheet with a header row) and column.
        """
        raw = frames_to_raw(units=units, handoffs=handoffs, deliveries=deliveries)
        return cls.from_raw(raw, name=name, rating_scale=rating_scale)

    @classmethod
    def _build(cls, tables, *, name, warnings=()):
        """From tables already validated (analyses that rewire a valid organization)."""
        return cls(
            tables["units"],
            tables["handoffs"],
            tables["deliveries"],
            name=name,
            warnings=tuple(warnings),
        )

    # ------------------------------------------------------------------ tables
    @property
    def units(self) -> pd.DataFrame:
        """One row per unit, with the derived ``department`` (top-level department) column."""
        return self._units.copy(deep=False)

    @property
    def handoffs(self) -> pd.DataFrame:
        """One row per handoff, with derived ``per_month``, ``weight`` and ``distance``."""
        return self._handoffs.copy(deep=False)

    @property
    def deliveries(self) -> pd.DataFrame:
        """One row per observed delivery, with ``lead_days`` (NaN while open)."""
        return self._deliveries.copy(deep=False)

    @cached_property
    def _dept(self) -> dict[str, str]:
        return dict(zip(self._units["id"], self._units["department"], strict=False))

    @cached_property
    def _kind(self) -> dict[str, str]:
        return dict(zip(self._units["id"], self._units["kind"], strict=False))

    def department_of(self, unit: str) -> str:
        """Id of the top-level department a unit belongs to (an external unit is its own)."""
        try:
            return self._dept[unit]
        except KeyError:
            raise OrgGraphError(f"no unit with id {unit!r}") from None

    def kind_of(self, unit: str) -> str:
        return self._kind[unit]

    @cached_property
    def external(self) -> tuple[str, ...]:
        """Ids of the external customer unit(s)."""
        return tuple(u for u, k in self._kind.items() if k == "external")

    @cached_property
    def departments(self) -> tuple[str, ...]:
        """Ids of the top-level departments, in file order."""
        u = self._units
        return tuple(u["id"][(u["kind"] == "department") & (u["parent"] == "")])

    # ------------------------------------------------------------------ graphs
    @cached_property
    def graph(self) -> nx.DiGraph:
        """Unit-level DiGraph, provider -> customer, frozen.

        Nodes carry the unit's columns (``name``, ``kind``, ``department``, ...).
        Edges merge the pair's handoffs: ``weight`` (sum), ``closeness``
        (weight-averaged), ``distance`` (1/closeness), ``handoffs`` (count),
        ``satisfaction`` (weight-averaged), ``importance`` (max), ``sla_days`` (min).
        """
        g = nx.DiGraph(name=self.name)
        attrs = self._units.drop(columns=["id"]).to_dict("records")
        g.add_nodes_from(zip(self._units["id"], attrs, strict=False))
        agg = self.unit_edges
        g.add_edges_from((d.pop("provider"), d.pop("customer"), d) for d in agg.to_dict("records"))
        return nx.freeze(g)

    @cached_property
    def unit_edges(self) -> pd.DataFrame:
        """The edges of :attr:`graph` as a table, in the order ``graph.edges`` lists them.

        One row per provider -> customer pair, with the merged columns of
        :attr:`graph` (``weight``, ``handoffs``, ``closeness``, ``distance``,
        ``satisfaction``, ``importance``, ``sla_days``, ``rated``). The
        analyses build their graphs from it: a million people's networkx
        graph takes minutes and gigabytes.
        """
        agg = _aggregate(self._handoffs, "provider", "customer")
        # networkx lists edges provider by provider in unit order, each provider's
        # customers in the order they were added: a stable sort gives the same.
        first = pd.Series(np.arange(len(self._units)), index=self._units["id"])
        order = np.argsort(first.reindex(agg["provider"]).to_numpy(), kind="stable")
        return agg.iloc[order].reset_index(drop=True)

    @cached_property
    def department_graph(self) -> nx.DiGraph:
        """Top-level departments (and external units) with handoffs between them, frozen.

        Handoffs inside one department do not become edges; their weight is
        kept on the node as ``internal_weight``. Nodes also carry ``headcount``.
        """
        h = self._handoffs.assign(
            pdept=self._handoffs["provider"].map(self._dept),
            cdept=self._handoffs["customer"].map(self._dept),
        )
        inside = h[h["pdept"] == h["cdept"]]
        across = h[h["pdept"] != h["cdept"]]
        internal = inside.groupby("pdept")["weight"].sum()
        u = self._units
        heads = u[u["kind"] == "person"].groupby("department").size()
        g = nx.DiGraph(name=self.name)
        tops = u[u["id"] == u["department"]]
        for row in tops.itertuples(index=False):
            g.add_node(
                row.id,
                name=row.name,
                kind=row.kind,
                headcount=int(heads.get(row.id, 0)),
                internal_weight=float(internal.get(row.id, 0.0)),
            )
        agg = _aggregate(across, "pdept", "cdept")
        g.add_edges_from((d.pop("pdept"), d.pop("cdept"), d) for d in agg.to_dict("records"))
        return nx.freeze(g)

    @cached_property
    def names(self) -> dict[str, str]:
        """Unit id -> display name."""
        return dict(zip(self._units["id"], self._units["name"], strict=False))

    @cached_property
    def index(self) -> dict[str, int]:
        """Unit id -> vertex index in :meth:`igraph` (the order of ``units``)."""
        return {u: i for i, u in enumerate(self._units["id"])}

    @cached_property
    def ids(self) -> tuple[str, ...]:
        """Vertex index -> unit id; the inverse of :attr:`index`."""
        return tuple(self._units["id"])

    @cached_property
    def _igraph(self):
        import igraph as ig  # deliberate lazy load: igraph alone doubles the start-up time

        g = self.graph
        idx = self.index
        edges = [(idx[a], idx[b]) for a, b in g.edges()]
        ig_g = ig.Graph(n=len(idx), edges=edges, directed=True)
        ig_g.vs["name"] = self.ids
        for attr in ("weight", "distance", "closeness"):
            ig_g.es[attr] = [d[attr] for _, _, d in g.edges(data=True)]
        return ig_g

    def igraph(self):
        """The unit-level graph as an ``igraph.Graph`` (built once, then reused).

        Vertex ``i`` is unit ``org.ids[i]``; edges carry ``weight``,
        ``distance`` and ``closeness``. Treat it as read-only.
        """
        return self._igraph

    def __repr__(self) -> str:
        return (
            f"<Organization {self.name!r}: {len(self._units)} units, "
            f"{len(self._handoffs)} handoffs, {len(self._deliveries)} deliveries>"
        )

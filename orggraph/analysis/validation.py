"""Checks that the finding rules hold: real networks, null models, planted structure.

Used by ``bench/validate_findings.py`` (the full protocol, written to
docs/validation.md) and by the test suite (a smaller run). Everything here
is seeded.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from ..model import Organization
from . import bottlenecks, silos
from .findings import Thresholds, rank

__all__ = [
    "rewired",
    "shuffled",
    "silo_findings",
    "bottleneck_findings",
    "organization_of",
    "planted",
    "Light",
]


@dataclass(frozen=True)
class Light:
    """The part of an :class:`~orggraph.analysis.Analysis` the silo and bottleneck finders read."""

    tables: MappingProxyType
    communities: dict


def rewired(org, *, seed: int = 0, swaps: int = 10) -> Organization:
    """A degree-preserving null model: handoffs between people rewired, departments kept.

    The person-to-person edges of the unit graph get ``swaps`` x (number of
    edges) double-edge swaps (igraph's ``rewire``, simple graphs): every
    person keeps their number of providers and customers, handoff rows
    travel with their edge (weights, closeness), handoffs to or from
    anything else are left alone. The rows were validated once and swapping
    ends keeps them valid, so the result is built without validating again.
    Deliveries are dropped (they belong to the old pairs).
    """
    import random

    import igraph as ig
    import numpy as np
    import pandas as pd

    h = org.handoffs
    people = set(org.units.loc[org.units["kind"] == "person", "id"])
    inner = h["provider"].isin(people) & h["customer"].isin(people)
    pairs = h.loc[inner, ["provider", "customer"]].drop_duplicates()
    ids = pd.Index(sorted(set(pairs["provider"]) | set(pairs["customer"])))
    src, dst = ids.get_indexer(pairs["provider"]), ids.get_indexer(pairs["customer"])
    g = ig.Graph(n=len(ids), edges=list(zip(src, dst, strict=False)), directed=True)
    random.seed(seed)
    ig.set_random_number_generator(random)
    g.rewire(n=swaps * g.ecount(), allowed_edge_types="simple")
    el = np.array(g.get_edgelist(), dtype=np.int64).reshape(-1, 2)
    moved = dict(
        zip(
            zip(pairs["provider"], pairs["customer"], strict=False),
            zip(ids[el[:, 0]], ids[el[:, 1]], strict=False),
            strict=False,
        )
    )
    old = zip(h.loc[inner, "provider"], h.loc[inner, "customer"], strict=False)
    new = [moved[k] for k in old]
    h = h.copy()
    h.loc[inner, "provider"] = [a for a, _ in new]
    h.loc[inner, "customer"] = [b for _, b in new]
    tables = {"units": org.units, "handoffs": h, "deliveries": org.deliveries.iloc[0:0]}
    return Organization._build(tables, name=f"{org.name} rewired {seed}")


def shuffled(org, *, seed: int = 0) -> Organization:
    """A label null model: people dealt at random to the teams and departments, handoffs kept."""
    import numpy as np

    rng = np.random.default_rng(seed)
    units = org.units.copy()
    people = (units["kind"] == "person").to_numpy()
    parent = rng.permutation(units.loc[people, "parent"].to_numpy())
    units.loc[people, "parent"] = parent
    units.loc[people, "department"] = [org.department_of(p) for p in parent]
    units.loc[people, "manager"] = ""
    tables = {"units": units, "handoffs": org.handoffs, "deliveries": org.deliveries}
    return Organization._build(tables, name=f"{org.name} shuffled {seed}")


def organization_of(tables: dict, name="organization") -> Organization:
    return Organization.from_tables(
        tables["units"], tables["handoffs"], tables.get("deliveries"), name=name
    )


def silo_findings(org, *, thresholds=None, seed=0, permutations=199) -> list:
    """The silo and blocks findings :func:`~orggraph.analysis.analyze` would report."""
    t = thresholds or Thresholds()
    ei = silos.ei_index(
        org,
        permutations=permutations,
        seed=seed,
        min_group=t.min_group_size,
        min_peers=t.silo_min_peers,
    )
    light = Light(MappingProxyType({"ei_index": ei}), {})
    return list(rank(silos.find(org, light, t), t, ("silo", "blocks")).findings)


def bottleneck_findings(org, *, thresholds=None, seed=0, fast="auto") -> list:
    """The bottleneck findings :func:`~orggraph.analysis.analyze` would report.

    Shortest paths are exact or estimated as ``analyze`` would plan them
    (:func:`~orggraph.analysis.plan_paths`), with the same sample.
    """
    from . import plan_paths
    from .paths import estimate, exact

    t = thresholds or Thresholds()
    sample, _ = plan_paths(org, fast=fast)
    if sample is None:
        p = exact(org)
    else:
        p = estimate(org, sources=sample, seed=seed, max_sources=sample)
    c = bottlenecks.centrality(org, paths=p, seed=seed)
    links = bottlenecks.sole_links(
        org, min_group=t.min_group_size, min_ties=t.sole_link_min_ties, min_share=t.sole_link_share
    )
    risk = bottlenecks.key_person_risk(
        org,
        seed=seed,
        centrality_table=c,
        top=t.key_person_candidates,
        exact_limit=t.key_person_exact_limit,
        sample=t.key_person_sample,
        extra=links["person"].tolist(),
    )
    light = Light(
        MappingProxyType({"centrality": c, "sole_links": links, "key_person_risk": risk}), {}
    )
    return list(rank(bottlenecks.find(org, light, t), t, ("bottleneck",)).findings)


def planted(people: int, seed: int) -> tuple:
    """A synthetic organization with one planted silo and one planted bottleneck.

    The silo is the third-largest department, 10% of its crossing handoffs
    kept; the bottleneck is one person of the largest department through
    whom every handoff between the two largest departments is rerouted.
    Returns ``(organization, silo department id, bottleneck person id)``.
    """
    from ..synthetic import generate, plant_bottleneck, plant_silo

    t = generate(people, seed=100 + seed)
    units = t["units"]
    parent = dict(zip(units["id"], units["parent"], strict=False))
    sizes = units.loc[units["kind"] == "person", "parent"].map(parent).value_counts()
    a, b, silo = sizes.index[:3].tolist()
    t = plant_silo(t, silo, keep=0.1, seed=seed)
    t, person = plant_bottleneck(t, a, b, seed=seed)
    return organization_of(t, name=f"planted {people}"), silo, person

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


def bottleneck_findings(org, *, thresholds=None, seed=0) -> list:
    """The bottleneck findings :func:`~orggraph.analysis.analyze` would report."""
    t = thresholds or Thresholds()
    c = bottlenecks.centrality(org, seed=seed)
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

"""Analyses: metric tables (pure functions of an Organization) and ranked findings.

Where to look:

- ``silos.py``: department mixing matrices, E-I index with permutation test,
  communities (Leiden/Louvain) against the formal departments;
- ``bottlenecks.py``: betweenness, strength, partners, Burt's constraint and
  effective size, Gould & Fernandez brokerage, key-person (removal) risk;
- ``handoffs.py``: edge betweenness, bridges, the way to the customer, SLA
  breach rates and the criticality score;
- ``capability.py``: lead-time capability against internal SLAs, the value
  stream into the external customer and its simulated promise, alignment
  gaps, internal customer satisfaction;
- ``findings.py``: the Finding record and the thresholds.

Every finder in :data:`FINDERS` has the same signature
``find(org, *, thresholds, seed, tables) -> list[Finding]`` and shares the
``tables`` dict so that no table is computed twice.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from . import bottlenecks, capability, handoffs, silos
from .findings import SEVERITIES, Finding, Thresholds, load_thresholds

__all__ = [
    "FINDERS",
    "analyze",
    "Analysis",
    "Finding",
    "Thresholds",
    "load_thresholds",
    "SEVERITIES",
]

#: topic -> finder. New finders register here and join the contract test.
FINDERS = {
    "silos": silos.find,
    "bottlenecks": bottlenecks.find,
    "handoffs": handoffs.find,
    "sla": capability.find,
}
#: finding kind -> the topic whose finder produces it.
KINDS = {
    "silo": "silos",
    "bottleneck": "bottlenecks",
    "critical_handoff": "handoffs",
    "target_not_capable": "sla",
    "promise_at_risk": "sla",
    "alignment_gap": "sla",
    "low_internal_satisfaction": "sla",
}

#: Above this many units with handoffs, ``fast="auto"`` samples betweenness.
FAST_ABOVE = 5000
#: Source sample for the fast mode.
FAST_SOURCES = 1000
#: Permutations of the E-I test in the fast mode.
FAST_PERMUTATIONS = 499


@dataclass
class Analysis:
    """The result of :func:`analyze`: ranked findings, the tables behind them, timings."""

    organization: str
    findings: list[Finding]
    tables: dict = field(repr=False)
    communities: dict = field(repr=False)
    timings: dict
    estimates: dict
    thresholds: Thresholds
    seed: int


def analyze(org, *, thresholds=None, seed=0, fast="auto", sources=None, progress=None) -> Analysis:
    """Run every analysis and return the ranked findings with their tables.

    Parameters
    ----------
    org : Organization
    thresholds : Thresholds, optional
        Defaults from :class:`Thresholds`.
    seed : int
        Seeds the permutation test, communities and any sampling.
    fast : bool or "auto"
        Estimate betweenness from sampled sources (see
        :func:`bottlenecks.centrality`); "auto" does so above
        :data:`FAST_ABOVE` units with handoffs.
    sources : int, optional
        Source sample size of the fast mode (default :data:`FAST_SOURCES`).
    progress : callable, optional
        Called as ``progress(step_name)`` before each step.
    """
    t = thresholds or Thresholds()
    n_active = sum(1 for u in org.graph if org.graph.degree(u) > 0)
    sample = None
    if fast is True or (fast == "auto" and n_active > FAST_ABOVE):
        sample = min(sources or FAST_SOURCES, n_active)
    tables: dict = {}
    timings: dict = {}

    def step(name, fn):
        if progress:
            progress(name)
        start = time.perf_counter()
        result = fn()
        timings[name] = time.perf_counter() - start
        return result

    # The fast mode trades resolution for time where it hardly matters: p-values from
    # FAST_PERMUTATIONS shuffles (smallest 0.002), removal impact for the top 3 from
    # 200 sampled sources.
    permutations = min(t.permutations, FAST_PERMUTATIONS) if sample else t.permutations
    tables["ei_index"] = step(
        "E-I index", lambda: silos.ei_index(org, permutations=permutations, seed=seed)
    )
    tables["mixing_weight"] = step("mixing", lambda: silos.mixing_matrix(org, value="weight"))
    tables["mixing_closeness"] = silos.mixing_matrix(org, value="closeness")
    comm = step("communities", lambda: silos.communities(org, seed=seed))
    tables["centrality"] = step(
        "centrality", lambda: bottlenecks.centrality(org, sample=sample, seed=seed)
    )
    tables["key_person_risk"] = step(
        "key-person risk",
        lambda: bottlenecks.key_person_risk(
            org,
            seed=seed,
            centrality_table=tables["centrality"],
            top=3 if sample else 10,
            sample=200 if sample else 300,
        ),
    )
    tables["handoff_criticality"] = step(
        "handoff criticality",
        lambda: handoffs.handoff_criticality(org, sample=sample, seed=seed),
    )
    tables["capability"] = step(
        "capability", lambda: capability.capability(org, min_deliveries=t.min_deliveries)
    )
    tables["internal_satisfaction"] = capability.internal_satisfaction(org, min_raters=t.min_raters)
    tables["alignment_gaps"] = capability.alignment_gaps(org, gap=t.alignment_gap)
    found: list[Finding] = []
    for kind, finder in FINDERS.items():
        found += step(
            f"{kind} findings",
            lambda finder=finder: finder(org, thresholds=t, seed=seed, tables=tables),
        )
    found.sort(key=lambda f: (-f.score, f.kind, f.subjects))
    estimates = {}
    info = tables["centrality"].attrs.get("betweenness", {})
    if "sources" in info:
        estimates["betweenness"] = info
    return Analysis(org.name, found, tables, comm, timings, estimates, t, seed)

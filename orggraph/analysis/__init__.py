"""Analyses: metric tables (pure functions of an Organization) and ranked findings.

Where to look:

- ``silos.py``: department mixing, E-I index, Coleman homophily against
  random mixing and against peer departments, assortativity, communities
  (Leiden/Louvain) against the formal departments;
- ``bottlenecks.py``: betweenness and its outliers, strength, partners,
  Burt's constraint and effective size, Gould & Fernandez brokerage, sole
  links between departments, key-person (removal) risk;
- ``handoffs.py``: edge betweenness and its outliers, bridges, SLA breach
  rates and the criticality ratio;
- ``capability.py``: lead-time capability against internal SLAs, the value
  stream into the external customer and its simulated promise, alignment
  gaps, internal customer satisfaction;
- ``findings.py``: the Finding record, the thresholds and :func:`rank`, the
  one place where lines, severity and limits apply.

:func:`analyze` computes every table once into a frozen :class:`Analysis`;
every finder in :data:`FINDERS` is a pure function
``find(org, result, thresholds) -> list[Finding]`` of those tables.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from . import bottlenecks, capability, handoffs, paths, silos
from ._graph import active_graph
from .findings import SEVERITIES, Finding, Thresholds, load_thresholds, rank

__all__ = [
    "FINDERS",
    "choose_paths",
    "default_sources",
    "plan_paths",
    "KINDS",
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
    "blocks": "silos",
    "bottleneck": "bottlenecks",
    "critical_handoff": "handoffs",
    "target_not_capable": "sla",
    "promise_at_risk": "sla",
    "alignment_gap": "sla",
    "low_internal_satisfaction": "sla",
}

#: Seconds of shortest paths the default analysis plans for, forecast for a machine
#: of REFERENCE_CORES cores (the benchmark's): exact when the whole pass fits (up to
#: about 40,000 people), else as many sampled units as fit (about 7,900 at 100,000
#: people, where two seeds share 8-10 of their top 10; docs/benchmarks.md). A fixed
#: reference, not this machine's cores: the same input gives the same figures
#: everywhere.
PATH_SECONDS = 110
REFERENCE_CORES = 2
#: Units drawn by the fast mode (each searched forward and backward), and the
#: fewest any estimate draws.
FAST_SOURCES = 1000
#: Permutations of the department-label test in the fast mode.
FAST_PERMUTATIONS = 499


@dataclass(frozen=True)
class Analysis:
    """The result of :func:`analyze`, computed once and read-only.

    Attributes
    ----------
    findings : tuple of Finding
        Past their line, ranked by score, at most ``max_per_kind`` per kind.
    near_misses : tuple of Finding
        For each kind without a finding, the candidate that came closest.
    totals : dict
        kind -> ``{"found": crossed the line, "shown": kept}``.
    tables : mapping
        Name -> the table behind the findings (read-only mapping).
    """

    organization: str
    findings: tuple
    tables: MappingProxyType = field(repr=False)
    communities: dict = field(repr=False)
    timings: dict
    estimates: dict
    thresholds: Thresholds
    seed: int
    near_misses: tuple = ()
    totals: dict = field(default_factory=dict)


def _timed(fn, *args):
    start = time.perf_counter()
    return fn(*args), time.perf_counter() - start


def choose_paths(org, *, fast="auto", time_budget=None, threads=None) -> tuple[bool, str]:
    """Exact or estimated shortest paths, and why: ``(estimate, reason)``.

    ``fast`` True or False decides. With "auto": if ``time_budget`` (seconds
    for the whole analysis) is given, exact when the forecast time of the
    exact pass (:func:`paths.predict_exact_seconds`) on this machine's cores
    fits in half of it; without a budget, exact when it fits in
    :data:`PATH_SECONDS` on :data:`REFERENCE_CORES` cores.
    """
    import os

    if fast is True:
        return True, "estimated: asked for (--fast)"
    if fast is False:
        return False, "exact: asked for (--exact)"
    if time_budget is not None:
        cores = threads or os.cpu_count() or 1
        forecast = paths.predict_exact_seconds(org, threads=cores)
        if forecast <= time_budget / 2:
            return False, (
                f"exact: forecast {forecast:.0f} s on {cores} cores fits half of the "
                f"{time_budget:g} s budget"
            )
        return True, (
            f"estimated: the exact pass would take about {forecast:.0f} s on {cores} cores, "
            f"more than half of the {time_budget:g} s budget"
        )
    n_active = active_graph(org)[0].vcount()
    forecast = paths.predict_exact_seconds(org, threads=REFERENCE_CORES)
    if forecast <= PATH_SECONDS:
        return False, (
            f"exact: {n_active:,} units with handoffs, forecast {forecast:.0f} s on "
            f"{REFERENCE_CORES} cores, within {PATH_SECONDS} s"
        )
    return True, (
        f"estimated: {n_active:,} units with handoffs, the exact pass would take about "
        f"{forecast:.0f} s on {REFERENCE_CORES} cores, more than {PATH_SECONDS} s "
        "(--exact or --time-budget to change)"
    )


def default_sources(org) -> int:
    """Units the default estimate draws: as many as :data:`PATH_SECONDS` allow on
    :data:`REFERENCE_CORES` cores, at least :data:`FAST_SOURCES`, at most all.

    Fixed by the graph's size, not by this machine's speed: the same input and
    seed give the same estimate everywhere.
    """
    n_active = active_graph(org)[0].vcount()
    fit = paths.sources_within(org, PATH_SECONDS, threads=REFERENCE_CORES)
    return min(n_active, max(FAST_SOURCES, fit))


def plan_paths(org, *, fast="auto", sources=None, time_budget=None) -> tuple[int | None, str]:
    """``(sample, reason)``: the units :func:`paths.estimate` is asked for, or None for
    the exact pass, and the choice in words (what :func:`analyze` prints).

    :func:`choose_paths` decides; unless ``sources`` says otherwise the
    estimate draws :data:`FAST_SOURCES` with ``fast=True`` or a time budget,
    else :func:`default_sources`. A sample that would draw every unit (whole
    batches count) is the exact pass, and is called so.
    """
    estimated, reason = choose_paths(org, fast=fast, time_budget=time_budget)
    if not estimated:
        return None, reason
    n_active = active_graph(org)[0].vcount()
    if sources is None:
        quick = fast is True or time_budget is not None
        sources = FAST_SOURCES if quick else default_sources(org)
    sample = min(sources, n_active)
    if max(sample, paths.drawn(sample)) >= n_active:
        asked = max(sources, paths.drawn(sample))
        return None, (
            f"exact: {asked:,} units to sample, at least as many as there are ({n_active:,})"
        )
    if time_budget is None:
        reason += f"; {paths.drawn(sample):,} units sampled"
    return sample, reason


def analyze(
    org,
    *,
    thresholds=None,
    seed=0,
    fast="auto",
    sources=None,
    time_budget=None,
    progress=None,
) -> Analysis:
    """Run every analysis once and return the ranked findings with their tables.

    Parameters
    ----------
    org : Organization
    thresholds : Thresholds, optional
        Defaults from :class:`Thresholds`.
    seed : int
        Seeds the permutation test, communities and any sampling.
    fast : bool or "auto"
        Estimate betweenness from sampled sources (see
        :func:`bottlenecks.centrality`); "auto" does so when the exact pass
        would not fit (see :func:`choose_paths`).
    sources : int, optional
        Units drawn for the estimate: by default :func:`default_sources`
        ("auto"), :data:`FAST_SOURCES` with ``fast=True`` or a time budget;
        with a time budget more are drawn until the top 10 are separated or
        half the budget is spent (see :func:`paths.estimate`).
    time_budget : float, optional
        Seconds for the whole analysis: decides exact or estimated with
        ``fast="auto"`` (see :func:`choose_paths`) and bounds the sampling.
    progress : callable, optional
        Called as ``progress(step_name)`` before each step.
    """
    t = thresholds or Thresholds()
    started = time.perf_counter()
    sample, reason = plan_paths(org, fast=fast, sources=sources, time_budget=time_budget)
    n_active = active_graph(org)[0].vcount()
    if progress:
        progress(reason)
    tables: dict = {}
    timings: dict = {}

    def step(name, fn):
        if progress:
            progress(name)
        start = time.perf_counter()
        result = fn()
        timings[name] = time.perf_counter() - start
        return result

    # Shortest paths run on every core in the compiled kernel, which frees the
    # interpreter while it works: the steps that need none run meanwhile.
    def shortest_paths():
        if sample is None:
            return paths.exact(org, progress=progress)
        return paths.estimate(
            org,
            sources=sample,
            seed=seed,
            progress=progress,
            # Without a budget, the first sample; with one, more while the top
            # is not separated and half the budget is not spent.
            max_sources=None if time_budget is not None else sample,
            time_budget=None
            if time_budget is None
            else max(0.0, time_budget / 2 - (time.perf_counter() - started)),
        )

    background = None
    if n_active > paths.SMALL:
        active_graph(org)  # built once, here, not by two threads at a time
        pool = ThreadPoolExecutor(1, thread_name_prefix="orggraph-paths")
        background = pool.submit(_timed, shortest_paths)
        pool.shutdown(wait=False)
        if progress:
            progress("shortest paths (in the background)")
    # The fast mode trades resolution for time where it hardly matters: the
    # permutation test's z-scores from FAST_PERMUTATIONS shuffles. Removal impact
    # keeps its candidates: with fewer, a key person found exactly went missing.
    permutations = min(t.permutations, FAST_PERMUTATIONS) if sample else t.permutations
    tables["ei_index"] = step(
        "E-I index",
        lambda: silos.ei_index(
            org,
            permutations=permutations,
            seed=seed,
            min_group=t.min_group_size,
            min_peers=t.silo_min_peers,
        ),
    )
    tables["mixing_weight"] = step("mixing", lambda: silos.mixing_matrix(org, value="weight"))
    tables["mixing_closeness"] = silos.mixing_matrix(org, value="closeness")
    comm = step("communities", lambda: silos.communities(org, seed=seed, progress=progress))
    tables["sole_links"] = step(
        "sole links",
        lambda: bottlenecks.sole_links(
            org,
            min_group=t.min_group_size,
            min_ties=t.sole_link_min_ties,
            min_share=t.sole_link_share,
        ),
    )
    tables["capability"] = step(
        "capability", lambda: capability.capability(org, min_deliveries=t.min_deliveries)
    )
    tables["internal_satisfaction"] = capability.internal_satisfaction(
        org, min_raters=t.min_raters, line=t.satisfaction_min
    )
    tables["alignment_gaps"] = capability.alignment_gaps(org, gap=t.alignment_gap)
    tables["promises"] = step(
        "promise simulation",
        lambda: capability.promises(
            org, min_deliveries=t.min_deliveries, runs=t.simulation_runs, seed=seed
        ),
    )
    holes = structure = reach = None
    if background is not None:
        # Path-free parts of the centrality table, while the paths are still running.
        holes = step(
            "structural holes",
            lambda: bottlenecks.structural_holes(org).join(bottlenecks.brokerage(org)),
        )
        structure = step("handoff structure", lambda: handoffs.handoff_structure(org))
        reach = step(
            "removal impact",
            lambda: bottlenecks.Reach(
                org, exact_limit=t.key_person_exact_limit, sample=t.key_person_sample, seed=seed
            ),
        )
        if progress:
            progress("shortest paths: waiting for them")
        shortest, timings["shortest paths"] = background.result()
    else:
        shortest = step("shortest paths", shortest_paths)
    tables["centrality"] = step(
        "centrality", lambda: bottlenecks.centrality(org, paths=shortest, seed=seed, holes=holes)
    )
    tables["key_person_risk"] = step(
        "key-person risk",
        lambda: bottlenecks.key_person_risk(
            org,
            seed=seed,
            centrality_table=tables["centrality"],
            top=t.key_person_candidates,
            exact_limit=t.key_person_exact_limit,
            sample=t.key_person_sample,
            extra=tables["sole_links"]["person"].tolist(),
            reach=reach,
        ),
    )
    tables["handoff_criticality"] = step(
        "handoff criticality",
        lambda: handoffs.handoff_criticality(
            org, paths=shortest, thresholds=t, structure=structure
        ),
    )
    estimates = {"choice": reason}
    info = tables["centrality"].attrs.get("betweenness", {})
    if "sources" in info:
        estimates["betweenness"] = info
    result = Analysis(org.name, (), MappingProxyType(tables), comm, timings, estimates, t, seed)
    candidates: list[Finding] = []
    for topic, finder in FINDERS.items():
        candidates += step(f"{topic} findings", lambda finder=finder: finder(org, result, t))
    ranked = rank(candidates, t, KINDS)
    return replace(
        result, findings=ranked.findings, near_misses=ranked.near_misses, totals=ranked.totals
    )

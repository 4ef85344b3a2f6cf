"""Findings: ranked, explained answers built from the metric tables.

A :class:`Finding` is what a consultant puts in front of a client: what was
found (``kind``), how bad (``severity`` and the ``score`` it is ranked by),
who or what it is about (``subjects``, unit ids), one plain sentence, the
numbers behind it and a suggested action from internal-customer practice.
Thresholds live in :class:`Thresholds`, with named defaults that a TOML file
or command-line options can change.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

from ..exceptions import OrgGraphError

__all__ = ["Finding", "Thresholds", "load_thresholds", "severity_of", "SEVERITIES", "ACTIONS"]

SEVERITIES = ("high", "medium", "low")

#: Suggested actions, drawn from internal-customer practice.
ACTIONS = {
    "forum": "Create a cross-functional forum (a standing monthly review with {partners}) so "
    "work and problems cross the department boundary on purpose.",
    "backup": "Cross-train a backup for {who} and write down the handoffs that run through "
    "them; share the routine work so no single absence stops the flow.",
    "unit_backup": "Map {who}'s part of the flow at person level: find who really does each "
    "handoff, make sure more than one person can do it, and give the units that "
    "depend on {who} a second route.",
    "gatekeeper": "Open more doors: name a second contact in {dept} for the departments it "
    "serves, so its work does not queue behind {who}.",
    "sla": "Agree an internal SLA for this handoff with both sides, set the target from a "
    "capability study of the observed lead times, and review breaches monthly.",
    "definition": "Clarify the operational definition of the deliverable (what 'done' means, "
    "what it must contain) with the internal customer, and set up a feedback "
    "loop on every miss.",
    "capability": "Set the target from the capability study: agree {days:.0f} days (met 90% of "
    "the time today) or remove the causes of the long lead times first; review "
    "the lead-time chart monthly with the internal customer.",
    "promise": "Stop promising what the process cannot keep: promise {days:.0f} days (kept 90% of "
    "the time), and shorten '{step}' first, the step that causes the most lateness.",
    "alignment": "Sit both sides down on this deliverable: agree what closeness and contact the "
    "work needs, clarify its operational definition and set up a feedback loop.",
    "feedback": "Set up a feedback loop between {dept} and its internal customers: ask what "
    "they need, agree operational definitions and internal SLAs, and re-survey in "
    "a quarter.",
    "interface": "Bring {a} and {b} together: walk the handoffs end to end, clarify each "
    "deliverable's operational definition, agree internal SLAs and hold a short "
    "weekly joint review.",
}


@dataclass(frozen=True)
class Finding:
    """One ranked, explained finding.

    Attributes
    ----------
    kind : str
        ``silo``, ``bottleneck``, ``critical_handoff`` (open to more).
    severity : {"high", "medium", "low"}
    score : float
        In [0, 1]; findings are ranked by it. Each kind documents its score.
    subjects : tuple of str
        Unit ids the finding is about (a handoff: provider, customer).
    summary : str
        One sentence in plain business language.
    evidence : dict
        The numbers behind it (name -> number or text).
    action : str
        A suggested action.
    """

    kind: str
    severity: str
    score: float
    subjects: tuple[str, ...]
    summary: str
    evidence: dict = field(default_factory=dict)
    action: str = ""

    def __post_init__(self):
        # NaN never equals itself; missing numbers are None so findings compare and
        # serialize cleanly.
        object.__setattr__(self, "evidence", {k: _plain(v) for k, v in self.evidence.items()})
        object.__setattr__(self, "score", float(self.score))
        object.__setattr__(self, "subjects", tuple(self.subjects))

    def to_dict(self) -> dict:
        d = asdict(self)
        d["subjects"] = list(self.subjects)
        d["evidence"] = {k: _plain(v) for k, v in self.evidence.items()}
        return d


def _plain(v):
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, float):
        return None if math.isnan(v) else round(v, 6)
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    return v


@dataclass(frozen=True)
class Thresholds:
    """When a number becomes a finding. Every field can be set in TOML or by option."""

    #: A department whose E-I index (tie counts) is at or below this is a silo candidate.
    silo_ei_max: float = -0.6
    #: ... and only when the permutation test says it is unlikely by chance.
    silo_p_max: float = 0.05
    #: Permutations for the E-I test.
    permutations: int = 999
    #: Normalized betweenness at which a person counts as a bottleneck.
    bottleneck_betweenness: float = 0.10
    #: Share of dependencies lost on removal at which a person is a key-person risk.
    key_person_dependencies: float = 0.05
    #: A department's busiest person carrying this share of its crossing ties is a gatekeeper.
    gatekeeper_share: float = 0.6
    #: ... when the department has at least this many crossing ties.
    gatekeeper_min_ties: int = 5
    #: Department pairs whose handoffs average this closeness or less are arm's-length.
    interface_closeness_max: float = 2.0
    #: ... when at least this many handoffs run between them.
    interface_min_handoffs: int = 3
    #: Handoffs with at least this criticality score become findings.
    handoff_criticality_min: float = 0.5
    #: At most this many single-handoff findings.
    max_handoff_findings: int = 10
    #: Handoffs with fewer deliveries are not judged for capability.
    min_deliveries: int = 10
    #: Monte Carlo runs for the promise to the external customer.
    simulation_runs: int = 10_000
    #: A promise met with lower probability than this is at risk.
    promise_min_probability: float = 0.9
    #: Provider and customer closeness differing by this much is an alignment gap.
    alignment_gap: float = 2.0
    #: Provider departments rated by fewer units are suppressed (privacy).
    min_raters: int = 5
    #: Mean internal satisfaction below this is a finding.
    satisfaction_min: float = 3.0
    #: Findings below this score are dropped.
    min_score: float = 0.3
    #: Scores at or above these give high / medium severity.
    high: float = 0.75
    medium: float = 0.5

    def updated(self, **changes) -> Thresholds:
        names = {f.name: f.type for f in fields(self)}
        clean = {}
        for k, v in changes.items():
            if k not in names:
                raise OrgGraphError(f"unknown threshold {k!r}; known: {', '.join(names)}")
            try:
                clean[k] = int(v) if names[k] in ("int", int) else float(v)
            except (TypeError, ValueError):
                raise OrgGraphError(f"threshold {k!r} must be a number, got {v!r}") from None
        return replace(self, **clean)


def load_thresholds(path=None, overrides=None) -> Thresholds:
    """Defaults, then a TOML file's ``[thresholds]`` table, then ``overrides``."""
    t = Thresholds()
    if path is not None:
        path = Path(path)
        try:
            doc = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise OrgGraphError(f"{path}: no such configuration file") from None
        except tomllib.TOMLDecodeError as exc:
            raise OrgGraphError(f"{path}: not valid TOML: {exc}") from None
        table = doc.get("thresholds", {})
        if not isinstance(table, dict):
            raise OrgGraphError(f"{path}: [thresholds] must be a table")
        try:
            t = t.updated(**table)
        except OrgGraphError as exc:
            raise OrgGraphError(f"{path}: {exc}") from None
    if overrides:
        t = t.updated(**overrides)
    return t


def severity_of(score: float, t: Thresholds) -> str:
    return "high" if score >= t.high else "medium" if score >= t.medium else "low"

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

__all__ = [
    "Finding",
    "Thresholds",
    "load_thresholds",
    "severity_of",
    "score_of",
    "rank",
    "Ranked",
    "SEVERITIES",
    "ACTIONS",
]

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
    "blocks": "Build deliberate bridges between the departments: cross-functional teams on the "
    "flows that cross them, rotations, and one named contact per department pair; then "
    "map again and compare.",
    "sole_link": "Open a second route between {a} and {b}: name and cross-train a second "
    "contact on each side, and write down the handoffs that now run through {who} alone.",
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
        ``silo``, ``blocks``, ``bottleneck``, ``critical_handoff``, ... (see
        :data:`orggraph.analysis.KINDS`).
    severity : {"high", "medium", "low"}
        From the score, in one place (:func:`rank`).
    score : float
        In [0, 1], the same meaning for every kind: ``ratio / (1 + ratio)``
        where ``ratio`` is how far the deciding number is past its line
        (1 = on the line, score 0.5; 3 = three times the line, score 0.75).
        Findings are ranked by it.
    subjects : tuple of str
        Unit ids the finding is about (a handoff: provider, customer).
    summary : str
        One sentence in plain business language.
    evidence : dict
        The numbers behind it (name -> number or text).
    action : str
        A suggested action.
    measure : str
        The deciding number and its line in words, e.g. "keeps 4.1x the odds
        of its peers' ties inside (line 2x)"; what a near miss reports.
    """

    kind: str
    severity: str
    score: float
    subjects: tuple[str, ...]
    summary: str
    evidence: dict = field(default_factory=dict)
    action: str = ""
    measure: str = ""

    def __post_init__(self):
        # NaN never equals itself; missing numbers are None so findings compare and
        # serialize cleanly.
        object.__setattr__(self, "evidence", {k: _plain(v) for k, v in self.evidence.items()})
        object.__setattr__(self, "score", float(self.score))
        object.__setattr__(self, "subjects", tuple(self.subjects))

    @property
    def ratio(self) -> float:
        """How far past its line (1 = on the line); the inverse of the score."""
        return self.score / (1 - self.score) if self.score < 1 else math.inf

    def to_dict(self) -> dict:
        d = asdict(self)
        d["subjects"] = list(self.subjects)
        d["evidence"] = {k: _plain(v) for k, v in self.evidence.items()}
        d["ratio"] = _plain(min(self.ratio, 1e6))
        return d


def score_of(ratio: float) -> float:
    """The common score of a ratio to the line: ``ratio / (1 + ratio)``, in [0, 1).

    Examples
    --------
    >>> score_of(1.0), score_of(3.0)
    (0.5, 0.75)
    """
    r = float(ratio)
    if not math.isfinite(r):
        return 1.0 if r > 0 else 0.0
    r = max(r, 0.0)
    return r / (1 + r)


def _plain(v):
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, float):
        return None if not math.isfinite(v) else round(v, 6)
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    return v


@dataclass(frozen=True)
class Thresholds:
    """When a number becomes a finding. Every field can be set in TOML or by option.

    Every line is a size-independent quantity (a share, an odds ratio, a
    robust z-score against the organization's own distribution, a rating)
    or a significance level; README "How findings are decided" explains each.
    """

    # -- silos ---------------------------------------------------------------
    #: Departments (and sole-link departments) smaller than this are not judged.
    min_group_size: int = 5
    #: Coleman's homophily index at which a department keeps to itself (0 = random mixing).
    silo_coleman_min: float = 0.25
    #: ... and its odds of keeping a tie inside are this many times its peers'.
    silo_odds_ratio_min: float = 2.0
    #: Largest Holm-adjusted p-value of any test behind a finding (silos against random
    #: mixing and against peers, sole links, low satisfaction).
    p_max: float = 0.05
    #: Departments of min_group_size or more needed before peers are the reference.
    silo_min_peers: int = 4
    #: Permutations of the department-label test.
    permutations: int = 999
    #: Assortativity by department at which departments work as separate blocks.
    blocks_assortativity_min: float = 0.3
    # -- bottlenecks ---------------------------------------------------------
    #: Robust z-score of log betweenness (Iglewicz & Hoaglin 1993) for a load outlier ...
    bottleneck_z: float = 3.5
    #: ... raised to the normal (1 - alpha / n) quantile for n units (or handoffs), so
    #: that a flat random organization of any size shows a false alarm at most this often.
    outlier_alpha: float = 0.05
    #: ... and at least this many times the average person's share of paths.
    bottleneck_multiple: float = 5.0
    #: Share of who-reaches-whom pairs lost on removal that makes a key person.
    key_person_dependencies: float = 0.05
    #: Units removed one at a time to measure key-person risk.
    key_person_candidates: int = 10
    #: Above this many units, removal impact is estimated from sampled sources ...
    key_person_exact_limit: int = 2000
    #: ... this many.
    key_person_sample: int = 300
    #: One person on this share of the work between two departments is their sole link.
    sole_link_share: float = 0.8
    #: ... when carrying at least this many of those handoffs.
    sole_link_min_ties: int = 4
    # -- handoffs ------------------------------------------------------------
    #: Robust z-score of log edge betweenness for a handoff that carries unusual flow.
    handoff_z: float = 3.5
    #: ... and at least this many times the average handoff's paths.
    handoff_multiple: float = 5.0
    #: Department pairs whose handoffs average this closeness or less are arm's-length.
    interface_closeness_max: float = 2.0
    #: ... when at least this many handoffs run between them.
    interface_min_handoffs: int = 3
    # -- SLAs and satisfaction -------------------------------------------------
    #: Handoffs with fewer deliveries are not judged for capability.
    min_deliveries: int = 10
    #: A target is not capable when it is met less often than this (its line: the
    #: lead time met this often equals the target).
    target_on_time_min: float = 0.9
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
    # -- ranking -------------------------------------------------------------
    #: Findings below this score are dropped (0.5 = on the line).
    min_score: float = 0.5
    #: Scores at or above these give high / medium severity (0.75 = 3x the line).
    high: float = 0.75
    medium: float = 0.6
    #: At most this many findings of each kind (the totals are always stated).
    max_per_kind: int = 10

    def updated(self, **changes) -> Thresholds:
        names = {f.name: f.type for f in fields(self)}
        clean = {}
        for k, v in changes.items():
            if k not in names:
                raise OrgGraphError(f"unknown threshold {k!r}; known: {', '.join(names)}")
            try:
                clean[k] = int(v) if names[k] in ("int", int) else float(v)
            except (TypeError, ValueError, OverflowError):
                raise OrgGraphError(f"threshold {k!r} must be a number, got {v!r}") from None
            if not math.isfinite(clean[k]):
                raise OrgGraphError(f"threshold {k!r} must be finite, got {v!r}")
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
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
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


@dataclass(frozen=True)
class Ranked:
    """What :func:`rank` returns: the findings shown, the near misses and the totals."""

    findings: tuple[Finding, ...]
    near_misses: tuple[Finding, ...]
    totals: dict


def _strength(f) -> float:
    """The uncapped load multiple behind a finding (0 where it has none)."""
    x = f.evidence.get("flow_multiple")
    return float(x) if isinstance(x, int | float) and x == x else 0.0


def rank(candidates, t: Thresholds, kinds) -> Ranked:
    """The one place where lines, ``min_score``, severity and per-kind limits apply.

    A candidate at or past its line (score >= 0.5) and at or above
    ``min_score`` is a finding; each kind keeps its ``max_per_kind`` best,
    and ``totals`` states how many crossed the line and how many are shown.
    For each kind with no finding, the candidate that came closest is a near
    miss, so a reader can tell "nothing there" from "just under the line".
    """
    line = max(0.5, t.min_score)
    by_kind: dict = {k: [] for k in kinds}
    below: dict = {}
    for c in candidates:
        if c.score >= line - 1e-12:
            by_kind.setdefault(c.kind, []).append(c)
        else:
            best = below.get(c.kind)
            if best is None or c.score > best.score:
                below[c.kind] = c
    shown, totals, near = [], {}, []
    for kind, found in by_kind.items():
        # Equal scores (load alone is capped: hundreds of outliers share one score in a
        # large organization) go by the uncapped load, then by id.
        found.sort(key=lambda f: (-f.score, -_strength(f), f.subjects))
        keep = found[: t.max_per_kind]
        shown += [replace(f, severity=severity_of(f.score, t)) for f in keep]
        totals[kind] = {"found": len(found), "shown": len(keep)}
        if not found and kind in below:
            near.append(replace(below[kind], severity="low"))
    shown.sort(key=lambda f: (-f.score, f.kind, -_strength(f), f.subjects))
    near.sort(key=lambda f: (-f.score, f.kind))
    return Ranked(tuple(shown), tuple(near), totals)

"""Render an :class:`~orggraph.analysis.Analysis` as text, Markdown or JSON.

The JSON form is stable and documented in the README ("orggraph analyze"):
``schema`` is bumped whenever a key changes meaning or disappears.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict

from . import privacy
from .analysis import KINDS
from .safety import escape_markdown

__all__ = ["to_dict", "to_json", "to_text", "to_markdown", "SCHEMA"]

SCHEMA = 2


def _small(d) -> str:
    """PRIVACY: why a department row is blank."""
    return f"fewer than {d['privacy']['min_group_size']} people"


def _num(v):
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, float):
        # JSON has no NaN or Infinity: both become null.
        return None if not math.isfinite(v) else round(v, 6)
    return v


def _names(org_units):
    return dict(zip(org_units["id"], org_units["name"], strict=False))


class _Empty:
    def to_dict(self, _):
        return []


_EMPTY = _Empty()


def _promise(key, sim, names) -> dict:
    return {
        "provider": key[0],
        "customer": key[1],
        "deliverable": key[2],
        "provider_name": names.get(key[0], key[0]),
        "customer_name": names.get(key[1], key[1]),
        "promise_days": _num(sim["promise"]),
        "runs": sim["runs"],
        "seed": sim["seed"],
        "p_meet": _num(sim["p_meet"]),
        "p_meet_se": _num(sim["p_meet_se"]),
        "observed_on_time": _num(sim["observed_on_time"]),
        "observed_deliveries": sim["observed_deliveries"],
        "median_days": _num(sim["median_days"]),
        "promise_90": _num(sim["promise_90"]),
        "promise_95": _num(sim["promise_95"]),
        "steps": [
            {k: (_num(v) if not isinstance(v, list) else v) for k, v in r.items()}
            for r in sim["steps"].to_dict("records")
        ],
    }


def _promise_lines(p) -> list[str]:
    lines = [
        f"Promise: '{p['deliverable']}' ({p['provider_name']} -> {p['customer_name']}), "
        f"{p['promise_days']:g} days promised.",
        f"  Met {p['p_meet']:.1%} (+/- {p['p_meet_se']:.1%}) of {p['runs']:,} simulated orders "
        f"(seed {p['seed']}); observed {p['observed_on_time']:.1%} of "
        f"{p['observed_deliveries']} deliveries. Median turnaround {p['median_days']:.1f} days.",
        f"  A realistic promise: {math.ceil(p['promise_90'])} days (kept 90% of the time) or "
        f"{math.ceil(p['promise_95'])} days (95%).",
        f"  {'step':>4}  {'deliverable':<26} {'median':>7} {'p90':>6} {'late orders saved':>18}",
    ]
    for s in p["steps"]:
        lines.append(
            f"  {s['step']:>4}  {s['deliverable'][:26]:<26} {s['median_days']:>7.1f} "
            f"{s['p90_days']:>6.1f} {s['contribution']:>18.0%}"
        )
    lines.append(
        "  (late orders saved: the share of late orders that would be on time if "
        "that step always took its median time)"
    )
    return lines


def to_dict(analysis, org, *, top=None, min_group_size=None) -> dict:
    """The analysis as plain JSON-ready data.

    PRIVACY: nothing about a group under ``min_group_size`` people (default the
    organization's own, :func:`orggraph.privacy.min_group_size_of`: 5 for a plain one) is
    shown: :func:`orggraph.privacy.suppress_analysis` blanks and flags their department and
    satisfaction rows and leaves out the findings about them; ``privacy`` says what was
    suppressed and why.
    """
    from . import __version__

    k = privacy.min_group_size_of(org) if min_group_size is None else min_group_size
    analysis = privacy.suppress_analysis(analysis, org, k=k)
    names = _names(org.units)
    findings = analysis.findings[:top] if top else analysis.findings
    ei = analysis.tables["ei_index"]
    c = analysis.tables["centrality"]
    comm = analysis.communities
    return {
        "schema": SCHEMA,
        "orggraph_version": __version__,
        "organization": analysis.organization,
        "seed": analysis.seed,
        "thresholds": asdict(analysis.thresholds),
        "counts": {
            "findings": len(analysis.findings),
            **{k: sum(f.kind == k for f in analysis.findings) for k in KINDS},
        },
        "totals": {k: dict(analysis.totals.get(k, {"found": 0, "shown": 0})) for k in KINDS},
        "findings": [
            {"rank": i + 1, **f.to_dict(), "subject_names": [names.get(s, s) for s in f.subjects]}
            for i, f in enumerate(findings)
        ],
        "near_misses": [
            {**f.to_dict(), "subject_names": [names.get(s, s) for s in f.subjects]}
            for f in analysis.near_misses
        ],
        "organization_mixing": {k: _num(v) for k, v in ei.attrs.get("assortativity", {}).items()},
        "departments": [
            {"department": d, "name": names.get(d, d), **{k: _num(v) for k, v in r.items()}}
            for d, r in ei.iterrows()
        ],
        "communities": {
            "count": int(comm["membership"]["community"].nunique()),
            "nmi": _num(comm["nmi"]),
            "ari": _num(comm["ari"]),
            "modularity": _num(comm["modularity"]),
            "split_departments": comm["split_departments"],
            "spanning_communities": comm["spanning_communities"],
        },
        "top_betweenness": [
            {
                "unit": u,
                "name": r["name"],
                "department": r["department"],
                "betweenness": _num(r["betweenness"]),
                **(
                    {
                        "betweenness_low": _num(r["betweenness_low"]),
                        "betweenness_high": _num(r["betweenness_high"]),
                        "rank_certain": bool(r["rank_certain"]),
                    }
                    if "betweenness_low" in r
                    else {}
                ),
            }
            for u, r in c.sort_values("betweenness", ascending=False).head(10).iterrows()
        ],
        "promises": [
            _promise(k, sim, names) for k, sim in analysis.tables.get("promises", {}).items()
        ],
        "capability": [
            {k: _num(v) for k, v in r.items()}
            for r in analysis.tables.get("capability", _EMPTY).to_dict("records")
        ],
        "internal_satisfaction": [
            {k: _num(v) for k, v in r.items()}
            for r in analysis.tables.get("internal_satisfaction", _EMPTY).to_dict("records")
        ],
        "estimates": analysis.estimates,
        "timings_s": {k: round(v, 4) for k, v in analysis.timings.items()},
        "privacy": {
            **privacy.privacy_summary(analysis),
            "pseudonymized": bool(getattr(org, "pseudonymized", False)),
        },
    }


def to_json(analysis, org, *, top=None, min_group_size=None) -> str:
    d = to_dict(analysis, org, top=top, min_group_size=min_group_size)
    return json.dumps(d, indent=1, ensure_ascii=False)


def _evidence_line(ev: dict) -> str:
    parts = []
    for k, v in ev.items():
        if k in ("deliverables", "level"):
            continue
        v = _num(v)
        if v is None or v == "":
            continue
        if isinstance(v, float):
            v = f"{v:.3g}"
        elif isinstance(v, list):
            v = ", ".join(map(str, v)) or "-"
        parts.append(f"{k}={v}")
    return ", ".join(parts)


_PLURAL = {
    "silo": "silos",
    "blocks": "separate blocks",
    "bottleneck": "bottlenecks",
    "critical_handoff": "critical handoffs",
    "target_not_capable": "targets not capable",
    "promise_at_risk": "promises at risk",
    "alignment_gap": "alignment gaps",
    "low_internal_satisfaction": "low satisfaction",
}


_SINGULAR = {
    "silo": "silo",
    "blocks": "separate blocks",
    "bottleneck": "bottleneck",
    "critical_handoff": "critical handoff",
    "target_not_capable": "target not capable",
    "promise_at_risk": "promise at risk",
    "alignment_gap": "alignment gap",
    "low_internal_satisfaction": "low satisfaction",
}


def _breakdown(d) -> str:
    """'3 silos, 6 bottlenecks, ...': the three core kinds always, others when present."""
    core = ("silo", "bottleneck", "critical_handoff")
    words = {k: _SINGULAR[k] if d["counts"][k] == 1 else _PLURAL[k] for k in KINDS}
    return ", ".join(f"{d['counts'][k]} {words[k]}" for k in KINDS if k in core or d["counts"][k])


def _guarantee(b) -> str:
    """The estimator's guarantee in words and numbers."""
    # Results cached before the bound was stated carry only the top-k width.
    bound = b.get("bound", b["half_width_max"])
    return (
        f"From {b['sources']:,} of {b['of']:,} units drawn in department and team order, dealt "
        f"to {b['batches']} batches and searched forward and backward "
        f"(seed {b['seed']})"
        + (
            f", the leading {b['refined']} estimated by regression on their distances"
            if b.get("refined")
            else ""
        )
        + f": every unit's betweenness lies within +/-{bound:.4f} of its exact "
        f"value with {b['confidence']:.0%} confidence, all units together; the top "
        f"{b['top']}'s own intervals are at most +/-{b['half_width_max']:.4f}. "
        f"Top {b['top']}: {b['top_certain']} certain, {b['top'] - b['top_certain']} uncertain "
        f"({b['stopped']})."
    )


def _limited(d) -> list[str]:
    """Kinds where more crossed the line than are shown (max_per_kind)."""
    return [
        f"{t['found']} {_PLURAL[k]} crossed the line, the {t['shown']} strongest shown"
        for k, t in d["totals"].items()
        if t["found"] > t["shown"]
    ]


def _near_lines(d) -> list[str]:
    """What came closest, for the kinds with no finding (flat organization vs nothing found)."""
    out = []
    for f in d["near_misses"]:
        out.append(
            f"{_SINGULAR[f['kind']]}: {', '.join(f['subject_names'][:3])} came closest at "
            f"{f['ratio']:.0%} of the line: {f['measure']}."
        )
    return out


def to_text(analysis, org, *, top=10, min_group_size=None) -> str:
    """A ranked report for a terminal."""
    d = to_dict(analysis, org, top=top, min_group_size=min_group_size)
    lines = [
        f"orggraph analysis of {d['organization']}",
        f"{d['counts']['findings']} findings: {_breakdown(d)}"
        + (f" (showing the top {top})" if top and top < d["counts"]["findings"] else ""),
        *[f"  ({x})" for x in _limited(d)],
        "",
    ]
    for f in d["findings"]:
        lines.append(
            f"{f['rank']:>2}. [{f['severity'].upper()}] {f['kind'].replace('_', ' ')} "
            f"(score {f['score']:.2f})"
        )
        lines.append(f"    {f['summary']}")
        lines.append(f"    why: {f['measure']}")
        lines.append(f"    evidence: {_evidence_line(f['evidence'])}")
        lines.append(f"    action: {f['action']}")
        lines.append("")
    near = _near_lines(d)
    if near:
        lines.append("Nothing crossed the line for these kinds; closest:")
        lines += [f"  - {x}" for x in near]
        lines.append("")
    c = d["communities"]
    lines.append(
        f"Communities: {c['count']} (Leiden, modularity {c['modularity']:.2f}); "
        f"agreement with departments NMI {c['nmi']:.2f}, ARI {c['ari']:.2f}."
    )
    if c["split_departments"]:
        names = _names(org.units)
        lines.append(
            "  Departments that work as more than one group: "
            + ", ".join(names.get(x, x) for x in c["split_departments"])
        )
    lines.append("")
    lines.append(
        "Departments (inside: share of working ties that stay inside; random: the same "
        "share if work mixed at random; Coleman: 0 random, 1 closed; odds: times its peers' "
        "odds of keeping a tie inside)"
    )
    lines.append(
        f"  {'department':<24} {'people':>6} {'inside':>7} {'random':>7} {'Coleman':>8} "
        f"{'odds':>6} {'E-I':>6} {'partners':>8}"
    )

    def pct(v):
        return "-" if v is None else f"{v:.0%}"

    for r in sorted(d["departments"], key=lambda r: -(r["excess"] or 0)):
        if r.get("suppressed"):  # PRIVACY: fewer people than the minimum group size
            lines.append(f"  {r['name'][:24]:<24} (suppressed: {_small(d)})")
            continue
        odds = "-" if r["excess"] is None else f"{math.exp(r['excess']):.1f}x"
        col = "-" if r["coleman"] is None else f"{r['coleman']:+.2f}"
        ei = "-" if r["ei"] is None else f"{r['ei']:+.2f}"
        lines.append(
            f"  {r['name'][:24]:<24} {r['members']:>6} {pct(r['internal_share']):>7} "
            f"{pct(r['expected_share']):>7} {col:>8} {odds:>6} {ei:>6} "
            f"{r['partner_departments']:>8}"
        )
    if d["privacy"].get("note"):
        lines.append(f"Privacy: {d['privacy']['note']}")
    for p in d["promises"]:
        lines.append("")
        lines += _promise_lines(p)
    lines.append("")
    lines.append(f"Shortest paths: {d['estimates']['choice']}.")
    if "betweenness" in d["estimates"]:
        b = d["estimates"]["betweenness"]
        lines.append(f"Note: betweenness figures are ESTIMATES. {_guarantee(b)}")
    total = sum(d["timings_s"].values())
    lines.append("")
    lines.append(f"Analysis took {total:.2f} s.")
    return "\n".join(lines)


def to_markdown(analysis, org, *, top=10, min_group_size=None) -> str:
    """The same report as Markdown, for docs and client notes."""
    d = to_dict(analysis, org, top=top, min_group_size=min_group_size)
    # Every value from the user's files is escaped: a name is text, never a link,
    # raw HTML, a heading or a table cell boundary.
    md = escape_markdown
    out = [
        f"# orggraph analysis: {md(d['organization'])}",
        "",
        f"{d['counts']['findings']} findings: {_breakdown(d)}.",
        *[f"({x}.)" for x in _limited(d)],
        "",
        "## Findings",
        "",
    ]
    for f in d["findings"]:
        out.append(
            f"### {f['rank']}. {f['kind'].replace('_', ' ')}: "
            f"{md(', '.join(f['subject_names']))} ({f['severity']}, score {f['score']:.2f})"
        )
        out.append("")
        out.append(md(f["summary"]))
        out.append("")
        out.append(f"- **Why:** {md(f['measure'])}")
        out.append(f"- **Evidence:** {md(_evidence_line(f['evidence']))}")
        out.append(f"- **Action:** {md(f['action'])}")
        out.append("")
    near = _near_lines(d)
    if near:
        out += ["## What came closest", "", "Nothing crossed the line for these kinds:", ""]
        out += [f"- {md(x)}" for x in near]
        out.append("")
    out += [
        "## Departments",
        "",
        "| department | people | inside | at random | Coleman | odds vs peers | E-I | "
        "partners | gatekeeper share |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]

    def fmt(v, spec):
        return "-" if v is None else format(v, spec)

    for r in d["departments"]:
        if r.get("suppressed"):  # PRIVACY: fewer people than the minimum group size
            out.append(f"| {md(r['name'])} | suppressed: {_small(d)} |" + " |" * 7)
            continue
        odds = None if r["excess"] is None else math.exp(r["excess"])
        out.append(
            f"| {md(r['name'])} | {r['members']} | {fmt(r['internal_share'], '.0%')} | "
            f"{fmt(r['expected_share'], '.0%')} | {fmt(r['coleman'], '+.2f')} | "
            f"{fmt(odds, '.1f')} | {fmt(r['ei'], '+.2f')} | {r['partner_departments']} | "
            f"{fmt(r['gatekeeper_share'], '.0%')} |"
        )
    if d["privacy"].get("note"):
        out += ["", f"*Privacy: {md(d['privacy']['note'])}*"]
    c = d["communities"]
    out += [
        "",
        "## Communities",
        "",
        f"{c['count']} communities (Leiden, modularity {c['modularity']:.2f}); agreement "
        f"with the formal departments: NMI {c['nmi']:.2f}, ARI {c['ari']:.2f}.",
        "",
        *[
            x
            for p in d["promises"]
            for x in (
                "## Promise to the external customer",
                "",
                *[md(line) + "  " for line in _promise_lines(p)],
                "",
            )
        ],
        "## Highest betweenness",
        "",
        "| unit | name | department | betweenness |",
        "|---|---|---|---:|",
    ]
    for r in d["top_betweenness"]:
        out.append(
            f"| {md(r['unit'])} | {md(r['name'])} | {md(r['department'])} | "
            f"{r['betweenness']:.4f} |"
        )
    out += ["", f"*Shortest paths: {d['estimates']['choice']}.*"]
    if "betweenness" in d["estimates"]:
        b = d["estimates"]["betweenness"]
        out += [
            "",
            f"*Betweenness is estimated. {_guarantee(b)}*",
        ]
    out += [
        "",
        "*Timings (s): " + ", ".join(f"{k} {v:.3f}" for k, v in d["timings_s"].items()) + "*",
        "",
    ]
    return "\n".join(out)

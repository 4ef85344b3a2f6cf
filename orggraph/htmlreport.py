"""The consultant's deliverable: one self-contained HTML report of an analysis.

:func:`to_html` returns a single HTML document that opens offline in any browser:
plotly.js is embedded inline (no CDN, no network), the map is inline SVG, styles are
inline. Sections: headline figures, the ranked findings (summary, why, evidence, action),
what came closest, the map with the findings highlighted, the department matrix, SLAs
(the promise, the value stream, lead-time charts), the department table, bottlenecks, an
optional before/after comparison, and methods and caveats (how findings are decided, the
thresholds used, data coverage, privacy suppression).

With ``paper="A4"`` or ``"Letter"`` the same report is laid out for that page size (fixed
figure widths, page numbers in the margin, no figure split across pages); that is the
HTML :func:`orggraph.readwrite.exports.write_pdf` prints.

Every text from the user's files (unit names, deliverables, roles) is escaped with
:func:`orggraph.safety.escape_html`.
"""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import asdict

import plotly.io as pio
from plotly.offline import get_plotlyjs

from . import privacy, report
from .compare import p_value_text, silo_status
from .figures import (
    MAP_LEGEND,
    betweenness_bars,
    lead_time_charts,
    map_svg,
    matrix_figures,
    value_stream_figure,
)
from .safety import escape_html
from .summary import summary as org_summary

__all__ = ["to_html", "PAPERS", "KIND_LABELS"]

#: Paper name -> (CSS page size, width in mm); margins are MARGIN_MM on each side.
PAPERS = {"A4": ("A4", 210.0), "Letter": ("letter", 215.9)}
MARGIN_MM = 14.0
#: Rows of the capability table (least on time first); the exports list every handoff.
CAPABILITY_ROWS = 25

KIND_LABELS = {
    "silo": "Silo",
    "blocks": "Separate blocks",
    "bottleneck": "Bottleneck",
    "critical_handoff": "Critical handoff",
    "target_not_capable": "Internal SLA not capable",
    "promise_at_risk": "Promise at risk",
    "alignment_gap": "Alignment gap",
    "low_internal_satisfaction": "Low internal satisfaction",
}


KIND_PLURALS = {
    "silo": ("silo", "silos"),
    "blocks": ("separate blocks", "separate blocks"),
    "bottleneck": ("bottleneck", "bottlenecks"),
    "critical_handoff": ("critical handoff", "critical handoffs"),
    "target_not_capable": ("internal SLA not capable", "internal SLAs not capable"),
    "promise_at_risk": ("promise at risk", "promises at risk"),
    "alignment_gap": ("alignment gap", "alignment gaps"),
    "low_internal_satisfaction": ("low internal satisfaction", "low internal satisfaction"),
}


def _count(k, n) -> str:
    one, many = KIND_PLURALS.get(k, (k, k))
    return f"{n} {one if n == 1 else many}"


def e(text) -> str:
    """Escape user text for HTML (the one escaping function, from orggraph.safety)."""
    return escape_html(text)


def _fmt_num(v) -> str:
    if v is None:
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        if not math.isfinite(v):
            return "–"
        if v == int(v) and abs(v) < 1e6:
            return f"{int(v):,}"
        return f"{v:.3g}"
    if isinstance(v, (list, tuple)):
        return ", ".join(str(x) for x in v) or "–"
    return str(v)


def _pct(v, spec=".0%") -> str:
    return "–" if v is None or (isinstance(v, float) and not math.isfinite(v)) else format(v, spec)


def _signed(v, spec="+.2f") -> str:
    return "–" if v is None else format(v, spec)


class _Figures:
    """Numbers the Plotly divs and renders them without plotly.js (embedded once)."""

    def __init__(self, width):
        self.width = width
        self.n = 0

    def __call__(self, fig, caption=None, *, cls="plot") -> str:
        self.n += 1
        config = {"displaylogo": False, "responsive": self.width is None}
        div = pio.to_html(
            fig,
            full_html=False,
            include_plotlyjs=False,
            config=config,
            div_id=f"figure-{self.n}",
            default_width="100%" if self.width is None else f"{self.width}px",
        )
        cap = f"<figcaption>{caption}</figcaption>" if caption else ""
        return f'<figure class="{cls}">{div}{cap}</figure>'


def _css(paper) -> str:
    if paper:
        size, _ = PAPERS[paper]
        page = f"size: {size}; margin: 16mm {MARGIN_MM}mm 18mm {MARGIN_MM}mm;"
    else:
        page = f"margin: 16mm {MARGIN_MM}mm 18mm {MARGIN_MM}mm;"
    return (
        """
:root { --ink:#1f2933; --muted:#5f6b7a; --line:#d9dee5; --accent:#1f4e79;
        --high:#c62828; --medium:#ef6c00; --low:#607d8b; }
* { box-sizing: border-box; }
body { font-family: Helvetica, Arial, sans-serif; color: var(--ink); margin: 0;
       line-height: 1.45; font-size: 14px; background: #fff; }
main { max-width: 1040px; margin: 0 auto; padding: 24px 28px 60px; }
header.cover { border-bottom: 3px solid var(--accent); margin-bottom: 18px; }
header.cover h1 { margin: 0 0 4px; font-size: 26px; color: var(--accent); }
header.cover p { margin: 2px 0 12px; color: var(--muted); }
h2 { font-size: 20px; color: var(--accent); border-bottom: 1px solid var(--line);
     padding-bottom: 4px; margin-top: 34px; break-after: avoid; }
h3 { font-size: 15px; margin: 18px 0 6px; break-after: avoid; }
nav.toc ol { columns: 2; margin: 0; padding-left: 20px; }
nav.toc a { color: var(--accent); text-decoration: none; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr));
         gap: 10px; margin: 12px 0; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px;
        break-inside: avoid; }
.card .big { font-size: 24px; font-weight: bold; color: var(--accent); display: block; }
.card .small { color: var(--muted); font-size: 12px; }
article.finding { border: 1px solid var(--line); border-left: 6px solid var(--low);
                  border-radius: 4px; padding: 10px 14px; margin: 10px 0;
                  break-inside: avoid; page-break-inside: avoid; }
article.finding.high { border-left-color: var(--high); }
article.finding.medium { border-left-color: var(--medium); }
article.finding h3 { margin: 0 0 4px; }
.rank { display: inline-block; min-width: 24px; height: 24px; border-radius: 12px;
        background: #212121; color: #fff; text-align: center; font-size: 13px;
        line-height: 24px; margin-right: 6px; padding: 0 4px; }
.sev { font-size: 11px; text-transform: uppercase; letter-spacing: .05em; padding: 1px 6px;
       border-radius: 3px; color: #fff; background: var(--low); vertical-align: middle; }
.sev.high { background: var(--high); } .sev.medium { background: var(--medium); }
.why { color: var(--accent); } .action { background: #f1f6fb; padding: 6px 8px;
       border-radius: 4px; }
.evidence { font-size: 12px; color: var(--muted); }
.evidence span { display: inline-block; margin-right: 12px; white-space: nowrap; }
table { border-collapse: collapse; width: 100%; font-size: 12.5px; margin: 8px 0; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 6px; text-align: left;
         vertical-align: top; }
th { background: #f5f7fa; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr { break-inside: avoid; page-break-inside: avoid; }
thead { display: table-header-group; }
figure { margin: 12px 0; break-inside: avoid; page-break-inside: avoid; }
figcaption { font-size: 12px; color: var(--muted); margin-top: 4px; }
.legend { font-size: 12px; color: var(--muted); display: flex; flex-wrap: wrap; gap: 4px 16px; }
.legend i { display: inline-block; width: 22px; height: 0; vertical-align: middle;
            margin-right: 5px; border-top: 3px solid; }
.legend i.dash { border-top-style: dashed; }
.legend i.box { height: 12px; border: 2px solid; background: #fdecea; width: 16px; }
.legend i.dot { width: 12px; height: 12px; border-radius: 6px; border: 0; }
.note { color: var(--muted); font-size: 12.5px; }
.promise { font-size: 16px; border: 1px solid var(--line); border-radius: 6px;
           padding: 10px 14px; background: #fff8e1; break-inside: avoid; }
.grid2 { display: grid; grid-template-columns: 1fr 1fr; gap: 8px; }
.grid2 figure { margin: 4px 0; }
footer { margin-top: 40px; color: var(--muted); font-size: 12px;
         border-top: 1px solid var(--line); padding-top: 8px; }
@page { """
        + page
        + """
  @bottom-center { content: "Page " counter(page) " of " counter(pages);
                   font: 9pt Helvetica, Arial, sans-serif; color: #5f6b7a; }
  @bottom-left { content: "orggraph report"; font: 8pt Helvetica, Arial, sans-serif;
                 color: #9aa5b1; } }
@media print {
  body { font-size: 11.5px; }
  main { max-width: none; padding: 0; }
  .modebar-container, .modebar { display: none !important; }
  section.page { break-before: page; }
  h2 { margin-top: 0; }
  .grid2 { display: block; }
  a { color: inherit; text-decoration: none; }
}
"""
    )


def _headline(org, analysis, d) -> str:
    s = org_summary(org)
    k = s["kinds"]
    sev = {x: sum(f["severity"] == x for f in d["findings"]) for x in ("high", "medium", "low")}
    cards = [
        (
            f"{k['person']:,}" if k["person"] else f"{s['units']:,}",
            "people" if k["person"] else "units",
            f"in {k['department']} departments, {k['team']} teams",
        ),
        (
            f"{s['handoffs']:,}",
            "handoffs",
            f"{s['handoffs_inside']:,} inside departments, {s['handoffs_across']:,} across",
        ),
        (
            f"{d['counts']['findings']}",
            "findings",
            f"{sev['high']} high, {sev['medium']} medium, {sev['low']} low",
        ),
    ]
    for p in d["promises"][:1]:
        cards.append(
            (
                f"{p['p_meet']:.0%}",
                f"{p['promise_days']:g}-day promise met",
                f"a promise of {math.ceil(p['promise_90'])} days would hold 90% of the time",
            )
        )
    mix = d["organization_mixing"]
    if mix.get("internal_share") is not None:
        cards.append(
            (
                f"{mix['internal_share']:.0%}",
                "of working ties stay inside a department",
                f"{mix['expected_share']:.0%} if work crossed departments at random"
                if mix.get("expected_share") is not None
                else "",
            )
        )
    out = ['<div class="cards">']
    for big, label, small in cards:
        out.append(
            f'<div class="card"><span class="big">{e(big)}</span>{e(label)}'
            f'<br><span class="small">{e(small)}</span></div>'
        )
    out.append("</div>")
    if d["findings"]:
        top = d["findings"][0]
        out.append(f'<p class="top-finding"><strong>Top finding:</strong> {e(top["summary"])}</p>')
    return "\n".join(out)


def _evidence(ev: dict) -> str:
    parts = []
    for k, v in ev.items():
        if k in ("level",) or v is None or v == "":
            continue
        parts.append(f"<span>{e(k.replace('_', ' '))}: <b>{e(_fmt_num(v))}</b></span>")
    return " ".join(parts)


def _finding(f) -> str:
    names = ", ".join(f["subject_names"][:6]) + (
        f" and {len(f['subject_names']) - 6} more" if len(f["subject_names"]) > 6 else ""
    )
    return (
        f'<article class="finding {e(f["severity"])}" id="finding-{f["rank"]}">'
        f'<h3><span class="rank">{f["rank"]}</span>{e(KIND_LABELS.get(f["kind"], f["kind"]))}: '
        f"{e(names)} "
        f'<span class="sev {e(f["severity"])}">{e(f["severity"])}</span> '
        f'<span class="note">score {f["score"]:.2f}</span></h3>'
        f'<p class="summary">{e(f["summary"])}</p>'
        f'<p class="why"><strong>Why:</strong> {e(f["measure"])}</p>'
        f'<p class="evidence"><strong>Evidence:</strong> {_evidence(f["evidence"])}</p>'
        f'<p class="action"><strong>Action:</strong> {e(f["action"])}</p>'
        "</article>"
    )


def _findings(d) -> str:
    out = []
    limited = [
        f"{_count(k, t['found'])} crossed the line; the {t['shown']} strongest are shown."
        for k, t in d["totals"].items()
        if t["found"] > t["shown"]
    ]
    counts = ", ".join(_count(k, d["counts"][k]) for k in KIND_LABELS if d["counts"].get(k))
    out.append(
        f"<p>{d['counts']['findings']} findings, ranked by score ({e(counts) or 'none'}). "
        "Each states the number that decided it and its line (<em>why</em>), the evidence "
        "and a suggested action.</p>"
    )
    out += [f'<p class="note">{e(x)}</p>' for x in limited]
    if not d["findings"]:
        out.append("<p>Nothing crossed the line for any kind; see what came closest.</p>")
    out += [_finding(f) for f in d["findings"]]
    return "\n".join(out)


def _near_misses(d) -> str:
    if not d["near_misses"]:
        return "<p>Every kind has at least one finding.</p>"
    rows = "".join(
        f"<tr><td>{e(KIND_LABELS.get(f['kind'], f['kind']))}</td>"
        f"<td>{e(', '.join(f['subject_names'][:4]))}</td>"
        f'<td class="num">{f["ratio"]:.0%}</td><td>{e(f["measure"])}</td></tr>'
        for f in d["near_misses"]
    )
    return (
        "<p>For each kind with no finding, the candidate that came closest, and how close "
        "(100% = on the line). A flat organization reads differently from nothing found.</p>"
        "<table><thead><tr><th>kind</th><th>closest</th><th class=num>of the line</th>"
        f"<th>why</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def _map(org, analysis) -> str:
    from .web.views import LARGE

    legend = "".join(
        f'<span><i class="{kind}" style="border-color:{c};'
        + (f"background:{c};" if kind == "dot" else "")
        + f'"></i>{e(text)}</span>'
        for kind, c, text in MAP_LEGEND
    )
    people = int((org.units["kind"] == "person").sum())
    if people > LARGE:
        level = "departments"
        how = (
            f"With {people:,} people the map is drawn at department level (as the web view "
            "opens it): one node per department, laid out by how much they exchange. "
        )
    elif people == 0:
        level = "people"
        how = (
            "The map is at department level (the input has no people): one node per unit, "
            "laid out by who works with whom (the web view's layout). Node size: betweenness. "
        )
    else:
        level = "people"
        how = (
            "Departments are boxes around their people, laid out by how much they exchange "
            "(the web view's layout). Node size: betweenness. "
        )
    return (
        '<figure class="map">'
        + map_svg(org, analysis, level=level)
        + f'<figcaption><div class="legend">{legend}</div>{how}Edge width: how much flows; '
        "edge colour: closeness. Numbers in black circles are the ranks of the findings "
        "above. Hover a node for its name.</figcaption></figure>"
    )


def _matrix(org, fig) -> str:
    return "\n".join(fig(f, e(cap)) for cap, f in matrix_figures(org, width=fig.width))


def _sla(org, analysis, d, fig) -> str:
    out = []
    sims = analysis.tables.get("promises", {})
    if not d["promises"]:
        out.append(
            "<p>No promise to the external customer could be simulated (it needs a handoff "
            "into the external customer with an SLA and deliveries upstream).</p>"
        )
    for p, sim in zip(d["promises"], sims.values(), strict=False):
        worst = max(p["steps"], key=lambda s: s["contribution"], default=None)
        out.append(
            f'<div class="promise"><strong>The {p["promise_days"]:g}-day promise</strong> '
            f"to {e(p['customer_name'])} ({e(p['deliverable'])}, delivered by "
            f"{e(p['provider_name'])}) is met <strong>{p['p_meet']:.0%}</strong> of the "
            f"time ({p['runs']:,} simulated orders, seed {p['seed']}, ± {p['p_meet_se']:.1%}; "
            f"observed {p['observed_on_time']:.0%} of {p['observed_deliveries']} deliveries). "
            f"A realistic promise: <strong>{math.ceil(p['promise_90'])} days</strong> (kept "
            f"90% of the time) or {math.ceil(p['promise_95'])} days (95%)."
            + (
                f" The step that causes the most lateness: '{e(worst['deliverable'])}' "
                f"({worst['contribution']:.0%} of late orders would be on time if it always "
                "took its median time)."
                if worst
                else ""
            )
            + "</div>"
        )
        rows = "".join(
            f"<tr><td class=num>{s['step']}</td><td>{e(s['deliverable'])}</td>"
            f"<td class=num>{_fmt_num(s.get('median_days'))}</td>"
            f"<td class=num>{_fmt_num(s.get('p90_days'))}</td>"
            f"<td class=num>{_pct(s.get('contribution'))}</td></tr>"
            for s in p["steps"]
        )
        out.append(
            "<table><thead><tr><th class=num>step</th><th>deliverable</th>"
            "<th class=num>median days</th><th class=num>p90 days</th>"
            "<th class=num>late orders saved</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>"
            '<p class="note">Late orders saved: the share of late orders that would be on '
            "time if that step always took its median time. Steps are assumed independent."
            "</p>"
        )
        out.append(
            fig(
                value_stream_figure(org, sim, width=fig.width),
                "The value stream into the customer: departments of each step, left to "
                "right; link width = deliveries, redder links contribute more lateness.",
            )
        )
    cap = analysis.tables.get("capability")
    if cap is not None and not cap.empty:
        names = org.names
        shown = cap.sort_values(["too_few", "on_time_rate"], na_position="last").head(
            CAPABILITY_ROWS
        )
        rows = "".join(
            f"<tr><td>{e(r.deliverable)}</td><td>{e(names.get(r.provider, r.provider))} → "
            f"{e(names.get(r.customer, r.customer))}</td>"
            f"<td class=num>{r.deliveries}</td><td class=num>{_fmt_num(r.median)}</td>"
            f"<td class=num>{_fmt_num(r.p95)}</td><td class=num>{_fmt_num(r.sla_days)}</td>"
            f"<td class=num>{_pct(r.on_time_rate)}</td>"
            f"<td class=num>{_fmt_num(r.meets_90)}</td>"
            f"<td>{'too few' if r.too_few else ('not capable' if r.not_capable else '')}</td>"
            "</tr>"
            for r in shown.itertuples(index=False)
        )
        more = (
            f'<p class="note">The {CAPABILITY_ROWS} least on time of {len(cap):,} handoffs with '
            "deliveries are shown; <code>orggraph export --format xlsx</code> and "
            "<code>orggraph analyze --format json</code> list them all.</p>"
            if len(cap) > CAPABILITY_ROWS
            else ""
        )
        out.append(
            "<h3>Capability of internal SLAs</h3><table><thead><tr><th>deliverable</th>"
            "<th>provider → customer</th><th class=num>deliveries</th>"
            "<th class=num>median d</th><th class=num>p95 d</th><th class=num>SLA d</th>"
            "<th class=num>on time</th><th class=num>met 90% at d</th><th></th></tr>"
            f"</thead><tbody>{rows}</tbody></table>{more}"
        )
        charts = lead_time_charts(org, analysis, width=fig.width)
        if charts:
            out.append("<h3>Lead times, least on time first</h3>")
            out.append('<div class="grid2">' if fig.width is None else "<div>")
            for _row, f in charts:
                out.append(fig(f, None))
            out.append("</div>")
            out.append(
                '<p class="note">Red line: the target (SLA); dashed blue: the lead time met '
                "90% of the time.</p>"
            )
    else:
        out.append("<p>No deliveries were recorded, so no lead times can be shown.</p>")
    return "\n".join(out)


def _departments(org, analysis, d) -> str:
    sat = analysis.tables.get("internal_satisfaction")
    sat = {} if sat is None or sat.empty else sat.set_index("department").to_dict("index")
    rows = []
    for r in sorted(d["departments"], key=lambda r: -(r.get("excess") or 0)):
        if r.get("suppressed"):
            rows.append(
                f"<tr><td>{e(r['name'])}</td><td colspan=9 class=note>suppressed: too few "
                "people to show figures without identifying them</td></tr>"
            )
            continue
        odds = None if r["excess"] is None else math.exp(r["excess"])
        s = sat.get(r["department"], {})
        if not s:
            satisfaction = "–"
        elif s.get("suppressed"):
            satisfaction = "suppressed"
        else:
            mean = s.get("mean_satisfaction")
            satisfaction = "–" if mean is None or mean != mean else f"{mean:.1f}"
        silo = any(
            f["kind"] == "silo" and f["subjects"][0] == r["department"] for f in d["findings"]
        )
        rows.append(
            f"<tr><td>{e(r['name'])}{' <b class=sev>silo</b>' if silo else ''}</td>"
            f"<td class=num>{r['members']}</td><td class=num>{_pct(r['internal_share'])}</td>"
            f"<td class=num>{_pct(r['expected_share'])}</td>"
            f"<td class=num>{_signed(r['coleman'])}</td>"
            f"<td class=num>{'–' if odds is None else f'{odds:.1f}x'}</td>"
            f"<td class=num>{_signed(r['ei'])}</td>"
            f"<td class=num>{r['partner_departments']}</td>"
            f"<td class=num>{_pct(r.get('gatekeeper_share'))}</td>"
            f"<td class=num>{e(satisfaction)}</td></tr>"
        )
    c = d["communities"]
    split = ", ".join(org.names.get(x, x) for x in c["split_departments"])
    return (
        "<table><thead><tr><th>department</th><th class=num>people</th>"
        "<th class=num>inside</th><th class=num>at random</th><th class=num>Coleman</th>"
        "<th class=num>odds vs reference</th><th class=num>E-I</th>"
        "<th class=num>partners</th><th class=num>gatekeeper share</th>"
        "<th class=num>satisfaction</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
        '<p class="note">Inside: share of the department\'s working ties that stay inside; '
        "at random: the same share if work mixed at random (configuration model); Coleman: "
        "0 random, 1 closed; odds: its odds of keeping a tie inside against its reference "
        "(its peers or random mixing); E-I: Krackhardt & Stern's index (shown, never "
        "decisive); gatekeeper share: the share of its crossing ties carried by its busiest "
        "person; satisfaction: mean rating from other departments (suppressed below "
        f"{analysis.thresholds.min_raters} raters).</p>"
        f"<p>Communities: {c['count']} groups found by Leiden (modularity "
        f"{_fmt_num(c['modularity'])}); agreement with the formal departments NMI "
        f"{_fmt_num(c['nmi'])}, ARI {_fmt_num(c['ari'])}."
        + (f" Departments that work as more than one group: {e(split)}." if split else "")
        + "</p>"
    )


def _bottlenecks(org, analysis, fig) -> str:
    kp = analysis.tables.get("key_person_risk")
    out = [
        fig(
            betweenness_bars(org, analysis, width=fig.width),
            "Highest betweenness: the share of shortest working paths between others "
            "that run through the unit (orange: a bottleneck finding).",
        )
    ]
    if kp is not None and not kp.empty:
        names = org.names
        rows = "".join(
            f"<tr><td>{e(names.get(u, u))}</td><td>{'yes' if r.cut_vertex else ''}</td>"
            f"<td class=num>{_pct(r.dependencies_lost, '.1%')}</td>"
            f"<td class=num>{_pct(r.department_pairs_lost, '.1%')}</td>"
            f"<td class=num>{r.cut_off_from_customer}</td></tr>"
            for u, r in kp.sort_values("dependencies_lost", ascending=False).head(10).iterrows()
        )
        out.append(
            "<h3>Key-person risk: what removing one unit would cut</h3><table><thead><tr>"
            "<th>unit</th><th>cut vertex</th><th class=num>who-reaches-whom lost</th>"
            "<th class=num>department pairs lost</th>"
            "<th class=num>units cut off from customer</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>"
        )
    return "\n".join(out)


def _compare(c) -> str:
    b, a = c["before"], c["after"]
    t, h, f = c["ties"], c["handoffs"], c["findings"]
    u = c["units"]
    out = [
        f"<p>From <b>{e(b['label'])}</b> ({b['people']} people, {b['ties']} ties, "
        f"{b['findings']} findings) to <b>{e(a['label'])}</b> ({a['people']} people, "
        f"{a['ties']} ties, {a['findings']} findings).</p>",
        '<div class="cards">',
    ]
    for big, label in (
        (
            f"{len(u['joined'])} / {len(u['left'])} / {len(u['moved'])}",
            "units joined / left / moved",
        ),
        (f"+{len(t['added'])} / −{len(t['removed'])}", f"ties added / removed ({t['kept']} kept)"),
        (f"+{len(h['added'])} / −{len(h['removed'])}", "handoffs added / removed"),
        (
            f"{len(f['appeared'])} / {len(f['resolved'])} / {len(f['persisted'])}",
            "findings appeared / resolved / persisted",
        ),
    ):
        out.append(f'<div class="card"><span class="big">{e(big)}</span>{e(label)}</div>')
    out.append("</div>")
    for title, items in (("Appeared", f["appeared"]), ("Resolved", f["resolved"])):
        if items:
            out.append(f"<h3>Findings {title.lower()}</h3><ul>")
            out += [
                f"<li><b>{e(KIND_LABELS.get(r['kind'], r['kind']))}</b>: "
                f"{e(', '.join(r['subject_names'][:5]))} (score {r['score']:.2f}): "
                f"{e(r['measure'])}</li>"
                for r in items
            ]
            out.append("</ul>")
    if f["persisted"]:
        rows = "".join(
            f"<tr><td>{e(KIND_LABELS.get(r['kind'], r['kind']))}</td>"
            f"<td>{e(', '.join(r['subject_names'][:4]))}</td>"
            f"<td class=num>{r['score_before']:.2f}</td><td class=num>{r['score']:.2f}</td></tr>"
            for r in f["persisted"]
        )
        out.append(
            "<h3>Findings that persisted</h3><table><thead><tr><th>kind</th><th>subjects</th>"
            "<th class=num>score before</th><th class=num>score after</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>"
        )
    d = c["departments"]
    rows = []
    k = c.get("privacy", {}).get("min_group_size")
    for r in d["rows"]:
        if r.get("suppressed"):  # PRIVACY: fewer people than the minimum group size
            rows.append(
                f"<tr><td>{e(r['name'])}</td><td colspan=6 class=note>suppressed: fewer than "
                f"{k} people before or after</td></tr>"
            )
            continue
        silo = silo_status(r)
        rows.append(
            f"<tr><td>{e(r['name'])}</td><td class=num>{r['members_before'] or 0} → "
            f"{r['members_after'] or 0}</td>"
            f"<td class=num>{_pct(r['internal_share_before'])} → "
            f"{_pct(r['internal_share_after'])}</td>"
            f"<td class=num>{_signed(r['coleman_before'])} → {_signed(r['coleman_after'])}</td>"
            f"<td class=num>{_signed(r['excess_change'])}</td>"
            f"<td class=num>{e(p_value_text(r))}"
            f"{' *' if r['changed_beyond_chance'] else ''}</td><td>{e(silo)}</td></tr>"
        )
    out.append(
        "<h3>Departments before and after</h3><table><thead><tr><th>department</th>"
        "<th class=num>people</th><th class=num>inside</th><th class=num>Coleman</th>"
        "<th class=num>excess change</th><th class=num>p (Holm)</th><th></th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
        f'<p class="note">Test: {e(d["test"]["method"])}; {d["test"]["permutations"]:,} '
        f"shuffles, seed {d['test']['seed']}. * changed beyond chance. "
        f"{e(d['test']['caveat'])}.</p>"
    )
    if c.get("privacy", {}).get("note"):
        out.append(f'<p class="note">Privacy: {e(c["privacy"]["note"])}</p>')
    cm = c["communities"]
    out.append(
        f"<p>Communities: {cm['before']['count']} → {cm['after']['count']}; before vs after "
        f"NMI {_fmt_num(cm['nmi_between'])} on {cm['units_in_both']} units in both, against "
        f"≥ {_fmt_num(cm['rerun_nmi_min'])} between Leiden re-runs with other seeds: the "
        + (
            "groups changed beyond chance."
            if cm["changed_beyond_chance"]
            else "groups did not change more than re-running the method changes them."
        )
        + "</p>"
    )
    rows = "".join(
        f"<tr><td>{e(r['name'])}</td><td class=num>{r['rank_before'] or '–'}</td>"
        f"<td class=num>{r['rank_after'] or '–'}</td>"
        f"<td class=num>{'–' if r['move'] is None else format(r['move'], '+d')}</td>"
        f"<td>{'bottleneck' if r['bottleneck_after'] else ''}</td></tr>"
        for r in c["bottlenecks"]
    )
    out.append(
        "<h3>Bottleneck ranks (betweenness)</h3><table><thead><tr><th>unit</th>"
        "<th class=num>rank before</th><th class=num>rank after</th><th class=num>move</th>"
        f"<th></th></tr></thead><tbody>{rows}</tbody></table>"
    )
    for title, items in (("Handoffs removed", h["removed"]), ("Handoffs added", h["added"])):
        if not items:
            continue
        rows = "".join(
            f"<tr><td>{e(r['provider_name'])} → {e(r['customer_name'])}</td>"
            f"<td>{e(r['deliverable'])}</td><td>{'across' if r['crossing'] else 'inside'}</td>"
            "</tr>"
            for r in items[:30]
        )
        more = f"<p class=note>... and {len(items) - 30} more.</p>" if len(items) > 30 else ""
        out.append(
            f"<h3>{title} ({len(items)})</h3><table><thead><tr><th>provider → customer</th>"
            f"<th>deliverable</th><th>departments</th></tr></thead><tbody>{rows}</tbody>"
            f"</table>{more}"
        )
    return "\n".join(out)


_RULES = (
    (
        "silo",
        "Coleman homophily ≥ {silo_coleman_min:g} and odds of keeping a tie inside "
        "≥ {silo_odds_ratio_min:g}x its reference (peers' median, or random mixing with fewer "
        "than {silo_min_peers} peers); departments under {min_group_size} members not judged; "
        "permutation and binomial tests, Holm, p ≤ {p_max:g}.",
    ),
    (
        "blocks",
        "assortativity by department ≥ {blocks_assortativity_min:g} (Newman 2003), "
        "label-shuffle z-test, p ≤ {p_max:g}.",
    ),
    (
        "bottleneck",
        "betweenness ≥ {bottleneck_multiple:g}x the average and robust z ≥ "
        "{bottleneck_z:g} (Bonferroni-raised, alpha {outlier_alpha:g}); or sole link on ≥ "
        "{sole_link_share:.0%} of the handoffs between two departments (≥ {sole_link_min_ties} "
        "handoffs); or removal leaves ≥ {key_person_dependencies:.0%} of who-reaches-whom pairs "
        "without a route.",
    ),
    (
        "critical_handoff",
        "edge betweenness ≥ {handoff_multiple:g}x the average handoff and "
        "robust z ≥ {handoff_z:g}; or the only link to ≥ {min_group_size} units; or a department "
        "pair with ≥ {interface_min_handoffs} handoffs at mean closeness ≤ "
        "{interface_closeness_max:g}.",
    ),
    (
        "target_not_capable",
        "an internal SLA met less than {target_on_time_min:.0%} of the "
        "time, with ≥ {min_deliveries} deliveries.",
    ),
    (
        "promise_at_risk",
        "the simulated promise to the external customer met less than "
        "{promise_min_probability:.0%} of the time ({simulation_runs:,} simulated orders).",
    ),
    ("alignment_gap", "provider and customer rate closeness ≥ {alignment_gap:g} points apart."),
    (
        "low_internal_satisfaction",
        "mean satisfaction below {satisfaction_min:g} from ≥ "
        "{min_raters} raters, one-sided t-test, Holm, p ≤ {p_max:g}.",
    ),
)


def _coverage(org, analysis) -> str:
    h = org.handoffs
    n = len(h)

    def share(col):
        if col not in h or not n:
            return "–"
        k = int(h[col].notna().sum())
        return f"{k:,} of {n:,} ({k / n:.0%})"

    d = org.deliveries
    rows = [
        ("handoffs with a closeness rating", share("closeness")),
        ("handoffs with a satisfaction rating", share("satisfaction")),
        ("handoffs with an internal SLA", share("sla_days")),
        (
            "handoffs rated by both sides",
            share("provider_closeness")
            if "provider_closeness" in h and "customer_closeness" in h
            else "–",
        ),
        ("deliveries recorded", f"{len(d):,}"),
    ]
    if len(d):
        open_ = int(d["delivered"].isna().sum())
        first, last = d["requested"].min(), d["requested"].max()
        rows.append(("open deliveries (left out of lead times)", f"{open_:,}"))
        if first == first and last == last:
            rows.append(("deliveries requested from – to", f"{first:%Y-%m-%d} – {last:%Y-%m-%d}"))
    cap = analysis.tables.get("capability")
    if cap is not None and not cap.empty:
        few = int(cap["too_few"].sum())
        rows.append(("handoffs with deliveries (too few to judge)", f"{len(cap)} ({few})"))
    g = org.graph
    inactive = sum(1 for u in g if g.degree(u) == 0)
    rows.append(("units that take part in no handoff", f"{inactive:,}"))
    rows.append(("validation warnings", f"{len(org.warnings):,}"))
    sat = analysis.tables.get("internal_satisfaction")
    if sat is not None and not sat.empty:
        sup = sat[sat["suppressed"].astype(bool)]
        rows.append(
            (
                f"departments' satisfaction suppressed (fewer than "
                f"{analysis.thresholds.min_raters} raters)",
                f"{len(sup)} of {len(sat)}"
                + (": " + ", ".join(map(str, sup["name"])) if len(sup) else ""),
            )
        )
    return (
        "<table><tbody>"
        + "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in rows)
        + "</tbody></table>"
    )


def _methods(org, analysis, d) -> str:
    t = analysis.thresholds
    tv = asdict(t)
    rules = "".join(
        f"<tr><td>{e(KIND_LABELS[k])}</td><td>{e(text.format(**tv))}</td></tr>"
        for k, text in _RULES
    )
    thresholds = "".join(
        f"<tr><td><code>{e(k)}</code></td><td class=num>{e(_fmt_num(v))}</td></tr>"
        for k, v in tv.items()
    )
    est = ""
    estimates = d.get("estimates") or {}
    if estimates.get("choice"):
        est += f"<li>Shortest paths: {e(estimates['choice'])}.</li>"
    b = estimates.get("betweenness")
    if b:
        est += (
            f"<li>Betweenness figures are <b>estimates</b> from {_fmt_num(b.get('sources'))} "
            f"of {_fmt_num(b.get('of'))} units drawn at random, each searched forward and "
            f"backward (seed {_fmt_num(b.get('seed'))}); "
            "rankings near each other may swap.</li>"
        )
    return (
        "<h3>How findings are decided</h3>"
        "<p>Every finding answers “is this unusual <em>for this organization</em>?” with a "
        "number whose meaning does not change with size (a share, an odds ratio, a rating, "
        "or a robust z-score against the organization's own distribution), with a "
        "significance test where chance could produce it. Each rule has a <em>line</em>; "
        "<code>ratio</code> is how far the deciding number is past it (1 = on the line) and "
        "<code>score = ratio / (1 + ratio)</code>: 0.5 on the line, 0.75 at three times. "
        f"A candidate with score ≥ {max(0.5, t.min_score):g} is a finding; severity is high "
        f"from {t.high:g} and medium from {t.medium:g}; each kind shows at most "
        f"{t.max_per_kind}. For each kind with no finding, the closest candidate is "
        "reported.</p>"
        f"<table><thead><tr><th>kind</th><th>the line</th></tr></thead><tbody>{rules}"
        "</tbody></table>"
        "<h3>Thresholds used</h3>"
        f"<table class=thresholds><thead><tr><th>threshold</th><th class=num>value</th></tr>"
        f"</thead><tbody>{thresholds}</tbody></table>"
        "<h3>Data coverage</h3>" + _coverage(org, analysis) + "<h3>Caveats</h3><ul>"
        "<li>Closeness and satisfaction are people's ratings: subjective, and only as "
        "complete as the survey (coverage above). Missing closeness counts as 3.</li>"
        "<li>The promise simulation draws each step independently from its observed lead "
        "times; correlated delays (a busy month slows every step) make the real spread "
        "wider.</li>"
        "<li>Findings are relative to this organization: a silo keeps far more inside than "
        "its peers here, not than some outside benchmark.</li>"
        "<li>Communities (Leiden) and permutation tests are seeded "
        f"(seed {analysis.seed}); another seed can move borderline results.</li>"
        f"<li>Privacy: internal satisfaction of departments rated by fewer than "
        f"{t.min_raters} units is suppressed; no figure of a group of fewer than "
        f"{d['privacy']['min_group_size']} people is shown (minimum group size)"
        + (f": {e(d['privacy']['note'])}" if d["privacy"].get("note") else "")
        + (
            ". Names and ids are pseudonyms (keyed hashes)."
            if d["privacy"].get("pseudonymized")
            else ". The report names individuals (bottlenecks, key-person risks): share it "
            "accordingly."
        )
        + "</li>"
        + est
        + "</ul>"
        "<p class=note>References: Coleman (1958); Krackhardt & Stern (1988); Newman (2003); "
        "Holm (1979); Freeman (1977); Brandes (2001); Burt (1992); Gould & Fernandez (1989); "
        "Iglewicz & Hoaglin (1993); Tarjan (1974); Cross & Parker (2004); Traag, Waltman & "
        "van Eck (2019); ISO 22514-4; Clements (1989).</p>"
    )


def to_html(
    analysis,
    org,
    *,
    comparison=None,
    paper=None,
    top=None,
    generated=None,
    min_group_size=None,
) -> str:
    """The analysis as one self-contained HTML document.

    Parameters
    ----------
    analysis : Analysis
        From :func:`orggraph.analysis.analyze`.
    org : Organization
    comparison : dict, optional
        From :func:`orggraph.compare.compare` (this organization as "after"): adds a
        "What changed" section.
    paper : {"A4", "Letter"}, optional
        Lay out for that page size (fixed figure widths), as for a PDF. By default the
        layout is for a screen and figures resize with the window.
    top : int, optional
        Show only the top findings (all by default).
    generated : str, optional
        The date printed on the cover (default: today, UTC).
    min_group_size : int, optional
        No figure of a group under this many people is shown: not in a table, the
        matrix, the map or a finding (:func:`orggraph.privacy.suppress_analysis`); the
        methods section says what was suppressed and why. Default: the organization's
        own (:func:`orggraph.privacy.min_group_size_of`, 5 for a plain organization).

    Returns
    -------
    str
        HTML with plotly.js inline; no external resource is referenced.
    """
    if paper is not None and paper not in PAPERS:
        raise ValueError(f"paper must be one of {', '.join(PAPERS)}")
    from . import __version__

    # PRIVACY: every section reads the suppressed analysis and an organization that carries
    # its minimum group size (the matrix and the map suppress by it).
    k = privacy.min_group_size_of(org) if min_group_size is None else min_group_size
    if privacy.min_group_size_of(org, None) != k:
        org = privacy.private_org(org, k=k)
    analysis = privacy.suppress_analysis(analysis, org, k=k)
    d = report.to_dict(analysis, org, top=top, min_group_size=k)
    width = None
    if paper:
        _, mm = PAPERS[paper]
        width = int((mm - 2 * MARGIN_MM) / 25.4 * 96) - 4
    fig = _Figures(width)
    generated = generated or _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d")
    sections = [
        ("headline", "Headline", _headline(org, analysis, d), False),
        ("findings", "Findings", _findings(d), True),
        ("near-misses", "What came closest", _near_misses(d), False),
        ("map", "The map", _map(org, analysis), True),
        ("matrix", "Department matrix", _matrix(org, fig), True),
        ("sla", "SLAs and the promise to the customer", _sla(org, analysis, d, fig), True),
        ("departments", "Departments", _departments(org, analysis, d), True),
        ("bottlenecks", "Bottlenecks and key-person risk", _bottlenecks(org, analysis, fig), False),
    ]
    if comparison is not None:
        sections.append(("compare", "What changed", _compare(comparison), True))
    sections.append(("methods", "Methods and caveats", _methods(org, analysis, d), True))
    toc = "".join(f'<li><a href="#{sid}">{e(title)}</a></li>' for sid, title, _, _ in sections)
    body = "\n".join(
        f'<section id="{sid}"{" class=page" if page else ""}><h2>{e(title)}</h2>\n{html}</section>'
        for sid, title, html, page in sections
    )
    subtitle = f"orggraph {e(__version__)} · analysed {e(generated)} · seed {analysis.seed}" + (
        f" · laid out for {e(paper)}" if paper else ""
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>orggraph report: {e(org.name)}</title>"
        f"<style>{_css(paper)}</style>"
        f'<script type="text/javascript">{get_plotlyjs()}</script>'
        "</head><body><main>"
        '<header class="cover">'
        f"<h1>How work flows in {e(org.name)}</h1>"
        f"<p>{subtitle}</p></header>"
        f'<nav class="toc"><h2>Contents</h2><ol>{toc}</ol></nav>'
        f"{body}"
        "<footer>Made with orggraph: a directed graph of internal customers, from provider "
        "to internal customer. The same analysis in JSON: <code>orggraph analyze --format "
        "json</code>.</footer>"
        "</main></body></html>\n"
    )

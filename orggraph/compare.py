"""Before and after: what changed between two (or more) snapshots of an organization.

An organization is mapped more than once: before and after a reorganization, a merger, a
new system. :func:`compare` joins two snapshots by unit id and handoff and reports, as
plain data:

- **units** that joined, left, or moved to another top-level department;
- **ties** (provider -> customer pairs) and **handoffs** (provider, customer, deliverable)
  added and removed, and on the ones kept, how **closeness**, **satisfaction** and the
  **weight** (how much flows) changed;
- **findings** that appeared, were resolved or persisted, matched by kind and subjects
  (:func:`finding_key`);
- per department, the **internal share**, **Coleman homophily** and **excess** (log odds
  against the reference) of the ``ei_index`` table before and after, with a permutation
  test of whether the change of the internal share is larger than chance
  (:func:`share_change_test`), Holm-adjusted over departments;
- the **communities** before and after, their agreement with each other (NMI, ARI on the
  units present in both) against the agreement of Leiden's own re-runs with other seeds;
- **bottleneck ranks** (betweenness) that moved.

:func:`trend` does the same over three or more snapshots: per department and per finding,
one value per period.

Every number comes from :func:`orggraph.analysis.analyze` of each snapshot; nothing here
recomputes an analysis table. Privacy: no figure of a group under the minimum group size
(before or after) is reported (:func:`suppress_comparison`); the result says what was
suppressed and why. The renderers :func:`to_text`, :func:`to_markdown` and
:func:`to_json` print the result.
"""

from __future__ import annotations

import json
import math

import numpy as np

from . import privacy
from .analysis import KINDS, analyze
from .analysis.silos import communities as find_communities
from .analysis.silos import holm
from .report import _num

__all__ = [
    "compare",
    "trend",
    "finding_key",
    "share_change_test",
    "p_value_text",
    "silo_status",
    "to_dict",
    "to_json",
    "to_text",
    "to_markdown",
    "trend_text",
    "trend_markdown",
    "suppress_comparison",
    "SCHEMA",
]

SCHEMA = 1

#: How many bottleneck ranks to list (the top of either snapshot).
TOP_RANKS = 10
#: Re-runs of Leiden with other seeds that give the chance level of community change.
COMMUNITY_RUNS = 10


# ------------------------------------------------------------------ helpers
def finding_key(f) -> tuple:
    """What makes a finding the same finding in two snapshots: its kind and subjects.

    ``blocks`` is about the whole organization: its kind alone. A target not capable
    names its providers (in any order) and then its customer: the providers are sorted.
    Every other kind keeps its subjects in order (a handoff runs provider -> customer).

    Examples
    --------
    >>> from orggraph.analysis import Finding
    >>> finding_key(Finding("silo", "high", 0.8, ("PD",), "..."))
    ('silo', ('PD',))
    >>> finding_key(Finding("target_not_capable", "low", 0.6, ("b", "a", "c"), "..."))
    ('target_not_capable', ('a', 'b', 'c'))
    """
    kind = f["kind"] if isinstance(f, dict) else f.kind
    subjects = tuple(f["subjects"] if isinstance(f, dict) else f.subjects)
    if kind == "blocks":
        return (kind, ())
    if kind == "target_not_capable" and len(subjects) > 1:
        return (kind, tuple(sorted(subjects[:-1])) + subjects[-1:])
    return (kind, subjects)


def share_change_test(kept, removed, added, *, rng, n):
    """Permutation p-value of a change in a department's internal share.

    The department's ties are split by what happened to them: ``kept`` (in both
    snapshots), ``removed`` (before only) and ``added`` (after only), each given as
    ``(inside, crossing)`` counts (inside: both ends in the department; crossing: one end
    outside). The statistic is the absolute change of the internal share,
    ``|inside after / ties after - inside before / ties before|``. Under the null
    hypothesis, which ties were kept, removed or added has nothing to do with whether they
    stay inside: the inside/crossing labels are shuffled over all the department's ties
    ``n`` times, keeping the three groups' sizes (each shuffle is a draw of the
    multivariate hypergeometric distribution, the same as shuffling a list of labels).
    ``p = (1 + shuffles at least as extreme) / (n + 1)``, two-sided.

    A tie kept whose label changed (one end moved department) counts as one removed and
    one added. Returns ``(p, n)``; ``p`` is None when a snapshot has no tie of the
    department or nothing changed.

    Examples
    --------
    A department loses its 10 crossing ties and keeps its 21 inside ones:

    >>> rng = np.random.default_rng(0)
    >>> p, _ = share_change_test((21, 0), (0, 10), (0, 0), rng=rng, n=9999)
    >>> p
    0.0001
    >>> p, _ = share_change_test((20, 10), (5, 3), (5, 2), rng=rng, n=999)
    >>> p > 0.5
    True
    """
    (ki, kc), (ri, rc), (ai, ac) = kept, removed, added
    k, r, a = ki + kc, ri + rc, ai + ac
    if k + r == 0 or k + a == 0 or r + a == 0:
        return None, n
    m, big_k = k + r + a, ki + ri + ai

    def stat(xk, xr, xa):
        return np.abs((xk + xa) / (k + a) - (xk + xr) / (k + r))

    observed = stat(ki, ri, ai)
    xk = rng.hypergeometric(big_k, m - big_k, k, size=n) if k else np.zeros(n, dtype=int)
    good, bad = big_k - xk, (m - big_k) - (k - xk)
    xr = rng.hypergeometric(good, bad, r) if r else np.zeros(n, dtype=int)
    xa = big_k - xk - xr
    hits = int(np.count_nonzero(stat(xk, xr, xa) >= observed - 1e-12))
    return (1 + hits) / (n + 1), n


def _dept_ties(org) -> dict:
    """(provider, customer) -> (provider department, customer department), actors only."""
    ext = set(org.external)
    dept = org.department_of
    return {
        (p, c): (dept(p), dept(c)) for p, c in org.graph.edges() if p not in ext and c not in ext
    }


def _tie_groups(tb, ta, d) -> tuple:
    """(inside, crossing) counts of department ``d``'s kept, removed and added ties."""
    kept, removed, added = [0, 0], [0, 0], [0, 0]
    for e, (x, y) in tb.items():
        if d not in (x, y):
            continue
        inside = x == y
        if e in ta and ta[e] == (x, y):
            kept[0 if inside else 1] += 1
        else:
            removed[0 if inside else 1] += 1
    for e, (x, y) in ta.items():
        if d in (x, y) and not (e in tb and tb[e] == (x, y)):
            added[0 if x == y else 1] += 1
    return tuple(kept), tuple(removed), tuple(added)


def _names(org):
    return org.names


def _unit_row(org, u) -> dict:
    d = org.department_of(u)
    return {
        "id": u,
        "name": org.names.get(u, u),
        "kind": org.kind_of(u),
        "department": d,
        "department_name": org.names.get(d, d),
    }


def _units(before, after) -> dict:
    b, a = set(before.ids), set(after.ids)
    joined = [_unit_row(after, u) for u in after.ids if u not in b]
    left = [_unit_row(before, u) for u in before.ids if u not in a]
    moved = []
    for u in after.ids:
        if u not in b:
            continue
        d0, d1 = before.department_of(u), after.department_of(u)
        if d0 != d1:
            moved.append(
                {
                    "id": u,
                    "name": after.names.get(u, u),
                    "kind": after.kind_of(u),
                    "from": d0,
                    "from_name": before.names.get(d0, d0),
                    "to": d1,
                    "to_name": after.names.get(d1, d1),
                }
            )
    return {
        "before": len(before.ids),
        "after": len(after.ids),
        "joined": joined,
        "left": left,
        "moved": moved,
    }


def _crossing(org, p, c) -> bool:
    return org.department_of(p) != org.department_of(c)


def _tie_row(org, p, c, d) -> dict:
    return {
        "provider": p,
        "customer": c,
        "provider_name": org.names.get(p, p),
        "customer_name": org.names.get(c, c),
        "crossing": _crossing(org, p, c),
        "weight": _num(d["weight"]),
        "closeness": _num(d["closeness"]),
        "handoffs": int(d["handoffs"]),
    }


def _changes(pairs, label) -> dict:
    """Summary of before -> after values of one measure on the items kept."""
    rated = [(k, b, a) for k, b, a in pairs if _finite(b) and _finite(a)]
    diffs = np.array([a - b for _, b, a in rated], dtype=float)
    changed = [(k, b, a) for k, b, a in rated if abs(a - b) > 1e-9]
    largest = sorted(
        changed, key=lambda t: (-abs(t[2] - t[1]), t[0]["provider"], t[0]["customer"])
    )[:10]
    return {
        "measure": label,
        "compared": len(rated),
        "changed": len(changed),
        "up": int(np.count_nonzero(diffs > 1e-9)),
        "down": int(np.count_nonzero(diffs < -1e-9)),
        "mean_before": _num(float(np.mean([b for _, b, _ in rated]))) if rated else None,
        "mean_after": _num(float(np.mean([a for _, _, a in rated]))) if rated else None,
        "mean_change": _num(float(diffs.mean())) if rated else None,
        "largest": [
            {**k, "before": _num(b), "after": _num(a), "change": _num(a - b)} for k, b, a in largest
        ],
    }


def _finite(v) -> bool:
    return v is not None and isinstance(v, (int, float)) and math.isfinite(v)


def _ties(before, after) -> dict:
    gb, ga = before.graph, after.graph
    eb, ea = set(gb.edges()), set(ga.edges())
    added = sorted(ea - eb)
    removed = sorted(eb - ea)
    kept = sorted(eb & ea)

    def key(p, c):
        return {
            "provider": p,
            "customer": c,
            "provider_name": after.names.get(p, before.names.get(p, p)),
            "customer_name": after.names.get(c, before.names.get(c, c)),
        }

    return {
        "before": len(eb),
        "after": len(ea),
        "added": [_tie_row(after, p, c, ga.edges[p, c]) for p, c in added],
        "removed": [_tie_row(before, p, c, gb.edges[p, c]) for p, c in removed],
        "kept": len(kept),
        "crossing_added": sum(_crossing(after, p, c) for p, c in added),
        "crossing_removed": sum(_crossing(before, p, c) for p, c in removed),
        "weight": _changes(
            [(key(p, c), gb.edges[p, c]["weight"], ga.edges[p, c]["weight"]) for p, c in kept],
            "weight",
        ),
    }


def _handoff_table(org, by_pair):
    h = org.handoffs
    out = {}
    for r in h.to_dict("records"):
        k = (
            (r["provider"], r["customer"])
            if by_pair
            else (r["provider"], r["customer"], str(r["deliverable"]).strip().lower())
        )
        out.setdefault(k, []).append(r)
    return out


def _mean(rows, col):
    vals = [r[col] for r in rows if _finite(r.get(col))]
    return float(np.mean(vals)) if vals else None


def _handoffs(before, after) -> dict:
    db = {str(x).strip().lower() for x in before.handoffs["deliverable"]}
    da = {str(x).strip().lower() for x in after.handoffs["deliverable"]}
    by_pair = bool(db) and bool(da) and not (db & da)
    hb, ha = _handoff_table(before, by_pair), _handoff_table(after, by_pair)

    def rows(org, table, keys):
        out = []
        for k in keys:
            for r in table[k]:
                out.append(
                    {
                        "provider": r["provider"],
                        "customer": r["customer"],
                        "deliverable": r["deliverable"],
                        "provider_name": org.names.get(r["provider"], r["provider"]),
                        "customer_name": org.names.get(r["customer"], r["customer"]),
                        "crossing": _crossing(org, r["provider"], r["customer"]),
                        "closeness": _num(r["closeness"]),
                        "satisfaction": _num(r["satisfaction"]),
                    }
                )
        return out

    added = sorted(set(ha) - set(hb))
    removed = sorted(set(hb) - set(ha))
    kept = sorted(set(hb) & set(ha))

    def label(k):
        r = ha[k][0]
        return {
            "provider": r["provider"],
            "customer": r["customer"],
            "deliverable": r["deliverable"],
            "provider_name": after.names.get(r["provider"], r["provider"]),
            "customer_name": after.names.get(r["customer"], r["customer"]),
        }

    return {
        "matched_by": "provider, customer" if by_pair else "provider, customer, deliverable",
        "note": (
            "the two snapshots share no deliverable name (research waves name the "
            "relation after the file), so handoffs are matched by provider and customer"
            if by_pair
            else None
        ),
        "before": len(before.handoffs),
        "after": len(after.handoffs),
        "added": rows(after, ha, added),
        "removed": rows(before, hb, removed),
        "kept": sum(len(ha[k]) for k in kept),
        "closeness": _changes(
            [(label(k), _mean(hb[k], "closeness"), _mean(ha[k], "closeness")) for k in kept],
            "closeness",
        ),
        "satisfaction": _changes(
            [(label(k), _mean(hb[k], "satisfaction"), _mean(ha[k], "satisfaction")) for k in kept],
            "satisfaction",
        ),
    }


def _finding_row(org, f) -> dict:
    return {
        "kind": f.kind,
        "subjects": list(f.subjects),
        "subject_names": [org.names.get(s, s) for s in f.subjects],
        "severity": f.severity,
        "score": _num(f.score),
        "summary": f.summary,
        "measure": f.measure,
    }


def _findings(before, after, ab, aa) -> dict:
    fb = {finding_key(f): f for f in ab.findings}
    fa = {finding_key(f): f for f in aa.findings}
    appeared = [_finding_row(after, f) for k, f in fa.items() if k not in fb]
    resolved = [_finding_row(before, f) for k, f in fb.items() if k not in fa]
    persisted = []
    for k, f in fa.items():
        if k in fb:
            row = _finding_row(after, f)
            row["score_before"] = _num(fb[k].score)
            row["severity_before"] = fb[k].severity
            row["score_change"] = _num(f.score - fb[k].score)
            persisted.append(row)
    limited = {
        k: {"before": ab.totals.get(k), "after": aa.totals.get(k)}
        for k in KINDS
        if (ab.totals.get(k, {}).get("found", 0) > ab.totals.get(k, {}).get("shown", 0))
        or (aa.totals.get(k, {}).get("found", 0) > aa.totals.get(k, {}).get("shown", 0))
    }
    return {
        "before": len(ab.findings),
        "after": len(aa.findings),
        "appeared": appeared,
        "resolved": resolved,
        "persisted": persisted,
        "matched_by": "kind and subjects (blocks: kind; target not capable: providers "
        "in any order, then the customer)",
        "limited_kinds": limited,
    }


_DEPT_COLS = ("members", "internal_ties", "external_ties", "internal_share", "coleman", "excess")


def _departments(before, after, ab, aa, *, seed, permutations) -> dict:
    eb, ea = ab.tables["ei_index"], aa.tables["ei_index"]
    silo_b = {f.subjects[0] for f in ab.findings if f.kind == "silo"}
    silo_a = {f.subjects[0] for f in aa.findings if f.kind == "silo"}
    order = list(dict.fromkeys([*ea.index, *eb.index]))
    rng = np.random.default_rng(seed)
    tb, ta = _dept_ties(before), _dept_ties(after)
    rows, pvals = [], []
    for d in order:
        row = {"department": d, "name": after.names.get(d, before.names.get(d, d))}
        for col in _DEPT_COLS:
            vb = _num(eb.at[d, col]) if d in eb.index else None
            va = _num(ea.at[d, col]) if d in ea.index else None
            row[f"{col}_before"], row[f"{col}_after"] = vb, va
            if col not in ("internal_ties", "external_ties"):
                row[f"{col}_change"] = (
                    _num(va - vb) if _finite(vb) and _finite(va) and col != "members" else None
                )
        row["members_change"] = (
            row["members_after"] - row["members_before"]
            if row["members_before"] is not None and row["members_after"] is not None
            else None
        )
        p = None
        if d in eb.index and d in ea.index:
            groups = _tie_groups(tb, ta, d)
            row["ties_kept"], row["ties_removed"], row["ties_added"] = (list(g) for g in groups)
            p, _ = share_change_test(*groups, rng=rng, n=permutations)
        row["p_value"] = p
        row["silo_before"], row["silo_after"] = d in silo_b, d in silo_a
        rows.append(row)
        pvals.append(p)
    tested = [i for i, p in enumerate(pvals) if p is not None]
    adjusted = holm(np.array([pvals[i] for i in tested], dtype=float)) if tested else []
    for i, p in zip(tested, adjusted, strict=True):
        rows[i]["p_holm"] = _num(float(p))
    for r in rows:
        r.setdefault("p_holm", None)
        r["changed_beyond_chance"] = r["p_holm"] is not None and r["p_holm"] <= ab.thresholds.p_max
    mix_b = ab.tables["ei_index"].attrs.get("assortativity", {})
    mix_a = aa.tables["ei_index"].attrs.get("assortativity", {})
    return {
        "rows": rows,
        "test": {
            "statistic": "absolute change of the internal share (ties inside / ties inside "
            "or crossing)",
            "method": "permutation test: the inside/crossing labels of the department's ties "
            "shuffled over its kept, removed and added ties (which ties changed is then "
            "unrelated to whether they cross the boundary), two-sided, Holm-adjusted over "
            f"departments, changed beyond chance at p <= {ab.thresholds.p_max:g}",
            "permutations": permutations,
            "seed": seed,
            "caveat": "it asks whether the ties that changed favoured one side of the "
            "boundary, not whether the change matters; ties are provider -> customer pairs "
            "between internal units, as in the department table",
        },
        "assortativity_before": _num(mix_b.get("assortativity")),
        "assortativity_after": _num(mix_a.get("assortativity")),
    }


def _nmi(m1, m2) -> tuple[float, float]:
    import igraph as ig

    if len(m1) < 2:
        return float("nan"), float("nan")
    return (
        ig.compare_communities(m1, m2, method="nmi"),
        ig.compare_communities(m1, m2, method="adjusted_rand"),
    )


def _membership(comm) -> dict:
    m = comm["membership"]
    return dict(zip(m["actor"], m["community"], strict=False))


def _communities(before, after, ab, aa, *, seed, runs) -> dict:
    mb, ma = _membership(ab.communities), _membership(aa.communities)
    common = [u for u in mb if u in ma]
    nmi, ari = _nmi([mb[u] for u in common], [ma[u] for u in common])
    # Chance level: how much Leiden's own groups move when only its seed changes.
    reruns = []
    for org, base in ((before, mb), (after, ma)):
        for s in range(1, runs + 1):
            other = _membership(find_communities(org, seed=seed + s))
            keys = [u for u in common if u in other]
            reruns.append(_nmi([base[u] for u in keys], [other[u] for u in keys])[0])
    reruns = [x for x in reruns if math.isfinite(x)]
    low = min(reruns) if reruns else float("nan")

    def side(a):
        c = a.communities
        return {
            "count": int(c["membership"]["community"].nunique()),
            "nmi_departments": _num(c["nmi"]),
            "ari_departments": _num(c["ari"]),
            "modularity": _num(c["modularity"]),
            "split_departments": list(c["split_departments"]),
        }

    return {
        "before": side(ab),
        "after": side(aa),
        "units_in_both": len(common),
        "nmi_between": _num(nmi),
        "ari_between": _num(ari),
        "rerun_nmi_min": _num(low),
        "rerun_nmi_median": _num(float(np.median(reruns))) if reruns else None,
        "runs": runs,
        "changed_beyond_chance": bool(math.isfinite(nmi) and reruns and nmi < low),
        "test": f"Leiden re-run with {runs} other seeds on each snapshot: the groups changed "
        "beyond chance when their before-after NMI is below every re-run's NMI with its "
        "own snapshot's groups",
    }


def _ranks(table):
    b = table["betweenness"].astype(float)
    return b.rank(ascending=False, method="min").astype(int).to_dict(), b.to_dict()


def _bottlenecks(before, after, ab, aa, *, top=TOP_RANKS) -> list[dict]:
    rb, bb = _ranks(ab.tables["centrality"])
    ra, ba = _ranks(aa.tables["centrality"])
    flagged_b = {f.subjects[0] for f in ab.findings if f.kind == "bottleneck"}
    flagged_a = {f.subjects[0] for f in aa.findings if f.kind == "bottleneck"}
    units = [u for u, r in sorted(rb.items(), key=lambda t: t[1]) if r <= top]
    units += [u for u, r in sorted(ra.items(), key=lambda t: t[1]) if r <= top]
    rows = []
    for u in dict.fromkeys(units):
        r0, r1 = rb.get(u), ra.get(u)
        rows.append(
            {
                "unit": u,
                "name": after.names.get(u, before.names.get(u, u)),
                "rank_before": r0,
                "rank_after": r1,
                "move": (r0 - r1) if r0 is not None and r1 is not None else None,
                "betweenness_before": _num(bb.get(u)),
                "betweenness_after": _num(ba.get(u)),
                "bottleneck_before": u in flagged_b,
                "bottleneck_after": u in flagged_a,
            }
        )
    rows.sort(key=lambda r: (r["rank_after"] or 10**9, r["rank_before"] or 10**9))
    return rows


# ------------------------------------------------------------------ compare
def compare(
    before,
    after,
    *,
    before_analysis=None,
    after_analysis=None,
    labels=("before", "after"),
    seed=0,
    permutations=9999,
    community_runs=COMMUNITY_RUNS,
    thresholds=None,
    min_group_size=None,
) -> dict:
    """What changed between two snapshots of an organization.

    Parameters
    ----------
    before, after : Organization
        Joined by unit id; handoffs by provider, customer and deliverable (by provider
        and customer when the two share no deliverable name, as research waves do).
    before_analysis, after_analysis : Analysis, optional
        From :func:`orggraph.analysis.analyze`; computed with ``seed`` when not given.
    labels : pair of str
        How the snapshots are named in the output.
    seed : int
        Seeds the analyses, the permutation test and the Leiden re-runs.
    permutations : int
        Shuffles of the per-department test (:func:`share_change_test`).
    community_runs : int
        Leiden re-runs per snapshot that give the chance level of community change.
    min_group_size : int, optional
        Figures of departments under this many people in either snapshot are suppressed
        (:func:`suppress_comparison`); default the organizations' own
        (:func:`orggraph.privacy.min_group_size_of`, 5 for a plain organization).

    Returns
    -------
    dict
        JSON-ready: ``schema``, ``before`` and ``after`` (label and counts), ``units``,
        ``ties``, ``handoffs``, ``findings``, ``departments``, ``communities``,
        ``bottlenecks`` (see the README, "orggraph compare").

    Examples
    --------
    >>> from orggraph.analysis._examples import two_departments
    >>> org = two_departments()
    >>> c = compare(org, org, permutations=99, community_runs=1)
    >>> c["ties"]["added"], c["ties"]["removed"], c["findings"]["appeared"]
    ([], [], [])
    """
    ab = before_analysis or analyze(before, seed=seed, thresholds=thresholds)
    aa = after_analysis or analyze(after, seed=seed, thresholds=thresholds)

    def side(label, org, a):
        kinds = org.units["kind"]
        return {
            "label": label,
            "organization": org.name,
            "units": len(org.ids),
            "people": int((kinds == "person").sum()),
            "departments": len(org.departments),
            "handoffs": len(org.handoffs),
            "ties": org.graph.number_of_edges(),
            "findings": len(a.findings),
        }

    c = {
        "schema": SCHEMA,
        "seed": seed,
        "before": side(labels[0], before, ab),
        "after": side(labels[1], after, aa),
        "units": _units(before, after),
        "ties": _ties(before, after),
        "handoffs": _handoffs(before, after),
        "findings": _findings(before, after, ab, aa),
        "departments": _departments(before, after, ab, aa, seed=seed, permutations=permutations),
        "communities": _communities(before, after, ab, aa, seed=seed, runs=community_runs),
        "bottlenecks": _bottlenecks(before, after, ab, aa),
    }
    k = _k(min_group_size, before, after)
    return suppress_comparison(c, [before, after], k=k)


def _k(min_group_size, *orgs) -> int:
    if min_group_size is not None:
        return min_group_size
    return max(privacy.min_group_size_of(o) for o in orgs)


def _hides(r, small, *cols) -> bool:
    return any(r.get(c) in small for c in cols)


def suppress_comparison(c: dict, orgs, *, k=privacy.MIN_GROUP_SIZE) -> dict:
    """A comparison (:func:`compare`) with nothing about a group under ``k`` people.

    A department under ``k`` people in any of ``orgs`` (the snapshots) is a small group;
    so is every team inside it (:func:`orggraph.privacy.small_units`). Its department
    row keeps its id and name, ``suppressed`` True and every figure None; findings about
    a small group are left out (counted); tie, handoff, change and bottleneck rows with a
    small group's unit at one end are left out (counted; a person's own rows stay).
    ``c["privacy"]`` says what was suppressed and why (``note``). ``c`` is not changed.

    Examples
    --------
    >>> from orggraph.analysis._examples import two_departments
    >>> org = two_departments()
    >>> out = compare(org, org, permutations=99, community_runs=1, min_group_size=2)
    >>> [(r["department"], r["suppressed"], r["members_after"])
    ...  for r in out["departments"]["rows"] if r["department"] == "b"]
    [('b', True, None)]
    >>> out["privacy"]["suppressed_names"]
    ['B']
    """
    import copy

    privacy._check_k(k)
    small, depts, names = set(), set(), {}
    for o in orgs:
        small |= privacy.small_units(o, k=k)
        depts |= privacy.small_groups(privacy.group_sizes(o), k=k)
        names.update({d: o.names.get(d, d) for d in depts if d in o.names})
    out = copy.deepcopy(c)
    d = out["departments"]
    for r in d["rows"]:
        hide = r["department"] in depts
        r["suppressed"] = hide
        if hide:
            for key in list(r):
                if key not in ("department", "name", "suppressed"):
                    r[key] = None
            r["changed_beyond_chance"] = False
            r["silo_before"] = r["silo_after"] = False
    counts = {}
    f = out["findings"]
    for label in ("appeared", "resolved", "persisted"):
        kept = [r for r in f[label] if not privacy.about_groups(r["kind"], r["subjects"], small)]
        counts[f"findings_{label}"] = len(f[label]) - len(kept)
        f[label] = kept
    t, h = out["ties"], out["handoffs"]
    for label, block, rows in (
        ("ties", t, ("added", "removed")),
        ("handoffs", h, ("added", "removed")),
    ):
        for x in rows:
            kept = [r for r in block[x] if not _hides(r, small, "provider", "customer")]
            counts[f"{label}_{x}"] = len(block[x]) - len(kept)
            block[x] = kept
    for ch in (t["weight"], h["closeness"], h["satisfaction"]):
        ch["largest"] = [r for r in ch["largest"] if not _hides(r, small, "provider", "customer")]
    b = out["bottlenecks"]
    out["bottlenecks"] = [r for r in b if r["unit"] not in small]
    counts["bottlenecks"] = len(b) - len(out["bottlenecks"])
    listed = [str(names.get(x, x)) for x in sorted(depts)]
    note = ""
    if depts:
        word = "department" if len(depts) == 1 else "departments"
        note = (
            f"Figures of {len(depts)} {word} with fewer than {k} people before or after are "
            f"suppressed (minimum group size {k}): {', '.join(listed)}."
        )
        left = sum(counts.values())
        if left:
            them = "them" if len(depts) > 1 else "it"
            note += f" {left} row{'s' if left != 1 else ''} about {them} left out."
    out["privacy"] = {
        "min_group_size": k,
        "suppressed": sorted(depts),
        "suppressed_names": listed,
        "left_out": {x: n for x, n in counts.items() if n},
        "note": note,
    }
    return out


def to_dict(comparison) -> dict:
    """The comparison as JSON-ready data (it already is; kept for symmetry with report)."""
    return comparison


def to_json(comparison) -> str:
    return json.dumps(comparison, indent=1, ensure_ascii=False, allow_nan=False)


# -------------------------------------------------------------------- trend
def trend(
    orgs, *, analyses=None, labels=None, seed=0, thresholds=None, min_group_size=None
) -> dict:
    """Per department and per finding, one value per snapshot (three or more periods).

    Parameters
    ----------
    orgs : list of Organization, in time order.
    analyses : list of Analysis, optional (computed with ``seed`` when not given).
    labels : list of str, optional
        Period names (default ``period 1``, ``period 2``, ...).

    Returns
    -------
    dict
        ``periods``; ``sizes`` (per period: units, people, ties, handoffs, findings);
        ``steps`` (between consecutive periods: units joined, left, moved, ties added and
        removed, findings appeared and resolved); ``departments`` (per department:
        ``members``, ``internal_share``, ``coleman``, ``excess`` and ``silo`` per period);
        ``findings`` (per finding key: score per period, None where absent);
        ``privacy``: departments under ``min_group_size`` people in any period (default
        as :func:`compare`) keep only their name and ``suppressed``, findings about them
        are left out, and ``note`` says so.
    """
    orgs = list(orgs)
    labels = list(labels or [f"period {i + 1}" for i in range(len(orgs))])
    analyses = list(analyses or [analyze(o, seed=seed, thresholds=thresholds) for o in orgs])
    sizes = [
        {
            "period": lab,
            "units": len(o.ids),
            "people": int((o.units["kind"] == "person").sum()),
            "ties": o.graph.number_of_edges(),
            "handoffs": len(o.handoffs),
            "findings": len(a.findings),
            "assortativity": _num(
                a.tables["ei_index"].attrs.get("assortativity", {}).get("assortativity")
            ),
            "communities": int(a.communities["membership"]["community"].nunique()),
        }
        for lab, o, a in zip(labels, orgs, analyses, strict=True)
    ]
    steps = []
    for i in range(1, len(orgs)):
        b, a = orgs[i - 1], orgs[i]
        u = _units(b, a)
        eb, ea = set(b.graph.edges()), set(a.graph.edges())
        fb = {finding_key(f) for f in analyses[i - 1].findings}
        fa = {finding_key(f) for f in analyses[i].findings}
        steps.append(
            {
                "from": labels[i - 1],
                "to": labels[i],
                "joined": len(u["joined"]),
                "left": len(u["left"]),
                "moved": len(u["moved"]),
                "ties_added": len(ea - eb),
                "ties_removed": len(eb - ea),
                "findings_appeared": len(fa - fb),
                "findings_resolved": len(fb - fa),
            }
        )
    depts = {}
    for a, o in zip(analyses, orgs, strict=True):
        for d in a.tables["ei_index"].index:
            depts.setdefault(d, o.names.get(d, d))
    dept_rows = []
    for d, name in depts.items():
        row = {"department": d, "name": name}
        for col in ("members", "internal_share", "coleman", "excess"):
            row[col] = [
                _num(a.tables["ei_index"].at[d, col]) if d in a.tables["ei_index"].index else None
                for a in analyses
            ]
        row["silo"] = [
            any(f.kind == "silo" and f.subjects[0] == d for f in a.findings) for a in analyses
        ]
        dept_rows.append(row)
    keys = {}
    for a, o in zip(analyses, orgs, strict=True):
        for f in a.findings:
            keys.setdefault(finding_key(f), (f, o))
    finding_rows = []
    for k, (f, o) in keys.items():
        scores = []
        for a in analyses:
            hit = [g for g in a.findings if finding_key(g) == k]
            scores.append(_num(hit[0].score) if hit else None)
        finding_rows.append(
            {
                "kind": f.kind,
                "subjects": list(f.subjects),
                "subject_names": [o.names.get(s, s) for s in f.subjects],
                "scores": scores,
            }
        )
    finding_rows.sort(key=lambda r: (-sum(s is not None for s in r["scores"]), r["kind"]))
    k = _k(min_group_size, *orgs)
    small, depts, dnames = set(), set(), {}
    for o in orgs:
        small |= privacy.small_units(o, k=k)
        depts |= privacy.small_groups(privacy.group_sizes(o), k=k)
    for r in dept_rows:
        r["suppressed"] = r["department"] in depts
        if r["suppressed"]:
            dnames[r["department"]] = r["name"]
            for col in ("members", "internal_share", "coleman", "excess", "silo"):
                r[col] = [None] * len(orgs)
    hidden = [r for r in finding_rows if privacy.about_groups(r["kind"], r["subjects"], small)]
    finding_rows = [r for r in finding_rows if r not in hidden]
    listed = [str(dnames.get(d, d)) for d in sorted(depts)]
    note = (
        f"Figures of departments with fewer than {k} people in any period are suppressed "
        f"(minimum group size {k}): {', '.join(listed)}."
        + (f" {len(hidden)} finding(s) about them left out." if hidden else "")
        if depts
        else ""
    )
    return {
        "schema": SCHEMA,
        "seed": seed,
        "periods": labels,
        "sizes": sizes,
        "steps": steps,
        "departments": dept_rows,
        "findings": finding_rows,
        "privacy": {
            "min_group_size": k,
            "suppressed": sorted(depts),
            "suppressed_names": listed,
            "findings_left_out": len(hidden),
            "note": note,
        },
    }


# --------------------------------------------------------------- rendering
def _pct(v, spec=".0%"):
    return "-" if v is None else format(v, spec)


def _signed(v, spec="+.2f"):
    return "-" if v is None else format(v, spec)


def silo_status(r) -> str:
    """A department row's silo change in words: new silo, no longer a silo, silo, or ""."""
    if r["silo_after"] and not r["silo_before"]:
        return "new silo"
    if r["silo_before"] and not r["silo_after"]:
        return "no longer a silo"
    return "silo" if r["silo_after"] else ""


def p_value_text(r) -> str:
    """The Holm p-value, or why there is none."""
    if r["p_holm"] is not None:
        return f"{r['p_holm']:.3g}"
    if r.get("ties_removed") == [0, 0] and r.get("ties_added") == [0, 0]:
        return "same"
    return "-"


def _n(count, word, plural=None):
    return f"{count} {word if count == 1 else (plural or word + 's')}"


def _kind(k):
    return k.replace("_", " ")


def _lines(c, md=False) -> list[str]:
    """The comparison as lines of text (Markdown when ``md``; names escaped there)."""
    from .safety import escape_markdown

    esc = escape_markdown if md else (lambda s: s)
    b, a = c["before"], c["after"]
    h = "## " if md else ""
    bullet = "- " if md else "  "
    out = [
        ("# " if md else "") + f"orggraph compare: {esc(b['label'])} -> {esc(a['label'])}",
        "",
        f"{esc(b['label'])}: {_n(b['people'], 'person', 'people')}, "
        f"{_n(b['departments'], 'department')}, {_n(b['ties'], 'tie')}, "
        f"{_n(b['handoffs'], 'handoff')}, {_n(b['findings'], 'finding')}.",
        f"{esc(a['label'])}: {_n(a['people'], 'person', 'people')}, "
        f"{_n(a['departments'], 'department')}, {_n(a['ties'], 'tie')}, "
        f"{_n(a['handoffs'], 'handoff')}, {_n(a['findings'], 'finding')}.",
        "",
    ]
    note = c.get("privacy", {}).get("note")
    if note:
        out += [f"Privacy: {esc(note)}", ""]
    u = c["units"]
    out += [
        f"{h}Units",
        "",
        f"{len(u['joined'])} joined, {len(u['left'])} left, {len(u['moved'])} moved department.",
    ]
    for label, items in (("joined", u["joined"]), ("left", u["left"])):
        for r in items[:15]:
            out.append(f"{bullet}{label}: {esc(r['name'])} ({esc(r['department_name'])})")
        if len(items) > 15:
            out.append(f"{bullet}... and {len(items) - 15} more {label}")
    for r in u["moved"][:20]:
        out.append(f"{bullet}moved: {esc(r['name'])}: {esc(r['from_name'])} -> {esc(r['to_name'])}")
    t = c["ties"]
    net = t["after"] - t["before"]
    out += [
        "",
        f"{h}Ties and handoffs",
        "",
        f"Ties (provider -> customer pairs): {t['before']} -> {t['after']} ({net:+d}): "
        f"{len(t['added'])} added ({t['crossing_added']} across departments), "
        f"{len(t['removed'])} removed ({t['crossing_removed']} across departments), "
        f"{t['kept']} kept"
        + (f" ({t['kept'] / t['before']:.0%} of the ties before)." if t["before"] else "."),
    ]
    hd = c["handoffs"]
    out.append(
        f"Handoffs (matched by {hd['matched_by']}): {hd['before']} -> {hd['after']}: "
        f"{len(hd['added'])} added, {len(hd['removed'])} removed, {hd['kept']} kept."
    )
    if hd["note"]:
        out.append(f"({hd['note']}.)")
    for label, items in (("removed", hd["removed"]), ("added", hd["added"])):
        for r in items[:15]:
            out.append(
                f"{bullet}{label}: {esc(r['provider_name'])} -> {esc(r['customer_name'])}"
                f" ({esc(r['deliverable'])})" + (" [across departments]" if r["crossing"] else "")
            )
        if len(items) > 15:
            out.append(f"{bullet}... and {len(items) - 15} more {label}")
    for ch in (t["weight"], hd["closeness"], hd["satisfaction"]):
        if not ch["compared"]:
            continue
        out.append(
            f"{ch['measure'].capitalize()} on the {ch['compared']} kept: {ch['changed']} "
            f"changed ({ch['up']} up, {ch['down']} down), mean {ch['mean_before']:.2f} -> "
            f"{ch['mean_after']:.2f} ({ch['mean_change']:+.2f})."
        )
        for r in ch["largest"][:5]:
            out.append(
                f"{bullet}{esc(r['provider_name'])} -> {esc(r['customer_name'])}: "
                f"{r['before']:.2f} -> {r['after']:.2f}"
            )
    f = c["findings"]
    out += [
        "",
        f"{h}Findings",
        "",
        f"{f['before']} -> {f['after']}: {len(f['appeared'])} appeared, "
        f"{len(f['resolved'])} resolved, {len(f['persisted'])} persisted (matched by "
        f"{f['matched_by']}).",
    ]
    for label, items in (("appeared", f["appeared"]), ("resolved", f["resolved"])):
        for r in items:
            out.append(
                f"{bullet}{label}: {_kind(r['kind'])}: {esc(', '.join(r['subject_names'][:4]))}"
                + (" ..." if len(r["subject_names"]) > 4 else "")
                + f" (score {r['score']:.2f}): {esc(r['measure'])}"
            )
    for r in f["persisted"]:
        out.append(
            f"{bullet}persisted: {_kind(r['kind'])}: {esc(', '.join(r['subject_names'][:4]))}"
            + (" ..." if len(r["subject_names"]) > 4 else "")
            + f" (score {r['score_before']:.2f} -> {r['score']:.2f})"
        )
    d = c["departments"]
    test = d["test"]
    out += [
        "",
        f"{h}Departments",
        "",
        f"Assortativity by department: {_signed(d['assortativity_before'])} -> "
        f"{_signed(d['assortativity_after'])}.",
        f"Test: {test['method']}; {test['permutations']:,} shuffles, seed {test['seed']}. "
        f"Note: {test['caveat']}.",
        "",
    ]
    if md:
        out += [
            "| department | people | inside before | inside after | Coleman before | "
            "Coleman after | excess change | p (Holm) | silo |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
    else:
        out.append(
            f"  {'department':<24} {'people':>9} {'inside':>11} {'Coleman':>13} "
            f"{'excess':>7} {'p Holm':>7}  silo"
        )
    k = c.get("privacy", {}).get("min_group_size")
    for r in d["rows"]:
        if r.get("suppressed"):  # PRIVACY: fewer people than the minimum group size
            why = f"suppressed: fewer than {k} people"
            if md:
                out.append(f"| {esc(r['name'])} | {why} |" + " |" * 7)
            else:
                out.append(f"  {r['name'][:24]:<24} ({why})")
            continue
        people = f"{r['members_before'] or 0}->{r['members_after'] or 0}"
        silo = silo_status(r)
        p = p_value_text(r)
        star = " *" if r["changed_beyond_chance"] else ""
        if md:
            out.append(
                f"| {esc(r['name'])} | {people} | {_pct(r['internal_share_before'])} | "
                f"{_pct(r['internal_share_after'])} | {_signed(r['coleman_before'])} | "
                f"{_signed(r['coleman_after'])} | {_signed(r['excess_change'])} | {p}{star} | "
                f"{silo} |"
            )
        else:
            inside = f"{_pct(r['internal_share_before'])}->{_pct(r['internal_share_after'])}"
            col = f"{_signed(r['coleman_before'])}->{_signed(r['coleman_after'])}"
            out.append(
                f"  {r['name'][:24]:<24} {people:>9} {inside:>11} {col:>13} "
                f"{_signed(r['excess_change']):>7} {p:>7}{star}  {silo}"
            )
    out.append(
        ("" if md else "  ")
        + "(inside: share of the department's ties that stay inside; excess: change of the "
        "log odds against its reference; * changed beyond chance)"
    )
    cm = c["communities"]
    out += [
        "",
        f"{h}Communities",
        "",
        f"{cm['before']['count']} -> {cm['after']['count']} communities; agreement with "
        f"departments NMI {_signed(cm['before']['nmi_departments'], '.2f')} -> "
        f"{_signed(cm['after']['nmi_departments'], '.2f')}; modularity "
        f"{_signed(cm['before']['modularity'], '.2f')} -> "
        f"{_signed(cm['after']['modularity'], '.2f')}.",
        f"Before vs after, on the {cm['units_in_both']} units in both: NMI "
        f"{_signed(cm['nmi_between'], '.2f')}, ARI {_signed(cm['ari_between'], '.2f')}; "
        f"Leiden re-run with other seeds agrees with itself at NMI >= "
        f"{_signed(cm['rerun_nmi_min'], '.2f')} (median "
        f"{_signed(cm['rerun_nmi_median'], '.2f')}): the groups "
        + (
            "changed beyond chance."
            if cm["changed_beyond_chance"]
            else "did not change more than re-running the method changes them."
        ),
        "",
        f"{h}Bottleneck ranks (betweenness)",
        "",
    ]
    if md:
        out += [
            "| unit | rank before | rank after | move | betweenness |",
            "|---|---:|---:|---:|---|",
        ]
    for r in c["bottlenecks"]:
        move = "-" if r["move"] is None else f"{r['move']:+d}"
        rb = "-" if r["rank_before"] is None else str(r["rank_before"])
        ra = "-" if r["rank_after"] is None else str(r["rank_after"])
        btw = (
            f"{_signed(r['betweenness_before'], '.3f')} -> {_signed(r['betweenness_after'], '.3f')}"
        )
        flag = " (bottleneck)" if r["bottleneck_after"] else ""
        if md:
            out.append(f"| {esc(r['name'])}{flag} | {rb} | {ra} | {move} | {btw} |")
        else:
            out.append(f"  {r['name'][:28]:<28} {rb:>4} -> {ra:>4}  {move:>4}  {btw}{flag}")
    return out


def to_text(comparison) -> str:
    """The comparison for a terminal."""
    return "\n".join(_lines(comparison))


def to_markdown(comparison) -> str:
    """The comparison as Markdown (names escaped)."""
    return "\n".join(_lines(comparison, md=True)) + "\n"


def _trend_lines(t, md=False) -> list[str]:
    from .safety import escape_markdown

    esc = escape_markdown if md else (lambda s: s)
    periods = [esc(p) for p in t["periods"]]
    out = [("# " if md else "") + "orggraph trend: " + " -> ".join(periods), ""]

    def table(header, rows):
        if md:
            return [
                "| " + " | ".join(header) + " |",
                "|" + "---|" * len(header),
                *["| " + " | ".join(r) + " |" for r in rows],
            ]
        widths = [max(len(x) for x in col) for col in zip(header, *rows, strict=True)]
        return [
            "  "
            + "  ".join(
                x.ljust(w) if i == 0 else x.rjust(w)
                for i, (x, w) in enumerate(zip(r, widths, strict=True))
            )
            for r in [header, *rows]
        ]

    out.append(("## " if md else "") + "Sizes")
    out.append("")
    out += table(
        ["period", "people", "ties", "handoffs", "findings", "assortativity", "communities"],
        [
            [
                esc(s["period"]),
                str(s["people"]),
                str(s["ties"]),
                str(s["handoffs"]),
                str(s["findings"]),
                _signed(s["assortativity"]),
                str(s["communities"]),
            ]
            for s in t["sizes"]
        ],
    )
    out += ["", ("## " if md else "") + "Changes between periods", ""]
    out += table(
        ["from -> to", "joined", "left", "moved", "ties +", "ties -", "findings +", "findings -"],
        [
            [
                f"{esc(s['from'])} -> {esc(s['to'])}",
                str(s["joined"]),
                str(s["left"]),
                str(s["moved"]),
                str(s["ties_added"]),
                str(s["ties_removed"]),
                str(s["findings_appeared"]),
                str(s["findings_resolved"]),
            ]
            for s in t["steps"]
        ],
    )
    out += ["", ("## " if md else "") + "Departments: internal share (Coleman)", ""]
    out += table(
        ["department", *periods],
        [
            [esc(r["name"])]
            + (
                ["suppressed"] * len(periods)
                if r.get("suppressed")
                else [
                    f"{_pct(s)} ({_signed(c)})" + (" silo" if silo else "")
                    for s, c, silo in zip(r["internal_share"], r["coleman"], r["silo"], strict=True)
                ]
            )
            for r in t["departments"]
        ],
    )
    note = t.get("privacy", {}).get("note")
    if note:
        out += ["", f"Privacy: {esc(note)}"]
    out += ["", ("## " if md else "") + "Findings: score per period (- absent)", ""]
    out += table(
        ["finding", *periods],
        [
            [
                esc(
                    f"{_kind(r['kind'])}: {', '.join(r['subject_names'][:3])}"
                    + (" ..." if len(r["subject_names"]) > 3 else "")
                )
            ]
            + ["-" if s is None else f"{s:.2f}" for s in r["scores"]]
            for r in t["findings"]
        ],
    )
    return out


def trend_text(t) -> str:
    return "\n".join(_trend_lines(t))


def trend_markdown(t) -> str:
    return "\n".join(_trend_lines(t, md=True)) + "\n"

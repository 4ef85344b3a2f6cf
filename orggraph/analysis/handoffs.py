"""Critical handoffs: the edges whose failure or slowness hurts the most.

One row per provider -> customer pair of the unit graph (parallel handoffs
merged, as in :attr:`Organization.graph`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._graph import active_graph
from .bottlenecks import flow_outliers, outlier_line
from .findings import ACTIONS, Finding, Thresholds, score_of
from .paths import estimate, exact

__all__ = ["handoff_criticality", "sla_breaches"]


def sla_breaches(org) -> pd.DataFrame:
    """Per handoff row with an SLA and deliveries: deliveries, late ones, breach rate.

    A delivery breaches when its lead time (delivered - requested, in days)
    exceeds ``sla_days``; open deliveries are not counted.
    """
    h = org.handoffs
    d = org.deliveries
    cols = ["provider", "customer", "deliverable"]
    if d.empty:
        return pd.DataFrame(columns=[*cols, "sla_days", "deliveries", "late", "breach_rate"])
    key = h[cols[:2]].assign(
        _k=h["deliverable"].str.strip().str.lower(),
        sla_days=h["sla_days"],
        deliverable=h["deliverable"],
    )
    done = d[d["lead_days"].notna()].assign(_k=d["deliverable"].str.strip().str.lower())
    m = done.drop(columns=["deliverable"]).merge(key, on=["provider", "customer", "_k"])
    m = m[m["sla_days"].notna()]
    m["late"] = m["lead_days"] > m["sla_days"]
    out = m.groupby(cols + ["sla_days"], as_index=False).agg(
        deliveries=("late", "size"), late=("late", "sum")
    )
    out["breach_rate"] = out["late"] / out["deliveries"]
    return out


def handoff_structure(org) -> pd.DataFrame:
    """The columns of :func:`handoff_criticality` that need no shortest paths.

    One row per handoff of the active graph, in its edge order: the pair,
    its merged figures, bridges and what they cut off, whether it leads to
    the external customer, its deliverables and SLA breaches.
    """
    g, ids, _ = active_graph(org)
    und = g.as_undirected(mode="collapse")
    bridge_pairs = {}
    degree = und.degree()
    for e in und.bridges():
        u, v = und.es[e].tuple
        if min(degree[u], degree[v]) == 1:
            bridge_pairs[(min(u, v), max(u, v))] = 1
            continue
        # Size of the smaller side once the bridge is gone.
        cut = und.copy()
        cut.delete_edges([e])
        side = len(cut.subcomponent(u))
        whole = side + len(cut.subcomponent(v))
        bridge_pairs[(min(u, v), max(u, v))] = min(side, whole - side)
    ext = [ids.index(e) for e in org.external if e in ids]
    reach_customer = set()
    for e in ext:
        reach_customer |= set(g.subcomponent(e, mode="in"))
    el = g.get_edgelist()
    h = org.handoffs
    # Most pairs have one deliverable: join only where there are several.
    first = h.drop_duplicates(["provider", "customer"]).set_index(["provider", "customer"])
    names = first["deliverable"]
    multi = h[h.duplicated(["provider", "customer"], keep=False)]
    if len(multi):
        joined = multi.groupby(["provider", "customer"])["deliverable"].agg("; ".join)
        names = names.copy()
        names.loc[joined.index] = joined
    df = pd.DataFrame(
        {
            "provider": [ids[s] for s, _ in el],
            "customer": [ids[t] for _, t in el],
            "handoffs": g.es["handoffs"],
            "weight": g.es["weight"],
            "importance": g.es["importance"],
            "satisfaction": g.es["satisfaction"],
            "sla_days": g.es["sla_days"],
            "bridge": [tuple(sorted(p)) in bridge_pairs for p in el],
            "cut_off": [bridge_pairs.get(tuple(sorted(p)), 0) for p in el],
            "to_customer": [t in reach_customer for _, t in el],
        }
    )
    keys = pd.MultiIndex.from_arrays([df["provider"], df["customer"]])
    df["deliverables"] = names.reindex(keys).to_numpy()
    # The closeness on the edge fills missing ratings with 3; show what users rated.
    rated = h.groupby(["provider", "customer"])["closeness"].mean()
    df["closeness"] = rated.reindex(keys).to_numpy()
    br = sla_breaches(org)
    if len(br):
        agg = br.groupby(["provider", "customer"]).agg(
            deliveries=("deliveries", "sum"), late=("late", "sum")
        )
        df = df.merge(agg, left_on=["provider", "customer"], right_index=True, how="left")
        df["breach_rate"] = df["late"] / df["deliveries"]
        df = df.drop(columns=["late"])
    else:
        df["deliveries"] = np.nan
        df["breach_rate"] = np.nan
    df["deliveries"] = df["deliveries"].fillna(0).astype(int)
    return df


def handoff_criticality(
    org, *, paths=None, sample=None, seed=0, thresholds=None, structure=None
) -> pd.DataFrame:
    """Edge betweenness, bridges, SLA breaches and a criticality ratio per handoff.

    Columns: ``provider``, ``customer``, ``deliverables`` (names joined by
    "; "), ``handoffs``, ``weight``, ``closeness``, ``importance``,
    ``satisfaction``, ``edge_betweenness`` (weighted on distance, directed,
    unnormalized: the number of shortest paths through the handoff),
    ``flow_multiple`` and ``flow_z`` (against the organization's handoffs,
    see :func:`~orggraph.analysis.bottlenecks.flow_outliers`), ``bridge``,
    ``cut_off`` (units on the smaller side a bridge would cut off, 0 if not
    a bridge), ``to_customer``, ``sla_days``, ``deliveries``,
    ``breach_rate`` and ``criticality``: the larger of two ratios to their
    line in ``thresholds`` — flow (multiple / ``handoff_multiple``, capped
    at 2, where the robust z reaches ``outlier_line(handoff_z, outlier_alpha,
    n)``) and
    bridge (cut_off / ``min_group_size``). 1 = on the line. Lateness is
    left to the SLA findings, so one late handoff is not reported twice.
    Sorted by criticality, highest first.
    ``paths`` are the shortest-path results computed once by ``analyze``;
    without them, edge betweenness is computed here (estimated from
    ``sample`` random source units if given, seeded). ``structure``: the
    path-free columns (:func:`handoff_structure`) where the caller has them
    (``analyze`` computes them while the paths run).

    Examples
    --------
    >>> from orggraph.analysis._examples import chain
    >>> t = handoff_criticality(chain())
    >>> t[["provider", "customer", "edge_betweenness", "bridge"]].values.tolist()[0]
    ['p2', 'p3', 4.0, True]
    """
    t = thresholds or Thresholds()
    if paths is None:
        paths = exact(org) if sample is None else estimate(org, sources=sample, seed=seed)
    df = (structure if structure is not None else handoff_structure(org)).copy()
    df["edge_betweenness"] = paths.edge
    df["flow_multiple"], df["flow_z"] = flow_outliers(df["edge_betweenness"].to_numpy())
    z_line = outlier_line(t.handoff_z, t.outlier_alpha, len(df))
    # As for people, load alone is capped at twice its line: a busy handoff has other
    # routes; a bridge does not.
    load = (df["flow_multiple"] / t.handoff_multiple).clip(upper=2.0)
    flow = load.where(df["flow_z"] >= z_line, np.minimum(load, 0.99))
    bridge = df["cut_off"] / max(t.min_group_size, 1)
    # Lateness is judged once, by the SLA findings (capability.py); here it is evidence.
    df["criticality"] = np.maximum(flow.clip(lower=0), bridge)
    cols = [
        "provider",
        "customer",
        "deliverables",
        "handoffs",
        "weight",
        "closeness",
        "importance",
        "satisfaction",
        "edge_betweenness",
        "flow_multiple",
        "flow_z",
        "bridge",
        "cut_off",
        "to_customer",
        "sla_days",
        "deliveries",
        "breach_rate",
        "criticality",
    ]
    return (
        df[cols].sort_values("criticality", ascending=False, kind="stable").reset_index(drop=True)
    )


def find(org, result, thresholds) -> list:
    """Critical-handoff candidates: arm's-length department interfaces and critical handoffs.

    Interfaces: department pairs with at least ``interface_min_handoffs``
    handoffs; ratio ``(3 - mean closeness) / (3 - interface_closeness_max)``
    (3 = regular collaboration; the line is the rating itself, so it means
    the same in any organization). Single handoffs: their ``criticality``
    (see :func:`handoff_criticality`). Candidates below the line are kept
    for near misses; :func:`~orggraph.analysis.findings.rank` bounds the count.
    """
    t = thresholds
    crit = result.tables["handoff_criticality"]
    z_line = outlier_line(t.handoff_z, t.outlier_alpha, len(crit))
    names = org.names
    out = []
    h = org.handoffs
    dept = org._dept
    h = h.assign(pdept=h["provider"].map(dept), cdept=h["customer"].map(dept))
    h = h[h["pdept"] != h["cdept"]]
    cells = h.groupby(["pdept", "cdept"], sort=False).agg(
        n=("weight", "size"),
        mean=("closeness", "mean"),
        sat=("satisfaction", "mean"),
        weight=("weight", "sum"),
    )
    cells = cells[(cells["n"] >= t.interface_min_handoffs) & cells["mean"].notna()]
    cells = cells.assign(ratio=(3 - cells["mean"]) / (3 - t.interface_closeness_max))
    # Only the best few below the line can become near misses: skip the rest early.
    cells = pd.concat([cells[cells["ratio"] >= 1], cells[cells["ratio"] < 1].nlargest(3, "ratio")])
    # What each kept interface hands over, in one grouped pass (one filter of the
    # handoff table per interface took 7 s at 100,000 people).
    kept = h[pd.MultiIndex.from_frame(h[["pdept", "cdept"]]).isin(cells.index)]
    whats = kept.groupby(["pdept", "cdept"], sort=False)["deliverable"].agg(
        lambda d: ", ".join(sorted(set(d))[:4])
    )
    for (a, b), c in cells.iterrows():
        n, mean, sat = int(c["n"]), float(c["mean"]), float(c["sat"])
        if c["ratio"] <= 0:
            continue
        what = whats[(a, b)]
        summary = (
            f"{names[a]} hands {n} deliverables to {names[b]} at arm's length "
            f"(mean closeness {mean:.1f} of 5"
            + (f", satisfaction {sat:.1f}" if sat == sat else "")
            + f"): {what}."
        )
        out.append(
            Finding(
                "critical_handoff",
                "",
                score_of(float(c["ratio"])),
                (a, b),
                summary,
                {
                    "handoffs": n,
                    "mean_closeness": mean,
                    "mean_satisfaction": sat,
                    "weight": float(c["weight"]),
                    "level": "department",
                },
                ACTIONS["interface"].format(a=names[a], b=names[b]),
                f"mean closeness {mean:.1f} over {n} handoffs (line "
                f"{t.interface_closeness_max:g} or less)",
            )
        )
    chosen = pd.concat([crit[crit["criticality"] >= 1], crit[crit["criticality"] < 1].head(3)])
    for _, r in chosen.iterrows():
        if not r["criticality"] > 0:
            continue
        bits = []
        if r["flow_multiple"] / t.handoff_multiple >= 1 and r["flow_z"] >= z_line:
            bits.append(
                f"carries {r['flow_multiple']:.1f} times the average handoff's share of "
                "working paths"
            )
        if r["cut_off"] >= t.min_group_size:
            bits.append(f"the only link to a part of the map of {int(r['cut_off'])} units")
        if r["breach_rate"] == r["breach_rate"] and r["deliveries"]:
            bits.append(
                f"{r['breach_rate']:.0%} of {int(r['deliveries'])} deliveries late "
                f"against a {r['sla_days']:g}-day SLA"
            )
        if r["closeness"] == r["closeness"] and r["closeness"] <= 2:
            bits.append(f"at arm's length (closeness {r['closeness']:.0f})")
        if r["satisfaction"] == r["satisfaction"] and r["satisfaction"] <= 2.5:
            bits.append(f"rated {r['satisfaction']:.1f}/5 by the customer")
        summary = (
            f"{names[r['provider']]} -> {names[r['customer']]} "
            f"({r['deliverables']}) is critical: "
            + ("; ".join(bits) or "many working paths run through it")
            + "."
        )
        late = r["breach_rate"] == r["breach_rate"] and r["breach_rate"] > 1 - t.target_on_time_min
        out.append(
            Finding(
                "critical_handoff",
                "",
                score_of(float(r["criticality"])),
                (r["provider"], r["customer"]),
                summary,
                {
                    k: (v.item() if hasattr(v, "item") else v)
                    for k, v in r.items()
                    if k not in ("provider", "customer")
                }
                | {"level": "handoff"},
                ACTIONS["sla"] if late else ACTIONS["definition"],
                f"{r['flow_multiple']:.1f}x the average handoff's paths (robust z "
                f"{r['flow_z']:.1f}; lines {t.handoff_multiple:g}x and {z_line:.2f}), "
                f"cuts off {int(r['cut_off'])} units (line {t.min_group_size})",
            )
        )
    return out

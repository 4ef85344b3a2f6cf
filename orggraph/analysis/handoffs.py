"""Critical handoffs: the edges whose failure or slowness hurts the most.

One row per provider -> customer pair of the unit graph (parallel handoffs
merged, as in :attr:`Organization.graph`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .bottlenecks import active_graph

__all__ = ["handoff_criticality", "sla_breaches", "CRITICALITY_WEIGHTS"]

#: The criticality score is a weighted sum of parts that each lie in [0, 1].
CRITICALITY_WEIGHTS = {
    "flow": 0.25,  # edge betweenness / the largest edge betweenness
    "bridge": 0.15,  # 1 if removing the handoff disconnects the map (undirected)
    "to_customer": 0.15,  # 1 if the work goes on to reach the external customer
    "importance": 0.15,  # (importance - 1) / 4, default importance 3 -> 0.5
    "distance": 0.10,  # (5 - closeness) / 4: arm's length -> 1
    "dissatisfaction": 0.10,  # (5 - satisfaction) / 4, 0 when not rated
    "breach": 0.10,  # share of deliveries later than the SLA, 0 without data
}


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


def handoff_criticality(org, *, sample=None, seed=0) -> pd.DataFrame:
    """Edge betweenness, bridges, the way to the customer and a criticality score.

    Columns: ``provider``, ``customer``, ``deliverables`` (names joined by
    "; "), ``handoffs``, ``weight``, ``closeness``, ``importance``,
    ``satisfaction``, ``edge_betweenness`` (weighted on distance, directed,
    unnormalized: the number of shortest paths through the handoff),
    ``bridge``, ``to_customer``, ``sla_days``, ``deliveries``,
    ``breach_rate`` and ``criticality``, the weighted sum of the parts in
    :data:`CRITICALITY_WEIGHTS`. Sorted by criticality, highest first.
    With ``sample``, edge betweenness is estimated from that many random
    source units (seeded), as in the fast mode of :func:`centrality`.

    Examples
    --------
    >>> from orggraph.analysis._examples import chain
    >>> t = handoff_criticality(chain())
    >>> t[["provider", "customer", "edge_betweenness", "bridge"]].values.tolist()[0]
    ['p2', 'p3', 4.0, True]
    """
    g, ids, _ = active_graph(org)
    n = g.vcount()
    if sample is None or sample >= n:
        eb = np.asarray(g.edge_betweenness(directed=True, weights="distance"))
    else:
        # Fast mode: paths from sampled sources, scaled to the whole organization.
        sources = np.random.default_rng(seed).choice(n, size=sample, replace=False)
        eb = np.asarray(
            g.edge_betweenness(directed=True, weights="distance", sources=sources.tolist())
        ) * (n / sample)
    und = g.as_undirected(mode="collapse")
    bridge_pairs = {tuple(sorted(und.es[e].tuple)) for e in und.bridges()}
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
            "edge_betweenness": eb,
            "bridge": [tuple(sorted(p)) in bridge_pairs for p in el],
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
    w = CRITICALITY_WEIGHTS
    top = df["edge_betweenness"].max()
    parts = {
        "flow": df["edge_betweenness"] / top if top > 0 else 0.0,
        "bridge": df["bridge"].astype(float),
        "to_customer": df["to_customer"].astype(float),
        "importance": (df["importance"].fillna(3.0) - 1) / 4,
        "distance": (5 - df["closeness"].fillna(3.0)) / 4,
        "dissatisfaction": ((5 - df["satisfaction"]) / 4).fillna(0.0),
        "breach": df["breach_rate"].fillna(0.0),
    }
    df["criticality"] = sum(w[k] * parts[k] for k in w)
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
        "bridge",
        "to_customer",
        "sla_days",
        "deliveries",
        "breach_rate",
        "criticality",
    ]
    return (
        df[cols].sort_values("criticality", ascending=False, kind="stable").reset_index(drop=True)
    )


def find(org, *, thresholds, seed=0, tables=None) -> list:
    """Critical-handoff findings: arm's-length department interfaces and critical handoffs.

    Interfaces (department pairs with at least ``interface_min_handoffs``
    handoffs averaging at most ``interface_closeness_max`` closeness) score
    ``0.5 + 0.25 x (3 - mean closeness) / 2 + 0.25 x min(1, handoffs / 10)``.
    Single handoffs score their criticality (see :data:`CRITICALITY_WEIGHTS`).
    """
    from .findings import ACTIONS, Finding, severity_of

    t = thresholds
    tables = tables if tables is not None else {}
    crit = tables.get("handoff_criticality")
    if crit is None:
        crit = tables["handoff_criticality"] = handoff_criticality(org)
    names = dict(zip(org.units["id"], org.units["name"], strict=False))
    out = []
    h = org.handoffs
    h = h.assign(pdept=h["provider"].map(org._dept), cdept=h["customer"].map(org._dept))
    h = h[h["pdept"] != h["cdept"]]
    cells = h.groupby(["pdept", "cdept"], sort=False).agg(
        n=("weight", "size"),
        mean=("closeness", "mean"),
        sat=("satisfaction", "mean"),
        weight=("weight", "sum"),
    )
    cells = cells[
        (cells["n"] >= t.interface_min_handoffs) & (cells["mean"] <= t.interface_closeness_max)
    ]
    for (a, b), c in cells.iterrows():
        n, mean, sat = int(c["n"]), float(c["mean"]), float(c["sat"])
        cell = h[(h["pdept"] == a) & (h["cdept"] == b)]
        score = float(min(1.0, 0.5 + 0.25 * (3 - mean) / 2 + 0.25 * min(1.0, n / 10)))
        what = ", ".join(sorted(set(cell["deliverable"]))[:4])
        summary = (
            f"{names[a]} hands {n} deliverables to {names[b]} at arm's length "
            f"(mean closeness {mean:.1f} of 5"
            + (f", satisfaction {sat:.1f}" if sat == sat else "")
            + f"): {what}."
        )
        out.append(
            Finding(
                "critical_handoff",
                severity_of(score, t),
                score,
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
            )
        )
    chosen = crit[crit["criticality"] >= t.handoff_criticality_min].head(t.max_handoff_findings)
    for _, r in chosen.iterrows():
        score = float(r["criticality"])
        if score < t.min_score:
            continue
        bits = []
        if r["to_customer"]:
            bits.append("on the way to the external customer")
        if r["bridge"]:
            bits.append("the only link between two parts of the map")
        if r["closeness"] == r["closeness"] and r["closeness"] <= 2:
            bits.append(f"at arm's length (closeness {r['closeness']:.0f})")
        if r["satisfaction"] == r["satisfaction"] and r["satisfaction"] <= 2.5:
            bits.append(f"rated {r['satisfaction']:.1f}/5 by the customer")
        if r["breach_rate"] == r["breach_rate"] and r["deliveries"]:
            bits.append(
                f"{r['breach_rate']:.0%} of {int(r['deliveries'])} deliveries late "
                f"against a {r['sla_days']:g}-day SLA"
            )
        summary = (
            f"{names[r['provider']]} -> {names[r['customer']]} "
            f"({r['deliverables']}) is critical: "
            + ("; ".join(bits) or "many working paths run through it")
            + "."
        )
        late = r["breach_rate"] == r["breach_rate"] and r["breach_rate"] > 0.1
        out.append(
            Finding(
                "critical_handoff",
                severity_of(score, t),
                score,
                (r["provider"], r["customer"]),
                summary,
                {
                    k: (v.item() if hasattr(v, "item") else v)
                    for k, v in r.items()
                    if k not in ("provider", "customer")
                }
                | {"level": "handoff"},
                ACTIONS["sla"] if late else ACTIONS["definition"],
            )
        )
    return out

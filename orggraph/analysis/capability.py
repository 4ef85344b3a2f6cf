"""Internal SLAs and capability: can a target be met, and where does the promise break?

Lead time = delivered - requested, in days (open deliveries are left out).
A delivery is a *defect* against its handoff's ``sla_days`` when its lead
time exceeds the target.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .findings import ACTIONS, Finding, score_of

__all__ = [
    "capability",
    "value_stream",
    "simulate_promise",
    "alignment_gaps",
    "internal_satisfaction",
    "promises",
    "find",
]

KEY = ["provider", "customer", "deliverable"]


def _lead_times(org) -> pd.DataFrame:
    d = org.deliveries
    d = d[d["lead_days"].notna()].copy()
    d["_k"] = d["deliverable"].str.strip().str.lower()
    return d


def capability(org, *, min_deliveries=10) -> pd.DataFrame:
    """Lead-time capability of every handoff that has deliveries.

    Columns: ``deliveries``, ``median``, ``p85``, ``p95`` (lead-time
    percentiles, days, linear interpolation), ``mean``, ``std``, ``sla_days``,
    ``on_time_rate`` and ``defect_rate`` (share later than the SLA),
    ``cpk`` (``(SLA - mean) / 3 sd``: the classical upper capability index,
    which assumes normal lead times), ``cpk_percentile`` (``(SLA - median) /
    (p99.865 - median)``: the percentile method of ISO 22514-4 / Clements
    1989, which does not, and suits skewed lead times; p99.865 is the
    empirical percentile, so with few deliveries it is the sample maximum),
    ``meets_90``/``meets_95`` (the target the handoff does meet 90% / 95%
    of the time: the 90th / 95th percentile), ``too_few`` (fewer than
    ``min_deliveries`` deliveries: do not judge) and ``not_capable`` (the
    data says the target is not achievable: on-time rate under 90% and the
    90th percentile above the target, with enough deliveries).

    Examples
    --------
    >>> from orggraph.analysis._examples import ten_deliveries
    >>> c = capability(ten_deliveries()).iloc[0]
    >>> float(c["median"]), float(c["on_time_rate"]), float(c["meets_90"])
    (5.5, 0.8, 9.1)
    """
    d = _lead_times(org)
    h = org.handoffs.assign(_k=org.handoffs["deliverable"].str.strip().str.lower())
    if d.empty:
        return pd.DataFrame(
            columns=[
                *KEY,
                "deliveries",
                "median",
                "p85",
                "p95",
                "mean",
                "std",
                "sla_days",
                "on_time_rate",
                "defect_rate",
                "cpk",
                "cpk_percentile",
                "meets_90",
                "meets_95",
                "too_few",
                "not_capable",
            ]
        )
    d = d.drop(columns=["deliverable"]).merge(
        h[["provider", "customer", "_k", "deliverable", "sla_days"]],
        on=["provider", "customer", "_k"],
    )
    # One grouped pass for every handoff (a loop over 4,000 handoffs took a second).
    lead = d["lead_days"].astype(float)
    grouped = lead.groupby([d[k] for k in KEY], sort=False)
    q = grouped.quantile([0.5, 0.85, 0.9, 0.95, 0.99865]).unstack()
    q.columns = ["median", "p85", "p90", "p95", "p99865"]
    out = pd.DataFrame({"deliveries": grouped.size()})
    out = out.join(q)
    out["mean"] = grouped.mean()
    out["std"] = grouped.std(ddof=1)
    sla = d["sla_days"].groupby([d[k] for k in KEY], sort=False).first()
    out["sla_days"] = sla
    has_sla = out["sla_days"].notna()
    late = (lead > d["sla_days"]).where(d["sla_days"].notna())
    on_time = 1 - late.groupby([d[k] for k in KEY], sort=False).mean()
    out["on_time_rate"] = on_time.where(has_sla)
    out["defect_rate"] = 1 - out["on_time_rate"]
    std_ok = has_sla & (out["std"] > 0)
    out["cpk"] = ((out["sla_days"] - out["mean"]) / (3 * out["std"])).where(std_ok)
    spread = out["p99865"] - out["median"]
    out["cpk_percentile"] = ((out["sla_days"] - out["median"]) / spread).where(
        has_sla & (spread > 0)
    )
    out["meets_90"] = out["p90"]
    out["meets_95"] = out["p95"]
    out["too_few"] = out["deliveries"] < min_deliveries
    out = out.drop(columns=["p90", "p99865"]).reset_index()
    out["not_capable"] = (
        ~out["too_few"] & (out["on_time_rate"] < 0.9) & (out["meets_90"] > out["sla_days"])
    )
    return out


def value_stream(org, final) -> list[list[tuple]]:
    """The chain of measured handoffs that feeds a handoff into the external customer.

    Walks upstream from ``final`` = (provider, customer, deliverable): step
    *k* holds the handoffs with deliveries whose customer is a provider of
    step *k - 1*; handoffs in one step are alternatives (each order passes
    through one of them). Returns the steps from the first upstream step to
    ``final``; each step a list of handoff keys.
    """
    d = _lead_times(org)
    measured = d.groupby(KEY).size()
    measured_keys = list(measured.index)
    steps = [[tuple(final)]]
    seen = {tuple(final)}
    providers = {final[0]}
    while True:
        step = [k for k in measured_keys if k[1] in providers and k not in seen]
        if not step:
            break
        steps.append(step)
        seen |= set(step)
        providers = {k[0] for k in step}
    return steps[::-1]


def _own_times(org, steps):
    """Observed lead times of each handoff in the chain, as its own leg.

    Where deliveries carry a ``reference`` (an order number), legs of one
    order are linked and a leg whose clock started before the previous
    leg's delivery (the customer's clock running from the order) is
    credited only with the time after that delivery.
    """
    d = _lead_times(org)
    keys = {k for step in steps for k in step}
    d = d[[tuple(r) in keys for r in d[KEY].itertuples(index=False)]]
    samples = {}
    if "reference" in d and (d["reference"].astype(str) != "").any():
        d = d.sort_values("delivered")
        position = {k: i for i, step in enumerate(steps) for k in step}
        d["_step"] = [position[tuple(r)] for r in d[KEY].itertuples(index=False)]
        prev = d.groupby("reference")
        own = []
        for _, grp in prev:
            grp = grp.sort_values("_step")
            last_done = None
            for _, r in grp.iterrows():
                start = r["requested"] if last_done is None else max(r["requested"], last_done)
                own.append((r.name, (r["delivered"] - start).total_seconds() / 86400))
                last_done = r["delivered"]
        own = pd.Series(dict(own))
        d["_own"] = own.reindex(d.index)
    else:
        d["_own"] = d["lead_days"]
    for k, grp in d.groupby(KEY):
        samples[tuple(k)] = grp["_own"].to_numpy(dtype=float)
    return samples


def simulate_promise(org, final=None, *, promise=None, runs=10_000, seed=0) -> dict:
    """Monte Carlo estimate of the end-to-end turnaround of a value stream.

    Each run sends one order through the chain of :func:`value_stream`: at
    every step one of the alternative handoffs is drawn (in proportion to
    its deliveries) and one of its observed own lead times is drawn
    (bootstrap from the empirical distribution); the run's turnaround is the
    sum. Steps are assumed independent. ``runs`` runs, seeded.

    Parameters
    ----------
    final : (provider, customer, deliverable), optional
        Default: the handoff into the external customer with the most deliveries.
    promise : float, optional
        Days promised; default the final handoff's ``sla_days``.

    Returns
    -------
    dict
        ``final``, ``steps`` (DataFrame: step, handoffs, deliveries, median
        own time, p90, the late share if this step always took its median,
        and its ``contribution``: the share of late orders it would save),
        ``promise``, ``runs``, ``seed``, ``p_meet`` (probability of meeting the
        promise), ``p_meet_se`` (its binomial standard error),
        ``promise_90`` / ``promise_95`` (turnaround met in 90% / 95% of runs),
        ``observed_on_time`` (share of observed end-to-end deliveries within
        the promise, where the final handoff's clock runs from the order).
    """
    rng = np.random.default_rng(seed)
    h = org.handoffs
    if final is None:
        into = h[h["customer"].isin(org.external)]
        d = _lead_times(org)
        counts = d.groupby(KEY).size()
        cands = [tuple(r) for r in into[KEY].itertuples(index=False) if tuple(r) in counts.index]
        if not cands:
            return {}
        final = max(cands, key=lambda k: counts[k])
    final = tuple(final)
    row = h[
        (h["provider"] == final[0]) & (h["customer"] == final[1]) & (h["deliverable"] == final[2])
    ]
    if promise is None:
        promise = float(row["sla_days"].iloc[0]) if len(row) else float("nan")
    steps = value_stream(org, final)
    own = _own_times(org, steps)

    def draw(step_keys, fixed_median=False):
        weights = np.array([len(own[k]) for k in step_keys], dtype=float)
        which = rng.choice(len(step_keys), size=runs, p=weights / weights.sum())
        out = np.empty(runs)
        for i, k in enumerate(step_keys):
            mask = which == i
            if fixed_median:
                out[mask] = np.median(own[k])
            else:
                out[mask] = rng.choice(own[k], size=int(mask.sum()))
        return out

    times = np.vstack([draw(s) for s in steps])
    total = times.sum(axis=0)
    late = total > promise
    p_meet = float(1 - late.mean())
    rows = []
    for i, s in enumerate(steps):
        alt = times.copy()
        alt[i] = draw(s, fixed_median=True)
        late_alt = float((alt.sum(axis=0) > promise).mean())
        pooled = np.concatenate([own[k] for k in s])
        rows.append(
            {
                "step": i + 1,
                "handoffs": [" -> ".join(k[:2]) + f" ({k[2]})" for k in s],
                "deliverable": s[0][2],
                "deliveries": len(pooled),
                "median_days": float(np.median(pooled)),
                "p90_days": float(np.percentile(pooled, 90)),
                "mean_days_in_late_orders": float(times[i][late].mean()) if late.any() else 0.0,
                "late_if_median": late_alt,
                "contribution": (late.mean() - late_alt) / late.mean() if late.any() else 0.0,
            }
        )
    d = _lead_times(org)
    fin = d[
        (d["provider"] == final[0])
        & (d["customer"] == final[1])
        & (d["_k"] == final[2].strip().lower())
    ]
    observed = float((fin["lead_days"] <= promise).mean()) if len(fin) else float("nan")
    return {
        "final": final,
        "steps": pd.DataFrame(rows),
        "promise": promise,
        "runs": runs,
        "seed": seed,
        "p_meet": p_meet,
        "p_meet_se": float(np.sqrt(p_meet * (1 - p_meet) / runs)),
        "promise_90": float(np.percentile(total, 90)),
        "promise_95": float(np.percentile(total, 95)),
        "median_days": float(np.median(total)),
        "observed_on_time": observed,
        "observed_deliveries": len(fin),
        "simulated_totals": total,
    }


def alignment_gaps(org, *, gap=2.0) -> pd.DataFrame:
    """Handoffs where provider and internal customer see the relationship differently.

    Uses the optional columns ``provider_closeness`` and ``customer_closeness``
    (each side's own rating). Returns the handoffs whose two ratings differ by
    ``gap`` points or more, with ``difference`` = customer - provider.
    """
    h = org.handoffs
    if "provider_closeness" not in h or "customer_closeness" not in h:
        return pd.DataFrame(
            columns=[*KEY, "provider_closeness", "customer_closeness", "difference"]
        )
    both = h[h["provider_closeness"].notna() & h["customer_closeness"].notna()]
    diff = both["customer_closeness"] - both["provider_closeness"]
    out = both[diff.abs() >= gap][[*KEY, "provider_closeness", "customer_closeness"]].copy()
    out["difference"] = diff[diff.abs() >= gap]
    return out.reset_index(drop=True)


def internal_satisfaction(org, *, min_raters=5, line=3.0) -> pd.DataFrame:
    """How satisfied internal customers are with each provider department.

    Per provider department (handoffs to other departments' units; the
    external customer's ratings included): ``raters`` (distinct customer
    units that rated), ``ratings``, ``mean_satisfaction`` and an NPS-style
    ``internal_nps`` = % of ratings of 5 (promoters) - % of 3 or less
    (detractors), from -100 to +100, and ``p_below``: the one-sided t-test
    of a mean below ``line``, Holm-adjusted over the departments (a mean of
    2.9 from noisy ratings is not a finding). Departments rated by fewer
    than ``min_raters`` units are ``suppressed``: their figures are NaN, so
    no small group's ratings can be traced back to a person.
    """
    from scipy.special import stdtr

    from .silos import holm

    h = org.handoffs
    dept = org._dept
    h = h.assign(pdept=h["provider"].map(dept), cdept=h["customer"].map(dept))
    h = h[(h["pdept"] != h["cdept"]) & h["satisfaction"].notna()]
    rows = []
    names = dict(zip(org.units["id"], org.units["name"], strict=False))
    for d, grp in h.groupby("pdept", sort=False):
        raters = grp["customer"].nunique()
        s = grp["satisfaction"]
        suppressed = raters < min_raters
        rows.append(
            {
                "department": d,
                "name": names.get(d, d),
                "raters": int(raters),
                "ratings": len(s),
                "mean_satisfaction": float("nan") if suppressed else float(s.mean()),
                "internal_nps": float("nan")
                if suppressed
                else float(100 * ((s >= 5).mean() - (s <= 3).mean())),
                "p_below": float("nan")
                if suppressed or len(s) < 2 or s.std() == 0
                # One-sided one-sample t-test: P(T <= t) with n - 1 degrees of freedom.
                else float(stdtr(len(s) - 1, (s.mean() - line) / (s.std() / len(s) ** 0.5))),
                "suppressed": suppressed,
            }
        )
    out = pd.DataFrame(
        rows,
        columns=[
            "department",
            "name",
            "raters",
            "ratings",
            "mean_satisfaction",
            "internal_nps",
            "p_below",
            "suppressed",
        ],
    )
    if len(out):
        p = out["p_below"].to_numpy(dtype=float)
        # Unanimous ratings below the line need no test.
        unanimous = out["p_below"].isna() & ~out["suppressed"] & (out["mean_satisfaction"] < line)
        out["p_below"] = np.where(unanimous, 0.0, holm(p))
    return out


def promises(org, *, min_deliveries=10, runs=10_000, seed=0) -> dict:
    """Simulated promise of every handoff into the external customer with an SLA.

    Key ``(provider, customer, deliverable)`` -> :func:`simulate_promise`'s
    result, for handoffs with at least ``min_deliveries`` observed deliveries.
    """
    h = org.handoffs
    into = h[h["customer"].isin(org.external) & h["sla_days"].notna()]
    counts = _lead_times(org).groupby(KEY).size()
    out = {}
    for r in into[KEY].itertuples(index=False):
        k = tuple(r)
        if k in counts.index and counts[k] >= min_deliveries:
            out[k] = simulate_promise(org, k, runs=runs, seed=seed)
    return out


def find(org, result, thresholds) -> list:
    """SLA candidates: targets the data says are not achievable, promises at risk,
    misaligned views of a relationship, and poorly rated provider departments.

    Ratios to the line: ``target_not_capable`` the lead time met
    ``target_on_time_min`` of the time / the target (only where the target
    is met less often than that); ``promise_at_risk`` (1 - P(meet)) / (1 -
    ``promise_min_probability``); ``alignment_gap`` |difference| /
    ``alignment_gap``; ``low_internal_satisfaction`` (5 - mean) / (5 -
    ``satisfaction_min``), when the mean is significantly below the line.
    """
    t = thresholds
    tables = result.tables
    names = org.names
    out = []
    cap = tables["capability"]
    # Alternatives (several providers handing the same deliverable to the same
    # customer against the same target) make one finding, on their pooled deliveries.
    # The promise to the external customer is judged end to end below.
    judged = cap[~cap["too_few"] & cap["sla_days"].notna() & ~cap["customer"].isin(org.external)]
    d = _lead_times(org)
    for (cust, deliv, sla), grp in judged.groupby(
        ["customer", "deliverable", "sla_days"], sort=False
    ):
        providers = list(grp["provider"])
        x = d[
            (d["customer"] == cust)
            & (d["_k"] == deliv.strip().lower())
            & d["provider"].isin(providers)
        ]["lead_days"].to_numpy(dtype=float)
        on_time = float((x <= sla).mean())
        q50, q85, q90, q95 = np.percentile(x, [50, 85, 90, 95])
        # How many times the target the process needs to be on time as often as it should.
        needed = float(np.percentile(x, 100 * t.target_on_time_min))
        ratio = needed / sla if sla > 0 else 0.0
        if on_time >= t.target_on_time_min:
            ratio = min(ratio, 0.99)
        if ratio <= 0:
            continue
        who = names[providers[0]] if len(providers) == 1 else f"{len(providers)} providers"
        out.append(
            Finding(
                "target_not_capable",
                "",
                score_of(ratio),
                (*providers, cust),
                f"The {sla:g}-day target for '{deliv}' ({who} -> {names[cust]}) is not "
                f"achievable as the work runs today: {on_time:.0%} of {len(x)} deliveries met it; "
                f"the process meets {q90:.1f} days 90% of the time.",
                {
                    "deliverable": deliv,
                    "sla_days": sla,
                    "providers": len(providers),
                    "deliveries": len(x),
                    "on_time_rate": on_time,
                    "median_days": q50,
                    "p85_days": q85,
                    "p95_days": q95,
                    "cpk": float(grp["cpk"].mean()) if len(grp) == 1 else None,
                    "cpk_percentile": float(grp["cpk_percentile"].mean())
                    if len(grp) == 1
                    else None,
                    "meets_90": q90,
                    "meets_95": q95,
                },
                ACTIONS["capability"].format(days=q90),
                f"met {on_time:.0%} of the time (line {t.target_on_time_min:.0%}); "
                f"{needed:.1f} days are met that often, {needed / sla if sla else 0:.1f}x "
                f"the {sla:g}-day target",
            )
        )
    for k, sim in tables["promises"].items():
        ratio = (1 - sim["p_meet"]) / (1 - t.promise_min_probability)
        if ratio <= 0:
            continue
        steps = sim["steps"].sort_values("contribution", ascending=False)
        top = steps.iloc[0]
        out.append(
            Finding(
                "promise_at_risk",
                "",
                score_of(ratio),
                (k[0], k[1]),
                f"The {sim['promise']:g}-day promise to {names[k[1]]} ({k[2]}) is met only "
                f"{sim['p_meet']:.0%} of the time (simulation of {sim['runs']:,} orders through "
                f"{len(sim['steps'])} steps; observed {sim['observed_on_time']:.0%}); a promise of "
                f"{np.ceil(sim['promise_90']):.0f} days would hold 90% of the time, and "
                f"'{top['deliverable']}' causes the most lateness.",
                {
                    "promise_days": sim["promise"],
                    "p_meet": sim["p_meet"],
                    "p_meet_se": sim["p_meet_se"],
                    "observed_on_time": sim["observed_on_time"],
                    "promise_90": sim["promise_90"],
                    "promise_95": sim["promise_95"],
                    "median_days": sim["median_days"],
                    "runs": sim["runs"],
                    "steps": len(sim["steps"]),
                    "biggest_cause": top["deliverable"],
                    "biggest_cause_share": top["contribution"],
                },
                ACTIONS["promise"].format(days=np.ceil(sim["promise_90"]), step=top["deliverable"]),
                f"met {sim['p_meet']:.0%} of the time (line {t.promise_min_probability:.0%})",
            )
        )
    for _, r in tables["alignment_gaps"].iterrows():
        ratio = abs(r["difference"]) / t.alignment_gap
        higher = "the customer" if r["difference"] > 0 else "the provider"
        out.append(
            Finding(
                "alignment_gap",
                "",
                score_of(ratio),
                (r["provider"], r["customer"]),
                f"{names[r['provider']]} and {names[r['customer']]} see '{r['deliverable']}' "
                f"differently: closeness {r['provider_closeness']:g} for the provider, "
                f"{r['customer_closeness']:g} for the internal customer ({higher} feels closer).",
                {
                    "deliverable": r["deliverable"],
                    "provider_closeness": r["provider_closeness"],
                    "customer_closeness": r["customer_closeness"],
                    "difference": r["difference"],
                },
                ACTIONS["alignment"],
                f"closeness seen {abs(r['difference']):g} points apart (line {t.alignment_gap:g})",
            )
        )
    sat = tables["internal_satisfaction"]
    for _, r in sat[~sat["suppressed"]].iterrows():
        mean = r["mean_satisfaction"]
        if pd.isna(mean):
            continue
        ratio = (5 - mean) / (5 - t.satisfaction_min)
        if mean >= t.satisfaction_min or not r["p_below"] <= t.p_max:
            ratio = min(ratio, 0.99)
        out.append(
            Finding(
                "low_internal_satisfaction",
                "",
                score_of(ratio),
                (r["department"],),
                f"Internal customers rate {r['name']} {r['mean_satisfaction']:.1f} of 5 "
                f"(internal NPS {r['internal_nps']:+.0f}, {r['ratings']} ratings from "
                f"{r['raters']} units).",
                {
                    "mean_satisfaction": r["mean_satisfaction"],
                    "internal_nps": r["internal_nps"],
                    "raters": r["raters"],
                    "ratings": r["ratings"],
                },
                ACTIONS["feedback"].format(dept=r["name"]),
                f"mean rating {mean:.1f} of 5 (line: below {t.satisfaction_min:g}, "
                f"Holm p {r['p_below']:.2g})",
            )
        )
    return out

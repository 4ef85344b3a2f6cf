"""Synthetic organizations of any size, for benchmarks and demos (seeded, vectorized).

The shape follows what organizational network studies report: departments
of uneven size, teams of 4-12 under a lead, dense work inside teams, less
across teams of one department, sparse work across departments carried
mostly by a few brokers, and a handful of departments that serve the
external customer. Handoffs with an SLA get observed deliveries.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "generate",
    "write_generated",
    "plant_silo",
    "plant_bottleneck",
    "flat",
]

_DEPARTMENT_NAMES = [
    "Sales",
    "Operations",
    "Manufacturing",
    "Packing",
    "Quality",
    "Customer Support",
    "Product Development",
    "Marketing",
    "IT",
    "HR",
    "Finance",
    "Billing",
    "Procurement",
    "Logistics",
    "Legal",
    "Research",
    "Facilities",
    "Planning",
    "Service",
    "Analytics",
]
_DELIVERABLES = {
    "team": ["work in progress", "review", "draft", "status update", "checked work"],
    "department": ["weekly plan", "report", "request", "handover note"],
    "across": [
        "order",
        "forecast",
        "specification",
        "invoice data",
        "schedule",
        "release",
        "analysis",
        "ticket",
    ],
}
_FREQ = np.array(["daily", "weekly", "biweekly", "monthly", "quarterly"])


def generate(people: int, *, seed: int = 0, deliveries_per_sla: int = 6) -> dict:
    """Tables (units, handoffs, deliveries) of a synthetic organization of ``people`` people.

    About 10 handoffs per person. Returns a dict of DataFrames in the input format.

    Examples
    --------
    >>> t = generate(200, seed=1)
    >>> int((t["units"]["kind"] == "person").sum())
    200
    """
    if people < 10:
        raise ValueError("a synthetic organization needs at least 10 people")
    rng = np.random.default_rng(seed)
    n_dept = int(np.clip(round(people**0.5 / 2.5), 4, 400))
    # Uneven sizes: lognormal shares, every department at least 3 people.
    shares = rng.lognormal(0, 0.7, n_dept)
    sizes = np.maximum(3, np.floor(shares / shares.sum() * people)).astype(int)
    while sizes.sum() > people:
        sizes[np.argmax(sizes)] -= 1
    sizes[np.argmax(sizes)] += people - sizes.sum()
    dept_of = np.repeat(np.arange(n_dept), sizes)
    # Teams of 4-12 inside each department.
    team_of = np.empty(people, dtype=np.int64)
    team_dept, start, t = [], 0, 0
    for d, size in enumerate(sizes):
        left = size
        while left > 0:
            k = min(left, int(rng.integers(4, 13)))
            if left - k < 3 and left - k > 0:
                k = left
            team_of[start : start + k] = t
            team_dept.append(d)
            start += k
            left -= k
            t += 1
    n_team = t
    team_dept = np.asarray(team_dept)
    # The first member of each team leads it; the first of each department heads it.
    first_in_team = np.r_[True, team_of[1:] != team_of[:-1]]
    first_in_dept = np.r_[True, dept_of[1:] != dept_of[:-1]]
    lead_of_team = np.flatnonzero(first_in_team)
    head_of_dept = np.flatnonzero(first_in_dept)
    manager = np.where(first_in_team, head_of_dept[dept_of], lead_of_team[team_of])
    manager = np.where(first_in_dept, -1, manager)

    dnames = [
        _DEPARTMENT_NAMES[d % len(_DEPARTMENT_NAMES)]
        + ("" if d < len(_DEPARTMENT_NAMES) else f" {d // len(_DEPARTMENT_NAMES) + 1}")
        for d in range(n_dept)
    ]
    pid = np.array([f"P{i:06d}" for i in range(people)])
    units = pd.concat(
        [
            pd.DataFrame(
                {
                    "id": [f"D{d:03d}" for d in range(n_dept)],
                    "name": dnames,
                    "kind": "department",
                    "parent": "",
                    "manager": pid[head_of_dept],
                    "role": "",
                }
            ),
            pd.DataFrame(
                {
                    "id": [f"T{t:05d}" for t in range(n_team)],
                    "name": [f"Team {t + 1}" for t in range(n_team)],
                    "kind": "team",
                    "parent": [f"D{d:03d}" for d in team_dept],
                    "manager": pid[lead_of_team],
                    "role": "",
                }
            ),
            pd.DataFrame(
                {
                    "id": pid,
                    "name": [f"Person {i + 1}" for i in range(people)],
                    "kind": "person",
                    "parent": [f"T{t:05d}" for t in team_of],
                    "manager": np.where(manager >= 0, pid[np.maximum(manager, 0)], ""),
                    "role": np.where(
                        first_in_dept, "Head", np.where(first_in_team, "Lead", "Specialist")
                    ),
                }
            ),
            pd.DataFrame(
                {
                    "id": ["CUSTOMER"],
                    "name": ["External customer"],
                    "kind": ["external"],
                    "parent": [""],
                    "manager": [""],
                    "role": [""],
                }
            ),
        ],
        ignore_index=True,
    )

    # Team members: positions of each team's members.
    order = np.argsort(team_of, kind="stable")
    team_start = np.searchsorted(team_of[order], np.arange(n_team))
    team_size = np.bincount(team_of, minlength=n_team)
    dept_start = np.r_[0, np.cumsum(sizes)[:-1]]

    def pick_in_team(src, k):
        s = np.repeat(src, k)
        j = rng.integers(0, team_size[team_of[s]])
        return s, order[team_start[team_of[s]] + j]

    def pick_in_dept(src, k):
        s = np.repeat(src, k)
        j = rng.integers(0, sizes[dept_of[s]])
        return s, dept_start[dept_of[s]] + j

    everyone = np.arange(people)
    s1, c1 = pick_in_team(everyone, 7)
    s2, c2 = pick_in_dept(everyone, 4)
    # Across departments: one handoff per person on average, 40 for a few brokers.
    brokers = rng.choice(people, size=max(1, people // 100), replace=False)
    s3 = np.r_[rng.choice(people, size=people), np.repeat(brokers, 40)]
    c3 = rng.integers(0, people, len(s3))
    src = np.r_[s1, s2, s3]
    dst = np.r_[c1, c2, c3]
    level = np.r_[np.zeros(len(s1)), np.ones(len(s2)), np.full(len(s3), 2)].astype(int)
    level = np.where(
        dept_of[src] != dept_of[dst],
        2,
        np.where(team_of[src] != team_of[dst], np.maximum(level, 1), 0),
    )
    keep = src != dst
    src, dst, level = src[keep], dst[keep], level[keep]
    pairs = pd.DataFrame({"s": src, "c": dst, "level": level}).drop_duplicates(["s", "c"])
    src, dst, level = (pairs[k].to_numpy() for k in ("s", "c", "level"))
    n = len(src)
    closeness = np.select(
        [level == 0, level == 1],
        [rng.integers(4, 6, n), rng.integers(3, 5, n)],
        np.where(rng.random(n) < 0.15, 1, rng.integers(2, 5, n)),
    )
    freq = np.select(
        [level == 0, level == 1],
        [_FREQ[rng.choice(2, n, p=[0.6, 0.4])], _FREQ[rng.choice(3, n, p=[0.3, 0.5, 0.2])]],
        _FREQ[rng.choice(5, n, p=[0.1, 0.3, 0.2, 0.3, 0.1])],
    )
    deliverable = np.select(
        [level == 0, level == 1],
        [
            np.array(_DELIVERABLES["team"])[rng.integers(0, 5, n)],
            np.array(_DELIVERABLES["department"])[rng.integers(0, 4, n)],
        ],
        np.array(_DELIVERABLES["across"])[rng.integers(0, 8, n)],
    )
    sla = np.where((level == 2) & (rng.random(n) < 0.3), rng.choice([2, 3, 5, 10], n), 0)
    handoffs = pd.DataFrame(
        {
            "provider": pid[src],
            "customer": pid[dst],
            "deliverable": deliverable,
            "closeness": closeness,
            "frequency": freq,
            "importance": rng.integers(1, 6, n),
            "satisfaction": rng.integers(1, 6, n),
            "sla_days": np.where(sla > 0, sla.astype(str), ""),
        }
    )
    # The external customer is served by a few people of the first departments.
    served = np.unique(rng.choice(dept_start[: max(1, n_dept // 5)] + 1, size=max(1, n_dept // 5)))
    served = np.minimum(served, people - 1)
    handoffs = pd.concat(
        [
            handoffs,
            pd.DataFrame(
                {
                    "provider": pid[served],
                    "customer": "CUSTOMER",
                    "deliverable": "delivered order",
                    "closeness": 3,
                    "frequency": "daily",
                    "importance": 5,
                    "satisfaction": 3,
                    "sla_days": "15",
                }
            ),
        ],
        ignore_index=True,
    )

    with_sla = handoffs[handoffs["sla_days"] != ""]
    reps = np.repeat(np.arange(len(with_sla)), deliveries_per_sla)
    start = pd.Timestamp("2025-01-06") + pd.to_timedelta(
        rng.integers(0, 360 * 24, len(reps)), unit="h"
    )
    target = with_sla["sla_days"].astype(float).to_numpy()[reps]
    lead = rng.lognormal(np.log(target * 0.8), 0.45)
    deliveries = pd.DataFrame(
        {
            "provider": with_sla["provider"].to_numpy()[reps],
            "customer": with_sla["customer"].to_numpy()[reps],
            "deliverable": with_sla["deliverable"].to_numpy()[reps],
            "requested": start.strftime("%Y-%m-%d %H:%M"),
            "delivered": (start + pd.to_timedelta(lead, unit="D")).strftime("%Y-%m-%d %H:%M"),
        }
    )
    return {"units": units, "handoffs": handoffs, "deliveries": deliveries}


def write_generated(tables: dict, out) -> Path:
    """Write generated tables as a CSV folder."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        df.to_csv(out / f"{name}.csv", index=False)
    return out


def _people_by_department(tables) -> pd.Series:
    units = tables["units"]
    parent = dict(zip(units["id"], units["parent"], strict=False))
    kind = dict(zip(units["id"], units["kind"], strict=False))

    def top(u):
        while parent.get(u):
            u = parent[u]
        return u

    people = units.loc[units["kind"] == "person", "id"]
    return pd.Series([top(u) for u in people], index=people.to_numpy()).where(
        lambda s: s.map(kind) == "department"
    )


def plant_silo(tables: dict, department: str, *, keep: float = 0.2, seed: int = 0) -> dict:
    """Cut a department's crossing handoffs to the share ``keep`` (a planted silo).

    Of the handoffs between a member of ``department`` and anyone outside it
    (the external customer excepted), a random ``keep`` share is kept, seeded.
    Returns new tables; deliveries of removed handoffs go too.
    """
    rng = np.random.default_rng(seed)
    dept = _people_by_department(tables)
    h = tables["handoffs"]
    pd_, cd_ = h["provider"].map(dept), h["customer"].map(dept)
    crossing = (pd_ != cd_) & ((pd_ == department) | (cd_ == department)) & cd_.notna()
    idx = np.flatnonzero(crossing.to_numpy())
    kept = rng.choice(idx, size=int(round(keep * len(idx))), replace=False)
    drop = np.zeros(len(h), dtype=bool)
    drop[np.setdiff1d(idx, kept)] = True
    return _without(tables, h[~drop])


def plant_bottleneck(tables: dict, a: str, b: str, *, ties: int = 6, seed: int = 0) -> tuple:
    """Make one person of department ``a`` the only way work passes between ``a`` and ``b``.

    Every handoff between members of the two departments is rerouted: its
    end in ``a`` becomes one member of ``a`` (not its head), so the same
    work flows, all of it through that person; duplicates merge. If fewer
    than ``ties`` handoffs result in either direction, new ones to random
    members of ``b`` make up the difference. Returns ``(tables, person id)``.
    """
    rng = np.random.default_rng(seed)
    dept = _people_by_department(tables)
    h = tables["handoffs"].copy()
    pd_, cd_ = h["provider"].map(dept), h["customer"].map(dept)
    members_a = dept.index[dept == a].to_numpy()
    members_b = dept.index[dept == b].to_numpy()
    person = str(rng.choice(members_a[1:]))
    out = (pd_ == a) & (cd_ == b)
    back = (pd_ == b) & (cd_ == a)
    h.loc[out, "provider"] = person
    h.loc[back, "customer"] = person
    extra = []
    for direction, mask in (("out", out), ("back", back)):
        have = set(h.loc[mask, "customer" if direction == "out" else "provider"])
        need = max(0, min(ties, len(members_b)) - len(have))
        pool = [m for m in members_b if m not in have]
        for m in rng.choice(pool, size=min(need, len(pool)), replace=False):
            extra.append((person, m) if direction == "out" else (m, person))
    if extra:
        new = pd.DataFrame(extra, columns=["provider", "customer"]).assign(
            deliverable="order",
            closeness=3,
            frequency="weekly",
            importance=3,
            satisfaction=3,
            sla_days="",
        )
        h = pd.concat([h, new], ignore_index=True)
    h = h.drop_duplicates(["provider", "customer", "deliverable"])
    return _without(tables, h), person


def _without(tables, handoffs) -> dict:
    keys = set(
        zip(handoffs["provider"], handoffs["customer"], handoffs["deliverable"], strict=False)
    )
    d = tables["deliveries"]
    keep = [k in keys for k in zip(d["provider"], d["customer"], d["deliverable"], strict=False)]
    return {
        "units": tables["units"],
        "handoffs": handoffs.reset_index(drop=True),
        "deliveries": d[keep],
    }


def flat(
    people: int, *, seed: int = 0, per_person: int = 10, departments: int | None = None
) -> dict:
    """A flat random organization: handoffs between random people, random departments.

    Every person hands work to ``per_person`` others chosen at random
    (Erdos-Renyi-like, no structure at all); departments are labels drawn at
    random. Nothing here should be a finding; it measures false alarms.
    """
    rng = np.random.default_rng(seed)
    k = departments or int(np.clip(round(people**0.5 / 2.5), 4, 400))
    dept = rng.integers(0, k, people)
    pid = np.array([f"P{i:06d}" for i in range(people)])
    src = np.repeat(np.arange(people), per_person)
    dst = rng.integers(0, people - 1, len(src))
    dst = np.where(dst >= src, dst + 1, dst)
    pairs = pd.DataFrame({"s": src, "c": dst}).drop_duplicates()
    n = len(pairs)
    units = pd.concat(
        [
            pd.DataFrame(
                {
                    "id": [f"D{d:03d}" for d in range(k)],
                    "name": [f"Department {d + 1}" for d in range(k)],
                    "kind": "department",
                    "parent": "",
                }
            ),
            pd.DataFrame(
                {
                    "id": pid,
                    "name": [f"Person {i + 1}" for i in range(people)],
                    "kind": "person",
                    "parent": [f"D{d:03d}" for d in dept],
                }
            ),
        ],
        ignore_index=True,
    )
    handoffs = pd.DataFrame(
        {
            "provider": pid[pairs["s"]],
            "customer": pid[pairs["c"]],
            "deliverable": "work",
            "closeness": rng.integers(1, 6, n),
            "frequency": _FREQ[rng.integers(0, 5, n)],
        }
    )
    empty = pd.DataFrame(columns=["provider", "customer", "deliverable", "requested", "delivered"])
    return {"units": units, "handoffs": handoffs, "deliveries": empty}

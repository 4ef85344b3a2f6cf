"""Generate the healthcare-supplier sample organization (deterministic).

A maker of single-use medical products, about 150 people in 12 departments,
selling to hospitals and clinics. The story the data tells, on purpose:

* Sales promises customers delivery in 15 days; about 30% of orders miss it,
  because the order-to-delivery chain (Sales -> Operations planning ->
  Manufacturing -> Quality release -> Packing -> Operations shipping) has a
  median near 13 days and a long tail.
* Product Development and IT keep to themselves: dense work inside, almost
  nothing handed to other departments.
* One person many depend on: Dana Whitfield, the production planner in
  Operations, through whom every customer order reaches Manufacturing.
* The handoffs between Operations and Sales are rated at arm's length
  (closeness 1-2) and with low satisfaction on both sides.

Run ``python data/healthcare-supplier/generate.py`` to rewrite the CSV files
next to this script. The same seed gives byte-identical files.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import random
from pathlib import Path

SEED = 2025
HERE = Path(__file__).parent

FIRST = [
    "Alex",
    "Maria",
    "James",
    "Priya",
    "Chen",
    "Olivia",
    "Noah",
    "Fatima",
    "Liam",
    "Sofia",
    "Ethan",
    "Amara",
    "Lucas",
    "Yuki",
    "Mateo",
    "Hannah",
    "Omar",
    "Elena",
    "Ryan",
    "Grace",
    "Daniel",
    "Aisha",
    "Samuel",
    "Chloe",
    "Diego",
    "Nora",
    "Ben",
    "Leila",
    "Tom",
    "Ines",
]
LAST = [
    "Garcia",
    "Okafor",
    "Smith",
    "Nguyen",
    "Patel",
    "Kowalski",
    "Brown",
    "Haddad",
    "Larsen",
    "Rossi",
    "Kim",
    "Murphy",
    "Silva",
    "Novak",
    "Cohen",
    "Ibrahim",
    "Meyer",
    "Tanaka",
    "Lopez",
    "Walsh",
    "Dubois",
    "Singh",
    "Berg",
    "Costa",
    "Reyes",
    "Fischer",
    "Moreau",
]

# Department id, name, head's role, [(team id suffix, team name, size incl. lead)], loose staff.
DEPARTMENTS = [
    ("SAL", "Sales", "Sales Director", [("KA", "Key Accounts", 8), ("IS", "Inside Sales", 7)], 0),
    (
        "OPS",
        "Operations",
        "Operations Manager",
        [("OM", "Order Management", 6), ("LOG", "Logistics", 6)],
        1,
    ),
    (
        "MFG",
        "Manufacturing",
        "Plant Manager",
        [("LA", "Line A", 10), ("LB", "Line B", 10), ("MNT", "Maintenance", 6)],
        1,
    ),
    ("PCK", "Packing", "Packing Supervisor", [], 11),
    (
        "QA",
        "Quality",
        "Quality Manager",
        [("QC", "Quality Control", 5), ("QR", "Regulatory", 3)],
        1,
    ),
    ("CS", "Customer Support", "Support Manager", [], 11),
    (
        "PD",
        "Product Development",
        "R&D Director",
        [("ENG", "Engineering", 7), ("LAB", "Lab", 6)],
        0,
    ),
    ("MKT", "Marketing", "Marketing Manager", [], 8),
    ("IT", "IT", "IT Manager", [("INF", "Infrastructure", 4), ("APP", "Business Apps", 4)], 0),
    ("HR", "HR", "HR Manager", [], 6),
    ("FIN", "Finance", "Finance Director", [], 8),
    ("BIL", "Billing", "Billing Supervisor", [], 7),
]
SILOS = {"PD", "IT"}
PLANNER = "OPS-PLN"  # the person many depend on


class Builder:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.units = []
        self.handoffs = {}
        self.names = set()
        self.members = {}  # dept -> [person ids]
        self.teams = {}  # team id -> [person ids]
        self.role = {}

    def name(self):
        while True:
            n = f"{self.rng.choice(FIRST)} {self.rng.choice(LAST)}"
            if n not in self.names:
                self.names.add(n)
                return n

    def person(self, pid, parent, dept, role, manager, name=None):
        self.units.append(
            dict(
                id=pid,
                name=name or self.name(),
                kind="person",
                parent=parent,
                manager=manager,
                role=role,
                location="Leeds",
                level="1" if not manager else "2" if role.endswith(("Lead", "Planner")) else "3",
            )
        )
        self.members.setdefault(dept, []).append(pid)
        self.role[pid] = role

    def handoff(
        self,
        provider,
        customer,
        deliverable,
        closeness,
        frequency,
        importance,
        satisfaction,
        sla_days="",
        sides=("", ""),
    ):
        key = (provider, customer, deliverable)
        if provider != customer and key not in self.handoffs:
            self.handoffs[key] = dict(
                provider=provider,
                customer=customer,
                deliverable=deliverable,
                closeness=closeness,
                frequency=frequency,
                importance=importance,
                satisfaction=satisfaction,
                sla_days=sla_days,
                provider_closeness=sides[0],
                customer_closeness=sides[1],
            )

    def build_people(self):
        rng = self.rng
        self.units.append(
            dict(
                id="CUST",
                name="Hospital and clinic customers",
                kind="external",
                parent="",
                manager="",
                role="",
                location="",
                level="",
            )
        )
        for dept, dname, head_role, teams, loose in DEPARTMENTS:
            self.units.append(
                dict(
                    id=dept,
                    name=dname,
                    kind="department",
                    parent="",
                    manager=f"{dept}-01",
                    role="",
                    location="Leeds",
                    level="",
                )
            )
            head = f"{dept}-01"
            self.person(head, dept, dept, head_role, "")
            n = 2
            for suffix, tname, size in teams:
                tid = f"{dept}-{suffix}"
                self.units.append(
                    dict(
                        id=tid,
                        name=tname,
                        kind="team",
                        parent=dept,
                        manager="",
                        role="",
                        location="Leeds",
                        level="",
                    )
                )
                lead = f"{dept}-{n:02d}"
                self.units[-1]["manager"] = lead
                self.person(lead, tid, dept, f"{tname} Lead", head)
                self.teams[tid] = [lead]
                n += 1
                for _ in range(size - 1):
                    pid = f"{dept}-{n:02d}"
                    self.person(pid, tid, dept, f"{tname} Specialist", lead)
                    self.teams[tid].append(pid)
                    n += 1
            for _ in range(loose):
                pid = f"{dept}-{n:02d}"
                self.person(pid, dept, dept, f"{dname} Specialist", head)
                n += 1
            if dept == "OPS":
                self.person(
                    PLANNER,
                    f"{dept}-OM",
                    dept,
                    "Production Planner",
                    f"{dept}-02",
                    name="Dana Whitfield",
                )
                self.teams[f"{dept}-OM"].append(PLANNER)
        del rng

    def inside(self):
        """Dense, close work inside teams and departments; heavier in the silos."""
        rng = self.rng
        for dept, *_ in DEPARTMENTS:
            people = self.members[dept]
            extra = 4 if dept in SILOS else 2
            # A ring guarantees everyone hands something to a colleague.
            for i, p in enumerate(people):
                q = people[(i + 1) % len(people)]
                self.handoff(
                    p,
                    q,
                    "work in progress",
                    rng.choice([4, 5]),
                    rng.choice(["daily", "weekly"]),
                    3,
                    rng.choice([4, 4, 5]),
                )
                for q in rng.sample(people, min(extra, len(people))):
                    self.handoff(
                        p,
                        q,
                        rng.choice(["status update", "review", "draft", "checked work"]),
                        rng.choice([3, 4, 5]),
                        rng.choice(["daily", "weekly", "biweekly"]),
                        rng.choice([2, 3, 3, 4]),
                        rng.choice([3, 4, 4, 5]),
                    )

    def pick(self, dept, k=1, team=None):
        pool = self.teams[team] if team else self.members[dept]
        return self.rng.sample(pool, min(k, len(pool)))

    def across(self):
        rng, h = self.rng, self.handoff
        sales = self.teams["SAL-KA"] + self.teams["SAL-IS"]
        # The value stream: every order passes through the planner.
        for s in sales:
            h(s, PLANNER, "customer order", rng.choice([1, 2]), "daily", 5, 2, 1)
        h("CUST", "SAL-02", "purchase order", 3, "daily", 5, "", "")
        for lead in ("MFG-03", "MFG-13"):  # line leads
            h(PLANNER, lead, "production order", 3, "daily", 5, 3, 5)
            h(lead, "QA-03", "batch for release", 3, "daily", 5, 3, 3)
        h("QA-03", "PCK-01", "released batch", 4, "daily", 5, 4, 2)
        h("PCK-01", "OPS-09", "packed order", 4, "daily", 5, 4, 1)
        h("OPS-09", "CUST", "delivered order", 2, "daily", 5, 2, 15)
        # Operations and Sales at arm's length, both ways.
        # Where both sides were asked, they disagree: the provider feels closer.
        h(PLANNER, "SAL-02", "delivery date confirmation", 1, "daily", 4, 2, 1, sides=(3, 1))
        h("OPS-09", "SAL-10", "shipping status", 2, "daily", 4, 2, "")
        h("OPS-02", "SAL-01", "capacity forecast", 1, "monthly", 4, 2, "", sides=(4, 1))
        h("SAL-01", "OPS-01", "sales forecast", 2, "monthly", 5, 2, "", sides=(4, 2))
        h("SAL-10", "OPS-03", "order change request", 1, "weekly", 4, 2, "")
        # Everyone else who needs the plan asks the planner.
        for c, what in (
            ("PCK-01", "packing schedule"),
            ("QA-02", "inspection schedule"),
            ("BIL-01", "shipment list"),
            ("CS-01", "order status"),
            ("FIN-02", "production forecast"),
            ("MFG-23", "maintenance window"),
            ("OPS-08", "dispatch plan"),
            ("MFG-01", "weekly plan"),
        ):
            h(PLANNER, c, what, 3, "daily" if c != "FIN-02" else "monthly", 4, 3, "")
        # Ordinary cross-department work.
        pairs = [
            ("BIL", "CUST", "invoice", 3, "daily", 4, 3, 5),
            ("CUST", "CS", "complaint", 2, "weekly", 4, "", ""),
            ("CS", "QA", "complaint report", 3, "weekly", 4, 3, 5),
            ("QA", "CS", "investigation result", 3, "weekly", 4, 3, 10),
            ("CS", "SAL", "customer feedback", 3, "monthly", 3, 3, ""),
            ("MKT", "SAL", "campaign leads", 3, "weekly", 3, 3, ""),
            ("SAL", "MKT", "market insight", 3, "monthly", 2, 3, ""),
            ("FIN", "BIL", "price list", 4, "quarterly", 4, 4, ""),
            ("BIL", "FIN", "receivables report", 4, "monthly", 4, 4, ""),
            ("HR", "MFG", "new starter", 3, "monthly", 3, 3, ""),
            ("HR", "PCK", "temporary staff", 3, "monthly", 3, 3, ""),
            ("HR", "SAL", "recruitment shortlist", 3, "quarterly", 3, 3, ""),
            ("FIN", "HR", "payroll report", 3, "monthly", 3, 3, ""),
            ("MFG", "PCK", "production label", 4, "daily", 3, 4, ""),
            ("QA", "MFG", "deviation report", 3, "weekly", 4, 3, ""),
            ("MFG", "FIN", "scrap report", 3, "monthly", 2, 3, ""),
            ("SAL", "BIL", "contract terms", 3, "weekly", 4, 3, ""),
            ("CS", "BIL", "credit note request", 3, "weekly", 3, 3, ""),
            ("MKT", "CS", "product FAQ", 3, "quarterly", 2, 3, ""),
            ("FIN", "SAL", "margin report", 3, "monthly", 3, 3, ""),
            ("QA", "PCK", "labelling rule", 3, "quarterly", 4, 3, ""),
            ("MFG", "QA", "batch record", 4, "daily", 5, 4, ""),
            ("PCK", "OPS", "stock count", 3, "weekly", 3, 3, ""),
            ("OPS", "FIN", "freight costs", 3, "monthly", 2, 3, ""),
        ]
        for prov, cust, what, clo, freq, imp, sat, sla in pairs:
            ps = ["CUST"] if prov == "CUST" else self.pick(prov, 2)
            cs = ["CUST"] if cust == "CUST" else self.pick(cust, 2)
            for p, c in zip(ps, cs, strict=False):
                h(p, c, what, clo, freq, imp, sat, sla)
        # The silos: a trickle out, at arm's length.
        h("PD-01", "MFG-01", "product specification", 1, "quarterly", 4, 2, "")
        h("PD-01", "MKT-01", "launch brief", 2, "yearly", 3, 2, "")
        h("IT-01", "FIN-01", "system access report", 2, "quarterly", 2, 3, "")
        h("OPS-01", "IT-02", "ERP change request", 1, "ad hoc", 3, "", "")

    def deliveries(self):
        """A year of orders through the value stream, with each leg's dates."""
        rng = self.rng
        legs = [  # (provider, customer, deliverable, median days, spread)
            (None, PLANNER, "customer order", 0.8, 0.6),
            (PLANNER, None, "production order", 3.6, 0.55),
            (None, "QA-03", "batch for release", 3.4, 0.45),
            ("QA-03", "PCK-01", "released batch", 1.6, 0.5),
            ("PCK-01", "OPS-09", "packed order", 0.8, 0.5),
            ("OPS-09", "CUST", "delivered order", None, None),
        ]
        sales = self.teams["SAL-KA"] + self.teams["SAL-IS"]
        rows = []
        day = dt.datetime(2025, 1, 2, 9, 0)
        n = 0
        while day.year == 2025:
            if day.weekday() < 5:
                for _ in range(rng.choice([1, 1, 2])):
                    n += 1
                    order = f"SO-{n:05d}"
                    start = day + dt.timedelta(hours=rng.randint(0, 7))
                    t = start
                    rep, line = rng.choice(sales), rng.choice(["MFG-03", "MFG-13"])
                    for prov, cust, what, median, spread in legs[:-1]:
                        prov = prov or (rep if what == "customer order" else line)
                        cust = cust or line
                        days = median * math.exp(rng.gauss(0, spread))
                        done = t + dt.timedelta(days=days)
                        rows.append(
                            dict(
                                provider=prov,
                                customer=cust,
                                deliverable=what,
                                requested=_fmt(t),
                                delivered=_fmt(done),
                                reference=order,
                            )
                        )
                        t = done
                    # The last leg: the carrier; the customer's clock ran from the order.
                    done = t + dt.timedelta(days=1.5 * math.exp(rng.gauss(0, 0.4)))
                    rows.append(
                        dict(
                            provider="OPS-09",
                            customer="CUST",
                            deliverable="delivered order",
                            requested=_fmt(start),
                            delivered=_fmt(done),
                            reference=order,
                        )
                    )
            day += dt.timedelta(days=1)
        return rows


def _fmt(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M")


def write(path: Path, rows: list[dict]):
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def main(out: Path = HERE):
    b = Builder(SEED)
    b.build_people()
    b.inside()
    b.across()
    deliveries = b.deliveries()
    write(out / "units.csv", b.units)
    write(out / "handoffs.csv", list(b.handoffs.values()))
    write(out / "deliveries.csv", deliveries)
    end = [r for r in deliveries if r["deliverable"] == "delivered order"]
    late = sum(
        (dt.datetime.fromisoformat(r["delivered"]) - dt.datetime.fromisoformat(r["requested"]))
        > dt.timedelta(days=15)
        for r in end
    )
    people = sum(u["kind"] == "person" for u in b.units)
    print(
        f"{people} people, {len(b.handoffs)} handoffs, {len(end)} orders, "
        f"{late / len(end):.1%} later than 15 days"
    )


if __name__ == "__main__":
    import sys

    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)

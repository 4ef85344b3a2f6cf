"""Tiny organizations for the docstring examples (checkable by hand)."""

from __future__ import annotations

import pandas as pd

__all__ = ["two_departments", "chain", "ten_deliveries"]


def two_departments():
    """Departments a (a1, a2) and b (b1), external x: a1<->a2, a2->b1, b1->x."""
    from ..model import Organization

    units = pd.DataFrame(
        {
            "id": ["a", "b", "a1", "a2", "b1", "x"],
            "name": ["A", "B", "A one", "A two", "B one", "Customer"],
            "kind": ["department", "department", "person", "person", "person", "external"],
            "parent": ["", "", "a", "a", "b", ""],
        }
    )
    handoffs = pd.DataFrame(
        {
            "provider": ["a1", "a2", "a2", "b1"],
            "customer": ["a2", "a1", "b1", "x"],
            "deliverable": ["draft", "review", "order", "product"],
            "closeness": [5, 5, 2, 4],
            "frequency": ["weekly"] * 4,
        }
    )
    return Organization.from_tables(units, handoffs, name="two departments")


def chain():
    """A line p1 -> p2 -> p3 -> x in one department: p2 and p3 are cut vertices."""
    from ..model import Organization

    units = pd.DataFrame(
        {
            "id": ["d", "p1", "p2", "p3", "x"],
            "name": ["D", "P1", "P2", "P3", "X"],
            "kind": ["department", "person", "person", "person", "external"],
            "parent": ["", "d", "d", "d", ""],
        }
    )
    handoffs = pd.DataFrame(
        {
            "provider": ["p1", "p2", "p3"],
            "customer": ["p2", "p3", "x"],
            "deliverable": ["part", "assembly", "product"],
            "closeness": [3, 3, 3],
            "frequency": ["daily"] * 3,
        }
    )
    return Organization.from_tables(units, handoffs, name="chain")


def ten_deliveries():
    """One handoff a -> x with an 8-day SLA and ten deliveries taking 1, 2, ..., 10 days."""
    from ..model import Organization

    units = pd.DataFrame(
        {
            "id": ["d", "a", "x"],
            "name": ["D", "A", "X"],
            "kind": ["department", "person", "external"],
            "parent": ["", "d", ""],
        }
    )
    handoffs = pd.DataFrame(
        {
            "provider": ["a"],
            "customer": ["x"],
            "deliverable": ["order"],
            "closeness": [3],
            "frequency": ["weekly"],
            "sla_days": [8],
        }
    )
    start = pd.Timestamp("2026-01-01")
    deliveries = pd.DataFrame(
        {
            "provider": "a",
            "customer": "x",
            "deliverable": "order",
            "requested": [start + pd.Timedelta(days=7 * i) for i in range(10)],
            "delivered": [start + pd.Timedelta(days=7 * i + i + 1) for i in range(10)],
        }
    )
    return Organization.from_tables(units, handoffs, deliveries, name="ten deliveries")

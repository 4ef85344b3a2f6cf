"""Small organizations written as real files, so every expected number is checkable by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"

UNITS = """id,name,kind,parent,manager,role
ops,Operations,department,,,
sales,Sales,department,,,
plan,Planning,team,ops,ann,
ann,Ann Lee,person,plan,,Planner
bob,Bob Ray,person,sales,cat,Account manager
cat,Cat Moss,person,sales,,Head of Sales
cust,Customer,external,,,
"""
# Spreadsheet rows: header is row 1, "ops" row 2, ..., "cust" row 8.

HANDOFFS = """provider,customer,deliverable,closeness,frequency,importance,satisfaction,sla_days
bob,ann,customer order,2,daily,5,2,1
ann,cust,shipment,4,weekly,,4,15
cat,bob,sales targets,5,monthly,3,,
"""

DELIVERIES = """provider,customer,deliverable,requested,delivered
ann,cust,shipment,2026-01-05,2026-01-12
ann,cust,shipment,2026-01-06 09:00,2026-01-26 17:30
"""


def write_org(folder: Path, units=UNITS, handoffs=HANDOFFS, deliveries=DELIVERIES) -> Path:
    """Write the three CSV files (a table given as None is left out)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in (("units", units), ("handoffs", handoffs), ("deliveries", deliveries)):
        if text is not None:
            data = text if isinstance(text, bytes) else text.encode("utf-8")
            (folder / f"{name}.csv").write_bytes(data)
    return folder


@pytest.fixture
def org_dir(tmp_path):
    return write_org(tmp_path / "org")


@pytest.fixture
def small_org(org_dir):
    import orggraph

    return orggraph.load(org_dir)


@pytest.fixture(autouse=True)
def _private_analysis_cache(tmp_path_factory, monkeypatch):
    """Every test gets its own analysis cache folder, never the user's."""
    monkeypatch.setenv("ORGGRAPH_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))

"""Write workshop.xlsx: a department-level map captured in a consultant's workshop.

A regional hospital's revenue cycle, mapped with the department heads on a
whiteboard and typed up the same afternoon: twelve departments and the
patients, who hands what to whom, how often, how closely they work together,
and how satisfied the receiving side is. The sheet looks like a consultant's
real file: a title row and a blank row above the header, a notes column, the
ratings as typed. Run ``python data/workshop/make_workbook.py`` to rewrite it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

HERE = Path(__file__).parent

UNITS = [
    ("ADM", "Admissions", "department", "", "Registration and insurance checks"),
    ("PHY", "Physicians", "department", "", "Attending physicians, all services"),
    ("NUR", "Nursing", "department", "", "Ward nursing"),
    ("PHA", "Pharmacy", "department", "", ""),
    ("LAB", "Laboratory", "department", "", ""),
    ("RAD", "Radiology", "department", "", ""),
    ("MRE", "Medical Records", "department", "", "Health information management"),
    ("COD", "Coding", "department", "", "Clinical coders"),
    ("BIL", "Billing", "department", "", "Claims and patient invoices"),
    ("FIN", "Finance", "department", "", ""),
    ("ITS", "IT Services", "department", "", "EHR support"),
    ("FAC", "Facilities", "department", "", ""),
    ("PAT", "Patients and insurers", "external", "", "The external customer"),
]

HANDOFFS = [
    # provider, customer, deliverable, closeness, frequency, importance, satisfaction, sla, note
    ("PAT", "ADM", "registration details", 3, "daily", 5, 3, "", ""),
    ("ADM", "PHY", "admitted patient", 3, "daily", 5, 3, "", ""),
    ("ADM", "BIL", "insurance verification", 2, "daily", 4, 2, 1, "often incomplete"),
    ("PHY", "NUR", "care orders", 5, "daily", 5, 4, "", ""),
    ("PHY", "PHA", "medication orders", 4, "daily", 5, 4, "", ""),
    ("PHY", "LAB", "test orders", 4, "daily", 5, 4, "", ""),
    ("PHY", "RAD", "imaging requests", 3, "daily", 4, 3, "", ""),
    ("PHY", "MRE", "discharge summary", 1, "daily", 5, 2, 2, "late and unsigned"),
    ("LAB", "PHY", "test results", 4, "daily", 5, 4, 1, ""),
    ("RAD", "PHY", "imaging report", 3, "daily", 5, 3, 2, ""),
    ("PHA", "NUR", "dispensed medication", 4, "daily", 5, 4, "", ""),
    ("NUR", "MRE", "nursing notes", 3, "daily", 3, 3, "", ""),
    ("MRE", "COD", "complete chart", 2, "daily", 5, 2, 3, "waits for physicians"),
    ("COD", "BIL", "coded encounter", 2, "daily", 5, 3, 2, ""),
    ("COD", "PHY", "documentation query", 1, "weekly", 4, 2, 5, "physicians rarely answer"),
    ("BIL", "PAT", "claim and invoice", 2, "daily", 5, 2, 30, "promise: billed within 30 days"),
    ("BIL", "FIN", "receivables report", 4, "monthly", 4, 4, "", ""),
    ("FIN", "BIL", "price list", 3, "quarterly", 3, 3, "", ""),
    ("ITS", "MRE", "EHR support", 2, "ad hoc", 3, 2, "", ""),
    ("ITS", "PHY", "EHR support", 2, "ad hoc", 3, 2, "", ""),
    ("FAC", "NUR", "room turnaround", 3, "daily", 3, 3, "", ""),
    ("FIN", "FAC", "maintenance budget", 2, "yearly", 2, 3, "", ""),
]

HEADERS_UNITS = ["id", "name", "kind", "parent", "notes"]
HEADERS_HANDOFFS = [
    "provider",
    "customer",
    "deliverable",
    "closeness",
    "frequency",
    "importance",
    "satisfaction",
    "sla_days",
    "notes",
]


def sheet(wb, name, title, headers, rows):
    ws = wb.create_sheet(name)
    ws["A1"] = title
    ws["A1"].font = Font(bold=True, size=14)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    # Row 2 stays blank, as in most hand-made workbooks; the header is on row 3.
    ws.append([])
    for c, h in enumerate(headers, 1):
        ws.cell(3, c, h).font = Font(bold=True)
    for r in rows:
        ws.append(list(r))
    for col, width in zip("ABCDEFGHI", (12, 26, 26, 11, 11, 11, 12, 10, 34), strict=False):
        ws.column_dimensions[col].width = width
    return ws


def main(out: Path = HERE):
    wb = Workbook()
    wb.remove(wb.active)
    stamp = "Workshop, 12 November 2026"
    sheet(wb, "units", f"Departments - {stamp}", HEADERS_UNITS, UNITS)
    sheet(wb, "handoffs", f"Who delivers what to whom - {stamp}", HEADERS_HANDOFFS, HANDOFFS)
    wb.properties.created = dt.datetime(2026, 11, 12)
    wb.properties.modified = dt.datetime(2026, 11, 12)
    wb.save(out / "workshop.xlsx")
    print(f"wrote {out / 'workshop.xlsx'}")


if __name__ == "__main__":
    import sys

    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)

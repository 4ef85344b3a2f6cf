"""Write an organization back out as CSV files, an Excel or OpenDocument workbook or JSON.

CSV, xlsx and ods cells are neutralised (:func:`orggraph.safety.neutralise_cell`): a name such as
``=HYPERLINK(...)`` is written as ``'=HYPERLINK(...)``, which a spreadsheet shows as text
instead of running it; every CSV field is quoted.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd

from ..safety import neutralise_table
from ..schema import FREQUENCY_PER_MONTH, KINDS, TABLES

__all__ = ["write", "write_template", "user_tables"]

_DERIVED = {
    "units": ["department"],
    "handoffs": ["per_month", "weight", "distance"],
    "deliveries": ["lead_days"],
}


def _fmt(v):
    if v is None or (isinstance(v, float) and v != v) or v is pd.NaT:
        return ""
    if isinstance(v, pd.Timestamp):
        return (
            v.strftime("%Y-%m-%d %H:%M:%S")
            if (v.hour or v.minute or v.second)
            else v.strftime("%Y-%m-%d")
        )
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def user_tables(org) -> dict[str, pd.DataFrame]:
    """The organization's tables as a user would write them: text, no derived columns."""
    out = {}
    for name, df in (
        ("units", org.units),
        ("handoffs", org.handoffs),
        ("deliveries", org.deliveries),
    ):
        df = df.drop(columns=[c for c in _DERIVED[name] if c in df])
        # Standard columns first, in documented order; extras keep their order.
        std = [c for c, _, _ in TABLES[name] if c in df]
        df = df[std + [c for c in df.columns if c not in std]]
        out[name] = df.map(_fmt).astype(object)
    return out


def write(org, path) -> Path:
    """Write ``org`` to ``path``: a folder (CSV files), ``.xlsx``, ``.ods`` or ``.json``.

    Spreadsheet cells (CSV, xlsx and ods) that a spreadsheet would run as a formula are
    neutralised with a leading single quote; JSON keeps every value as it is. Ratings
    are written on 1-5, as the organization holds them (a declared rating scale has
    already been applied).
    """
    path = Path(path)
    tables = user_tables(org)
    if path.suffix.lower() in (".xlsx", ".ods"):
        engine = "openpyxl" if path.suffix.lower() == ".xlsx" else "odf"  # odf: odfpy
        with pd.ExcelWriter(path, engine=engine) as xw:
            for name, df in tables.items():
                neutralise_table(df).to_excel(xw, sheet_name=name, index=False)
    elif path.suffix.lower() == ".json":
        doc = {"name": org.name}
        doc |= {name: df.to_dict("records") for name, df in tables.items()}
        text = json.dumps(doc, indent=1, ensure_ascii=False, allow_nan=False)
        path.write_text(text, encoding="utf-8")
    else:
        path.mkdir(parents=True, exist_ok=True)
        for name, df in tables.items():
            neutralise_table(df).to_csv(
                path / f"{name}.csv", index=False, encoding="utf-8", quoting=csv.QUOTE_ALL
            )
    return path


_EXPLAIN = [
    ("orggraph input template", ""),
    ("", ""),
    ("Fill in the sheets 'units' and 'handoffs'; 'deliveries' is optional.", ""),
    ("Keep the header row as it is. Extra columns are kept as attributes.", ""),
    ("", ""),
]


def write_template(folder) -> list[Path]:
    """Write an empty workbook (with an explanation sheet) and empty CSVs into ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rows = list(_EXPLAIN)
    for table, cols in TABLES.items():
        rows.append((f"Sheet '{table}'", ""))
        for name, required, meaning in cols:
            rows.append((f"  {name}" + (" (required)" if required else ""), meaning))
        rows.append(("", ""))
    rows.append(("kind", ", ".join(KINDS)))
    rows.append(("frequency words", ", ".join(FREQUENCY_PER_MONTH)))
    rows.append(
        (
            "closeness",
            "1 arm's length, 2 occasional, 3 regular, 4 close, 5 daily close collaboration",
        )
    )
    explain = pd.DataFrame(rows, columns=["what", "meaning"])
    book = folder / "orggraph-template.xlsx"
    written = [book]
    with pd.ExcelWriter(book, engine="openpyxl") as xw:
        explain.to_excel(xw, sheet_name="explanation", index=False)
        for table, cols in TABLES.items():
            pd.DataFrame(columns=[c for c, _, _ in cols]).to_excel(
                xw, sheet_name=table, index=False
            )
        ws = xw.book["explanation"]
        ws.column_dimensions["A"].width = 34
        ws.column_dimensions["B"].width = 90
    for table, cols in TABLES.items():
        p = folder / f"{table}.csv"
        pd.DataFrame(columns=[c for c, _, _ in cols]).to_csv(p, index=False)
        written.append(p)
    return written

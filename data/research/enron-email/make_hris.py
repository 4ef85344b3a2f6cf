"""Write hris.csv (an HRIS table for orggraph ingest) from people.csv.

The Enron data has free-text positions and no department. The unit attribute is the
position group, after this normalisation (documented in SOURCE.md):

1. the part before the first comma is the title ("Vice President, Regulatory Affairs" ->
   "Vice President");
2. titles map to groups: CEO and President -> Executive; Vice President and Managing
   Director -> Vice President; Director -> Director; Manager -> Manager; Trader -> Trader;
   Employee and In House Lawyer -> Employee; NA or empty -> Unknown position.

Run from the repository root: python data/research/enron-email/make_hris.py
"""

from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent

GROUPS = {
    "CEO": "Executive",
    "President": "Executive",
    "Vice President": "Vice President",
    "Managing Director": "Vice President",
    "Director": "Director",
    "Manager": "Manager",
    "Trader": "Trader",
    "Employee": "Employee",
    "In House Lawyer": "Employee",
}


def group(position: str) -> str:
    title = str(position).split(",")[0].strip()
    if title in ("", "NA"):
        return "Unknown position"
    return GROUPS[title]


def main():
    people = pd.read_csv(HERE / "people.csv", dtype=str, keep_default_na=False)
    hris = pd.DataFrame(
        {
            "id": people["id"],
            "name": people["name"],
            "department": people["position"].map(group),
            "title": people["position"].replace("NA", ""),
        }
    )
    hris.to_csv(HERE / "hris.csv", index=False)
    print(hris["department"].value_counts().to_string())


if __name__ == "__main__":
    main()

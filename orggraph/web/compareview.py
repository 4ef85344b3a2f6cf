"""What the Compare page shows: :func:`orggraph.compare.compare` of two uploads, as rows.

Pure functions of a comparison (plain data), unit-tested without a browser, and
:class:`Comparisons`, the server's small cache of comparisons by the two uploads' handles
(one comparison computed at a time). Nothing here imports dash.
"""

from __future__ import annotations

import collections
import copy
import threading

from ..exceptions import OrgGraphError

__all__ = [
    "Comparisons",
    "CompareBusy",
    "private_comparison",
    "headline",
    "unit_rows",
    "handoff_rows",
    "finding_rows",
    "department_rows",
    "bottleneck_rows",
    "download",
]

SHOWN = 50  # rows of each list shown in the page (the downloads have them all)


class CompareBusy(OrgGraphError):
    """Another comparison is being computed and did not finish in time."""


class Comparisons:
    """Comparisons by (owner, before handle, after handle): the last ``size`` kept, one
    computed at a time (others wait up to ``wait`` seconds)."""

    def __init__(self, *, size=8, wait=30):
        self.size = size
        self.wait = wait
        self._kept: collections.OrderedDict = collections.OrderedDict()
        self._lock = threading.Lock()
        self._work = threading.Lock()

    def get(self, owner, before, after, *, compute):
        """The comparison of the entries ``before`` and ``after`` (both ``owner``'s)."""
        key = (owner, before.handle, after.handle)
        with self._lock:
            if key in self._kept:
                self._kept.move_to_end(key)
                return self._kept[key]
        if not self._work.acquire(timeout=self.wait):
            raise CompareBusy("the server is comparing other files; try again in a moment")
        try:
            c = compute(before, after)
        finally:
            self._work.release()
        with self._lock:
            self._kept[key] = c
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)
        return c

    def drop_owner(self, owner):
        with self._lock:
            for k in [k for k in self._kept if k[0] == owner]:
                del self._kept[k]


def private_comparison(c: dict, *, k: int) -> dict:
    """A comparison as privacy mode lists it: the department rows of groups under ``k``
    people (before or after; those :func:`orggraph.compare.suppress_comparison` already
    flagged ``suppressed``) moved out of the rows into ``suppressed`` (their names) and
    named in the test's caveat; everything else as it is (the names in it are already
    pseudonyms in privacy mode). ``c`` itself is not changed.

    Examples
    --------
    >>> c = {"departments": {"rows": [{"name": "A", "members_before": 9, "members_after": 9},
    ...     {"name": "B", "members_before": 3, "members_after": 6}], "test": {"caveat": "x"}}}
    >>> out = private_comparison(c, k=5)
    >>> [r["name"] for r in out["departments"]["rows"]], out["departments"]["suppressed"]
    (['A'], ['B'])
    """
    out = copy.deepcopy(c)
    d = out["departments"]
    small = [
        r
        for r in d["rows"]
        if r.get("suppressed")
        or any(r.get(m) is not None and r[m] < k for m in ("members_before", "members_after"))
    ]
    d["rows"] = [r for r in d["rows"] if r not in small]
    d["suppressed"] = [r["name"] for r in small]
    if small:
        d["test"]["caveat"] = (
            d["test"].get("caveat", "")
            + f"; figures of {len(small)} department(s) with fewer than {k} people before or "
            f"after are suppressed (privacy mode): " + ", ".join(d["suppressed"])
        )
    return out


def _pct(v):
    return "" if v is None else f"{v:.0%}"


def _num(v, spec="+.2f"):
    return "" if v is None else format(v, spec)


def headline(c) -> list[str]:
    """One sentence per snapshot, the counts of what changed, and what was suppressed."""
    out = []
    for side in ("before", "after"):
        s = c[side]
        out.append(
            f"{s['label'].capitalize()}: {s['organization']}: {s['people']} people, "
            f"{s['departments']} departments, {s['handoffs']} handoffs, {s['findings']} findings."
        )
    u, h, f = c["units"], c["handoffs"], c["findings"]
    out.append(
        f"{len(u['joined'])} joined, {len(u['left'])} left, {len(u['moved'])} moved department; "
        f"{len(h['added'])} handoffs added, {len(h['removed'])} removed; "
        f"{len(f['appeared'])} findings appeared, {len(f['resolved'])} resolved, "
        f"{len(f['persisted'])} persisted."
    )
    note = c.get("privacy", {}).get("note")
    if note:
        out.insert(-1, note)
    return out


def unit_rows(c) -> list[dict]:
    u = c["units"]
    rows = [
        {
            "change": label,
            "unit": r["name"],
            "kind": r.get("kind", ""),
            "department": r.get("department_name", ""),
        }
        for label in ("joined", "left")
        for r in u[label]
    ]
    rows += [
        {
            "change": "moved",
            "unit": r["name"],
            "kind": r["kind"],
            "department": f"{r['from_name']} → {r['to_name']}",
        }
        for r in u["moved"]
    ]
    return rows


def handoff_rows(c) -> list[dict]:
    h = c["handoffs"]
    return [
        {
            "change": label,
            "provider": r["provider_name"],
            "customer": r["customer_name"],
            "deliverable": r["deliverable"],
            "across departments": "yes" if r["crossing"] else "",
        }
        for label in ("added", "removed")
        for r in h[label]
    ]


def finding_rows(c) -> list[dict]:
    f = c["findings"]
    rows = []
    for label in ("appeared", "resolved", "persisted"):
        for r in f[label]:
            score = (
                f"{r['score_before']:.2f} → {r['score']:.2f}"
                if label == "persisted"
                else f"{r['score']:.2f}"
            )
            rows.append(
                {
                    "change": label,
                    "kind": r["kind"].replace("_", " "),
                    "subjects": ", ".join(r["subject_names"][:4])
                    + (" …" if len(r["subject_names"]) > 4 else ""),
                    "score": score,
                    "summary": r["summary"],
                }
            )
    return rows


def department_rows(c) -> list[dict]:
    """Per department: people, share of ties inside and Coleman homophily before -> after,
    the Holm-adjusted p-value of the change, silo before/after; suppressed departments last."""
    from ..compare import p_value_text, silo_status

    rows, suppressed = [], list(c["departments"].get("suppressed", []))
    for r in c["departments"]["rows"]:
        if r.get("suppressed"):  # fewer people than the minimum group size
            suppressed.append(r["name"])
            continue
        silo = silo_status(r)
        rows.append(
            {
                "department": r["name"],
                "people": f"{r['members_before'] or 0} → {r['members_after'] or 0}",
                "inside": f"{_pct(r['internal_share_before'])} → {_pct(r['internal_share_after'])}",
                "homophily": f"{_num(r['coleman_before'])} → {_num(r['coleman_after'])}",
                "p (Holm)": p_value_text(r),
                "beyond chance": "yes" if r["changed_beyond_chance"] else "",
                "silo": silo,
            }
        )
    for name in suppressed:
        rows.append({"department": name, "people": "suppressed"})
    return rows


def bottleneck_rows(c) -> list[dict]:
    return [
        {
            "unit": r["name"],
            "rank": f"{r['rank_before'] or '-'} → {r['rank_after'] or '-'}",
            "move": "" if r["move"] is None else f"{r['move']:+d}",
            "betweenness": f"{_num(r['betweenness_before'], '.3f')} → "
            f"{_num(r['betweenness_after'], '.3f')}",
            "bottleneck": "yes" if r["bottleneck_after"] else "",
        }
        for r in c["bottlenecks"]
    ]


def download(c, fmt: str) -> tuple[str, str]:
    """``(file name, text)`` of the comparison as Markdown (``md``) or JSON (``json``)."""
    from ..compare import to_json, to_markdown
    from .deliverables import safe_filename

    if fmt not in ("md", "json"):
        raise ValueError(f"unknown format {fmt!r}")
    stem = f"{c['before']['organization']} vs {c['after']['organization']}"
    text = to_markdown(c) if fmt == "md" else to_json(c)
    return safe_filename(stem, "compare." + fmt), text

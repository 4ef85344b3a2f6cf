"""Privacy mode of the web view: pseudonymized people, small departments suppressed.

The pure functions on small organizations, then `orggraph serve --privacy` in a subprocess
(Dash registers the pages' callbacks on the first app of a process) driven by a real
headless Chromium: no person's name reaches the browser, in any page or download.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import orggraph
from orggraph.analysis._examples import two_departments
from orggraph.privacy import Pseudonymizer
from orggraph.web import privacy as wp

from ..conftest import DATA

SAMPLE = DATA / "healthcare-supplier"
KEY = b"a test key of at least 16 bytes"


def _with_small_department(folder):
    """The sample plus Legal: 3 people, working with each other and with Finance."""
    shutil.copytree(SAMPLE, folder)
    units = pd.read_csv(folder / "units.csv", dtype=str, keep_default_na=False)
    handoffs = pd.read_csv(folder / "handoffs.csv", dtype=str, keep_default_na=False)
    new = pd.DataFrame(
        [
            {"id": "LEG", "name": "Legal", "kind": "department"},
            {"id": "LEG-01", "name": "Imogen Quarrie", "kind": "person", "parent": "LEG"},
            {"id": "LEG-02", "name": "Tobias Wrenfield", "kind": "person", "parent": "LEG"},
            {"id": "LEG-03", "name": "Saoirse Blackmoor", "kind": "person", "parent": "LEG"},
        ]
    )
    units = pd.concat([units, new], ignore_index=True).fillna("")
    fin = units.loc[units["parent"] == "FIN", "id"].iloc[0]
    rows = [
        ("LEG-01", "LEG-02", "contract draft"),
        ("LEG-02", "LEG-03", "contract review"),
        ("LEG-03", fin, "signed contract"),
        (fin, "LEG-01", "contract request"),
    ]
    extra = pd.DataFrame(
        [
            {
                "provider": p,
                "customer": c,
                "deliverable": d,
                "closeness": "3",
                "frequency": "weekly",
            }
            for p, c, d in rows
        ]
    )
    handoffs = pd.concat([handoffs, extra], ignore_index=True).fillna("")
    units.to_csv(folder / "units.csv", index=False)
    handoffs.to_csv(folder / "handoffs.csv", index=False)
    return folder


def _person_names(folder):
    u = pd.read_csv(folder / "units.csv", dtype=str, keep_default_na=False)
    return set(u.loc[u["kind"] == "person", "name"])


# ------------------------------------------------------------------ pure functions
def test_private_org_replaces_people_and_keeps_the_structure():
    org = two_departments()
    pz = Pseudonymizer(KEY, digits=wp.DIGITS)
    p = wp.private_org(org, pz, k=2)
    people = org.units[org.units["kind"] == "person"]
    mapped = p.units[p.units["kind"] == "person"]
    assert set(mapped["id"]) == {pz(x) for x in people["id"]}
    assert (mapped["name"] == mapped["id"]).all()
    assert not set(people["name"]) & set(p.units["name"])
    assert not set(people["id"]) & (set(p.handoffs["provider"]) | set(p.handoffs["customer"]))
    assert p.graph.number_of_edges() == org.graph.number_of_edges()
    assert p.departments == org.departments and p.min_group_size == 2
    assert wp.is_private(p) and not wp.is_private(org)
    # The same key gives the same pseudonyms (snapshots of one server compare).
    again = wp.private_org(org, Pseudonymizer(KEY, digits=wp.DIGITS))
    assert list(again.units["id"]) == list(p.units["id"])


def test_private_org_drops_undocumented_columns():
    org = two_departments()
    u = org.units.assign(email=lambda d: d["id"] + "@example.org")
    org2 = orggraph.Organization(u, org.handoffs, org.deliveries, name="x")
    p = wp.PrivacyMode(k=5, key=KEY).apply(org2)
    assert "email" not in p.units.columns
    assert p.warnings == ()


def test_privacy_mode_checks_k():
    with pytest.raises(ValueError):
        wp.PrivacyMode(k=0)


def test_suppressed_matrix_blanks_small_departments(tmp_path):
    org = orggraph.load(_with_small_department(tmp_path / "org"))
    p = wp.PrivacyMode(key=KEY).apply(org)
    m = wp.suppressed_matrix(p)
    assert m.attrs["suppressed"] == ["LEG"]
    label = "Legal (suppressed: fewer than 5 people)"
    assert label in m.index and label in m.columns
    assert m.loc[label].isna().all() and m[label].isna().all()
    others = [x for x in m.index if x != label]
    assert np.isfinite(m.loc[others, others].to_numpy()).all()
    fig = wp.matrix_heatmap(p)
    trace, grey = fig.data
    row = list(trace.y).index(label)
    assert all(z is None for z in trace.z[row])
    assert all(z is None for z in np.array(trace.z)[:, row])
    assert label in fig.layout.yaxis.ticktext and "Legal" not in fig.layout.xaxis.ticktext
    assert all("suppressed" in t for t in trace.text[row])  # the hover: no number
    assert set(grey.text[row]) == {"suppressed"} and list(grey.y) == list(trace.y)
    # A click on a suppressed cell opens nothing; other cells as before.
    assert wp.matrix_cell(p, {"points": [{"x": label, "y": others[0]}]}) == (None, None)
    ids = m.attrs["ids"]
    assert wp.matrix_cell(p, {"points": [{"x": others[1], "y": others[0]}]}) == (
        ids[m.index.get_loc(others[0])],
        ids[m.index.get_loc(others[1])],
    )
    # Without privacy mode nothing changes.
    assert not wp.suppressed_labels(wp.PrivacyMode(k=2, key=KEY).apply(org))


def test_matrix_heatmap_leaves_ordinary_organizations_alone():
    from orggraph.web import figures

    org = two_departments()
    assert wp.matrix_heatmap(org).to_json() == figures.matrix_heatmap(org).to_json()


# ------------------------------------------------------------------ in a browser
class _Served:
    """`orggraph serve FOLDER --privacy` in a subprocess on a free loopback port."""

    def __init__(self, tmp_path, folder):
        env = {**os.environ, "TMPDIR": str(tmp_path)}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "orggraph", "serve", str(folder), "--port", "0", "--privacy"],
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        deadline = time.time() + 120
        while time.time() < deadline:
            line = self.proc.stderr.readline()
            m = re.search(r"at (http://[\d.]+:\d+)/", line)
            if m:
                self.url = m.group(1)
                assert "privacy mode, minimum group size 5" in line
                return
            if self.proc.poll() is not None:
                break
        raise AssertionError("orggraph serve --privacy did not start")

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=20)


@pytest.mark.browser
@pytest.mark.slow
def test_privacy_mode_in_a_browser(tmp_path, browser):
    from .conftest import Page

    folder = _with_small_department(tmp_path / "org")
    names = _person_names(folder)
    (tmp_path / "tmp").mkdir()
    s = _Served(tmp_path / "tmp", folder)
    try:
        p = Page(browser, s.url, user=None)
        bodies = []
        p.page.on(
            "response",
            lambda r: bodies.append(r) if "/_dash-update-component" in r.url else None,
        )
        seen = []
        for path, ready in [
            ("/", "#top-findings"),
            ("/map", "#map-count:not(:empty)"),
            ("/matrix", "#matrix-graph .xtick"),
            ("/findings", "#findings-grid"),
            ("/sla", "h1"),
            ("/what-if", "#whatif-result"),
        ]:
            page = p.goto(path)
            page.wait_for_selector(ready)
            page.wait_for_timeout(1500)
            seen.append(page.inner_text("body"))
            if path == "/map":
                labels = page.evaluate(
                    "() => document.getElementById('map')._cyreg.cy.nodes()"
                    ".map(n => n.data('label') || '')"
                )
                assert len(labels) > 100
                seen.append(" ".join(labels))
            if path == "/matrix":
                matrix = page.text_content("#matrix-graph")
                assert "Legal (suppressed: fewer than 5 people)" in matrix
                assert "suppressed" in matrix.replace("Legal (suppressed", "")
        assert "Privacy mode" in page.inner_text("#privacy-mode")
        page = p.goto("/report")
        for button in ("#download-report-html", "#download-map-svg"):
            with page.expect_download(timeout=120_000) as d:
                page.click(button)
            seen.append(Path(d.value.path()).read_text(encoding="utf-8"))
        for r in bodies:
            try:
                seen.append(r.text())
            except Exception:  # a response the browser no longer holds
                continue
        text = "\n".join(seen)
        assert "P-" in text  # pseudonyms, where names were
        found = sorted(n for n in names if n in text)
        assert found == [], found[:10]
        assert p.errors == []
    finally:
        assert s.stop() == 0

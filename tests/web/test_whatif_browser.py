"""What-if in a real headless Chromium: removing Dana Whitfield tells the truth (issue 11)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_removing_dana_lists_the_lost_route_and_the_broken_promise(web):
    p = web()
    page = p.goto("/what-if")
    # Every text the progress line shows, however briefly.
    page.evaluate(
        """() => { window.__progress = [];
        const el = document.getElementById('whatif-progress');
        new MutationObserver(() => window.__progress.push(el.innerText))
            .observe(el, {childList: true, characterData: true, subtree: true}); }"""
    )
    page.click("#whatif-remove")
    page.keyboard.type("Dana Whitfield")
    page.get_by_text("Dana Whitfield (person)", exact=True).click()
    page.wait_for_selector("#whatif-summary")
    # Progress was shown while the server worked, and is gone with the answer.
    page.wait_for_function("() => document.getElementById('whatif-progress').innerText === ''")
    assert any(
        t.startswith("Working out who loses what") for t in page.evaluate("() => window.__progress")
    )
    text = page.inner_text("#whatif-result")
    # Sales' route to Manufacturing went through her (data/healthcare-supplier/handoffs.csv).
    assert "Sales → Manufacturing: 5 handoffs instead of 2" in text
    # The 15 sales reps' orders now reach no one; the promise cannot be kept, never "gone".
    assert "Work delivered to no one (" in text and "customer order" in text
    assert "The 15-day promise (delivered order) can no longer be kept" in text
    assert "go away" not in text and "resolved" not in text.lower()
    assert p.errors == []

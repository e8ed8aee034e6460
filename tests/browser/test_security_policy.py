"""The pages run under the server's Content-Security-Policy with no violation.

Chromium reports a violation both as a console error (which `open_page` fails
on) and as a `securitypolicyviolation` event, recorded here from before the
page's first script runs.
"""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation",
    (e) => window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
"""


@pytest.fixture(scope="module")
def context(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    ctx.add_init_script(RECORD_VIOLATIONS)
    yield ctx
    ctx.close()


def violations(page) -> list[str]:
    return page.evaluate("window.__cspViolations")


def test_the_playground_trains_and_draws_with_no_policy_violation(open_page):
    page, watch = open_page()
    page.get_by_role("button", name="Play", exact=True).click()
    watch.wait_for(lambda: page.evaluate("window.nnpg.chart.current.total.length") > 2, 5, "the loss curve")
    page.get_by_role("button", name="Pause", exact=True).click()
    assert violations(page) == []
    assert "frame-ancestors" in page.evaluate(
        "fetch('/').then(r => r.headers.get('content-security-policy'))")


@pytest.mark.parametrize("path, ready", [
    ("/docs", ".opblock-summary-path[data-path='/api/v1/forward']"),
    ("/teach", "body"),
    ("/calculus", "body"),
])
def test_the_other_pages_load_with_no_policy_violation(context, server, path, ready):
    page = context.new_page()
    errors = []
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(server + path)
    page.wait_for_selector(ready, timeout=60_000)
    page.wait_for_load_state("networkidle")
    assert violations(page) == [] and errors == []
    page.close()

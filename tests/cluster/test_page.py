"""The page behind nginx: its session lives on one of two app processes; when
that process dies, the page says so and goes on with a new session on the other."""
from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from browser.conftest import CHROMIUM, CHROMIUM_ARGS, HANG_SECONDS, VIEWPORT, Watch

from .test_cluster import holders

pytestmark = [pytest.mark.cluster, pytest.mark.browser]


@pytest.fixture(scope="module")
def chromium():
    """Debian's chromium, as in tests/browser (never a downloaded one)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def test_a_page_whose_process_dies_says_so_and_starts_a_new_session(cluster, chromium):
    context = chromium.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(HANG_SECONDS * 1000)
    watch = Watch(page)
    try:
        page.goto(cluster.url + "/")
        watch.wait_ready()
        first = watch.last("hello")
        assert watch.sent_of("step") == [] and first["step"] == 0
        (created,) = [urlparse(r) for r in watch.requests if "/ws/session" in r]
        query = parse_qs(created.query)
        assert (query["session"], query["new"]) == ([first["session"]], ["1"])
        (owner,) = holders(cluster, first["session"])

        cluster.apps[owner].kill()
        hello = watch.wait_for(lambda: next((m for m in watch.received_of("hello")
                                            if m["session"] != first["session"]), None),
                               what="a new session's hello")
        assert holders(cluster, hello["session"]) == [1 - owner]
        gone = [m for m in watch.received_of("error") if m.get("field") == "token"]
        assert gone, watch.received_of("error")
        toast = page.locator("#toast")
        assert toast.text_content() == ("The server restarted or this session had ended, "
                                        "so a new one started with your settings at step 0.")
        watch.wait_for(lambda: page.evaluate("window.nnpg.framesDrawn > 0"), what="frames again")
        assert not [e for e in watch.errors if e.startswith("pageerror")], watch.errors
    finally:
        context.close()

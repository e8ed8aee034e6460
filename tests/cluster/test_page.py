"""The page behind nginx: its session lives on one of two app processes; when
that process dies, the page says so and goes on with a new session on the other."""
from __future__ import annotations

import contextlib
import json
import urllib.request
from urllib.parse import parse_qs, urlparse

import pytest
from browser.conftest import CHROMIUM, CHROMIUM_ARGS, HANG_SECONDS, VIEWPORT, Watch

from .test_cluster import holders

pytestmark = [pytest.mark.cluster, pytest.mark.browser]


@contextlib.contextmanager
def with_logs(cluster):
    """A failure inside says what nginx and each app process logged."""
    try:
        yield
    except AssertionError as exc:
        tails = [f"--- {c.name}\n{c.log_tail()}" for c in cluster.apps]
        nginx_errors = cluster.folder / "nginx-error.log"
        if nginx_errors.exists():
            tails.append(f"--- nginx errors\n{nginx_errors.read_text(errors='replace')[-3000:]}")
        raise AssertionError(f"{exc}\n" + "\n".join(tails)) from exc


@pytest.fixture(scope="module")
def chromium():
    """Debian's chromium, as in tests/browser (never a downloaded one)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def test_a_page_whose_process_dies_says_so_and_starts_a_new_session(own_cluster, chromium):
    cluster = own_cluster
    context = chromium.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(HANG_SECONDS * 1000)
    watch = Watch(page)
    try:
        with with_logs(cluster):
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


def test_a_student_whose_process_dies_is_told_and_joins_the_same_class_again(own_cluster, chromium):
    cluster = own_cluster
    req = urllib.request.Request(cluster.url + "/api/v1/classes", method="POST")
    with urllib.request.urlopen(req, timeout=30) as res:
        code = json.loads(res.read())["code"]
    context = chromium.new_context(viewport=VIEWPORT)
    context.add_init_script(f"sessionStorage.setItem('nnpg.class', JSON.stringify({{code: '{code}', name: 'Ann'}}))")
    page = context.new_page()
    page.set_default_timeout(HANG_SECONDS * 1000)
    watch = Watch(page)
    try:
        with with_logs(cluster):
            page.goto(cluster.url + "/")
            watch.wait_ready()
            first = watch.last("hello")
            watch.wait_for(lambda: [m for m in watch.received_of("class") if m["event"] == "joined"], what="joined")
            (owner,) = holders(cluster, first["session"])
            cluster.apps[owner].kill()
            hello = watch.wait_for(lambda: next((m for m in watch.received_of("hello")
                                                if m["session"] != first["session"]), None),
                                   what="a new session's hello")
            joined = watch.wait_for(lambda: [m for m in watch.received_of("class") if m["event"] == "joined"][1:],
                                    what="joined again")
            assert (joined[0]["code"], joined[0]["name"]) == (code, "Ann")
            assert holders(cluster, hello["session"]) == [1 - owner]
            assert [m for m in watch.received_of("error") if m.get("field") == "token"]
            assert not [e for e in watch.errors if e.startswith("pageerror")], watch.errors
    finally:
        context.close()

"""Browser tests: a real server in a subprocess, Debian's chromium through Playwright.

Chromium is Debian's (/usr/bin/chromium), launched through `executable_path`;
Playwright never downloads a browser here. A missing chromium is a failure,
not a skip: `make test` installs it.
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
import servers

from app.compact import decode_frame

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1280, "height": 800}
HANG_SECONDS = 60.0  # the longest any wait may take before the test fails as hung


@pytest.fixture(scope="module")
def server():
    """The app in a subprocess (tests/servers.py); its base URL once it answers."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with servers.running(ARTIFACTS / "browser-server.log") as running:
        yield running.http


# Module scope, not session: Playwright's sync API keeps an event loop running
# in this thread while it is open, and later test modules call asyncio.run().
@pytest.fixture(scope="module")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: the browser tests need Debian's chromium "
                    "(`make chromium`, or `apt-get install chromium`)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def wait_js(page, expression: str, what: str | None = None, timeout: float = HANG_SECONDS):
    """Poll ``page.evaluate(expression)`` until it is truthy; its value.

    Not Playwright's wait_for_function: that re-evaluates the expression
    inside the page with eval(), which the server's Content-Security-Policy
    forbids (no 'unsafe-eval'), and every browser test runs under that policy.
    ``timeout`` only guards against a hang."""
    from playwright.sync_api import Error as PlaywrightError

    deadline = time.monotonic() + max(timeout, HANG_SECONDS)
    while True:
        try:
            value = page.evaluate(expression)
        except PlaywrightError as exc:  # the page is navigating (a reload): ask the new one
            if "context was destroyed" not in str(exc) and "navigat" not in str(exc):
                raise
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or expression}")
        page.wait_for_timeout(25)


def _detail(message: dict) -> str:
    """The few fields that tell one message of a kind from another."""
    keys = ("session", "step", "field", "code", "event")
    shown = {k: message[k] for k in keys if k in message}
    return f" {shown}" if shown else ""


class Watch:
    """Everything a page does that a test may want to check.

    Console errors and page errors, every request URL, and every WebSocket
    message in both directions (parsed JSON, or a compact binary frame decoded,
    with the time it was seen).
    """

    def __init__(self, page):
        self.page = page
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.sent: list[tuple[float, dict]] = []
        self.received: list[tuple[float, dict]] = []
        self.binary_bytes: list[int] = []  # sizes of the binary (compact) frames received
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        page.on("request", lambda req: self.requests.append(req.url))
        page.on("websocket", self._websocket)

    def _console(self, msg):
        if msg.type == "error":
            self.errors.append(f"console.error: {msg.text}")

    def _websocket(self, ws):
        self.requests.append(ws.url)
        ws.on("framesent", lambda payload: self._frame(self.sent, payload))
        ws.on("framereceived", lambda payload: self._frame(self.received, payload))

    def _frame(self, store, payload):
        if isinstance(payload, bytes):  # a compact frame (app/compact.py)
            self.binary_bytes.append(len(payload))
            try:
                store.append((time.monotonic(), decode_frame(payload)))
            except Exception:
                store.append((time.monotonic(), {"type": "<not a compact frame>"}))
            return
        try:
            store.append((time.monotonic(), json.loads(payload)))
        except ValueError:
            store.append((time.monotonic(), {"type": "<not json>", "raw": payload[:200]}))

    # ---- queries ----

    def sent_of(self, kind, since=0.0):
        return [m for t, m in self.sent if m.get("type") == kind and t >= since]

    def received_of(self, kind, since=0.0):
        return [m for t, m in self.received if m.get("type") == kind and t >= since]

    def last(self, kind):
        got = self.received_of(kind)
        return got[-1] if got else None

    def wait_for(self, predicate, timeout=10.0, what="condition"):
        """Poll `predicate` (letting Playwright deliver events) until it returns a truthy value.

        ``timeout`` only guards against a hang: it is raised to HANG_SECONDS, so
        that a loaded machine is slower, never failing."""
        timeout = max(timeout, HANG_SECONDS)
        start = time.monotonic()
        deadline = start + timeout
        while True:
            value = predicate()
            if value:
                if os.environ.get("NNPG_TEST_TIMING"):
                    print(f"  waited {time.monotonic() - start:5.2f} s for {what}")
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout} s waiting for {what}\n{self.trace()}")
            self.page.wait_for_timeout(25)

    def trace(self, last=12) -> str:
        """What the page did lately, for a failure message: requests, messages, errors."""
        now = time.monotonic()

        def moves(store):
            return ", ".join(f"{m.get('type')}{_detail(m)} {t - now:+.1f}s" for t, m in store[-last:])

        return (f"  requests: {self.requests[-last:]}\n  received: {moves(self.received)}\n"
                f"  sent: {moves(self.sent)}\n  errors: {self.errors[-last:]}")

    def wait_ready(self, timeout=15.0):
        """hello, the first frame, the plane drawn once, and the chart (Plotly loads last)."""
        self.wait_for(lambda: self.last("hello") and self.last("frame"), timeout, "hello and a frame")
        self.wait_for(lambda: self.page.evaluate("window.nnpg && window.nnpg.framesDrawn > 0"),
                      timeout, "the boundary drawn")
        self.wait_for(lambda: self.page.evaluate("window.nnpg.chartReady"), timeout, "the chart")

    def foreign_requests(self):
        return [u for u in self.requests
                if urlparse(u).scheme not in ("data", "blob", "about")
                and urlparse(u).hostname not in ("127.0.0.1", "localhost")]


@pytest.fixture(scope="module")
def context(browser):
    """One browser context for the run: its HTTP cache keeps Plotly between tests.

    Each test still gets its own session: a session lives in sessionStorage,
    which belongs to one tab (page), not to the context.
    """
    ctx = browser.new_context(viewport=VIEWPORT)
    yield ctx
    ctx.close()


@pytest.fixture
def open_page(context, server):
    """open_page(hash="", viewport=None) -> (page, watch); checks for errors at the end."""
    pages = []

    def _open(hash_: str = "", viewport=None, wait=True):
        page = context.new_page()
        page.set_default_timeout(HANG_SECONDS * 1000)
        if viewport:
            page.set_viewport_size(viewport)
        watch = Watch(page)
        pages.append((page, watch))
        page.goto(server + "/" + (("#" + hash_.lstrip("#")) if hash_ else ""))
        if wait:
            watch.wait_ready()
        return page, watch

    yield _open
    problems = []
    for page, watch in pages:
        problems += watch.errors
        problems += [f"request left the server: {u}" for u in watch.foreign_requests()]
        page.close()
    assert not problems, "\n".join(problems)


@pytest.fixture
def shot():
    """shot(page, name): a screenshot under tests/artifacts/."""
    def _shot(page, name):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / name
        page.screenshot(path=str(path))
        return path
    return _shot

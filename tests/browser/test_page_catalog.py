"""The page's options and bounds come from the server's catalog; /docs and /redoc work offline.

The server here is create_app() with limits unlike the defaults and one extra
activation in the registry, run by uvicorn on a thread of this process (so the
registry entry registered here is the server's).
"""
from __future__ import annotations

import json
import socket
import threading
import time
from urllib.parse import urlparse

import numpy as np
import pytest
import uvicorn

from app.catalog import catalog
from app.config import Settings
from app.main import create_app
from app.nn import ACTIVATIONS
from app.nn.layers import Activation

pytestmark = pytest.mark.browser

SETTINGS = Settings(max_session_width=8, max_session_hidden_layers=2, max_points=1000, max_classes=4,
                    frame_process=False)


def _softsign_forward(x):
    out = x / (1 + np.abs(x))
    return out, x


def _softsign_backward(dout, x):
    return dout / (1 + np.abs(x)) ** 2


SOFTSIGN = Activation(_softsign_forward, _softsign_backward, "Softsign", "Softsign 软符号")


@pytest.fixture(scope="module")
def small_server():
    """create_app(SETTINGS) with a softsign activation registered, on a free port: its base URL."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(ACTIVATIONS, "softsign", SOFTSIGN)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = uvicorn.Server(uvicorn.Config(create_app(SETTINGS), host="127.0.0.1", port=port,
                                               log_level="warning", lifespan="on"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 30
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
        server.should_exit = True
        thread.join(timeout=10)


def _offline(page):
    """Abort every request that would leave 127.0.0.1; returns the list of those aborted."""
    blocked = []

    def route(r):
        if urlparse(r.request.url).hostname in ("127.0.0.1", "localhost"):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    return blocked


def _options(page, select):
    return page.eval_on_selector_all(f"{select} option", "els => els.map(e => [e.value, e.textContent])")


def test_the_page_takes_its_options_and_bounds_from_the_servers_catalog(small_server, context):
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(ACTIVATIONS, "softsign", SOFTSIGN)
        expected = catalog(SETTINGS)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    blocked = _offline(page)
    page.goto(small_server + "/")
    page.wait_for_selector("#ctl-activation option", state="attached")

    activations = _options(page, "#ctl-activation")
    assert activations == [[name, e["label"]["en"]] for name, e in expected["activations"].items()]
    assert ["softsign", "Softsign"] in activations
    for select, key in [("#ctl-dataset", "datasets"), ("#ctl-loss", "losses"), ("#ctl-init", "inits"),
                        ("#ctl-optimizer", "optimizers")]:
        assert _options(page, select) == [[name, e["label"]["en"]] for name, e in expected[key].items()], key

    # The sliders follow this app's limits, not the defaults (3 layers of 1024, 10 classes).
    assert page.get_attribute("#ctl-hidden_layers", "max") == "2"
    assert page.get_attribute("#ctl-hidden_size", "max") == "8"
    assert page.get_attribute("#ctl-n_points", "max") == "1000"
    assert page.get_attribute("#ctl-classes", "max") == "4"

    # A label in the registry's other language: the page in 中文 shows it.
    page.goto(small_server + "/?lang=zh")
    page.wait_for_selector("#ctl-activation option", state="attached")
    page.evaluate("async () => { const i18n = await import('/static/js/i18n.js'); await i18n.loadLang('zh'); }")
    page.select_option("#ctl-dataset", "circles")  # any change re-renders the form
    page.wait_for_function("() => [...document.querySelectorAll('#ctl-activation option')]"
                           ".some(o => o.textContent === 'Softsign 软符号')")
    assert not errors and not blocked
    page.close()


def test_choosing_the_registered_activation_trains_with_it(small_server, context):
    page = context.new_page()
    sent = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda p: sent.append(json.loads(p))))
    _offline(page)
    page.goto(small_server + "/")
    page.wait_for_selector("#ctl-activation option", state="attached")
    page.wait_for_function("() => window.nnpg && window.nnpg.serverConfig")
    page.select_option("#ctl-activation", "softsign")
    page.wait_for_function("() => window.nnpg.serverConfig.activation === 'softsign'")
    assert {"type": "config", "config": {"activation": "softsign"}} in sent
    page.close()


@pytest.mark.parametrize("path, ready", [
    ("/docs", ".opblock-summary-path[data-path='/api/v1/forward']"),
    ("/redoc", "text='/api/v1/forward'"),
])
def test_the_api_docs_load_with_no_internet(small_server, context, path, ready):
    page = context.new_page()
    blocked = _offline(page)
    errors, refused = [], []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: msg.type == "error" and refused.append(msg.text))
    page.goto(small_server + path)
    page.wait_for_selector(ready, timeout=20_000)
    text = page.inner_text("body")
    for endpoint in ("/api/v1/forward", "/api/v1/backward", "/api/v1/catalog"):
        assert endpoint in text
    assert not blocked, blocked
    assert not errors
    print(f"{path}: refused by the page's content security policy: {refused}")
    page.close()

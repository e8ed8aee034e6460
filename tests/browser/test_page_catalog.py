"""The page's options and bounds come from the server's catalog; /docs and /redoc work offline.

The server here runs with limits unlike the defaults (NNPG_* variables, through
the one launcher in tests/servers.py): the sliders must follow them. To show
that the selects are built from the catalog and from nothing else, one test
adds an entry to the catalog embedded in the page on its way to the browser
and finds it in the select. (That a registry entry reaches the catalog, the
schemas and a live session is tests/test_extending.py's part.)
"""
from __future__ import annotations

import json
import re
import urllib.request
from urllib.parse import urlparse

import pytest

import servers

from .conftest import wait_js

pytestmark = pytest.mark.browser

LIMITS = {"NNPG_MAX_SESSION_WIDTH": "8", "NNPG_MAX_SESSION_HIDDEN_LAYERS": "2", "NNPG_MAX_POINTS": "1000",
          "NNPG_MAX_CLASSES": "4"}
CATALOG_SCRIPT = re.compile(r'(<script type="application/json" id="catalog-data">)(.*?)(</script>)', re.S)


@pytest.fixture(scope="module")
def small_server(tmp_path_factory):
    """The app with small limits: its base URL."""
    with servers.running(tmp_path_factory.mktemp("server") / "server.log", env=LIMITS) as running:
        yield running.http


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
    with urllib.request.urlopen(small_server + "/api/v1/catalog") as res:
        expected = json.load(res)
    assert expected["limits"]["max_width"] == 8
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    blocked = _offline(page)
    page.goto(small_server + "/")
    page.wait_for_selector("#ctl-activation option", state="attached")

    for select, key in [("#ctl-activation", "activations"), ("#ctl-dataset", "datasets"), ("#ctl-loss", "losses"),
                        ("#ctl-init", "inits"), ("#ctl-optimizer", "optimizers")]:
        assert _options(page, select) == [[name, e["label"]["en"]] for name, e in expected[key].items()], key

    # The sliders follow this server's limits, not the defaults (3 layers of 1,024, 10 classes).
    assert page.get_attribute("#ctl-hidden_layers", "max") == "2"
    assert page.get_attribute("#ctl-hidden_size", "max") == "8"
    assert page.get_attribute("#ctl-n_points", "max") == "1000"
    assert page.get_attribute("#ctl-classes", "max") == "4"
    assert not errors and not blocked
    page.close()


def test_an_entry_added_to_the_catalog_is_an_option_in_both_languages(small_server, context):
    page = context.new_page()
    _offline(page)

    def with_softsign(route):
        response = route.fetch()
        html = response.text()
        head, body, tail = CATALOG_SCRIPT.search(html).groups()
        catalog = json.loads(body)
        catalog["activations"]["softsign"] = {"label": {"en": "Softsign", "zh": "软符号"}}
        catalog["losses"]["svm"]["params"] = []  # the margin slider follows the loss's params
        html = CATALOG_SCRIPT.sub(lambda m: head + json.dumps(catalog) + tail, html)
        route.fulfill(response=response, body=html)

    page.route(re.compile(r".*/$"), with_softsign)
    page.goto(small_server + "/")
    page.wait_for_selector("#ctl-activation option", state="attached")
    assert ["softsign", "Softsign"] in _options(page, "#ctl-activation")
    page.select_option("#ctl-loss", "svm")
    assert page.is_disabled("#ctl-margin")

    page.evaluate("async () => { const i18n = await import('/static/js/i18n.js'); await i18n.loadLang('zh'); }")
    page.select_option("#ctl-loss", "softmax")  # any change renders the form again
    wait_js(page, "[...document.querySelectorAll('#ctl-activation option')]"
                  ".some(o => o.textContent === '软符号')")
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
    page.wait_for_selector(ready, timeout=60_000)
    text = page.inner_text("body")
    for endpoint in ("/api/v1/forward", "/api/v1/backward", "/api/v1/catalog"):
        assert endpoint in text
    assert not blocked, blocked
    assert not errors
    print(f"{path}: refused by the page's content security policy: {refused}")
    page.close()

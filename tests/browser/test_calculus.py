"""The /calculus page: the seed's numbers read from its panels, the gradient check, descent, a network's graph."""
from __future__ import annotations

import json
import re
import urllib.request
from urllib.parse import urlparse

import pytest

from .conftest import wait_js

pytestmark = pytest.mark.browser

MINUS = "\u2212"


@pytest.fixture
def calc(context, server):
    """calc(hash="", before=None) -> page on /calculus, ready; console errors and foreign requests fail the test.

    A refused expression is a 422 the page shows, which Chromium also logs as a failed resource: not an error.
    """
    opened = []

    def _open(hash_="", before=None, viewport=None):
        page = context.new_page()
        page.set_default_timeout(60_000)   # a hang guard only, as in every browser test
        if viewport:
            page.set_viewport_size(viewport)
        errors, requests = [], []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: requests.append(r.url))
        opened.append((page, errors, requests))
        if before:
            page.goto(server + "/favicon.svg")
            page.evaluate(before)
        page.goto(server + "/calculus" + hash_)
        wait_js(page, "window.nnpgCalc && window.nnpgCalc.ready")
        return page

    yield _open
    problems = []
    for page, errors, requests in opened:
        problems += [e for e in errors if "status of 422" not in e]
        problems += [u for u in requests if urlparse(u).hostname not in ("127.0.0.1", "localhost")
                     and urlparse(u).scheme not in ("data", "blob", "about")]
        page.close()
    assert not problems, problems


def number(text):
    return float(text.strip().replace(MINUS, "-"))


def table(page):
    """{variable: (value, gradient text)} and f, as the result panel shows them."""
    rows = page.locator("#result-table tbody tr")
    out = {}
    for i in range(rows.count()):
        row = rows.nth(i)
        out[row.get_attribute("data-var")] = (number(row.locator(".val").inner_text()),
                                               row.locator(".grad").inner_text())
    return out, page.locator("#output-value").inner_text()


def choose_example(page, key, nodes):
    page.select_option("#example", key)
    wait_js(page, f"window.nnpgCalc.stepper.graph && window.nnpgCalc.stepper.graph.nodes.length === {nodes}"
                  f" && window.nnpgCalc.stepper.example === '{key}'")


def test_seed_backprop_example_step_by_step(calc):
    page = calc()
    choose_example(page, "seed4", 5)
    values, f = table(page)
    assert {k: v for k, (v, _) in values.items()} == {"x": -2, "y": 5, "z": -4}
    assert f == "—" and all(g == "—" for _, g in values.values())
    for _ in range(5):
        page.click("#fwd-step")
    assert number(page.locator("#output-value").inner_text()) == -12
    assert page.locator("#bwd-step").is_enabled() and not page.locator("#fwd-step").is_enabled()
    page.click("#bwd-step")   # the × node: ∂f/∂q = z, ∂f/∂z = q
    log = page.locator("#backward-log").inner_text()
    assert f"x + y: [{MINUS}4] × [1] = {MINUS}4" in log and "z: [3] × [1] = 3" in log
    for _ in range(4):
        page.click("#bwd-step")
    log = page.locator("#backward-log").inner_text()
    assert f"x: [1] × [{MINUS}4] = {MINUS}4" in log and f"y: [1] × [{MINUS}4] = {MINUS}4" in log
    values, f = table(page)
    assert number(f) == -12
    assert {k: number(g) for k, (_, g) in values.items()} == {"x": -4, "y": -4, "z": 3}
    # The graph: every node drawn, the current one marked.
    assert page.locator("#graph-host svg .node").count() == 5
    assert page.locator("#graph-host svg .node.is-current").count() == 1


@pytest.mark.parametrize("key, nodes", [("block", 10), ("gates", 15)])
def test_seed_sigmoid_neuron_both_ways(calc, key, nodes):
    page = calc()
    choose_example(page, key, nodes)
    page.click("#run-all")
    values, f = table(page)
    assert number(f) == 0.7311
    assert {k: number(g) for k, (_, g) in values.items()} == {
        "w0": -0.1966, "x0": 0.3932, "w1": -0.3932, "x1": -0.5898, "w2": 0.1966}
    note = page.locator("#same-gradients")
    note.wait_for(state="visible")
    assert "same gradients" in note.inner_text()
    # The seed's line for x₀ at the product w₀·x₀: [2] × [0.1966] = 0.3932.
    assert "x0: [2] × [0.1966] = 0.3932" in page.locator("#backward-log").inner_text()


def test_typed_expression_and_edited_input(calc):
    page = calc()
    page.fill("#expression", "x * x + relu(x)")
    wait_js(page, "window.nnpgCalc.stepper.expression === 'x * x + relu(x)' && "
                  "window.nnpgCalc.stepper.graph && window.nnpgCalc.stepper.graph.nodes.length === 4")
    page.locator('input[type="number"][data-var-input="x"]').fill("3")
    wait_js(page, "window.nnpgCalc.stepper.graph.output === 12")
    page.click("#run-all")
    values, f = table(page)
    assert number(f) == 12 and number(values["x"][1]) == 7
    page.fill("#expression", '__import__("os")')
    page.locator("#graph-error").wait_for(state="visible")
    assert "position 11" in page.locator("#graph-error").inner_text()


def test_gradient_check_panel(calc):
    page = calc("#view=gradcheck")
    page.click("#check-run")
    page.locator("#check-table tbody tr").nth(5).wait_for()
    assert page.locator("#check-summary .badge").inner_text() == "great"
    assert page.locator("#check-table tbody tr").count() == 6          # 3 layers × (W, b)
    for cell in page.locator("#check-table tbody tr td:nth-child(3)").all_inner_texts():
        assert float(cell) < 1e-7
    assert not page.locator(".calc-kink-note").count()
    # ReLU on the spiral: its points at the origin sit exactly on the kink, so it reads "fine", with the reason.
    page.select_option("#check-activation", "relu")
    page.click("#check-run")
    page.locator(".calc-kink-note").wait_for()
    assert page.locator("#check-summary .badge").inner_text() == "fine"
    assert "kink" in page.locator(".calc-kink-note").inner_text()


def test_descent_view_paths_and_divergence(calc):
    page = calc("#view=descent")
    wait_js(page, "window.nnpgCalc.descent.drawn")
    items = page.locator("#descent-status li")
    assert [items.nth(i).get_attribute("data-method") for i in range(items.count())] == ["batch", "minibatch", "sgd"]
    traces = page.evaluate("document.getElementById('contour').data.map((t) => t.type)")
    assert traces == ["contour", "scatter", "scatter", "scatter", "scatter"]
    page.evaluate("""() => { const lr = document.getElementById('lr'); lr.value = '0.6';
                      lr.dispatchEvent(new Event('input')); }""")
    page.locator('#descent-status li[data-method="batch"][data-status="diverged"]').wait_for()
    assert "diverged" in page.locator('#descent-status li[data-method="batch"]').inner_text()


def test_network_view_reads_the_model_from_session_storage(calc, server):
    model = json.loads(urllib.request.urlopen(urllib.request.Request(
        server + "/api/v1/models", data=json.dumps({"sizes": [2, 5, 3], "activation": "tanh", "init": "xavier",
                                                      "seed": 2}).encode(),
        headers={"Content-Type": "application/json"})).read())["model"]
    spec = {"model": model, "x": [0.2, -0.4], "y": 2, "loss": "svm", "reg": 0.01, "margin": 1}
    back = json.loads(urllib.request.urlopen(urllib.request.Request(
        server + "/api/v1/backward", data=json.dumps({"model": model, "X": [spec["x"]], "y": [2], "loss": "svm",
                                                        "reg": 0.01}).encode(),
        headers={"Content-Type": "application/json"})).read())
    page = calc("#view=network", before=f"sessionStorage.setItem('nnpg.graph', {json.dumps(json.dumps(spec))})")
    page.locator('.net-node[data-node="total"]').wait_for()
    shown = page.locator("#net-loss").inner_text()
    total = float(re.search(r"total (\S+)", shown).group(1).replace(MINUS, "-"))
    assert total == pytest.approx(back["loss"]["total"], abs=6e-5)
    assert page.locator(".net-node").count() == 11     # x, W0, b0, z0, h0, W1, b1, scores, loss, reg, total


def test_chinese_page(calc):
    page = calc("#lang=zh")
    assert page.locator('.calc-tab[data-view="descent"]').inner_text() == "梯度下降"
    assert "反向传播" in page.locator("#calc-lessons").inner_text()

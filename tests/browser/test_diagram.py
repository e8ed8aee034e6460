"""The network diagram: a weight or a bias typed by mouse or by keyboard reaches the live
network (the next boundary changes, and the session's model says so); widths, depth and
feature toggles; the health strip; the regression view."""
from __future__ import annotations

import json
import urllib.request

import pytest

pytestmark = pytest.mark.browser


def open_diagram(page, watch):
    """Unfold the network diagram (folded at first): the page asks for the maps."""
    page.locator("#diagram .diagram-title").click()
    watch.wait_for(lambda: page.locator("#diagram .node-output").count() > 0, what="the diagram")


def session_model(server, watch):
    sid = watch.last("hello")["session"]
    with urllib.request.urlopen(f"{server}/api/v1/sessions/{sid}/model") as r:
        return json.loads(r.read())["model"]


def boundary_after(watch, since):
    """The data of the newest frame received after `since` (monotonic seconds)."""
    frames = watch.received_of("frame", since)
    return frames[-1]["boundary"]["data"] if frames else None


def point_on_edge(page, index, fraction=0.25):
    """Page coordinates of a point `fraction` of the way along edge `index` of the diagram."""
    return page.evaluate(
        """([i, f]) => {
            const path = document.querySelectorAll('#diagram g.edge')[i].querySelector('.edge-hit');
            const p = path.getPointAtLength(path.getTotalLength() * f);
            const m = path.getScreenCTM();
            return [m.a * p.x + m.c * p.y + m.e, m.b * p.x + m.d * p.y + m.f];
        }""", [index, fraction])


def edge_key(page, index):
    return page.evaluate("(i) => { const g = document.querySelectorAll('#diagram g.edge')[i];"
                         " return [Number(g.dataset.layer), Number(g.dataset.from), Number(g.dataset.to)]; }", index)



def test_a_weight_typed_by_mouse_changes_the_boundary_and_the_model(open_page, server):
    page, watch = open_page("hidden_layers=1&hidden_size=2")
    open_diagram(page, watch)
    watch.wait_for(lambda: page.locator("#diagram g.edge").count() == 2 * 2 + 2 * 3, what="the edges")
    x, y = point_on_edge(page, 0)
    # the edge under the pointer there (edges from one unit fan out close together)
    layer, i, j = page.evaluate("""([x, y]) => {
        const g = document.elementFromPoint(x, y).closest('g.edge');
        return [Number(g.dataset.layer), Number(g.dataset.from), Number(g.dataset.to)]; }""", [x, y])
    assert (layer, i) == (0, 0)            # from x₁
    page.mouse.move(x, y)
    watch.wait_for(lambda: page.locator(".diagram-tip").is_visible(), what="the edge's tooltip")
    assert "∂L/∂w" in page.locator(".diagram-tip").inner_text()
    page.mouse.click(x, y)
    editor = page.locator(".diagram-edit input")
    watch.wait_for(lambda: editor.is_visible(), what="the editor")
    before = watch.last("frame")["boundary"]["data"]
    start = watch.received[-1][0]
    editor.fill("7.5")
    editor.press("Enter")
    sent = watch.wait_for(lambda: watch.sent_of("param"), what="the param message")[-1]
    assert sent == {"type": "param", "layer": 0, "name": "W", "index": [i, j], "value": 7.5}
    watch.wait_for(lambda: (boundary_after(watch, start) or before) != before, what="a new boundary")
    assert session_model(server, watch)["layers"][0]["W"][i][j] == 7.5
    assert watch.last("frame")["step"] == 0   # applied live: no reset, no step


def test_a_weight_and_a_bias_typed_by_keyboard(open_page, server):
    page, watch = open_page("hidden_layers=1&hidden_size=2")
    open_diagram(page, watch)
    watch.wait_for(lambda: page.locator("#diagram g.edge").count() == 10, what="the edges")
    # an edge of the output layer: focus it, Enter opens the editor, Enter applies
    last = page.locator("#diagram g.edge").count() - 1
    layer, i, j = edge_key(page, last)
    assert layer == 1
    page.locator("#diagram g.edge").nth(last).focus()
    page.keyboard.press("Enter")
    editor = page.locator(".diagram-edit input")
    watch.wait_for(lambda: editor.is_visible(), what="the editor")
    before = watch.last("frame")["boundary"]["data"]
    start = watch.received[-1][0]
    page.keyboard.press("Control+A")
    page.keyboard.type("-4")
    page.keyboard.press("Enter")
    watch.wait_for(lambda: (boundary_after(watch, start) or before) != before, what="a new boundary")
    assert session_model(server, watch)["layers"][1]["W"][i][j] == -4
    # a bias: Tab to its handle, Enter, type, Enter
    handle = page.locator('#diagram .node-output .bias-handle').nth(2)
    handle.focus()
    page.keyboard.press("Enter")
    watch.wait_for(lambda: editor.is_visible(), what="the bias editor")
    page.keyboard.press("Control+A")
    page.keyboard.type("3")
    page.keyboard.press("Enter")
    watch.wait_for(lambda: session_model(server, watch)["layers"][1]["b"][2] == 3, what="the bias in the model")
    # Escape closes the editor without sending
    page.locator("#diagram g.edge").nth(0).focus()
    page.keyboard.press("Enter")
    watch.wait_for(lambda: editor.is_visible(), what="the editor")
    sent = len(watch.sent_of("param"))
    page.keyboard.press("Escape")
    assert not editor.is_visible() and len(watch.sent_of("param")) == sent


def test_widths_depth_and_features_from_the_diagram(open_page):
    page, watch = open_page("hidden_layers=1&hidden_size=3")
    open_diagram(page, watch)
    watch.wait_for(lambda: page.locator("#diagram .node-unit").count() == 3, what="three units")
    page.locator('[data-action="widen-0"]').click()
    watch.wait_for(lambda: page.locator("#diagram .node-unit").count() == 4, what="four units")
    page.locator('[data-action="add-layer"]').click()
    watch.wait_for(lambda: page.locator("#diagram .diagram-hidden").count() == 2, what="a second layer")
    page.locator('[data-action="narrow-1"]').click()
    watch.wait_for(lambda: watch.last("frame")["neurons"]["layers"][1]["width"] == 3, what="a narrower layer")
    assert watch.last("frame")["neurons"]["layers"][0]["width"] == 4       # per-layer widths
    page.locator('[data-feature="x1*x2"]').click()
    watch.wait_for(lambda: watch.last("frame")["neurons"]["inputs"]["names"] == ["x1", "x2", "x1*x2"],
                   what="the x₁x₂ feature")
    watch.wait_for(lambda: page.locator('[data-feature="x1*x2"]').get_attribute("aria-pressed") == "true",
                   what="the toggle drawn on")
    assert "·" in page.locator(".diagram-params").inner_text()
    # the health strip fills in once the network has stepped
    page.locator("#step").click()
    watch.wait_for(lambda: page.locator(".health-table td").count() > 0, what="the health table")


def test_the_regression_view(open_page):
    page, watch = open_page("dataset=plane&hidden_layers=0&loss=mse&classes=1")
    watch.wait_for(lambda: watch.last("frame")["boundary"]["encoding"] == "u8-values", what="a regression frame")
    page.locator("#step").click()
    watch.wait_for(lambda: watch.last("frame").get("train_r2") is not None, what="R²")
    watch.wait_for(lambda: "R²" in page.locator("#stat-train").locator("xpath=..").inner_text(), what="R² shown")
    box = page.locator(".plane-box").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.4)
    watch.wait_for(lambda: page.locator(".regression-probe").count() == 1, what="the regression inspector")
    assert "ŷ" in page.locator(".regression-probe").inner_text()


def test_the_regression_lesson_and_its_three_update_rules(open_page):
    page, watch = open_page()
    page.locator('.lesson-chip[data-lesson="engine-regression"]').click()
    config = lambda: [m for _, m in watch.received if m.get("type") in ("hello", "config")][-1]["config"]
    watch.wait_for(lambda: config()["dataset"] == "plane" and config()["loss"] == "mse", what="the lesson's settings")
    assert config()["hidden_sizes"] == [] and config()["batch_size"] == 0
    card = page.locator("#lesson-card")
    assert "1/(2m)" in card.inner_text()
    for name, size in (("sgd", 1), ("mini", 10), ("batch", 0)):
        card.locator(f'[data-try="{name}"]').click()
        watch.wait_for(lambda: config()["batch_size"] == size, what=f"batch size {size}")
    for lesson in ("engine-neuron", "engine-crosses", "engine-l1-l2", "engine-died"):
        page.locator(f'.lesson-chip[data-lesson="{lesson}"]').click()
        watch.wait_for(lambda: card.locator("[data-try]").count() >= 2, what=f"{lesson}'s moves")


def canvas_signature(page, selector):
    """A few hundred pixels of a canvas."""
    return page.evaluate(
        """(sel) => {
            const c = document.querySelector(sel);
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            const out = [];
            for (let i = 0; i < d.length; i += Math.floor(d.length / 400) * 4) out.push(d[i], d[i + 1], d[i + 2], d[i + 3]);
            return out;
        }""", selector)


def test_show_test_data_and_discretize_output(open_page):
    page, watch = open_page("hidden_layers=1&hidden_size=8")
    page.locator("#step").click()
    watch.wait_for(lambda: watch.last("frame")["step"] >= 1, what="a step")
    page.wait_for_timeout(200)
    boundary, overlay = canvas_signature(page, ".plane-boundary"), canvas_signature(page, ".plane-overlay")
    page.locator("#discretize").check()
    watch.wait_for(lambda: canvas_signature(page, ".plane-boundary") != boundary, what="a discrete boundary")
    page.locator("#show-test").uncheck()
    watch.wait_for(lambda: canvas_signature(page, ".plane-overlay") != overlay, what="test points hidden")
    page.locator("#show-test").check()
    watch.wait_for(lambda: canvas_signature(page, ".plane-overlay") == overlay, what="test points back")

"""The playground page, driven as a user (and a screen reader) would.

Each test opens its own browser context, so its own session on the server.
"""
from __future__ import annotations

import re
import time

import pytest

pytestmark = pytest.mark.browser

LOSS_CURVE = '[aria-label="Loss and accuracy curves"]'


# ---------------------------------------------------------------- helpers

def trace_length(page, name="total"):
    """Points of the current run's curve `name` on the chart."""
    return page.evaluate("(name) => window.nnpg.chart.current[name].length", name)


def boundary_signature(page):
    """A few hundred pixels of the boundary canvas."""
    return page.evaluate(
        """() => {
            const c = document.querySelector('.plane-boundary');
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            const out = [];
            for (let i = 0; i < d.length; i += Math.floor(d.length / 400) * 4) out.push(d[i], d[i + 1], d[i + 2]);
            return out;
        }""")


def shown_step(page):
    return int(page.locator("#stat-step").inner_text())


def server_config(watch):
    """The config the server last announced (hello, then config echoes)."""
    cfg = None
    for _, msg in watch.received:
        if msg.get("type") in ("hello", "config"):
            cfg = msg["config"]
    return cfg


def plane_click(page, fx, fy, **kwargs):
    """Click the plot box at a fraction of its width and height (from the top left)."""
    plane = page.get_by_label("Decision boundary")
    box = plane.bounding_box()
    plane.click(position={"x": fx * box["width"], "y": fy * box["height"]}, **kwargs)
    return box


# ---------------------------------------------------------------- tests

def test_default_view_loads_clean_and_offline(shot, open_page):
    page, watch = open_page()
    # The CS231n case study, ready to Play.
    assert page.get_by_role("button", name="Play", exact=True).is_visible()
    assert page.get_by_role("button", name="Step", exact=True).is_visible()
    assert page.get_by_role("button", name="Reset", exact=True).is_visible()
    assert page.get_by_label("Dataset", exact=True).input_value() == "spiral"
    assert page.get_by_label("Activation", exact=True).input_value() == "relu"
    assert page.get_by_label("Loss", exact=True).input_value() == "softmax"
    assert page.locator("#out-learning_rate").inner_text() == "1"
    assert page.get_by_label("Learning rate", exact=True).get_attribute("aria-valuetext") == "1"
    assert page.get_by_label("Regularization (λ)", exact=True).get_attribute("aria-valuetext") == "5.0e-4"
    assert page.get_by_label("Hidden size", exact=True).input_value() == "100"
    hello = watch.last("hello")
    assert hello["config"]["dataset"] == "spiral" and hello["config"]["classes"] == 3
    assert hello["config"]["hidden_sizes"] == [100]
    # The session's 300 points are drawn, the inspector is there and empty.
    assert page.evaluate("window.nnpg.state.n_points") == 300
    inspector = page.get_by_label("Point inspector", exact=True)
    assert inspector.is_visible()
    assert inspector.inner_text().strip() == ""  # empty until a click
    assert page.locator(LOSS_CURVE).count() == 1
    # The hash holds every setting from the start.
    assert "dataset=spiral" in page.evaluate("location.hash")
    # Nothing was asked of the internet.
    assert watch.foreign_requests() == []
    page.wait_for_timeout(300)
    shot(page, "default-view.png")


def test_play_grows_the_loss_curve_and_changes_the_boundary(shot, open_page):
    page, watch = open_page()
    before = boundary_signature(page)
    assert trace_length(page) == 0
    page.get_by_role("button", name="Play", exact=True).click()
    page.get_by_role("button", name="Pause", exact=True).wait_for(timeout=60000)
    first = watch.wait_for(lambda: trace_length(page) > 0 and trace_length(page), 5, "the total-loss trace")
    watch.wait_for(lambda: trace_length(page) > first, 5, "the curve to keep growing")
    watch.wait_for(lambda: boundary_signature(page) != before, 5, "the boundary to change")
    # Mid-training: a recognisable spiral boundary.
    watch.wait_for(lambda: (watch.last("frame") or {}).get("train_accuracy", 0) >= 0.9, 20,
                   "train accuracy 0.9")
    page.wait_for_timeout(400)
    shot(page, "spiral-mid-training.png")
    page.get_by_role("button", name="Pause", exact=True).click()
    page.get_by_role("button", name="Play", exact=True).wait_for(timeout=60000)
    watch.wait_for(lambda: watch.last("frame")["running"] is False, 3, "a paused frame")
    assert watch.sent_of("play") and watch.sent_of("pause")
    # The page draws what it is sent: a step's frame is drawn (how many frames a
    # second a browser keeps up with is a bench figure, not a test).
    drawn = page.evaluate("window.nnpg.framesDrawn")
    page.get_by_role("button", name="Step", exact=True).click()
    watch.wait_for(lambda: page.evaluate("window.nnpg.framesDrawn") > drawn, 60, "the step's frame drawn")


SLIDERS = [("Learning rate", "learning_rate"), ("Regularization (λ)", "reg"), ("Hidden size", "hidden_sizes")]


def test_arrow_keys_on_a_slider_send_config(open_page):
    page, watch = open_page()
    for label, field in SLIDERS:
        slider = page.get_by_label(label, exact=True)
        before = server_config(watch)[field]
        slider.focus()
        for key in ("ArrowRight", "ArrowLeft", "ArrowLeft"):
            t0 = time.monotonic()
            text_before = slider.get_attribute("aria-valuetext")
            page.keyboard.press(key)
            sent = watch.wait_for(lambda: [m for m in watch.sent_of("config", since=t0) if field in m["config"]],
                                  1.0, f"a config message with {field} after {key} on {label}")
            value = sent[-1]["config"][field]
            assert slider.get_attribute("aria-valuetext") != text_before
            echo = watch.wait_for(lambda: [m for m in watch.received_of("config", since=t0)
                                           if m["config"][field] == value], 2.0, "the server's echo")
            assert echo[-1]["reset"] is (field == "hidden_sizes")
        after = server_config(watch)[field]
        assert after != before, label  # right once, left twice: one step below the start
        assert slider.evaluate("el => document.activeElement === el")
        assert page.locator(f"#out-{slider.get_attribute('name')}").inner_text() == \
            slider.get_attribute("aria-valuetext")


def test_click_on_the_plane_fills_the_inspector(shot, open_page):
    page, watch = open_page()
    page.get_by_label("Step size").select_option("1000")
    for n in (1000, 2000):
        page.get_by_role("button", name="Step", exact=True).click()
        watch.wait_for(lambda: watch.last("frame")["step"] == n, 10, f"step {n}")
    extent = watch.last("frame")["boundary"]["extent"]
    xmin, xmax, ymin, ymax = extent
    # A spot with no data point within 15 px (a click on a point inspects that point).
    size = page.get_by_label("Decision boundary").bounding_box()["width"]
    X = watch.last("hello")["points"]["X"]
    fx, fy = next((fx / 20, fy / 20) for fy in range(2, 19) for fx in range(2, 19)
                  if all(((x - xmin) / (xmax - xmin) - fx / 20) ** 2 + ((ymax - y) / (ymax - ymin) - fy / 20) ** 2
                         > (15 / size) ** 2 for x, y in X))
    t0 = time.monotonic()
    plane_click(page, fx, fy)
    probe = watch.wait_for(lambda: watch.sent_of("probe", since=t0), 2, "a probe message")[-1]
    # The plot box maps linearly onto the extent, y upward.
    assert probe["x"][0] == pytest.approx(xmin + fx * (xmax - xmin), abs=0.01 * (xmax - xmin))
    assert probe["x"][1] == pytest.approx(ymax - fy * (ymax - ymin), abs=0.01 * (ymax - ymin))
    assert "label" not in probe
    inspector = page.get_by_label("Point inspector", exact=True)
    rows = inspector.locator("tbody tr")
    watch.wait_for(lambda: rows.count() == 3 and rows.first.get_attribute("data-prob"), 3, "three rows")
    probs = [float(rows.nth(k).get_attribute("data-prob")) for k in range(3)]
    assert sum(probs) == pytest.approx(1.0, abs=1e-9)
    for k in range(3):
        text = rows.nth(k).inner_text()
        assert f"Class {k}" in text
        assert re.search(r"-?\d+\.\d\d\b", rows.nth(k).locator(".score").inner_text())
    shown = [float(rows.nth(k).locator(".prob").inner_text()) for k in range(3)]
    assert sum(shown) == pytest.approx(1.0, abs=0.02)
    assert inspector.inner_text().count("Class 0") == 1
    # Clicking on a training point labels the probe: its loss and terms appear.
    frame_points = next(m["points"] for _, m in reversed(watch.received) if m.get("points"))
    hello_cfg = server_config(watch)
    i = 10  # a point of class 0
    x, y = frame_points["X"][i]
    label = frame_points["y"][i]
    t1 = time.monotonic()
    plane_click(page, (x - xmin) / (xmax - xmin), (ymax - y) / (ymax - ymin))
    labelled = watch.wait_for(lambda: [m for m in watch.sent_of("probe", since=t1) if "label" in m], 2,
                              "a labelled probe")[-1]
    assert labelled["label"] == label
    watch.wait_for(lambda: "Lᵢ" in inspector.inner_text(), 3, "the point's loss")
    assert page.get_by_label("True class").input_value() == str(label)
    assert hello_cfg["loss"] == "softmax"
    page.wait_for_timeout(200)
    shot(page, "inspector-open.png")


def test_lesson_preset_applies_its_config_and_diverged_offers_a_reset(open_page):
    page, watch = open_page()
    t0 = time.monotonic()
    page.get_by_role("button", name="Learning rate too high").click()
    echo = watch.wait_for(lambda: [m for m in watch.received_of("config", since=t0)
                                   if m["config"]["learning_rate"] == 5], 3, "the lesson's config")[-1]
    assert echo["config"]["activation"] == "leaky_relu"
    assert echo["config"]["hidden_sizes"] == [100, 100] and echo["config"]["init"] == "he"
    assert echo["config"]["speed"] == 5
    assert page.get_by_label("Activation", exact=True).input_value() == "leaky_relu"
    assert page.locator("#out-learning_rate").inner_text() == "5"
    assert "learning_rate=5" in page.evaluate("location.hash")
    card = page.locator("#lesson-card")
    assert card.is_visible() and "Learning rate too high" in card.inner_text()
    # It plays by itself and diverges; the warning offers a one-click restart.
    alert = page.get_by_role("alert")
    alert.wait_for(timeout=60000)
    assert "diverged" in alert.inner_text().lower()
    assert page.get_by_role("button", name="Play", exact=True).is_visible()
    page.get_by_role("button", name="Start over", exact=True).click()
    watch.wait_for(lambda: watch.last("frame")["status"] == "ok" and watch.last("frame")["step"] == 0, 3,
                   "a fresh network")
    alert.wait_for(state="hidden", timeout=60000)

    # Another lesson: a linear classifier.
    t1 = time.monotonic()
    page.get_by_role("button", name="Linear vs. spiral").click()
    watch.wait_for(lambda: [m for m in watch.received_of("config", since=t1)
                            if m["config"]["hidden_sizes"] == [] and m["config"]["learning_rate"] == 1], 3,
                   "the linear lesson's config")
    assert page.get_by_label("Hidden layers").input_value() == "0"
    page.get_by_role("button", name="Pause", exact=True).click()


HASH = ("dataset=circles&classes=2&noise=0.05&n_points=200&test_fraction=0.3&seed=7&hidden_layers=2"
        "&hidden_size=16&activation=tanh&init=xavier&loss=svm&margin=2&learning_rate=0.1&reg=0.001"
        "&batch_size=32&optimizer=adam&speed=200&step_size=10")
EXPECTED = {"dataset": "circles", "classes": 2, "noise": 0.05, "n_points": 200, "test_fraction": 0.3,
            "seed": 7, "hidden_sizes": [16, 16], "activation": "tanh", "init": "xavier", "loss": "svm",
            "margin": 2, "learning_rate": 0.1, "reg": 0.001, "batch_size": 32, "optimizer": "adam",
            "speed": 200}


def test_url_hash_round_trips(open_page):
    page, watch = open_page(HASH)
    watch.wait_for(lambda: all(server_config(watch)[k] == v for k, v in EXPECTED.items()), 5,
                   "the server to run the hash's settings")
    assert page.get_by_label("Dataset", exact=True).input_value() == "circles"
    assert page.get_by_label("Activation", exact=True).input_value() == "tanh"
    assert page.get_by_label("Loss", exact=True).input_value() == "svm"
    assert page.get_by_label("Hidden size", exact=True).input_value() == "16"
    assert page.get_by_label("Learning rate", exact=True).get_attribute("aria-valuetext") == "0.1"
    assert page.get_by_label("Step size").input_value() == "10"
    assert page.get_by_label("Seed").input_value() == "7"
    # The hash the page writes back holds the same settings.
    written = page.evaluate("location.hash")
    for part in HASH.split("&"):
        assert part in written, part
    # Same link, same run: a second page stepping as far sees the same loss.
    page.get_by_role("button", name="Step", exact=True).click()
    watch.wait_for(lambda: watch.last("frame")["step"] == 10, 5, "10 steps")
    loss_a = watch.last("frame")["loss"]
    page2, watch2 = open_page(written)
    watch2.wait_for(lambda: all(server_config(watch2)[k] == v for k, v in EXPECTED.items()), 5, "config")
    page2.get_by_role("button", name="Step", exact=True).click()
    watch2.wait_for(lambda: watch2.last("frame")["step"] == 10, 5, "10 steps")
    assert watch2.last("frame")["loss"] == loss_a
    # A change is written to the hash at once.
    page.get_by_label("Loss", exact=True).select_option("softmax")
    watch.wait_for(lambda: "loss=softmax" in page.evaluate("location.hash"), 2, "the hash to follow")
    # Reloading the tab resumes the same session with the same settings.
    session = watch.last("hello")["session"]
    page.reload()
    watch.wait_for(lambda: watch.last("hello")["session"] == session and
                   page.evaluate("window.nnpg && window.nnpg.serverConfig && window.nnpg.serverConfig.loss")
                   == "softmax", 10, "the session resumed")
    assert page.get_by_label("Loss", exact=True).input_value() == "softmax"


def test_step_advances_by_the_step_size_and_reset_returns_to_zero(open_page):
    page, watch = open_page()
    assert shown_step(page) == 0
    page.get_by_label("Step size").select_option("10")
    step = page.get_by_role("button", name="Step", exact=True)
    for expected in (10, 20):
        t0 = time.monotonic()
        step.click()
        watch.wait_for(lambda: shown_step(page) == expected, 5, f"step {expected}")
        assert watch.sent_of("step", since=t0)[-1]["n"] == 10
    page.wait_for_timeout(300)
    assert shown_step(page) == 20 and watch.last("frame")["step"] == 20
    page.get_by_label("Step size").select_option("100")
    step.click()
    watch.wait_for(lambda: shown_step(page) == 120, 5, "step 120")
    watch.wait_for(lambda: trace_length(page) > 0, 3, "points on the curve")
    page.get_by_role("button", name="Reset", exact=True).click()
    watch.wait_for(lambda: shown_step(page) == 0, 5, "step 0")
    watch.wait_for(lambda: trace_length(page) == 0, 3, "an empty curve")
    assert watch.sent_of("reset")


def test_shift_click_adds_a_point_and_clear_removes_it(open_page):
    page, watch = open_page()
    n = len(watch.last("hello")["points"]["X"])
    page.locator("#add-class .class-pick[data-k='2']").click()
    t0 = time.monotonic()
    plane_click(page, 0.1, 0.1, modifiers=["Shift"])
    sent = watch.wait_for(lambda: watch.sent_of("points", since=t0), 2, "a points message")[-1]
    assert sent["add"][0][2] == 2
    watch.wait_for(lambda: any(len(m["points"]["X"]) == n + 1 for m in watch.received_of("frame", since=t0)
                               if m.get("points")), 3, "the point in a frame")
    assert not watch.sent_of("probe", since=t0)  # shift-click adds, it does not probe
    t1 = time.monotonic()
    page.get_by_role("button", name="Clear points").click()
    watch.wait_for(lambda: any(len(m["points"]["X"]) == n for m in watch.received_of("frame", since=t1)
                               if m.get("points")), 3, "the points cleared")


def test_large_text_and_phone_layout(shot, open_page):
    page, watch = open_page(viewport={"width": 390, "height": 844})
    # Controls stack in one column: nothing wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 391
    plane = page.get_by_label("Decision boundary").bounding_box()
    controls = page.get_by_label("Learning rate", exact=True).bounding_box()
    assert plane["width"] >= 250 and controls["y"] > plane["y"]
    shot(page, "phone.png")
    toggle = page.get_by_role("button", name="Large text")
    size = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    toggle.click()
    assert toggle.get_attribute("aria-pressed") == "true"
    assert page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)") > size
    page.set_viewport_size({"width": 1280, "height": 800})
    page.wait_for_timeout(300)
    shot(page, "large-text.png")
    toggle.click()
    assert toggle.get_attribute("aria-pressed") == "false"

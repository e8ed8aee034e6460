"""A teacher's first hour: the page's defects, each reproduced as a user meets it.

Speed that a room can watch, pinned runs to compare, a stopped server that
cannot be missed, heavy settings that say what the server is doing, inputs
that do not lie, an inspector that names the point clicked, adding points by
tap and keyboard, the help overlay.
"""
from __future__ import annotations

import math
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
import servers

from .conftest import ARTIFACTS, HANG_SECONDS, Watch, wait_js

pytestmark = pytest.mark.browser


def step_to(page, watch, n, size="100"):
    page.get_by_label("Step size").select_option(size)
    while int(page.locator("#stat-step").inner_text()) < n:
        target = int(page.locator("#stat-step").inner_text()) + int(size)
        page.locator("#step").click()
        watch.wait_for(lambda: int(page.locator("#stat-step").inner_text()) == target, 20, f"step {target}")


def plane_xy(page, watch, xy):
    """CSS pixel position in the plot box of a data point."""
    xmin, xmax, ymin, ymax = watch.last("frame")["boundary"]["extent"]
    box = page.get_by_label("Decision boundary").bounding_box()
    return ((xy[0] - xmin) / (xmax - xmin) * box["width"], (ymax - xy[1]) / (ymax - ymin) * box["height"])


# ---------------------------------------------------------------- speed (defect 3)

def test_the_page_trains_at_a_speed_a_room_can_watch(open_page):
    page, watch = open_page()
    # The protocol's default stays 0 (as fast as allowed); the page asks for its own.
    assert watch.last("hello")["config"]["speed"] == 0
    watch.wait_for(lambda: page.evaluate("window.nnpg.serverConfig.speed") == 100, 5, "speed 100")
    speed = page.get_by_label("Speed")
    assert speed.locator("option").all_inner_texts() == ["slow", "normal", "fast", "max"]
    assert speed.input_value() == "100"
    # 300 steps (3 s at "normal") leave the spiral far from solved: it is learned over many seconds.
    step_to(page, watch, 300)
    assert float(page.locator("#stat-train").inner_text().split()[0]) < 85
    speed.select_option("0")
    watch.wait_for(lambda: page.evaluate("window.nnpg.serverConfig.speed") == 0, 5, "max")
    # Steps per second are measured from the frames while it plays.
    page.locator("#play").click()
    watch.wait_for(lambda: re.fullmatch(r"[\d.]+", page.locator("#stat-rate").inner_text())
                   and float(page.locator("#stat-rate").inner_text()) > 0, 10, "a measured steps/s")
    page.locator("#play").click()


# ---------------------------------------------------------------- pins (defect 4)

def test_pinned_runs_survive_reinitialisation_and_are_labelled(open_page, shot):
    page, watch = open_page()
    step_to(page, watch, 300)
    page.get_by_role("button", name="Pin this run").click()
    t0 = time.monotonic()
    page.get_by_label("Activation", exact=True).select_option("tanh")
    watch.wait_for(lambda: [m for m in watch.received_of("config", since=t0) if m["reset"]], 5, "reset")
    watch.wait_for(lambda: page.evaluate("window.nnpg.chart.current.step.length") == 0, 5, "a new run")
    assert page.evaluate("window.nnpg.chart.pins.map((p) => p.label)") == ["Activation ReLU"]
    assert "pins=Activation+ReLU" in page.evaluate("location.hash")
    step_to(page, watch, 200)
    shot(page, "pinned-runs.png")
    # At most 3: the oldest goes.
    for activation in ("sigmoid", "leaky_relu", "relu"):
        page.get_by_role("button", name="Pin this run").click()
        t1 = time.monotonic()
        page.get_by_label("Activation", exact=True).select_option(activation)
        watch.wait_for(lambda: [m for m in watch.received_of("frame", since=t1) if m["step"] == 0], 5, "step 0")
        watch.wait_for(lambda: page.locator("#stat-step").inner_text() == "0", 5, "step 0 shown")
        step_to(page, watch, 100)
    labels = page.evaluate("window.nnpg.chart.pins.map((p) => p.label)")
    assert len(labels) == 3 and labels[0] == "Activation Tanh"
    page.get_by_role("button", name="Remove the pinned run Activation Tanh").click()
    assert len(page.evaluate("window.nnpg.chart.pins")) == 2
    # A language switch reloads the page: the pins come back, labelled in 中文.
    page.get_by_label("Language").select_option("zh")
    wait_js(page, "window.nnpg && window.nnpg.lang === 'zh' && window.nnpg.chart.pins.length === 2")
    assert "激活函数" in page.locator(".chart-legend").inner_text()


def test_nothing_to_pin_says_so(open_page):
    page, watch = open_page()
    page.get_by_role("button", name="Pin this run").click()
    assert "Nothing to pin" in page.locator("#toast").inner_text()


# ---------------------------------------------------------------- disconnected (defect 5)

@pytest.fixture
def own_server():
    """A server this test may stop and start again on the same port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    procs = []

    def start():
        log = open(ARTIFACTS / "browser-own-server.log", "a")
        proc = subprocess.Popen([sys.executable, "-m", "app", "--port", str(port)], cwd=servers.APP_ROOT,
                                stdout=log, stderr=subprocess.STDOUT)
        procs.append(proc)
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1):
                    return proc
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, "the server did not start"
                time.sleep(0.1)

    yield f"http://127.0.0.1:{port}", start
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(10)


def test_a_stopped_server_shows_a_clear_disconnected_state(browser, own_server, shot):
    base, start = own_server
    proc = start()
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    page = ctx.new_page()
    watch = Watch(page)
    page.goto(base + "/")
    watch.wait_ready()
    page.locator("#play").click()
    page.get_by_role("button", name="Pause").wait_for()
    proc.terminate()
    proc.wait(10)
    overlay = page.locator("#offline")
    overlay.wait_for(timeout=HANG_SECONDS * 1000)
    assert "The server is not answering" in overlay.inner_text()
    watch.wait_for(lambda: re.search(r"Trying again in \d+ s", overlay.inner_text()), 10, "the countdown")
    # Play no longer claims to pause anything; the controls are out of reach.
    assert page.locator("#play .btn-label").inner_text() == "Play"
    assert page.evaluate("document.querySelector('main.layout').inert") is True
    shot(page, "disconnected.png")
    start()
    overlay.wait_for(state="hidden", timeout=HANG_SECONDS * 1000)
    # A new server process has no session: the page says it started a new one with its settings.
    watch.wait_for(lambda: "new one started with your settings" in page.locator("#toast").inner_text(), 5,
                   "what was kept")
    assert page.evaluate("document.querySelector('main.layout').inert") is False
    ctx.close()


# ---------------------------------------------------------------- busy (defect 6)

def test_heavy_settings_show_what_the_server_is_building(open_page, shot):
    page, watch = open_page("n_points=5000&hidden_size=1024&hidden_layers=3&classes=10", wait=False)
    busy = page.locator("#busy")
    busy.wait_for(timeout=HANG_SECONDS * 1000)  # a hang guard: it shows while the server builds
    assert busy.inner_text() == "Building a 3×1024 network on 5,000 points…"
    assert page.evaluate("document.body.classList.contains('is-busy')")
    shot(page, "busy.png")
    busy.wait_for(state="hidden", timeout=90000)
    cfg = page.evaluate("window.nnpg.serverConfig")
    assert cfg["hidden_sizes"] == [1024, 1024, 1024] and cfg["n_points"] == 5000
    # The frame shown after it is the new network's: 10 classes.
    assert watch.last("frame")["boundary"]["classes"] == 10


# ---------------------------------------------------------------- inputs (defect 8)

def test_invalid_seed_is_shown_invalid_and_not_applied(open_page):
    page, watch = open_page()
    seed = page.get_by_label("Seed")
    for bad in ("-5", "1.5"):
        t0 = time.monotonic()
        seed.fill(bad)
        seed.press("Enter")
        page.wait_for_timeout(400)
        assert seed.get_attribute("aria-invalid") == "true", bad
        assert seed.input_value() == bad  # still what was typed, marked, not silently replaced
        assert page.locator("#err-seed").is_visible()
        assert "whole number" in page.locator("#err-seed").inner_text()
        assert not [m for m in watch.sent_of("config", since=t0) if "seed" in m["config"]]
        assert page.evaluate("window.nnpg.serverConfig.seed") == 0
    seed.fill("42")
    seed.press("Enter")
    watch.wait_for(lambda: page.evaluate("window.nnpg.serverConfig.seed") == 42, 5, "seed 42")
    assert seed.get_attribute("aria-invalid") == "false"
    assert not page.locator("#err-seed").is_visible()


def test_bad_link_values_are_replaced_with_a_notice(open_page):
    page, watch = open_page("classes=99&dataset=nope&learning_rate=abc")
    notice = page.locator("#notice")
    assert notice.is_visible()
    text = notice.inner_text()
    assert "Classes must be from 2 to 10" in text and "Dataset must be one of" in text
    assert "Learning rate" in text
    assert "99" not in text and "nope" not in text  # the bad values are not repeated
    cfg = page.evaluate("window.nnpg.serverConfig")
    assert cfg["classes"] == 3 and cfg["dataset"] == "spiral" and cfg["learning_rate"] == 1
    written = page.evaluate("location.hash")
    assert "classes=3" in written and "dataset=spiral" in written and "nope" not in written


def test_clear_points_with_none_added_says_so(open_page):
    page, watch = open_page()
    t0 = time.monotonic()
    page.get_by_role("button", name="Clear points").click()
    assert "no added points" in page.locator("#toast").inner_text()
    page.wait_for_timeout(200)
    assert not watch.sent_of("points", since=t0)


def test_hidden_size_is_disabled_at_zero_hidden_layers(open_page):
    page, watch = open_page("hidden_layers=0")
    assert page.get_by_label("Hidden size", exact=True).is_disabled()
    assert page.locator("#out-hidden_layers").inner_text() == "0 (linear)"
    page.get_by_label("Hidden layers", exact=True).fill("2")
    assert page.get_by_label("Hidden size", exact=True).is_enabled()


# ---------------------------------------------------------------- inspector (defect 9)

def plane_points(page, watch):
    """The points of the first frame: coordinates, classes and their CSS pixel positions."""
    pts = watch.last("hello")["points"]
    return pts["X"], pts["y"], [plane_xy(page, watch, xy) for xy in pts["X"]]


def loneliest(pix):
    """The index of the point farthest from every other point on the plane."""
    return max(range(len(pix)), key=lambda n: min(math.dist(pix[n], pix[m]) for m in range(len(pix)) if m != n))


def click_probe(page, watch, xy):
    """Click the plane at CSS pixel `xy`; the probe message the page sends for it (with a label)."""
    t0 = time.monotonic()
    page.get_by_label("Decision boundary").click(position={"x": xy[0], "y": xy[1]})
    return watch.wait_for(lambda: [m for m in watch.sent_of("probe", since=t0) if "label" in m], 3, "probe")[-1]


def test_points_of_different_classes_under_a_click_are_offered(open_page, shot):
    page, watch = open_page()
    X, y, pix = plane_points(page, watch)
    # The closest pair of points of different classes (the spiral's centre).
    i, j = min(((i, j) for i in range(len(X)) for j in range(i) if y[i] != y[j]),
               key=lambda ij: math.dist(pix[ij[0]], pix[ij[1]]))
    assert math.dist(pix[i], pix[j]) < 3
    mid = ((pix[i][0] + pix[j][0]) / 2, (pix[i][1] + pix[j][1]) / 2)
    t0 = time.monotonic()
    page.get_by_label("Decision boundary").click(position={"x": mid[0], "y": mid[1]})
    chooser = page.locator(".inspector-chooser")
    chooser.wait_for()
    assert "points of different classes are here" in chooser.inner_text()
    picks = chooser.locator(".chooser-pick")
    labels = sorted(int(picks.nth(k).get_attribute("data-label")) for k in range(picks.count()))
    assert {y[i], y[j]} <= set(labels)
    shot(page, "inspector-several.png")
    chooser.locator(f".chooser-pick[data-label='{y[j]}']").click()
    probe = watch.wait_for(lambda: [m for m in watch.sent_of("probe", since=t0) if "label" in m], 3, "probe")[-1]
    assert probe["label"] == y[j] and probe["x"] == pytest.approx(X[j])
    assert page.get_by_label("True class").input_value() == str(y[j])


def test_a_click_near_a_point_probes_that_point(open_page):
    page, watch = open_page()
    X, y, pix = plane_points(page, watch)
    k = loneliest(pix)
    probe = click_probe(page, watch, (pix[k][0] + 3, pix[k][1]))  # 3 px off: that point, its own class
    assert probe["label"] == y[k]
    assert probe["x"] == pytest.approx(X[k]), "the probe is the point's position, not the click's"


def test_arrow_keys_move_the_probe_off_the_point_and_clear_its_label(open_page):
    page, watch = open_page()
    X, y, pix = plane_points(page, watch)
    k = loneliest(pix)
    assert click_probe(page, watch, pix[k])["label"] == y[k]
    assert page.get_by_label("True class").input_value() == str(y[k])
    t0 = time.monotonic()
    page.get_by_label("Decision boundary").press("ArrowRight")
    moved = watch.wait_for(lambda: watch.sent_of("probe", since=t0), 3, "a moved probe")[-1]
    assert "label" not in moved, f"the moved probe still sends label {moved.get('label')}"
    assert page.get_by_label("True class").input_value() == ""
    watch.wait_for(lambda: "no label" in page.locator("#inspector").inner_text(), 3, "no label")


def test_svm_labels_the_probability_column_as_softmax_of_the_scores(open_page):
    page, watch = open_page("loss=svm")
    page.get_by_label("Decision boundary").press("Enter")
    head = page.locator("#inspector thead")
    watch.wait_for(lambda: "softmax(s)" in head.inner_text(), 5, "the SVM header")
    assert "probability" not in head.inner_text().lower()


# ---------------------------------------------------------------- adding points, help (defect 10)

def test_add_points_by_keyboard_and_the_help_overlay(open_page):
    page, watch = open_page()
    n = len(watch.last("hello")["points"]["X"])
    page.locator("body").press("a")
    assert page.get_by_role("button", name="Add points").get_attribute("aria-pressed") == "true"
    picker = page.locator("#add-class .class-pick")
    picker.nth(0).focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert picker.nth(2).get_attribute("aria-checked") == "true"
    page.locator("body").press("2")  # digits choose too: class 1
    assert picker.nth(1).get_attribute("aria-checked") == "true"
    plane = page.get_by_label("Decision boundary")
    plane.focus()
    t0 = time.monotonic()
    page.keyboard.press("Enter")
    sent = watch.wait_for(lambda: watch.sent_of("points", since=t0), 3, "a point added")[-1]
    assert sent["add"][0][2] == 1
    watch.wait_for(lambda: any(len(m["points"]["X"]) == n + 1 for m in watch.received_of("frame", since=t0)
                               if m.get("points")), 5, "the point in a frame")
    # `?` opens the shortcuts, Esc closes them.
    page.locator("body").press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    assert dialog.is_visible() and "Add points mode" in dialog.inner_text()
    page.keyboard.press("Escape")
    assert dialog.is_hidden()
    page.keyboard.press("Escape")  # and once more: leaves Add points mode
    assert page.get_by_role("button", name="Add points").get_attribute("aria-pressed") == "false"


def test_add_points_by_tap_on_a_phone(browser, server):
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    page = ctx.new_page()
    watch = Watch(page)
    page.goto(server + "/")
    watch.wait_ready()
    page.get_by_role("button", name="Add points").tap()
    page.locator("#add-class .class-pick[data-k='2']").tap()
    plane = page.get_by_label("Decision boundary")
    box = plane.bounding_box()
    t0 = time.monotonic()
    plane.tap(position={"x": box["width"] * 0.1, "y": box["height"] * 0.1})
    sent = watch.wait_for(lambda: watch.sent_of("points", since=t0), 3, "a point added by tap")[-1]
    assert sent["add"][0][2] == 2
    assert not watch.errors
    ctx.close()

"""Every lesson, opened after another lesson, shows the point its text makes.

Each test follows the lesson's text as a teacher would: it opens another
lesson first (whose settings must not leak), opens the lesson, then for the
lesson and for each move its text suggests (the lesson card's buttons) starts
over at step 0, runs a fixed number of steps with the page's Step button and
reads the figure the text promises from the page. Steps, not seconds: the
numbers are the same on any machine.
"""
from __future__ import annotations

import re
import time

import pytest

pytestmark = pytest.mark.browser

CARD = "#lesson-card"


def open_lesson(page, watch, title):
    """Click a lesson's chip; wait until the server runs its settings (the page's whole state)."""
    t0 = time.monotonic()
    page.locator(".lesson-chip", has_text=title).click()
    watch.wait_for(lambda: [m for m in watch.received_of("config", since=t0)
                            if all(page.evaluate("window.nnpg.serverConfig")[k] == v
                                   for k, v in config_of(page).items())], 10, f"lesson {title!r} applied")


def config_of(page):
    return page.evaluate("""async () => {
        const { toConfig } = await import('/static/js/state.js');
        return toConfig(window.nnpg.state);
    }""")


def expected_state(page, lesson_id, tries=()):
    """The page's defaults with the lesson's settings (and its tries' after them)."""
    return page.evaluate("""async ([id, tries]) => {
        const { defaults, datasetSpec } = await import('/static/js/state.js');
        const { LESSONS } = await import('/static/js/lessons.js');
        const lesson = LESSONS.find((l) => l.id === id);
        const s = { ...defaults(), ...lesson.settings };
        for (const t of tries) Object.assign(s, lesson.tries.find((x) => x.id === t).settings);
        return s;
    }""", [lesson_id, list(tries)])


def restart_and_step(page, watch, steps):
    """Pause, reset to step 0 (same seed, same first weights), then `steps` steps with the Step button."""
    # Pause: press Pause until both the page and the server's frames say paused (a lesson
    # or a move has just pressed Play; its first frames may still say paused).
    deadline = time.monotonic() + 10
    while not (watch.last("frame")["running"] is False and not page.evaluate("window.nnpg.view.running")):
        assert time.monotonic() < deadline, "could not pause"
        if page.evaluate("window.nnpg.view.running"):
            page.locator("#play").click()
        page.wait_for_timeout(300)
    t0 = time.monotonic()
    page.locator("#reset").click()
    watch.wait_for(lambda: [f for f in watch.received_of("frame", since=t0) if f["step"] == 0], 5, "step 0")
    size = 1000 if steps >= 1000 else (100 if steps >= 100 else (10 if steps >= 10 else 1))
    page.get_by_label("Step size").select_option(str(size))
    done = 0
    while done < steps:
        done += size
        page.locator("#step").click()
        watch.wait_for(lambda: page.locator("#stat-step").inner_text() == str(done)
                       or page.evaluate("window.nnpg.view.status") == "diverged", 30, f"step {done}")
        if page.evaluate("window.nnpg.view.status") == "diverged":
            break
    return watch.last("frame")


def shown_percent(page, sel):
    text = page.locator(sel).inner_text()
    return float(re.match(r"([\d.]+)\s*%", text).group(1))


def try_move(page, watch, lesson_id, try_id):
    """Press one of the lesson's suggested moves; wait until the server runs it."""
    t0 = time.monotonic()
    page.locator(f"{CARD} .lesson-try[data-try='{try_id}']").click()
    watch.wait_for(lambda: all(page.evaluate("window.nnpg.serverConfig")[k] == v
                               for k, v in config_of(page).items()), 10, f"move {try_id}")
    check_no_leak(page, lesson_id, [try_id])
    return t0


def check_no_leak(page, lesson_id, tries=()):
    """The page's whole state is the defaults with the lesson's settings (the step size aside)."""
    state = page.evaluate("window.nnpg.state")
    want = expected_state(page, lesson_id, tries)
    for k, v in want.items():
        if k == "step_size":
            continue
        assert state[k] == v, f"{k}: {state[k]!r} after the lesson, {v!r} wanted"


def test_lesson_1_linear_stalls_a_hidden_layer_passes(open_page, shot):
    page, watch = open_page()
    open_lesson(page, watch, "Learning rate too high")  # slow speed and log scale: must not leak
    open_lesson(page, watch, "Linear vs. spiral")
    check_no_leak(page, "linear")
    assert watch.last("config")["config"]["speed"] == 100
    restart_and_step(page, watch, 2000)
    assert shown_percent(page, "#stat-train") < 60
    shot(page, "lesson-1.png")
    try_move(page, watch, "linear", "hidden")
    restart_and_step(page, watch, 3000)
    assert shown_percent(page, "#stat-train") > 85


def test_lesson_2_two_layers_pass_95_ten_units_do_not(open_page, shot):
    page, watch = open_page()
    open_lesson(page, watch, "Sigmoid vs. ReLU")
    open_lesson(page, watch, "Two layers can")
    check_no_leak(page, "two-layers")
    restart_and_step(page, watch, 3000)
    assert shown_percent(page, "#stat-train") > 95
    try_move(page, watch, "two-layers", "ten")
    restart_and_step(page, watch, 3000)
    assert shown_percent(page, "#stat-train") < 80
    shot(page, "lesson-2.png")


def test_lesson_3_high_rate_diverges_within_15_steps_a_lower_one_learns(open_page, shot):
    page, watch = open_page()
    open_lesson(page, watch, "Regularization smooths")
    open_lesson(page, watch, "Learning rate too high")
    check_no_leak(page, "lr-too-high")
    assert page.evaluate("window.nnpg.serverConfig.speed") == 5  # slow enough to watch
    restart_and_step(page, watch, 1)
    assert watch.last("frame")["loss"]["total"] > 2  # it grows at once (about 1.1 at step 0)
    restart_and_step(page, watch, 20)
    assert page.evaluate("window.nnpg.view.status") == "diverged"
    assert watch.last("frame")["step"] <= 15 or any(
        f["status"] == "diverged" and f["step"] <= 15 for f in watch.received_of("frame"))
    page.locator("#diverged").wait_for()
    shot(page, "lesson-3.png")
    try_move(page, watch, "lr-too-high", "lower")
    restart_and_step(page, watch, 200)
    assert shown_percent(page, "#stat-train") > 90


def test_lesson_4_no_penalty_chases_single_points(open_page, shot):
    page, watch = open_page()
    open_lesson(page, watch, "Learning rate too high")
    open_lesson(page, watch, "Regularization smooths")
    check_no_leak(page, "regularization")
    restart_and_step(page, watch, 2000)
    assert shown_percent(page, "#stat-train") < 93
    try_move(page, watch, "regularization", "none")
    restart_and_step(page, watch, 2000)
    assert shown_percent(page, "#stat-train") > 97
    shot(page, "lesson-4.png")


def far_point(watch):
    """The training point farthest from the centre (the end of an arm)."""
    pts = watch.last("hello")["points"]
    best = max((i for i in range(len(pts["X"])) if not pts["test"][i]),
               key=lambda i: pts["X"][i][0] ** 2 + pts["X"][i][1] ** 2)
    return pts["X"][best], pts["y"][best]


def click_point(page, watch, xy):
    xmin, xmax, ymin, ymax = watch.last("frame")["boundary"]["extent"]
    plane = page.get_by_label("Decision boundary")
    box = plane.bounding_box()
    plane.click(position={"x": (xy[0] - xmin) / (xmax - xmin) * box["width"],
                          "y": (ymax - xy[1]) / (ymax - ymin) * box["height"]})


def point_loss(page, watch, t0):
    watch.wait_for(lambda: [m for m in watch.received_of("probe", since=t0) if "loss" in m], 5, "a labelled probe")
    text = page.locator("#inspector .inspector-summary").inner_text()
    return float(re.search(r"= (-?[\d.]+)\s*$", text.splitlines()[0]).group(1))


def test_lesson_5_hinge_is_exactly_zero_softmax_never(open_page, shot):
    page, watch = open_page()
    open_lesson(page, watch, "Batch, mini-batch, SGD")
    open_lesson(page, watch, "SVM vs. softmax")
    check_no_leak(page, "svm-softmax")
    restart_and_step(page, watch, 2000)
    xy, label = far_point(watch)
    t0 = time.monotonic()
    click_point(page, watch, xy)
    assert point_loss(page, watch, t0) == 0.0
    assert page.get_by_label("True class").input_value() == str(label)
    assert "softmax(s)" in page.locator("#inspector thead").inner_text()  # not "probability"
    shot(page, "lesson-5.png")
    try_move(page, watch, "svm-softmax", "softmax")
    restart_and_step(page, watch, 2000)
    t1 = time.monotonic()
    click_point(page, watch, xy)
    assert point_loss(page, watch, t1) > 0.0
    assert "probability" in page.locator("#inspector thead").inner_text().lower()


def test_lesson_6_sigmoid_is_slower_than_relu(open_page, shot):
    page, watch = open_page()
    open_lesson(page, watch, "Linear vs. spiral")
    open_lesson(page, watch, "Sigmoid vs. ReLU")
    check_no_leak(page, "sigmoid-relu")
    restart_and_step(page, watch, 1000)
    assert shown_percent(page, "#stat-train") < 60
    try_move(page, watch, "sigmoid-relu", "relu")
    restart_and_step(page, watch, 1000)
    assert shown_percent(page, "#stat-train") > 90
    # The sigmoid run stays on the chart, labelled by what differed.
    pins = page.evaluate("window.nnpg.chart.pins.map((p) => p.label)")
    assert pins == ["Activation Sigmoid"]
    assert "earlier: Activation Sigmoid" in page.locator(".chart-legend").inner_text()
    page.wait_for_timeout(300)
    shot(page, "lesson-6.png")


def roughness(page):
    """Mean |second difference| of the current run's total loss: how much the curve jitters."""
    total = page.evaluate("window.nnpg.chart.current.total")
    vals = [v for v in total[50:] if v is not None]
    return sum(abs(vals[i + 1] - 2 * vals[i] + vals[i - 1]) for i in range(1, len(vals) - 1)) / (len(vals) - 2)


def continue_steps(page, watch, steps):
    """`steps` more steps with the Step button, from wherever the run is (no restart)."""
    page.get_by_label("Step size").select_option("1000")
    target = int(page.locator("#stat-step").inner_text()) + steps
    while int(page.locator("#stat-step").inner_text()) < target:
        done = int(page.locator("#stat-step").inner_text()) + 1000
        page.locator("#step").click()
        watch.wait_for(lambda: int(page.locator("#stat-step").inner_text()) >= done, 30, f"step {done}")


def test_lesson_7_followed_by_hand_keeps_what_the_network_learned(open_page):
    """A teacher follows the lesson's text with the Batch size control, training on
    without starting over: every batch size, and going back to full batch, keeps
    the spiral learned (not one that wrecks the network for the next)."""
    page, watch = open_page()
    open_lesson(page, watch, "Batch, mini-batch, SGD")
    restart_and_step(page, watch, 3000)
    shown = {"lesson": shown_percent(page, "#stat-train")}
    for size in ("32", "1", "0"):
        page.get_by_label("Batch size", exact=True).select_option(size)
        watch.wait_for(lambda: page.evaluate("window.nnpg.serverConfig.batch_size") == int(size), 10,
                       f"batch size {size}")
        continue_steps(page, watch, 1000)
        shown[size] = shown_percent(page, "#stat-train")
    print(f"\n  train accuracy, training on: {shown}")
    assert all(v > 85 for v in shown.values()), f"train accuracy after each batch size: {shown}"


def test_lesson_7_every_batch_size_learns_smaller_batches_jitter_more(open_page, shot):
    page, watch = open_page()
    open_lesson(page, watch, "Learning rate too high")
    open_lesson(page, watch, "Batch, mini-batch, SGD")
    check_no_leak(page, "batch")
    rough = {}
    for move in (None, "b32", "b1"):
        if move:
            try_move(page, watch, "batch", move)
        restart_and_step(page, watch, 3000)
        assert shown_percent(page, "#stat-train") > 85, move
        rough[move or "full"] = roughness(page)
    print(f"\n  loss-curve roughness: {rough}")
    assert rough["b1"] > rough["b32"] > rough["full"]
    pins = page.evaluate("window.nnpg.chart.pins.map((p) => p.label)")
    assert pins == ["Batch size Full batch", "Batch size 32"]
    page.wait_for_timeout(300)
    shot(page, "lesson-7.png")

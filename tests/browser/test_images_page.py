"""Own data in, the run out, and the image view, driven in the page."""
from __future__ import annotations

import json
import urllib.request

import pytest

from .conftest import wait_js

pytestmark = pytest.mark.browser


def post(server, path, body):
    req = urllib.request.Request(server + path, data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as res:
        return res.read()


def test_data_card_is_there_and_export_downloads_a_script(open_page, shot):
    page, watch = open_page()
    card = page.locator("#dataio")
    for name in ("Load CSV", "Save CSV", "Paste", "Save model", "Load model", "Export as Python", "Report"):
        assert card.get_by_role("button", name=name, exact=True).is_visible()
    with page.expect_download() as info:
        card.get_by_role("button", name="Export as Python", exact=True).click()
    download = info.value
    assert download.suggested_filename == "nn_playground_spiral.py"
    text = open(download.path(), encoding="utf-8").read()
    assert "def main(" in text and "'dataset': 'spiral'" in text
    shot(page, "dataio-card.png")


def test_save_csv_downloads_the_sessions_points(open_page):
    page, watch = open_page()
    with page.expect_download() as info:
        page.locator("#dataio").get_by_role("button", name="Save CSV", exact=True).click()
    lines = open(info.value.path(), encoding="utf-8").read().splitlines()
    points = watch.last("hello")["points"]
    assert lines[0] == "x1,x2,label" and len(lines) == 1 + len(points["X"]) == 301
    x1, x2, label = lines[1].split(",")
    assert [float(x1), float(x2)] == points["X"][0] and int(label) == points["y"][0]


def test_a_bad_paste_is_refused_with_its_line_and_nothing_is_sent(open_page):
    page, watch = open_page()
    card = page.locator("#dataio")
    card.get_by_role("button", name="Paste", exact=True).click()
    card.locator("textarea").fill("x1,x2,label\n0.5,0.5,0\n0.1,oops,1\n")
    card.get_by_role("button", name="Use these points", exact=True).click()
    watch.wait_for(lambda: "line 3" in page.locator("#toast").inner_text(), what="the refusal")
    assert "x2 is not a number" in page.locator("#toast").inner_text()
    assert watch.sent_of("points") == []
    # Chromium logs every 4xx answer as a console error: this one was expected.
    expected = [e for e in watch.errors if "status of 422" in e]
    assert len(expected) == 1
    watch.errors.remove(expected[0])


@pytest.mark.parametrize("dataset, sizes", [("spiral", [2, 20, 3]), ("digits", [64, 10])])
def test_the_report_opens_with_no_request_outside_the_page(dataset, sizes, server, context, shot):
    model = json.loads(post(server, "/api/v1/models", {"sizes": sizes, "init": "xavier"}))["model"]
    body = {"config": {"dataset": dataset, "classes": sizes[-1], "hidden_sizes": sizes[1:-1]}, "model": model,
            "history": {"step": [1, 2], "total": [1.0, 0.5], "data_loss": [1.0, 0.5], "reg_loss": [0, 0],
                        "train_accuracy": [0.2, 0.4], "test_accuracy": [0.1, 0.3]}}
    html = post(server, "/api/v1/report", body).decode()
    page = context.new_page()
    requests, errors = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.route("**/*", lambda route: route.fulfill(body=html, content_type="text/html")
               if route.request.url == "http://report.test/" else route.abort())
    page.goto("http://report.test/")
    wait_js(page, "document.querySelectorAll('.plotly .main-svg').length >= 3")
    assert requests == ["http://report.test/"] and errors == []
    shot(page, f"report-{dataset}.png")
    page.close()


def test_load_csv_replaces_the_points(open_page, tmp_path):
    page, watch = open_page()
    csv = tmp_path / "mine.csv"
    csv.write_text("x1,x2,label\n" + "".join(f"{i / 20 - 1},{(i % 7) / 7},{i % 3}\n" for i in range(40)))
    page.locator('#dataio input[data-file="csv"]').set_input_files(str(csv))
    sent = watch.wait_for(lambda: watch.sent_of("points"), what="points replace")
    assert len(sent[0]["replace"]) == 40 and sent[0]["replace"][1] == [-0.95, 1 / 7, 1]
    frame = watch.wait_for(lambda: [m for m in watch.received_of("frame") if m.get("points", {}).get("own")],
                           what="the loaded points")[-1]
    assert len(frame["points"]["X"]) == 40 and frame["points"]["own"] == 40
    assert "Loaded 40 points" in page.locator("#toast").inner_text()


def test_digits_show_templates_confusion_test_images_and_scores_a_drawing(open_page, shot):
    page, watch = open_page()
    page.get_by_label("Dataset", exact=True).select_option("digits")
    watch.wait_for(lambda: any(m["config"]["dataset"] == "digits" for m in watch.received_of("config")),
                   what="the digits config")
    page.locator("#play").click()
    watch.wait_for(lambda: any((f.get("test_accuracy") or 0) > 0.8 for f in watch.received_of("frame")),
                   timeout=60, what="80 % on the test digits")
    page.locator("#play").click()
    view = page.locator("#image-view")
    assert view.is_visible() and not page.locator("#plane-host").is_visible()
    watch.wait_for(lambda: page.locator(".iv-template-grid canvas").count() == 100, what="100 templates")
    assert page.locator(".iv-matrix tr").count() == 11
    # A diagonal cell: its test images, all of them right.
    frame = watch.wait_for(lambda: [f for f in watch.received_of("frame") if "confusion" in f and not f["running"]],
                           what="a paused frame")[-1]
    page.locator('.iv-cell[data-i="3"][data-j="3"]').click()
    n = frame["confusion"][3][3]
    watch.wait_for(lambda: page.locator(".iv-grid figure").count() == min(n, 60), what="the cell's images")
    assert page.locator(".iv-grid figure.is-wrong").count() == 0
    assert f": {n}" in page.locator('[data-role="grid-caption"]').inner_text()
    # Draw a stroke: the probe carries 64 numbers and the scores come back.
    page.locator(".iv-canvas").scroll_into_view_if_needed()
    box = page.locator(".iv-canvas").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 10)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] - 10, steps=8)
    page.mouse.up()
    probe = watch.wait_for(lambda: watch.sent_of("probe"), what="a probe")[-1]
    assert len(probe["x"]) == 64 and max(probe["x"]) > 0.5 and min(probe["x"]) == 0
    watch.wait_for(lambda: page.locator(".iv-prob").count() == 10, what="ten probabilities")
    shot(page, "digits-view.png")


def test_an_image_session_shows_no_plane_parts_and_they_return_with_the_plane(open_page):
    """The diagram (no per-neuron maps for images) and the plane's toggles step aside for
    digits, nothing is drawn over the image view, and all of it is back on the spiral."""
    page, watch = open_page()
    plane_parts = ("#plane-host", "#diagram", ".inside-toggles")
    assert all(page.locator(part).is_visible() for part in plane_parts)
    page.get_by_label("Dataset", exact=True).select_option("digits")
    watch.wait_for(lambda: page.locator(".iv-template-grid canvas").count() == 100, what="the templates")
    assert [part for part in plane_parts if page.locator(part).is_visible()] == []
    stage = page.locator(".stage").bounding_box()
    view = page.locator("#image-view").bounding_box()
    assert stage["y"] + stage["height"] <= view["y"], (stage, view)
    page.get_by_label("Dataset", exact=True).select_option("spiral")
    watch.wait_for(lambda: all(page.locator(part).is_visible() for part in plane_parts), what="the plane's parts")


def test_save_model_is_postable_and_report_downloads_a_page(open_page, server):
    page, watch = open_page()
    card = page.locator("#dataio")
    page.locator("#step").click()
    watch.wait_for(lambda: any(f["step"] >= 1 for f in watch.received_of("frame")), what="a step")
    with page.expect_download() as info:
        card.get_by_role("button", name="Save model", exact=True).click()
    model = json.loads(open(info.value.path(), encoding="utf-8").read())
    assert [len(layer["b"]) for layer in model["layers"]] == [100, 3]
    points = watch.last("hello")["points"]
    out = json.loads(post(server, "/api/v1/forward", {"model": model, "X": points["X"][:5], "y": points["y"][:5]}))
    assert len(out["scores"]) == 5
    with page.expect_download(timeout=60_000) as info:
        card.get_by_role("button", name="Report", exact=True).click()
    assert info.value.suggested_filename == "report_spiral.html"
    html = open(info.value.path(), encoding="utf-8").read()
    assert "<b>603</b>" in html and "Plotly" in html  # (2+1)·100 + (100+1)·3 parameters

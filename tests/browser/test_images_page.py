"""Own data in, the run out, and the image view, driven in the page."""
from __future__ import annotations

import json
import urllib.request

import pytest

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
    page.wait_for_function("document.querySelectorAll('.plotly .main-svg').length >= 3")
    assert requests == ["http://report.test/"] and errors == []
    shot(page, f"report-{dataset}.png")
    page.close()

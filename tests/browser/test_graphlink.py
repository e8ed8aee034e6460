"""From the inspector to the calculus page: "Show the graph" opens the live
network's computational graph for the probed point."""
from __future__ import annotations

import json
import re
import urllib.request

import pytest

from .test_playground import plane_click, shown_step

pytestmark = pytest.mark.browser
MINUS = "\u2212"


def post(server, path, body):
    req = urllib.request.Request(server + path, data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    return json.loads(urllib.request.urlopen(req).read())


def test_show_the_graph_opens_this_network_at_this_point(open_page, server, context):
    page, watch = open_page()
    page.get_by_label("Step size").select_option("100")
    page.get_by_role("button", name="Step", exact=True).click()
    watch.wait_for(lambda: shown_step(page) == 100, 60, "step 100")
    plane_click(page, 0.3, 0.6)
    button = page.locator(".graph-link")
    watch.wait_for(lambda: button.is_visible() and button.is_enabled(), 60, "the graph button ready")
    stored = json.loads(page.evaluate("sessionStorage.getItem('nnpg.graph')"))
    assert stored["x"] == watch.sent_of("probe")[-1]["x"]
    with context.expect_page() as opened:
        button.click()
    graph = opened.value
    graph.locator('.net-node[data-node="total"]').wait_for()
    assert "/calculus" in graph.url
    # the graph's loss is the REST backward of the same network at the same point
    back = post(server, "/api/v1/backward", {"model": stored["model"], "X": [stored["x"]],
                                             "y": [stored["y"]], "loss": stored["loss"],
                                             "reg": stored["reg"]})
    shown = graph.locator("#net-loss").inner_text()
    total = float(re.search(r"total (\S+)", shown).group(1).replace(MINUS, "-"))
    assert total == pytest.approx(back["loss"]["total"], abs=6e-5)
    graph.close()

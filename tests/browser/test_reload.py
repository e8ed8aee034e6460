"""Reloading the page mid-training resumes the session and shows the loss
chart's history again (hello carries it)."""
from __future__ import annotations

from .test_playground import shown_step, trace_length


def test_reload_shows_the_chart_history_again(open_page):
    page, watch = open_page()
    page.get_by_label("Step size").select_option("100")
    page.get_by_role("button", name="Step", exact=True).click()
    watch.wait_for(lambda: shown_step(page) == 100, 30, "step 100")
    watch.wait_for(lambda: trace_length(page) == 100, 30, "100 points on the curve")
    session = watch.last("hello")["session"]
    page.reload()
    watch.wait_ready()
    hello = watch.last("hello")
    assert hello["session"] == session and hello["step"] == 100
    assert hello["history"]["step"] == list(range(1, 101))
    watch.wait_for(lambda: trace_length(page) == 100, 30, "the curve drawn again after the reload")
    assert shown_step(page) == 100

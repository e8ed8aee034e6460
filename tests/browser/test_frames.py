"""What the page receives and what drawing it costs.

The page asks for compact frames (binary, the boundary deflated: app/compact.py);
each one must be at most 10 KB at the default settings, and the picture the
page decodes must be the server's, byte for byte. Bytes per second and the
chart's cost per frame are printed (figures, not pass/fail: timing depends on
the machine).
"""
from __future__ import annotations

import base64
import re
import time

import pytest

pytestmark = pytest.mark.browser


def test_compact_frames_are_under_10_kb_and_decode_to_the_same_picture(open_page):
    page, watch = open_page()
    assert page.evaluate("window.nnpg.bytes.compact") is True
    assert any("encoding=compact" in u for u in watch.requests if u.startswith("ws"))
    received0 = page.evaluate("window.nnpg.bytes.received")
    t0 = time.monotonic()
    n0 = len(watch.binary_bytes)
    page.locator("#play").click()
    watch.wait_for(lambda: len(watch.binary_bytes) - n0 >= 60, 20, "60 frames while playing")
    seconds = time.monotonic() - t0
    received = page.evaluate("window.nnpg.bytes.received") - received0
    sizes = watch.binary_bytes[n0:]
    print(f"\n  compact frames while playing: median {sorted(sizes)[len(sizes) // 2]:,} B, "
          f"max {max(sizes):,} B; the page received {received / seconds / 1000:,.1f} KB/s")
    assert max(sizes) <= 10_000
    # Every frame carries its boundary; the page's picture is the server's, exactly.
    page.locator("#play").click()
    watch.wait_for(lambda: watch.last("frame")["running"] is False, 5, "paused")
    page.wait_for_timeout(300)
    last = watch.last("frame")
    b = last["boundary"]
    assert b["encoding"] == "u8-probs"  # as decoded by app/compact.py in the test
    assert page.evaluate("window.nnpg.boundaryBytes") == list(base64.b64decode(b["data"]))


def test_chart_update_per_frame_is_cheap_and_keeps_every_curve(open_page):
    page, watch = open_page()
    page.get_by_label("Speed").select_option("0")  # max: the most history per frame
    page.locator("#play").click()
    watch.wait_for(lambda: page.evaluate("window.nnpg.timing.chartAdds") >= 90, 30, "90 frames on the chart")
    page.locator("#play").click()
    timing = page.evaluate("window.nnpg.timing")
    per_frame = (timing["chartAddMs"] + timing["chartDrawMs"]) / timing["chartAdds"]
    print(f"\n  chart: {timing['chartAddMs'] / timing['chartAdds']:.3f} ms to add a frame's history, "
          f"{timing['chartDrawMs'] / max(1, timing['chartDraws']):.2f} ms a redraw "
          f"({timing['chartDraws']} redraws for {timing['chartAdds']} frames): {per_frame:.2f} ms per frame")
    series = page.evaluate("window.nnpg.chart.current")
    n = len(series["step"])
    assert n > 50
    for key in ("data_loss", "reg_loss", "total", "train_accuracy", "test_accuracy"):
        assert len(series[key]) == n, key
        assert all(v is not None for v in series[key]), key
    assert series["step"] == sorted(series["step"])
    # Hovering the chart reads the curves' values at that step.
    canvas = page.locator(".chart-canvas")
    box = canvas.bounding_box()
    canvas.hover(position={"x": box["width"] * 0.6, "y": box["height"] * 0.4})
    tip = page.locator(".chart-tip")
    tip.wait_for()
    assert re.search(r"step \d+", tip.inner_text()) and "total loss:" in tip.inner_text()

"""The page in 中文 and English, at the sizes a class meets it.

In 中文 no English is left in what the page shows (numbers, symbols, key caps
and formula names such as ReLU, SVM, softmax aside), through the states a
lesson goes through. At 1280×800, 1920×1080, 390×844 and with large text, in
both languages, nothing is cut off or covered; the screenshots are kept in
tests/artifacts/ to be looked at.
"""
from __future__ import annotations

import re
import time

import pytest

from .conftest import wait_js

pytestmark = pytest.mark.browser

# Words that stay as they are in 中文: formula and method names, key caps, file formats.
ALLOWED = {"ReLU", "Leaky", "SVM", "Softmax", "softmax", "Sigmoid", "Tanh", "Xavier", "He", "fan", "in",
           "SGD", "Adam", "XOR", "NumPy", "ln", "max", "Esc", "Enter", "Shift", "CSV", "JSON", "Python"}

VISIBLE_TEXT = """() => {
    const out = [];
    const shown = (el) => el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })
        || el.closest('.sr-only');
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
        const node = walker.currentNode;
        const el = node.parentElement;
        const text = node.textContent.trim();
        if (!text || !el || el.closest('script, kbd') || !shown(el)) continue;
        out.push(text);
    }
    for (const el of document.querySelectorAll('[title], [aria-label], [data-hint]')) {
        if (!el.closest('[hidden]')) {
            for (const a of ['title', 'aria-label', 'data-hint']) if (el.getAttribute(a)) out.push(el.getAttribute(a));
        }
    }
    // every option, but the language switch's (each language by its own name)
    for (const o of document.querySelectorAll('select:not(#lang) option')) out.push(o.textContent);
    return out;
}"""


def english_left(page):
    found = set()
    for text in page.evaluate(VISIBLE_TEXT):
        for word in re.findall(r"[A-Za-z]{2,}", text):
            if word not in ALLOWED:
                found.add(f"{word} (in {text[:60]!r})")
    return sorted(found)


def test_the_page_in_chinese_has_no_english_left(open_page, shot):
    page, watch = open_page("lang=zh&loss=svm&classes=99")  # a bad value: the notice in 中文 too
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    assert page.locator("#notice").is_visible()
    left = english_left(page)
    # Through a lesson, a probe, the chooser, a pin and the help overlay.
    page.locator(".lesson-chip").nth(4).click()
    page.locator("#lesson-card").wait_for()
    page.locator("#play").click()
    page.get_by_label("步长").select_option("1000")
    page.locator("#step").click()
    watch.wait_for(lambda: int(page.locator("#stat-step").inner_text()) >= 1000, 20, "1000 steps")
    page.get_by_role("button", name="固定本次运行").click()
    page.locator(".lesson-try").first.click()
    page.get_by_label("决策边界").press("Enter")
    page.get_by_label("真实类别").select_option("1")
    watch.wait_for(lambda: "Lᵢ" in page.locator("#inspector").inner_text(), 5, "the point's loss")
    page.locator("#clear-points").click()  # a message
    left += english_left(page)
    shot(page, "zh-lesson.png")
    page.locator("body").press("?")
    left += english_left(page)
    shot(page, "zh-help.png")
    page.keyboard.press("Escape")
    assert not sorted(set(left)), "English left in 中文: " + "; ".join(sorted(set(left)))


def test_the_language_follows_the_browser_and_stays_in_the_link(browser, server):
    ctx = browser.new_context(locale="zh-CN")
    page = ctx.new_page()
    page.goto(server + "/")
    wait_js(page, "window.nnpg && window.nnpg.lang === 'zh'")
    assert page.locator("#play .btn-label").inner_text() == "运行"
    assert "lang=zh" in page.evaluate("location.hash")
    page.get_by_label("语言").select_option("en")
    wait_js(page, "window.nnpg && window.nnpg.lang === 'en'")
    assert page.locator("#play .btn-label").inner_text() == "Play"
    assert "lang=en" in page.evaluate("location.hash")
    ctx.close()


LAYOUT_PROBLEMS = """() => {
    const problems = [];
    const vw = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth > vw + 1) problems.push(`page wider than the window: ${document.documentElement.scrollWidth} > ${vw}`);
    const ctx = document.createElement('canvas').getContext('2d');
    for (const head of document.querySelectorAll('.field-head')) {
        if (head.scrollWidth > head.clientWidth + 1) problems.push(`cut: ${head.textContent.trim()}`);
        const label = head.querySelector('label'), out = head.querySelector('output');
        if (label && out) {
            const a = label.getBoundingClientRect(), b = out.getBoundingClientRect();
            if (a.right > b.left + 1 && a.bottom > b.top + 1 && b.bottom > a.top + 1) problems.push(`overlap: ${head.textContent.trim()}`);
        }
    }
    for (const sel of document.querySelectorAll('select')) {
        if (!sel.checkVisibility()) continue;
        const cs = getComputedStyle(sel);
        ctx.font = `${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
        const text = sel.selectedOptions[0] ? sel.selectedOptions[0].text : '';
        if (ctx.measureText(text).width + 22 > sel.clientWidth) problems.push(`select cut: ${text}`);
    }
    for (const el of document.querySelectorAll('.lesson-card, .status dd, .btn')) {
        if (el.checkVisibility() && el.scrollWidth > el.clientWidth + 1) problems.push(`cut: ${el.textContent.trim().slice(0, 40)}`);
    }
    return problems;
}"""

SIZES = {"1280x800": (1280, 800, False), "1920x1080": (1920, 1080, False), "390x844": (390, 844, False),
         "large-1280x800": (1280, 800, True)}


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("size", list(SIZES))
def test_layout_at_each_size(open_page, shot, lang, size):
    w, h, large = SIZES[size]
    page, watch = open_page(f"lang={lang}&hidden_layers=0&optimizer=momentum", viewport={"width": w, "height": h})
    if large:
        page.locator("#large-text").click()
    problems = page.evaluate(LAYOUT_PROBLEMS)  # "0 (linear)", "Momentum (μ 0.9)" from the link
    page.locator(".lesson-chip").nth(6).click()  # the longest lesson text
    page.locator("#lesson-card").wait_for()
    page.locator("#play").click()  # pause it: the same picture every run
    page.locator("#details-fold, .group-advanced summary").first.click()  # the display settings too
    page.locator(".plane-box").press("Enter")
    page.wait_for_timeout(400)
    problems += page.evaluate(LAYOUT_PROBLEMS)
    # Every lesson chip can be reached without scrolling on a desktop screen.
    if w >= 1280:
        right = page.evaluate("Math.max(...[...document.querySelectorAll('.lesson-chip')].map((c) => c.getBoundingClientRect().right))")
        if right > w:
            problems.append(f"lesson chips run off-screen ({right:.0f} > {w})")
        chart = page.locator(".chart-card").bounding_box()
        if w >= 1920 and chart["width"] < 420:
            problems.append(f"narrow chart column: {chart['width']:.0f} px")
    # A message never covers Clear points.
    page.locator("#clear-points").click()
    page.wait_for_timeout(300)
    toast = page.locator("#toast").bounding_box()
    clear = page.locator("#clear-points").bounding_box()
    if (toast["x"] < clear["x"] + clear["width"] and clear["x"] < toast["x"] + toast["width"]
            and toast["y"] < clear["y"] + clear["height"] and clear["y"] < toast["y"] + toast["height"]):
        problems.append("the message covers Clear points")
    shot(page, f"layout-{size}-{lang}.png")
    if large:
        page.locator("#large-text").click()  # the setting is kept per browser: leave it off
    assert not problems, "; ".join(problems)

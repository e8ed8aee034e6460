"""The page's string catalogs: every key in both languages, no empty text."""
import json
import re
from pathlib import Path

import pytest

I18N = Path(__file__).resolve().parents[1] / "static" / "i18n"


def catalog(lang):
    return json.loads((I18N / f"{lang}.json").read_text(encoding="utf-8"))


def test_both_catalogs_have_the_same_keys():
    en, zh = catalog("en"), catalog("zh")
    assert sorted(set(en) - set(zh)) == [], "missing in zh.json"
    assert sorted(set(zh) - set(en)) == [], "missing in en.json"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_no_text_is_empty_and_placeholders_match(lang):
    en, other = catalog("en"), catalog(lang)
    for key, text in other.items():
        assert isinstance(text, str) and text.strip(), key
        assert set(re.findall(r"\{(\w+)\}", text)) == set(re.findall(r"\{(\w+)\}", en[key])), key


def test_chinese_catalog_is_chinese():
    """A text in zh.json with no CJK character is an English string left behind,
    unless it is only symbols, numbers or formulas."""
    for key, text in catalog("zh").items():
        letters = re.sub(r"\{\w+\}|[^A-Za-z]", "", text)
        words = re.findall(r"[A-Za-z]{4,}", text)
        if len(letters) > 12 and words:
            assert re.search(r"[\u4e00-\u9fff]", text), f"{key}: {text!r}"


# ---- the page's keys: every one the code asks for is in the catalog ----------------

ROOT = I18N.parents[1]
PAGE_JS = ["main.js", "controls.js", "state.js", "lessons.js", "charts.js", "plane.js", "inspector.js",
           "socket.js", "overlays.js"]


def _page_sources():
    return "\n".join((ROOT / "static" / "js" / name).read_text(encoding="utf-8") for name in PAGE_JS)


def test_every_key_the_page_uses_is_in_the_catalog():
    """Literal keys in t("…") calls and in the template's data-i18n attributes."""
    en = catalog("en")
    used = set(re.findall(r'\bt\("([\w.]+)"', _page_sources()))
    used |= set(re.findall(r'"(page\.[\w.]+)"', (ROOT / "static" / "js" / "charts.js").read_text()))
    used |= set(re.findall(r'"(page\.help\.k\.\w+)"', (ROOT / "static" / "js" / "overlays.js").read_text()))
    template = (ROOT / "templates" / "index.html").read_text(encoding="utf-8")
    used |= set(re.findall(r'data-i18n="([\w.]+)"', template))
    for attr in re.findall(r'data-i18n-attr="([^"]+)"', template):
        used |= {pair.split(":")[1].strip() for pair in attr.split(",")}
    assert used, "no keys found"
    assert sorted(used - set(en)) == []


def test_every_lesson_setting_and_option_has_its_texts():
    """Keys built from names: page.lesson.ID.*, page.setting.NAME, page.opt.NAME.VALUE (the page's
    own lists; the registries' options take their labels in both languages from the server's catalog)."""
    en = catalog("en")
    lessons = (ROOT / "static" / "js" / "lessons.js").read_text(encoding="utf-8")
    for block in re.findall(r'\{\s*id: "([\w-]+)",\s*settings: \{[^}]*\},\s*tries: \[(.*?)\],\s*\}', lessons, re.S):
        lesson, tries = block
        for part in ("title", "text1", "text2"):
            assert f"page.lesson.{lesson}.{part}" in en
        for t in re.findall(r'id: "(\w+)"', tries):
            assert f"page.lesson.{lesson}.try.{t}" in en
    assert len([k for k in en if re.fullmatch(r"page\.lesson\.[\w-]+\.title", k)]) == 7
    state = (ROOT / "static" / "js" / "state.js").read_text(encoding="utf-8")
    for name in re.findall(r'\{ name: "(\w+)", label:', state):
        assert f"page.setting.{name}" in en, name
    batch = state[state.index('name: "batch_size"'):]
    for value in re.findall(r'\{ value: (\d+), label: "[^"]*" \}', batch[:batch.index("] }")]):
        assert f"page.opt.batch_size.{value}" in en or not re.search("[A-Za-z]", value), value
    speeds = state[state.index("export const SPEEDS"):]
    for value in re.findall(r'\{ value: (\d+), label: "\w+" \}', speeds[:speeds.index("];")]):
        assert f"page.opt.speed.{value}" in en


def test_no_page_text_is_left_in_the_code():
    """User-facing English sentences live in the catalogs, not in the page's JS."""
    for name in PAGE_JS:
        text = (ROOT / "static" / "js" / name).read_text(encoding="utf-8")
        code = re.sub(r"^\s*(//|\*|/\*\*).*$", "", text, flags=re.M)  # comments may be English
        for literal in re.findall(r"`([^`\n]*)`", code):  # template literals
            letters = re.sub(r"\$\{[^}]*\}", "", literal)
            assert not re.search(r"[A-Za-z]{3,} [A-Za-z]{2,} [A-Za-z]{2,}", letters), f"{name}: {literal!r}"

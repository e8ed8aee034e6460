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

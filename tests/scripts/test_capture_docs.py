"""scripts/capture_docs.py: the examples in docs/api.md are the server's real answers."""
from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("capture_docs", ROOT / "scripts" / "capture_docs.py")
capture_docs = importlib.util.module_from_spec(spec)
spec.loader.exec_module(capture_docs)


def test_docs_api_shows_what_the_server_answers_today():
    """Every curl example replayed gives the status and JSON the page shows (`make docs` rewrites them)."""
    text = (ROOT / "docs" / "api.md").read_text()
    assert capture_docs.capture_api(text) == text


def test_pretty_prints_short_values_on_one_line_and_packs_scalar_dicts():
    assert capture_docs.pretty({"a": [1, 2], "b": None}) == '{"a": [1, 2], "b": null}'
    long = {f"key_{i}": i for i in range(20)}
    lines = capture_docs.pretty(long).split("\n")
    assert lines[0] == "{" and lines[-1] == "}" and 1 < len(lines) - 2 < 20
    assert all(len(line) <= capture_docs.WIDTH for line in lines)


def test_trim_keeps_three_items_of_long_lists_and_48_characters_of_data():
    msg = {"X": list(range(10)), "extent": [0, 1, 2, 3], "boundary": {"data": "A" * 100}}
    assert capture_docs.trim(msg) == {"X": [0, 1, 2, "…"], "extent": [0, 1, 2, 3],
                                      "boundary": {"data": "A" * 48 + "…"}}
    assert capture_docs.trim(list(range(10)), last=True) == ["…", 7, 8, 9]

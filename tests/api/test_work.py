"""app/api/work.py: a large answer is encoded a slice of rows at a time, to the same bytes."""
from __future__ import annotations

import numpy as np
import pytest
from pydantic_core import to_json

import app.api.work as work

rng = np.random.default_rng(3)

ANSWERS = [
    {"scores": [], "hidden": []},
    {"x": np.float64(1.5), "n": np.int64(3), "flag": True, "none": None},
    {"scores": rng.random((1900, 2)).tolist(), "hidden": [rng.random((1900, 1024)), rng.random((1900, 3))]},
    {"hidden": [rng.random((1900, 1024)).tolist(), rng.random((1900, 3)).tolist()]},
    {"one_column": [rng.random((30_000, 1))]},
    {"flat": rng.random(100_000)},
    {"flat_list": rng.random(100_000).tolist()},
    {"nan_becomes_null": [float("nan"), 1.0] * 20_000},
    {"grads": {"layers": [{"W": rng.random((1024, 1024)), "b": rng.random(1024)}]}},
    {"grads": {"layers": [{"W": rng.random((1024, 1024)).tolist(), "b": rng.random(1024).tolist()}]}},
    {"no_rows": np.zeros((0, 5)), "no_columns": np.zeros((40_000, 0)), "empty_rows": [[]], "deep": [[[]]]},
]


@pytest.mark.parametrize("answer", ANSWERS, ids=lambda a: ",".join(a))
def test_the_bytes_are_to_json_s(answer):
    assert work.encode_in_slices(answer) == to_json(answer, fallback=work._numpy_scalar)


def test_a_large_answer_is_encoded_in_slices_of_bounded_size(monkeypatch):
    """No one call of the encoder (which holds the GIL) sees more than a slice of numbers."""
    seen = []
    original = work.to_json

    def counting(value, **kw):
        seen.append(np.asarray(value, dtype=object).size if isinstance(value, list) and value
                    and not isinstance(value[0], dict) else 1)
        return original(value, **kw)

    monkeypatch.setattr(work, "to_json", counting)
    answer = {"scores": rng.random((1900, 2)).tolist(), "hidden": [rng.random((1900, 1024)).tolist()]}
    assert work.encode_in_slices(answer) == original(answer)
    assert len(seen) > 100
    assert max(seen) <= work.SLICE_NUMBERS

"""The memory budget (app/budget.py) holds the real footprint of the largest sessions.

A maximum-size session is built, trains a few full-batch steps, draws a frame
and stops; tracemalloc (which sees NumPy's allocations) measures what it held at
its peak and what it keeps afterwards, against the figures app/budget.py computes
from its config alone.
"""
import gc
import tracemalloc

import pytest

from app.budget import MB, SessionShape, largest_shape, over_budget, session_bytes, session_terms, worst_case
from app.config import Settings
from app.session_config import TrainingConfig
from app.training import TrainingSession


def _largest_config(dataset, **fields):
    s = Settings()
    c = TrainingConfig(dataset=dataset, n_points=s.max_points, hidden_sizes=[s.max_session_width] * fields.pop(
        "layers", s.max_session_hidden_layers), optimizer="adam", batch_size=0, neurons=True, health=True)
    for name, value in fields.items():
        setattr(c, name, value)
    return c


def _measure(config):
    """(peak, held) bytes above what was allocated before the session was built."""
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        t = TrainingSession(config)
        t.running = True
        t.train(2)
        t.frame_text()
        t.running = False  # paused and left: what a detached session keeps
        del t._grid        # the drawing buffer belongs to whoever draws (a frame worker), not the session
        gc.collect()
        held, peak = tracemalloc.get_traced_memory()
        assert t.step_count == 2 and t.last is not None
        return peak - base, held - base
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("config", [
    pytest.param(_largest_config("spiral"), id="plane-6x1024-5000"),
    pytest.param(_largest_config("shapes", classes=10, layers=2), id="shapes-2x1024-5000"),
])
def test_a_largest_session_stays_under_its_budget(config):
    shape = SessionShape.of(config)
    terms = session_terms(shape)
    peak, held = _measure(config)
    assert held <= sum(terms["held"].values()), (held / MB, terms)
    assert peak <= session_bytes(shape), (peak / MB, session_bytes(shape) / MB)
    print(f"{config.dataset}: peak {peak / MB:.0f} MB of {session_bytes(shape) / MB:.0f} MB budgeted, "
          f"held {held / MB:.0f} MB of {sum(terms['held'].values()) / MB:.0f} MB")
    assert session_bytes(shape) <= session_bytes(largest_shape(Settings()))


def test_a_stopped_session_keeps_no_batch_sized_arrays():
    """Between steps a session holds its data and network, not the hidden activations of every point."""
    config = _largest_config("spiral", layers=2, neurons=False, health=False, optimizer="sgd")
    _, held = _measure(config)
    shape = SessionShape.of(config)
    activations = 8 * 4000 * sum(config.hidden_sizes)  # one batch's hidden outputs: 65 MB
    assert held < 8 * shape.parameters + 8 * MB < activations


def test_the_worst_case_is_bounded_by_the_budget():
    s = Settings()
    w = worst_case(s)
    assert w["unbounded"] == s.max_sessions * w["per_session"] > w["budget"] == s.memory_budget_mb * MB
    assert w["sessions_worst"] == w["budget"]
    assert w["per_session"] <= w["budget"]  # one largest session alone still fits: the limits hold each alone


def test_a_session_over_the_budget_is_refused_naming_the_field():
    s = Settings(memory_budget_mb=512)
    big = _largest_config("spiral")  # about 1 GB
    refused = over_budget([], big, s, patch={"hidden_sizes": big.hidden_sizes})
    assert refused and refused[0] == "hidden_sizes" and "NNPG_MEMORY_BUDGET_MB" in refused[1]
    assert over_budget([], TrainingConfig(), s) is None
    assert over_budget([], big, Settings(memory_budget_mb=0)) is None

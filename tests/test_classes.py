"""The class layer's pure parts: codes, names, tokens, help and goals, the
in-process backend, summaries and forks of a run."""
from __future__ import annotations

import asyncio
import base64
import json

import numpy as np
import pytest

from app.boundary import BoundaryGrid
from app.class_backend import LocalClassBackend
from app.class_runs import THUMBNAIL_RESOLUTION, adopt_fork, fork_state, summarize, thumbnail
from app.classes import (CODE_ALPHABET, CODE_LENGTH, BadName, clean_name, expired,
                         needs_help, new_code, normalize_code, reached, token_digest, token_matches)
from app.training import TrainingSession


def test_codes_have_six_unambiguous_characters():
    codes = {new_code() for _ in range(500)}
    assert len(codes) > 490
    for code in codes:
        assert len(code) == CODE_LENGTH
        assert not set(code) & set("0O1IL")
        assert set(code) <= set(CODE_ALPHABET)


def test_a_typed_code_is_normalized_or_refused():
    assert normalize_code(" abc-def ") == "ABCDEF"
    assert normalize_code("ab cd 23") == "ABCD23"
    for bad in ("ABCDE", "ABCDEFG", "ABCDE0", "ABCDEO", "ABCDE1", "ABCDEl", "", None, 123, "x" * 40):
        assert normalize_code(bad) is None, bad


def test_the_teacher_token_is_kept_as_a_digest_and_compared():
    digest = token_digest("secret-token")
    assert "secret-token" not in digest and len(digest) == 64
    assert token_matches("secret-token", digest)
    assert not token_matches("secret-tokeN", digest)
    assert not token_matches(None, digest)


def test_names_are_plain_text_trimmed_and_limited():
    assert clean_name("  Ada   Lovelace ", 24) == "Ada Lovelace"
    assert clean_name("<b>Eve</b>", 24) == "<b>Eve</b>"  # markup stays text; pages escape it
    assert clean_name("a\nb\tc\u200bd", 24) == "a b cd"
    assert clean_name("李雷", 24) == "李雷"
    for bad in ("", "   ", "\n\t", None, 5):
        with pytest.raises(BadName, match="name"):
            clean_name(bad, 24)
    with pytest.raises(BadName, match="at most 5"):
        clean_name("abcdef", 5)


def test_needs_help_and_its_order():
    assert needs_help({"status": "diverged", "step": 9}, 3, False) == "diverged"
    assert needs_help({"status": "playing", "step": 50}, 3, True) == "dead"
    assert needs_help({"status": "playing", "step": 0}, 3, True) is None  # not trained yet
    assert needs_help({"status": "playing", "step": 400, "train_accuracy": 0.36}, 3, False) == "chance"
    assert needs_help({"status": "playing", "step": 100, "train_accuracy": 0.36}, 3, False) is None
    assert needs_help({"status": "playing", "step": 400, "train_accuracy": 0.9}, 3, False) is None


def test_a_lesson_goal_is_reached_at_its_point():
    goal = {"metric": "test_accuracy", "at_least": 0.95}
    assert reached({"test_accuracy": 0.95}, goal)
    assert not reached({"test_accuracy": 0.949}, goal)
    assert not reached({"test_accuracy": None}, goal)
    assert not reached({"test_accuracy": 1.0}, None)


def test_a_class_expires_after_its_idle_time():
    assert not expired({"last_active": 100.0}, 150.0, 60)
    assert expired({"last_active": 100.0}, 161.0, 60)


def run(coro):
    return asyncio.run(coro)


def test_the_local_backend_keeps_classes_rosters_and_summaries_as_json():
    backend = LocalClassBackend()

    async def scenario():
        assert await backend.create_class("ABCDEF", {"spotlight": None, "last_active": 1.0})
        assert not await backend.create_class("ABCDEF", {})
        assert await backend.update_class("ABCDEF", {"spotlight": "s1"}) == \
            {"spotlight": "s1", "last_active": 1.0}
        assert await backend.update_class("ZZZZZZ", {"x": 1}) is None
        assert await backend.add_student("ABCDEF", "s1", "Ann", limit=2)
        assert await backend.add_student("ABCDEF", "s2", "Bob", limit=2)
        assert not await backend.add_student("ABCDEF", "s3", "Cy", limit=2)   # full
        assert await backend.add_student("ABCDEF", "s1", "Ann", limit=2)      # already in
        assert await backend.roster("ABCDEF") == {"s1": "Ann", "s2": "Bob"}
        await backend.report("ABCDEF", {"s1": {"step": 3}})
        assert await backend.summaries("ABCDEF") == {"s1": {"step": 3}}
        got = []
        unsubscribe = backend.subscribe("ABCDEF", got.append)
        await backend.publish("ABCDEF", {"kind": "pause"})
        unsubscribe()
        await backend.publish("ABCDEF", {"kind": "resume"})
        assert got == [{"kind": "pause"}]
        with pytest.raises(TypeError):  # only JSON crosses the backend
            await backend.publish("ABCDEF", {"kind": "push", "config": object()})
        await backend.delete_class("ABCDEF")
        assert await backend.get_class("ABCDEF") is None and await backend.roster("ABCDEF") == {}

    run(scenario())


def test_the_join_rate_counts_per_key_within_a_window():
    now = [0.0]
    backend = LocalClassBackend(clock=lambda: now[0])

    async def scenario():
        assert [await backend.hit("join:a", 60) for _ in range(3)] == [1, 2, 3]
        assert await backend.hit("join:b", 60) == 1
        now[0] = 61.0
        assert await backend.hit("join:a", 60) == 1

    run(scenario())


def _trained(steps=30, **config):
    t = TrainingSession()
    if config:
        t.apply_config(config)
    t.train(steps)
    return t


def test_a_summary_has_the_run_s_numbers_and_a_32_by_32_thumbnail():
    t = _trained(40)
    grid = BoundaryGrid()
    drawn = thumbnail(t, grid, None)
    version, picture, flat = drawn
    summary = summarize(t, drawn)
    assert summary["step"] == 40 and summary["status"] == "paused" and summary["help"] is None
    assert summary["loss"] == t.history.points["total"][-1]
    assert summary["train_accuracy"] == t.history.points["train_accuracy"][-1]
    assert summary["thumb"] == version == t.version and not flat
    assert picture["resolution"] == THUMBNAIL_RESOLUTION and picture["classes"] == 3
    probs = np.frombuffer(base64.b64decode(picture["data"]), np.uint8).reshape(32, 32, 3)
    expected = BoundaryGrid.probabilities64(t.net, t.extent, 32).T.reshape(32, 32, 3)
    assert np.abs(probs.astype(int) - np.round(255 * expected)).max() <= 1
    assert thumbnail(t, grid, drawn) is drawn  # unchanged network: not drawn again
    t.train(1)
    assert thumbnail(t, grid, drawn)[0] == t.version != version
    assert json.dumps(summarize(t, drawn))
    assert summarize(t, None)["thumb"] is None


def test_a_dead_network_and_a_diverged_one_need_help():
    t = _trained(5)
    for layer in t.net.layers:
        layer[0][...] = 0.0  # every weight 0: the same answer everywhere
    t.version += 1
    assert summarize(t, thumbnail(t, BoundaryGrid(), None))["help"] == "dead"
    d = _trained(200, learning_rate=5.0, init="he", activation="leaky_relu", hidden_sizes=[100, 100])
    assert d.status == "diverged"
    drawn = thumbnail(d, BoundaryGrid(), None)
    assert drawn[1] is None  # no picture of an overflowed network
    summary = summarize(d, drawn)
    assert summary["status"] == "diverged" and summary["help"] == "diverged"


def test_a_fork_goes_on_from_the_source_s_weights_data_and_optimizer():
    src = _trained(25, optimizer="momentum", batch_size=32, learning_rate=0.3)
    src.add_points([(0.5, 0.5, 1)])
    dst = _trained(3)
    adopt_fork(dst, fork_state(src))
    assert dst.config == src.config and dst.step_count == 25 and dst.user_points == src.user_points
    for (w1, b1), (w2, b2) in zip(dst.net.layers, src.net.layers):
        assert np.array_equal(w1, w2) and np.array_equal(b1, b2) and w1 is not w2
    assert dst.history.points == src.history.points
    assert dst.history.generation != src.history.generation
    src.train(10)
    dst.train(10)
    for (w1, _), (w2, _) in zip(dst.net.layers, src.net.layers):
        assert np.array_equal(w1, w2)  # same batches, same momentum: the same run


def test_a_fork_takes_the_features_too():
    src = _trained(10, features=["x1", "x2", "x1*x2", "sin(x1)"], hidden_sizes=[8])
    dst = _trained(2)
    adopt_fork(dst, fork_state(src))
    assert dst.inputs_train.shape[1] == 4 and np.array_equal(dst.inputs_train, src.inputs_train)
    src.train(5)
    dst.train(5)
    for (w1, _), (w2, _) in zip(dst.net.layers, src.net.layers):
        assert np.array_equal(w1, w2)

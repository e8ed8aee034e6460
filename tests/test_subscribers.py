"""BuiltFrame.text_for: each subscriber gets the history and points it has not had.

Subscribers at the same cursor share one text (the history is encoded once
per frame, not once per viewer); a subscriber behind, of an older history, or
that has not seen the points gets its own.
"""
from __future__ import annotations

import json

from app.subscribers import BuiltFrame, Subscriber
from app.training import History


def history_of(steps):
    history = History()
    for step in steps:
        history.record(step=step, data_loss=1.0 / step, reg_loss=0.01, total=1.0 / step + 0.01,
                       train_accuracy=0.5, test_accuracy=None)
    return history


def built(history, since, points_version=1):
    body = json.dumps({"type": "frame", "step": 7}, separators=(",", ":"))
    return BuiltFrame(body, history.tail(since), points_version, '{"X":[[0.5,1.5]],"y":[1]}')


def level_subscriber(history, seq, points_version=1):
    sub = Subscriber("viewer")
    sub.cursor = (history.generation, seq)
    sub.points_seen = points_version
    return sub


def test_level_subscribers_share_one_text_and_all_advance():
    history = history_of(range(1, 8))
    frame = built(history, (history.generation, 4))
    subs = [level_subscriber(history, 4) for _ in range(3)]
    texts = [frame.text_for(sub) for sub in subs]
    assert texts[0] is texts[1] is texts[2]  # encoded once
    assert len(frame.texts) == 1
    message = json.loads(texts[0])
    assert message["step"] == 7 and message["history"]["step"] == [5, 6, 7]
    assert message["history"]["data_loss"] == [1 / 5, 1 / 6, 1 / 7]
    assert "points" not in message
    assert all(sub.cursor == (history.generation, 7) for sub in subs)


def test_a_subscriber_behind_or_new_to_the_points_gets_its_own_text():
    history = history_of(range(1, 8))
    frame = built(history, (history.generation, 2))
    level, behind = level_subscriber(history, 5), level_subscriber(history, 2)
    new = level_subscriber(history, 5, points_version=0)
    assert json.loads(frame.text_for(level))["history"]["step"] == [6, 7]
    assert json.loads(frame.text_for(behind))["history"]["step"] == [3, 4, 5, 6, 7]
    with_points = json.loads(frame.text_for(new))
    assert with_points["history"]["step"] == [6, 7]
    assert with_points["points"] == {"X": [[0.5, 1.5]], "y": [1]}
    assert new.points_seen == 1
    assert json.loads(frame.text_for(level_subscriber(history, 5)))["history"]["step"] == [6, 7]
    assert len(frame.texts) == 3  # level, behind, new to the points
    assert {sub.cursor for sub in (level, behind, new)} == {(history.generation, 7)}


def test_a_subscriber_of_an_older_history_gets_all_of_the_new_one():
    old, history = history_of(range(1, 4)), history_of(range(1, 3))
    frame = built(history, (history.generation, 0))
    sub = level_subscriber(old, 3)
    assert json.loads(frame.text_for(sub))["history"]["step"] == [1, 2]
    assert sub.cursor == (history.generation, 2)


def test_with_no_new_points_a_subscriber_of_an_older_history_starts_the_new_one_at_zero():
    old, history = history_of(range(1, 4)), History()
    frame = built(history, (history.generation, 0))
    sub = level_subscriber(old, 3)
    assert json.loads(frame.text_for(sub))["history"]["step"] == []
    assert sub.cursor == (history.generation, 0)


def test_a_sticky_view_goes_once_to_each_subscriber_and_level_ones_share_its_text():
    history = history_of(range(1, 4))
    frame = built(history, (history.generation, 3))
    frame.sticky = {"templates": ((7, 1), '{"units":[1,2]}')}
    first, second = level_subscriber(history, 3), level_subscriber(history, 3)
    seen = level_subscriber(history, 3)
    seen.views_seen = {"templates": (7, 1)}
    text = frame.text_for(first)
    assert frame.text_for(second) is text
    assert json.loads(text)["templates"] == {"units": [1, 2]}
    assert "templates" not in json.loads(frame.text_for(seen))
    assert first.views_seen == second.views_seen == {"templates": (7, 1)}
    again = built(history, (history.generation, 3))
    again.sticky = frame.sticky
    assert "templates" not in json.loads(again.text_for(first))  # sent once, not with every frame


def test_compact_and_json_subscribers_level_with_each_other_get_their_own_encoding():
    from app import compact

    history = history_of(range(1, 4))
    frame = built(history, (history.generation, 2))
    frame.compact = ('{"type":"frame","step":7}', b"zlib-stream")
    as_json, as_compact = level_subscriber(history, 2), level_subscriber(history, 2)
    as_compact.encoding = "compact"
    other_compact = level_subscriber(history, 2)
    other_compact.encoding = "compact"
    text, binary = frame.text_for(as_json), frame.text_for(as_compact)
    assert isinstance(text, str) and json.loads(text)["history"]["step"] == [3]
    assert frame.text_for(other_compact) is binary
    assert binary == compact.message('{"type":"frame","step":7,"history":' +
                                     json.dumps(json.loads(text)["history"], separators=(",", ":")) +
                                     "}", b"zlib-stream")

"""BuiltFrame: one frame's text per subscriber state, shared by subscribers in the same state."""
from __future__ import annotations

import json

from app.boundary import BoundaryGrid
from app.subscribers import BuiltFrame, Subscriber
from app.training import TrainingSession
from app.views import frame_body, render_parts


def test_subscribers_in_the_same_state_share_one_text_and_each_advances():
    t = TrainingSession()
    t.train(5)
    caught_up = [Subscriber("viewer") for _ in range(3)]
    for sub in caught_up:
        sub.cursor, sub.points_seen = t.history.cursor(), t.points_version
    behind = Subscriber("viewer")  # new: no history yet, no points
    t.train(2)
    frame = BuiltFrame(frame_body(render_parts(t.snapshot(), BoundaryGrid())),
                       t.history.tail(behind.cursor), t.points_version, t.points_json())
    texts = [frame.text_for(sub) for sub in caught_up]
    assert texts[0] is texts[1] is texts[2]
    assert json.loads(texts[0])["history"]["step"] == [6, 7] and "points" not in json.loads(texts[0])
    assert all(sub.cursor == t.history.cursor() for sub in caught_up)
    late = json.loads(frame.text_for(behind))
    assert late["history"]["step"] == list(range(1, 8)) and len(late["points"]["y"]) == 300
    assert behind.cursor == t.history.cursor() and behind.points_seen == t.points_version
    assert len(frame.texts) == 2

"""app/compact.py: the compact frame encoding decodes to exactly the JSON frame."""
import json
import struct
import zlib

import numpy as np
import pytest

from app.boundary import BoundaryGrid
from app.compact import ENCODING, decode_frame, encode_frame, filter_probs, message, unfilter_probs
from app.subscribers import BuiltFrame, Subscriber
from app.training import TrainingSession
from app.views import frame_body, render_parts


def _session(steps):
    session = TrainingSession()
    if steps:
        session.train(steps)
    return session


@pytest.mark.parametrize("shape", [(10, 10, 2), (100, 100, 3), (37, 37, 10)])
def test_filter_then_unfilter_is_the_identity(shape):
    probs = np.random.default_rng(0).integers(0, 256, size=shape, dtype=np.uint8)
    data = filter_probs(probs)
    assert len(data) == probs.size
    assert np.array_equal(unfilter_probs(data, shape[0], shape[2]), probs)


def test_filter_is_planar_left_then_up_delta():
    probs = np.array([[[10, 245], [12, 243]], [[200, 55], [199, 56]]], np.uint8)  # (2, 2, 2)
    # plane 0: rows [10, 12], [200, 199] → left deltas [10, 2], [200, -1] → up [10, 2], [190, -3]
    # plane 1: rows [245, 243], [55, 56] → left deltas [245, -2], [55, 1] → up [245, -2], [-190, 3]
    assert list(filter_probs(probs)) == [10, 2, 190, 253, 245, 254, 66, 3]


@pytest.mark.parametrize("steps", [0, 300])
def test_decode_gives_back_the_frame(steps):
    frame = _session(steps).frame()
    assert decode_frame(encode_frame(frame)) == frame


def _both_for(session):
    """The same drawn frame as a JSON subscriber and a compact subscriber get it."""
    snap = session.snapshot()
    snap.compact = True
    parts = render_parts(snap, BoundaryGrid())
    tail = session.history.tail()
    built = BuiltFrame(frame_body(parts), tail, session.points_version, session.points_json(), compact=parts[2])
    return built.text_for(Subscriber("driver")), built.text_for(Subscriber("driver", "compact"))


def test_a_compact_subscriber_gets_the_same_frame_in_bytes():
    text, data = _both_for(_session(50))
    assert isinstance(text, str) and isinstance(data, bytes)
    assert decode_frame(data) == json.loads(text)


def test_the_message_layout():
    text, data = _both_for(_session(10))
    frame = json.loads(text)
    (n,) = struct.unpack("!I", data[:4])
    head = json.loads(data[4:4 + n])
    b = frame["boundary"]
    R, C = b["resolution"], b["classes"]
    assert head["boundary"]["encoding"] == ENCODING and "data" not in head["boundary"]
    assert head["step"] == 10 and head["loss"] == frame["loss"] and head["history"] == frame["history"]
    raw = zlib.decompress(data[4 + n:])
    assert len(raw) == R * R * C
    assert message(data[4:4 + n].decode(), data[4 + n:]) == data


def test_a_playing_default_frame_is_under_10_kb():
    session = _session(500)
    session.frame()  # the history since the start and the points go with this one
    session.train(33)  # about a frame's worth of steps at full speed
    text, data = _both_for(session)
    # (this reader has seen neither history nor points: the tail is the whole run)
    frame = json.loads(text)
    frame.pop("points", None)
    frame["history"] = {k: v[-33:] for k, v in frame["history"].items()}
    compact = encode_frame(frame)
    assert len(compact) <= 10_000, len(compact)
    assert len(compact) < len(json.dumps(frame)) / 3


def test_a_frame_without_boundary_round_trips():
    frame = {"type": "frame", "step": 3, "loss": {"data": None, "reg": 0.0, "total": None}}
    assert decode_frame(encode_frame(frame)) == frame

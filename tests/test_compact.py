"""app/compact.py: the compact frame encoding decodes to exactly the JSON frame."""
import base64
import json
import struct
import zlib

import numpy as np
import pytest

from app.compact import ENCODING, decode_frame, encode_frame, filter_probs, unfilter_probs
from app.training import TrainingSession, frame_json


def _frame(steps):
    session = TrainingSession()
    if steps:
        session.train(steps)
    return session.frame()


@pytest.mark.parametrize("shape", [(10, 10, 2), (100, 100, 3), (37, 37, 10)])
def test_filter_then_unfilter_is_the_identity(shape):
    probs = np.random.default_rng(0).integers(0, 256, size=shape, dtype=np.uint8)
    data = filter_probs(probs)
    assert len(data) == probs.size
    assert np.array_equal(unfilter_probs(data, shape[0], shape[2]), probs)


def test_filter_is_planar_and_left_delta():
    probs = np.array([[[10, 245], [12, 243]], [[200, 55], [199, 56]]], np.uint8)  # (2, 2, 2)
    # plane 0: rows [10, 12], [200, 199]; plane 1: rows [245, 243], [55, 56]
    assert list(filter_probs(probs)) == [10, 2, 200, 255, 245, 254, 55, 1]


@pytest.mark.parametrize("steps", [0, 300])
def test_decode_gives_back_the_json_frame(steps):
    frame = _frame(steps)
    decoded = decode_frame(encode_frame(frame))
    assert decoded == json.loads(frame_json(frame))


def test_the_message_layout():
    frame = _frame(10)
    raw = zlib.decompress(encode_frame(frame))
    (n,) = struct.unpack("!I", raw[:4])
    head = json.loads(raw[4:4 + n])
    b = frame["boundary"]
    R, C = b["resolution"], b["classes"]
    assert head["boundary"]["encoding"] == ENCODING
    assert "data" not in head["boundary"]
    assert head["step"] == 10 and head["loss"] == frame["loss"]
    assert len(raw) == 4 + n + R * R * C
    probs = np.frombuffer(base64.b64decode(b["data"]), np.uint8).reshape(R, R, C)
    assert raw[4 + n:] == filter_probs(probs)


def test_a_trained_default_frame_is_under_10_kb():
    session = TrainingSession()
    session.train(500)
    session.frame()  # the history since the start goes with this one
    session.train(30)
    frame = session.frame()
    compact, text = encode_frame(frame), frame_json(frame)
    assert len(compact) <= 10_000, len(compact)
    assert len(compact) < len(text) / 3


def test_a_frame_without_boundary_still_round_trips():
    frame = {"type": "frame", "step": 3, "loss": {"data": None, "reg": 0.0, "total": None}}
    assert decode_frame(encode_frame(frame)) == frame

"""/ws/session?encoding=compact: frames as binary messages (app/compact.py), the
rest of the protocol unchanged; an unknown encoding is refused naming the field."""
import json

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from app.compact import decode_frame
from app.config import Settings
from app.main import create_app


@pytest.fixture(params=["frame process", "frame thread"])
def tc(request):
    with TestClient(create_app(Settings(frame_process=request.param == "frame process"))) as c:
        yield c


def _next(ws):
    message = ws.receive()
    if message.get("bytes") is not None:
        return "bytes", message["bytes"]
    return "text", json.loads(message["text"])


def test_compact_frames_are_binary_and_decode_to_the_frame(tc):
    with tc.websocket_connect("/ws/session?encoding=compact") as ws:
        kind, hello = _next(ws)
        assert kind == "text" and hello["type"] == "hello"
        kind, data = _next(ws)
        assert kind == "bytes"
        frame = decode_frame(data)
        assert frame["type"] == "frame" and frame["step"] == 0
        assert frame["boundary"]["encoding"] == "u8-probs"
        ws.send_text(json.dumps({"type": "step", "n": 25}))
        while True:
            kind, msg = _next(ws)
            if kind == "bytes" and decode_frame(msg)["step"] == 25:
                break
        ws.send_text(json.dumps({"type": "config", "config": {"reg": 0.001}}))
        kind, msg = _next(ws)
        assert kind == "text" and msg["type"] == "config"  # replies stay JSON text


def test_the_default_stays_json_text(tc):
    with tc.websocket_connect("/ws/session") as ws:
        assert _next(ws)[0] == "text"
        kind, frame = _next(ws)
        assert kind == "text" and frame["type"] == "frame"


def test_an_unknown_encoding_is_refused_naming_the_field(tc):
    with tc.websocket_connect("/ws/session?encoding=png") as ws:
        kind, msg = _next(ws)
        assert kind == "text" and msg["type"] == "error" and msg["field"] == "encoding"
        assert "png" not in msg["message"]
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_text()
        assert closed.value.code == 1008

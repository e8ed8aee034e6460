"""The wire format of /ws/session: strict JSON out, validated messages in.

Messages are built here and nowhere else; docs/protocol.md shows each one.
Frames are assembled from parts (see app/views.py): the frame body, drawn
once per session, and each connection's own history and points.
"""
from __future__ import annotations

import json

from pydantic import ValidationError

from .schemas import validate_client_message

MESSAGE_TYPES = ("config", "play", "pause", "step", "reset", "probe", "points", "model", "param",
                 "fork", "push", "spotlight", "pause_all", "resume_all", "end")


def to_json(message) -> str:
    """Strict, compact JSON: a NaN that slipped through raises instead of being sent."""
    return json.dumps(message, allow_nan=False, separators=(",", ":"))


def json_with_data(obj: dict) -> str:
    """to_json(obj), with its base64 ``data`` text spliced in as it is: base64
    needs no escaping, and scanning tens of KB for escapes would cost as much
    as the rest of the frame."""
    head = to_json({k: v for k, v in obj.items() if k != "data"})
    return f'{head[:-1]},"data":"{obj["data"]}"}}' if "data" in obj else head


def join_object(head: str, parts: dict) -> str:
    """A JSON object's text ``head`` with more members whose values are JSON texts."""
    extra = "".join(f',"{name}":{text}' for name, text in parts.items())
    return head[:-1] + extra + "}" if head != "{}" else "{" + extra[1:] + "}"


def error(message, field=None, code=None) -> dict:
    """An `error` message; ``code`` (a word the page tells apart, e.g.
    "evicted") only where one is given."""
    reply = {"type": "error", "message": message, "field": field}
    if code is not None:
        reply["code"] = code
    return reply


# An error repeats at most this much of what the client sent (a key, a type).
ECHO_CHARS = 40


def cut(text: str, limit: int = ECHO_CHARS) -> str:
    """``text``, or its first ``limit`` characters and "…" when longer."""
    return text if len(text) <= limit else text[:limit] + "…"


def config_reply(config, reset: bool) -> dict:
    return {"type": "config", "config": config.to_dict(), "reset": reset}


def _reject_constant(name):
    raise ValueError(f"{name} is not allowed in JSON")


def validation_error(exc: ValidationError, default_field=None) -> dict:
    """The first problem of a pydantic error as an `error` message naming the
    field (for a config, the config field itself: "learning_rate")."""
    first = exc.errors(include_input=False, include_url=False)[0]
    # (a union names its member types in the location: "label.constrained-int")
    loc = [str(p) for p in first["loc"]
           if not str(p).startswith(("function-", "tagged-union", "constrained-")) and p not in ("int", "float")]
    # A discriminated union puts the message type first in the location.
    if len(loc) > 1 and loc[0] in MESSAGE_TYPES:
        loc = loc[1:]
    if first["type"] in ("union_tag_invalid", "union_tag_not_found"):
        loc = ["type"]  # an unknown message type: the field at fault is `type`
    field = cut(".".join(loc)) or default_field
    msg = first["msg"]
    if first["type"] in ("union_tag_invalid", "union_tag_not_found"):
        # pydantic's message repeats the tag sent, at any length
        msg = "unknown message type, expected one of: " + ", ".join(_expected_tags(first))
    return error(cut(f"{field}: {msg}" if field else msg, MESSAGE_CHARS), field)


# The longest `error` message text (the list of message types fits).
MESSAGE_CHARS = 300


def _expected_tags(first: dict) -> list[str]:
    expected = (first.get("ctx") or {}).get("expected_tags", "")
    return [tag.strip().strip("'") for tag in str(expected).split(",") if tag.strip()]


def parse_client_message(text: str, max_bytes: int, settings, validate=None):
    """A validated client message (with the limits of ``settings``), or an `error`
    dict; ``validate(data)`` validates another union of messages instead."""
    if len(text) > max_bytes or len(text.encode()) > max_bytes:
        return error(f"message too large (over {max_bytes} bytes)")
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        return error("message is not valid JSON")
    if not isinstance(data, dict) or "type" not in data:
        return error("a message is a JSON object with a 'type'", "type")
    try:
        return validate(data) if validate else validate_client_message(data, settings)
    except ValidationError as exc:
        return validation_error(exc)


def history_since(tail: dict, cursor: tuple) -> dict:
    """The history points of ``tail`` that a connection at ``cursor`` has not
    had: tail is {"generation", "seq": [...], "points": {key: [...]}}, cursor
    (generation, last seq sent). A new generation (a reset) starts from 0."""
    generation, last = cursor
    seqs = tail["seq"]
    start = 0
    if generation == tail["generation"]:
        while start < len(seqs) and seqs[start] <= last:
            start += 1
    return {k: v[start:] for k, v in tail["points"].items()}

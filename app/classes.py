"""A class's small pure parts: codes, teacher tokens, display names, expiry,
what a student's summary says (needs help? reached the lesson's point?).

No web and no session objects here: app/classroom.py uses these with the
backend (app/class_backend.py) and the live sessions.
"""
from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from datetime import datetime, timezone

# No 0/O, 1/I/L: a code read off a projector is typed without guessing.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
STUCK_AFTER_STEPS = 300   # a classifier still near chance after this many steps is stuck
CHANCE_MARGIN = 0.1       # "near chance": accuracy below 1/C + this
DEAD_SPREAD = 2           # a boundary whose probabilities vary less than this (of 255) is flat


class BadName(ValueError):
    """A display name that cannot be used; the message says why."""


def new_code(randbelow=secrets.randbelow) -> str:
    return "".join(CODE_ALPHABET[randbelow(len(CODE_ALPHABET))] for _ in range(CODE_LENGTH))


def normalize_code(text) -> str | None:
    """The code as typed (any case, spaces or dashes around groups), or None
    if it cannot be a class code."""
    if not isinstance(text, str) or len(text) > 32:
        return None
    code = re.sub(r"[\s-]", "", text).upper()
    if len(code) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in code):
        return None
    return code


def new_teacher_token() -> str:
    return secrets.token_urlsafe(24)


def token_digest(token: str) -> str:
    """What the backend keeps of a teacher token: its SHA-256, never the token."""
    return hashlib.sha256(str(token).encode("utf-8", "replace")).hexdigest()


def token_matches(token, digest: str) -> bool:
    return isinstance(token, str) and secrets.compare_digest(token_digest(token), digest)


def clean_name(raw, max_length: int) -> str:
    """A display name as plain text: control characters removed, runs of
    white space made one space, trimmed, at most ``max_length`` characters.
    Markup stays as typed: pages show names as text, never as HTML."""
    if not isinstance(raw, str):
        raise BadName("name: give a display name")
    text = "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in raw)
    text = "".join(c for c in text if unicodedata.category(c) not in ("Cf", "Co", "Cs", "Cn"))
    text = " ".join(text.split())
    if not text:
        raise BadName("name: give a display name")
    if len(text) > max_length:
        raise BadName(f"name: at most {max_length} characters")
    return text


def iso_time(epoch_seconds: float) -> str:
    return datetime.fromtimestamp(epoch_seconds, timezone.utc).isoformat(timespec="seconds").replace(
        "+00:00", "Z")


def expired(record: dict, now: float, idle_seconds: float) -> bool:
    """A class expires when nobody has used it (board, student) for ``idle_seconds``."""
    return now - record["last_active"] > idle_seconds


def needs_help(summary: dict, classes: int | None, flat: bool) -> str | None:
    """Why a student may need help: "diverged", "dead" (the network answers
    the same everywhere) or "chance" (still guessing after a while); else None."""
    if summary.get("status") == "diverged":
        return "diverged"
    step = summary.get("step") or 0
    if flat and step > 0:
        return "dead"
    accuracy = summary.get("train_accuracy")
    if classes and accuracy is not None and step >= STUCK_AFTER_STEPS \
            and accuracy < 1.0 / classes + CHANCE_MARGIN:
        return "chance"
    return None


def reached(summary: dict, goal: dict | None) -> bool:
    """Whether a student's summary has reached a lesson's ``goal``
    ({"metric": "test_accuracy", "at_least": 0.95})."""
    if not goal:
        return False
    value = summary.get(goal["metric"])
    return value is not None and value >= goal["at_least"]

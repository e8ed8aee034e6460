"""Heavy /api/v1 work on the app's bounded pool (app/heavy.py), answered as JSON bytes.

The endpoint's function computes the answer and encodes it on a worker thread:
the event loop only hands the bytes over, however large the answer. A full
pool answers 503 with Retry-After, in the API's error shape.
"""
from __future__ import annotations

import numpy as np
from fastapi import Request
from fastapi.responses import Response
from pydantic_core import to_json
from starlette.concurrency import run_in_threadpool

from ..heavy import Busy, HeavyPool
from .strict import ApiError, _settings


def heavy_pool(request: Request) -> HeavyPool:
    """The app's pool, made on first use with the app's Settings."""
    state = request.app.state
    if getattr(state, "rest_pool", None) is None:
        settings = _settings(request)
        state.rest_pool = HeavyPool(settings.rest_workers, settings.rest_queue)
    return state.rest_pool


def _numpy_scalar(value):
    """A NumPy number (or array) as plain Python for the JSON encoder."""
    return value.tolist()


# Numbers encoded per to_json call. The encoder holds the GIL for a whole call
# (a 1,900 × 1,024 answer: about 0.2 s, a stall of every connection and live
# session); between two calls of a few milliseconds the event loop runs.
SLICE_NUMBERS = 16_384


def _encoded(fn, args) -> bytes:
    return encode_in_slices(fn(*args))


def encode_in_slices(value) -> bytes:
    """``to_json(value)``, the same bytes, with long arrays and lists of rows
    encoded a slice of rows at a time."""
    if isinstance(value, dict):
        return b"{" + b",".join(to_json(str(k)) + b":" + encode_in_slices(v) for k, v in value.items()) + b"}"
    rows = _rows_per_slice(value)
    if rows is None:
        return to_json(value, fallback=_numpy_scalar)
    if rows == 0:  # a list of large parts (the hidden layers): each one sliced
        return b"[" + b",".join(encode_in_slices(v) for v in value) + b"]"
    parts = (to_json(value[i:i + rows], fallback=_numpy_scalar)[1:-1] for i in range(0, len(value), rows))
    return b"[" + b",".join(part for part in parts if part) + b"]"


def _numbers(value) -> int:
    """About how many numbers ``value`` holds (its first row taken as the others')."""
    if isinstance(value, np.ndarray):
        return value.size
    if isinstance(value, list):
        return len(value) * _numbers(value[0]) if value else 0
    return 1


def _rows_per_slice(value):
    """How many rows of ``value`` one call encodes: None (all of it: it is small, or
    not an array), 0 (a list whose items are each large), or a count."""
    if isinstance(value, np.ndarray):
        if value.ndim == 0 or value.size <= SLICE_NUMBERS:
            return None
        return max(1, SLICE_NUMBERS // max(1, value[0].size))
    if not isinstance(value, list) or not value:
        return None
    first = value[0]
    width = _numbers(first)
    if width > SLICE_NUMBERS or (isinstance(first, np.ndarray) and first.ndim > 1) or \
            (isinstance(first, list) and first and isinstance(first[0], list)):
        return 0
    if len(value) * width <= SLICE_NUMBERS:
        return None
    return max(1, SLICE_NUMBERS // max(1, width))


# A request this small is never refused and never waits behind heavy work: it
# runs at once on Starlette's threadpool. Its answer is a few MB of JSON at most
# and its forward pass tens of milliseconds, so a class of students calling the
# API at the same moment is served; what the pool bounds is the large answers.
LIGHT_ANSWER_NUMBERS = 100_000
LIGHT_WORK = 20_000_000  # multiply-adds (rest_limits.forward_work)


def is_light(answer_numbers: int, work: int) -> bool:
    return answer_numbers <= LIGHT_ANSWER_NUMBERS and work <= LIGHT_WORK


async def run_heavy(request: Request, fn, *args, light: bool = False) -> Response:
    """``fn(*args)`` (a JSON-able answer) computed and encoded on the pool; 503 when it
    is full. A ``light`` one runs at once on Starlette's threadpool instead."""
    if light:
        return Response(await run_in_threadpool(_encoded, fn, args), media_type="application/json")
    try:
        body = await heavy_pool(request).run(_encoded, fn, args)
    except Busy:
        seconds = _settings(request).rest_retry_after_seconds
        raise ApiError(503, ["body"], f"the server is busy computing other answers: try again in {seconds} s",
                       "busy", headers={"Retry-After": str(seconds)}) from None
    return Response(body, media_type="application/json")

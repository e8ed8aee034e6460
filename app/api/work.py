"""Heavy /api/v1 work on the app's bounded pool (app/heavy.py), answered as JSON bytes.

The endpoint's function computes the answer and encodes it on a worker thread:
the event loop only hands the bytes over, however large the answer. A full
pool answers 503 with Retry-After, in the API's error shape.
"""
from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response
from pydantic_core import to_json

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


def _encoded(fn, args) -> bytes:
    return to_json(fn(*args), fallback=_numpy_scalar)


async def run_heavy(request: Request, fn, *args) -> Response:
    """``fn(*args)`` (a JSON-able answer) computed and encoded on the pool; 503 when it is full."""
    try:
        body = await heavy_pool(request).run(_encoded, fn, args)
    except Busy:
        seconds = _settings(request).rest_retry_after_seconds
        raise ApiError(503, ["body"], f"the server is busy computing other answers: try again in {seconds} s",
                       "busy", headers={"Retry-After": str(seconds)}) from None
    return Response(body, media_type="application/json")

"""The web side of /api/v1 bodies and errors, shared by every router.

* ``StrictJSONRoute`` reads and parses a JSON body itself, before FastAPI does:
  Content-Type, body size, nesting depth and the count of numbers are checked
  on the raw bytes, then the body is parsed with NaN/Infinity read as
  non-finite floats (and 1e400 as inf), so that pydantic's finite-number check
  refuses them with a ``loc`` naming the element, e.g. ["body", "X", 0, 1].
* the error handlers: every error is ``{"detail": [{"loc", "msg", "type"}]}``
  and never echoes the input.
* ``_settings``: the app's own Settings, as a dependency.
"""
from __future__ import annotations

import re
from typing import Any, Callable, Coroutine

import numpy as np
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic_core import from_json
from starlette.concurrency import run_in_threadpool

from ..config import Settings, get_settings

# Bodies larger than this are parsed in a worker thread, not on the event loop.
THREAD_PARSE_BYTES = 64 * 1024


class ApiError(Exception):
    """An error answered as {"detail": [{"loc", "msg", "type"}]} with ``status``."""

    def __init__(self, status: int, loc: tuple | list, msg: str, type: str = "value_error",
                 headers: dict | None = None):
        super().__init__(msg)
        self.status, self.loc, self.msg, self.type = status, list(loc), msg, type
        self.headers = headers


def _settings(request: Request) -> Settings:
    return getattr(request.app.state, "settings", None) or get_settings()


# ------------------------------------------------------------- strict JSON bodies

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_SCAN_CHUNK = 1 << 22


def _blank_strings(body: bytes) -> bytes:
    """The body with every JSON string emptied (strings may hold brackets and digits)."""
    if b'"' not in body:
        return body
    if b"\\" not in body:
        # No escapes: strings are exactly the odd pieces between quotes.
        return b'""'.join(body.split(b'"')[0::2])
    return _STRING.sub(b'""', body)


def scan_json(body: bytes, max_depth: int, max_numbers: int) -> tuple[int, int]:
    """(nesting depth, numbers in arrays) of a JSON text, without parsing it.

    The numbers counted are the elements of arrays: in a request, exactly
    those of X, y and the model (scalars such as reg follow a ':' and are not
    counted). Strings are blanked and whitespace dropped first; then, in
    chunks with NumPy, the depth is the running sum of +1 for '[' '{' and -1
    for ']' '}', and an array number starts where a '-' or digit follows '['
    or ',' (after ',' inside an object comes a key, a string). 30 MB take
    about 0.1 s and bounded memory. Stops early once either count is over its
    maximum (the counts returned are then lower bounds).
    """
    data = np.frombuffer(_blank_strings(body).translate(None, b" \t\r\n"), np.uint8)
    depth = deepest = numbers = 0
    before_value = False  # whether the last byte of the previous chunk was '[' or ','
    for start in range(0, data.size, _SCAN_CHUNK):
        c = data[start:start + _SCAN_CHUNK]
        folded = c | 0x20  # '[' -> '{' and ']' -> '}'
        opens = folded == ord("{")
        brackets = np.flatnonzero(opens | (folded == ord("}")))
        if brackets.size:
            levels = np.cumsum(opens[brackets].astype(np.int64) * 2 - 1) + depth
            deepest = max(deepest, int(levels.max()))
            depth = int(levels[-1])
        starts = ((c - ord("0")) <= 9) | (c == ord("-"))  # uint8: c - '0' wraps below '0'
        after = (c == ord(",")) | (c == ord("["))
        numbers += int(starts[0] and before_value) + int(np.count_nonzero(starts[1:] & after[:-1]))
        before_value = bool(after[-1])
        if deepest > max_depth or numbers > max_numbers:
            break
    return deepest, numbers


def parse_json_body(body: bytes, settings: Settings) -> Any:
    """Strictly parse a request body, or raise ApiError (422 or 413).

    pydantic-core's JSON parser (Rust, several times faster than the json
    module on large arrays) reads NaN and ±Infinity as floats and 1e400 as
    inf; validation then refuses every non-finite number with its loc.
    """
    if not body.strip():
        raise ApiError(422, ["body"], "the body is empty: send a JSON object", "json_invalid")
    limit = settings.max_request_numbers
    depth, numbers = scan_json(body, settings.max_json_depth, limit)
    if depth > settings.max_json_depth:
        raise ApiError(422, ["body"], f"the JSON is nested more than {settings.max_json_depth} levels deep",
                       "json_too_deep")
    if numbers > limit:
        raise ApiError(413, ["body"], f"the request holds more than {limit:,} numbers (X, y and the model "
                       "together)", "too_many_numbers")
    try:
        return from_json(body, allow_inf_nan=True)
    except ValueError as e:
        # Messages such as "expected value at line 1 column 7": a position, never the input.
        raise ApiError(422, ["body"], f"the body is not valid JSON: {e}", "json_invalid") from None


def _too_large(max_bytes: int) -> ApiError:
    return ApiError(413, ["body"], f"the body is larger than {max_bytes:,} bytes", "body_too_large")


def _declared_length(request: Request) -> int:
    length = request.headers.get("content-length", "").strip()
    return int(length) if length.isdigit() else 0


async def read_body(request: Request, max_bytes: int) -> bytes:
    """The raw body, counted as it arrives (a chunked body has no Content-Length): 413 once over max_bytes."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise _too_large(max_bytes)
        chunks.append(chunk)
    return b"".join(chunks)


class _ParsedRequest(Request):
    """A request whose body was read and parsed by StrictJSONRoute."""

    def __init__(self, request: Request, body: bytes, data: Any):
        super().__init__(request.scope, request.receive)
        self._raw_body, self._parsed = body, data

    async def body(self) -> bytes:
        return self._raw_body

    async def json(self) -> Any:
        return self._parsed


def _is_json_media_type(content_type: str | None) -> bool:
    return content_type is not None and content_type.split(";", 1)[0].strip().lower() == "application/json"


class StrictJSONRoute(APIRoute):
    """An APIRoute whose JSON body is read and parsed strictly before FastAPI validates it.

    FastAPI then validates the parsed value with the route's pydantic body
    model as usual, so /docs and /openapi.json show the request bodies.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        if self.body_field is None:
            return handler

        async def strict_handler(request: Request) -> Response:
            settings = _settings(request)
            if _declared_length(request) > settings.max_body_bytes:  # refused before reading
                raise _too_large(settings.max_body_bytes)
            if not _is_json_media_type(request.headers.get("content-type")):
                raise ApiError(422, ["header", "content-type"], "Content-Type must be application/json",
                               "content_type")
            body = await read_body(request, settings.max_body_bytes)
            if len(body) > THREAD_PARSE_BYTES:
                data = await run_in_threadpool(parse_json_body, body, settings)
            else:
                data = parse_json_body(body, settings)
            return await handler(_ParsedRequest(request, body, data))

        return strict_handler


# ------------------------------------------------------------------ error handling

def _detail(loc, msg: str, type: str) -> dict:
    return {"loc": list(loc), "msg": msg, "type": type}


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    # FastAPI's default handler also sends "input" (the value sent) and "ctx":
    # only loc, msg and type are kept, so an error never echoes the request.
    detail = [_detail(e.get("loc", ()), e.get("msg", "invalid value"), e.get("type", "value_error"))
              for e in exc.errors()]
    return JSONResponse(status_code=422, content={"detail": detail})


async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
    return JSONResponse(status_code=exc.status, content={"detail": [_detail(exc.loc, exc.msg, exc.type)]},
                        headers=exc.headers)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(ApiError, _api_error)

"""/api/v1: stateless forward, backward and step, model creation, datasets.

A thin router: pydantic (app/schemas.py) checks types and shapes, app/nn does
the math. What lives here is web-specific:

* ``StrictJSONRoute`` reads and parses a JSON body itself, before FastAPI does:
  Content-Type, body size, nesting depth and the count of numbers are checked
  on the raw bytes, then the body is parsed with NaN/Infinity read as
  non-finite floats (and 1e400 as inf), so that pydantic's finite-number check
  refuses them with a ``loc`` naming the element, e.g. ["body", "X", 0, 1].
* the limits that come from Settings (widths, layer count, request numbers);
* the error handlers: every error is ``{"detail": [{"loc", "msg", "type"}]}``
  and never echoes the input.
"""
from __future__ import annotations

import re
from typing import Any, Callable, Coroutine

import numpy as np
from fastapi import APIRouter, Depends, FastAPI, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic_core import from_json
from starlette.concurrency import run_in_threadpool

from .. import datasets
from ..config import Settings, get_settings
from ..inside import model_payload
from ..nn import Network, example_losses, r2_score, regularize, softmax
from ..schemas import (
    BackwardRequest,
    BackwardResponse,
    CreateModelRequest,
    CreateModelResponse,
    DatasetList,
    DatasetPoints,
    ForwardRequest,
    ForwardResponse,
    ModelParams,
    SessionModel,
    StepRequest,
    StepResponse,
)

# A forward pass returns N·(ΣH + C) hidden values and scores (and as many
# probabilities): a small request can ask for a huge answer (10⁵ rows through
# a 1024-wide layer). The answer may hold this many times max_request_numbers.
RESPONSE_FACTOR = 5
# Bodies larger than this are parsed in a worker thread, not on the event loop.
THREAD_PARSE_BYTES = 64 * 1024


class ApiError(Exception):
    """An error answered as {"detail": [{"loc", "msg", "type"}]} with ``status``."""

    def __init__(self, status: int, loc: tuple | list, msg: str, type: str = "value_error"):
        super().__init__(msg)
        self.status, self.loc, self.msg, self.type = status, list(loc), msg, type


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
    return JSONResponse(status_code=exc.status, content={"detail": [_detail(exc.loc, exc.msg, exc.type)]})


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(ApiError, _api_error)


# ------------------------------------------------------------------ limits

def _check_model_limits(model: ModelParams, settings: Settings, loss: str = "softmax") -> None:
    """Layer count and widths (Settings: the REST limits); a regression (mse) model may have 1 output."""
    loc = ("body", "model", "layers")
    hidden = len(model.layers) - 1
    if hidden > settings.max_hidden_layers:
        raise ApiError(422, loc, f"the model has too many hidden layers: at most {settings.max_hidden_layers}",
                       "too_many_layers")
    first = model.layers[0]
    if first.inputs > settings.max_input_width:
        raise ApiError(422, loc + (0, "W"), "layers[0].W has too many rows: the input width is "
                       f"1 to {settings.max_input_width}", "width")
    for i, layer in enumerate(model.layers[:-1]):
        if layer.outputs > settings.max_hidden_width:
            raise ApiError(422, loc + (i, "W"), f"layers[{i}].W has too many columns: a hidden layer "
                           f"has 1 to {settings.max_hidden_width} units", "width")
    last = len(model.layers) - 1
    classes = model.layers[-1].outputs
    least, what = (1, "outputs") if loss == "mse" else (2, "classes")
    if not least <= classes <= settings.max_output_width:
        raise ApiError(422, loc + (last, "W"), f"layers[{last}].W has too {'few' if classes < least else 'many'} "
                       f"columns: the output layer has {least} to {settings.max_output_width} {what}", "width")


def _check_request(req: ForwardRequest, settings: Settings) -> None:
    limit = settings.max_request_numbers
    if req.count > limit:
        raise ApiError(413, ["body"], f"the request holds more than {limit:,} numbers (X, y and the model "
                       "together)", "too_many_numbers")
    _check_model_limits(req.model, settings, req.loss)
    rows = len(req.X)
    answer = rows * sum(req.model.sizes[1:])
    if answer > RESPONSE_FACTOR * limit:
        raise ApiError(413, ["body", "X"], f"the answer would hold more than {RESPONSE_FACTOR * limit:,} hidden "
                       "values and scores (rows of X times the widths of the layers): send fewer rows or a "
                       "narrower model", "response_too_large")


# ------------------------------------------------------------------ the math

# Overflow, inf − inf and division by zero raise FloatingPointError instead of
# warning and returning inf/nan; underflow to 0 is harmless (exp of a very
# negative score) and stays silent.
_STRICT_FLOATS = dict(over="raise", invalid="raise", divide="raise", under="ignore")


def _all_finite(*arrays) -> bool:
    return all(np.isfinite(a).all() for a in arrays)


class _NotFinite(Exception):
    pass


def _forward_values(req: ForwardRequest, with_grads: bool) -> tuple[dict, Network, Any]:
    """The forward fields (and the LossResult when with_grads) of a request."""
    net = Network(req.model.layer_arrays(), req.model.activation)
    X, y = req.X_array, req.y_array
    try:
        with np.errstate(**_STRICT_FLOATS):
            result = None
            if with_grads:
                result = net.loss(X, y, req.loss, req.reg, req.margin, need_dx=True,
                                  regularization=req.regularization)
                scores, hidden = result.scores, result.hidden
                per_example, data, reg = result.per_example, result.data_loss, result.reg_loss
            else:
                scores, cache = net.forward(X)
                hidden = Network.hidden(cache)
                if y is not None:
                    per_example = example_losses(req.loss, scores, y, req.margin)
                    data = float(per_example.mean())
                    reg = float(regularize(req.regularization, net.weights, req.reg)[0]) if req.reg else 0.0
            probs = softmax(scores)
            values = [scores, probs, *hidden]
            if y is not None:
                total = data + reg
                r2 = r2_score(scores, y) if req.loss == "mse" else 0.0
                values += [per_example, np.array([data, reg, total, r2])]
            if result is not None:
                values += [g for pair in result.grads for g in pair] + [result.dX]
    except FloatingPointError:
        raise _NotFinite from None
    if not _all_finite(*values):
        raise _NotFinite
    predictions = scores.argmax(axis=1)
    out = {
        "scores": scores.tolist(),
        "probs": probs.tolist(),
        "hidden": [h.tolist() for h in hidden],
        "predictions": predictions.tolist(),
    }
    if y is not None:
        out["loss"] = {"data": data, "reg": reg, "total": total}
        out["per_example_loss"] = per_example.tolist()
        if req.loss == "mse":
            out["r2"] = r2
        else:
            out["accuracy"] = float(np.mean(predictions == y))
    return out, net, result


_NOT_FINITE_MODEL = ("the result is not finite: the forward or backward pass overflowed float64 "
                     "(the weights or X are too large)")


def _grads_out(result) -> dict:
    return {"layers": [{"W": dW.tolist(), "b": db.tolist()} for dW, db in result.grads],
            "X": result.dX.tolist()}


def _model_out(net: Network) -> dict:
    return {"activation": net.activation,
            "layers": [{"W": W.tolist(), "b": b.tolist()} for W, b in net.layers]}


# ------------------------------------------------------------------ endpoints

router = APIRouter(prefix="/api/v1", tags=["api v1"], route_class=StrictJSONRoute)

_ERRORS = {
    413: {"description": "the body or the request's numbers are over the limit"},
    422: {"description": "a field is missing, has the wrong type, shape or range, or the result is not finite"},
}


def _checked_forward(req, settings, with_grads):
    """The request's limits checked, then the forward (and backward) values;
    a result that is not finite answers 422 naming the model."""
    _check_request(req, settings)
    try:
        return _forward_values(req, with_grads=with_grads)
    except _NotFinite:
        raise ApiError(422, ["body", "model"], _NOT_FINITE_MODEL, "not_finite") from None


@router.post("/forward", response_model=ForwardResponse, response_model_exclude_none=True, responses=_ERRORS,
             summary="Scores, probabilities and hidden activations (and the loss, with y)")
def forward(req: ForwardRequest, settings: Settings = Depends(_settings)):
    out, _, _ = _checked_forward(req, settings, with_grads=False)
    return out


@router.post("/backward", response_model=BackwardResponse, response_model_exclude_none=True, responses=_ERRORS,
             summary="The forward fields plus the gradients of the total loss")
def backward(req: BackwardRequest, settings: Settings = Depends(_settings)):
    out, _, result = _checked_forward(req, settings, with_grads=True)
    out["grads"] = _grads_out(result)
    return out


@router.post("/step", response_model=StepResponse, responses=_ERRORS,
             summary="One plain SGD step: θ ← θ − learning_rate · ∂total/∂θ")
def step(req: StepRequest, settings: Settings = Depends(_settings)):
    out, net, result = _checked_forward(req, settings, with_grads=True)
    grads = [g for pair in result.grads for g in pair]
    try:
        with np.errstate(**_STRICT_FLOATS):
            new = [p - req.learning_rate * g for p, g in zip(net.params, grads)]
    except FloatingPointError:
        new = None
    if new is None or not _all_finite(*new):
        raise ApiError(422, ["body", "learning_rate"], "the result is not finite: the updated model overflowed "
                       "float64 (learning_rate times the gradient is too large)", "not_finite")
    updated = Network(list(zip(new[0::2], new[1::2])), net.activation)
    return {"model": _model_out(updated), "loss": out["loss"], "grads": _grads_out(result)}


@router.post("/models", response_model=CreateModelResponse, responses=_ERRORS,
             summary="A new model with random weights (and zero biases)")
def create_model(req: CreateModelRequest, settings: Settings = Depends(_settings)):
    sizes = req.sizes
    hidden = len(sizes) - 2
    if hidden > settings.max_hidden_layers:
        raise ApiError(422, ["body", "sizes"], f"sizes has too many hidden widths: at most "
                       f"{settings.max_hidden_layers}", "too_many_layers")
    last = len(sizes) - 1
    for i, size in enumerate(sizes):
        if i == 0:
            low, high, what = 1, settings.max_input_width, "the input width"
        elif i == last:
            low, high, what = 2, settings.max_output_width, "the output width (classes)"
        else:
            low, high, what = 1, settings.max_hidden_width, "a hidden width"
        if not low <= size <= high:
            raise ApiError(422, ["body", "sizes", i], f"sizes[{i}] is out of range: {what} is {low} to {high}",
                           "width")
    count = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))
    if count > settings.max_request_numbers:
        raise ApiError(422, ["body", "sizes"], f"this model would hold more than {settings.max_request_numbers:,} "
                       "numbers, the most a request may hold, so it could not be sent back", "too_many_numbers")
    net = Network.create(sizes, req.activation, req.init, req.seed)
    return {"model": _model_out(net)}


def _parameters(spec: datasets.DatasetSpec, settings: Settings) -> dict:
    return {
        "n": {"default": 300, "min": max(1, spec.min_classes), "max": settings.max_dataset_points},
        "classes": {"default": spec.default_classes, "min": spec.min_classes, "max": spec.max_classes},
        "noise": {"default": spec.default_noise, "min": 0.0, "max": spec.max_noise},
        "seed": {"default": 0, "min": 0, "max": None},
        "test_fraction": {"default": 0.2, "min": 0.0, "max": datasets.MAX_TEST_FRACTION},
    }


@router.get("/datasets", response_model=DatasetList, summary="Every dataset with its parameters")
def list_datasets(settings: Settings = Depends(_settings)):
    return {"datasets": [
        {"name": spec.name, "description": spec.description, "parameters": _parameters(spec, settings)}
        for spec in datasets.DATASETS.values()
    ]}


_DATASET_PARAMETERS = ("n", "classes", "noise", "seed", "test_fraction")


@router.get("/datasets/{name}", response_model=DatasetPoints,
            responses={404: {"description": "unknown dataset"}, 422: {"description": "a parameter is out of range"}},
            summary="The points of one dataset")
def get_dataset(
    name: str = Path(description="one of the names GET /api/v1/datasets lists"),
    n: int = Query(300, description="total points, split evenly across the classes"),
    classes: int | None = Query(None, description="default: the dataset's"),
    noise: float | None = Query(None, description="default: the dataset's"),
    seed: int = Query(0),
    test_fraction: float = Query(0.2, description="the fraction of the points held out"),
    settings: Settings = Depends(_settings),
):
    if name not in datasets.DATASETS:
        raise ApiError(404, ["path", "name"], "unknown dataset: expected one of "
                       + ", ".join(datasets.DATASETS), "not_found")
    if not 1 <= n <= settings.max_dataset_points:
        raise ApiError(422, ["query", "n"], f"n must be between 1 and {settings.max_dataset_points}", "out_of_range")
    try:
        ds = datasets.make_dataset(name, n=n, classes=classes, noise=noise, seed=seed, test_fraction=test_fraction)
    except ValueError as e:
        message = str(e)
        field = next((p for p in _DATASET_PARAMETERS if message.startswith(p + " ")), None)
        raise ApiError(422, ["query", field] if field else ["query"], message, "out_of_range") from None
    return {"X": ds.X.tolist(), "y": ds.y.tolist(), "test": ds.test.tolist(), "classes": ds.classes,
            "task": ds.task}


def _session_model(training):
    with training.lock:
        return {"step": training.step_count, "features": list(training.config.features),
                "model": model_payload(training.net)}


@router.get("/sessions/{session_id}/model", response_model=SessionModel,
            responses={404: {"description": "no live session has this id"}},
            summary="The network of a live session, as it is now (a REST v1 model)")
async def session_model(request: Request, session_id: str = Path(description="the `session` of its hello")):
    live = request.app.state.sessions.sessions.get(session_id)
    if live is None:
        raise ApiError(404, ["path", "session_id"], "no live session has this id", "not_found")
    out = await run_in_threadpool(_session_model, live.training)
    return {"session": session_id, **out}

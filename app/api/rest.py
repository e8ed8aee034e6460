"""/api/v1: stateless forward, backward and step, model creation, datasets.

A thin router: pydantic (app/schemas.py) checks types and shapes, app/nn does
the math (through app/inference.py for the forward pass); strict JSON bodies
and the error format are app/api/strict.py's. What lives here: the limits that
come from the app's Settings (widths, layer count, request numbers) and the
endpoints.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from fastapi import APIRouter, Depends, Path, Query, Request
from starlette.concurrency import run_in_threadpool

from .. import datasets
from .rest_limits import answer_numbers, check_answer, check_request, forward_work, step_answer_numbers
from .strict import ApiError, StrictJSONRoute, _settings, install_error_handlers  # noqa: F401
from .work import is_light, run_heavy
from ..config import Settings
from ..inference import infer
from ..nn import Network, r2_score, softmax
from ..schemas import (
    BackwardRequest,
    BackwardResponse,
    CreateModelRequest,
    CreateModelResponse,
    DatasetList,
    DatasetPoints,
    ForwardRequest,
    ForwardResponse,
    SessionModel,
    StepRequest,
    StepResponse,
)

# ------------------------------------------------------------------ the math

# Overflow, inf − inf and division by zero raise FloatingPointError instead of
# warning and returning inf/nan; underflow to 0 is harmless (exp of a very
# negative score) and stays silent.
_STRICT_FLOATS = dict(over="raise", invalid="raise", divide="raise", under="ignore")


def _all_finite(*arrays) -> bool:
    return all(np.isfinite(a).all() for a in arrays)


class _NotFinite(Exception):
    pass


def _forward_values(req: ForwardRequest, with_grads: bool, with_hidden: bool = True) -> tuple[dict, Network, Any]:
    """The forward fields (and the LossResult when with_grads) of a request; the
    hidden activations only ``with_hidden``."""
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
                res = infer(net, X, y, req.loss, req.reg, req.margin, req.regularization)
                scores, hidden = res.scores, res.hidden
                per_example, data, reg = res.per_example, res.data, res.reg
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
        "predictions": predictions.tolist(),
    }
    if with_hidden:
        out["hidden"] = [h.tolist() for h in hidden]
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
    413: {"description": "the body, the request's numbers or the answer's are over the limit"},
    503: {"description": "the REST workers and their queue are full: try again after Retry-After seconds"},
    422: {"description": "a field is missing, has the wrong type, shape or range, or the result is not finite"},
}


def _checked_forward(req, with_grads, hidden=True):
    """The forward (and backward) values of a request whose limits were checked;
    a result that is not finite answers 422 naming the model."""
    try:
        return _forward_values(req, with_grads=with_grads, with_hidden=hidden)
    except _NotFinite:
        raise ApiError(422, ["body", "model"], _NOT_FINITE_MODEL, "not_finite") from None


_HIDDEN = Query(True, description="false (or 0) leaves `hidden` out of the answer: for many rows through "
                "wide layers the hidden activations are most of it")


def _check_sizes(req, settings, hidden, grads=False) -> bool:
    """The request's limits, then its answer's size (413 naming `hidden` or X);
    whether it is light (app/api/work.py)."""
    check_request(req, settings)
    numbers = answer_numbers(req, hidden, grads)
    check_answer(numbers, settings, hidden, answer_numbers(req, False, grads))
    return is_light(numbers, forward_work(req))


def _forward_answer(req, hidden):
    return _checked_forward(req, with_grads=False, hidden=hidden)[0]


@router.post("/forward", response_model=ForwardResponse, response_model_exclude_none=True, responses=_ERRORS,
             summary="Scores, probabilities and hidden activations (and the loss, with y)")
async def forward(request: Request, req: ForwardRequest, settings: Settings = Depends(_settings),
                  hidden: bool = _HIDDEN):
    light = _check_sizes(req, settings, hidden)
    return await run_heavy(request, _forward_answer, req, hidden, light=light)


def _backward_answer(req, hidden):
    out, _, result = _checked_forward(req, with_grads=True, hidden=hidden)
    out["grads"] = _grads_out(result)
    return out


@router.post("/backward", response_model=BackwardResponse, response_model_exclude_none=True, responses=_ERRORS,
             summary="The forward fields plus the gradients of the total loss")
async def backward(request: Request, req: BackwardRequest, settings: Settings = Depends(_settings),
                   hidden: bool = _HIDDEN):
    light = _check_sizes(req, settings, hidden, grads=True)
    return await run_heavy(request, _backward_answer, req, hidden, light=light)


@router.post("/step", response_model=StepResponse, responses=_ERRORS,
             summary="One plain SGD step: θ ← θ − learning_rate · ∂total/∂θ")
async def step(request: Request, req: StepRequest, settings: Settings = Depends(_settings)):
    check_request(req, settings)
    answer = step_answer_numbers(req)
    check_answer(answer, settings, False, answer)
    return await run_heavy(request, _step_answer, req, light=is_light(answer, forward_work(req)))


def _step_answer(req):
    out, net, result = _checked_forward(req, with_grads=True, hidden=False)
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


def _max_n(spec: datasets.DatasetSpec, settings: Settings) -> int:
    """The most points a dataset answers: the app's limit, or fewer if it has fewer (the digits)."""
    return min(spec.max_n or settings.max_dataset_points, settings.max_dataset_points)


def _parameters(spec: datasets.DatasetSpec, settings: Settings) -> dict:
    return {
        "n": {"default": spec.default_n, "min": max(1, spec.min_classes),
              "max": _max_n(spec, settings)},
        "classes": {"default": spec.default_classes, "min": spec.min_classes, "max": spec.max_classes},
        "noise": {"default": spec.default_noise, "min": 0.0, "max": spec.max_noise},
        "seed": {"default": 0, "min": 0, "max": None},
        "test_fraction": {"default": 0.2, "min": 0.0, "max": datasets.MAX_TEST_FRACTION},
    }


@router.get("/datasets", response_model=DatasetList, response_model_exclude_unset=True,
            summary="Every dataset with its parameters")
def list_datasets(settings: Settings = Depends(_settings)):
    return {"datasets": [
        {"name": spec.name, "description": spec.description, "kind": spec.kind,
         "parameters": _parameters(spec, settings), **spec.image_fields()}
        for spec in datasets.DATASETS.values()
    ]}


_DATASET_PARAMETERS = ("n", "classes", "noise", "seed", "test_fraction")


@router.get("/datasets/{name}", response_model=DatasetPoints, response_model_exclude_unset=True,
            responses={404: {"description": "unknown dataset"}, 422: {"description": "a parameter is out of range"}},
            summary="The points of one dataset")
def get_dataset(
    name: str = Path(description="one of the names GET /api/v1/datasets lists"),
    n: int | None = Query(None, description="total points (images), split evenly across the classes; "
                          "default 300, for an image set all digits or 1,000 shapes"),
    classes: int | None = Query(None, description="default: the dataset's"),
    noise: float | None = Query(None, description="default: the dataset's"),
    seed: int = Query(0),
    test_fraction: float = Query(0.2, description="the fraction of the points held out"),
    only_test: bool = Query(False, description="answer only the held-out points (an image set's test "
                            "images: a fifth of the bytes)"),
    settings: Settings = Depends(_settings),
):
    if name not in datasets.DATASETS:
        raise ApiError(404, ["path", "name"], "unknown dataset: expected one of "
                       + ", ".join(datasets.DATASETS), "not_found")
    spec = datasets.DATASETS[name]
    n = spec.default_n if n is None else n
    max_n = _max_n(spec, settings)
    if not 1 <= n <= max_n:
        raise ApiError(422, ["query", "n"], f"n must be between 1 and {max_n}", "out_of_range")
    try:
        ds = datasets.make_dataset(name, n=n, classes=classes, noise=noise, seed=seed, test_fraction=test_fraction,
                                   max_points=settings.max_dataset_points)
    except ValueError as e:
        message = str(e)
        field = next((p for p in _DATASET_PARAMETERS if message.startswith(p + " ")), None)
        raise ApiError(422, ["query", field] if field else ["query"], message, "out_of_range") from None
    keep = ds.test if only_test else slice(None)
    return {"X": ds.X[keep].tolist(), "y": ds.y[keep].tolist(), "test": ds.test[keep].tolist(),
            "classes": ds.classes,
            **({"task": ds.task} if ds.task == "regression" else {}), **spec.image_fields()}



def _session_model(training):
    with training.lock:
        return {"step": training.step_count, "features": list(training.config.features),
                "model": training.model()}


@router.get("/sessions/{session_id}/model", response_model=SessionModel,
            responses={404: {"description": "no live session has this id"}},
            summary="The network of a live session, as it is now (a REST v1 model)")
async def session_model(request: Request, session_id: str = Path(description="the `session` of its hello")):
    live = request.app.state.sessions.sessions.get(session_id)
    if live is None:
        raise ApiError(404, ["path", "session_id"], "no live session has this id", "not_found")
    out = await run_in_threadpool(_session_model, live.training)
    return {"session": session_id, **out}

"""Pydantic models for every REST request and response and every WebSocket message."""
from __future__ import annotations

from dataclasses import dataclass as _dataclass
from functools import lru_cache as _lru_cache
from typing import Annotated, Literal, Optional, Union

import numpy as _np
from pydantic import BaseModel, ConfigDict, Field, Strict
from pydantic import PrivateAttr as _PrivateAttr
from pydantic import TypeAdapter as _TypeAdapter
from pydantic import ValidationInfo as _ValidationInfo
from pydantic import WithJsonSchema as _WithJsonSchema
from pydantic import field_validator as _field_validator
from pydantic_core import PydanticCustomError as _FieldError

from .config import Settings
from .view_schemas import Health, Neurons
from .names import (ActivationName, DatasetName, InitName, LossName, OptimizerName,  # noqa: F401 (re-exported)
                    RegularizerName)



# ---- REST API v1 ----
# Bodies of /api/v1 (docs/api.md). A request is checked in two passes:
# pydantic checks every value's type and each array's shape here, so an error's
# `loc` names the field down to the element ("X", 0, 1); app/api/rest.py then
# checks the limits that come from Settings (widths, layer count, sizes).
# Arrays are validated by pydantic-core (Rust) as lists of strict finite floats
# and converted to float64 NumPy arrays once, in `model_post_init`.


# A JSON number that fits a float64: ints are taken, booleans, strings, null,
# NaN, ±Infinity and overflowing literals (1e400, parsed as inf) are refused.
Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]
Matrix = list[list[Number]]


# y: class labels for softmax/svm; real targets (N,) or (N, K) for mse. Checked
# by ForwardRequest._y_values once the loss is known (its element types depend on it).
Targets = Annotated[
    list[Union[Number, list[Number]]],
    _WithJsonSchema({"type": "array", "description": "softmax/svm: class labels 0..C-1, one per row of X; "
                     "mse: real targets, (N,) for one output or (N, K) for K outputs",
                     "items": {"anyOf": [{"type": "number"}, {"type": "array", "items": {"type": "number"}}]}}),
]


def _check_targets(y: list, outputs: Optional[int]) -> list:
    """mse targets: all reals (N,), for one output, or all rows of K reals (N, K)."""
    if all(type(v) is list for v in y):
        for i, row in enumerate(y):
            if outputs is not None and len(row) != outputs:
                raise _FieldError("shape_mismatch", f"y[{i}] has {len(row)} targets but the last layer has "
                                  f"{outputs} outputs")
        return y
    bad = next((i for i, v in enumerate(y) if type(v) is list), None)
    if bad is not None:
        raise _FieldError("shape_mismatch", f"y[{bad}] is a list but y[0] is a number: send all numbers (N,) "
                          "or all rows (N, K)")
    if outputs is not None and outputs != 1:
        raise _FieldError("shape_mismatch", f"y has one target per row but the last layer has {outputs} "
                          "outputs: send y as rows of that many targets")
    return y


def _check_matrix(rows: list, name: str) -> list:
    """At least one row and one column, and every row as long as the first."""
    if not rows:
        raise _FieldError("empty", f"{name} is empty: it needs at least one row")
    width = len(rows[0])
    if width == 0:
        raise _FieldError("empty", f"{name} rows are empty: they need at least one column")
    if len(set(map(len, rows))) != 1:
        raise _FieldError("ragged", f"{name} rows have different lengths (ragged)")
    return rows


class LayerParams(BaseModel):
    """One affine layer, out = h @ W + b."""

    W: Matrix = Field(description="weights, shape (in, out): one row per input, one column per output")
    b: list[Number] = Field(description="biases, shape (out,)")

    _W: _np.ndarray = _PrivateAttr()
    _b: _np.ndarray = _PrivateAttr()

    @_field_validator("W")
    @classmethod
    def _w_shape(cls, W: list) -> list:
        return _check_matrix(W, "W")

    @_field_validator("b")
    @classmethod
    def _b_shape(cls, b: list, info: _ValidationInfo) -> list:
        W = info.data.get("W")
        if W is not None and len(b) != len(W[0]):
            raise _FieldError("shape_mismatch", f"b has {len(b)} values but W has {len(W[0])} columns")
        return b

    def model_post_init(self, context) -> None:
        self._W = _np.asarray(self.W, dtype=_np.float64)
        self._b = _np.asarray(self.b, dtype=_np.float64)

    @property
    def inputs(self) -> int:
        return len(self.W)

    @property
    def outputs(self) -> int:
        return len(self.W[0])

    @property
    def arrays(self) -> tuple:
        """(W, b) as float64 arrays."""
        return self._W, self._b


class ModelParams(BaseModel):
    """A fully connected network: affine layers with `activation` between them."""

    activation: ActivationName = Field("relu", description="applied after every layer but the last")
    layers: list[LayerParams] = Field(
        min_length=1, description="one or more affine layers (0 to 5 hidden), input to output")

    @_field_validator("layers")
    @classmethod
    def _chained(cls, layers: list) -> list:
        for i in range(1, len(layers)):
            rows, prev = layers[i].inputs, layers[i - 1].outputs
            if rows != prev:
                raise _FieldError(
                    "shape_mismatch", f"layers[{i}].W has {rows} rows but layer {i - 1} outputs {prev} values")
        return layers

    @property
    def sizes(self) -> list[int]:
        """[D, H_1, ..., C]."""
        return [self.layers[0].inputs] + [layer.outputs for layer in self.layers]

    @property
    def count(self) -> int:
        """How many numbers the model holds (weights and biases)."""
        return sum(layer.inputs * layer.outputs + layer.outputs for layer in self.layers)

    def layer_arrays(self) -> list[tuple]:
        """[(W, b), ...] as float64 arrays."""
        return [layer.arrays for layer in self.layers]


class ForwardRequest(BaseModel):
    """A model and a batch of inputs, with optional labels for the loss."""

    model: ModelParams
    X: Matrix = Field(description="inputs, shape (N, D): one row per example")
    # loss comes before y: y's element types depend on it (pydantic validates in this order)
    loss: LossName = Field("softmax", description="softmax or svm (classification); mse (regression): "
                           "1/(2N) Σᵢ Σₖ (sᵢₖ − yᵢₖ)²")
    y: Optional[Targets] = None
    reg: float = Field(0.0, ge=0, le=100, strict=True, allow_inf_nan=False,
                       description="λ in λR(W) (weights only)")
    regularization: RegularizerName = Field("l2", description="R(W): l2 = Σ W² (gradient 2λW), "
                                               "l1 = Σ |W| (gradient λ·sign W)")
    margin: float = Field(1.0, ge=0, le=100, strict=True, allow_inf_nan=False,
                          description="Δ of the svm loss")

    _X: _np.ndarray = _PrivateAttr()
    _y: Optional[_np.ndarray] = _PrivateAttr(None)

    @_field_validator("X")
    @classmethod
    def _x_shape(cls, X: list, info: _ValidationInfo) -> list:
        _check_matrix(X, "X")
        model = info.data.get("model")
        if model is not None and len(X[0]) != model.layers[0].inputs:
            raise _FieldError(
                "shape_mismatch",
                f"X has {len(X[0])} columns but layers[0].W has {model.layers[0].inputs} rows")
        return X

    @_field_validator("y")
    @classmethod
    def _y_values(cls, y: Optional[list], info: _ValidationInfo) -> Optional[list]:
        if y is None or "loss" not in info.data:
            return y
        X = info.data.get("X")
        if X is not None and len(y) != len(X):
            raise _FieldError("shape_mismatch", f"y has {len(y)} values but X has {len(X)} rows")
        model = info.data.get("model")
        if info.data["loss"] == "mse":
            return _check_targets(y, model.layers[-1].outputs if model is not None else None)
        bad = next((i for i, v in enumerate(y) if type(v) is list), None)
        if bad is not None:
            raise _FieldError("int_type", f"y[{bad}] must be an integer (a class index), not a list")
        labels = _np.asarray(y, dtype=_np.float64)
        bad = _np.flatnonzero(labels != _np.floor(labels))
        if bad.size:
            raise _FieldError("int_type", f"y[{bad[0]}] must be an integer (a class index)")
        bad = _np.flatnonzero(labels < 0)
        if bad.size:
            raise _FieldError("out_of_range", f"y[{bad[0]}] is negative: labels are class indices from 0")
        model = info.data.get("model")
        if model is not None:
            classes = model.layers[-1].outputs
            bad = _np.flatnonzero(labels >= classes)
            if bad.size:
                raise _FieldError(
                    "out_of_range",
                    f"y[{bad[0]}] is out of range: labels must be between 0 and {classes - 1}, "
                    "one per output of the last layer")
        return y

    def model_post_init(self, context) -> None:
        self._X = _np.asarray(self.X, dtype=_np.float64)
        if self.y is not None:
            y = _np.asarray(self.y, dtype=_np.float64)
            self._y = y if self.loss == "mse" else y.astype(_np.int64)

    @property
    def X_array(self) -> _np.ndarray:
        return self._X

    @property
    def y_array(self) -> Optional[_np.ndarray]:
        return self._y

    @property
    def count(self) -> int:
        """Numbers in X, y and the model together (the request-size limit counts these)."""
        targets = 0 if self.y is None else len(self.y) * (len(self.y[0]) if type(self.y[0]) is list else 1)
        return len(self.X) * len(self.X[0]) + targets + self.model.count


class BackwardRequest(ForwardRequest):
    """As for /forward, with the labels (or targets) required."""

    y: Targets


class StepRequest(BackwardRequest):
    """As for /backward, plus the learning rate of one plain SGD step."""

    learning_rate: float = Field(gt=0, le=100, strict=True, allow_inf_nan=False,
                                 description="θ ← θ − learning_rate · ∂total/∂θ")


class LayerValues(BaseModel):
    """A layer's W (in, out) and b (out,), or their gradients."""

    W: list[list[float]]
    b: list[float]


class ModelValues(BaseModel):
    activation: ActivationName
    layers: list[LayerValues]


class LossBreakdown(BaseModel):
    """data: mean of the per-example losses; reg: λ Σ W²; total: data + reg."""

    data: float
    reg: float
    total: float


class Gradients(BaseModel):
    """∂total/∂(every W and b), including 2λW, and ∂total/∂X (N, D)."""

    layers: list[LayerValues]
    X: list[list[float]]


class ForwardResponse(BaseModel):
    scores: list[list[float]] = Field(description="(N, C): the last layer's output")
    probs: list[list[float]] = Field(description="(N, C): softmax(scores), whatever the loss")
    hidden: list[list[list[float]]] = Field(description="each hidden layer's output (N, H) after the activation")
    predictions: list[int] = Field(description="argmax of each row of scores")
    loss: Optional[LossBreakdown] = Field(None, description="only with y")
    per_example_loss: Optional[list[float]] = Field(
        None, description="only with y: the N data-loss terms, without reg; their mean is loss.data")
    accuracy: Optional[float] = Field(None, description="only with y, softmax/svm: the fraction of predictions "
                                      "equal to y")
    r2: Optional[float] = Field(None, description="only with y, mse: R² = 1 − Σ(s − y)² / Σ(y − ȳ)²")


class BackwardResponse(ForwardResponse):
    loss: LossBreakdown
    per_example_loss: list[float]
    grads: Gradients


class StepResponse(BaseModel):
    model: ModelValues = Field(description="the model after one SGD step")
    loss: LossBreakdown = Field(description="the loss of the model as sent, before the step")
    grads: Gradients = Field(description="the gradients the step used")


class CreateModelRequest(BaseModel):
    sizes: list[Annotated[int, Field(strict=True)]] = Field(
        min_length=2, description="[D, H_1, ..., C]: input width, hidden widths, classes", examples=[[2, 100, 3]])
    activation: ActivationName = "relu"
    init: InitName = Field("small", description="small: 0.01·N(0,1); xavier: N(0, 1/fan_in); he: N(0, 2/fan_in)")
    seed: int = Field(0, ge=0, le=2**64 - 1, strict=True)


class CreateModelResponse(BaseModel):
    model: ModelValues


class LiveLayerValues(BaseModel):
    """A live layer's W and b: null where a diverged network holds a non-finite number."""

    W: list[list[Optional[float]]]
    b: list[Optional[float]]


class LiveModelValues(BaseModel):
    activation: ActivationName
    layers: list[LiveLayerValues]


class SessionModel(BaseModel):
    """A live session's network now: its inputs are `features` of each point (x1, x2)."""

    session: str
    step: int
    features: list[str]
    model: LiveModelValues


class ParameterRange(BaseModel):
    """A query parameter's default and its range (null: no default / no bound)."""

    default: int | float | None = None
    min: int | float | None = None
    max: int | float | None = None


class DatasetInfo(BaseModel):
    name: str
    description: str
    kind: Literal["points", "image"] = Field("points", description="2-D points, or images (one per row of X)")
    parameters: dict[str, ParameterRange] = Field(
        description="the query parameters of GET /api/v1/datasets/{name}: default and range")
    image_shape: Optional[list[int]] = Field(None, description="an image set's [height, width, channels]")
    class_names: Optional[list[str]] = Field(None, description="an image set's class names, class 0 first")


class DatasetList(BaseModel):
    datasets: list[DatasetInfo]


class DatasetPoints(BaseModel):
    X: list[list[float]] = Field(description="(N, 2) points; for an image set (N, H·W·Ch) values in [0, 1], "
                                 "each row an image in (height, width, channel) C order")
    y: Union[list[int], list[float]] = Field(description="(N,) labels; for a regression dataset real targets "
                                             "in [-1, 1]")
    test: list[bool] = Field(description="(N,) True for a held-out point")
    classes: int = Field(description="regression: 1 (one output)")
    task: Optional[str] = Field(None, description="regression datasets: \"regression\" (real targets)")
    image_shape: Optional[list[int]] = Field(None, description="an image set's [height, width, channels]")
    class_names: Optional[list[str]] = Field(None, description="an image set's class names, class 0 first")


# ---- WebSocket session messages ----
# Models for the /ws/session protocol (docs/protocol.md shows a real example of
# each). The server builds its frames as plain dicts for speed; tests validate
# real messages against these models.


# Client values are taken as sent: a string "0.5" or `true` where a number
# belongs is refused, not converted (an int is a fine float, 2.0 is not an int).
SInt = Annotated[int, Strict()]
SFloat = Annotated[float, Strict(), Field(allow_inf_nan=False)]
SBool = Annotated[bool, Strict()]
Coordinate = Annotated[SFloat, Field(ge=-1e6, le=1e6)]


@_dataclass(frozen=True)
class SessionBounds:
    """The limits of Settings that bound a session's config and its messages."""

    max_points: int
    min_classes: int
    max_classes: int
    max_width: int
    max_hidden_layers: int
    max_steps: int

    @classmethod
    def of(cls, settings: Settings) -> "SessionBounds":
        return cls(max_points=settings.max_points, min_classes=settings.min_classes,
                   max_classes=settings.max_classes, max_width=settings.max_session_width,
                   max_hidden_layers=settings.max_session_hidden_layers,
                   max_steps=settings.max_steps_per_command)


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ConfigMessage(_Message):
    type: Literal["config"]
    config: dict


class PlayMessage(_Message):
    type: Literal["play"]


class PauseMessage(_Message):
    type: Literal["pause"]


class ResetMessage(_Message):
    type: Literal["reset"]


# A class index, or for a regression session a real target in [-1, 1].
TargetLabel = Union[Annotated[SInt, Field(ge=0)], Annotated[SFloat, Field(ge=-1, le=1)]]
FeatureName = Literal["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"]


class ProbeMessage(_Message):
    type: Literal["probe"]
    x: list[Coordinate] = Field(min_length=2, max_length=4096,  # the widest input (REST's max_input_width)
                                description="[x1, x2]; for an image set, the image's H·W·Ch values")
    label: Optional[TargetLabel] = None


class ParamMessage(_Message):
    """Set one weight or bias of the live network by hand: applied at once, no reset."""
    type: Literal["param"]
    layer: SInt = Field(ge=0, description="affine layer, 0 = the first (inputs → first hidden layer)")
    name: Literal["W", "b"]
    index: list[Annotated[SInt, Field(ge=0)]] = Field(min_length=1, max_length=2,
                                                      description="[i, j] for W (input i → unit j), [j] for b")
    value: SFloat = Field(ge=-1e3, le=1e3)


class ModelMessage(_Message):
    """Ask for the live network in the REST v1 model format; with ``set``,
    continue from that model instead (same layer sizes as the session's)."""
    type: Literal["model"]
    set: Optional[ModelParams] = None


class ForkMessage(_Message):
    """Copy the run in the class's spotlight (data, settings, weights) into this session."""
    type: Literal["fork"]
    session: str = Field(min_length=1, max_length=64)


@_lru_cache(maxsize=32)
def session_models(bounds: SessionBounds) -> tuple:
    """(SessionConfig, ClientMessage) with the ranges of ``bounds``.

    Built once per set of limits, so every app validates with its own Settings.
    """

    class SessionConfig(BaseModel):
        """Every setting of a live session, with the contract's defaults and ranges.

        A partial update is validated with this same model (fields not sent take
        their defaults and are then ignored), so ranges are written once.
        """
        model_config = ConfigDict(extra="forbid")

        dataset: DatasetName = "spiral"
        n_points: SInt = Field(300, ge=1, le=bounds.max_points)
        classes: SInt = Field(3, ge=1, le=bounds.max_classes,
                              description="2 or more for classification; 1 (one output) for a regression dataset")
        noise: Optional[SFloat] = Field(None, ge=0, le=10, allow_inf_nan=False,
                                       description="null: the dataset's default")
        test_fraction: SFloat = Field(0.2, ge=0, le=0.9, allow_inf_nan=False)
        seed: SInt = Field(0, ge=0, le=2**32 - 1)
        hidden_sizes: list[Annotated[SInt, Field(ge=1, le=bounds.max_width)]] = Field(
            default_factory=lambda: [100], max_length=bounds.max_hidden_layers)
        activation: ActivationName = "relu"
        init: InitName = "small"
        loss: LossName = "softmax"
        margin: SFloat = Field(1.0, ge=0, le=100, allow_inf_nan=False)
        reg: SFloat = Field(5e-4, ge=0, le=100, allow_inf_nan=False)
        learning_rate: SFloat = Field(1.0, gt=0, le=100, allow_inf_nan=False)
        batch_size: SInt = Field(0, ge=0, le=bounds.max_points, description="0: full batch")
        optimizer: OptimizerName = "sgd"
        speed: SFloat = Field(0.0, ge=0, le=1e6, allow_inf_nan=False,
                             description="steps per second; 0: as fast as a fair share allows")
        fps: SFloat = Field(30.0, ge=1, le=60, allow_inf_nan=False)
        grid_resolution: SInt = Field(100, ge=10, le=200)
        regularization: RegularizerName = Field("l2", description="l2: λΣW²; l1: λΣ|W|")
        features: list[FeatureName] = Field(default_factory=lambda: ["x1", "x2"], min_length=1, max_length=7,
                                            description="the network's inputs, computed from (x1, x2)")
        neurons: SBool = Field(False, description="frames carry the per-neuron maps (`neurons`); the page "
                               "turns them on while its network diagram is open")
        health: SBool = Field(True, description="frames carry the network's health (`health`)")

    class StepMessage(_Message):
        type: Literal["step"]
        n: SInt = Field(1, ge=1, le=bounds.max_steps)

    class PointsMessage(_Message):
        type: Literal["points"]
        add: Optional[list[tuple[Coordinate, Coordinate, TargetLabel]]] = Field(
            None, max_length=bounds.max_points)
        clear: SBool = False
        replace: Optional[list[tuple[Coordinate, Coordinate, Annotated[SInt, Field(ge=0)]]]] = Field(
            None, max_length=bounds.max_points,
            description="the session's points become exactly these (your own data, e.g. a CSV file)")

    ClientMessage = Annotated[
        Union[ConfigMessage, PlayMessage, PauseMessage, StepMessage, ResetMessage,
              ProbeMessage, PointsMessage, ModelMessage, ParamMessage, ForkMessage],
        Field(discriminator="type"),
    ]
    return SessionConfig, ClientMessage


@_lru_cache(maxsize=32)
def _client_adapter(bounds: SessionBounds) -> _TypeAdapter:
    return _TypeAdapter(session_models(bounds)[1])


def session_config_model(settings: Settings) -> type[BaseModel]:
    """The SessionConfig model with the limits of ``settings``."""
    return session_models(SessionBounds.of(settings))[0]


def validate_config_patch(patch: dict, settings: Settings) -> dict:
    """Per-field validation of a partial config, with the ranges of this app's
    SessionConfig: the fields of ``patch``, validated (a ValidationError names the field)."""
    checked = session_config_model(settings).model_validate(patch)
    return {key: getattr(checked, key) for key in patch}


def validate_client_message(data: dict, settings: Settings):
    """A client message validated with the limits of ``settings`` (raises ValidationError)."""
    return _client_adapter(SessionBounds.of(settings)).validate_python(data)


# The models with the default limits: for the documentation and for tests that
# check real messages against them. An app validates with its own (above).
DEFAULT_BOUNDS = SessionBounds.of(Settings.model_construct())
SessionConfig, ClientMessage = session_models(DEFAULT_BOUNDS)


class LossValues(BaseModel):
    data: Optional[float]
    reg: Optional[float]
    total: Optional[float]


class HistoryBatch(BaseModel):
    step: list[int]
    data_loss: list[Optional[float]]
    reg_loss: list[Optional[float]]
    total: list[Optional[float]]
    train_accuracy: list[Optional[float]]
    test_accuracy: list[Optional[float]]
    train_r2: Optional[list[Optional[float]]] = None
    test_r2: Optional[list[Optional[float]]] = None


class Boundary(BaseModel):
    resolution: int
    extent: tuple[float, float, float, float]
    classes: int
    encoding: Literal["u8-probs", "u8-values"]
    range: Optional[tuple[float, float]] = Field(None, description="u8-values: the [lo, hi] the bytes span")
    data: str = Field(description="base64 of uint8 (R, R, C) in C order: round(255·p), or for u8-values "
                      "round(255·(v − lo)/(hi − lo))")


class Points(BaseModel):
    X: Optional[list[tuple[float, float]]] = Field(
        None, description="the points; left out for an image set (GET /api/v1/datasets/{name} has its images)")
    y: Union[list[int], list[float]] = Field(description="labels, or real targets for regression")
    test: list[bool]
    own: Optional[int] = Field(None, description="how many of the points (the first ones) were loaded with "
                               "points `replace`; the rest were added")


class Templates(BaseModel):
    shape: tuple[int, int, int, int] = Field(description="[K, H, W, Ch]: K templates of H×W×Ch")
    encoding: Literal["u8"]
    data: str = Field(description="base64 of uint8 (K, H, W, Ch) in C order, each template scaled to 0..255")


class TestPredictions(BaseModel):
    per_class_accuracy: list[Optional[float]] = Field(description="confusion[i][i] / row i's sum (null: no images)")
    predicted: list[int] = Field(description="each test image's predicted class, in the order of the test rows")
    probability: list[float] = Field(description="the softmax probability of that prediction (3 decimals)")


class ProbeResult(BaseModel):
    x: list[float] = Field(description="[x1, x2], or an image's H·W·Ch values")
    scores: list[Optional[float]]
    probs: list[Optional[float]]
    hidden: list[list[Optional[float]]]
    prediction: Union[int, float, None] = Field(description="the class, or the predicted value for regression")
    label: Union[int, float, None] = None
    loss: Optional[float] = None
    squared_error: Optional[float] = Field(None, description="regression: (s − y)²")
    margins: Optional[list[Optional[float]]] = Field(None, description="svm: max(0, s_j − s_y + Δ)")
    terms: Optional[list[Optional[float]]] = Field(None, description="softmax: −ln p_j")


class ProbeReply(ProbeResult):
    type: Literal["probe"]


class Frame(BaseModel):
    type: Literal["frame"]
    step: int
    epoch: int
    running: bool
    status: Literal["ok", "diverged"]
    loss: LossValues
    train_accuracy: Optional[float]
    test_accuracy: Optional[float]
    history: HistoryBatch
    boundary: Optional[Boundary] = Field(None, description="the plane's tasks")
    train_r2: Optional[float] = None
    test_r2: Optional[float] = None
    neurons: Optional[Neurons] = None
    health: Optional[Health] = None
    templates: Optional[Templates] = Field(None, description="image sets, when changed since last sent")
    confusion: Optional[list[list[int]]] = Field(
        None, description="image sets: C×C counts on the test split, rows true class, columns predicted")
    test_predictions: Optional[TestPredictions] = Field(None, description="image sets")
    probe: Optional[ProbeResult] = None
    points: Optional[Points] = Field(None, description="present when the points changed")


class SessionLimits(BaseModel):
    max_hidden_layers: int
    max_width: int
    min_classes: int
    max_classes: int
    max_points: int
    max_steps: int
    max_message_bytes: int
    idle_seconds: float
    datasets: dict


class Hello(BaseModel):
    type: Literal["hello"]
    session: str
    token: Optional[str] = Field(description="the secret that controls the session; null for a viewer")
    role: Literal["driver", "viewer"] = "driver"
    config: SessionConfig
    limits: SessionLimits
    step: int
    running: bool
    status: Literal["ok", "diverged"]
    points: Points
    history: Optional[HistoryBatch] = Field(None, description="every history point kept so far")
    catalog: Optional[dict] = Field(None, description="what the server offers and allows: GET /api/v1/catalog")


class ModelReply(BaseModel):
    type: Literal["model"]
    model: dict = Field(description="the live network in the REST v1 model format")


class ConfigReply(BaseModel):
    type: Literal["config"]
    config: SessionConfig
    reset: bool


class ErrorReply(BaseModel):
    type: Literal["error"]
    message: str
    field: Optional[str] = None


# ---- the catalog (GET /api/v1/catalog, embedded in the page) ----


class Label(BaseModel):
    en: str
    zh: str


class CatalogEntry(BaseModel):
    label: Label


class LossEntry(CatalogEntry):
    params: list[str] = Field(description="the config fields this loss reads, e.g. margin")


class RegularizerEntry(CatalogEntry):
    formula: str


class DatasetEntry(CatalogEntry):
    description: Label
    min_classes: int
    max_classes: int
    default_classes: int
    default_noise: float
    max_noise: float
    task: str = Field("classification", description="the task a session on it learns (tasks)")
    image_shape: Optional[list[int]] = Field(None, description="an image set's [height, width, channels]")
    class_names: Optional[list[str]] = Field(None, description="an image set's class names, class 0 first")


class TaskEntry(BaseModel):
    label: Label
    losses: list[str] = Field(description="the losses the task allows")
    metric: str


class FieldRange(BaseModel):
    """A session config field's default and range (null: no bound; a registry name has none)."""

    default: bool | int | float | str | list[int] | list[str] | None
    min: int | float | None = None
    max: int | float | None = None
    min_exclusive: bool = False
    max_length: int | None = Field(None, description="lists (hidden_sizes): the most entries")


class RestLimits(BaseModel):
    max_input_width: int
    max_hidden_width: int
    max_output_width: int
    max_hidden_layers: int
    max_request_numbers: int
    max_body_bytes: int
    max_json_depth: int
    max_dataset_points: int


class Catalog(BaseModel):
    """Every registry's entries by name, each config field's range, and the limits."""

    activations: dict[str, CatalogEntry]
    losses: dict[str, LossEntry]
    regularizers: dict[str, RegularizerEntry]
    inits: dict[str, CatalogEntry]
    optimizers: dict[str, CatalogEntry]
    datasets: dict[str, DatasetEntry]
    tasks: dict[str, TaskEntry]
    config: dict[str, FieldRange]
    limits: SessionLimits = Field(description="the same limits as hello.limits")
    rest_limits: RestLimits


# ---- Classes: POST /api/v1/classes, /ws/class (the teacher's board) ----
# docs/protocol.md shows a real example of each message.

class CreateClassResponse(BaseModel):
    code: str = Field(description="6 characters without 0/O, 1/I/L; students type it or scan the QR code")
    teacher_token: str = Field(description="the secret that leads the class (/ws/class?code=&token=)")
    join_url: str = Field(description="the page a student opens to join")
    expires_at: str = Field(description="UTC, ISO 8601: the class ends after this much idle time")


class LessonGoal(_Message):
    """A lesson's point: the students whose `metric` is at least `at_least` reached it."""
    metric: Literal["train_accuracy", "test_accuracy"]
    at_least: SFloat = Field(ge=0, le=1)


class PushedLesson(_Message):
    id: str = Field(min_length=1, max_length=40)
    title: str = Field(min_length=1, max_length=80)
    goal: Optional[LessonGoal] = None


class PushMessage(_Message):
    """Apply a partial config to every student's session (a lesson: restart and play)."""
    type: Literal["push"]
    config: dict
    lesson: Optional[PushedLesson] = None
    restart: SBool = False


class SpotlightMessage(_Message):
    """Show one session (a student's or the teacher's own) on every student's page; null releases."""
    type: Literal["spotlight"]
    session: Optional[str] = Field(max_length=64)


class PauseAllMessage(_Message):
    type: Literal["pause_all"]


class ResumeAllMessage(_Message):
    type: Literal["resume_all"]


class EndClassMessage(_Message):
    type: Literal["end"]


TeacherMessage = Annotated[
    Union[PushMessage, SpotlightMessage, PauseAllMessage, ResumeAllMessage, EndClassMessage],
    Field(discriminator="type"),
]


class StudentSummary(BaseModel):
    session: str
    name: str = Field(description="as the student typed it (plain text: pages show it as text)")
    step: Optional[int]
    loss: Optional[float]
    train_accuracy: Optional[float]
    test_accuracy: Optional[float]
    status: Literal["playing", "paused", "diverged", "disconnected"]
    help: Optional[Literal["diverged", "dead", "chance"]]
    thumbnail: Optional[Boundary] = Field(None, description="32×32; only when it changed")


class BoardLesson(PushedLesson):
    reached: Optional[int] = Field(description="students at the goal")
    of: int


class BoardUpdate(BaseModel):
    type: Literal["board"]
    code: str
    students: list[StudentSummary]
    spotlight: Optional[str]
    teacher_session: Optional[str]
    paused: bool
    lesson: Optional[BoardLesson]
    expires_at: str


class ClassNotice(BaseModel):
    """On a student's own /ws/session: the class and what the teacher did."""
    type: Literal["class"]
    code: str
    event: Literal["joined", "pushed", "paused", "resumed", "ended"]
    name: Optional[str] = None
    paused: Optional[bool] = None
    teacher_pushed: Optional[dict] = None
    refused: Optional[str] = None


class SpotlightNotice(BaseModel):
    type: Literal["spotlight"]
    session: Optional[str] = Field(description="watch it with /ws/session?session=ID&watch=1; null: released")
    name: Optional[str]


class LeadAck(BaseModel):
    type: Literal["ack"]
    of: Literal["push", "spotlight", "pause_all", "resume_all"]
    students: Optional[int] = None
    session: Optional[str] = None

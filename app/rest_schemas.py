"""Pydantic models of the stateless REST API v1: requests and responses."""
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


class CreateModelRequest(BaseModel):
    sizes: list[Annotated[int, Field(strict=True)]] = Field(
        min_length=2, description="[D, H_1, ..., C]: input width, hidden widths, classes", examples=[[2, 100, 3]])
    activation: ActivationName = "relu"
    init: InitName = Field("small", description="small: 0.01·N(0,1); xavier: N(0, 1/fan_in); he: N(0, 2/fan_in)")
    seed: int = Field(0, ge=0, le=2**64 - 1, strict=True)

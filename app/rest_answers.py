"""Answers of REST API v1 (docs/api.md): what /api/v1 sends back.

Plain floats here: the engine's answers are checked finite before they are
built (app/inference.py), and a live network's non-finite numbers are null.
"""
from __future__ import annotations

from typing import Literal, Optional, Union

from pydantic import BaseModel, Field

from .names import ActivationName


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
    hidden: Optional[list[list[list[float]]]] = Field(
        None, description="each hidden layer's output (N, H) after the activation; left out with ?hidden=0")
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

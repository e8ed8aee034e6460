"""What the server sends on /ws/session (docs/protocol.md): hello, frame,
probe, config, model and error messages, for the documentation and for tests
that check real messages against them. What a client sends: session_schemas.
"""
from __future__ import annotations

from typing import Literal, Optional, Union

from pydantic import BaseModel, Field

from .session_schemas import SessionConfig
from .view_schemas import Health, Neurons


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
    code: Optional[str] = None  # where the page must tell a refusal apart: "evicted", "rate_limited"

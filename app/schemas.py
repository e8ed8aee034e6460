"""Pydantic models for every REST request and response and every WebSocket message."""
from __future__ import annotations

# ---- REST API v1 ----

# ---- WebSocket session messages ----
# Models for the /ws/session protocol (docs/protocol.md shows a real example of
# each). The server builds its frames as plain dicts for speed; tests validate
# real messages against these models.

from typing import Annotated, Literal, Optional, Union  # noqa: E402

from pydantic import BaseModel, ConfigDict, Field  # noqa: E402

from .config import get_settings  # noqa: E402

_LIMITS = get_settings()

DatasetName = Literal["spiral", "circles", "xor", "gaussians", "moons", "linear"]
ActivationName = Literal["relu", "sigmoid", "tanh", "leaky_relu", "linear"]
InitName = Literal["small", "xavier", "he"]
LossName = Literal["softmax", "svm"]
OptimizerName = Literal["sgd", "momentum", "adam"]


class SessionConfig(BaseModel):
    """Every setting of a live session, with the contract's defaults and ranges.

    A partial update is validated with this same model (fields not sent take
    their defaults and are then ignored), so ranges are written once.
    """
    model_config = ConfigDict(extra="forbid")

    dataset: DatasetName = "spiral"
    n_points: int = Field(300, ge=1, le=_LIMITS.max_points)
    classes: int = Field(3, ge=_LIMITS.min_classes, le=_LIMITS.max_classes)
    noise: Optional[float] = Field(None, ge=0, le=10, allow_inf_nan=False,
                                   description="null: the dataset's default")
    test_fraction: float = Field(0.2, ge=0, le=0.9, allow_inf_nan=False)
    seed: int = Field(0, ge=0, le=2**32 - 1)
    hidden_sizes: list[Annotated[int, Field(ge=1, le=_LIMITS.max_session_width)]] = Field(
        default_factory=lambda: [100], max_length=_LIMITS.max_session_hidden_layers)
    activation: ActivationName = "relu"
    init: InitName = "small"
    loss: LossName = "softmax"
    margin: float = Field(1.0, ge=0, le=100, allow_inf_nan=False)
    reg: float = Field(5e-4, ge=0, le=100, allow_inf_nan=False)
    learning_rate: float = Field(1.0, gt=0, le=100, allow_inf_nan=False)
    batch_size: int = Field(0, ge=0, le=_LIMITS.max_points, description="0: full batch")
    optimizer: OptimizerName = "sgd"
    speed: float = Field(0.0, ge=0, le=1e6, allow_inf_nan=False,
                         description="steps per second; 0: as fast as a fair share allows")
    fps: float = Field(30.0, ge=1, le=60, allow_inf_nan=False)
    grid_resolution: int = Field(100, ge=10, le=200)


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ConfigMessage(_Message):
    type: Literal["config"]
    config: dict


class PlayMessage(_Message):
    type: Literal["play"]


class PauseMessage(_Message):
    type: Literal["pause"]


class StepMessage(_Message):
    type: Literal["step"]
    n: int = Field(1, ge=1, le=_LIMITS.max_steps_per_command)


class ResetMessage(_Message):
    type: Literal["reset"]


Coordinate = Annotated[float, Field(allow_inf_nan=False, ge=-1e6, le=1e6)]


class ProbeMessage(_Message):
    type: Literal["probe"]
    x: tuple[Coordinate, Coordinate]
    label: Optional[Annotated[int, Field(ge=0)]] = None


class PointsMessage(_Message):
    type: Literal["points"]
    add: Optional[list[tuple[Coordinate, Coordinate, Annotated[int, Field(ge=0)]]]] = Field(
        None, max_length=_LIMITS.max_points)
    clear: bool = False


ClientMessage = Annotated[
    Union[ConfigMessage, PlayMessage, PauseMessage, StepMessage, ResetMessage,
          ProbeMessage, PointsMessage],
    Field(discriminator="type"),
]


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


class Boundary(BaseModel):
    resolution: int
    extent: tuple[float, float, float, float]
    classes: int
    encoding: Literal["u8-probs"]
    data: str = Field(description="base64 of uint8 (R, R, C) in C order, round(255·p)")


class Points(BaseModel):
    X: list[tuple[float, float]]
    y: list[int]
    test: list[bool]


class ProbeResult(BaseModel):
    x: tuple[float, float]
    scores: list[Optional[float]]
    probs: list[Optional[float]]
    hidden: list[list[Optional[float]]]
    prediction: int
    label: Optional[int] = None
    loss: Optional[float] = None
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
    boundary: Boundary
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
    token: str
    config: SessionConfig
    limits: SessionLimits
    step: int
    running: bool
    status: Literal["ok", "diverged"]
    points: Points


class ConfigReply(BaseModel):
    type: Literal["config"]
    config: SessionConfig
    reset: bool


class ErrorReply(BaseModel):
    type: Literal["error"]
    message: str
    field: Optional[str] = None


ServerMessage = Annotated[
    Union[Hello, ConfigReply, Frame, ProbeReply, ErrorReply], Field(discriminator="type")]

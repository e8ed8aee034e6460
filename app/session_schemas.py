"""Pydantic models of the /ws/session protocol: client messages (validated with the app's own limits) and server messages."""
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



from .rest_schemas import ModelParams

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

"""Pydantic models of the run endpoints: CSV points in, a script or a report out (docs/api.md)."""
from __future__ import annotations

from typing import Annotated, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, Strict

from .config import get_settings
from .schemas import ModelParams, Number, SessionConfig

_LIMITS = get_settings()
Coordinate = Annotated[float, Strict(), Field(ge=-1e6, le=1e6, allow_inf_nan=False)]
AddedPoint = tuple[Coordinate, Coordinate, Annotated[int, Strict(), Field(ge=0)]]
HISTORY_MAX = 10_000  # points per curve; a session keeps at most 2,000


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CsvRequest(_Body):
    csv: str = Field(max_length=1_000_000, description="the file's text: x1,x2,label per line, header optional")
    classes: int = Field(ge=2, le=10, strict=True, description="labels must be 0..classes-1")
    max_points: int = Field(_LIMITS.max_points, ge=1, le=_LIMITS.max_points, strict=True)


class CsvPoints(BaseModel):
    points: list[tuple[float, float, int]] = Field(description="[x1, x2, label] per line of the file, in order")


class ScriptRequest(_Body):
    config: SessionConfig = Field(description="the session's config (missing fields take their defaults)")
    points: list[AddedPoint] = Field(default_factory=list, max_length=_LIMITS.max_points,
                                     description="points added by hand, [x1, x2, label]")
    own_points: Optional[list[AddedPoint]] = Field(None, max_length=_LIMITS.max_points,
                                                   description="points loaded in place of the dataset's")
    steps: int = Field(1000, ge=1, le=1_000_000, strict=True, description="the script's default step count")
    every: int = Field(100, ge=1, le=1_000_000, strict=True, description="print the loss every so many steps")


class Script(BaseModel):
    filename: str
    script: str = Field(description="Python source; needs only NumPy")


class History(_Body):
    step: list[int] = Field(default_factory=list, max_length=HISTORY_MAX)
    data_loss: list[Optional[Number]] = Field(default_factory=list, max_length=HISTORY_MAX)
    reg_loss: list[Optional[Number]] = Field(default_factory=list, max_length=HISTORY_MAX)
    total: list[Optional[Number]] = Field(default_factory=list, max_length=HISTORY_MAX)
    train_accuracy: list[Optional[Number]] = Field(default_factory=list, max_length=HISTORY_MAX)
    test_accuracy: list[Optional[Number]] = Field(default_factory=list, max_length=HISTORY_MAX)


class ReportRequest(ScriptRequest):
    model: ModelParams = Field(description="the trained network (the REST v1 model format)")
    history: History = Field(default_factory=History, description="the curves, as frames' `history` joined")
    lang: Literal["en", "zh"] = "en"

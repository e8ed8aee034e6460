"""Pydantic models of classes: POST /api/v1/classes and /ws/class (the teacher's board)."""
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



from .session_replies import Boundary
from .session_schemas import SBool, SFloat, _Message  # noqa: F401

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

"""Pydantic models of the catalog (GET /api/v1/catalog, embedded in the page)."""
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
from .session_replies import SessionLimits
from .view_schemas import Health, Neurons
from .names import (ActivationName, DatasetName, InitName, LossName, OptimizerName,  # noqa: F401 (re-exported)
                    RegularizerName)




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
    max_response_numbers: int
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

"""Pydantic models of the frame views that show the inside of the network:
`neurons` (per-neuron maps and the edges between drawn units) and `health`.
See docs/protocol.md; app/schemas.py's Frame carries them."""
from __future__ import annotations

from typing import Literal, Optional

from pydantic import BaseModel, Field


class MapSet(BaseModel):
    """Maps on an R×R grid, one after another, each as bytes over its own [lo, hi]."""
    lo: list[float]
    hi: list[float]
    data: str


class InputMaps(MapSet):
    names: list[str]


class LayerMaps(MapSet):
    width: int
    units: list[int] = Field(description="the units drawn (at most 8, the most active)")
    more: int = Field(description="units not drawn")


class Edges(BaseModel):
    rows: list[int]
    cols: list[int]
    W: list[list[Optional[float]]]
    b: list[Optional[float]]
    dW: Optional[list[list[Optional[float]]]] = None
    db: Optional[list[Optional[float]]] = None


class ParameterCount(BaseModel):
    total: int
    arithmetic: str = Field(description='e.g. "2·8 + 8 + 8·3 + 3 = 51"')


class Neurons(BaseModel):
    resolution: int
    extent: tuple[float, float, float, float]
    encoding: Literal["u8-range"]
    inputs: InputMaps
    layers: list[LayerMaps]
    edges: list[Edges]
    parameters: ParameterCount


class LayerHealth(BaseModel):
    layer: int
    grad_norm: float
    update_ratio: Optional[float]
    dead: Optional[float]
    saturated: Optional[float]


class Hint(BaseModel):
    key: str
    vars: dict


class Health(BaseModel):
    layers: list[LayerHealth]
    hint: Optional[Hint]

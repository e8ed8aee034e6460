"""Pydantic models of the calculus endpoints: /graph, /gradcheck, /graph/network, /descent."""
from __future__ import annotations

from typing import Annotated, Literal, Optional

from pydantic import BaseModel, Field, field_validator
from pydantic_core import PydanticCustomError

from .. import descent
from ..graph import MAX_LENGTH
from ..schemas import BackwardRequest, Number

MAX_VARIABLES = 100
_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


# ---------------------------------------------------------------- /graph

class GraphRequest(BaseModel):
    expression: str = Field(max_length=MAX_LENGTH, description=(
        "numbers, variables, + - * / ^ ** (right-associative), unary minus, parentheses and "
        "exp log sqrt abs sigmoid tanh relu max(a, b) min(a, b); at most 2,000 characters, 500 nodes"))
    values: dict[str, Number] = Field(default_factory=dict, description="a value for every variable")

    @field_validator("values")
    @classmethod
    def _names(cls, values: dict) -> dict:
        if len(values) > MAX_VARIABLES:
            raise PydanticCustomError("too_many", f"values has more than {MAX_VARIABLES} variables")
        for key in values:
            if not key or len(key) > 64 or key[0].isdigit() or not set(key) <= _NAME_CHARS:
                raise PydanticCustomError("name", "values has a key that is not a variable name "
                                          "([A-Za-z_][A-Za-z0-9_]*, at most 64 characters)")
        return values


class GraphNode(BaseModel):
    id: int
    op: str = Field(description="var, const, add, sub, mul, div, pow, neg, or a function name")
    label: str = Field(description="what to draw: a symbol, a function, a variable's name or a constant")
    name: Optional[str] = Field(None, description="a variable's name")
    inputs: list[int] = Field(description="ids of the nodes this one reads, in argument order")
    value: float
    grad: float = Field(description="∂output/∂(this node)")
    local: list[float] = Field(description="∂(this node)/∂inputs[i]: the local gradients")
    contributions: list[float] = Field(description="local[i] × grad: what backward adds to inputs[i].grad")
    start: int = Field(description="the node's text is expression[start:end]")
    end: int
    text: str


class GraphResponse(BaseModel):
    output: float
    gradients: dict[str, float] = Field(description="∂output/∂(each variable)")
    nodes: list[GraphNode] = Field(description="forward (topological) order; the last is the output")


# ---------------------------------------------------------------- /gradcheck

class GradcheckRequest(BackwardRequest):
    """A /backward body, plus the step of the centred differences."""

    h: float = Field(1e-5, gt=0, le=0.1, strict=True, allow_inf_nan=False,
                     description="step of (L(θ + h) − L(θ − h)) / 2h")


Verdict = Literal["great", "fine", "suspect", "wrong"]


class ParamCheck(BaseModel):
    relative_error: float = Field(description="‖a − n‖ / (‖a‖ + ‖n‖) over the array, a analytic, n numeric")
    verdict: Verdict = Field(description="CS231n's reading of relative_error")
    worst: list[int] = Field(description="the index of the entry where |a − n| is largest")
    analytic: float = Field(description="the analytic gradient at the worst entry")
    numeric: float = Field(description="the centred difference at the worst entry")
    max_entry_error: float = Field(
        description="max over entries of |a − n| / max(|a| + |n|, 1e-8); inflated by entries near 0")


class LayerCheck(BaseModel):
    W: ParamCheck
    b: ParamCheck
    max_relative_error: float = Field(description="the larger relative_error of W and b")


class GradcheckResponse(BaseModel):
    h: float
    layers: list[LayerCheck]
    max_relative_error: float
    verdict: Verdict = Field(
        description="great < 1e-7 ≤ fine < 1e-4 ≤ suspect < 1e-2 ≤ wrong (CS231n's reading)")
    kinks: int = Field(description="ReLU / leaky ReLU inputs or hinge margins within h of their kink")


# ---------------------------------------------------------------- /graph/network

class NetworkGraphRequest(BackwardRequest):
    """A /backward body with exactly one example: its graph."""

    @field_validator("X")
    @classmethod
    def _one_row(cls, X: list) -> list:
        if len(X) != 1:
            raise PydanticCustomError("one_example", "X must hold exactly one example (one row)")
        return X


class Tensor(BaseModel):
    shape: list[int]
    head: list[float] = Field(description="the first few values, in C order")
    norm: float = Field(description="Euclidean norm of all the values")
    values: float | list = Field(description="every value, nested as the shape (a number for a scalar)")


class NetworkNode(BaseModel):
    id: int
    op: str = Field(description="input, param, affine, an activation, loss, reg or total")
    label: str
    inputs: list[int]
    value: Tensor
    grad: Tensor = Field(description="∂total/∂(this node), for the one example")


class NetworkGraphResponse(BaseModel):
    nodes: list[NetworkNode]
    loss: dict[str, float] = Field(description="data, reg and total")


# ---------------------------------------------------------------- /descent

Coordinate = Annotated[Number, Field(ge=-1e6, le=1e6)]


class DescentPoints(BaseModel):
    x: list[Coordinate] = Field(min_length=2, max_length=descent.MAX_POINTS, description="within ±10⁶")
    y: list[Coordinate] = Field(min_length=2, max_length=descent.MAX_POINTS, description="within ±10⁶")

    @field_validator("y")
    @classmethod
    def _same_length(cls, y: list, info) -> list:
        x = info.data.get("x")
        if x is not None and len(x) != len(y):
            raise PydanticCustomError("shape_mismatch", f"y has {len(y)} values but x has {len(x)}")
        return y


Method = Literal["batch", "minibatch", "sgd", "momentum", "adam"]


class DescentRequest(BaseModel):
    points: Optional[DescentPoints] = Field(None, description="the data; default: n generated points")
    n: int = Field(40, ge=2, le=descent.MAX_POINTS, strict=True, description="points generated from seed")
    seed: int = Field(0, ge=0, le=2 ** 32 - 1, strict=True,
                      description="seeds the generated data and the mini-batch shuffles")
    noise: float = Field(0.5, ge=0, le=10, strict=True, allow_inf_nan=False)
    start: tuple[Number, Number] = Field((-2.0, 4.0), description="(θ₀, θ₁) where every path starts")
    learning_rate: float = Field(0.2, gt=0, le=10, strict=True, allow_inf_nan=False)
    steps: int = Field(60, ge=1, le=descent.MAX_STEPS, strict=True, description="updates per path")
    batch_size: int = Field(10, ge=1, le=descent.MAX_POINTS, strict=True, description="of the minibatch path")
    methods: list[Method] = Field(["batch", "minibatch", "sgd"], min_length=1, max_length=5)
    resolution: int = Field(60, ge=10, le=120, strict=True, description="grid points per axis of the contours")

    @field_validator("start")
    @classmethod
    def _start_range(cls, start: tuple) -> tuple:
        if max(abs(start[0]), abs(start[1])) > 1e3:
            raise PydanticCustomError("out_of_range", "start must be within ±1000")
        return start


class DescentPath(BaseModel):
    theta: list[list[float]] = Field(description="(steps + 1, 2): the start, then θ after each update")
    cost: list[float] = Field(description="J over all the data at each θ")
    status: Literal["ok", "diverged"]
    steps: int


class DescentGrid(BaseModel):
    theta0: list[float]
    theta1: list[float]
    cost: list[list[float]] = Field(description="(len(theta1), len(theta0)): row i at theta1[i]")


class DescentResponse(BaseModel):
    x: list[float]
    y: list[float]
    minimum: list[float] = Field(description="the least-squares θ")
    min_cost: float
    grid: DescentGrid
    paths: dict[str, DescentPath]

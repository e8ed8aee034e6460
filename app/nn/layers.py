"""Layer primitives, CS231n style.

Every ``*_forward`` returns ``(out, cache)`` and every ``*_backward(dout, cache)``
returns the gradient(s) of the loss with respect to the forward's inputs.
The cache holds exactly what the backward pass needs, nothing else.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

LEAKY_SLOPE = 0.01


def affine_forward(x, w, b):
    """out = x @ w + b.

    x: (N, D), w: (D, M), b: (M,) -> out: (N, M); cache = (x, w).
    """
    return x @ w + b, (x, w)


def affine_backward(dout, cache, need_dx=True):
    """Gradients of ``affine_forward``.

    dout: (N, M) -> dx: (N, D) (None when ``need_dx`` is False: the first layer
    of a training step does not need it, and it costs as much as the forward
    matmul), dw: (D, M), db: (M,).
    """
    x, w = cache
    dx = dout @ w.T if need_dx else None
    return dx, x.T @ dout, dout.sum(axis=0)


def relu_forward(x):
    """max(0, x); cache = out (its sign is the mask)."""
    out = np.maximum(x, 0)
    return out, out


def relu_backward(dout, cache):
    # d/dx max(0, x) = 1 for x > 0, and 0 at x = 0 by convention.
    return dout * (cache > 0)


def sigmoid(x):
    """1 / (1 + e^-x) without overflow: only ever exponentiates -|x|."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_forward(x):
    out = sigmoid(x)
    return out, out


def sigmoid_backward(dout, cache):
    # σ'(x) = σ(x)(1 − σ(x)), from the cached output.
    return dout * cache * (1 - cache)


def tanh_forward(x):
    out = np.tanh(x)
    return out, out


def tanh_backward(dout, cache):
    # tanh'(x) = 1 − tanh²(x)
    return dout * (1 - cache * cache)


def leaky_relu_forward(x):
    """x for x > 0, 0.01·x otherwise; cache = x."""
    return np.where(x > 0, x, LEAKY_SLOPE * x), x


def leaky_relu_backward(dout, cache):
    return np.where(cache > 0, dout, LEAKY_SLOPE * dout)


def linear_forward(x):
    """The identity: a 'hidden layer' with no non-linearity."""
    return x, None


def linear_backward(dout, cache):
    return dout


@dataclass(frozen=True)
class Activation:
    """One entry of the activation registry: the layer pair and its names on the page."""

    forward: Callable    # x -> (out, cache)
    backward: Callable   # (dout, cache) -> dx
    label: str           # English
    label_zh: str        # 中文


# The activation registry: schemas, the catalog and the page's select read it.
ACTIVATIONS: dict[str, Activation] = {
    "relu": Activation(relu_forward, relu_backward, "ReLU", "ReLU"),
    "sigmoid": Activation(sigmoid_forward, sigmoid_backward, "Sigmoid", "Sigmoid"),
    "tanh": Activation(tanh_forward, tanh_backward, "Tanh", "Tanh"),
    "leaky_relu": Activation(leaky_relu_forward, leaky_relu_backward, "Leaky ReLU", "Leaky ReLU"),
    "linear": Activation(linear_forward, linear_backward, "Linear", "线性"),
}


def activation_forward(name, x):
    return ACTIVATIONS[name].forward(x)


def activation_backward(name, dout, cache):
    return ACTIVATIONS[name].backward(dout, cache)

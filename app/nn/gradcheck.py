"""Numerical gradients by centred differences, for checking backward passes."""
from __future__ import annotations

import numpy as np


def numerical_gradient(f, x, h=1e-5):
    """∂f/∂x by (f(x + h) − f(x − h)) / 2h, one element of x at a time.

    f: a function of no arguments returning a scalar that reads ``x`` (changed
    in place and restored). Returns an array shaped like x.
    """
    grad = np.zeros_like(x, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        plus = f()
        x[i] = old - h
        minus = f()
        x[i] = old
        grad[i] = (plus - minus) / (2 * h)
    return grad


def numerical_gradient_array(f, x, dout, h=1e-5):
    """Numerical gradient of Σ f(x)·dout, for array-valued f: a layer's backward check."""
    return numerical_gradient(lambda: float(np.sum(f() * dout)), x, h)


def relative_error(a, b, floor=1e-12):
    """‖a − b‖ / (‖a‖ + ‖b‖) over the whole array (Euclidean norms).

    Taken over the array rather than element by element, so that entries whose
    true gradient is 0 (a dead ReLU, an inactive hinge) and whose finite
    difference is rounding noise of 1e-12 do not read as a 100 % error.
    0 when both arrays are (near) zero.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.linalg.norm(a - b) / max(floor, np.linalg.norm(a) + np.linalg.norm(b)))

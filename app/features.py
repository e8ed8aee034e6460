"""Feature inputs: what the network sees of a point (x₁, x₂) on the plane.

TensorFlow Playground's set: x₁, x₂, x₁², x₂², x₁x₂, sin x₁, sin x₂. A network
given x₁² and x₂² can draw a circle with no hidden layer at all; one given only
x₁ and x₂ cannot. NumPy only: a registry of names → functions of X (N, 2).
"""
from __future__ import annotations

import numpy as np

FEATURES = {
    "x1": lambda X: X[:, 0],
    "x2": lambda X: X[:, 1],
    "x1^2": lambda X: X[:, 0] ** 2,
    "x2^2": lambda X: X[:, 1] ** 2,
    "x1*x2": lambda X: X[:, 0] * X[:, 1],
    "sin(x1)": lambda X: np.sin(X[:, 0]),
    "sin(x2)": lambda X: np.sin(X[:, 1]),
}
DEFAULT_FEATURES = ("x1", "x2")


def check_features(names):
    """The names in the registry's order, or ValueError naming the problem."""
    names = list(names)
    if not names:
        raise ValueError("features is empty: choose at least one of " + ", ".join(FEATURES))
    unknown = [n for n in names if n not in FEATURES]
    if unknown:
        raise ValueError("features has an unknown name: expected some of " + ", ".join(FEATURES))
    if len(set(names)) != len(names):
        raise ValueError("features names a feature twice")
    return [n for n in FEATURES if n in names]


def feature_matrix(X, names=DEFAULT_FEATURES):
    """(N, len(names)): column k is feature names[k] of each point of X (N, 2).

    With the default ["x1", "x2"] this is X itself (a copy in X's dtype).
    """
    X = np.asarray(X)
    out = np.empty((len(X), len(names)), dtype=X.dtype if X.dtype.kind == "f" else np.float64)
    for k, name in enumerate(names):
        out[:, k] = FEATURES[name](X)
    return out

"""Gradient descent on the seed's linear regression, where the loss surface can be drawn.

The model is h(x) = θ₀ + θ₁x and the objective

    J(θ) = 1/(2m) Σᵢ (yᵢ − θ₀ − θ₁xᵢ)²,
    ∂J/∂θ₀ = −1/m Σᵢ rᵢ,   ∂J/∂θ₁ = −1/m Σᵢ rᵢxᵢ,   rᵢ = yᵢ − θ₀ − θ₁xᵢ,

with the mean taken over the examples of the batch a step uses. With two
parameters, J is a bowl over the (θ₀, θ₁) plane: its contours are ellipses and
every method's path can be drawn on them. Imports only NumPy and app.nn.
"""
from __future__ import annotations

import numpy as np

from .nn.optim import BatchSampler, make_optimizer

MAX_POINTS = 200
MAX_STEPS = 1000
METHODS = ("batch", "minibatch", "sgd", "momentum", "adam")
# A path stops as diverged once |θ| or J passes this (long before float64 overflows).
DIVERGED = 1e8

TRUE_THETA = (1.0, 2.0)


def make_data(n=40, seed=0, noise=0.5, theta=TRUE_THETA):
    """n points x ~ U(0, 3), y = θ₀ + θ₁x + noise·N(0, 1): (x (n,), y (n,))."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.0, 3.0, n)
    y = theta[0] + theta[1] * x + noise * rng.standard_normal(n)
    return x, y


def cost(theta, x, y):
    """J(θ) over the examples x (m,), y (m,)."""
    r = y - theta[0] - theta[1] * x
    return float(r @ r / (2 * len(x)))


def gradient(theta, x, y):
    """∇J(θ) = (∂J/∂θ₀, ∂J/∂θ₁) over the examples x (m,), y (m,): shape (2,)."""
    r = y - theta[0] - theta[1] * x
    return np.array([-r.mean(), -(r @ x) / len(x)])


def least_squares(x, y):
    """The minimum of J: θ from the normal equations, shape (2,)."""
    A = np.column_stack([np.ones_like(x), x])
    return np.linalg.lstsq(A, y, rcond=None)[0]


def cost_grid(x, y, theta0, theta1):
    """J at every (θ₀, θ₁) of a grid: theta0 (G0,), theta1 (G1,) -> (G1, G0), row i at theta1[i].

    J is quadratic, so it is computed from the data's moments in one pass:
    J = ½(E[y²] + θ₀² + θ₁²E[x²] − 2θ₀E[y] − 2θ₁E[xy] + 2θ₀θ₁E[x]).
    """
    t0, t1 = np.meshgrid(np.asarray(theta0, float), np.asarray(theta1, float))
    ex, ey, exx, eyy, exy = x.mean(), y.mean(), (x * x).mean(), (y * y).mean(), (x * y).mean()
    return 0.5 * (eyy + t0 ** 2 + t1 ** 2 * exx - 2 * t0 * ey - 2 * t1 * exy + 2 * t0 * t1 * ex)


def method_setup(method, batch_size, n):
    """(optimizer name, batch size for BatchSampler) of a method: momentum and Adam use the full batch."""
    if method == "minibatch":
        return "sgd", batch_size
    if method == "sgd":
        return "sgd", 1
    if method in ("momentum", "adam"):
        return method, 0
    if method == "batch":
        return "sgd", 0
    raise ValueError(f"unknown method {method!r}; expected one of {METHODS}")


def descent_path(x, y, method, start, learning_rate, steps, batch_size=10, seed=0):
    """The path of one method: {"theta": (k+1, 2), "cost": (k+1,), "status", "steps": k}.

    ``theta[0]`` is the start and ``theta[t]`` the parameters after t updates;
    ``cost`` is the full-data J at each of them. Mini-batches are drawn by
    ``BatchSampler`` from ``np.random.default_rng(seed)``: the examples are
    shuffled at each epoch and taken in slices. A path whose |θ| or J passes
    ``DIVERGED`` (or stops being finite) ends there with status "diverged".
    """
    optimizer_name, size = method_setup(method, batch_size, len(x))
    optimizer = make_optimizer(optimizer_name)
    sampler = BatchSampler(len(x), size, np.random.default_rng(seed))
    theta = np.array(start, dtype=np.float64)
    thetas, costs, status = [theta.copy()], [cost(theta, x, y)], "ok"
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            batch, _ = sampler.next()
            xb, yb = (x, y) if batch is None else (x[batch], y[batch])
            optimizer.step([theta], [gradient(theta, xb, yb)], learning_rate)
            j = cost(theta, x, y)
            if not (np.isfinite(theta).all() and np.isfinite(j)) or max(abs(theta).max(), j) > DIVERGED:
                status = "diverged"
                break
            thetas.append(theta.copy())
            costs.append(j)
    return {"theta": np.array(thetas), "cost": np.array(costs), "status": status, "steps": len(thetas) - 1}


def surface(x, y, paths, resolution=60, pad=0.5):
    """The grid of J around the minimum, the starts, and the points of the paths still in the
    bowl (J at most twice its value at the start): a path that overshoots leaves the frame.

    {"theta0": (R,), "theta1": (R,), "cost": (R, R), "minimum": (2,)}.
    """
    best = least_squares(x, y)
    starts = np.array([p["theta"][0] for p in paths] or [best])
    inside = [p["theta"][p["cost"] <= 2 * p["cost"][0]] for p in paths]
    seen = np.vstack([starts, best[None, :], *inside])
    lo, hi = seen.min(axis=0), seen.max(axis=0)
    span = np.maximum(hi - lo, 1.0)
    lo, hi = lo - pad * span / 2, hi + pad * span / 2
    theta0 = np.linspace(lo[0], hi[0], resolution)
    theta1 = np.linspace(lo[1], hi[1], resolution)
    return {"theta0": theta0, "theta1": theta1, "cost": cost_grid(x, y, theta0, theta1), "minimum": best}

"""Shared helpers for the engine tests: gradient comparison and the CS231n spiral."""
from __future__ import annotations

import numpy as np
import pytest

from app.nn import relative_error

REL_TOL = 1e-7   # the contract: relative error of every backward < 1e-7 (float64)
ABS_TOL = 1e-8   # where the analytic gradient is exactly 0, the finite difference is noise


def assert_grad_close(num, ana, rel=REL_TOL, atol=ABS_TOL):
    """Compare a numerical gradient with an analytic one.

    Entries whose analytic gradient is exactly zero (a dead ReLU, an inactive
    hinge) must have a finite difference below ``atol`` in absolute value; the
    other entries must agree to a norm-based relative error below ``rel``.
    """
    num = np.asarray(num, dtype=np.float64)
    ana = np.asarray(ana, dtype=np.float64)
    assert num.shape == ana.shape, (num.shape, ana.shape)
    assert np.all(np.isfinite(ana)), "analytic gradient is not finite"
    zero = ana == 0
    if zero.any():
        worst = float(np.max(np.abs(num[zero])))
        assert worst < atol, f"gradient is exactly 0 but finite difference is {worst:.3e}"
    if (~zero).any():
        err = relative_error(num[~zero], ana[~zero])
        assert err < rel, f"relative error {err:.3e} >= {rel:.0e}"


@pytest.fixture
def grad_close():
    return assert_grad_close


def make_spiral(n_per_class=100, classes=3, seed=0):
    """The CS231n spiral, drawn exactly as the course does but from default_rng(seed).

    r = linspace(0, 1, N); t = linspace(4j, 4(j+1), N) + 0.2·randn(N); x = (r sin t, r cos t).
    """
    rng = np.random.default_rng(seed)
    X = np.zeros((n_per_class * classes, 2))
    y = np.zeros(n_per_class * classes, dtype=np.int64)
    for j in range(classes):
        ix = slice(n_per_class * j, n_per_class * (j + 1))
        r = np.linspace(0.0, 1, n_per_class)
        t = np.linspace(j * 4, (j + 1) * 4, n_per_class) + rng.standard_normal(n_per_class) * 0.2
        X[ix] = np.c_[r * np.sin(t), r * np.cos(t)]
        y[ix] = j
    return X, y


@pytest.fixture(scope="session")
def spiral():
    return make_spiral()

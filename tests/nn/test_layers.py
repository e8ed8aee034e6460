"""Layer primitives: forward values and every backward against centred finite differences."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from app.nn import layers as L
from app.nn import numerical_gradient, numerical_gradient_array, relative_error



def away_from_zero(rng, shape, gap=1e-2):
    """Normal draws with |x| >= gap: no input sits on (or within h of) a kink at 0."""
    x = rng.standard_normal(shape)
    return np.where(x >= 0, x + gap, x - gap)


# --- the checking tools themselves --------------------------------------------------

def test_numerical_gradient_of_a_known_function():
    x = np.array([[0.5, -1.5, 2.0], [3.0, -0.25, 1.0]])
    num = numerical_gradient(lambda: float(np.sum(x ** 3 + np.sin(x))), x)
    assert np.allclose(num, 3 * x ** 2 + np.cos(x), rtol=1e-8, atol=0)
    # x is restored exactly after the probing
    assert np.array_equal(x, [[0.5, -1.5, 2.0], [3.0, -0.25, 1.0]])


def test_numerical_gradient_array_weights_by_dout():
    x = np.array([1.0, -2.0, 0.5])
    dout = np.array([2.0, -1.0, 3.0])
    num = numerical_gradient_array(lambda: x ** 2, x, dout)
    assert np.allclose(num, 2 * x * dout, rtol=1e-8)


def test_relative_error_is_norm_based():
    assert relative_error([1.0, 0.0], [1.0, 0.0]) == 0.0
    assert relative_error([0.0, 0.0], [0.0, 0.0]) == 0.0
    # ‖(0, 1e-12)‖ / (1 + 1): a noisy zero entry does not blow up the error
    assert relative_error([1.0, 1e-12], [1.0, 0.0]) == pytest.approx(0.5e-12)
    assert relative_error([1.0], [-1.0]) == pytest.approx(1.0)


def test_assert_grad_close_rejects_wrong_gradients(grad_close):
    ana = np.array([1.0, 0.0, -2.0])
    grad_close(np.array([1.0 + 1e-10, 3e-11, -2.0]), ana)
    with pytest.raises(AssertionError):
        grad_close(np.array([1.0, 0.0, -2.0 * 1.001]), ana)
    with pytest.raises(AssertionError):   # an exact-zero analytic entry with a real slope
        grad_close(np.array([1.0, 1e-6, -2.0]), ana)


# --- affine --------------------------------------------------------------------------

def test_affine_forward_values():
    rng = np.random.default_rng(1)
    x, w, b = rng.standard_normal((4, 3)), rng.standard_normal((3, 5)), rng.standard_normal(5)
    out, _ = L.affine_forward(x, w, b)
    expected = np.array([[sum(x[n, d] * w[d, m] for d in range(3)) + b[m] for m in range(5)]
                         for n in range(4)])
    assert out.shape == (4, 5)
    assert np.allclose(out, expected, rtol=1e-13, atol=1e-13)


def test_affine_backward_matches_finite_differences(grad_close):
    rng = np.random.default_rng(2)
    x, w, b = rng.standard_normal((5, 3)), rng.standard_normal((3, 4)), rng.standard_normal(4)
    dout = rng.standard_normal((5, 4))
    _, cache = L.affine_forward(x, w, b)
    dx, dw, db = L.affine_backward(dout, cache)
    assert (dx.shape, dw.shape, db.shape) == (x.shape, w.shape, b.shape)
    fx = lambda: L.affine_forward(x, w, b)[0]
    grad_close(numerical_gradient_array(fx, x, dout), dx)
    grad_close(numerical_gradient_array(fx, w, dout), dw)
    grad_close(numerical_gradient_array(fx, b, dout), db)


def test_affine_backward_can_skip_dx():
    rng = np.random.default_rng(3)
    x, w, b = rng.standard_normal((2, 3)), rng.standard_normal((3, 2)), np.zeros(2)
    dout = rng.standard_normal((2, 2))
    _, cache = L.affine_forward(x, w, b)
    dx, dw, db = L.affine_backward(dout, cache, need_dx=False)
    assert dx is None
    assert np.allclose(dw, x.T @ dout) and np.allclose(db, dout.sum(axis=0))


# --- activations ---------------------------------------------------------------------

ACTIVATION_REFERENCE = {
    "relu": lambda x: np.maximum(x, 0),
    "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
    "tanh": np.tanh,
    "leaky_relu": lambda x: np.where(x > 0, x, 0.01 * x),
    "linear": lambda x: x,
}


@pytest.mark.parametrize("name", sorted(ACTIVATION_REFERENCE))
def test_activation_forward_values(name):
    x = np.array([[-3.0, -0.5, 0.25], [0.7, 2.0, -1.25]])
    out, _ = L.activation_forward(name, x)
    assert out.shape == x.shape
    assert np.allclose(out, ACTIVATION_REFERENCE[name](x), rtol=1e-14, atol=0)


@pytest.mark.parametrize("name", sorted(ACTIVATION_REFERENCE))
def test_activation_backward_matches_finite_differences(name, grad_close):
    rng = np.random.default_rng(4)
    x = away_from_zero(rng, (6, 5))
    dout = rng.standard_normal((6, 5))
    _, cache = L.activation_forward(name, x)
    dx = L.activation_backward(name, dout, cache)
    assert dx.shape == x.shape
    num = numerical_gradient_array(lambda: L.activation_forward(name, x)[0], x, dout)
    grad_close(num, dx)


def test_every_activation_is_tested():
    assert set(L.ACTIVATIONS) == set(ACTIVATION_REFERENCE)


def test_relu_derivative_at_zero_is_zero():
    x = np.array([-1.0, 0.0, 1.0])
    _, cache = L.relu_forward(x)
    assert np.array_equal(L.relu_backward(np.ones(3), cache), [0.0, 0.0, 1.0])


def test_relu_backward_masks_negatives():
    x = np.array([[-2.0, 3.0], [0.5, -0.1]])
    _, cache = L.relu_forward(x)
    assert np.array_equal(L.relu_backward(np.array([[5.0, 6.0], [7.0, 8.0]]), cache),
                          [[0.0, 6.0], [7.0, 0.0]])


def test_leaky_relu_slope_is_one_hundredth():
    x = np.array([-2.0, -0.5, 0.5, 3.0])
    out, cache = L.leaky_relu_forward(x)
    assert np.allclose(out, [-0.02, -0.005, 0.5, 3.0], rtol=1e-15)
    assert np.allclose(L.leaky_relu_backward(np.ones(4), cache), [0.01, 0.01, 1.0, 1.0], rtol=1e-15)
    assert L.LEAKY_SLOPE == 0.01


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sigmoid_is_stable_for_huge_inputs(dtype):
    x = np.array([-1e4, -1000.0, -745.0, -50.0, 0.0, 50.0, 745.0, 1000.0, 1e4], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            out, cache = L.sigmoid_forward(x)
            dx = L.sigmoid_backward(np.ones_like(x), cache)
    assert out.dtype == dtype
    assert np.all(np.isfinite(out)) and np.all(np.isfinite(dx))
    assert out[0] == 0.0 and out[-1] == 1.0 and out[4] == 0.5
    assert np.all((out >= 0) & (out <= 1)) and np.all(np.diff(out) >= 0)
    assert dx[0] == 0.0 and dx[-1] == 0.0 and dx[4] == 0.25


def test_sigmoid_equals_the_textbook_formula_where_finite():
    x = np.concatenate([np.linspace(-700, 700, 2801), [-36.5, -1e-9, 1e-9, 36.5]])
    with np.errstate(over="raise"):
        expected = 1 / (1 + np.exp(-x))      # finite for x >= -700
    assert np.allclose(L.sigmoid(x), expected, rtol=1e-13, atol=0)
    assert L.sigmoid(np.array([-1e4]))[0] == 0.0 and L.sigmoid(np.array([1e4]))[0] == 1.0


def test_sigmoid_derivative_is_sigma_times_one_minus_sigma():
    x = np.array([-4.0, -1.0, 0.0, 0.3, 2.5])
    out, cache = L.sigmoid_forward(x)
    s = np.array([1 / (1 + math.exp(-v)) for v in x])
    assert np.allclose(L.sigmoid_backward(np.ones(5), cache), s * (1 - s), rtol=1e-14)


def test_tanh_derivative_is_one_minus_square():
    x = np.array([-3.0, -0.2, 0.0, 1.5])
    _, cache = L.tanh_forward(x)
    assert np.allclose(L.tanh_backward(np.full(4, 2.0), cache), 2 * (1 - np.tanh(x) ** 2), rtol=1e-14)


def test_linear_passes_gradients_through():
    x = np.array([[-1.0, 2.0]])
    out, cache = L.linear_forward(x)
    dout = np.array([[3.0, -4.0]])
    assert np.array_equal(out, x) and np.array_equal(L.linear_backward(dout, cache), dout)

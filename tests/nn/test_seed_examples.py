"""The worked examples of the seed material, recomputed through the engine.

The seed writes W x + b with W of shape (C, D); the engine's layers take W of
shape (D, C) and compute x @ W + b, so the seed's W goes in transposed. The
errata listed in docs/conventions.md are asserted here too: 60.75 (not 63.95) and
−ln 0.13 ≈ 2.04 (not the base-10 0.89).
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from app.nn import Network, l2_regularization, numerical_gradient, softmax
from app.nn.layers import (
    affine_backward,
    affine_forward,
    relu_forward,
    sigmoid_backward,
    sigmoid_forward,
)
from app.nn.losses import softmax_terms, svm_margins, svm_terms


def test_section_1_3_scores_with_the_erratum():
    W = np.array([[0.2, -0.5, 0.1, 2.0],
                  [1.5, 1.3, 2.1, 0.0],
                  [0.0, 0.25, 0.2, -0.3]])
    x = np.array([56.0, 231.0, 24.0, 2.0])
    b = np.array([1.1, 3.2, -1.2])
    scores, _ = affine_forward(x[None, :], W.T, b)
    assert scores.shape == (1, 3)
    assert np.allclose(scores[0], [-96.8, 437.9, 60.75], rtol=0, atol=1e-9)
    assert abs(scores[0, 2] - 63.95) > 3            # the seed's misprint
    assert np.allclose(scores[0], W @ x + b)          # same as the seed's column form


def test_hinge_loss_example():
    s = np.array([[3.2, 5.1, 2.0]])                   # cat, dog, bird; the true class is cat
    cat = np.array([0])
    losses, _ = svm_terms(s, cat, margin=1.0)
    assert losses[0] == pytest.approx(2.9, abs=1e-12)
    assert np.allclose(svm_margins(s, cat, 1.0), [[0.0, 2.9, 0.0]], atol=1e-12)  # bird: max(0, −0.2)
    losses, _ = svm_terms(s, cat, margin=0.0)         # the "no safety margin" variant
    assert losses[0] == pytest.approx(1.9, abs=1e-12)


def test_softmax_example_uses_the_natural_log():
    s = np.array([[3.2, 5.1, -1.7]])
    assert np.allclose(np.exp(s[0]), [24.5, 164.0, 0.18], atol=0.05)
    p = softmax(s)[0]
    assert np.allclose(p, [0.13, 0.87, 0.00], atol=0.005)
    loss = softmax_terms(s, np.array([0]))[0][0]
    assert loss == pytest.approx(-math.log(p[0]), rel=1e-12)
    assert loss == pytest.approx(2.04, abs=0.005)
    assert loss == pytest.approx(-math.log(0.13), abs=0.01)
    assert abs(loss - 0.89) > 1                        # not −log10(0.13)


def test_same_data_loss_different_weights_regularization():
    x = np.array([[1.0, 1.0, 1.0, 1.0]])
    W1 = np.array([1.0, 0.0, 0.0, 0.0])
    W2 = np.array([0.25, 0.25, 0.25, 0.25])
    s1, _ = affine_forward(x, W1[:, None], np.zeros(1))
    s2, _ = affine_forward(x, W2[:, None], np.zeros(1))
    assert s1[0, 0] == 1.0 and s2[0, 0] == 1.0
    R1, _ = l2_regularization([W1], 1.0)
    R2, _ = l2_regularization([W2], 1.0)
    assert R1 == 1.0 and R2 == 0.25 and R1 > R2
    # As classifiers (the second class scores 0): same data loss, the spread W costs less.
    nets = [Network([(np.c_[w, np.zeros(4)], np.zeros(2))]) for w in (W1, W2)]
    r = [net.loss(x, np.array([0]), loss="svm", reg=0.1) for net in nets]
    assert r[0].data_loss == r[1].data_loss == 0.0
    assert r[0].reg_loss == pytest.approx(0.1) and r[1].reg_loss == pytest.approx(0.025)
    assert r[0].total > r[1].total


def test_backprop_example_f_equals_x_plus_y_times_z():
    x, y, z = -2.0, 5.0, -4.0
    # q = x + y: an affine layer with weights [1, 1]
    q, q_cache = affine_forward(np.array([[x, y]]), np.array([[1.0], [1.0]]), np.zeros(1))
    # f = q · z: an affine layer whose input is q and whose weight is z
    f, f_cache = affine_forward(q, np.array([[z]]), np.zeros(1))
    assert q[0, 0] == 3.0 and f[0, 0] == -12.0
    dq, dz, _ = affine_backward(np.ones((1, 1)), f_cache)
    assert dq[0, 0] == z == -4.0                       # ∂f/∂q = z
    assert dz[0, 0] == 3.0                             # ∂f/∂z = q
    dxy, _, _ = affine_backward(dq, q_cache)
    assert np.array_equal(dxy, [[-4.0, -4.0]])         # ∂f/∂x = ∂f/∂y = z
    # and the same by centred finite differences
    v = np.array([x, y, z])
    num = numerical_gradient(lambda: (v[0] + v[1]) * v[2], v)
    assert np.allclose(num, [-4.0, -4.0, 3.0], rtol=1e-9)


def test_sigmoid_neuron_example():
    w = np.array([2.0, -3.0, -3.0])                    # w0, w1 and the bias w2
    x = np.array([[-1.0, -2.0]])
    z, a_cache = affine_forward(x, w[:2, None], w[2:])
    assert z[0, 0] == 1.0
    out, s_cache = sigmoid_forward(z)
    assert out[0, 0] == pytest.approx(0.731, abs=5e-4)
    dz = sigmoid_backward(np.ones((1, 1)), s_cache)
    assert dz[0, 0] == pytest.approx(0.197, abs=5e-4)                 # (1 − σ)σ ≈ 0.2
    assert dz[0, 0] == pytest.approx(out[0, 0] * (1 - out[0, 0]), rel=1e-15)
    dx, dw, db = affine_backward(dz, a_cache)
    assert dx[0, 0] == pytest.approx(0.393, abs=5e-4) and dx[0, 0] == pytest.approx(0.4, abs=0.01)
    assert dw[0, 0] == pytest.approx(-0.197, abs=5e-4) and dw[0, 0] == pytest.approx(-0.2, abs=0.01)
    assert dx[0, 1] == pytest.approx(-3 * dz[0, 0]) and dw[1, 0] == pytest.approx(-2 * dz[0, 0])
    assert db[0] == pytest.approx(dz[0, 0])


def test_sigmoid_derivative_formula():
    x = np.linspace(-6, 6, 49)
    s, cache = sigmoid_forward(x)
    seed_form = np.exp(-x) / (1 + np.exp(-x)) ** 2
    assert np.allclose(sigmoid_backward(np.ones_like(x), cache), seed_form, rtol=1e-12)
    assert np.allclose(seed_form, (1 - s) * s, rtol=1e-12)


def test_two_layer_net_is_w2_max0_w1x():
    rng = np.random.default_rng(0)
    W1, W2 = rng.standard_normal((5, 3)), rng.standard_normal((2, 5))   # the seed's (out, in)
    x = rng.standard_normal(3)
    net = Network([(W1.T, np.zeros(5)), (W2.T, np.zeros(2))], activation="relu")
    assert np.allclose(net.scores(x[None, :])[0], W2 @ np.maximum(0, W1 @ x), rtol=1e-13)
    assert np.array_equal(relu_forward(np.array([-1.0, 2.0]))[0], [0.0, 2.0])

"""Softmax and SVM losses, their gradients, and L2 regularization."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from app.nn import Network, example_losses, l2_regularization, log_softmax, loss_terms, numerical_gradient, softmax
from app.nn.losses import softmax_loss, softmax_terms, svm_loss, svm_margins, svm_terms


# --- naive references, one example at a time ------------------------------------------

def naive_softmax(scores, y):
    losses = []
    for s, yi in zip(scores.tolist(), y.tolist()):
        m = max(s)
        lse = m + math.log(sum(math.exp(v - m) for v in s))
        losses.append(lse - s[yi])
    return np.array(losses)


def naive_svm(scores, y, margin):
    losses = []
    for s, yi in zip(scores.tolist(), y.tolist()):
        losses.append(sum(max(0.0, s[j] - s[yi] + margin) for j in range(len(s)) if j != yi))
    return np.array(losses)


def kink_distance(scores, y, margin):
    """Smallest |s_j − s_y + Δ| over j ≠ y: how far the inputs are from a hinge kink."""
    rows = np.arange(len(y))
    d = np.abs(scores - scores[rows, y][:, None] + margin)
    d[rows, y] = np.inf
    return d.min()


def random_problem(seed, n=7, c=4, scale=2.0):
    rng = np.random.default_rng(seed)
    return scale * rng.standard_normal((n, c)), rng.integers(0, c, n)


# --- softmax -------------------------------------------------------------------------

def test_softmax_values_match_a_naive_loop():
    scores, y = random_problem(10)
    losses, dsum = softmax_terms(scores, y)
    assert losses.shape == (7,) and dsum.shape == scores.shape
    assert np.allclose(losses, naive_softmax(scores, y), rtol=1e-13)
    loss, dscores = softmax_loss(scores, y)
    assert loss == pytest.approx(naive_softmax(scores, y).mean(), rel=1e-13)
    assert np.allclose(dscores, dsum / 7, rtol=1e-15)


def test_softmax_gradient_matches_finite_differences(grad_close):
    scores, y = random_problem(11)
    _, dscores = softmax_loss(scores, y)
    grad_close(numerical_gradient(lambda: softmax_loss(scores, y)[0], scores), dscores)
    _, dsum = softmax_terms(scores, y)
    grad_close(numerical_gradient(lambda: softmax_terms(scores, y)[0].sum(), scores), dsum)


def test_softmax_gradient_is_p_minus_onehot():
    scores = np.array([[1.0, 2.0, 3.0]])
    _, dsum = softmax_terms(scores, np.array([2]))
    p = np.exp([1.0, 2.0, 3.0]) / np.exp([1.0, 2.0, 3.0]).sum()
    assert np.allclose(dsum[0], p - [0, 0, 1], rtol=1e-14)
    assert dsum.sum() == pytest.approx(0.0, abs=1e-15)


def test_softmax_and_log_softmax_helpers():
    scores, _ = random_problem(12)
    p = softmax(scores)
    assert np.allclose(p.sum(axis=1), 1.0, rtol=1e-15)
    assert np.allclose(p, np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True), rtol=1e-13)
    assert np.allclose(log_softmax(scores), np.log(p), rtol=1e-12)


def test_softmax_is_exact_and_silent_for_huge_scores():
    scores = np.array([[1e4, -1e4, 0.0],
                       [-1e4, -1e4, 1e4],
                       [1e4, 1e4 - 1.0, -1e4],
                       [-1e4, -1e4, -1e4]])
    y = np.array([1, 2, 1, 0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            losses, dsum = softmax_terms(scores, y)
            p = softmax(scores)
            loss, _ = softmax_loss(scores, y)
    assert np.all(np.isfinite(losses)) and np.all(np.isfinite(dsum)) and np.isfinite(loss)
    # logsumexp(s) − s_y, computed here from the definition
    assert np.allclose(losses, naive_softmax(scores, y), rtol=1e-11, atol=0)
    assert losses[0] == 2e4 and losses[1] == 0.0
    assert losses[2] == pytest.approx(1.0 + math.log1p(math.exp(-1.0)), rel=1e-12)
    assert losses[3] == pytest.approx(math.log(3), rel=1e-15)
    assert np.allclose(p.sum(axis=1), 1.0)
    assert np.allclose(dsum.sum(axis=1), 0.0, atol=1e-12)


# --- SVM -----------------------------------------------------------------------------

@pytest.mark.parametrize("margin", [0.0, 1.0, 2.5])
def test_svm_values_match_a_naive_loop(margin):
    scores, y = random_problem(20)
    losses, dsum = svm_terms(scores, y, margin)
    assert np.allclose(losses, naive_svm(scores, y, margin), rtol=1e-14)
    loss, dscores = svm_loss(scores, y, margin)
    assert loss == pytest.approx(naive_svm(scores, y, margin).mean(), rel=1e-14)
    assert np.allclose(dscores, dsum / len(y), rtol=1e-15)


@pytest.mark.parametrize("margin", [0.0, 1.0, 2.5])
def test_svm_gradient_matches_finite_differences(margin, grad_close):
    scores, y = random_problem(21, n=9, c=4)
    assert kink_distance(scores, y, margin) > 1e-3   # away from the hinge kinks
    _, dscores = svm_loss(scores, y, margin)
    assert np.any(dscores == 0) and np.any(dscores != 0)   # both active and inactive terms
    grad_close(numerical_gradient(lambda: svm_loss(scores, y, margin)[0], scores), dscores)


def test_svm_margin_default_is_one():
    scores, y = random_problem(22)
    assert svm_loss(scores, y)[0] == svm_loss(scores, y, 1.0)[0]
    assert svm_loss(scores, y)[0] != svm_loss(scores, y, 2.5)[0]


def test_svm_term_exactly_at_zero_gives_no_gradient():
    # y = 0, margin 1: class 1 sits exactly at the margin (0 − 1 + 1 = 0), class 2 is active.
    scores = np.array([[1.0, 0.0, 2.0]])
    losses, dsum = svm_terms(scores, np.array([0]), 1.0)
    assert losses[0] == 2.0
    assert np.array_equal(dsum, [[-1.0, 0.0, 1.0]])
    # margin 0 and a tie: the term is 0 and contributes nothing
    losses, dsum = svm_terms(np.array([[1.0, 1.0, 0.0]]), np.array([0]), 0.0)
    assert losses[0] == 0.0 and np.array_equal(dsum, np.zeros((1, 3)))


def test_svm_margins_table():
    scores = np.array([[3.2, 5.1, 2.0], [0.0, 1.0, -3.0]])
    m = svm_margins(scores, np.array([0, 1]), 1.0)
    assert np.allclose(m, [[0.0, 2.9, 0.0], [0.0, 0.0, 0.0]], atol=1e-14)
    m = svm_margins(scores, np.array([2, 2]), 1.0)
    assert np.allclose(m, [[2.2, 4.1, 0.0], [4.0, 5.0, 0.0]], atol=1e-14)


def test_loss_terms_dispatch():
    scores, y = random_problem(23)
    assert np.array_equal(loss_terms("softmax", scores, y)[0], softmax_terms(scores, y)[0])
    assert np.array_equal(loss_terms("svm", scores, y, 2.5)[0], svm_terms(scores, y, 2.5)[0])
    with pytest.raises(ValueError):
        loss_terms("hinge", scores, y)


@pytest.mark.parametrize("margin", [0.0, 1.0, 2.5])
@pytest.mark.parametrize("name", ["softmax", "svm"])
def test_example_losses_are_the_loss_terms_without_the_gradient(name, margin):
    scores, y = random_problem(24, n=11, c=5)
    losses = example_losses(name, scores, y, margin)
    assert losses.shape == (11,)
    assert np.array_equal(losses, loss_terms(name, scores, y, margin)[0])
    assert np.any(losses > 0)


def test_example_losses_rejects_an_unknown_loss():
    scores, y = random_problem(25)
    with pytest.raises(ValueError):
        example_losses("hinge", scores, y)


# --- L2 ------------------------------------------------------------------------------

def test_l2_regularization_value_and_gradient():
    w1 = np.array([[1.0, -2.0], [0.5, 0.0]])
    w2 = np.array([[3.0], [-1.0]])
    loss, grads = l2_regularization([w1, w2], 0.1)
    assert loss == pytest.approx(0.1 * (1 + 4 + 0.25 + 9 + 1), rel=1e-15)
    assert np.allclose(grads[0], 0.2 * w1) and np.allclose(grads[1], 0.2 * w2)


@pytest.mark.parametrize("loss", ["softmax", "svm"])
def test_l2_in_network_loss_covers_weights_not_biases(loss, grad_close):
    rng = np.random.default_rng(30)
    net = Network.create([3, 4, 3], activation="tanh", init="xavier", seed=5)
    for _, b in net.layers:
        b[:] = rng.standard_normal(b.shape)          # non-zero biases: must not be penalised
    X, y = rng.standard_normal((5, 3)), rng.integers(0, 3, 5)
    reg, margin = 0.3, 1.5
    with_reg = net.loss(X, y, loss=loss, reg=reg, margin=margin)
    without = net.loss(X, y, loss=loss, reg=0.0, margin=margin)
    expected = reg * sum(float((w ** 2).sum()) for w in net.weights)
    assert with_reg.reg_loss == pytest.approx(expected, rel=1e-14)
    assert with_reg.data_loss == without.data_loss
    assert with_reg.total == pytest.approx(with_reg.data_loss + expected, rel=1e-14)
    for (dw_r, db_r), (dw_0, db_0), w in zip(with_reg.grads, without.grads, net.weights):
        assert np.allclose(dw_r - dw_0, 2 * reg * w, rtol=1e-12, atol=1e-15)
        assert np.array_equal(db_r, db_0)
    # and the gradient of the total, by finite differences
    total = lambda: net.loss(X, y, loss=loss, reg=reg, margin=margin).total
    for (w, b), (dw, db) in zip(net.layers, with_reg.grads):
        grad_close(numerical_gradient(total, w), dw)
        grad_close(numerical_gradient(total, b), db)


# --- mse, R² and L1 -------------------------------------------------------------------

from app.nn import l1_regularization, mse_loss, r2_score  # noqa: E402
from app.nn.losses import mse_terms  # noqa: E402


def test_mse_matches_the_seed_formula_and_finite_differences():
    rng = np.random.default_rng(5)
    scores, y = rng.standard_normal((6, 3)), rng.uniform(-1, 1, (6, 3))
    loss, dscores = mse_loss(scores, y)
    assert loss == pytest.approx(sum((s - t) ** 2 for s, t in zip(scores.ravel(), y.ravel())) / (2 * 6), rel=1e-14)
    assert np.allclose(dscores, (scores - y) / 6, rtol=1e-15, atol=0)
    num = numerical_gradient(lambda: mse_loss(scores, y)[0], scores)
    assert np.allclose(num, dscores, rtol=1e-6, atol=1e-10)
    losses, dsum = mse_terms(scores, y)
    assert np.allclose(losses, 0.5 * ((scores - y) ** 2).sum(axis=1)) and np.allclose(dsum, scores - y)
    assert np.allclose(example_losses("mse", scores, y), losses)


def test_r2_is_one_for_a_perfect_fit_zero_for_the_mean_and_finite_for_constant_targets():
    y = np.array([1.0, -1.0, 0.5, 0.0])
    assert r2_score(y[:, None], y) == 1.0
    assert r2_score(np.full((4, 1), y.mean()), y) == pytest.approx(0.0, abs=1e-15)
    # SS_res = 0.04 · 4 over SS_tot = Σ (y − ȳ)² = 2.1875
    assert r2_score(y[:, None] + 0.2, y) == pytest.approx(1 - 0.16 / 2.1875)
    assert r2_score(np.zeros((3, 1)), np.ones(3)) == 0.0
    assert r2_score(np.ones((3, 1)), np.ones(3)) == 1.0


def test_l1_penalty_is_lambda_sum_abs_and_zero_gradient_at_zero():
    W1, W2 = np.array([[1.0, -2.0], [0.0, 0.5]]), np.array([[-0.25]])
    loss, grads = l1_regularization([W1, W2], 0.5)
    assert loss == pytest.approx(0.5 * 3.75)
    assert np.array_equal(grads[0], [[0.5, -0.5], [0.0, 0.5]]) and np.array_equal(grads[1], [[-0.5]])


def test_the_seed_l1_l2_comparison():
    """The seed's W = [1, 0, 0, 0] and [0.25]·4 score x = [1, 1, 1, 1] alike; L2 prefers the spread
    weights (1 vs 0.25), L1 charges both the same (1 and 1)."""
    a, b = np.array([[1.0, 0, 0, 0]]), np.full((1, 4), 0.25)
    x = np.ones(4)
    assert a @ x == b @ x
    assert l2_regularization([a], 1.0)[0] == 1.0 and l2_regularization([b], 1.0)[0] == 0.25
    assert l1_regularization([a], 1.0)[0] == 1.0 and l1_regularization([b], 1.0)[0] == 1.0

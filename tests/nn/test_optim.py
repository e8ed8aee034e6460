"""Optimizers (updates checked by hand) and the mini-batch sampler."""
from __future__ import annotations

import math

import numpy as np
import pytest

from app.nn import OPTIMIZERS, BatchSampler, make_optimizer
from app.nn.optim import SGD, Adam, Momentum


def params_and_grads():
    w = np.array([[1.0, -2.0], [0.5, 3.0]])
    b = np.array([0.25, -0.75])
    gw1 = np.array([[0.5, -1.0], [2.0, 1e-7]])      # one tiny component: exposes Adam's ε
    gb1 = np.array([-0.3, 0.0])
    gw2 = np.array([[-0.25, 0.5], [1.0, 2e-7]])
    gb2 = np.array([0.6, 0.1])
    return [w, b], [gw1, gb1], [gw2, gb2]


def test_make_optimizer():
    assert set(OPTIMIZERS) == {"sgd", "momentum", "adam"}
    assert isinstance(make_optimizer("sgd"), SGD)
    assert isinstance(make_optimizer("momentum"), Momentum)
    assert isinstance(make_optimizer("adam"), Adam)
    assert make_optimizer("adam") is not make_optimizer("adam")     # fresh state each time
    with pytest.raises(ValueError):
        make_optimizer("rmsprop")


def test_sgd_exact_update_in_place():
    params, g1, _ = params_and_grads()
    w, b = params
    w0, b0 = w.copy(), b.copy()
    SGD().step(params, g1, 0.1)
    assert params[0] is w and params[1] is b                       # updated in place
    assert np.array_equal(w, w0 - 0.1 * g1[0]) and np.array_equal(b, b0 - 0.1 * g1[1])
    assert w[0, 0] == 1.0 - 0.1 * 0.5


def test_momentum_two_steps_by_hand():
    params, g1, g2 = params_and_grads()
    start = [p.copy() for p in params]
    opt, lr, mu = Momentum(), 0.1, 0.9
    assert opt.mu == mu
    opt.step(params, g1, lr)
    v1 = [-lr * g for g in g1]                                     # v = μ·0 − lr·g
    for p, p0, v in zip(params, start, v1):
        assert np.allclose(p, p0 + v, rtol=1e-15, atol=1e-16)
    opt.step(params, g2, lr)
    v2 = [mu * v - lr * g for v, g in zip(v1, g2)]
    for p, p0, a, c in zip(params, start, v1, v2):
        assert np.allclose(p, p0 + a + c, rtol=1e-15, atol=1e-15)
    # the second step is not plain SGD: the first velocity carries over
    assert not np.allclose(params[0], start[0] - lr * g1[0] - lr * g2[0])


def reference_adam(params, grad_steps, lr, b1=0.9, b2=0.999, eps=1e-8):
    """Adam, Algorithm 1 of Kingma & Ba (2015), one scalar at a time."""
    out = []
    for k, p0 in enumerate(params):
        res = np.empty_like(p0)
        for idx in np.ndindex(p0.shape):
            theta, m, v = float(p0[idx]), 0.0, 0.0
            for t, grads in enumerate(grad_steps, start=1):
                g = float(grads[k][idx])
                m = b1 * m + (1 - b1) * g
                v = b2 * v + (1 - b2) * g * g
                m_hat = m / (1 - b1 ** t)
                v_hat = v / (1 - b2 ** t)
                theta -= lr * m_hat / (math.sqrt(v_hat) + eps)
            res[idx] = theta
        out.append(res)
    return out


def test_adam_two_steps_against_a_reference():
    params, g1, g2 = params_and_grads()
    start = [p.copy() for p in params]
    opt, lr = Adam(), 0.01
    assert (opt.beta1, opt.beta2, opt.eps) == (0.9, 0.999, 1e-8)
    opt.step(params, g1, lr)
    for p, r, p0 in zip(params, reference_adam(start, [g1], lr), start):
        assert np.allclose(p - p0, r - p0, rtol=1e-9, atol=1e-15)
    opt.step(params, g2, lr)
    for p, r, p0 in zip(params, reference_adam(start, [g1, g2], lr), start):
        assert np.allclose(p - p0, r - p0, rtol=1e-9, atol=1e-15)


def test_adam_first_step_is_lr_times_sign():
    # After one step m̂ = g and v̂ = g², so the update is lr·g/(|g| + ε) ≈ lr·sign(g).
    p = np.array([0.0, 0.0, 0.0])
    g = np.array([3.0, -0.02, 1e-6])
    Adam().step([p], [g], 0.5)
    assert np.allclose(p, -0.5 * g / (np.abs(g) + 1e-8), rtol=1e-9)
    assert p[2] == pytest.approx(-0.5 * 0.990099, rel=1e-6)


# --- BatchSampler --------------------------------------------------------------------

def test_full_batch_is_none_and_an_epoch_every_step():
    for size in (0, 100, 500):
        s = BatchSampler(100, size, np.random.default_rng(0))
        assert s.full_batch
        assert [s.next() for _ in range(3)] == [(None, True)] * 3


def draw_epoch(sampler):
    batches, ends = [], []
    while True:
        batch, end = sampler.next()
        batches.append(batch)
        ends.append(end)
        if end:
            return batches, ends


def test_batches_of_32_cover_a_permutation():
    s = BatchSampler(100, 32, np.random.default_rng(0))
    assert not s.full_batch
    batches, ends = draw_epoch(s)
    assert [len(b) for b in batches] == [32, 32, 32, 4]
    assert ends == [False, False, False, True]
    order = np.concatenate(batches)
    assert np.array_equal(np.sort(order), np.arange(100))
    assert not np.array_equal(order, np.arange(100))              # shuffled
    second, ends2 = draw_epoch(s)
    assert [len(b) for b in second] == [32, 32, 32, 4] and ends2[-1]
    order2 = np.concatenate(second)
    assert np.array_equal(np.sort(order2), np.arange(100))
    assert not np.array_equal(order, order2)                      # reshuffled each epoch


def test_sampler_is_deterministic_for_a_seed():
    a = [b for _ in range(3) for b in draw_epoch(BatchSampler(50, 8, np.random.default_rng(5)))[0]]
    b = [b for _ in range(3) for b in draw_epoch(BatchSampler(50, 8, np.random.default_rng(5)))[0]]
    c = draw_epoch(BatchSampler(50, 8, np.random.default_rng(6)))[0]
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not np.array_equal(np.concatenate(a[:7]), np.concatenate(c))


def test_batch_size_change_mid_epoch_keeps_going():
    s = BatchSampler(100, 32, np.random.default_rng(1))
    first, end = s.next()
    assert len(first) == 32 and not end
    s.batch_size = 50
    second, end = s.next()
    assert len(second) == 50 and not end
    third, end = s.next()
    assert len(third) == 18 and end
    seen = np.concatenate([first, second, third])
    assert np.array_equal(np.sort(seen), np.arange(100))           # the same epoch went on
    s.batch_size = 0
    assert s.next() == (None, True)
    s.batch_size = 1                                               # plain SGD afterwards
    one, end = s.next()
    assert len(one) == 1 and not end

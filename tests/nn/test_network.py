"""The network: gradients of every parameter and of X, hidden outputs, init, dtypes."""
from __future__ import annotations

import numpy as np
import pytest

from app.nn import (ACTIVATIONS, INITS, LOSSES, REGRESSION_LOSSES, REGULARIZERS, Network, make_optimizer,
                    numerical_gradient, parameter_count)
from app.nn.layers import activation_forward

D, C, N = 3, 3, 5
HIDDEN = {0: [], 1: [4], 2: [4, 5], 3: [4, 5, 4]}
REG, MARGIN = 0.05, 0.5


def pre_activations(net, X):
    """z_l = h_{l-1} @ W_l + b_l for every layer, computed here, not by the engine."""
    zs, h = [], X
    for l, (w, b) in enumerate(net.layers):
        z = h @ w + b
        zs.append(z)
        if l < len(net.layers) - 1:
            h = activation_forward(net.activation, z)[0]
    return zs


def min_svm_kink(scores, y, margin):
    rows = np.arange(len(y))
    d = np.abs(scores - scores[rows, y][:, None] + margin)
    d[rows, y] = np.inf
    return d.min()


def checkable_problem(depth, activation, loss, seed=0):
    """A small network with random (non-zero) biases and data, drawn until no
    ReLU/leaky unit and no hinge term sits within 1e-3 of its kink."""
    for attempt in range(50):
        rng = np.random.default_rng([seed, attempt])
        net = Network.create([D, *HIDDEN[depth], C], activation=activation, init="xavier",
                             seed=int(rng.integers(1 << 30)))
        for _, b in net.layers:
            b[:] = 0.5 * rng.standard_normal(b.shape)
        X = rng.standard_normal((N, D))
        # regression targets are reals (N, C); classification labels are class indices
        y = rng.uniform(-1, 1, (N, C)) if loss in REGRESSION_LOSSES else rng.integers(0, C, N)
        zs = pre_activations(net, X)
        hidden_ok = activation not in ("relu", "leaky_relu") or all(np.abs(z).min() > 1e-3 for z in zs[:-1])
        loss_ok = loss != "svm" or min_svm_kink(zs[-1], y, MARGIN) > 1e-3
        l1_ok = min(np.abs(w).min() for w in net.weights) > 1e-3   # |W| has its kink at 0
        if hidden_ok and loss_ok and l1_ok:
            return net, X, y
    raise AssertionError("no kink-free draw")   # pragma: no cover


@pytest.mark.parametrize("regularization", sorted(REGULARIZERS))
@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("depth", [0, 1, 2, 3])
def test_every_gradient_matches_finite_differences(depth, activation, loss, regularization, grad_close):
    net, X, y = checkable_problem(depth, activation, loss)
    kw = dict(loss=loss, reg=REG, margin=MARGIN, regularization=regularization)
    res = net.loss(X, y, need_dx=True, **kw)
    assert len(res.grads) == depth + 1
    total = lambda: net.loss(X, y, **kw).total
    for (w, b), (dw, db) in zip(net.layers, res.grads):
        assert dw.shape == w.shape and db.shape == b.shape
        grad_close(numerical_gradient(total, w), dw)
        grad_close(numerical_gradient(total, b), db)
    assert res.dX.shape == X.shape
    grad_close(numerical_gradient(total, X), res.dX)


def test_dx_is_only_computed_when_asked():
    net, X, y = checkable_problem(1, "relu", "softmax")
    assert net.loss(X, y).dX is None
    assert net.loss(X, y, need_dx=True).dX.shape == X.shape


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_forward_and_hidden_against_a_hand_written_pass(activation):
    net, X, y = checkable_problem(2, activation, "softmax", seed=1)
    act = {"relu": lambda z: np.maximum(z, 0), "tanh": np.tanh, "linear": lambda z: z,
           "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
           "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z)}[activation]
    (w1, b1), (w2, b2), (w3, b3) = net.layers
    h1 = act(X @ w1 + b1)
    h2 = act(h1 @ w2 + b2)
    scores = h2 @ w3 + b3
    res = net.loss(X, y, reg=0.1)
    assert np.allclose(res.scores, scores, rtol=1e-13, atol=1e-14)
    assert np.allclose(net.scores(X), scores, rtol=1e-13, atol=1e-14)
    assert np.array_equal(net.predict(X), scores.argmax(axis=1))
    assert [h.shape for h in res.hidden] == [(N, 4), (N, 5)]
    assert np.allclose(res.hidden[0], h1, rtol=1e-13, atol=1e-14)
    assert np.allclose(res.hidden[1], h2, rtol=1e-13, atol=1e-14)
    if activation == "relu":
        assert min(h.min() for h in res.hidden) >= 0


@pytest.mark.parametrize("depth", [0, 1, 2, 3])
def test_hidden_has_one_entry_per_hidden_layer(depth):
    net = Network.create([D, *HIDDEN[depth], C], activation="relu", seed=2)
    X = np.random.default_rng(2).standard_normal((N, D))
    res = net.loss(X, np.zeros(N, dtype=int))
    assert [h.shape for h in res.hidden] == [(N, h) for h in HIDDEN[depth]]
    _, cache = net.forward(X)
    assert [h.shape for h in Network.hidden(cache)] == [(N, h) for h in HIDDEN[depth]]


@pytest.mark.parametrize("loss", LOSSES)
def test_loss_result_fields(loss):
    net, X, y = checkable_problem(1, "tanh", loss, seed=3)
    res = net.loss(X, y, loss=loss, reg=0.2, margin=MARGIN)
    assert res.per_example.shape == (N,) and np.all(res.per_example >= 0)
    assert res.data_loss == pytest.approx(res.per_example.mean(), rel=1e-15)
    if loss == "mse":  # the seed's J = 1/(2N) Σᵢ Σₖ (sᵢₖ − yᵢₖ)², the ½ included
        assert res.data_loss == pytest.approx(((res.scores - y) ** 2).sum() / (2 * N), rel=1e-14)
    assert res.reg_loss == pytest.approx(0.2 * sum((w ** 2).sum() for w in net.weights), rel=1e-14)
    assert res.total == res.data_loss + res.reg_loss
    assert res.scores.shape == (N, C)
    assert isinstance(res.data_loss, float) and isinstance(res.reg_loss, float)


def test_l1_penalty_and_its_gradient_by_hand():
    net = Network([(np.array([[1.0, -2.0], [0.0, 0.5]]), np.array([3.0, -4.0]))])
    X, y = np.ones((1, 2)), np.array([0])
    res = net.loss(X, y, reg=0.1, regularization="l1")
    assert res.reg_loss == pytest.approx(0.1 * 3.5)        # biases never regularized
    plain = net.loss(X, y)
    # λ·sign(W), and 0 where W is exactly 0
    assert np.allclose(res.grads[0][0] - plain.grads[0][0], [[0.1, -0.1], [0.0, 0.1]], rtol=0, atol=1e-15)
    assert np.array_equal(res.grads[0][1], plain.grads[0][1])
    with pytest.raises(ValueError):
        net.loss(X, y, reg=0.1, regularization="l3")


def test_mse_takes_one_output_targets_as_a_vector():
    net = Network([(np.array([[2.0], [-1.0]]), np.array([0.5]))])
    X, y = np.array([[1.0, 1.0], [0.0, 2.0]]), np.array([1.0, -1.0])
    res = net.loss(X, y, loss="mse")
    # scores 1.5 and −1.5: J = ((0.5)² + (−0.5)²) / (2·2)
    assert res.data_loss == pytest.approx(0.125)
    assert np.allclose(res.grads[0][1], [(0.5 - 0.5) / 2])
    with pytest.raises(ValueError):
        net.loss(X, np.zeros((2, 2)), loss="mse")


@pytest.mark.parametrize("sizes, total, arithmetic", [
    ([3072, 100, 10], 308_310, "3072·100 + 100 + 100·10 + 10 = 308,310"),
    ([2, 3], 9, "2·3 + 3 = 9"),
    ([2, 8, 8, 1], 105, "2·8 + 8 + 8·8 + 8 + 8·1 + 1 = 105"),
])
def test_parameter_count_with_its_arithmetic(sizes, total, arithmetic):
    count = parameter_count(sizes)
    assert count == {"total": total, "arithmetic": arithmetic}
    assert count["total"] == sum(p.size for p in Network.create(sizes).params)


# --- init ----------------------------------------------------------------------------

@pytest.mark.parametrize("init, expected_std", [
    ("small", 0.01), ("xavier", np.sqrt(1 / 1000)), ("he", np.sqrt(2 / 1000))])
def test_init_scales(init, expected_std):
    net = Network.create([1000, 500, 10], init=init, seed=0)
    (w1, b1), (w2, b2) = net.layers
    assert w1.shape == (1000, 500) and w2.shape == (500, 10)
    assert abs(w1.std() / expected_std - 1) < 0.03
    assert abs(w1.mean()) < 0.01 * expected_std * 10
    assert np.array_equal(b1, np.zeros(500)) and np.array_equal(b2, np.zeros(10))
    # the second layer's fan-in is 500
    second = {"small": 0.01, "xavier": np.sqrt(1 / 500), "he": np.sqrt(2 / 500)}[init]
    assert abs(w2.std() / second - 1) < 0.1


def test_init_names():
    assert set(INITS) == {"small", "xavier", "he"}
    with pytest.raises(ValueError):
        Network.create([2, 3], init="uniform")


def test_init_is_deterministic_per_seed():
    a = Network.create([2, 8, 8, 3], activation="tanh", init="he", seed=7)
    b = Network.create([2, 8, 8, 3], activation="tanh", init="he", seed=7)
    c = Network.create([2, 8, 8, 3], activation="tanh", init="he", seed=8)
    assert all(np.array_equal(p, q) for p, q in zip(a.params, b.params))
    assert not any(np.array_equal(p, q) for p, q in zip(a.weights, c.weights))


def test_sizes_dtype_and_copy():
    net = Network.create([2, 6, 4, 3], seed=1)
    assert net.sizes == [2, 6, 4, 3] and net.dtype == np.float64
    assert len(net.params) == 6 and len(net.weights) == 3
    twin = net.copy()
    twin.layers[0][0][0, 0] += 1.0
    assert twin.layers[0][0][0, 0] != net.layers[0][0][0, 0]


def test_constructor_rejects_bad_arguments():
    with pytest.raises(ValueError):
        Network.create([2, 3], activation="softplus")
    with pytest.raises(ValueError):
        Network([])
    with pytest.raises(ValueError):
        Network.create([2] + [4] * 7 + [3])          # 7 hidden layers: one too many
    assert len(Network.create([2] + [4] * 6 + [3]).layers) == 7


# --- float32 -------------------------------------------------------------------------

def test_float32_and_float64_start_from_the_same_weights():
    a = Network.create([2, 50, 3], init="xavier", seed=4, dtype=np.float32)
    b = Network.create([2, 50, 3], init="xavier", seed=4, dtype=np.float64)
    assert a.dtype == np.float32
    for p, q in zip(a.params, b.params):
        assert p.dtype == np.float32
        assert np.array_equal(p, q.astype(np.float32))


def test_float32_trains_like_float64_on_the_spiral(spiral):
    X, y = spiral
    nets = {dt: Network.create([2, 100, 3], init="small", seed=0, dtype=dt)
            for dt in (np.float32, np.float64)}
    for dt, net in nets.items():
        opt = make_optimizer("sgd")
        for _ in range(300):
            res = net.loss(X, y, reg=5e-4)
            opt.step(net.params, [g for pair in res.grads for g in pair], 1.0)
        assert res.scores.dtype == dt
        assert all(g.dtype == dt for pair in res.grads for g in pair)
        assert all(p.dtype == dt for p in net.params)
    p32, p64 = nets[np.float32].predict(X), nets[np.float64].predict(X)
    assert np.mean(p32 == p64) >= 0.97
    acc64 = np.mean(p64 == y)
    assert abs(np.mean(p32 == y) - acc64) <= 0.03 and acc64 > 0.6

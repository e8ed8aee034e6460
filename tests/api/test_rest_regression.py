"""REST v1: the mse loss with real targets, R², the L1 regularizer, the regression datasets.

Gradients are checked through POST /api/v1/backward against centred differences
of a reference written here from the formulas (sharing no code with app/nn).
"""
from __future__ import annotations

import numpy as np
import pytest

from app.nn import ACTIVATIONS

from .test_rest import model_json, numeric_grad, ok, random_layers, ref_forward, rel_error

HIDDEN = {0: [], 1: [4], 2: [4, 3], 3: [3, 4, 3]}


def ref_mse_total(layers, activation, X, y, reg, regularization):
    scores, _ = ref_forward(layers, activation, X)
    y2 = y.reshape(len(y), -1)
    data = ((scores - y2) ** 2).sum() / (2 * len(X))
    if regularization == "l1":
        penalty = sum(np.abs(W).sum() for W, _ in layers)
    else:
        penalty = sum((W ** 2).sum() for W, _ in layers)
    return data + reg * penalty


@pytest.mark.parametrize("regularization", ["l2", "l1"])
@pytest.mark.parametrize("outputs", [1, 2])
@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("depth", [0, 1, 2, 3])
def test_mse_backward_matches_centred_differences(client, depth, activation, outputs, regularization):
    layers = random_layers([3, *HIDDEN[depth], outputs], seed=depth * 10 + outputs)
    rng = np.random.default_rng(depth)
    X = rng.standard_normal((5, 3))
    y = rng.uniform(-1, 1, 5) if outputs == 1 else rng.uniform(-1, 1, (5, outputs))
    reg = 0.05
    body = {"model": model_json(layers, activation), "X": X.tolist(), "y": y.tolist(), "loss": "mse",
            "reg": reg, "regularization": regularization}
    out = ok(client.post("/api/v1/backward", json=body))
    total = lambda: ref_mse_total(layers, activation, X, y, reg, regularization)
    assert out["loss"]["total"] == pytest.approx(total(), rel=1e-12)
    for (W, b), g in zip(layers, out["grads"]["layers"]):
        assert rel_error(g["W"], numeric_grad(total, W)) < 1e-6
        assert rel_error(g["b"], numeric_grad(total, b)) < 1e-6
    assert rel_error(out["grads"]["X"], numeric_grad(total, X)) < 1e-6
    assert "accuracy" not in out and -np.inf < out["r2"] <= 1


@pytest.mark.parametrize("loss", ["softmax", "svm"])
def test_l1_through_backward_for_the_classification_losses(client, loss):
    layers = random_layers([2, 4, 3], seed=9)
    rng = np.random.default_rng(9)
    X, y = rng.standard_normal((6, 2)), rng.integers(0, 3, 6)
    body = {"model": model_json(layers, "tanh"), "X": X.tolist(), "y": y.tolist(), "loss": loss,
            "reg": 0.2, "regularization": "l1"}
    out = ok(client.post("/api/v1/backward", json=body))
    l2 = ok(client.post("/api/v1/backward", json={**body, "regularization": "l2"}))
    assert out["loss"]["reg"] == pytest.approx(0.2 * sum(np.abs(W).sum() for W, _ in layers), rel=1e-13)
    assert out["loss"]["data"] == l2["loss"]["data"]
    for (W, _), g1, g2 in zip(layers, out["grads"]["layers"], l2["grads"]["layers"]):
        # the two differ by exactly their penalties' gradients: λ·sign(W) against 2λW
        assert np.allclose(np.subtract(g1["W"], g2["W"]), 0.2 * np.sign(W) - 0.4 * W, rtol=0, atol=1e-12)
        assert g1["b"] == g2["b"]                      # biases never regularized
    assert "accuracy" in out and "r2" not in out


def test_forward_reports_r2_and_no_accuracy_for_mse(client):
    layers = [(np.array([[0.6], [-0.3]]), np.array([0.0]))]
    X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [-1.0, 0.5]])
    y = X @ np.array([0.6, -0.3]) + np.array([0.1, -0.1, 0.0, 0.0])
    out = ok(client.post("/api/v1/forward", json={"model": model_json(layers), "X": X.tolist(), "y": y.tolist(),
                                                  "loss": "mse"}))
    assert out["loss"]["data"] == pytest.approx((0.01 + 0.01) / (2 * 4))
    assert out["per_example_loss"] == pytest.approx([0.005, 0.005, 0.0, 0.0])
    ss_tot = ((y - y.mean()) ** 2).sum()
    assert out["r2"] == pytest.approx(1 - 0.02 / ss_tot) and "accuracy" not in out
    assert np.allclose(out["scores"], (X @ np.array([0.6, -0.3]))[:, None])


def test_step_with_l1_and_mse(client):
    layers = random_layers([2, 1], seed=2)
    X, y = [[1.0, 2.0], [-1.0, 0.5]], [0.5, -0.5]
    body = {"model": model_json(layers, "linear"), "X": X, "y": y, "loss": "mse", "reg": 0.1,
            "regularization": "l1", "learning_rate": 0.5}
    out = ok(client.post("/api/v1/step", json=body))
    (W, b), g = layers[0], out["grads"]["layers"][0]
    assert np.allclose(out["model"]["layers"][0]["W"], W - 0.5 * np.asarray(g["W"]), rtol=0, atol=1e-15)


@pytest.mark.parametrize("change, loc, words", [
    ({"y": [[0.5, 1.0], [0.1, 0.2]]}, ["body", "y"], "outputs"),          # 2 targets a row, 1 output
    ({"y": [0.5]}, ["body", "y"], "rows"),
    ({"y": [0.5, [0.1]]}, ["body", "y"], "all numbers"),
    ({"y": [0.5, "x"]}, ["body", "y", 1], None),
    ({"y": [0.5, True]}, ["body", "y", 1], None),
    ({"regularization": "l3"}, ["body", "regularization"], None),
    ({"loss": "softmax", "y": [0, 0]}, ["body", "model", "layers", 0, "W"], "2 to"),  # 1 output is regression only
])
def test_bad_regression_requests_name_the_field(client, change, loc, words):
    body = {"model": model_json(random_layers([2, 1], seed=3)), "X": [[1.0, 2.0], [0.0, 1.0]], "y": [0.5, -0.5],
            "loss": "mse", **change}
    r = client.post("/api/v1/backward", json=body)
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert any(d["loc"][:len(loc)] == loc for d in detail), detail
    if words:
        assert any(words in d["msg"] for d in detail), detail
    assert "True" not in r.text and '"x"' not in r.text


def test_two_targets_a_row_for_two_outputs(client):
    body = {"model": model_json(random_layers([2, 2], seed=3)), "X": [[1.0, 2.0], [0.0, 1.0]],
            "y": [[0.5, 1.0], [0.1, 0.2]], "loss": "mse"}
    out = ok(client.post("/api/v1/backward", json=body))
    assert np.shape(out["grads"]["layers"][0]["W"]) == (2, 2) and "r2" in out


@pytest.mark.parametrize("name", ["plane", "gaussians-regression"])
def test_regression_datasets_return_real_targets(client, name):
    out = ok(client.get(f"/api/v1/datasets/{name}", params={"n": 200, "seed": 4}))
    y = np.array(out["y"])
    assert out["task"] == "regression" and out["classes"] == 1
    assert y.dtype == np.float64 and y.min() >= -1 and y.max() <= 1 and len(np.unique(y)) == 200
    listed = {d["name"]: d for d in ok(client.get("/api/v1/datasets"))["datasets"]}
    assert listed[name]["parameters"]["classes"] == {"default": 1, "min": 1, "max": 1}
    assert "task" not in ok(client.get("/api/v1/datasets/spiral"))   # point sets answer as before


def test_a_no_hidden_layer_model_fits_the_plane_through_rest(client):
    """The seed's linear regression: repeated /step calls find W ≈ [0.6, −0.3]."""
    data = ok(client.get("/api/v1/datasets/plane", params={"n": 200, "noise": 0.05}))
    model = model_json([(np.zeros((2, 1)), np.zeros(1))], "linear")
    for _ in range(60):
        out = ok(client.post("/api/v1/step", json={"model": model, "X": data["X"], "y": data["y"], "loss": "mse",
                                                   "learning_rate": 1.5}))
        model = out["model"]
    assert np.allclose(np.ravel(model["layers"][0]["W"]), [0.6, -0.3], atol=0.03)
    fwd = ok(client.post("/api/v1/forward", json={"model": model, "X": data["X"], "y": data["y"], "loss": "mse"}))
    assert fwd["r2"] > 0.95

"""docs/extending.md, for real: an activation, a loss and a dataset, each added as one
registry entry (registered here for one test with monkeypatch), reach the catalog,
the schemas, the REST API and a live session with no other change.
"""
from __future__ import annotations

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.catalog import catalog
from app.config import Settings
from app.datasets import DATASETS, DatasetSpec, make_dataset
from app.main import create_app
from app.nn import ACTIVATIONS, LOSSES, Activation, Loss, Network, numerical_gradient, relative_error
from app.nn.losses import svm_margins

# ---- the three entries of docs/extending.md ------------------------------------------------


def softsign_forward(x):
    """x / (1 + |x|); cache = x."""
    return x / (1 + np.abs(x)), x


def softsign_backward(dout, cache):
    return dout / (1 + np.abs(cache)) ** 2


SOFTSIGN = Activation(softsign_forward, softsign_backward, "Softsign", "Softsign")


def squared_hinge_terms(scores, y, margin=1.0):
    """Lᵢ = Σ_{j≠yᵢ} max(0, s_j − s_{yᵢ} + Δ)²: (Lᵢ (N,), dscores of Σ Lᵢ (N, C))."""
    m = svm_margins(scores, y, margin)
    d = 2 * m
    d[np.arange(len(y)), y] = -d.sum(axis=1)
    return (m * m).sum(axis=1), d


SQUARED_HINGE = Loss(
    terms=squared_hinge_terms,
    example_losses=lambda scores, y, margin=1.0: squared_hinge_terms(scores, y, margin)[0],
    label="Squared hinge (L2-SVM)", label_zh="平方合页损失（L2-SVM）", params=("margin",))


def bands(rng, counts, noise):
    """Class k fills the k-th of len(counts) vertical bands of [-1, 1]²."""
    width = 2 / len(counts)
    return [np.c_[rng.uniform(-1 + k * width, -1 + (k + 1) * width, n), rng.uniform(-1, 1, n)]
            + noise * rng.standard_normal((n, 2)) for k, n in enumerate(counts)]


BANDS = DatasetSpec(
    name="bands", label="Bands", label_zh="条带", generate=bands,
    description="Vertical bands side by side, one per class.", description_zh="并排的竖条，每个类别一条。",
    min_classes=2, max_classes=6, default_classes=3, default_noise=0.02, max_noise=0.2)


@pytest.fixture
def registered(monkeypatch):
    monkeypatch.setitem(ACTIVATIONS, "softsign", SOFTSIGN)
    monkeypatch.setitem(LOSSES, "squared_hinge", SQUARED_HINGE)
    monkeypatch.setitem(DATASETS, "bands", BANDS)


def config_reply(ws, patch):
    ws.send_json({"type": "config", "config": patch})
    for _ in range(500):
        msg = ws.receive_json()
        if msg["type"] in ("config", "error"):
            return msg
    raise AssertionError("no reply to the config")


# ---- the engine -----------------------------------------------------------------------------

@pytest.mark.parametrize("loss, activation", [("squared_hinge", "softsign"), ("softmax", "softsign"),
                                              ("squared_hinge", "relu")])
def test_the_new_entries_have_the_right_gradients(registered, loss, activation):
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((6, 2)), rng.integers(0, 3, 6)
    net = Network.create([2, 5, 3], activation, "xavier", seed=1)
    result = net.loss(X, y, loss, reg=0.01, margin=1.0)
    for l, (w, b) in enumerate(net.layers):
        def total():
            return net.loss(X, y, loss, reg=0.01, margin=1.0).total
        assert relative_error(result.grads[l][0], numerical_gradient(total, w)) < 1e-7
        assert relative_error(result.grads[l][1], numerical_gradient(total, b)) < 1e-7


def test_the_new_dataset_is_made_like_the_others(registered):
    ds = make_dataset("bands", n=90, seed=3)
    assert ds.X.shape == (90, 2) and list(np.bincount(ds.y)) == [30, 30, 30]
    assert np.all(ds.X[ds.y == 0, 0] < -1 / 3 + 0.2) and np.all(ds.X[ds.y == 2, 0] > 1 / 3 - 0.2)


# ---- everywhere else, with no other change ---------------------------------------------------

def test_the_new_entries_are_in_the_catalog_and_the_openapi_schema(registered):
    out = catalog(Settings())
    assert out["activations"]["softsign"]["label"] == {"en": "Softsign", "zh": "Softsign"}
    assert out["losses"]["squared_hinge"]["params"] == ["margin"]
    assert out["datasets"]["bands"]["max_classes"] == 6
    with TestClient(create_app()) as client:
        schemas = client.get("/openapi.json").json()["components"]["schemas"]
        assert "softsign" in schemas["ModelParams"]["properties"]["activation"]["enum"]
        assert "squared_hinge" in schemas["ForwardRequest"]["properties"]["loss"]["enum"]
        assert "bands" in [d["name"] for d in client.get("/api/v1/datasets").json()["datasets"]]


def test_the_new_entries_work_through_rest(registered):
    rng = np.random.default_rng(2)
    layers = [(rng.standard_normal((2, 4)), rng.standard_normal(4)), (rng.standard_normal((4, 3)), np.zeros(3))]
    model = {"activation": "softsign", "layers": [{"W": w.tolist(), "b": b.tolist()} for w, b in layers]}
    X, y = rng.standard_normal((5, 2)), [0, 1, 2, 0, 1]
    with TestClient(create_app()) as client:
        r = client.post("/api/v1/backward", json={"model": model, "X": X.tolist(), "y": y,
                                                   "loss": "squared_hinge", "margin": 0.5})
        assert r.status_code == 200, r.text
        h = X @ layers[0][0] + layers[0][1]
        h = h / (1 + np.abs(h))
        scores = h @ layers[1][0] + layers[1][1]
        expected = squared_hinge_terms(scores, np.array(y), 0.5)[0]
        assert r.json()["per_example_loss"] == pytest.approx(expected.tolist(), rel=1e-12)
        points = client.get("/api/v1/datasets/bands", params={"n": 60, "classes": 4, "seed": 3}).json()
        assert points["classes"] == 4 and points["X"] == make_dataset("bands", 60, 4, seed=3).X.tolist()


def test_the_new_entries_work_in_a_live_session(registered):
    with TestClient(create_app(Settings(frame_process=False))) as client:
        with client.websocket_connect("/ws/session") as ws:
            assert ws.receive_json()["type"] == "hello"
            reply = config_reply(ws, {"dataset": "bands", "activation": "softsign", "loss": "squared_hinge"})
            assert reply["type"] == "config", reply
            assert (reply["config"]["dataset"], reply["config"]["activation"], reply["config"]["loss"]) == (
                "bands", "softsign", "squared_hinge")
            assert reply["config"]["noise"] == BANDS.default_noise
            ws.send_json({"type": "step", "n": 20})
            for _ in range(500):
                frame = ws.receive_json()
                if frame["type"] == "frame" and frame["step"] == 20:
                    break
            assert frame["status"] == "ok" and frame["loss"]["data"] > 0
            assert config_reply(ws, {"classes": 7})["field"] == "classes"  # the entry's own bounds hold

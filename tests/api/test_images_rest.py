"""REST for the image sets: GET /api/v1/datasets/{digits,shapes}; confusion vs /forward."""
from __future__ import annotations

import numpy as np
import pytest

from app.datasets import make_dataset
from app.image_views import confusion
from app.nn import Network


def ok(r):
    assert r.status_code == 200, r.text
    return r.json()


def test_list_has_the_image_sets(client):
    by_name = {d["name"]: d for d in ok(client.get("/api/v1/datasets"))["datasets"]}
    assert by_name["digits"]["image_shape"] == [8, 8, 1] and by_name["digits"]["kind"] == "image"
    assert by_name["shapes"]["image_shape"] == [32, 32, 3]
    assert by_name["shapes"]["class_names"][:3] == ["circle", "ring", "square"]
    assert by_name["digits"]["parameters"]["n"] == {"default": 1797, "min": 10, "max": 1797}
    assert "image_shape" not in by_name["spiral"] and by_name["spiral"]["kind"] == "points"


def test_only_test_answers_the_held_out_images_in_order(client):
    out = ok(client.get("/api/v1/datasets/shapes", params={"n": 40, "only_test": "true"}))
    ds = make_dataset("shapes", n=40)
    assert np.array_equal(out["X"], ds.X[ds.test]) and out["y"] == ds.y[ds.test].tolist()
    assert out["test"] == [True] * 8


def test_get_digits_is_every_image_by_default(client):
    out = ok(client.get("/api/v1/datasets/digits"))
    assert out["image_shape"] == [8, 8, 1] and out["classes"] == 10
    X = np.array(out["X"])
    assert X.shape == (1797, 64) and X.min() == 0 and X.max() == 1
    assert sum(out["test"]) == 359 and out["class_names"][9] == "9"


@pytest.mark.parametrize("name, width", [("digits", 64), ("shapes", 3072)])
def test_get_image_set_subsamples_by_n(name, width, client):
    params = {"n": 50, "seed": 2, "test_fraction": 0.4}
    out = ok(client.get(f"/api/v1/datasets/{name}", params=params))
    ds = make_dataset(name, n=50, seed=2, test_fraction=0.4)
    assert np.array(out["X"]).shape == (50, width) and np.array_equal(out["X"], ds.X)
    assert out["y"] == ds.y.tolist() and out["test"] == ds.test.tolist() and sum(out["test"]) == 20
    assert np.bincount(out["y"]).tolist() == [5] * 10


@pytest.mark.parametrize("params, field", [({"n": 1798}, "n"), ({"classes": 3}, "classes"),
                                           ({"noise": 0.1}, "noise")])
def test_get_digits_refuses_out_of_range(params, field, client):
    r = client.get("/api/v1/datasets/digits", params=params)
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["query", field]


def test_confusion_agrees_with_forward_on_the_test_images(client):
    ds = make_dataset("digits")
    X_train, y_train = ds.X[~ds.test], ds.y[~ds.test]
    net = Network.create([64, 10], seed=0)
    for _ in range(30):  # a few full-batch steps: a model that is right and wrong
        res = net.loss(X_train, y_train, reg=1e-3)
        for p, g in zip(net.params, [g for pair in res.grads for g in pair]):
            p -= 0.5 * g
    X_test, y_test = ds.X[ds.test], ds.y[ds.test]
    out = confusion(net.scores(X_test), y_test, 10)
    body = {"model": {"activation": "relu", "layers": [{"W": W.tolist(), "b": b.tolist()} for W, b in net.layers]},
            "X": X_test.tolist(), "y": y_test.tolist()}
    fwd = ok(client.post("/api/v1/forward", json=body))
    matrix = np.array(out["matrix"])
    assert matrix.sum() == len(y_test) == 359
    expected = np.zeros((10, 10), dtype=int)
    np.add.at(expected, (y_test, fwd["predictions"]), 1)
    assert np.array_equal(matrix, expected)
    assert np.trace(matrix) / matrix.sum() == pytest.approx(fwd["accuracy"])
    assert 0.5 < fwd["accuracy"] < 1.0


def test_point_sets_answer_as_before(client):
    spiral = ok(client.get("/api/v1/datasets"))["datasets"][0]
    assert set(spiral) == {"name", "description", "kind", "parameters"}
    assert spiral["parameters"]["seed"] == {"default": 0, "min": 0, "max": None}
    assert set(ok(client.get("/api/v1/datasets/spiral", params={"n": 3}))) == {"X", "y", "test", "classes"}

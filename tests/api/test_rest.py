"""REST API v1 (/api/v1): every endpoint against an independent NumPy computation,
and a table of bad requests that must get the right 4xx without echoing the input.
"""
import json
import math

import numpy as np
import pytest

from app import datasets
from app.nn import ACTIVATIONS, INITS, LOSSES

# ------------------------------------------------------------------ helpers


def _refuse_constant(name):
    raise AssertionError(f"response holds {name}")


def ok(r):
    """The JSON of a 200 response, parsed strictly: NaN/Infinity fail the test."""
    assert r.status_code == 200, r.text
    return json.loads(r.text, parse_constant=_refuse_constant)


def model_json(layers, activation="relu"):
    return {"activation": activation,
            "layers": [{"W": np.asarray(W).tolist(), "b": np.asarray(b).tolist()} for W, b in layers]}


def random_layers(sizes, seed=0, scale=0.5):
    rng = np.random.default_rng(seed)
    return [(scale * rng.standard_normal((a, c)), 0.1 * rng.standard_normal(c))
            for a, c in zip(sizes[:-1], sizes[1:])]


# The reference: written here from the formulas, sharing no code with app/nn.
REF_ACT = {
    "relu": lambda z: np.maximum(z, 0.0),
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "tanh": np.tanh,
    "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
    "linear": lambda z: z,
}


def ref_forward(layers, activation, X):
    h, hidden = np.asarray(X, dtype=float), []
    for i, (W, b) in enumerate(layers):
        z = h @ W + b
        if i == len(layers) - 1:
            return z, hidden
        h = REF_ACT[activation](z)
        hidden.append(h)


def ref_per_example(scores, y, loss="softmax", margin=1.0):
    rows = np.arange(len(y))
    if loss == "softmax":
        top = scores.max(axis=1)
        lse = top + np.log(np.exp(scores - top[:, None]).sum(axis=1))
        return lse - scores[rows, y]
    terms = np.maximum(0.0, scores - scores[rows, y][:, None] + margin)
    terms[rows, y] = 0.0
    return terms.sum(axis=1)


def ref_total(layers, activation, X, y, loss="softmax", reg=0.0, margin=1.0):
    scores, _ = ref_forward(layers, activation, X)
    return ref_per_example(scores, y, loss, margin).mean() + reg * sum((W ** 2).sum() for W, _ in layers)


def numeric_grad(f, x, h=1e-6):
    g = np.zeros_like(x)
    for i in np.ndindex(*x.shape):
        old = x[i]
        x[i] = old + h
        plus = f()
        x[i] = old - h
        minus = f()
        x[i] = old
        g[i] = (plus - minus) / (2 * h)
    return g


def rel_error(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return np.linalg.norm(a - b) / max(1e-12, np.linalg.norm(a) + np.linalg.norm(b))


# The seed's examples. Its W is (C, D) and computes W x + b; a layer's W is (D, C).
SEED_W = np.array([[0.2, -0.5, 0.1, 2.0], [1.5, 1.3, 2.1, 0.0], [0.0, 0.25, 0.2, -0.3]])
SEED_B = np.array([1.1, 3.2, -1.2])
SEED_X = np.array([[56.0, 231.0, 24.0, 2.0]])
IDENTITY3 = [(np.eye(3), np.zeros(3))]

# A small valid request that every bad request below is a variation of.
BASE_LAYERS = random_layers([2, 3, 3], seed=1)
BASE_X = [[0.5, -1.0], [1.5, 0.25], [-0.75, 0.8], [0.1, 0.2]]
BASE_Y = [0, 1, 2, 1]


def base_body(**changes):
    body = {"model": model_json(BASE_LAYERS, "tanh"), "X": json.loads(json.dumps(BASE_X)), "y": list(BASE_Y),
            "loss": "softmax", "reg": 0.01, "margin": 1.0}
    body.update(changes)
    return body


# ------------------------------------------------------------------ forward


def test_forward_reproduces_the_seed_score_example(client):
    body = {"model": model_json([(SEED_W.T, SEED_B)]), "X": SEED_X.tolist()}
    out = ok(client.post("/api/v1/forward", json=body))
    np.testing.assert_allclose(out["scores"], [[-96.8, 437.9, 60.75]], rtol=0, atol=1e-9)
    assert out["hidden"] == []
    assert out["predictions"] == [1]
    # Without y there is no loss.
    assert "loss" not in out and "per_example_loss" not in out and "accuracy" not in out


def test_svm_loss_of_the_seed_example_is_2_9(client):
    body = {"model": model_json(IDENTITY3), "X": [[3.2, 5.1, 2.0]], "y": [0], "loss": "svm"}
    out = ok(client.post("/api/v1/forward", json=body))
    np.testing.assert_allclose(out["scores"], [[3.2, 5.1, 2.0]], atol=1e-12)
    assert out["loss"]["data"] == pytest.approx(2.9, abs=1e-12)
    assert out["per_example_loss"] == pytest.approx([2.9], abs=1e-12)
    assert out["loss"]["reg"] == 0 and out["loss"]["total"] == out["loss"]["data"]
    assert out["accuracy"] == 0.0
    # margin 0: only 5.1 − 3.2 = 1.9 is left.
    out = ok(client.post("/api/v1/forward", json={**body, "margin": 0}))
    assert out["loss"]["data"] == pytest.approx(1.9, abs=1e-12)


def test_softmax_of_the_seed_example(client):
    body = {"model": model_json(IDENTITY3), "X": [[3.2, 5.1, -1.7]], "y": [0]}
    out = ok(client.post("/api/v1/forward", json=body))
    probs = np.array(out["probs"][0])
    np.testing.assert_allclose(probs.round(2), [0.13, 0.87, 0.00])
    e = np.exp([3.2, 5.1, -1.7])
    assert probs == pytest.approx(e / e.sum(), rel=1e-12)
    assert out["loss"]["data"] == pytest.approx(-math.log(e[0] / e.sum()), rel=1e-12)
    assert out["loss"]["data"] == pytest.approx(2.04, abs=0.005)  # natural log, not the seed's 0.89


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_forward_matches_numpy_for_every_activation(client, activation):
    layers = random_layers([3, 5, 4, 3], seed=2)
    rng = np.random.default_rng(3)
    X, y = rng.standard_normal((6, 3)), rng.integers(0, 3, 6)
    body = {"model": model_json(layers, activation), "X": X.tolist(), "y": y.tolist(), "reg": 0.05}
    out = ok(client.post("/api/v1/forward", json=body))
    scores, hidden = ref_forward(layers, activation, X)
    np.testing.assert_allclose(out["scores"], scores, rtol=1e-12, atol=1e-12)
    assert len(out["hidden"]) == 2
    for got, want in zip(out["hidden"], hidden):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    probs = np.array(out["probs"])
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    np.testing.assert_allclose(probs, np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True), rtol=1e-12)
    assert out["predictions"] == scores.argmax(axis=1).tolist()
    per_example = ref_per_example(scores, y)
    np.testing.assert_allclose(out["per_example_loss"], per_example, rtol=1e-12)
    assert np.mean(out["per_example_loss"]) == pytest.approx(out["loss"]["data"], rel=1e-14)
    reg = 0.05 * sum((W ** 2).sum() for W, _ in layers)
    assert out["loss"]["reg"] == pytest.approx(reg, rel=1e-12)
    assert out["loss"]["total"] == pytest.approx(per_example.mean() + reg, rel=1e-12)
    assert out["accuracy"] == pytest.approx(np.mean(scores.argmax(axis=1) == y))


def test_probs_are_softmax_even_with_the_svm_loss(client):
    body = {"model": model_json(IDENTITY3), "X": [[1.0, 2.0, 3.0]], "y": [2], "loss": "svm"}
    out = ok(client.post("/api/v1/forward", json=body))
    e = np.exp([1.0, 2.0, 3.0])
    assert out["probs"][0] == pytest.approx(e / e.sum(), rel=1e-12)
    assert out["loss"]["data"] == 0.0  # 3 beats 2 and 1 by at least the margin


def test_huge_scores_give_an_exact_finite_softmax_loss(client):
    # Scores ±1e4: e^s overflows, so the loss must be logsumexp(s) − s_y.
    # A RuntimeWarning would fail this test (pytest turns it into an error).
    X = [[1e4, -1e4, 0.0], [-1e4, 1e4, 5.0]]
    body = {"model": model_json(IDENTITY3), "X": X, "y": [1, 1]}
    out = ok(client.post("/api/v1/forward", json=body))
    s = np.array(X)
    want = [np.logaddexp.reduce(row) - row[1] for row in s]
    assert want[0] == 2e4 and want[1] == 0.0
    assert out["per_example_loss"] == [2e4, 0.0]
    assert out["loss"]["data"] == 1e4
    assert out["probs"] == [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    # The same scores through a sigmoid hidden layer and the gradients.
    layers = [(np.eye(3), np.zeros(3)), (np.eye(3), np.zeros(3))]
    out = ok(client.post("/api/v1/backward", json={"model": model_json(layers, "sigmoid"), "X": X, "y": [1, 1]}))
    assert np.isfinite(out["loss"]["total"])


# ------------------------------------------------------------------ backward and step


@pytest.mark.parametrize("loss, activation", [("softmax", "tanh"), ("svm", "tanh"), ("softmax", "relu"),
                                              ("svm", "leaky_relu")])
def test_backward_gradients_match_finite_differences(client, loss, activation):
    layers = random_layers([3, 4, 3], seed=4)
    rng = np.random.default_rng(5)
    X, y = rng.standard_normal((5, 3)), rng.integers(0, 3, 5)
    reg, margin = 0.1, 0.5
    body = {"model": model_json(layers, activation), "X": X.tolist(), "y": y.tolist(),
            "loss": loss, "reg": reg, "margin": margin}
    out = ok(client.post("/api/v1/backward", json=body))

    def total():
        return ref_total(layers, activation, X, y, loss, reg, margin)

    assert out["loss"]["total"] == pytest.approx(total(), rel=1e-12)
    assert len(out["grads"]["layers"]) == 2
    for (W, b), g in zip(layers, out["grads"]["layers"]):
        assert rel_error(g["W"], numeric_grad(total, W)) < 1e-7
        assert rel_error(g["b"], numeric_grad(total, b)) < 1e-7
    assert np.shape(out["grads"]["X"]) == X.shape
    assert rel_error(out["grads"]["X"], numeric_grad(total, X)) < 1e-7
    # backward also carries every forward field.
    fwd = ok(client.post("/api/v1/forward", json=body))
    for key in ("scores", "probs", "hidden", "predictions", "loss", "per_example_loss", "accuracy"):
        assert out[key] == fwd[key]


def test_step_is_params_minus_lr_times_grads(client):
    layers = random_layers([2, 6, 3], seed=6)
    rng = np.random.default_rng(7)
    X, y = rng.standard_normal((8, 2)), rng.integers(0, 3, 8)
    body = {"model": model_json(layers, "relu"), "X": X.tolist(), "y": y.tolist(), "reg": 0.2}
    lr = 0.3
    out = ok(client.post("/api/v1/step", json={**body, "learning_rate": lr}))
    assert set(out) == {"model", "loss", "grads"}
    back = ok(client.post("/api/v1/backward", json=body))
    assert out["loss"] == back["loss"]  # the loss of the model as sent
    assert out["grads"] == back["grads"]
    assert out["model"]["activation"] == "relu"
    for (W, b), g, new in zip(layers, back["grads"]["layers"], out["model"]["layers"]):
        np.testing.assert_allclose(new["W"], W - lr * np.array(g["W"]), rtol=0, atol=1e-15)
        np.testing.assert_allclose(new["b"], b - lr * np.array(g["b"]), rtol=0, atol=1e-15)
    # The gradient includes 2λW: the gradient with reg minus the one without is 2λW.
    back0 = ok(client.post("/api/v1/backward", json={**body, "reg": 0}))
    for (W, _), g, g0 in zip(layers, back["grads"]["layers"], back0["grads"]["layers"]):
        np.testing.assert_allclose(np.array(g["W"]) - g0["W"], 2 * 0.2 * W, rtol=1e-10, atol=1e-14)
    # A small step lowers the loss.
    after = ok(client.post("/api/v1/forward", json={**body, "model": out["model"]}))
    assert after["loss"]["total"] < out["loss"]["total"]


# ------------------------------------------------------------------ models


@pytest.mark.parametrize("init", sorted(INITS))
def test_models_draws_the_documented_distribution(client, init):
    sizes = [2, 100, 3]
    out = ok(client.post("/api/v1/models", json={"sizes": sizes, "activation": "tanh", "init": init, "seed": 11}))
    model = out["model"]
    assert model["activation"] == "tanh"
    rng = np.random.default_rng(11)
    assert len(model["layers"]) == 2
    for layer, (fan_in, fan_out) in zip(model["layers"], zip(sizes[:-1], sizes[1:])):
        scale = {"small": 0.01, "xavier": math.sqrt(1 / fan_in), "he": math.sqrt(2 / fan_in)}[init]
        np.testing.assert_allclose(layer["W"], scale * rng.standard_normal((fan_in, fan_out)), rtol=1e-15)
        assert layer["b"] == [0.0] * fan_out
    # The model it returns is a valid request body.
    ok(client.post("/api/v1/forward", json={"model": model, "X": [[0.1, 0.2]], "y": [2]}))


def test_models_defaults_and_seeds(client):
    a = ok(client.post("/api/v1/models", json={"sizes": [4, 3]}))["model"]
    assert a["activation"] == "relu"
    W = np.array(a["layers"][0]["W"])
    np.testing.assert_allclose(W, 0.01 * np.random.default_rng(0).standard_normal((4, 3)))  # small, seed 0
    b = ok(client.post("/api/v1/models", json={"sizes": [4, 3], "seed": 1}))["model"]
    assert a != b


# ------------------------------------------------------------------ datasets


def test_dataset_list_describes_every_dataset(client):
    out = ok(client.get("/api/v1/datasets"))
    by_name = {d["name"]: d for d in out["datasets"]}
    assert set(by_name) == set(datasets.DATASETS)
    for name, spec in datasets.DATASETS.items():
        d = by_name[name]
        assert d["description"] == spec.description
        p = d["parameters"]
        assert set(p) == {"n", "classes", "noise", "seed", "test_fraction"}
        assert p["classes"] == {"default": spec.default_classes, "min": spec.min_classes, "max": spec.max_classes}
        assert p["noise"] == {"default": spec.default_noise, "min": 0.0, "max": spec.max_noise}
        assert p["n"]["default"] == spec.default_n and p["n"]["max"] == (spec.max_n or 5000)
        assert (p["n"]["default"], p["n"]["max"]) == (300, 5000) or spec.kind == "image"
        assert p["test_fraction"]["default"] == 0.2


def test_dataset_points_are_make_datasets(client):
    out = ok(client.get("/api/v1/datasets/spiral", params={"n": 90, "classes": 3, "noise": 0.3, "seed": 5,
                                                           "test_fraction": 0.3}))
    ds = datasets.make_dataset("spiral", n=90, classes=3, noise=0.3, seed=5, test_fraction=0.3)
    assert out["classes"] == 3
    assert np.array_equal(out["X"], ds.X) and out["y"] == ds.y.tolist() and out["test"] == ds.test.tolist()
    assert len(out["X"]) == 90 and sum(out["test"]) == 27
    assert np.bincount(out["y"]).tolist() == [30, 30, 30]
    # Defaults: n 300 and the dataset's own classes and noise.
    out = ok(client.get("/api/v1/datasets/moons"))
    ds = datasets.make_dataset("moons")
    assert out["classes"] == 2 and len(out["y"]) == 300 and np.array_equal(out["X"], ds.X)


# ------------------------------------------------------------------ non-finite results


def test_overflowing_forward_is_a_422_naming_the_model(client):
    big = [(np.full((2, 3), 1e200), np.zeros(3)), (np.full((3, 3), 1e200), np.zeros(3))]
    for path in ("forward", "backward", "step"):
        body = {"model": model_json(big), "X": [[1.0, 1.0]], "y": [0], "learning_rate": 1}
        r = client.post(f"/api/v1/{path}", json=body)
        assert r.status_code == 422, r.text
        (d,) = r.json()["detail"]
        assert d["loc"] == ["body", "model"] and "not finite" in d["msg"]


def test_overflowing_step_is_a_422_naming_the_learning_rate(client):
    # The forward pass and the gradients are finite (|dW| ≈ 1e307), the update is not.
    body = {"model": model_json([(np.full((1, 2), 0.01), np.zeros(2))]), "X": [[1e307]], "y": [0],
            "loss": "svm"}
    ok(client.post("/api/v1/step", json={**body, "learning_rate": 1}))
    r = client.post("/api/v1/step", json={**body, "learning_rate": 100})
    assert r.status_code == 422, r.text
    (d,) = r.json()["detail"]
    assert d["loc"] == ["body", "learning_rate"] and "not finite" in d["msg"]


# ------------------------------------------------------------------ the bad-request table

JSON = {"content-type": "application/json"}
MARK = 24680.13579  # a placeholder number, replaced in the raw text by a bad token


def raw_with(token, **path):
    """A valid body's raw JSON with one number replaced by ``token`` (e.g. NaN)."""
    body = base_body()
    where = body
    keys = path["at"]
    for k in keys[:-1]:
        where = where[k]
    where[keys[-1]] = MARK
    text = json.dumps(body)
    assert text.count(str(MARK)) == 1
    return text.replace(str(MARK), token).encode()


def layer_change(i, **fields):
    model = model_json(BASE_LAYERS, "tanh")
    model["layers"][i].update(fields)
    return model


def case(id, path, status, loc, secret=None, method="POST", json_body=None, content=None, headers=JSON,
         params=None):
    return pytest.param(dict(path=path, status=status, loc=tuple(loc), secret=secret, method=method,
                             json_body=json_body, content=content, headers=headers, params=params), id=id)


def too_many_numbers():
    # X: one row of 1,000,001 zeros (a valid JSON array).
    return b'{"model": {"layers": [{"W": [[1, 0]], "b": [0, 0]}]}, "X": [[' + b",".join([b"0"] * 1_000_001) + b"]]}"


BAD = [
    case("nan-in-X", "/api/v1/forward", 422, ["body", "X", 0, 1], "NaN", content=raw_with("NaN", at=["X", 0, 1])),
    case("infinity-in-X", "/api/v1/forward", 422, ["body", "X", 1, 0], "Infinity",
         content=raw_with("Infinity", at=["X", 1, 0])),
    case("1e400-in-X", "/api/v1/forward", 422, ["body", "X", 2, 1], "1e400", content=raw_with("1e400", at=["X", 2, 1])),
    case("1e400-in-W", "/api/v1/backward", 422, ["body", "model", "layers", 1, "W", 2, 0], "1e400",
         content=raw_with("1e400", at=["model", "layers", 1, "W", 2, 0])),
    case("nan-in-W", "/api/v1/forward", 422, ["body", "model", "layers", 0, "W", 0, 2], "NaN",
         content=raw_with("NaN", at=["model", "layers", 0, "W", 0, 2])),
    case("-infinity-in-b", "/api/v1/step", 422, ["body", "model", "layers", 0, "b", 1], "Infinity",
         content=raw_with("-Infinity", at=["model", "layers", 0, "b", 1])),
    case("nan-reg", "/api/v1/forward", 422, ["body", "reg"], "NaN", content=raw_with("NaN", at=["reg"])),
    case("huge-integer-literal-in-X", "/api/v1/forward", 422, ["body", "X", 0, 0], "1" + "0" * 40,
         content=raw_with("1" + "0" * 400, at=["X", 0, 0])),
    case("ragged-X", "/api/v1/forward", 422, ["body", "X"], "31.5",
         json_body=base_body(X=[[0.5, -1.0], [31.5], [-0.75, 0.8], [0.1, 0.2]])),
    case("ragged-W", "/api/v1/forward", 422, ["body", "model", "layers", 0, "W"], "77.25",
         json_body=base_body(model=layer_change(0, W=[[0.1, 0.2, 0.3], [77.25, 0.5]]))),
    case("layer-shape-mismatch", "/api/v1/forward", 422, ["body", "model", "layers"], "0.123456",
         json_body=base_body(model=layer_change(1, W=[[0.123456] * 3] * 4))),
    case("X-width-mismatch", "/api/v1/forward", 422, ["body", "X"], "9.875",
         json_body=base_body(X=[[0.5, -1.0, 9.875]] * 4)),
    case("b-length-mismatch", "/api/v1/forward", 422, ["body", "model", "layers", 0, "b"], "0.4321",
         json_body=base_body(model=layer_change(0, b=[0.4321, 0.4321]))),
    case("y-out-of-range", "/api/v1/forward", 422, ["body", "y"], "77", json_body=base_body(y=[0, 1, 77, 1])),
    case("y-negative", "/api/v1/backward", 422, ["body", "y"], "-4", json_body=base_body(y=[0, -4, 2, 1])),
    case("y-fractional", "/api/v1/forward", 422, ["body", "y"], "1.5", json_body=base_body(y=[0, 1.5, 2, 1])),
    case("y-length", "/api/v1/forward", 422, ["body", "y"], None, json_body=base_body(y=[0, 1, 2])),
    case("y-string", "/api/v1/forward", 422, ["body", "y", 1], "uno", json_body=base_body(y=[0, "uno", 2, 1])),
    case("bool-in-X", "/api/v1/forward", 422, ["body", "X", 0, 0], "true",
         json_body=base_body(X=[[True, -1.0], [1.5, 0.25], [-0.75, 0.8], [0.1, 0.2]])),
    case("null-in-W", "/api/v1/forward", 422, ["body", "model", "layers", 1, "W", 0, 0], "null",
         content=raw_with("null", at=["model", "layers", 1, "W", 0, 0])),
    case("unknown-activation", "/api/v1/forward", 422, ["body", "model", "activation"], "swishy",
         json_body=base_body(model={**model_json(BASE_LAYERS), "activation": "swishy"})),
    case("unknown-loss", "/api/v1/forward", 422, ["body", "loss"], "hinge-ish", json_body=base_body(loss="hinge-ish")),
    case("unknown-init", "/api/v1/models", 422, ["body", "init"], "glorotish",
         json_body={"sizes": [2, 3], "init": "glorotish"}),
    case("learning-rate-0", "/api/v1/step", 422, ["body", "learning_rate"], None,
         json_body=base_body(learning_rate=0)),
    case("learning-rate-negative", "/api/v1/step", 422, ["body", "learning_rate"], "-3.5",
         json_body=base_body(learning_rate=-3.5)),
    case("learning-rate-101", "/api/v1/step", 422, ["body", "learning_rate"], "101",
         json_body=base_body(learning_rate=101)),
    case("learning-rate-missing", "/api/v1/step", 422, ["body", "learning_rate"], None, json_body=base_body()),
    case("reg-negative", "/api/v1/forward", 422, ["body", "reg"], "-0.25", json_body=base_body(reg=-0.25)),
    case("reg-over-100", "/api/v1/backward", 422, ["body", "reg"], "100.5", json_body=base_body(reg=100.5)),
    case("margin-negative", "/api/v1/forward", 422, ["body", "margin"], "-2.5", json_body=base_body(margin=-2.5)),
    case("margin-101", "/api/v1/forward", 422, ["body", "margin"], "101", json_body=base_body(margin=101)),
    case("too-many-hidden-layers", "/api/v1/forward", 422, ["body", "model", "layers"], None,
         json_body=base_body(model=model_json(random_layers([2] * 7 + [3])))),
    case("hidden-width-1025", "/api/v1/forward", 422, ["body", "model", "layers", 0, "W"], "1025",
         json_body=base_body(model=model_json(random_layers([2, 1025, 3])))),
    case("output-width-1", "/api/v1/forward", 422, ["body", "model", "layers", 1, "W"], None,
         json_body={"model": model_json(random_layers([2, 3, 1])), "X": BASE_X}),
    case("input-width-4097", "/api/v1/forward", 422, ["body", "model", "layers", 0, "W"], "4097",
         json_body={"model": model_json(random_layers([4097, 2], scale=0.0)), "X": [[0.0] * 4097]}),
    case("oversized-body", "/api/v1/forward", 413, ["body"],
         content=b'{"pad": 1' + b" " * (32 * 1024 * 1024) + b"}"),
    case("over-1e6-numbers", "/api/v1/forward", 413, ["body"], content=too_many_numbers()),
    case("not-json", "/api/v1/forward", 422, ["body"], "model=tanh", content=b"model=tanh&X=1"),
    case("not-utf8", "/api/v1/forward", 422, ["body"], None, content=b'{"loss": "\xff\xfe"}'),
    case("empty-body", "/api/v1/forward", 422, ["body"], None, content=b""),
    case("top-level-array", "/api/v1/forward", 422, ["body"], "4242", json_body=[4242]),
    case("wrong-content-type", "/api/v1/forward", 422, ["header", "content-type"], None,
         content=json.dumps(base_body()).encode(), headers={"content-type": "text/plain"}),
    case("no-content-type", "/api/v1/step", 422, ["header", "content-type"], None,
         content=json.dumps(base_body(learning_rate=1)).encode(), headers={}),
    case("deeply-nested", "/api/v1/forward", 422, ["body"], None, content=b'{"X": ' + b"[" * 40 + b"]" * 40 + b"}"),
    case("string-for-X", "/api/v1/forward", 422, ["body", "X"], "lots of numbers",
         json_body=base_body(X="lots of numbers")),
    case("missing-model", "/api/v1/forward", 422, ["body", "model"], None,
         json_body={"X": BASE_X, "y": BASE_Y}),
    case("model-without-layers", "/api/v1/forward", 422, ["body", "model", "layers"], None,
         json_body=base_body(model={"activation": "relu", "layers": []})),
    case("empty-X", "/api/v1/forward", 422, ["body", "X"], None, json_body=base_body(X=[], y=[])),
    case("missing-y-on-backward", "/api/v1/backward", 422, ["body", "y"], None,
         json_body={k: v for k, v in base_body().items() if k != "y"}),
    case("models-hidden-1025", "/api/v1/models", 422, ["body", "sizes", 1], "1025", json_body={"sizes": [2, 1025, 3]}),
    case("models-output-1", "/api/v1/models", 422, ["body", "sizes", 2], None, json_body={"sizes": [2, 8, 1]}),
    case("models-6-hidden", "/api/v1/models", 422, ["body", "sizes"], None, json_body={"sizes": [2] * 7 + [3]}),
    case("models-fractional-size", "/api/v1/models", 422, ["body", "sizes", 1], "2.5",
         json_body={"sizes": [2, 2.5, 3]}),
    case("models-negative-seed", "/api/v1/models", 422, ["body", "seed"], "-17", json_body={"sizes": [2, 3], "seed": -17}),
    case("unknown-dataset", "/api/v1/datasets/no-such-set", 404, ["path", "name"], "no-such-set", method="GET"),
    case("dataset-n-0", "/api/v1/datasets/spiral", 422, ["query", "n"], None, method="GET", params={"n": 0}),
    case("dataset-n-text", "/api/v1/datasets/spiral", 422, ["query", "n"], "plenty", method="GET",
         params={"n": "plenty"}),
    case("dataset-classes-11", "/api/v1/datasets/spiral", 422, ["query", "classes"], None, method="GET",
         params={"classes": 11}),
    case("dataset-noise-negative", "/api/v1/datasets/circles", 422, ["query", "noise"], "-0.5", method="GET",
         params={"noise": -0.5}),
    case("dataset-noise-nan", "/api/v1/datasets/circles", 422, ["query", "noise"], "nan", method="GET",
         params={"noise": "nan"}),
    case("dataset-test-fraction", "/api/v1/datasets/xor", 422, ["query", "test_fraction"], "0.95", method="GET",
         params={"test_fraction": 0.95}),
]


@pytest.mark.parametrize("bad", BAD)
def test_bad_request_gets_4xx_naming_the_field_without_echo(client, bad):
    kwargs = {"params": bad["params"]}
    if bad["method"] == "POST":
        if bad["json_body"] is not None:
            kwargs["content"] = json.dumps(bad["json_body"]).encode()
        else:
            kwargs["content"] = bad["content"]
        kwargs["headers"] = bad["headers"]
    r = client.request(bad["method"], bad["path"], **kwargs)
    assert r.status_code == bad["status"], r.text
    detail = r.json()["detail"]
    assert isinstance(detail, list) and detail
    for d in detail:
        assert set(d) == {"loc", "msg", "type"}  # no "input", no "ctx"
        assert d["msg"]
    loc = bad["loc"]
    assert any(tuple(d["loc"][:len(loc)]) == loc for d in detail), detail
    if bad["secret"] is not None:
        assert bad["secret"] not in r.text


def test_the_table_is_long_enough():
    assert len(BAD) >= 30


def test_error_messages_name_the_problem(client):
    def msg(body, path="/api/v1/forward"):
        r = client.post(path, json=body)
        assert r.status_code == 422
        return r.json()["detail"][0]["msg"]

    assert msg(base_body(model=layer_change(1, W=[[0.1] * 3] * 4))) == \
        "layers[1].W has 4 rows but layer 0 outputs 3 values"
    assert msg(base_body(X=[[0.5, -1.0, 2.0]] * 4)) == "X has 3 columns but layers[0].W has 2 rows"
    assert msg(base_body(y=[0, 1, 7, 1])).startswith("y[2] is out of range")
    assert msg(base_body(y=[0, 1.5, 2, 1])) == "y[1] must be an integer (a class index)"
    assert msg(base_body(X=[[0.5, -1.0], [1.0], [0.0, 0.0], [0.0, 0.0]])) == "X rows have different lengths (ragged)"


def test_integral_float_labels_are_accepted(client):
    # 2.0 is class 2 (what a float array's tolist() gives); 1.5 is refused above.
    a = ok(client.post("/api/v1/forward", json=base_body(y=[0.0, 1.0, 2.0, 1.0])))
    b = ok(client.post("/api/v1/forward", json=base_body()))
    assert a == b


def test_a_valid_request_still_answers_after_the_table(client):
    out = ok(client.post("/api/v1/forward", json=base_body()))
    scores, _ = ref_forward(BASE_LAYERS, "tanh", BASE_X)
    np.testing.assert_allclose(out["scores"], scores, rtol=1e-12)
    assert out["loss"]["data"] == pytest.approx(ref_per_example(scores, np.array(BASE_Y)).mean(), rel=1e-12)


# ------------------------------------------------------------------ size limits and docs


def exact_limit_request(rows):
    """Model [997, 999, 2] with X rows×997 and y: exactly 1,000,000 numbers for one row.

    Small integer weights keep the JSON short; ints are valid numbers.
    """
    rng = np.random.default_rng(8)
    layers = [(rng.integers(-1, 2, (997, 999)), np.zeros(999, int)), (rng.integers(-1, 2, (999, 2)), np.zeros(2, int))]
    X = rng.integers(-1, 2, (rows, 997))
    body = {"model": model_json(layers), "X": X.tolist(), "y": [1] * rows}
    count = X.size + rows + sum(W.size + b.size for W, b in layers)
    return body, layers, X, count


def test_a_request_of_exactly_one_million_numbers_is_answered(client):
    body, layers, X, count = exact_limit_request(1)
    assert count == 1_000_000
    out = ok(client.post("/api/v1/forward", json=body))
    scores, _ = ref_forward([(W.astype(float), b.astype(float)) for W, b in layers], "relu", X)
    np.testing.assert_allclose(out["scores"], scores, rtol=1e-12)
    body, _, _, count = exact_limit_request(2)
    assert count > 1_000_000
    r = client.post("/api/v1/forward", json=body)
    assert r.status_code == 413 and r.json()["detail"][0]["loc"] == ["body"]


def test_a_chunked_body_over_the_limit_is_refused_while_read(client):
    # No Content-Length: the body is counted as it arrives.
    def chunks():
        yield b'{"pad": 1'
        for _ in range(33):
            yield b" " * (1024 * 1024)
        yield b"}"

    r = client.post("/api/v1/forward", content=chunks(), headers=JSON)
    assert r.status_code == 413 and r.json()["detail"][0]["loc"] == ["body"]


def test_an_answer_too_large_to_send_is_refused(client):
    # 10,000 numbers in, 5000 rows × (1000 + 2) hidden values and scores out: over 5,000,000.
    layers = [(np.zeros((2, 1000)), np.zeros(1000)), (np.zeros((1000, 2)), np.zeros(2))]
    body = {"model": model_json(layers), "X": [[0, 0]] * 5000}
    r = client.post("/api/v1/forward", json=body)
    assert r.status_code == 413 and r.json()["detail"][0]["loc"] == ["body", "X"]
    out = ok(client.post("/api/v1/forward", json={**body, "X": [[0, 0]] * 50}))
    assert np.shape(out["hidden"][0]) == (50, 1000)


def test_models_refuses_a_model_too_large_to_send_back(client):
    r = client.post("/api/v1/models", json={"sizes": [2, 1024, 1024, 3]})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "sizes"]
    # The widest input and output are fine.
    out = ok(client.post("/api/v1/models", json={"sizes": [4096, 1, 1024]}))
    assert [np.shape(layer["W"]) for layer in out["model"]["layers"]] == [(4096, 1), (1, 1024)]


def test_openapi_lists_the_request_and_response_bodies(client):
    spec = ok(client.get("/openapi.json"))
    paths = spec["paths"]
    for path, schema in [("/api/v1/forward", "ForwardRequest"), ("/api/v1/backward", "BackwardRequest"),
                         ("/api/v1/step", "StepRequest"), ("/api/v1/models", "CreateModelRequest")]:
        body = paths[path]["post"]["requestBody"]["content"]["application/json"]["schema"]
        assert body == {"$ref": f"#/components/schemas/{schema}"}
        assert "200" in paths[path]["post"]["responses"]
    components = spec["components"]["schemas"]
    assert {"model", "X", "y", "loss", "reg", "margin"} <= set(components["ForwardRequest"]["properties"])
    assert "learning_rate" in components["StepRequest"]["required"]
    assert {"scores", "probs", "hidden", "predictions", "grads"} <= set(components["BackwardResponse"]["properties"])
    assert "/api/v1/datasets/{name}" in paths and "/api/v1/datasets" in paths


def test_schema_names_match_the_engine():
    from pydantic import TypeAdapter

    from app.datasets import DATASETS
    from app.nn import OPTIMIZERS
    from app.schemas import ActivationName, DatasetName, InitName, LossName, OptimizerName

    def names(annotation):
        return TypeAdapter(annotation).json_schema()["enum"]

    assert set(names(ActivationName)) == set(ACTIVATIONS)
    assert set(names(LossName)) == set(LOSSES)
    assert set(names(InitName)) == set(INITS)
    assert set(names(OptimizerName)) == set(OPTIMIZERS)
    assert list(names(DatasetName)) == list(DATASETS)

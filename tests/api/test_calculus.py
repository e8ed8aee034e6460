"""/api/v1/graph, /gradcheck, /graph/network and /descent through REST, and the /calculus page."""
from __future__ import annotations

import dataclasses

import builtins
import json
import math
import random

import numpy as np
import pytest

from app import descent
from app.graph import GraphError, forward, parse
from app.nn import layers as nn_layers

GRAPH = "/api/v1/graph"
NEURON = {"w0": 2, "x0": -1, "w1": -3, "x1": -2, "w2": -3}
NEURON_GRADS = {"w0": -0.1966, "x0": 0.3932, "w1": -0.3932, "x1": -0.5898, "w2": 0.1966}


def post_graph(client, expression, values=None):
    return client.post(GRAPH, json={"expression": expression, "values": values or {}})


def assert_error(res, status, loc):
    assert res.status_code == status, res.text
    detail = res.json()["detail"]
    assert detail[0]["loc"][:len(loc)] == loc and detail[0]["msg"]
    return detail[0]["msg"]


# ---------------------------------------------------------------- the seed's numbers

def test_seed_backprop_example(client):
    res = post_graph(client, "(x + y) * z", {"x": -2, "y": 5, "z": -4})
    assert res.status_code == 200
    body = res.json()
    assert body["output"] == -12.0
    assert body["gradients"] == {"x": -4.0, "y": -4.0, "z": 3.0}
    q, f = body["nodes"][2], body["nodes"][-1]
    assert q == {"id": 2, "op": "add", "label": "+", "name": None, "inputs": [0, 1], "value": 3.0, "grad": -4.0,
                 "local": [1.0, 1.0], "contributions": [-4.0, -4.0], "start": 1, "end": 6, "text": "x + y"}
    assert (f["op"], f["inputs"], f["local"], f["grad"]) == ("mul", [2, 3], [-4.0, 3.0], 1.0)


@pytest.mark.parametrize("expression", ["sigmoid(w0*x0 + w1*x1 + w2)", "1 / (1 + exp(-(w0*x0 + w1*x1 + w2)))"])
def test_seed_sigmoid_neuron_block_and_gates(client, expression):
    body = post_graph(client, expression, NEURON).json()
    assert round(body["output"], 4) == 0.7311
    assert {k: round(v, 4) for k, v in body["gradients"].items()} == NEURON_GRADS


# ---------------------------------------------------------------- hostile input

@pytest.mark.parametrize("expression", [
    '__import__("os")', "x.__class__", "lambda: 1", "9^9^9^9", "(" * 10_000 + "x" + ")" * 10_000,
    "x" * 1_000_000, "exec('1')", "x if y else z", "open('/etc/passwd')", "x[0]", "{}", "x @ y", "💥",
    "(" * 900 + "x" + ")" * 900, "-" * 1999 + "x", "^".join(["2"] * 900), "+".join(["x"] * 600),
])
def test_hostile_expressions_are_refused(client, expression):
    msg = assert_error(post_graph(client, expression, {"x": 1, "y": 2, "z": 3}), 422, ["body", "expression"])
    assert "__" not in msg and "lambda" not in msg and "etc" not in msg


@pytest.mark.parametrize("body, loc", [
    ({"expression": "x", "values": {"x": "1"}}, ["body", "values", "x"]),
    ({"expression": "x", "values": {"x": True}}, ["body", "values", "x"]),
    ({"values": {}}, ["body", "expression"]),
    ({"expression": 3}, ["body", "expression"]),
    ({"expression": "x", "values": {"not a name": 1}}, ["body", "values"]),
    ({"expression": "x + y", "values": {"x": 1}}, ["body", "expression"]),
])
def test_bad_bodies_name_the_field(client, body, loc):
    assert_error(client.post(GRAPH, json=body), 422, loc)


def test_non_finite_numbers_are_refused(client):
    for raw in (b'{"expression": "x", "values": {"x": NaN}}', b'{"expression": "x", "values": {"x": 1e400}}'):
        res = client.post(GRAPH, content=raw, headers={"content-type": "application/json"})
        assert_error(res, 422, ["body", "values", "x"])


def test_overflow_names_the_node(client):
    res = post_graph(client, "exp(x) * 2", {"x": 800})
    msg = assert_error(res, 422, ["body", "expression"])
    assert "node 1 (exp at position 0)" in msg and res.json()["detail"][0]["type"] == "graph_not_finite"


# ---------------------------------------------------------------- the fuzz test

VARS = ("a", "b", "c")
UNARY = ("exp", "log", "sqrt", "abs", "sigmoid", "tanh", "relu")
HOSTILE_PIECES = ['__import__("os")', "x.__class__", "lambda: 1", "9^9^9^9", "eval", "()", "(", ")", ",",
                  "'", '"', ";", ".", "[", "]", "{", "}", "**", "^", "//", "%", "@", "!", "~", "é", "\\",
                  "\n", "1e400", "1e308*10", "0/0", "log(0)", "sqrt(-1)", "max(a)", "min(a,b,c)", "_", "a__b"]


def random_expression(rng: random.Random, depth: int) -> str:
    if depth == 0 or rng.random() < 0.25:
        if rng.random() < 0.7:
            return rng.choice(VARS)
        return rng.choice(["1", "2", "0.5", "3", "1.5e-1", ".25", "10"])
    kind = rng.random()
    sub = lambda: random_expression(rng, depth - 1)  # noqa: E731
    if kind < 0.45:
        return f"({sub()} {rng.choice('+-*/')} {sub()})"
    if kind < 0.55:
        return f"({sub()}) ^ {rng.choice(['2', '3', '0.5', '-1', 'a', '2 ^ 0.5'])}"
    if kind < 0.65:
        return f"-{sub()}"
    if kind < 0.8:
        return f"{rng.choice(['max', 'min'])}({sub()}, {sub()})"
    return f"{rng.choice(UNARY)}({sub()})"


def hostile_expression(rng: random.Random) -> str:
    text = random_expression(rng, rng.randint(0, 4))
    for _ in range(rng.randint(1, 3)):
        i = rng.randint(0, len(text))
        if rng.random() < 0.5:
            text = text[:i] + rng.choice(HOSTILE_PIECES) + text[i:]
        else:
            text = text[:i] + text[i + rng.randint(1, 3):]
    return text


def kink_sides(expression, values):
    """Which side of every kink (relu, abs, max, min) each node is on, or None where undefined."""
    nodes = parse(expression)
    try:
        forward(nodes, values)
    except GraphError:
        return None
    sides = []
    for n in nodes:
        args = [nodes[i].value for i in n.inputs]
        if n.op in ("relu", "abs"):
            sides.append(args[0] > 0)
        elif n.op in ("max", "min"):
            sides.append(args[0] >= args[1])
    return tuple(sides)


def output_at(expression, values):
    nodes = parse(expression)
    return forward(nodes, values)


def centred_difference(expression, values, name, h):
    """Richardson-extrapolated centred differences: (4·D(h/2) − D(h)) / 3, error O(h⁴)."""
    def d(step):
        up, down = dict(values), dict(values)
        up[name] += step
        down[name] -= step
        return (output_at(expression, up) - output_at(expression, down)) / (2 * step)
    return (4 * d(h / 2) - d(h)) / 3


def smooth_around(expression, values, name, h):
    """The same kink sides (and everything defined) over [x − h, x + h]: differences are meaningful there."""
    base = kink_sides(expression, values)
    for step in (-h, -h / 2, h / 2, h):
        moved = dict(values)
        moved[name] += step
        if kink_sides(expression, moved) != base:
            return False
    return base is not None


@pytest.fixture
def no_code_evaluation(monkeypatch):
    """Any call of eval, exec or compile during the test fails it."""
    calls = []
    for name in ("eval", "exec", "compile"):
        original = getattr(builtins, name)

        def spy(*args, _name=name, _original=original, **kwargs):
            calls.append(_name)
            return _original(*args, **kwargs)
        monkeypatch.setattr(builtins, name, spy)
    yield calls
    assert calls == []


def test_fuzz_random_and_hostile_expressions(client, no_code_evaluation):
    rng = random.Random(20_260_412)
    counts = {"sent": 0, "ok": 0, "refused": 0, "checked": 0, "at_a_kink": 0}
    for i in range(1200):
        expression = random_expression(rng, rng.randint(1, 5)) if i % 3 else hostile_expression(rng)
        values = {v: round(rng.uniform(-2.5, 2.5), 3) for v in VARS}
        res = client.post(GRAPH, json={"expression": expression, "values": values})
        counts["sent"] += 1
        assert res.status_code in (200, 422), (expression, res.status_code, res.text)
        if res.status_code == 422:
            counts["refused"] += 1
            assert res.json()["detail"][0]["loc"][:2] == ["body", "expression"]
            continue
        counts["ok"] += 1
        body = json.loads(res.text)  # strict JSON: NaN or Infinity would not parse as finite below
        numbers = [body["output"]] + [x for n in body["nodes"] for x in [n["value"], n["grad"], *n["local"]]]
        assert all(math.isfinite(x) for x in numbers), expression
        for name, grad in body["gradients"].items():
            h = 1e-3 * max(1.0, abs(values[name]))
            if not smooth_around(expression, values, name, h):
                counts["at_a_kink"] += 1
                continue
            numeric = centred_difference(expression, values, name, h)
            scale = max(abs(grad), abs(numeric))
            assert abs(grad - numeric) <= 1e-6 * scale + 1e-9 * (1 + abs(body["output"])), \
                (expression, values, name, grad, numeric)
            counts["checked"] += 1
    assert counts["sent"] >= 1000
    assert counts["ok"] >= 300 and counts["refused"] >= 300 and counts["checked"] >= 500, counts


# ---------------------------------------------------------------- /gradcheck

def make_model(client, sizes, activation, seed=1, init="xavier"):
    res = client.post("/api/v1/models", json={"sizes": sizes, "activation": activation, "init": init, "seed": seed})
    return res.json()["model"]


def check_body(client, activation, loss="softmax", n=6):
    rng = np.random.default_rng(2)
    return {"model": make_model(client, [2, 6, 5, 3], activation), "X": rng.normal(size=(n, 2)).tolist(),
            "y": rng.integers(0, 3, n).tolist(), "loss": loss, "reg": 0.01}


@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
@pytest.mark.parametrize("loss", ["softmax", "svm"])
def test_gradcheck_is_great_for_smooth_networks(client, activation, loss):
    res = client.post("/api/v1/gradcheck", json=check_body(client, activation, loss))
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["h"] == 1e-5 and len(body["layers"]) == 3
    assert body["max_relative_error"] < 1e-7 and body["verdict"] == "great"
    for layer, shape in zip(body["layers"], [(2, 6), (6, 5), (5, 3)]):
        assert len(layer["W"]["worst"]) == 2 and all(i < s for i, s in zip(layer["W"]["worst"], shape))
        assert layer["W"]["relative_error"] < 1e-7 and layer["b"]["relative_error"] < 1e-7
        assert layer["max_relative_error"] == max(layer["W"]["relative_error"], layer["b"]["relative_error"])
        assert layer["W"]["verdict"] == layer["b"]["verdict"] == "great"


def test_gradcheck_flags_a_broken_gradient(client, monkeypatch):
    tanh = nn_layers.ACTIVATIONS["tanh"]
    broken = dataclasses.replace(tanh, backward=lambda dout, cache: 1.1 * tanh.backward(dout, cache))
    monkeypatch.setitem(nn_layers.ACTIVATIONS, "tanh", broken)
    body = client.post("/api/v1/gradcheck", json=check_body(client, "tanh")).json()
    assert body["verdict"] == "wrong" and body["max_relative_error"] > 1e-2
    first, last = body["layers"][0], body["layers"][-1]
    assert first["W"]["relative_error"] > 1e-2 and first["W"]["verdict"] == "wrong"   # behind a broken tanh
    assert last["W"]["relative_error"] < 1e-7           # the last layer has no activation after it
    assert first["W"]["analytic"] != pytest.approx(first["W"]["numeric"], rel=1e-3)


def test_gradcheck_step_and_limits(client):
    body = check_body(client, "tanh")
    assert client.post("/api/v1/gradcheck", json={**body, "h": 1e-3}).json()["h"] == 1e-3
    assert_error(client.post("/api/v1/gradcheck", json={**body, "h": 0}), 422, ["body", "h"])
    big = {"model": make_model(client, [2, 500, 3], "relu"), "X": [[0.0, 0.0]] * 800, "y": [0] * 800}
    assert_error(client.post("/api/v1/gradcheck", json=big), 413, ["body"])


def test_gradcheck_counts_relu_kinks(client):
    model = make_model(client, [2, 4, 3], "relu")
    model["layers"][0]["b"] = [0.0] * 4
    res = client.post("/api/v1/gradcheck", json={"model": model, "X": [[0.0, 0.0]], "y": [1]})
    assert res.json()["kinks"] == 4    # x = 0: every pre-activation sits on the kink


# ---------------------------------------------------------------- /graph/network

@pytest.mark.parametrize("activation, loss", [("relu", "softmax"), ("tanh", "svm"), ("sigmoid", "softmax")])
def test_network_graph_agrees_with_backward(client, activation, loss):
    model = make_model(client, [2, 8, 6, 3], activation, seed=4)
    one = {"model": model, "X": [[0.4, -1.1]], "y": [2], "loss": loss, "reg": 0.003, "margin": 0.7}
    graph = client.post("/api/v1/graph/network", json=one).json()
    back = client.post("/api/v1/backward", json=one).json()
    nodes = {n["label"]: n for n in graph["nodes"]}
    assert [n["op"] for n in graph["nodes"]][-3:] == ["loss", "reg", "total"]
    for key in ("data", "reg", "total"):
        assert graph["loss"][key] == pytest.approx(back["loss"][key], rel=1e-9, abs=1e-12)
    np.testing.assert_allclose(nodes["scores"]["value"]["values"], back["scores"], rtol=1e-9, atol=1e-12)
    for l, hidden in enumerate(back["hidden"]):
        np.testing.assert_allclose(nodes[f"h{l}"]["value"]["values"], hidden, rtol=1e-9, atol=1e-12)
    for l, grads in enumerate(back["grads"]["layers"]):
        np.testing.assert_allclose(nodes[f"W{l}"]["grad"]["values"], grads["W"], rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(nodes[f"b{l}"]["grad"]["values"], grads["b"], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(nodes["x"]["grad"]["values"], back["grads"]["X"], rtol=1e-9, atol=1e-12)
    w = nodes["W1"]["value"]
    assert w["shape"] == [8, 6] and len(w["head"]) == 6
    assert w["norm"] == pytest.approx(np.linalg.norm(model["layers"][1]["W"]))


def test_network_graph_takes_one_example(client):
    model = make_model(client, [2, 3, 3], "relu")
    res = client.post("/api/v1/graph/network", json={"model": model, "X": [[0, 0], [1, 1]], "y": [0, 1]})
    assert_error(res, 422, ["body", "X"])


# ---------------------------------------------------------------- /descent

def test_descent_paths_are_exact(client):
    req = {"learning_rate": 0.15, "steps": 30, "batch_size": 8, "seed": 3, "start": [-1.0, 3.5],
           "methods": ["batch", "minibatch", "sgd", "momentum", "adam"]}
    body = client.post("/api/v1/descent", json=req).json()
    x, y = descent.make_data(40, 3, 0.5)
    assert body["x"] == x.tolist() and body["y"] == y.tolist()
    assert body["minimum"] == pytest.approx(descent.least_squares(x, y).tolist(), rel=1e-12)
    for method in req["methods"]:
        path = descent.descent_path(x, y, method, (-1.0, 3.5), 0.15, 30, 8, 3)
        assert body["paths"][method]["theta"] == path["theta"].tolist()
        assert body["paths"][method]["status"] == "ok" and body["paths"][method]["steps"] == 30
    grid = body["grid"]
    assert len(grid["cost"]) == len(grid["theta1"]) == 60 and len(grid["cost"][0]) == len(grid["theta0"]) == 60
    assert grid["cost"][5][7] == pytest.approx(descent.cost((grid["theta0"][7], grid["theta1"][5]), x, y))


def test_descent_overshoots_and_diverges(client):
    body = client.post("/api/v1/descent", json={"learning_rate": 2.0, "steps": 200}).json()
    for path in body["paths"].values():
        assert path["status"] == "diverged" and path["steps"] < 200
        assert all(math.isfinite(c) for c in path["cost"])


def test_descent_takes_client_points(client):
    points = {"x": [0, 1, 2, 3], "y": [1, 3, 5, 7]}
    body = client.post("/api/v1/descent", json={"points": points, "methods": ["batch"], "steps": 500,
                                                "learning_rate": 0.2}).json()
    assert body["minimum"] == pytest.approx([1.0, 2.0])
    assert body["paths"]["batch"]["theta"][-1] == pytest.approx([1.0, 2.0], abs=1e-3)


@pytest.mark.parametrize("body, loc", [
    ({"learning_rate": 0}, ["body", "learning_rate"]),
    ({"steps": 5000}, ["body", "steps"]),
    ({"methods": ["newton"]}, ["body", "methods", 0]),
    ({"methods": []}, ["body", "methods"]),
    ({"n": 201}, ["body", "n"]),
    ({"start": [1e9, 0]}, ["body", "start"]),
    ({"points": {"x": [1, 2], "y": [1]}}, ["body", "points", "y"]),
    ({"points": {"x": [1, 1], "y": [1, 2]}}, ["body", "points", "x"]),
    ({"points": {"x": list(range(201)), "y": list(range(201))}}, ["body", "points", "x"]),
])
def test_descent_refuses_bad_bodies(client, body, loc):
    assert_error(client.post("/api/v1/descent", json=body), 422, loc)


def test_the_page_is_served(client):
    res = client.get("/calculus")
    assert res.status_code == 200 and "calculus" in res.text

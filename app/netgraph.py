"""A network's computational graph for one example, and its gradient check.

The graph of one example x (1, D) through an MLP is a chain of vector nodes:

    x → affine(W₀, b₀) → activation → … → affine(W_L, b_L) = scores → data loss Lᵢ
                                                       λ Σ W² = reg ↗ total = Lᵢ + reg

Each node carries its forward value and ∂total/∂node, computed with the
engine's own layer pairs (CS231n style), so they are exactly the numbers
``Network.loss`` gives. Imports only NumPy and app.nn.
"""
from __future__ import annotations

import numpy as np

from .nn import Network, numerical_gradient, relative_error
from .nn.layers import activation_backward, activation_forward, affine_backward, affine_forward
from .nn.losses import example_losses, loss_terms
from .nn.regularizers import l2_regularization

HEAD = 6
VERDICTS = ((1e-7, "great"), (1e-4, "fine"), (1e-2, "suspect"))
KINKED = ("relu", "leaky_relu")


def _node(nodes, op, label, inputs, value):
    nodes.append({"id": len(nodes), "op": op, "label": label, "inputs": list(inputs),
                  "value": np.asarray(value, dtype=np.float64), "grad": None})
    return len(nodes) - 1


def network_graph(net: Network, x, y, loss="softmax", reg=0.0, margin=1.0):
    """(nodes, {data, reg, total}) for one example x (1, D), label y (1,).

    Every node is {id, op, label, inputs, value, grad} with arrays for value
    and grad (∂total/∂node), in forward order.
    """
    nodes = []
    h = _node(nodes, "input", "x", (), x)
    params, caches, steps = [], [], []
    last = len(net.layers) - 1
    for l, (W, b) in enumerate(net.layers):
        w_id = _node(nodes, "param", f"W{l}", (), W)
        b_id = _node(nodes, "param", f"b{l}", (), b)
        params.append((w_id, b_id))
        z, affine_cache = affine_forward(nodes[h]["value"], W, b)
        z_id = _node(nodes, "affine", "scores" if l == last else f"z{l}", (h, w_id, b_id), z)
        steps.append(("affine", z_id, (h, w_id, b_id), affine_cache))
        h = z_id
        if l < last:
            a, act_cache = activation_forward(net.activation, z)
            h = _node(nodes, net.activation, f"h{l}", (z_id,), a)
            steps.append(("activation", h, (z_id,), act_cache))
    per_example, dscores = loss_terms(loss, nodes[h]["value"], np.asarray(y), margin)
    data_id = _node(nodes, "loss", loss, (h,), per_example.mean())
    reg_loss, reg_grads = l2_regularization(net.weights, reg)
    reg_id = _node(nodes, "reg", "λΣW²", [w for w, _ in params], reg_loss)
    total_id = _node(nodes, "total", "total", (data_id, reg_id), per_example.mean() + reg_loss)

    # Backward: the total's gradient is 1, the loss and reg nodes' too.
    for i in (total_id, data_id, reg_id):
        nodes[i]["grad"] = np.asarray(1.0)
    n = len(per_example)
    nodes[h]["grad"] = dscores / n
    for kind, out_id, inputs, cache in reversed(steps):
        dout = nodes[out_id]["grad"]
        if kind == "activation":
            nodes[inputs[0]]["grad"] = activation_backward(net.activation, dout, cache)
        else:
            dx, dW, db = affine_backward(dout, cache)
            for i, g in zip(inputs, (dx, dW, db)):
                nodes[i]["grad"] = g
    for (w_id, _), dr in zip(params, reg_grads):
        nodes[w_id]["grad"] = nodes[w_id]["grad"] + dr
    data = float(per_example.mean())
    return nodes, {"data": data, "reg": float(reg_loss), "total": data + float(reg_loss)}


def summarize(array) -> dict:
    """{shape, head (the first few values), norm, values (all of them)} of an array."""
    a = np.asarray(array, dtype=np.float64)
    return {"shape": list(a.shape), "head": a.ravel()[:HEAD].tolist(),
            "norm": float(np.linalg.norm(a)), "values": a.tolist()}


# ---------------------------------------------------------------- gradient check

def _param_check(analytic, numeric) -> dict:
    """How far backprop's gradient of one parameter array is from the centred differences.

    relative_error is ‖a − n‖ / (‖a‖ + ‖n‖) over the array: the rounding noise of a
    difference, about ε·|L|/h, is then measured against the array's whole gradient,
    not against one entry that happens to be 1e-7. max_entry_error is the entry-wise
    |a − n| / max(|a| + |n|, 1e-8) of the CS231n notes, which such tiny entries inflate.
    ``worst`` is the entry where |a − n| is largest.
    """
    gap = np.abs(analytic - numeric)
    worst = np.unravel_index(int(np.argmax(gap)), gap.shape)
    error = relative_error(analytic, numeric)
    entries = gap / np.maximum(np.abs(analytic) + np.abs(numeric), 1e-8)
    return {"relative_error": error, "verdict": verdict(error), "worst": [int(i) for i in worst],
            "analytic": float(analytic[worst]), "numeric": float(numeric[worst]),
            "max_entry_error": float(entries.max())}


def verdict(error: float) -> str:
    """CS231n's reading of a relative error."""
    return next((name for bound, name in VERDICTS if error < bound), "wrong")


def count_kinks(net: Network, X, y, loss, margin, h) -> int:
    """Pre-activations of a ReLU layer, or hinge margins, closer than h to their kink.

    A centred difference that straddles a kink mixes two slopes, which is why
    ReLU networks and the SVM loss can read "fine" instead of "great".
    """
    scores, cache = net.forward(X)
    kinks = 0
    if net.activation in KINKED:
        for l, (W, b) in enumerate(net.layers[:-1]):
            z = cache[l][0][0] @ W + b   # the affine cache holds the layer's input
            kinks += int(np.count_nonzero(np.abs(z) < h))
    if loss == "svm":
        rows = np.arange(len(y))
        m = scores - scores[rows, y][:, None] + margin
        m[rows, y] = np.inf
        kinks += int(np.count_nonzero(np.abs(m) < h))
    return kinks


def gradient_check(net: Network, X, y, loss="softmax", reg=0.0, margin=1.0, h=1e-5) -> dict:
    """Analytic gradients of the total loss against centred differences, per layer and parameter.

    Returns {h, layers: [{W: check, b: check, max_relative_error}], max_relative_error,
    verdict, kinks}, each check as ``_param_check`` gives it. The parameters are
    perturbed in place and restored.
    """
    result = net.loss(X, y, loss, reg, margin)

    def total():
        data = example_losses(loss, net.scores(X), y, margin).mean()
        return float(data + l2_regularization(net.weights, reg)[0])

    layers = []
    for (W, b), (dW, db) in zip(net.layers, result.grads):
        checks = {"W": _param_check(dW, numerical_gradient(total, W, h)),
                  "b": _param_check(db, numerical_gradient(total, b, h))}
        layers.append({**checks, "max_relative_error": max(c["relative_error"] for c in checks.values())})
    worst = max(layer["max_relative_error"] for layer in layers)
    return {"h": h, "layers": layers, "max_relative_error": worst, "verdict": verdict(worst),
            "kinks": count_kinks(net, X, y, loss, margin, h)}

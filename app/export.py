"""A run taken out of the playground: the model as JSON, or a Python script.

* ``model_json(net)``: the REST v1 model ``{"activation", "layers": [{"W", "b"}]}``,
  which POST /api/v1/forward takes as it is; ``network_from_json`` reads it back.
* ``python_script(config, added_points)``: a standalone script, NumPy only,
  that rebuilds the session's data and trains the same network with the same
  settings, printing the loss every ``every`` steps. The script carries the
  real source of the engine and dataset modules (``inspect.getsource``), so
  its arithmetic is the session's, step for step.

Standard library and NumPy only (and the modules it copies).
"""
from __future__ import annotations

import ast
import base64
import inspect
import math
import pprint

import numpy as np

from . import images
from .datasets import checks, generators, make, registry, spec
from .nn import layers, losses, network, optim, regularizers

# Copied into a script in this order (each may use the ones before it).
SCRIPT_MODULES = (layers, losses, regularizers, network, optim, images,
                  spec, checks, generators, registry, make)
# The settings a script needs, with the names of TrainingConfig.
SCRIPT_FIELDS = ("dataset", "n_points", "classes", "noise", "test_fraction", "seed", "hidden_sizes",
                 "activation", "init", "loss", "margin", "reg", "learning_rate", "batch_size", "optimizer",
                 "regularization")


def model_json(net) -> dict:
    """The REST v1 model of a network: plain lists of floats."""
    return {"activation": net.activation,
            "layers": [{"W": np.asarray(W).tolist(), "b": np.asarray(b).tolist()} for W, b in net.layers]}


def network_from_json(model: dict) -> network.Network:
    """A Network from a REST v1 model (shapes and finiteness checked)."""
    layers_ = []
    for i, layer in enumerate(model["layers"]):
        W, b = np.asarray(layer["W"], dtype=np.float64), np.asarray(layer["b"], dtype=np.float64)
        if W.ndim != 2 or b.shape != (W.shape[1],):
            raise ValueError(f"layers[{i}]: W must be (in, out) and b (out,)")
        if i and W.shape[0] != layers_[-1][0].shape[1]:
            raise ValueError(f"layers[{i}].W has {W.shape[0]} rows: the layer before has {layers_[-1][0].shape[1]} units")
        if not (np.isfinite(W).all() and np.isfinite(b).all()):
            raise ValueError(f"layers[{i}] holds a number that is not finite")
        layers_.append((W, b))
    return network.Network(layers_, model.get("activation", "relu"))


def parameter_count(sizes) -> int:
    """Weights and biases of a network of widths ``sizes``: Σ (in + 1)·out."""
    return sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))


# ------------------------------------------------------------------ the script

def _without_imports(source: str) -> str:
    """A module's source without its relative and __future__ imports (the
    script defines those names itself, earlier in the same file)."""
    tree = ast.parse(source)
    drop = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and (node.level > 0 or node.module == "__future__"):
            drop.update(range(node.lineno, node.end_lineno + 1))
    return "\n".join(line for n, line in enumerate(source.splitlines(), start=1) if n not in drop)


def _module_block(module) -> str:
    name = module.__name__.removeprefix("app.")
    body = _without_imports(inspect.getsource(module))
    # the dataset registry calls the image generators as ``images.<name>``: here that is this file.
    tail = "\nimages = sys.modules[__name__]\n" if module is images else ""
    return f"# {'-' * 20} {name} (copied from the playground's source) {'-' * 20}\n{body}\n{tail}"


def _digits_block() -> str:
    """The digits file inlined: the script needs no file beside it."""
    blob = base64.b64encode(images.DIGITS_FILE.read_bytes()).decode("ascii")
    lines = [blob[i:i + 100] for i in range(0, len(blob), 100)]
    return ("# The bundled UCI digits (CC BY 4.0, Alpaydin & Kaynak 1998), as app/data/digits.npz.\n"
            "DIGITS_FILE = io.BytesIO(base64.b64decode(\n" + "".join(f'    "{s}"\n' for s in lines) + "))\n")


_MAIN = '''
# {rule} the run {rule}
CONFIG = {config}
# Points loaded in place of the dataset's (x1, x2, label), or None.
OWN_POINTS = {own}
# Points added by hand (x1, x2, label); they are training points.
ADDED_POINTS = {added}


def main(steps={steps}, every={every}):
    c = CONFIG
    if OWN_POINTS is not None:
        ds = points_dataset(OWN_POINTS, c["classes"], c["test_fraction"], c["seed"])
    else:
        ds = make_dataset(c["dataset"], n=c["n_points"], classes=c["classes"], noise=c["noise"],
                          seed=c["seed"], test_fraction=c["test_fraction"])
    ds = add_points(ds, ADDED_POINTS) if ADDED_POINTS else ds
    X_train, y_train = ds.X[~ds.test], ds.y[~ds.test]
    X_test, y_test = ds.X[ds.test], ds.y[ds.test]
    sizes = [X_train.shape[1], *c["hidden_sizes"], ds.classes]
    net = Network.create(sizes, c["activation"], c["init"], c["seed"])
    optimizer = make_optimizer(c["optimizer"])
    # The playground seeds the batch order with the seed (and the training
    # point count, once points were added or loaded).
    key = [c["seed"], 1, len(y_train)] if ADDED_POINTS or OWN_POINTS is not None else [c["seed"], 1]
    sampler = BatchSampler(len(y_train), c["batch_size"], np.random.default_rng(key))
    print(f"{{sizes}} network, {{sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:])):,}} parameters, "
          f"{{len(y_train)}} training and {{len(y_test)}} test examples")
    for step in range(1, steps + 1):
        idx, _ = sampler.next()
        X, y = (X_train, y_train) if idx is None else (X_train[idx], y_train[idx])
        res = net.loss(X, y, c["loss"], c["reg"], c["margin"], regularization=c.get("regularization", "l2"))
        optimizer.step(net.params, [g for pair in res.grads for g in pair], c["learning_rate"])
        if step % every == 0 or step == steps:
            # The loss on every training point after this step (data + reg).
            after = net.loss(X_train, y_train, c["loss"], c["reg"], c["margin"],
                             regularization=c.get("regularization", "l2"))
            test = (net.predict(X_test) == y_test).mean() if len(y_test) else float("nan")
            print(f"step {{step}} loss {{after.total!r}} test_accuracy {{test:.4f}}")
    return net


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
'''


def python_script(config: dict, added_points=(), steps: int = 1000, every: int = 100,
                  own_points=None) -> str:
    """The text of a standalone script that reruns ``config`` from step 0.

    ``config``: a session config (TrainingConfig fields; extra ones ignored);
    ``own_points``: points loaded in place of the dataset's, if any.
    Run as ``python script.py [steps] [every]``.
    """
    settings = {k: config[k] for k in SCRIPT_FIELDS if k in config}
    if isinstance(settings["noise"], float) and not math.isfinite(settings["noise"]):
        raise ValueError("noise must be finite")
    added = [[float(a), float(b), int(k)] for a, b, k in added_points]
    own = None if own_points is None else [[float(a), float(b), int(k)] for a, b, k in own_points]
    head = ('"""Trains a {sizes} network on {dataset}, as NN Playground did; needs only NumPy.\n\n'
            'Run: python this_file.py [steps] [every]  (prints the training loss every `every` steps)\n"""\n'
            "from __future__ import annotations\n\nimport base64\nimport io\nimport sys\n\n").format(
        sizes=[*settings["hidden_sizes"]], dataset=settings["dataset"])
    blocks = [_module_block(m) for m in SCRIPT_MODULES]
    if settings["dataset"] == "digits":
        blocks.append(_digits_block())
    main = _MAIN.format(rule="-" * 20, config=pprint.pformat(settings, sort_dicts=False), added=repr(added), own=repr(own),
                        steps=int(steps), every=int(every))
    return head + "\n\n".join(blocks) + main

"""Tests for app.export: the model as REST JSON, and the standalone Python script."""
from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pytest

from app.export import model_json, network_from_json, parameter_count, python_script
from app.nn import Network
from app.training import TrainingConfig, TrainingSession


def run_script(text, tmp_path, steps=100, every=50):
    path = tmp_path / "run.py"
    path.write_text(text)
    # -I: isolated, so the script cannot import the playground even by accident.
    out = subprocess.run([sys.executable, "-I", str(path), str(steps), str(every)], cwd=tmp_path,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return {int(m[1]): float(m[2]) for m in re.finditer(r"^step (\d+) loss (\S+)", out.stdout, re.M)}, out.stdout


def session_loss_after(config, steps, added=()):
    session = TrainingSession(config)
    if added:
        session.add_points(added)
    assert session.train(steps) == steps
    data, reg, _, _ = session.evaluate()
    return data + reg


@pytest.mark.parametrize("patch", [
    {},                                                       # the spiral case study, full batch
    {"dataset": "moons", "classes": 2, "hidden_sizes": [8, 8], "activation": "tanh", "optimizer": "adam",
     "batch_size": 16, "learning_rate": 0.05, "loss": "svm", "margin": 0.5, "init": "xavier", "seed": 7},
    {"hidden_sizes": [], "optimizer": "momentum", "batch_size": 1, "learning_rate": 0.1, "reg": 0.0},
])
def test_exported_script_trains_like_the_session(patch, tmp_path):
    config = TrainingConfig(**patch)
    losses, stdout = run_script(python_script(config.to_dict()), tmp_path)
    assert set(losses) == {50, 100}
    assert losses[100] == pytest.approx(session_loss_after(config, 100), abs=1e-9, rel=0)
    assert "parameters" in stdout.splitlines()[0]


def test_exported_script_keeps_added_points(tmp_path):
    config = TrainingConfig(batch_size=10, n_points=60)
    added = [(0.5, 0.5, 0), (-1.0, 0.25, 2), (0.0, -0.75, 1)]
    losses, _ = run_script(python_script(config.to_dict(), added), tmp_path)
    assert losses[100] == pytest.approx(session_loss_after(config, 100, added), abs=1e-9, rel=0)


def test_script_imports_only_numpy_and_the_standard_library():
    text = python_script(TrainingConfig().to_dict())
    imported = set(re.findall(r"^(?:import|from) (\w+)", text, re.M))
    assert imported <= {"__future__", "numpy", "base64", "io", "sys", "math", "numbers", "dataclasses",
                        "functools", "pathlib", "typing"}
    assert "from ." not in text and "app." not in text.replace("app.data", "")


def test_model_json_round_trip_and_count():
    net = Network.create([2, 5, 3], "tanh", "xavier", 3)
    model = model_json(net)
    assert model["activation"] == "tanh" and len(model["layers"]) == 2
    back = network_from_json(model)
    assert all(np.array_equal(a, b) for a, b in zip(back.params, net.params))
    assert parameter_count([3072, 100, 10]) == 308_310  # the seed's count


@pytest.mark.parametrize("model, problem", [
    ({"layers": [{"W": [[1.0, 2.0]], "b": [0.0]}]}, "W must be"),
    ({"layers": [{"W": [[1.0, 2.0]], "b": [0.0, 0.0]}, {"W": [[1.0]], "b": [0.0]}]}, "has 1 rows"),
    ({"layers": [{"W": [[float("nan"), 2.0]], "b": [0.0, 0.0]}]}, "not finite"),
])
def test_network_from_json_refuses_bad_models(model, problem):
    with pytest.raises(ValueError, match=problem):
        network_from_json(model)


def test_exported_script_trains_on_loaded_points(tmp_path):
    config = TrainingConfig(batch_size=8, classes=2, dataset="moons")
    rng = np.random.default_rng(5)
    own = [(float(a), float(b), int(k)) for (a, b), k in zip(rng.uniform(-1, 1, (40, 2)), rng.integers(0, 2, 40))]
    added = [(0.25, 0.5, 1)]
    losses, _ = run_script(python_script(config.to_dict(), added, own_points=own), tmp_path)
    session = TrainingSession(config)
    session.replace_points(own)
    session.add_points(added)
    session.train(100)
    data, reg, _, _ = session.evaluate()
    assert losses[100] == pytest.approx(data + reg, abs=1e-9, rel=0)


@pytest.mark.parametrize("hidden", [[100], []])
def test_exported_script_trains_digits_like_the_session(hidden, tmp_path):
    config = TrainingConfig(dataset="digits", classes=10, n_points=1797, batch_size=64, learning_rate=0.5,
                            reg=1e-3, hidden_sizes=hidden)
    losses, stdout = run_script(python_script(config.to_dict()), tmp_path)
    assert losses[100] == pytest.approx(session_loss_after(config, 100), abs=1e-9, rel=0)
    assert stdout.startswith(f"[64, {'100, ' if hidden else ''}10] network")

"""The figures the inside-the-network lessons promise (static/js/inside_lessons.js and their text
in static/i18n), on the engine with the lessons' own settings."""
from __future__ import annotations

import numpy as np

from app.session_config import TrainingConfig
from app.training import TrainingSession


def losses_of(config, steps):
    t = TrainingSession(config)
    out = []
    for _ in range(steps):
        t.train(1)
        out.append(t.evaluate()[0])
    return t, np.array(out)


def test_batch_sgd_and_mini_batch_converge_differently():
    """The seed's three update rules on `plane` (lesson "Linear regression by gradient descent")."""
    runs = {}
    for name, batch in (("batch", 0), ("sgd", 1), ("mini", 10)):
        config = TrainingConfig(dataset="plane", classes=1, loss="mse", hidden_sizes=[], learning_rate=0.5,
                                reg=0, batch_size=batch)
        t, losses = losses_of(config, 300)
        runs[name] = losses[-100:]
        assert t.evaluate()[3] > 0.95                      # every rule fits the plane
    jitter = {name: float(np.std(tail)) for name, tail in runs.items()}
    assert jitter["batch"] < 1e-6 < jitter["sgd"]          # full batch settles; SGD keeps jumping
    assert jitter["mini"] < jitter["sgd"] / 5              # a mini-batch of 10 in between
    assert runs["sgd"].mean() > 1.5 * runs["batch"].mean()  # and SGD hovers higher


def test_a_feature_cross_lets_a_linear_model_solve_xor():
    plain = TrainingSession(TrainingConfig(dataset="xor", classes=2, hidden_sizes=[], learning_rate=0.3, reg=0))
    cross = TrainingSession(TrainingConfig(dataset="xor", classes=2, hidden_sizes=[], learning_rate=0.3, reg=0,
                                           features=["x1", "x2", "x1*x2"]))
    plain.train(1000)
    cross.train(1000)
    assert plain.evaluate()[2] < 0.6 and cross.evaluate()[2] > 0.95


def test_one_neuron_is_one_line_three_enclose_the_ring():
    accuracy = {}
    for width in (1, 3):
        t = TrainingSession(TrainingConfig(dataset="circles", classes=2, hidden_sizes=[width], activation="tanh",
                                           init="xavier", learning_rate=0.3, reg=0))
        t.train(2000)
        accuracy[width] = t.evaluate()[2]
    assert accuracy[1] < 0.75 and accuracy[3] > 0.93


def test_l1_leaves_only_the_squares_l2_spreads():
    features = ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"]
    spread = {}
    for penalty in ("l1", "l2"):
        t = TrainingSession(TrainingConfig(dataset="circles", classes=2, hidden_sizes=[], learning_rate=0.3, reg=0.01,
                                           regularization=penalty, features=features))
        t.train(3000)
        w = t.net.layers[0][0]
        effective = np.abs(w[:, 1] - w[:, 0])   # two classes: what separates them
        spread[penalty] = effective
        assert effective[2] > 3 and effective[3] > 3       # x1², x2² carry the circle
    others = [0, 1, 4, 5, 6]
    assert spread["l1"][others].max() < 0.02 < spread["l2"][others].max()


def test_learning_rate_5_kills_most_relus():
    t = TrainingSession(TrainingConfig(hidden_sizes=[100], learning_rate=5))
    t.train(300)
    health = t.health()
    assert health["layers"][0]["dead"] >= 0.9 and health["hint"]["key"] == "engine.health.hint.lr_high"

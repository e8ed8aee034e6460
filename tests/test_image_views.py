"""Tests for app.image_views: templates and the confusion matrix."""
from __future__ import annotations

import numpy as np
import pytest

from app.image_views import MAX_TEMPLATES, confusion, decode_templates, scale_to_u8, templates
from app.nn import Network


def test_linear_templates_are_the_rows_of_w_scaled():
    net = Network.create([12, 3], init="xavier", seed=1)  # 2x2x3 images, 3 classes
    out = templates(net, (2, 2, 3))
    assert out["shape"] == [3, 2, 2, 3] and out["encoding"] == "u8"
    t = decode_templates(out)
    W = net.layers[0][0]
    for k in range(3):
        row = W[:, k]
        expected = np.round(255 * (row - row.min()) / (row.max() - row.min())).astype(np.uint8)
        assert np.array_equal(t[k].reshape(-1), expected)
        assert t[k].min() == 0 and t[k].max() == 255


def test_hidden_templates_are_the_first_layers_units_at_most_100():
    net = Network.create([64, 150, 10], seed=0)
    out = templates(net, (8, 8, 1))
    assert out["shape"] == [MAX_TEMPLATES, 8, 8, 1]
    t = decode_templates(out)
    assert np.array_equal(t[7].reshape(-1), scale_to_u8(net.layers[0][0][:, 7][None])[0])
    assert templates(Network.create([64, 20, 10]), (8, 8, 1))["shape"][0] == 20


def test_scale_to_u8_constant_and_non_finite_rows():
    rows = np.array([[2.0, 2.0, 2.0], [np.nan, 1.0, -1.0], [np.inf, 0.0, 1.0]])
    out = scale_to_u8(rows)
    assert out[0].tolist() == [128, 128, 128]
    assert out[1].tolist() == [128, 255, 0]
    assert out[2].tolist() == [0, 0, 255]


def test_templates_refuse_a_shape_that_does_not_fit():
    with pytest.raises(ValueError, match="64 inputs"):
        templates(Network.create([64, 10]), (32, 32, 3))


def test_confusion_counts_rows_true_columns_predicted():
    scores = np.eye(3)[[0, 1, 2, 2, 1, 0]]  # predictions 0 1 2 2 1 0
    y = [0, 1, 2, 1, 1, 2]
    out = confusion(scores, y, 3)
    assert out["matrix"] == [[1, 0, 0], [0, 2, 1], [1, 0, 1]]
    assert out["per_class_accuracy"] == [1.0, 2 / 3, 0.5]
    assert sum(map(sum, out["matrix"])) == len(y)


def test_confusion_class_without_examples_is_none():
    out = confusion(np.array([[1.0, 0.0, 0.0]]), [0], 3)
    assert out["matrix"] == [[1, 0, 0], [0, 0, 0], [0, 0, 0]]
    assert out["per_class_accuracy"] == [1.0, None, None]
    assert confusion(np.zeros((0, 2)), [], 2)["matrix"] == [[0, 0], [0, 0]]


def test_confusion_with_predictions_and_their_probability():
    scores = np.array([[2.0, 0.0], [0.0, 0.0], [np.inf, 0.0]])
    out = confusion(scores, [0, 1, 1], 2, with_predictions=True)
    assert out["predicted"] == [0, 0, 0]
    p = 1 / (1 + np.exp(-2.0))
    assert out["probability"] == [round(p, 3), 0.5, 0.0]


def test_template_pacing_sends_changes_and_throttles_while_playing():
    from app.image_views import TemplatePacing
    pace = TemplatePacing(per_second=4)
    assert pace.due(1, running=False, now=0.0)
    pace.sent(1, 0.0)
    assert not pace.due(1, running=False, now=5.0)  # unchanged: never again
    assert pace.due(2, running=False, now=0.01)  # paused: every change at once
    assert not pace.due(2, running=True, now=0.2)  # playing: a quarter second apart
    assert pace.due(2, running=True, now=0.25)
    pace.forget()
    assert pace.due(1, running=True, now=0.01)


def test_test_confusion_counts_the_test_split():
    from app.datasets import make_dataset
    from app.image_views import test_confusion
    ds = make_dataset("digits", n=100)
    net = Network.create([64, 10], init="xavier", seed=2)
    out = test_confusion(net, ds)
    assert sum(map(sum, out["matrix"])) == ds.test.sum() == 20
    assert out["predicted"] == net.predict(ds.X[ds.test]).tolist()


def test_large_templates_are_sent_less_often():
    from app.views import templates_interval
    assert templates_interval(Network.create([64, 100, 10])) == 0.25
    assert templates_interval(Network.create([3072, 10])) == 0.25
    assert 0.8 < templates_interval(Network.create([3072, 100, 10])) < 0.85

"""/api/v1/points/csv, /api/v1/export/python and /api/v1/report."""
from __future__ import annotations

import json

import numpy as np

from app.csvio import format_points
from app.datasets import make_dataset
from app.export import model_json
from app.nn import Network
from app.report import ENGLISH


def test_csv_is_read_all_or_nothing(client):
    ds = make_dataset("moons", n=40, seed=1)
    r = client.post("/api/v1/points/csv", json={"csv": format_points(ds.X, ds.y), "classes": 2})
    assert r.status_code == 200, r.text
    points = np.array(r.json()["points"])
    assert np.array_equal(points[:, :2], ds.X) and np.array_equal(points[:, 2], ds.y)
    r = client.post("/api/v1/points/csv", json={"csv": "x1,x2,label\n0,0,0\n0,0,7\n", "classes": 2})
    assert r.status_code == 422
    assert r.json()["detail"] == [{"loc": ["body", "csv"], "msg": "line 3: label is out of range: the classes "
                                   "are 0 to 1", "type": "csv"}]


def test_csv_over_the_session_limit(client):
    r = client.post("/api/v1/points/csv", json={"csv": "0,0,0\n" * 11, "classes": 2, "max_points": 10})
    assert r.status_code == 422 and "at most 10 fit" in r.json()["detail"][0]["msg"]


def test_export_python_answers_a_script(client):
    r = client.post("/api/v1/export/python", json={"config": {"dataset": "moons", "classes": 2},
                                                   "points": [[0.1, 0.2, 1]], "steps": 300, "every": 30})
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["filename"] == "nn_playground_moons.py"
    assert "ADDED_POINTS = [[0.1, 0.2, 1]]" in out["script"] and "def main(steps=300, every=30)" in out["script"]
    compile(out["script"], out["filename"], "exec")


def test_export_python_refuses_a_config_that_does_not_hold(client):
    r = client.post("/api/v1/export/python", json={"config": {"dataset": "xor", "classes": 3}})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "config", "classes"]
    r = client.post("/api/v1/export/python", json={"config": {"classes": 2}, "points": [[0, 0, 2]]})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "points"]
    r = client.post("/api/v1/export/python", json={"config": {"learning_rate": "NaN"}})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "config", "learning_rate"]


def _report_body(dataset, sizes, **extra):
    net = Network.create(sizes, init="xavier", seed=0)
    history = {"step": [1, 2, 3], "data_loss": [1.1, 0.9, 0.8], "reg_loss": [0.01, 0.01, 0.01],
               "total": [1.11, 0.91, 0.81], "train_accuracy": [0.3, 0.5, None], "test_accuracy": [0.2, 0.4, 0.5]}
    classes = sizes[-1]
    return {"config": {"dataset": dataset, "classes": classes, "hidden_sizes": sizes[1:-1], "n_points": 100},
            "model": model_json(net), "history": history, **extra}


def test_report_of_a_2d_run(client):
    r = client.post("/api/v1/report", json=_report_body("spiral", [2, 10, 3]))
    assert r.status_code == 200, r.text
    page = r.text
    assert r.headers["content-type"].startswith("text/html")
    assert "Plotly" in page and "<script src" not in page and 'src="http' not in page
    assert ENGLISH["boundary"] in page and "<b>63</b>" in page  # (2+1)·10 + (10+1)·3 parameters


def test_report_of_an_image_run_in_chinese(client):
    r = client.post("/api/v1/report", json=_report_body("digits", [64, 10], lang="zh"))
    assert r.status_code == 200, r.text
    page = r.text
    assert '<html lang="zh">' in page and "设置" in page and "data:image/png;base64," in page
    assert "<b>650</b>" in page
    figures = json.loads(page.split("const figures = ")[1].split(";\n")[0])
    assert figures[-1]["layout"]["title"]["text"].startswith("测试图像上的混淆矩阵")
    matrix = figures[-1]["data"][0]["z"]
    assert sum(map(sum, matrix)) == 20  # the test images of 100 digits


def test_report_refuses_a_model_that_does_not_fit_the_data(client):
    r = client.post("/api/v1/report", json=_report_body("digits", [2, 10]))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "model"]

"""app/catalog.py: the registries and the app's limits in one dict, and what reads it."""
import json

from fastapi.testclient import TestClient

from app.catalog import catalog, session_limits
from app.config import Settings
from app.datasets import DATASETS
from app.main import create_app
from app.nn import ACTIVATIONS, INITS, LOSSES, OPTIMIZERS, REGULARIZERS
from app.schemas import Catalog, session_config_model


def test_catalog_lists_every_registry_entry_with_both_labels():
    out = catalog(Settings())
    for key, registry in [("activations", ACTIVATIONS), ("losses", LOSSES), ("inits", INITS),
                          ("optimizers", OPTIMIZERS), ("regularizers", REGULARIZERS), ("datasets", DATASETS)]:
        assert list(out[key]) == list(registry), key
        for name, entry in out[key].items():
            assert entry["label"] == {"en": registry[name].label, "zh": registry[name].label_zh}
            assert entry["label"]["en"] and entry["label"]["zh"]
    assert out["losses"]["svm"]["params"] == ["margin"] and out["losses"]["softmax"]["params"] == []
    assert out["datasets"]["xor"]["max_classes"] == 2
    assert out["datasets"]["spiral"]["description"]["zh"]
    assert out["tasks"]["classification"]["losses"] == ["softmax", "svm"]
    Catalog.model_validate(out)


def test_catalog_config_ranges_are_the_session_schema_ranges():
    fields = catalog(Settings())["config"]
    assert fields["learning_rate"] == {"default": 1.0, "min": 0, "max": 100, "min_exclusive": True,
                                       "max_length": None}
    assert fields["reg"] == {"default": 5e-4, "min": 0, "max": 100, "min_exclusive": False, "max_length": None}
    assert fields["hidden_sizes"] == {"default": [100], "min": 1, "max": 1024, "min_exclusive": False,
                                      "max_length": 6}
    assert fields["noise"]["default"] is None and fields["noise"]["max"] == 10
    assert fields["activation"]["default"] == "relu"
    assert set(fields) == set(session_config_model(Settings()).model_fields)


def test_catalog_limits_follow_the_settings():
    settings = Settings(max_session_width=8, max_session_hidden_layers=2, max_points=500, max_classes=4,
                        max_hidden_width=16)
    out = catalog(settings)
    assert out["limits"] == session_limits(settings)
    assert out["limits"]["max_width"] == 8 and out["limits"]["max_hidden_layers"] == 2
    assert out["config"]["hidden_sizes"]["max"] == 8 and out["config"]["hidden_sizes"]["max_length"] == 2
    assert out["config"]["n_points"]["max"] == 500 and out["config"]["batch_size"]["max"] == 500
    assert out["config"]["classes"]["max"] == 4
    assert out["rest_limits"]["max_hidden_width"] == 16


def test_get_catalog_serves_the_apps_catalog():
    settings = Settings(max_session_width=8)
    with TestClient(create_app(settings)) as client:
        r = client.get("/api/v1/catalog")
        assert r.status_code == 200
        assert r.json() == json.loads(json.dumps(catalog(settings)))
        assert "/api/v1/catalog" in client.get("/openapi.json").json()["paths"]


def test_the_page_embeds_the_catalog():
    settings = Settings(max_session_hidden_layers=2)
    with TestClient(create_app(settings)) as client:
        html = client.get("/").text
    start = html.index('<script type="application/json" id="catalog-data">') + len(
        '<script type="application/json" id="catalog-data">')
    embedded = json.loads(html[start:html.index("</script>", start)])
    assert embedded == json.loads(json.dumps(catalog(settings)))
    assert list(embedded["activations"]) == list(ACTIVATIONS)  # in the registry's order
    assert list(embedded["datasets"]) == list(DATASETS)


def test_an_unknown_name_is_refused_naming_the_choices():
    with TestClient(create_app()) as client:
        model = {"activation": "swish", "layers": [{"W": [[1.0, 0.0]], "b": [0.0, 0.0]}]}
        r = client.post("/api/v1/forward", json={"model": model, "X": [[1.0]]})
    assert r.status_code == 422
    detail = r.json()["detail"][0]
    assert detail["loc"] == ["body", "model", "activation"]
    assert detail["msg"] == "Input should be 'relu', 'sigmoid', 'tanh', 'leaky_relu' or 'linear'"

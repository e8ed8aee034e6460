"""The catalog: every registry's names, labels (en/zh), defaults and bounds, and the limits.

One dict that the page renders its selects and sliders from (embedded in the
page, and served as GET /api/v1/catalog), built from the registries in app/nn
and app/datasets.py and from one app's Settings, so that a new registry entry
or a changed limit shows up everywhere at once.
"""
from __future__ import annotations

from .config import Settings
from .datasets import DATASETS
from .nn import ACTIVATIONS, INITS, LOSSES, OPTIMIZERS, REGULARIZERS
from .schemas import session_config_model
from .tasks import TASKS


def session_limits(settings: Settings) -> dict:
    """The limits a session announces in `hello` (docs/protocol.md: these keys are a contract)."""
    s = settings
    return {
        "max_hidden_layers": s.max_session_hidden_layers,
        "max_width": s.max_session_width,
        "min_classes": s.min_classes,
        "max_classes": s.max_classes,
        "max_points": s.max_points,
        "max_steps": s.max_steps_per_command,
        "max_message_bytes": s.max_message_bytes,
        "idle_seconds": s.session_idle_seconds,
        "datasets": {name: {"min_classes": d.min_classes, "max_classes": d.max_classes,
                            "default_classes": d.default_classes,
                            "default_noise": d.default_noise, "max_noise": d.max_noise,
                            "description": d.description}
                     for name, d in DATASETS.items()},
    }


def rest_limits(settings: Settings) -> dict:
    """The limits of the stateless REST API (/api/v1)."""
    s = settings
    return {
        "max_input_width": s.max_input_width,
        "max_hidden_width": s.max_hidden_width,
        "max_output_width": s.max_output_width,
        "max_hidden_layers": s.max_hidden_layers,
        "max_request_numbers": s.max_request_numbers,
        "max_response_numbers": s.max_response_numbers,
        "max_body_bytes": s.max_body_bytes,
        "max_json_depth": s.max_json_depth,
        "max_dataset_points": s.max_dataset_points,
    }


def _label(entry) -> dict:
    return {"label": {"en": entry.label, "zh": entry.label_zh}}


def _field_bounds(prop: dict) -> dict:
    """min, max (inclusive unless min_exclusive) and max_length (lists) of a JSON-schema property."""
    if "anyOf" in prop:  # Optional[...]: the bounds are on the non-null branch
        return _field_bounds(next((p for p in prop["anyOf"] if p.get("type") != "null"), {}))
    if prop.get("type") == "array":
        return {**_field_bounds(prop.get("items", {})), "max_length": prop.get("maxItems")}
    return {"min": prop.get("minimum", prop.get("exclusiveMinimum")),
            "max": prop.get("maximum", prop.get("exclusiveMaximum")),
            "min_exclusive": "exclusiveMinimum" in prop, "max_length": None}


def config_fields(settings: Settings) -> dict:
    """Each session config field's default and range, as this app validates them."""
    model = session_config_model(settings)
    defaults = model().model_dump()
    return {name: {"default": defaults[name], **_field_bounds(prop)}
            for name, prop in model.model_json_schema()["properties"].items()}


def catalog(settings: Settings) -> dict:
    """Every registry's entries (name → label and what the controls need), each config
    field's default and range, and the limits."""
    return {
        "activations": {name: _label(a) for name, a in ACTIVATIONS.items()},
        "losses": {name: {**_label(loss), "params": list(loss.params)} for name, loss in LOSSES.items()},
        "regularizers": {name: {**_label(r), "formula": r.formula} for name, r in REGULARIZERS.items()},
        "inits": {name: _label(i) for name, i in INITS.items()},
        "optimizers": {name: _label(o) for name, o in OPTIMIZERS.items()},
        "datasets": {name: {**_label(d), "description": {"en": d.description, "zh": d.description_zh},
                            "min_classes": d.min_classes, "max_classes": d.max_classes,
                            "default_classes": d.default_classes, "default_noise": d.default_noise,
                            "max_noise": d.max_noise, "task": d.task, **d.image_fields()}
                     for name, d in DATASETS.items()},
        "tasks": {name: {"label": t.label, "losses": list(t.losses), "metric": t.metric}
                  for name, t in TASKS.items()},
        "config": config_fields(settings),
        "limits": session_limits(settings),
        "rest_limits": rest_limits(settings),
    }

"""/api/v1: a run's data and results in and out — CSV points, the Python script, the HTML report.

A thin router: app/csvio.py, app/export.py and app/report.py do the work.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from ..csvio import CsvError, parse_points
from ..datasets import DATASETS
from ..export import network_from_json, python_script
from ..report import report_html
from ..run_schemas import CsvPoints, CsvRequest, ReportRequest, Script, ScriptRequest
from ..training import ConfigError, TrainingConfig, check_config
from .rest import ApiError, StrictJSONRoute

I18N_DIR = Path(__file__).resolve().parents[2] / "static" / "i18n"
REPORT_PREFIX = "images.report."

router = APIRouter(prefix="/api/v1", tags=["runs"], route_class=StrictJSONRoute)
_ERRORS = {422: {"description": "a field is missing or out of range; for CSV, the line and what is wrong"},
           413: {"description": "the body is over the size limit"}}


def _config(req: ScriptRequest) -> dict:
    """The request's config, checked as a whole, with the dataset's noise filled in."""
    config = TrainingConfig(**req.config.model_dump())
    try:
        check_config(config, extra_points=len(req.points))
    except ConfigError as e:
        raise ApiError(422, ["body", "config", e.field], str(e)) from None
    spec = DATASETS[config.dataset]
    for name in ("points", "own_points"):
        points = getattr(req, name) or []
        if points and spec.kind != "points":
            raise ApiError(422, ["body", name], f"{name}: only a 2-D dataset takes points")
        if any(label >= config.classes for _, _, label in points):
            raise ApiError(422, ["body", name], f"{name}: labels must be 0 to {config.classes - 1}")
    return config.to_dict()


@router.post("/points/csv", response_model=CsvPoints, responses=_ERRORS,
             summary="Read 2-D points from CSV text, all or nothing")
def read_csv(req: CsvRequest):
    try:
        X, labels = parse_points(req.csv, classes=req.classes, max_points=req.max_points)
    except CsvError as e:
        raise ApiError(422, ["body", "csv"], str(e), "csv") from None
    return {"points": [[x1, x2, k] for (x1, x2), k in zip(X.tolist(), labels.tolist())]}


@router.post("/export/python", response_model=Script, responses=_ERRORS,
             summary="A standalone NumPy script that trains this config from step 0")
def export_python(req: ScriptRequest):
    config = _config(req)
    text = python_script(config, req.points, steps=req.steps, every=req.every, own_points=req.own_points)
    return {"filename": f"nn_playground_{config['dataset']}.py", "script": text}


@lru_cache(maxsize=2)
def report_strings(lang: str) -> dict:
    """The report's words in ``lang``, from the page's catalog."""
    catalog = json.loads((I18N_DIR / f"{lang}.json").read_text(encoding="utf-8"))
    return {k.removeprefix(REPORT_PREFIX): v for k, v in catalog.items() if k.startswith(REPORT_PREFIX)}


@router.post("/report", response_class=HTMLResponse, responses=_ERRORS,
             summary="One self-contained HTML page of the run (Plotly inlined)")
async def report(req: ReportRequest):
    config = _config(req)
    net = network_from_json({"activation": req.model.activation,
                             "layers": [{"W": W, "b": b} for W, b in req.model.layer_arrays()]})
    spec = DATASETS[config["dataset"]]
    expected = [spec.input_width, config["classes"]]
    if [net.sizes[0], net.sizes[-1]] != expected:
        raise ApiError(422, ["body", "model"], f"the model takes {net.sizes[0]} inputs and gives {net.sizes[-1]} "
                       f"scores: this config needs {expected[0]} and {expected[1]}")
    page = await run_in_threadpool(report_html, config, net, req.history.model_dump(), req.points,
                                   report_strings(req.lang), req.lang, req.own_points)
    return HTMLResponse(page)

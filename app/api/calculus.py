"""The calculus endpoints and page: a scalar graph, a gradient check, a network's graph, descent paths.

A thin router: app/graph.py parses and differentiates expressions,
app/netgraph.py builds a network's graph and checks its gradients,
app/descent.py computes the descent paths. Bodies are read as strictly as
the other /api/v1 endpoints (app/api/rest.py).
"""
from __future__ import annotations

import numpy as np
import plotly
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from .. import descent
from ..config import Settings
from ..graph import GraphError, evaluate
from ..netgraph import gradient_check, network_graph, summarize
from ..nn import ACTIVATIONS, LOSSES, Network
from .calculus_schemas import (
    DescentRequest,
    DescentResponse,
    GradcheckRequest,
    GradcheckResponse,
    GraphRequest,
    GraphResponse,
    NetworkGraphRequest,
    NetworkGraphResponse,
)
from .pages import STATIC_DIR, _asset_version, templates
from .rest import _ERRORS, _STRICT_FLOATS
from .rest_limits import check_request
from .strict import ApiError, StrictJSONRoute, _settings
from .work import run_heavy

# Centred differences cost two forward passes per parameter: N·P² multiply-adds in all.
MAX_GRADCHECK_WORK = 10 ** 9

api = APIRouter(prefix="/api/v1", tags=["calculus"], route_class=StrictJSONRoute)


def _not_finite(field: str, what: str) -> ApiError:
    return ApiError(422, ["body", field], f"the result is not finite: {what}", "not_finite")


@api.post("/graph", response_model=GraphResponse, responses=_ERRORS,
             summary="An expression's computational graph: values, local gradients and gradients")
def graph(req: GraphRequest):
    try:
        output, gradients, nodes = evaluate(req.expression, req.values)
    except GraphError as e:
        raise ApiError(422, ["body", "expression"], str(e), f"graph_{e.kind}") from None
    return {
        "output": output,
        "gradients": gradients,
        "nodes": [{"id": n.id, "op": n.op, "label": n.label, "name": n.name, "inputs": n.inputs,
                   "value": n.value, "grad": n.grad, "local": n.local, "contributions": n.contributions,
                   "start": n.start, "end": n.end, "text": req.expression[n.start:n.end]} for n in nodes],
    }


def _network(req) -> Network:
    return Network(req.model.layer_arrays(), req.model.activation)


@api.post("/gradcheck", response_model=GradcheckResponse, responses=_ERRORS,
             summary="Each layer's analytic gradients against centred differences in float64")
async def gradcheck(request: Request, req: GradcheckRequest, settings: Settings = Depends(_settings)):
    check_request(req, settings)
    return await run_heavy(request, _gradcheck, req)


def _gradcheck(req):
    work = len(req.X) * req.model.count ** 2
    if work > MAX_GRADCHECK_WORK:
        raise ApiError(413, ["body"], "too large to check by finite differences: rows of X times the "
                       f"square of the parameter count must be at most {MAX_GRADCHECK_WORK:,}", "too_large")
    net = _network(req)
    try:
        with np.errstate(**_STRICT_FLOATS):
            out = gradient_check(net, req.X_array, req.y_array, req.loss, req.reg, req.margin, req.h)
    except FloatingPointError:
        raise _not_finite("model", "the loss overflowed float64 (the weights or X are too large)") from None
    if not np.isfinite([layer[p][k] for layer in out["layers"] for p in ("W", "b")
                        for k in ("relative_error", "analytic", "numeric", "max_entry_error")]).all():
        raise _not_finite("model", "a gradient overflowed float64")
    return out


@api.post("/graph/network", response_model=NetworkGraphResponse, responses=_ERRORS,
             summary="The network's computational graph for one example, forward values and gradients")
async def graph_network(request: Request, req: NetworkGraphRequest, settings: Settings = Depends(_settings)):
    check_request(req, settings)
    return await run_heavy(request, _graph_network, req)


def _graph_network(req):
    try:
        with np.errstate(**_STRICT_FLOATS):
            nodes, loss = network_graph(_network(req), req.X_array, req.y_array, req.loss, req.reg, req.margin)
    except FloatingPointError:
        raise _not_finite("model", "the forward or backward pass overflowed float64") from None
    if not all(np.isfinite(n[k]).all() for n in nodes for k in ("value", "grad")):
        raise _not_finite("model", "the forward or backward pass overflowed float64")
    return {"nodes": [{**n, "value": summarize(n["value"]), "grad": summarize(n["grad"])} for n in nodes],
            "loss": loss}


@api.post("/descent", response_model=DescentResponse, responses=_ERRORS,
             summary="Gradient descent paths on the seed's linear regression, with the contours of J")
def descent_paths(req: DescentRequest):
    if req.points is not None:
        x, y = np.asarray(req.points.x, float), np.asarray(req.points.y, float)
    else:
        x, y = descent.make_data(req.n, req.seed, req.noise)
    if np.ptp(x) == 0:
        raise ApiError(422, ["body", "points", "x"], "x needs at least two different values", "degenerate")
    paths = {m: descent.descent_path(x, y, m, req.start, req.learning_rate, req.steps, req.batch_size, req.seed)
             for m in dict.fromkeys(req.methods)}
    grid = descent.surface(x, y, list(paths.values()), req.resolution)
    if not (np.isfinite(grid["cost"]).all() and abs(grid["cost"]).max() < 1e300):
        raise ApiError(422, ["body", "points"], "the points are too large: J overflows float64", "not_finite")
    return {
        "x": x.tolist(), "y": y.tolist(),
        "minimum": grid["minimum"].tolist(), "min_cost": descent.cost(grid["minimum"], x, y),
        "grid": {"theta0": grid["theta0"].tolist(), "theta1": grid["theta1"].tolist(),
                 "cost": grid["cost"].tolist()},
        "paths": {m: {"theta": p["theta"].tolist(), "cost": p["cost"].tolist(), "status": p["status"],
                      "steps": p["steps"]} for m, p in paths.items()},
    }


def calculus_page(request: Request):
    return templates.TemplateResponse(request, "calculus.html", {
        "asset_version": _asset_version(),
        "plotly_version": plotly.__version__,
        "modules": sorted(path.name for path in STATIC_DIR.glob("js/*.js")),
        "activations": list(ACTIVATIONS), "losses": list(LOSSES),
        "methods": descent.METHODS, "default_methods": DescentRequest.model_fields["methods"].default,
    })


router = APIRouter()
router.include_router(api)
router.add_api_route("/calculus", calculus_page, response_class=HTMLResponse, include_in_schema=False)

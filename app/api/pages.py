"""HTML pages: the playground page (with the catalog embedded), Plotly.js from the installed package, a favicon.

Nothing here does any math: the page speaks /ws/session and /api/v1 itself.
"""
from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

import plotly
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from ..catalog import catalog
from ..paths import STATIC_DIR, TEMPLATES_DIR

templates = Jinja2Templates(directory=TEMPLATES_DIR)
templates.env.policies["json.dumps_kwargs"] = {"sort_keys": False}  # the catalog's order is the page's

PLOTLY_JS = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
LONG_CACHE = "public, max-age=31536000, immutable"

FAVICON_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">'
    '<rect width="32" height="32" rx="6" fill="#1d2733"/>'
    '<circle cx="10" cy="11" r="4" fill="#E69F00"/>'
    '<circle cx="22" cy="11" r="4" fill="#56B4E9"/>'
    '<circle cx="16" cy="22" r="4" fill="#009E73"/>'
    "</svg>"
)

router = APIRouter(include_in_schema=False)


@lru_cache
def _asset_version() -> str:
    """A short hash of the page's own JS and CSS, so a new build busts browser caches."""
    digest = hashlib.sha1()
    for path in sorted(STATIC_DIR.glob("js/*.js")) + sorted(STATIC_DIR.glob("css/*.css")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def page_context(request: Request) -> dict:
    """What every page's template needs: the catalog, asset versions, the module map."""
    return {
        "catalog": catalog(request.app.state.settings),
        "plotly_version": plotly.__version__,
        "asset_version": _asset_version(),
        "modules": sorted(path.name for path in STATIC_DIR.glob("js/*.js")),
    }


@router.api_route("/", methods=["GET", "HEAD"], response_class=HTMLResponse)
def index(request: Request):
    return templates.TemplateResponse(request, "index.html", page_context(request))


@router.api_route("/vendor/plotly.min.js", methods=["GET", "HEAD"])
def plotly_js():
    """Plotly.js exactly as the installed `plotly` package ships it: no CDN."""
    return FileResponse(PLOTLY_JS, media_type="text/javascript",
                        headers={"Cache-Control": LONG_CACHE})


@router.get("/favicon.svg")
@router.get("/favicon.ico")
def favicon():
    return Response(FAVICON_SVG, media_type="image/svg+xml",
                    headers={"Cache-Control": "public, max-age=86400"})

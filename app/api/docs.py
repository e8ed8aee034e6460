"""/docs (Swagger UI) and /redoc (ReDoc) with their scripts served from an installed package.

FastAPI's own pages load these from a CDN and are blank offline; here the
files come from the `fastapi-offline` package (static/), so the API docs
need no internet, like the playground page.
"""
from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, HTTPException, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse

ASSETS_DIR = Path(fastapi_offline.__file__).resolve().parent / "static"
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "redoc.standalone.js": "text/javascript",
}
ASSET_URL = "/vendor/docs/"
# Nothing may load from elsewhere: ReDoc's sidebar asks a CDN for a logo (and hides
# it when that fails), which this policy stops in the browser before it leaves.
SAME_ORIGIN_ONLY = ("default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
                    "img-src 'self' data:; worker-src 'self' blob:; font-src 'self' data:")

router = APIRouter(include_in_schema=False)


def _same_origin_only(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = SAME_ORIGIN_ONLY
    return page


@router.get("/docs", response_class=HTMLResponse)
def swagger_ui(request: Request):
    return _same_origin_only(get_swagger_ui_html(
        openapi_url=request.app.openapi_url, title=f"{request.app.title}: API docs",
        swagger_js_url=ASSET_URL + "swagger-ui-bundle.js", swagger_css_url=ASSET_URL + "swagger-ui.css",
        swagger_favicon_url="/favicon.svg"))


@router.get("/redoc", response_class=HTMLResponse)
def redoc(request: Request):
    return _same_origin_only(get_redoc_html(
        openapi_url=request.app.openapi_url, title=f"{request.app.title}: API reference",
        redoc_js_url=ASSET_URL + "redoc.standalone.js", redoc_favicon_url="/favicon.svg",
        with_google_fonts=False))


@router.get(ASSET_URL + "{name}")
def docs_asset(name: str):
    """One of the Swagger UI / ReDoc files, exactly as the installed package ships it."""
    if name not in ASSETS:
        raise HTTPException(404, "no such file")
    return FileResponse(ASSETS_DIR / name, media_type=ASSETS[name],
                        headers={"Cache-Control": "public, max-age=86400"})

"""/docs (Swagger UI) and /redoc (ReDoc) with their scripts served from an installed package.

FastAPI's own pages load these from a CDN and are blank offline; here the
files come from the `fastapi-offline` package (static/), so the API docs
need no internet, like the playground page. The Content-Security-Policy of
every answer (app/api/hardening.py) also stops ReDoc's sidebar from asking a
CDN for a logo (it hides it when that fails).
"""
from __future__ import annotations

import html
from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, HTTPException, Request
from fastapi.openapi.docs import get_redoc_html
from fastapi.responses import FileResponse, HTMLResponse, Response

ASSETS_DIR = Path(fastapi_offline.__file__).resolve().parent / "static"
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "redoc.standalone.js": "text/javascript",
}
ASSET_URL = "/vendor/docs/"
# Swagger UI starts from this file, not from an inline script, so the page
# passes the Content-Security-Policy every answer carries (app/api/hardening.py).
SWAGGER_INIT_JS = """SwaggerUIBundle({
  url: document.getElementById("swagger-ui").dataset.openapiUrl,
  dom_id: "#swagger-ui",
  layout: "BaseLayout",
  deepLinking: true,
  showExtensions: true,
  showCommonExtensions: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
});
"""
SWAGGER_PAGE = """<!DOCTYPE html>
<html>
<head>
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link type="text/css" rel="stylesheet" href="{assets}swagger-ui.css">
<link rel="shortcut icon" href="/favicon.svg">
<title>{title}</title>
</head>
<body>
<div id="swagger-ui" data-openapi-url="{openapi_url}"></div>
<script src="{assets}swagger-ui-bundle.js"></script>
<script src="{assets}swagger-init.js"></script>
</body>
</html>
"""

router = APIRouter(include_in_schema=False)


@router.get("/docs", response_class=HTMLResponse)
def swagger_ui(request: Request):
    return HTMLResponse(SWAGGER_PAGE.format(assets=ASSET_URL, title=html.escape(f"{request.app.title}: API docs"),
                                            openapi_url=html.escape(request.app.openapi_url)))


@router.get("/redoc", response_class=HTMLResponse)
def redoc(request: Request):
    return get_redoc_html(
        openapi_url=request.app.openapi_url, title=f"{request.app.title}: API reference",
        redoc_js_url=ASSET_URL + "redoc.standalone.js", redoc_favicon_url="/favicon.svg",
        with_google_fonts=False)


@router.get(ASSET_URL + "{name}")
def docs_asset(name: str):
    """One of the Swagger UI / ReDoc files, exactly as the installed package ships it, or Swagger UI's start."""
    if name == "swagger-init.js":
        return Response(SWAGGER_INIT_JS, media_type="text/javascript")
    if name not in ASSETS:
        raise HTTPException(404, "no such file")
    return FileResponse(ASSETS_DIR / name, media_type=ASSETS[name],
                        headers={"Cache-Control": "public, max-age=86400"})

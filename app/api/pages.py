"""HTML pages (placeholder until the playground page lands)."""
from fastapi import APIRouter
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def index():
    return "<!doctype html><title>nn-playground</title><h1>nn-playground</h1><p>See <a href='/docs'>/docs</a>.</p>"

"""/api/v1: stateless forward, backward and step (being written)."""
from fastapi import APIRouter

router = APIRouter(prefix="/api/v1")


def install_error_handlers(app):
    pass

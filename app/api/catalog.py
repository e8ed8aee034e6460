"""GET /api/v1/catalog: the registries' names, labels, defaults and bounds, and this app's limits."""
from __future__ import annotations

from fastapi import APIRouter, Depends

from ..catalog import catalog
from ..config import Settings
from ..schemas import Catalog
from .strict import _settings as app_settings

router = APIRouter(prefix="/api/v1", tags=["api v1"])


@router.get("/catalog", response_model=Catalog, response_model_exclude_unset=True,
            summary="Every activation, loss, regularizer, init, optimizer and dataset, with the limits")
def get_catalog(settings: Settings = Depends(app_settings)):
    return catalog(settings)

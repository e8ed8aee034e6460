"""Dependencies shared by the routers."""
from __future__ import annotations

from fastapi import Request

from ..config import Settings


def app_settings(request: Request) -> Settings:
    """The Settings of the app serving this request (create_app's, never the process-wide ones)."""
    return request.app.state.settings

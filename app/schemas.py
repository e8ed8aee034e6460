"""Pydantic models for every REST request and response and every WebSocket message."""
from __future__ import annotations

# ---- REST API v1 ----

# ---- WebSocket session messages ----

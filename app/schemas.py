"""Pydantic models for every REST request and response and every WebSocket message.

One import place for them all; each family lives in its own module:
rest_schemas (REST v1 requests), rest_answers (its answers), session_schemas
(what a client sends on /ws/session), session_replies (what the server sends
there), catalog_schemas (the catalog), class_schemas (classes and the
teacher's board).
"""
from __future__ import annotations

from .catalog_schemas import *  # noqa: F401,F403
from .class_schemas import *  # noqa: F401,F403
from .names import (ActivationName, DatasetName, InitName, LossName, OptimizerName,  # noqa: F401
                    RegularizerName)
from .rest_schemas import *  # noqa: F401,F403
from .rest_answers import *  # noqa: F401,F403
from .session_schemas import *  # noqa: F401,F403
from .session_replies import *  # noqa: F401,F403
from .session_schemas import (_client_adapter, _Message, session_models)  # noqa: F401

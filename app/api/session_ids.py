"""POST /api/v1/sessions: a fresh session id, chosen before connecting.

Behind a proxy that routes /ws/session by its `session` query parameter (several
app processes, see deploy/README.md), a session's first connection must carry
its id already, so that it reaches the process that will hold it:
`POST /api/v1/sessions` (answered by any process) → `{"session": ID}`, then
`/ws/session?session=ID&new=1` creates the session there. Nothing is stored
here: the id is random, and the process it lands on refuses one it already has.
"""
from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from ..sessions import new_session_id

router = APIRouter(prefix="/api/v1")


class FreshSession(BaseModel):
    session: str = Field(description="a new session id: connect with /ws/session?session=ID&new=1")


@router.post("/sessions", response_model=FreshSession, summary="A fresh session id to connect with")
def fresh_session() -> FreshSession:
    return FreshSession(session=new_session_id())

"""/ws/session: live training sessions (being written)."""
from fastapi import APIRouter

router = APIRouter()

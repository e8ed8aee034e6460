"""Settings: limits and defaults, overridable by NNPG_* environment variables.

For example ``NNPG_MAX_SESSIONS=8 make run``.
"""
from __future__ import annotations

import json
from functools import lru_cache
from typing import Annotated

from pydantic import field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NNPG_")

    host: str = "127.0.0.1"
    port: int = 8000
    # Several app processes behind nginx (deploy/README.md): classes are kept in
    # this Redis (redis://[:password@]host:port/db) so that every process sees them.
    redis_url: str | None = None

    # Live sessions (/ws/session)
    max_sessions: int = 64
    session_idle_seconds: float = 600.0
    max_session_width: int = 1024        # units per hidden layer
    max_session_hidden_layers: int = 6
    min_classes: int = 2
    max_classes: int = 10
    max_points: int = 5000
    max_message_bytes: int = 64 * 1024   # one client → server WebSocket message
    max_steps_per_command: int = 10_000
    # Longest stretch of training between two looks at the socket (seconds).
    train_slice_seconds: float = 0.02
    # Draw frames in a worker process (False: on a thread of the server's own).
    frame_process: bool = True

    # Hostile clients on /ws/session
    # A connection whose send has been blocked this long (it does not read) is
    # closed with 1008 "not reading"; its session stays resumable.
    client_stall_seconds: float = 30.0
    max_outbox_messages: int = 64        # replies waiting for one connection; beyond: "not reading"
    max_pending_commands: int = 32       # a driver's messages waiting to be applied; beyond: `error`
    # New sessions from one client address a minute (class joins apart). A school's room behind one
    # NAT address opens the page at once: 120 serves a large class; detached sessions are evicted
    # when the table is full, so the limit only slows one client's churn.
    new_sessions_per_minute: int = 120
    # Page origins allowed on /ws/session and /ws/class besides the server's own
    # (Origin's host:port == Host); "*" allows every origin. NNPG_ALLOWED_ORIGINS
    # is a comma-separated list (or JSON), e.g. https://playground.example.org
    allowed_origins: Annotated[list[str], NoDecode] = []

    # Stateless REST API (/api/v1)
    max_input_width: int = 4096
    max_hidden_width: int = 1024
    max_output_width: int = 1024
    max_hidden_layers: int = 5
    max_request_numbers: int = 1_000_000  # X, y and the model together
    max_body_bytes: int = 32 * 1024 * 1024
    max_json_depth: int = 32

    # Memory and heavy REST work
    # The live sessions' memory together (app/budget.py counts each from its config;
    # docs/memory.md): a new session, a config or points that would pass it are refused.
    # 0: no budget.
    memory_budget_mb: int = 4096
    max_response_numbers: int = 2_000_000  # one REST answer (scores, probs, hidden, grads...): over it → 413
    # Threads that compute REST answers (forward, backward, step...). One: on two cores the
    # other is the live sessions' (training thread, frame worker); bench/hostile.py rest-heavy.
    rest_workers: int = 1
    rest_queue: int = 4                    # REST requests waiting for a worker: one more → 503
    rest_retry_after_seconds: int = 2      # the Retry-After of that 503

    # Datasets
    max_dataset_points: int = 5000

    # Classes (/api/v1/classes, /ws/class): a teacher leads, students join by code
    max_class_students: int = 200
    max_live_classes: int = 100              # classes at once (each ends after its idle time)
    class_idle_seconds: float = 3 * 3600.0  # a class nobody has used for this long ends
    max_name_length: int = 24                # a student's display name, in characters
    class_joins_per_minute: int = 60         # joins from one address (a classroom shares one)
    board_interval_seconds: float = 0.5      # how often the teacher's board is updated

    # The HTTP server (python -m app)
    max_request_line_bytes: int = 8 * 1024   # method, target and version: a longer line → 414
    max_header_bytes: int = 16 * 1024        # the request line and headers together: more → 431
    header_timeout_seconds: float = 10.0     # a request whose headers are not all in by then → 408
    keep_alive_seconds: float = 5.0          # an idle keep-alive connection is closed after this
    # A request body that stops arriving: no byte for this long (between two reads,
    # as nginx's client_body_timeout) → 408. A slow but steady upload is never cut.
    body_timeout_seconds: float = 20.0
    # Open connections from one client address (more → 503). Above what one address
    # legitimately opens: bench/stream.py runs a driver and 100 viewers from 127.0.0.1,
    # and a classroom behind one NAT shares an address; 256 leaves room for both. 0: no limit
    # (behind a proxy, which is the only address the app sees and keeps the count itself).
    max_connections_per_address: int = 256
    # New connections are refused (503) once a socket's descriptor comes this close to
    # the process's open-file limit: what is left keeps the server's own files working.
    open_files_reserve: int = 64
    # Who may show the page in a frame (CSP frame-ancestors). "*": any site over http(s),
    # so a teacher can embed it in a course page or slides; a deployment can narrow it,
    # e.g. NNPG_FRAME_ANCESTORS="'self' https://lms.example.edu".
    frame_ancestors: str = "*"

    @field_validator("allowed_origins", mode="before")
    @classmethod
    def _origins_list(cls, value):
        """A comma-separated string (as an env var gives it) or a JSON list."""
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value


@lru_cache
def get_settings() -> Settings:
    return Settings()

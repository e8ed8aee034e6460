"""create_app(): the FastAPI application, its routers and its session store."""
from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from .api import calculus, catalog, classes, docs, hardening, pages, rest, runs, session_ids, stream
from .class_board import Reporter
from .class_store import class_backend, close_class_backend, open_class_backend
from .classroom import Classroom
from .config import Settings, get_settings
from .paths import STATIC_DIR
from .runtime import keep_freed_memory
from .sessions import SessionStore


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    keep_freed_memory()  # training steps and frames free and remake the same arrays

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        store = SessionStore(settings)
        app.state.sessions = store
        backend = class_backend(settings)
        store.classroom = app.state.classroom = Classroom(settings, store, backend)
        reporter = Reporter(store.classroom)
        await store.start()
        await open_class_backend(store.classroom)
        reporter.start()
        try:
            yield
        finally:
            reporter.stop()
            await close_class_backend(backend)
            await store.stop()

    app = FastAPI(
        title="nn-playground",
        version="1.0",
        description="A NumPy neural network that trains live. REST API v1 for single "
                    "forward/backward steps; /ws/session streams live training.",
        lifespan=lifespan,
        docs_url=None,  # served by app/api/docs.py, without a CDN
        redoc_url=None,
    )
    app.state.settings = settings
    rest.install_error_handlers(app)
    hardening.install(app, settings.frame_ancestors)
    app.include_router(rest.router)
    app.include_router(runs.router)
    app.include_router(session_ids.router)
    app.include_router(catalog.router)
    app.include_router(stream.router)
    app.include_router(classes.router)
    app.include_router(pages.router)
    app.include_router(calculus.router)
    app.include_router(docs.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app

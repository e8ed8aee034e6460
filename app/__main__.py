"""python -m app [--host H] [--port P]: serve the playground."""
from __future__ import annotations

import argparse


def main(argv=None):
    from .config import get_settings

    settings = get_settings()
    parser = argparse.ArgumentParser(prog="nn-playground", description=__doc__)
    parser.add_argument("--host", default=settings.host)
    parser.add_argument("--port", type=int, default=settings.port)
    args = parser.parse_args(argv)

    import uvicorn

    print(f"nn-playground: http://{args.host}:{args.port}", flush=True)
    uvicorn.run("app.main:create_app", factory=True, host=args.host, port=args.port,
                log_level="info", ws_max_size=settings.max_message_bytes)


if __name__ == "__main__":
    main()

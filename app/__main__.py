"""python -m app [--host H] [--port P]: serve the playground.

python -m app cluster --workers N: nginx, Redis and N app processes (app/cluster.py).
"""
from __future__ import annotations

import argparse
import socket
import sys

# Frames go out as fast as the socket takes them: a small kernel send buffer
# keeps a slow client's backlog to a frame or two (Linux copies the size to
# every connection accepted on the listening socket).
SEND_BUFFER_BYTES = 64 * 1024


def listening_socket(host, port):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER_BYTES)
    sock.bind((host, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["cluster"]:
        from .cluster import main as cluster_main
        sys.exit(cluster_main(argv[1:]))
    from .config import get_settings

    settings = get_settings()
    parser = argparse.ArgumentParser(prog="nn-playground", description=__doc__)
    parser.add_argument("--host", default=settings.host)
    parser.add_argument("--port", type=int, default=settings.port)
    args = parser.parse_args(argv)

    import uvicorn

    from .server import server_config

    server = uvicorn.Server(server_config(settings, args.host, args.port))
    sock = listening_socket(args.host, args.port)
    print(f"nn-playground: http://{args.host}:{args.port}", flush=True)
    server.run(sockets=[sock])


if __name__ == "__main__":
    main()

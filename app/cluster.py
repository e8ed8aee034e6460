"""python -m app cluster --workers N: nginx, Redis and N app processes on loopback.

The layout of deploy/README.md on one machine, in one command: redis-server,
N `python -m app` processes (each told NNPG_REDIS_URL) and nginx in front,
with configs generated into a temporary folder (app/cluster_config.py). It
prints the URL and stops everything on Ctrl-C or SIGTERM. Each child runs in
a process group of its own, so stopping it stops what it started too (an app
process's frame workers); each is also told to stop if the launcher dies.
"""
from __future__ import annotations

import argparse
import contextlib
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from .cluster_config import write_nginx_configs

# command → the Debian package that has it
TOOLS = {"nginx": "nginx", "redis-server": "redis-server"}
START_SECONDS = 60.0   # generous: a loaded 2-core machine imports NumPy slowly
STOP_SECONDS = 10.0
ROOT = Path(__file__).resolve().parent.parent


# ---- tools ----------------------------------------------------------------------

def find_tool(name: str) -> str | None:
    """The path of ``name`` (also in the sbin folders a non-root PATH lacks)."""
    path = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
    return shutil.which(name, path=path)


def missing_tools() -> list[str]:
    return [name for name in TOOLS if find_tool(name) is None]


def install_tools(say=print) -> list[str]:
    """Install what is missing with apt-get when root; what is still missing."""
    missing = missing_tools()
    if missing and os.geteuid() == 0 and shutil.which("apt-get"):
        packages = sorted({TOOLS[name] for name in missing})
        say(f"installing Debian's {' '.join(packages)} (apt-get)")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], env=env, check=False)
        subprocess.run(["apt-get", "install", "-y", "-qq", *packages], env=env, check=False,
                       stdout=subprocess.DEVNULL)
    return missing_tools()


# ---- children -------------------------------------------------------------------

def free_port(host="127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _die_with_parent():
    """In the child, before exec: SIGTERM when the launcher dies (Linux)."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class Child:
    """One process we started, in a process group of its own."""

    def __init__(self, name: str, argv: list[str], log_path: Path, env=None):
        self.name, self.argv, self.log_path, self.env = name, argv, log_path, env
        self.proc: subprocess.Popen | None = None

    def start(self):
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(self.argv, cwd=ROOT, env={**os.environ, **(self.env or {})},
                                         stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         start_new_session=True, preexec_fn=_die_with_parent)

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def signal_group(self, sig):
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, sig)

    def kill(self):
        """SIGKILL the whole group at once (what a crash looks like) and reap it."""
        self.signal_group(signal.SIGKILL)
        if self.proc is not None:
            self.proc.wait()

    def stop(self, timeout=STOP_SECONDS):
        """SIGTERM, then SIGKILL if it lingers; whatever is left of the group goes too."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.signal_group(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                pass
        self.kill()

    def log_tail(self, chars=2000) -> str:
        with contextlib.suppress(OSError):
            return self.log_path.read_text(errors="replace")[-chars:]
        return ""


def _http_ok(url) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as res:
            return res.status == 200
    except OSError:
        return False


def redis_ping(port, host="127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=2) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def wait_until(ready, child: Child, what: str, seconds=START_SECONDS):
    deadline = time.monotonic() + seconds
    while not ready():
        if not child.alive:
            raise RuntimeError(f"{child.name} exited before {what}:\n{child.log_tail()}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{child.name}: no {what} within {seconds:.0f} s:\n{child.log_tail()}")
        time.sleep(0.05)


# ---- the cluster ----------------------------------------------------------------

class Cluster:
    """redis-server, ``workers`` app processes and nginx on loopback; a context manager.

    Redis writes every change to its append-only file in the folder, so a Redis
    that is killed and started again comes back with the classes it held."""

    def __init__(self, workers=2, port=0, host="127.0.0.1", folder: Path | None = None, app_env=None):
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.host = host
        self.port = port or free_port(host)
        self.folder = Path(folder or tempfile.mkdtemp(prefix="nnpg-cluster-"))
        self._own_folder = folder is None
        self.redis_port = free_port()
        self.app_ports = [free_port() for _ in range(workers)]
        # nginx counts connections per client address: the apps see only nginx's.
        env = {"NNPG_REDIS_URL": self.redis_url, "NNPG_MAX_CONNECTIONS_PER_ADDRESS": "0", **(app_env or {})}
        self.redis = Child("redis-server", [find_tool("redis-server") or "redis-server",
                                            "--port", str(self.redis_port), "--bind", "127.0.0.1",
                                            "--save", "", "--appendonly", "yes",
                                            "--appendfsync", "always",
                                            "--dir", str(self.folder)], self.folder / "redis.log")
        self.apps = [Child(f"app {i + 1}", [sys.executable, "-m", "app", "--host", "127.0.0.1",
                                            "--port", str(p)], self.folder / f"app-{i + 1}.log", env)
                     for i, p in enumerate(self.app_ports)]
        self.nginx = None

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def app_urls(self) -> list[str]:
        return [f"http://127.0.0.1:{p}" for p in self.app_ports]

    @property
    def children(self) -> list[Child]:
        return [c for c in (self.nginx, *self.apps, self.redis) if c is not None]

    def start(self):
        try:
            self.start_redis()
            for app in self.apps:
                app.start()
            for app, url in zip(self.apps, self.app_urls):
                wait_until(lambda: _http_ok(url + "/"), app, "answer on " + url)
            self._start_nginx()
        except BaseException:
            self.stop()
            raise
        return self

    def start_redis(self):
        self.redis.start()
        wait_until(lambda: redis_ping(self.redis_port), self.redis, "PONG from redis")

    def _start_nginx(self):
        nginx = find_tool("nginx") or "nginx"
        conf = write_nginx_configs(self.folder, f"{self.host}:{self.port}",
                                   [f"127.0.0.1:{p}" for p in self.app_ports])
        argv = [nginx, "-p", str(self.folder), "-e", str(self.folder / "nginx-error.log"), "-c", str(conf)]
        checked = subprocess.run([*argv, "-t"], capture_output=True, text=True)
        if checked.returncode != 0:
            raise RuntimeError(f"nginx refused the generated config:\n{checked.stderr}")
        self.nginx = Child("nginx", argv, self.folder / "nginx.log")
        self.nginx.start()
        wait_until(lambda: _http_ok(self.url + "/"), self.nginx, "answer on " + self.url)

    def stop(self):
        """Stop every child (nginx first, Redis last) and remove the folder we made."""
        for child in self.children:
            child.stop()
        if self._own_folder:
            shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


# ---- the command ----------------------------------------------------------------

def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


def watch(cluster: Cluster, say=print):
    """Until Ctrl-C or SIGTERM: say once when a child exits on its own."""
    reported = set()
    while True:
        time.sleep(1.0)
        for child in cluster.children:
            if not child.alive and child.name not in reported:
                reported.add(child.name)
                say(f"{child.name} exited ({child.proc.returncode}); see {child.log_path}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app cluster", description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=2, help="app processes (default 2)")
    parser.add_argument("--host", default="127.0.0.1", help="where nginx listens")
    parser.add_argument("--port", type=int, default=8080, help="nginx's port (default 8080)")
    parser.add_argument("--no-install", action="store_true", help="never run apt-get")
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    missing = missing_tools() if args.no_install else install_tools()
    if missing:
        packages = " ".join(sorted({TOOLS[name] for name in missing}))
        print(f"missing: {', '.join(missing)}. Install them with: sudo apt-get install {packages}",
              file=sys.stderr)
        return 2
    # Both stop everything, even where SIGINT was ignored when we started (a shell
    # starts background commands with SIGINT ignored, and Python keeps that).
    signal.signal(signal.SIGTERM, _raise_interrupt)
    signal.signal(signal.SIGINT, _raise_interrupt)
    cluster = Cluster(args.workers, args.port, args.host)
    try:
        cluster.start()
        print(f"nn-playground cluster: {args.workers} app processes, Redis at {cluster.redis_url}, "
              f"logs in {cluster.folder}", flush=True)
        print(f"nn-playground: open {cluster.url}   (Ctrl-C stops everything)", flush=True)
        watch(cluster)
    except KeyboardInterrupt:
        print("stopping nginx, the app processes and Redis", flush=True)
    except RuntimeError as failed:
        print(f"the cluster did not start: {failed}", file=sys.stderr)
        return 1
    finally:
        cluster.stop()
    return 0

"""`python -m app cluster` leaves no process behind when it stops."""
from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from app.cluster import Cluster, free_port, missing_tools

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.cluster


@pytest.fixture(autouse=True)
def tools():
    """Missing tools fail loudly (`make test` installs them), never skip."""
    missing = missing_tools()
    if missing:
        pytest.fail(f"needs {' and '.join(missing)}: `make cluster-tools` as root")


def descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (from /proc's children lists)."""
    found, todo = set(), [pid]
    while todo:
        p = todo.pop()
        for task in Path(f"/proc/{p}/task").glob("*"):
            try:
                kids = [int(k) for k in (task / "children").read_text().split()]
            except OSError:
                continue
            for kid in kids:
                if kid not in found:
                    found.add(kid)
                    todo.append(kid)
    return found


def alive(pids) -> set[int]:
    still = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            still.add(pid)
    return still


def test_stopping_the_cluster_stops_every_process_it_started():
    cluster = Cluster(workers=2).start()
    pids = {c.proc.pid for c in cluster.children}
    pids |= set().union(*(descendants(p) for p in pids))
    assert len(pids) >= 6  # nginx master and worker, redis, 2 apps, their frame workers
    folder = cluster.folder
    cluster.stop()
    assert alive(pids) == set()
    assert not folder.exists()


def _as_a_background_job():
    """What a shell does to a command started with `&`: SIGINT (and SIGQUIT) ignored."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGQUIT, signal.SIG_IGN)


@pytest.mark.parametrize("background", [False, True], ids=["foreground", "background"])
@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT])
def test_the_command_stops_everything_on_sigterm_and_ctrl_c(how, background):
    port = free_port()
    launcher = subprocess.Popen([sys.executable, "-m", "app", "cluster", "--workers", "2", "--port",
                                 str(port), "--no-install"], cwd=ROOT, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True,
                                preexec_fn=_as_a_background_job if background else None)
    try:
        lines = []
        while not any("open http://" in line for line in lines):
            line = launcher.stdout.readline()
            assert line, "".join(lines)  # the launcher exited before printing its URL
            lines.append(line)
        assert f"open http://127.0.0.1:{port}" in lines[-1]
        pids = descendants(launcher.pid)
        assert len(pids) >= 6
        launcher.send_signal(how)
        assert launcher.wait(timeout=60) == 0
        assert alive(pids) == set()
    finally:
        if launcher.poll() is None:
            launcher.kill()
            launcher.wait()
        launcher.stdout.close()

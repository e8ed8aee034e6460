"""Regenerate the real requests' answers and the real messages shown in docs/api.md and docs/protocol.md.

    python scripts/capture_docs.py        (or: make docs)

The app runs in this process (FastAPI's TestClient), at its default settings.

docs/api.md: every ```sh block that runs curl against the API is replayed (a
body made by a shell pipeline, `... | curl --data-binary @-`, is made by
running that pipeline) and the `HTTP <status>` line and the ```json block
after it are rewritten with the answer.

docs/protocol.md: a ```json block right after a `<!-- capture: NAME -->`
marker is rewritten with message NAME of the scenario below, trimmed as the
page says (long lists show their first three items then "…", base64 its first
48 characters). The session id and token are new on every run; the rest is
the same from run to run.
"""
from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import unicodedata
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fastapi.testclient import TestClient  # noqa: E402

from app.config import Settings  # noqa: E402
from app.main import create_app  # noqa: E402

WIDTH = 116
MORE = "…"


# ---- formatting ----------------------------------------------------------------------------

def _flat(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def _width(text: str) -> int:
    """Columns on screen: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _packed(items: list[str], pad: str) -> list[str]:
    """Items joined on as few lines as WIDTH allows."""
    rows, row = [], ""
    for item in items:
        if row and len(pad) + _width(row) + _width(item) + 2 > WIDTH:
            rows.append(row)
            row = ""
        row = f"{row}, {item}" if row else item
    return rows + [row]


def pretty(value, indent: int = 0, used: int = 0) -> str:
    """JSON on one line when it fits in WIDTH columns (after ``used`` on its line); else a dict
    of scalars packs several keys a line, and anything else goes one item a line."""
    flat = _flat(value)
    if not isinstance(value, (dict, list)) or not value or indent + used + _width(flat) <= WIDTH:
        return flat
    pad = " " * (indent + 2)
    close = "\n" + " " * indent
    if isinstance(value, dict):
        items = [f"{_flat(k)}: {_flat(v)}" for k, v in value.items()]
        if all(not isinstance(v, (dict, list)) or len(_flat(v)) <= 12 for v in value.values()) and all(
                len(pad) + _width(item) <= WIDTH for item in items):
            rows = _packed(items, pad)
        else:
            rows = [f"{_flat(k)}: {pretty(v, indent + 2, len(_flat(k)) + 2)}" for k, v in value.items()]
        return "{\n" + ",\n".join(pad + row for row in rows) + close + "}"
    rows = [pad + pretty(v, indent + 2) for v in value]
    return "[\n" + ",\n".join(rows) + close + "]"


def trim(value, keep: int = 3, last: bool = False):
    """Lists longer than 4 cut to their first (or last) ``keep`` items and "…"; base64 data to 48 characters."""
    if isinstance(value, dict):
        return {k: (v[:48] + MORE if k == "data" and isinstance(v, str) and len(v) > 48 else trim(v, keep, last))
                for k, v in value.items()}
    if isinstance(value, list):
        if len(value) > (keep if last else 4):
            kept = [trim(v, keep, last) for v in (value[-keep:] if last else value[:keep])]
            return [MORE, *kept] if last else [*kept, MORE]
        return [trim(v, keep, last) for v in value]
    return value


def replace_block(lines: list[str], start: int, text: str) -> int:
    """Replace the ```json block that opens at lines[start] with ``text``; the index after it."""
    assert lines[start].startswith("```json"), lines[start]
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("```"))
    lines[start:end + 1] = ["```json", *text.split("\n"), "```"]
    return start + len(text.split("\n")) + 2


# ---- docs/api.md ---------------------------------------------------------------------------

def run_curl(command: str, client: TestClient) -> tuple[int, object]:
    """The status and JSON answer of one documented curl command, replayed in-process."""
    body = None
    if "| curl" in command:
        producer, command = command.split("| curl", 1)
        body = subprocess.run(["bash", "-c", producer], capture_output=True, check=True).stdout
        command = "curl" + command
    args = shlex.split(command)
    url, headers = None, {}
    i = 1
    while i < len(args):
        arg = args[i]
        if arg == "-H":
            key, value = args[i + 1].split(":", 1)
            headers[key.strip()] = value.strip()
            i += 1
        elif arg == "-d":
            body = args[i + 1].encode()
            i += 1
        elif arg.startswith("http"):
            url = arg
        i += 1
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    r = client.post(path, content=body, headers=headers) if body is not None else client.get(path)
    return r.status_code, r.json()


def capture_api(text: str) -> str:
    lines = text.split("\n")
    with TestClient(create_app(Settings(frame_process=False))) as client:
        i = 0
        while i < len(lines):
            if lines[i].startswith("```sh"):
                end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith("```"))
                command = " ".join(line.rstrip("\\").strip() for line in lines[i + 1:end])
                if "curl" in command and end + 2 < len(lines) and lines[end + 1].startswith("HTTP "):
                    status, answer = run_curl(command, client)
                    lines[end + 1] = f"HTTP {status}"
                    i = replace_block(lines, end + 2, pretty(answer))
                    continue
            i += 1
    return "\n".join(lines)


# ---- docs/protocol.md ----------------------------------------------------------------------

def next_of(ws, kind, where=lambda m: True, limit=100_000):
    for _ in range(limit):
        msg = ws.receive_json()
        if msg["type"] == kind and where(msg):
            return msg
    raise RuntimeError(f"no {kind} message")


def reply(ws, message):
    """Send ``message``; the first config, probe or error after it."""
    ws.send_json(message)
    for _ in range(100_000):
        msg = ws.receive_json()
        if msg["type"] in ("config", "probe", "error"):
            return msg
    raise RuntimeError("no reply")


def protocol_messages() -> dict:
    """The scenario: every message the page shows, by name."""
    out = {}
    with TestClient(create_app(Settings(frame_process=False))) as client:
        with client.websocket_connect("/ws/session") as ws:
            hello = out["hello"] = next_of(ws, "hello")
            out["frame-first"] = next_of(ws, "frame")
            ws.send_json({"type": "step", "n": 250})
            out["frame-250"] = next_of(ws, "frame", lambda f: f["step"] == 250)
            out["config-live"] = reply(ws, {"type": "config", "config": {"learning_rate": 0.5}})
            reply(ws, {"type": "config", "config": {"hidden_sizes": [8, 8]}})
            reply(ws, {"type": "config", "config": {"hidden_sizes": [100], "learning_rate": 1.0}})
            ws.send_json({"type": "step", "n": 500})
            next_of(ws, "frame", lambda f: f["step"] == 500)
            out["probe-softmax"] = reply(ws, {"type": "probe", "x": [0.5, -0.25], "label": 1})
            reply(ws, {"type": "config", "config": {"loss": "svm"}})
            out["probe-svm"] = reply(ws, {"type": "probe", "x": [0.5, -0.25], "label": 1})
            ws.send_json({"type": "points", "add": [[0.5, 0.5, 0], [-0.5, 0.25, 2]]})
            reply(ws, {"type": "probe", "x": [0.5, -0.25]})
            out["errors"] = [
                reply(ws, {"type": "config", "config": {"learning_rate": 0}}),
                reply(ws, {"type": "config", "config": {"dataset": "xor", "classes": 3}}),
                reply(ws, {"type": "step", "n": 0}),
                reply(ws, {"type": "jump"}),
            ]
            reply(ws, {"type": "config", "config": {"learning_rate": 100, "reg": 100}})
            ws.send_json({"type": "play"})
            out["frame-diverged"] = next_of(ws, "frame", lambda f: f["status"] == "diverged")
            out["errors"].append(reply(ws, {"type": "play"}))
            ws.send_text("{not json")
            out["errors"].append(next_of(ws, "error"))
            resume = f"/ws/session?session={hello['session']}&token={hello['token']}"
            with client.websocket_connect(resume) as again:
                out["taken-over"] = next_of(ws, "error")
                next_of(again, "hello")
        with client.websocket_connect("/ws/session") as ws:  # a driver, a viewer and the live model
            driver = next_of(ws, "hello")
            ws.send_json({"type": "step", "n": 3})
            next_of(ws, "frame", lambda f: f["step"] == 3)
            with client.websocket_connect(f"/ws/session?session={driver['session']}&watch=1") as viewer:
                out["viewer-hello"] = next_of(viewer, "hello")
                viewer.send_json({"type": "play"})
                out["viewer-refused"] = next_of(viewer, "error")
            ws.send_json({"type": "model"})
            out["model"] = next_of(ws, "model")
        with client.websocket_connect("/ws/session?session=nope&token=wrong") as ws:
            out["wrong-token"] = ws.receive_json()
        out.update(inside_messages(client))
    return out


def inside_messages(client) -> dict:
    """Features, L1, the neurons and health views, a hand edit, regression."""
    out = {}
    with client.websocket_connect("/ws/session") as ws:
        next_of(ws, "hello")
        out["config-inside"] = reply(ws, {"type": "config", "config": {
            "hidden_sizes": [8, 8], "activation": "tanh", "init": "xavier", "regularization": "l1",
            "features": ["x1", "x2", "x1*x2"], "neurons": True}})
        ws.send_json({"type": "step", "n": 20})
        frame = next_of(ws, "frame", lambda f: f["step"] == 20)
        out["frame-neurons"], out["frame-health"] = frame["neurons"], frame["health"]
        out["param-error"] = reply(ws, {"type": "param", "layer": 0, "name": "W", "index": [3, 0], "value": 0.5})
        out["config-regression"] = reply(ws, {"type": "config", "config": {
            "dataset": "plane", "hidden_sizes": [], "features": ["x1", "x2"]}})
        ws.send_json({"type": "step", "n": 100})
        frame = next_of(ws, "frame", lambda f: f["step"] == 100)
        out["frame-regression"] = {k: v for k, v in frame.items() if k not in ("neurons", "points")}
        out["probe-regression"] = reply(ws, {"type": "probe", "x": [0.5, -0.5], "label": 0.4})
    return out


def trimmed(name: str, msg) -> str:
    """The message as the page shows it: trimmed (see the module docstring), pretty-printed."""
    if name == "errors":
        return "\n".join(json.dumps(m, ensure_ascii=False) for m in msg)
    msg = json.loads(json.dumps(msg))
    if name == "hello":
        datasets = msg["limits"]["datasets"]
        others = [d for d in datasets if d not in ("spiral", "xor")]
        msg["limits"]["datasets"] = {"spiral": datasets["spiral"], "xor": datasets["xor"],
                                     MORE: ", ".join(others[:-1]) + f" and {others[-1]} likewise"}
    out = trim(msg)
    if name == "viewer-hello":
        out = {k: ({MORE: "as for the driver"} if k in ("config", "limits", "points") else v) for k, v in out.items()}
        out["history"] = msg["history"]
    if name == "frame-diverged":  # the last points of the history: where it overflowed
        out["history"] = {k: trim(v, last=True) for k, v in msg["history"].items()}
    return pretty(out)


def capture_protocol(text: str) -> str:
    messages = protocol_messages()
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        found = re.fullmatch(r"<!-- capture: ([\w-]+) -->", lines[i].strip())
        if found:
            name = found.group(1)
            i = replace_block(lines, i + 1, trimmed(name, messages[name]))
            if i < len(lines) and re.fullmatch(r"\([\d,]+ bytes untrimmed\.\)", lines[i]):
                size = len(json.dumps(messages[name], separators=(",", ":")).encode())
                lines[i] = f"({size:,} bytes untrimmed.)"
            continue
        i += 1
    return "\n".join(lines)


def main() -> None:
    for name, capture in (("docs/api.md", capture_api), ("docs/protocol.md", capture_protocol)):
        path = ROOT / name
        old = path.read_text()
        new = capture(old)
        if new != old:
            path.write_text(new)
        print(f"{name}: {'rewritten' if new != old else 'unchanged'}")


if __name__ == "__main__":
    main()

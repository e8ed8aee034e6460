"""2-D points as CSV: ``x1,x2,label`` (classification) or ``x1,x2,y`` (regression).

Standard library and NumPy only. Reading is all or nothing: the first
problem raises ``CsvError`` with its line number (1-based, as an editor
shows it) and what is wrong, and no point of a refused file is used. Messages
never quote the file's content.

Format: one point per line; a header line (the column names) is optional;
the separator is a comma, a semicolon or a tab, the one the first line uses,
and the same on every line; blank lines are skipped; numbers are plain
decimals (``1.5``, ``-2e-3``), coordinates within ±1e6.
"""
from __future__ import annotations

import math

import numpy as np

SEPARATORS = (",", ";", "\t")
MAX_BYTES = 1_000_000
MAX_COORDINATE = 1e6
HEADERS = {"label": ("x1", "x2", "label"), "y": ("x1", "x2", "y")}


class CsvError(ValueError):
    """A refused file: ``line`` (1-based, 0 for the file as a whole) and what is wrong."""

    def __init__(self, line: int, problem: str):
        super().__init__(f"line {line}: {problem}" if line else problem)
        self.line, self.problem = line, problem


def _decode(data: str | bytes, max_bytes: int) -> str:
    size = len(data.encode("utf-8")) if isinstance(data, str) else len(data)
    if size > max_bytes:
        raise CsvError(0, f"the file is larger than {max_bytes:,} bytes")
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise CsvError(0, "the file is not text (not UTF-8): expected lines such as 0.5,-1.2,0") from None
    if "\x00" in data:
        raise CsvError(0, "the file is binary (it holds NUL bytes): expected lines such as 0.5,-1.2,0")
    return data.lstrip("\ufeff")


def _separator(line: str) -> str:
    used = [s for s in SEPARATORS if s in line]
    if len(used) != 1:
        raise CsvError(1, "separate the three columns with commas (or semicolons, or tabs), one kind per file")
    return used[0]


def _number(text: str, line: int, column: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise CsvError(line, f"{column} is not a number") from None
    if not math.isfinite(value):
        raise CsvError(line, f"{column} is not a finite number (NaN and infinity are refused)")
    return value


def _is_header(fields: list[str]) -> bool:
    try:
        [float(f) for f in fields]
    except ValueError:
        return True
    return False


def parse_points(data: str | bytes, *, classes: int | None = None, target: str = "label",
                 max_points: int = 5000, max_bytes: int = MAX_BYTES) -> tuple[np.ndarray, np.ndarray]:
    """(X (N, 2) float64, labels (N,) int64 — or y (N,) float64 when ``target`` is "y").

    ``classes``: labels must be integers 0..classes-1. Raises CsvError for
    the first problem found.
    """
    text = _decode(data, max_bytes)
    lines = [(i, line.strip()) for i, line in enumerate(text.splitlines(), start=1) if line.strip()]
    if not lines:
        raise CsvError(0, "the file is empty: expected lines such as 0.5,-1.2,0")
    sep = _separator(lines[0][1])
    others = [s for s in SEPARATORS if s != sep]
    header = HEADERS[target]
    first_fields = [f.strip() for f in lines[0][1].split(sep)]
    if _is_header(first_fields):
        if [f.lower() for f in first_fields] != list(header):
            raise CsvError(lines[0][0], f"the header must be {','.join(header)} (or leave it out)")
        lines = lines[1:]
    if len(lines) > max_points:
        raise CsvError(0, f"the file has {len(lines):,} points: at most {max_points:,} fit")
    X = np.empty((len(lines), 2))
    values = np.empty(len(lines), dtype=np.int64 if target == "label" else np.float64)
    for row, (number, line) in enumerate(lines):
        if any(s in line for s in others):
            raise CsvError(number, "mixes separators: use the first line's on every line")
        fields = [f.strip() for f in line.split(sep)]
        if len(fields) != 3:
            raise CsvError(number, f"has {len(fields)} columns, expected 3 ({','.join(header)})")
        x1, x2 = (_number(fields[k], number, header[k]) for k in (0, 1))
        if abs(x1) > MAX_COORDINATE or abs(x2) > MAX_COORDINATE:
            raise CsvError(number, f"a coordinate is outside ±{MAX_COORDINATE:g}")
        value = _number(fields[2], number, header[2])
        if target == "label":
            value = _label(value, number, classes)
        X[row] = x1, x2
        values[row] = value
    return X, values


def _label(value: float, line: int, classes: int | None) -> int:
    if value != int(value):
        raise CsvError(line, "label is not a whole number (a class index 0, 1, 2, ...)")
    if value < 0 or (classes is not None and value >= classes):
        top = "" if classes is None else f" to {classes - 1}"
        raise CsvError(line, f"label is out of range: the classes are 0{top}")
    return int(value)


def format_points(X, values, target: str = "label") -> str:
    """The CSV text, with a header, of points X (N, 2) and labels (or y) (N,).

    Floats are written with ``repr`` (shortest round trip), so reading the
    text back gives exactly the same numbers.
    """
    X = np.asarray(X, dtype=np.float64)
    rows = [",".join(HEADERS[target])]
    for (x1, x2), v in zip(X.tolist(), np.asarray(values).tolist()):
        rows.append(f"{x1!r},{x2!r},{v!r}")
    return "\n".join(rows) + "\n"

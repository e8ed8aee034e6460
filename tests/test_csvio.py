"""Tests for app.csvio: 2-D points CSV, read all or nothing."""
from __future__ import annotations

import numpy as np
import pytest

from app.csvio import CsvError, format_points, parse_points
from app.datasets import make_dataset


def test_round_trip_gives_the_same_points():
    ds = make_dataset("spiral", n=300, seed=4)
    text = format_points(ds.X, ds.y)
    assert text.startswith("x1,x2,label\n")
    X, y = parse_points(text, classes=3)
    assert np.array_equal(X, ds.X) and np.array_equal(y, ds.y) and y.dtype == np.int64


def test_regression_round_trip():
    X = np.array([[0.1, -0.2], [1e-7, 3.0]])
    y = np.array([0.25, -1.5])
    X2, y2 = parse_points(format_points(X, y, target="y"), target="y")
    assert np.array_equal(X2, X) and np.array_equal(y2, y) and y2.dtype == np.float64


@pytest.mark.parametrize("text", [
    "0.5,1,0\n-1,2e-1,1\n",                 # no header
    "x1,x2,label\r\n0.5,1,0\r\n-1,0.2,1",    # header, CRLF, no final newline
    "X1 ; X2 ; Label\n0.5;1;0\n\n-1;0.2;1\n",  # semicolons, spaces, a blank line
    "0.5\t1\t0\n-1\t0.2\t1.0\n",            # tabs; 1.0 is class 1
    b"\xef\xbb\xbfx1,x2,label\n0.5,1,0\n-1,0.2,1\n",  # UTF-8 with a byte order mark
])
def test_accepted_forms(text):
    X, y = parse_points(text, classes=2)
    assert X.tolist() == [[0.5, 1.0], [-1.0, 0.2]] and y.tolist() == [0, 1]


BAD = {
    "wrong column count": ("0,0,0\n1,1\n", 2, "has 2 columns, expected 3"),
    "text": ("x1,x2,label\n0,0,0\n0,abc,1\n", 3, "x2 is not a number"),
    "NaN": ("0,0,0\nnan,0,1\n", 2, "x1 is not a finite number"),
    "inf": ("0,0,0\n0,0,0\n1,-inf,1\n", 3, "x2 is not a finite number"),
    "empty": ("\n  \n", 0, "the file is empty"),
    "label out of range": ("0,0,0\n0,0,3\n", 2, "label is out of range: the classes are 0 to 2"),
    "label not whole": ("0,0,0.5\n", 1, "label is not a whole number"),
    "negative label": ("0,0,-1\n", 1, "label is out of range"),
    "mixed separators": ("0,0,0\n0;0;1\n", 2, "mixes separators"),
    "no separator": ("0 0 0\n", 1, "separate the three columns"),
    "wrong header": ("a,b,c\n0,0,0\n", 1, "the header must be x1,x2,label"),
    "far coordinate": ("0,0,0\n2e6,0,0\n", 2, "outside"),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 0, "not text"),
    "NUL bytes": ("0,0,0\n\x00\x00\n", 0, "binary"),
    "too many points": ("0,0,0\n" * 5001, 0, "the file has 5,001 points: at most 5,000 fit"),
    "too large": ("0.000000000001,0,0\n" * 60_000, 0, "larger than 1,000,000 bytes"),
}


@pytest.mark.parametrize("kind", list(BAD))
def test_a_bad_file_is_refused_whole_with_its_line(kind):
    text, line, problem = BAD[kind]
    with pytest.raises(CsvError) as err:
        parse_points(text, classes=3)
    assert err.value.line == line and problem in str(err.value)
    if line:
        assert str(err.value).startswith(f"line {line}: ")


def test_a_million_rows_are_refused():
    text = "0,0,0\n" * 1_000_000
    with pytest.raises(CsvError, match="larger than"):
        parse_points(text, classes=2)
    with pytest.raises(CsvError, match="1,000,000 points: at most 5,000"):
        parse_points(text, classes=2, max_bytes=10_000_000)


def test_messages_never_quote_the_file():
    with pytest.raises(CsvError) as err:
        parse_points("0,0,0\n0,<script>secret,1\n", classes=2)
    assert "secret" not in str(err.value) and "script" not in str(err.value)

"""The run as one self-contained HTML page: settings, curves, boundary or templates.

Plotly.js is inlined from the installed ``plotly`` package (no CDN, no
network request), the images as PNG data URIs, so the file can be handed in
or posted as it is. The page's words come from ``strings`` (the page's i18n
catalog, keys ``images.report.*``); English when not given.
"""
from __future__ import annotations

import base64
import html
import json
import struct
import zlib
from pathlib import Path

import numpy as np

from .boundary import data_extent
from .datasets import DATASETS, add_points, make_dataset, points_dataset
from .export import parameter_count
from .image_views import confusion, decode_templates, templates

ENGLISH = {
    "title": "NN Playground: a training run",
    "settings": "Settings",
    "parameters": "Parameters (weights and biases)",
    "steps": "Steps trained",
    "loss": "Loss",
    "accuracy": "Accuracy",
    "step": "step",
    "data_loss": "data loss",
    "reg_loss": "regularization",
    "total": "total loss",
    "train_accuracy": "train accuracy",
    "test_accuracy": "test accuracy",
    "boundary": "What the network predicts on the plane",
    "templates": "First-layer weights as images (templates)",
    "confusion": "Confusion matrix on the test images (rows: true class, columns: predicted)",
    "true": "true class",
    "predicted": "predicted class",
}
_PALETTE = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4",
            "#42d4f4", "#f032e6", "#bfef45", "#fabed4", "#469990"]


def _plotly_js() -> str:
    import plotly  # only here: the report is the one user of the package's script in Python
    return (Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js").read_text(encoding="utf-8")


def png_data_uri(image: np.ndarray) -> str:
    """A PNG data URI of a uint8 image (H, W, 3) or (H, W, 1)."""
    image = np.asarray(image, dtype=np.uint8)
    if image.shape[2] == 1:
        image = np.repeat(image, 3, axis=2)
    h, w, _ = image.shape
    raw = b"".join(b"\x00" + image[i].tobytes() for i in range(h))

    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def montage(tiles: np.ndarray, columns: int = 10, scale: int = 4) -> np.ndarray:
    """Tiles (K, H, W, Ch) uint8 side by side in rows of ``columns``, 1 px apart, enlarged ``scale`` times."""
    k, h, w, ch = tiles.shape
    rows = -(-k // columns)
    out = np.full((rows * (h + 1), min(k, columns) * (w + 1), ch), 255, dtype=np.uint8)
    for i, tile in enumerate(tiles):
        r, c = divmod(i, columns)
        out[r * (h + 1):r * (h + 1) + h, c * (w + 1):c * (w + 1) + w] = tile
    return out.repeat(scale, axis=0).repeat(scale, axis=1)


def _template_figures(tiles, spec, net) -> str:
    """A linear model's templates one per class, named; a hidden layer's units as one picture."""
    if len(net.layers) > 1:
        return f'<img class="templates" alt="" src="{png_data_uri(montage(tiles))}">'
    return '<div class="per-class">' + "".join(
        f'<figure><img alt="" src="{png_data_uri(montage(tile[None], 1, 96 // tile.shape[0]))}">'
        f'<figcaption>{html.escape(name)}</figcaption></figure>'
        for tile, name in zip(tiles, spec.class_names)) + "</div>"


def _curves(history: dict, keys, title: str, s: dict) -> dict:
    traces = [{"type": "scatter", "mode": "lines", "name": s[k], "x": history.get("step", []),
               "y": history.get(k, [])} for k in keys]
    return {"data": traces, "layout": {"title": {"text": title}, "xaxis": {"title": {"text": s["step"]}},
                                       "height": 320, "margin": {"t": 40, "r": 10, "b": 40, "l": 50}}}


def _boundary_figure(net, ds, s: dict) -> dict:
    xmin, xmax, ymin, ymax = data_extent(ds.X)
    xs, ys = np.linspace(xmin, xmax, 120), np.linspace(ymin, ymax, 120)
    grid = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
    with np.errstate(all="ignore"):
        predicted = net.scores(grid).argmax(axis=1).reshape(len(ys), len(xs))
    c = ds.classes
    scale = [[i / c + edge / c, _PALETTE[i]] for i in range(c) for edge in (0, 1)]
    data = [{"type": "heatmap", "x": xs.tolist(), "y": ys.tolist(), "z": predicted.tolist(), "zmin": 0,
             "zmax": c, "colorscale": scale, "opacity": 0.35, "showscale": False, "hoverinfo": "skip"}]
    for k in range(c):
        pts = ds.X[ds.y == k]
        data.append({"type": "scatter", "mode": "markers", "name": str(k), "x": pts[:, 0].tolist(),
                     "y": pts[:, 1].tolist(), "marker": {"color": _PALETTE[k], "size": 5,
                                                         "line": {"width": 0.5, "color": "#222"}}})
    return {"data": data, "layout": {"title": {"text": s["boundary"]}, "height": 520, "width": 620,
                                     "xaxis": {"range": [xmin, xmax], "constrain": "domain"},
                                     "yaxis": {"range": [ymin, ymax], "scaleanchor": "x"}, "margin": {"t": 40}}}


def _confusion_figure(matrix, names, s: dict) -> dict:
    return {"data": [{"type": "heatmap", "z": matrix, "x": names, "y": names,
                      "colorscale": [[0, "#f7fbff"], [0.5, "#6baed6"], [1, "#08306b"]],
                      "texttemplate": "%{z}", "showscale": False}],
            "layout": {"title": {"text": s["confusion"]}, "height": 480,
                       "xaxis": {"title": {"text": s["predicted"]}, "type": "category"},
                       "yaxis": {"title": {"text": s["true"]}, "autorange": "reversed", "type": "category"}}}


def report_html(config: dict, net, history: dict, added_points=(), strings: dict | None = None,
                lang: str = "en", own_points=None) -> str:
    """The report page for a session's ``config``, its network and ``history``
    (and its points: ``own_points`` loaded in place of the dataset's, ``added_points``)."""
    s = {**ENGLISH, **(strings or {})}
    spec = DATASETS[config["dataset"]]
    if own_points is not None:
        ds = points_dataset(own_points, config["classes"], config["test_fraction"], config["seed"])
    else:
        ds = make_dataset(config["dataset"], n=config["n_points"], classes=config["classes"],
                          noise=config["noise"], seed=config["seed"], test_fraction=config["test_fraction"])
    if added_points:
        ds = add_points(ds, added_points)
    figures = [_curves(history, ("data_loss", "reg_loss", "total"), s["loss"], s),
               _curves(history, ("train_accuracy", "test_accuracy"), s["accuracy"], s)]
    pictures = ""
    if spec.image_shape is None:
        figures.append(_boundary_figure(net, ds, s))
    else:
        tiles = decode_templates(templates(net, spec.image_shape))
        pictures = f'<h2>{html.escape(s["templates"])}</h2>' + _template_figures(tiles, spec, net)
        with np.errstate(all="ignore"):
            matrix = confusion(net.scores(ds.X[ds.test]), ds.y[ds.test], ds.classes)["matrix"]
        figures.append(_confusion_figure(matrix, list(spec.class_names), s))
    rows = "".join(f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(json.dumps(v))}</td></tr>"
                   for k, v in config.items())
    steps = history.get("step") or [0]
    divs = "".join(f'<div id="figure{i}" class="figure"></div>' for i in range(2))
    divs += pictures + "".join(f'<div id="figure{i}" class="figure"></div>' for i in range(2, len(figures)))
    return _PAGE.format(
        lang=html.escape(lang), title=html.escape(s["title"]), plotly=_plotly_js(),
        settings=html.escape(s["settings"]), rows=rows,
        parameters=html.escape(s["parameters"]), count=f"{parameter_count(net.sizes):,}",
        sizes=html.escape(" → ".join(map(str, net.sizes))), steps_label=html.escape(s["steps"]),
        steps=steps[-1], divs=divs,
        figures=json.dumps(figures, allow_nan=False).replace("</", "<\\/"))


_PAGE = """<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: system-ui, "Noto Sans CJK SC", sans-serif; max-width: 960px; margin: 2em auto; padding: 0 1em; color: #222; }}
table {{ border-collapse: collapse; font-size: 14px; }} th, td {{ border: 1px solid #ccc; padding: 2px 8px; text-align: left; }}
.count {{ font-size: 1.3em; }} img {{ max-width: 100%; image-rendering: pixelated; }}
.per-class {{ display: grid; grid-template-columns: repeat(10, 1fr); gap: 8px; }}
figure {{ margin: 0; text-align: center; }} figure img {{ width: 100%; }}
</style>
<script>{plotly}</script>
</head><body>
<h1>{title}</h1>
<p class="count">{parameters}: <b>{count}</b> ({sizes}) · {steps_label}: <b>{steps}</b></p>
<h2>{settings}</h2><table>{rows}</table>
{divs}
<script>
const figures = {figures};
figures.forEach((f, i) => Plotly.newPlot("figure" + i, f.data, f.layout, {{displaylogo: false, responsive: true}}));
</script>
</body></html>
"""

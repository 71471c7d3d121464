"""The app's only st.html elements: the Inside step-throughs' player, and a scroll to a section.

A step-through's whole sweep is sent to the browser once and played there at the chosen speed.

While a convolution or pooling step-through plays, the server computes every
window position once (:mod:`ui.sections.inside_conv` builds the frames with the same
functions as the paused view) and this module turns them into one ``st.html``
element: a small script draws the window on the map, the number grids, the
output map filling in and the written-out arithmetic, frame after frame, with
no round trip to the server. So the animation keeps its speed however busy the
server is. What it is not: interactive. Clicking the map, the row/column
inputs and the other controls work on the paused view.

Every text reaches the page through ``textContent`` (``**bold**`` becomes a
``<b>`` node), never as HTML; the data travel as JSON with named fields and
``<`` escaped. The scripts themselves are ``static/player.js`` and
``static/scroll_into_view.js`` (read once, never edited by the Python).
"""

from __future__ import annotations

import base64
import hashlib
import json

import numpy as np
import streamlit as st
import torch

from ui.base.scripts import script
from ui.charts import frame_image
from ui.charts.step_figures import DIVERGING

_CSS = """
.cnnp-row { display: flex; flex-wrap: wrap; gap: 14px 16px; align-items: flex-start; }
.cnnp-panel { display: flex; flex-direction: column; align-items: center; max-width: 100%; }
.cnnp-title { font-size: 0.85rem; margin-bottom: 4px; text-align: center; }
.cnnp-map { position: relative; max-width: 100%; }
.cnnp-map img { width: 100%; display: block; image-rendering: pixelated; }
.cnnp-window { position: absolute; box-sizing: border-box; border: 3px solid #e45756; }
.cnnp-grid { display: grid; gap: 1px; }
.cnnp-cell { display: flex; align-items: center; justify-content: center; font-size: 12px;
  font-variant-numeric: tabular-nums; box-sizing: border-box; }
.cnnp-mark { outline: 3px solid #ffd400; outline-offset: -3px; }
.cnnp-out { max-width: 100%; image-rendering: pixelated; border: 1px solid #9aa5b1; }
.cnnp-line { margin: 0.5rem 0 0; }
.cnnp-counter { font-size: 0.8rem; opacity: 0.7; margin-top: 0.25rem; }
"""

MAP_PX = 232  # the longer side of a map panel: two maps and three 3×3 grids fit one row of a desktop page


def hex_colors(rgb: np.ndarray) -> list[str]:
    """(..., 3) uint8 → ['#rrggbb', ...] in row-major order."""
    return ["#%02x%02x%02x" % tuple(int(v) for v in c) for c in rgb.reshape(-1, 3)]


def grid_cells(values: torch.Tensor, colorscale: str, texts: list[str],
               zrange: tuple[float, float] | None = None) -> dict:
    """{texts, colors, dark} of a k×k grid (row-major), coloured like :func:`frame_image.grid_panel`.

    ``zrange``: the (low, high) of the map the grid was cut from, so each cell has its colour there (a window of
    zeros is the map's darkest, not the middle of a scale of its own); diverging grids centre on 0 instead.
    ``dark``: per cell whether its text is drawn dark (on a light background).
    """
    z = values.detach().float().numpy()
    top = float(np.abs(z).max()) or 1.0
    rgb = frame_image.colorize(z, colorscale, -top, top) if colorscale == DIVERGING else \
        frame_image.colorize(z, colorscale, *(zrange or (None, None)))
    lum = rgb.reshape(-1, 3).astype(float) @ np.array([0.299, 0.587, 0.114])
    return {"texts": texts, "colors": hex_colors(rgb), "dark": [bool(v > 140) for v in lum]}


def picture_src(picture) -> str:
    return "data:image/png;base64," + base64.b64encode(frame_image.png(picture)).decode("ascii")


def grid_cell_px(k: int) -> int:
    return 40 if k <= 3 else 34 if k <= 5 else max(14, 180 // k)


def _json_for_html(data) -> str:
    """``data`` as JSON that can sit inside a script element: every ``<`` escaped, so nothing in it closes one."""
    return json.dumps(data, ensure_ascii=True, separators=(",", ":")).replace("<", "\\u003c")


def show(name: str, data: dict) -> None:
    """Draw the player for step-through ``name`` (``conv``/``pool``). ``data``:

    - ``input``: {title, src (a PNG data URL of the map, padding drawn in), cells: [rows, cols] of that
      picture, window: the window's side in cells, px}
    - ``grids``: [{title, side (cells per row), cell_px, cells: grid_cells(...) when the grid never changes,
      else None}]
    - ``output``: {title, shape: [h, w], colors: every neuron's colour, row-major, px}
    - ``frames``: [{window: [top, left] of the window in picture cells, output_index, grids: per grid its
      grid_cells(...) or None (unchanged), mark: the marked cell's index or None, lines: the written lines,
      counter: "12 / 784"}]
    - ``speed``: frames per second.
    """
    data = {**data, "output": {**data["output"], "empty": "#%02x%02x%02x" % frame_image.EMPTY, "current": "#ffd400"}}
    payload = _json_for_html(data)
    ident = f"cnnp-{name}-" + hashlib.sha1(payload.encode()).hexdigest()[:12]  # new data: a new element
    st.html(f'<style>{_CSS}</style><div class="cnnp-player" id="{ident}"></div>'
            f'<script type="application/json" id="{ident}-data">{payload}</script>'
            f"<script>{script(__file__, 'player.js')}</script>",
            unsafe_allow_javascript=True)


def scroll_into_view(key: str, nonce: int) -> None:
    """Bring the element with widget/container key ``key`` to the top of the window, once per ``nonce``."""
    request = _json_for_html({"selector": ".st-key-" + "".join(ch for ch in key if ch.isalnum() or ch in "_-"),
                              "nonce": int(nonce)})
    st.html(f'<script type="application/json" class="cnn-scroll">{request}</script>'
            f"<script>{script(__file__, 'scroll_into_view.js')}</script>", unsafe_allow_javascript=True)

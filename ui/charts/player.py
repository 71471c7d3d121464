"""The app's only scripts in the page: the Inside step-throughs' player, and a scroll to a section.

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
``<b>`` node), never as HTML; the data travel as JSON with ``<`` escaped.
"""

from __future__ import annotations

import base64
import hashlib
import json

import numpy as np
import streamlit as st
import torch

from ui.charts import frame_image
from ui.charts.step_figures import DIVERGING

_JS = """
(() => {
  const root = document.getElementById(__ID__);
  if (!root || root.dataset.started) return;
  root.dataset.started = "1";
  const d = JSON.parse(document.getElementById(__ID__ + "-data").textContent);
  const el = (tag, cls, parent) => { const e = document.createElement(tag); if (cls) e.className = cls;
    if (parent) parent.appendChild(e); return e; };
  const rich = (node, text) => {  // "**x**" becomes a bold node; everything else stays text
    node.replaceChildren(...text.split("**").map((part, i) => {
      if (i % 2 === 0) return document.createTextNode(part);
      const b = document.createElement("b"); b.textContent = part; return b; }));
  };
  const row = el("div", "cnnp-row", root);
  const panel = (title) => { const p = el("div", "cnnp-panel", row); el("div", "cnnp-title", p).textContent = title;
    return p; };
  // the input map: a picture with the window outlined over it
  const inp = panel(d.input.title);
  const frame = el("div", "cnnp-map", inp);
  frame.style.width = d.input.px + "px";
  const img = el("img", "", frame); img.src = d.input.src; img.alt = d.input.title;
  const win = el("div", "cnnp-window", frame);
  const cells = d.input.cells;  // the picture's side, in map cells (padding included)
  win.style.width = (100 * d.input.size / cells[1]) + "%";
  win.style.height = (100 * d.input.size / cells[0]) + "%";
  // the number grids
  const grids = d.grids.map((g) => {
    const p = panel(g.title);
    const box = el("div", "cnnp-grid", p);
    box.style.gridTemplateColumns = `repeat(${g.k}, ${g.cell}px)`;
    const cs = [];
    for (let i = 0; i < g.k * g.k; i++) { const c = el("div", "cnnp-cell", box); c.style.height = g.cell + "px"; cs.push(c); }
    return cs;
  });
  const paint = (cs, cellData, mark) => {
    const [texts, bgs, dark] = cellData;
    cs.forEach((c, i) => { c.textContent = texts[i]; c.style.background = bgs[i];
      c.style.fontSize = texts[i].length > 5 ? "10px" : "";  // 1.2e-05 in a 40 px cell
      c.style.color = dark[i] ? "#000" : "#fff"; c.classList.toggle("cnnp-mark", i === mark); });
  };
  d.grids.forEach((g, i) => { if (g.cells) paint(grids[i], g.cells, -1); });
  // the output map, filled in up to the current neuron
  const out = panel(d.output.title);
  const canvas = el("canvas", "cnnp-out", out);
  const [oh, ow] = d.output.shape;
  const scale = Math.max(1, Math.floor(d.output.px / Math.max(oh, ow)));
  canvas.width = ow * scale; canvas.height = oh * scale;
  canvas.style.width = Math.min(d.output.px, ow * scale) + "px";
  const ctx = canvas.getContext("2d");
  const lines = d.lines.map(() => el("p", "cnnp-line", root));
  const counter = el("div", "cnnp-counter", root);
  const show = (f) => {
    const [top, left] = f.w;
    win.style.left = (100 * left / cells[1]) + "%";
    win.style.top = (100 * top / cells[0]) + "%";
    f.g.forEach((cellData, i) => { if (cellData) paint(grids[i], cellData, f.m === null ? -1 : f.m); });
    ctx.fillStyle = d.output.empty; ctx.fillRect(0, 0, canvas.width, canvas.height);
    for (let i = 0; i <= f.o; i++) {
      ctx.fillStyle = d.output.colors[i];
      ctx.fillRect((i % ow) * scale, Math.floor(i / ow) * scale, scale, scale);
    }
    ctx.strokeStyle = d.output.current; ctx.lineWidth = Math.max(2, Math.min(3, scale / 3));
    ctx.strokeRect((f.o % ow) * scale + 1, Math.floor(f.o / ow) * scale + 1, scale - 2, scale - 2);
    f.l.forEach((text, i) => rich(lines[i], text));
    counter.textContent = f.c;
  };
  let shown = 0;
  show(d.frames[0]);
  const every = 1000 / d.speed;
  const t0 = performance.now();
  const timer = setInterval(() => {
    if (!root.isConnected) { clearInterval(timer); return; }
    // by the clock, not by counting ticks: a late tick skips ahead instead of slowing the sweep down
    const next = Math.min(d.frames.length - 1, Math.floor((performance.now() - t0) / every));
    if (next !== shown) { shown = next; show(d.frames[shown]); }
    if (shown >= d.frames.length - 1) clearInterval(timer);
  }, Math.max(10, every / 4));
})();
"""

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


def grid_cells(values: torch.Tensor, colorscale: str, texts: list[str]) -> list:
    """[texts, background colours, dark text?] of a k×k grid, coloured like :func:`frame_image.grid_panel`."""
    z = values.detach().float().numpy()
    top = float(np.abs(z).max()) or 1.0
    rgb = frame_image.colorize(z, colorscale, -top, top) if colorscale == DIVERGING else \
        frame_image.colorize(z, colorscale)
    lum = rgb.reshape(-1, 3).astype(float) @ np.array([0.299, 0.587, 0.114])
    return [texts, hex_colors(rgb), [int(v > 140) for v in lum]]


def picture_src(picture) -> str:
    return "data:image/png;base64," + base64.b64encode(frame_image.png(picture)).decode("ascii")


def grid_cell_px(k: int) -> int:
    return 40 if k <= 3 else 34 if k <= 5 else max(14, 180 // k)


def show(name: str, data: dict) -> None:
    """Draw the player for step-through ``name`` (``conv``/``pool``). ``data``:

    - ``input``: {title, src (a PNG data URL of the map, padding drawn in), cells: [rows, cols] of that
      picture, size: the window's side in cells, px}
    - ``grids``: [{title, k, cell (px), cells: grid_cells(...) when the grid never changes, else None}]
    - ``output``: {title, shape: [h, w], colors: every neuron's colour, row-major, px}
    - ``frames``: [{w: [top, left] of the window in picture cells, o: output index, g: per grid its
      grid_cells(...) or None (unchanged), m: the marked cell index or None, l: the written lines, c: a counter}]
    - ``speed``: frames per second.
    """
    data = {**data, "lines": data["frames"][0]["l"]}
    data["output"] = {**data["output"], "empty": "#%02x%02x%02x" % frame_image.EMPTY,
                      "current": "#ffd400"}
    payload = json.dumps(data, ensure_ascii=True, separators=(",", ":")).replace("<", "\\u003c")
    ident = f"cnnp-{name}-" + hashlib.sha1(payload.encode()).hexdigest()[:12]  # new data: a new element
    script = _JS.replace("__ID__", json.dumps(ident))
    st.html(f'<style>{_CSS}</style><div class="cnnp-player" id="{ident}"></div>'
            f'<script type="application/json" id="{ident}-data">{payload}</script><script>{script}</script>',
            unsafe_allow_javascript=True)


# Scrolls the element to the top of the window once it is on the page (it may come a moment after this
# script); a second look after the layout settles keeps it there. The nonce makes each call's element new,
# so the browser runs it again.
_SCROLL = """
(() => { let tries = 0;
  const go = () => { const el = document.querySelector(__SELECTOR__);
    if (!el) { if (tries++ > 100) return; setTimeout(go, 50); return; }
    el.scrollIntoView({block: "start"});
    setTimeout(() => { const top = el.getBoundingClientRect().top;
      if (top < 0 || top > window.innerHeight / 2) el.scrollIntoView({block: "start"}); }, 400); };
  go(); })();
"""


def scroll_into_view(key: str, nonce: int) -> None:
    """Bring the element with widget/container key ``key`` to the top of the window, once per ``nonce``."""
    selector = json.dumps(".st-key-" + "".join(ch for ch in key if ch.isalnum() or ch in "_-"))
    st.html(f"<script>/* {int(nonce)} */{_SCROLL.replace('__SELECTOR__', selector)}</script>",
            unsafe_allow_javascript=True)

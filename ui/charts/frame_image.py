"""Maps as pictures and colours for the browser-side player (:mod:`ui.charts.player`).

A map becomes a PNG (numpy → PIL, nearest-neighbour upscaled, padding band,
pooling grid and outlines drawn in) and values become colours. The colours are
Plotly's own colour scales sampled the way the paused (interactive) figures in
:mod:`ui.charts.step_figures` use them, so pausing changes nothing but interactivity.
"""

from __future__ import annotations

import io
from functools import lru_cache

import numpy as np
import plotly.graph_objects as go
import torch
from PIL import Image, ImageDraw

from ui.charts.step_figures import CURRENT, WINDOW

MAP_PX = 280  # the longer side of a map panel
EMPTY = (246, 247, 249)  # a neuron not computed yet
PADDING = (76, 120, 168)  # the zero border of "same" padding, blended in at 45 %
BORDER = (154, 165, 177)


def _rgb(color: str) -> list[float]:
    if color.startswith("#"):
        return [int(color[i:i + 2], 16) for i in (1, 3, 5)]
    return [float(v) for v in color[color.index("(") + 1:-1].split(",")]


@lru_cache(maxsize=8)
def _lut(colorscale: str) -> np.ndarray:
    """(256, 3) uint8 colours of a Plotly colour scale, linearly interpolated like Plotly does."""
    stops = go.Heatmap(colorscale=colorscale).colorscale
    pos = np.array([p for p, _ in stops])
    rgb = np.array([_rgb(c) for _, c in stops])
    at = np.linspace(0, 1, 256)
    return np.stack([np.interp(at, pos, rgb[:, i]) for i in range(3)], axis=1).round().astype(np.uint8)


def colorize(z: np.ndarray, colorscale: str, zmin: float | None = None, zmax: float | None = None) -> np.ndarray:
    """(H, W) values → (H, W, 3) uint8; NaN (not computed yet) → EMPTY. Range: the finite values unless given."""
    finite = np.isfinite(z)
    lo = float(z[finite].min()) if zmin is None and finite.any() else (zmin or 0.0)
    hi = float(z[finite].max()) if zmax is None and finite.any() else (zmax if zmax is not None else 1.0)
    span = hi - lo if hi > lo else 1.0
    idx = np.clip(np.nan_to_num((z - lo) / span) * 255, 0, 255).round().astype(np.intp)
    rgb = _lut(colorscale)[idx]
    rgb[~finite] = EMPTY
    return rgb


def _upscale(rgb: np.ndarray, scale: int) -> np.ndarray:
    return rgb.repeat(scale, axis=0).repeat(scale, axis=1)


def _rect(draw: ImageDraw.ImageDraw, x0: int, y0: int, x1: int, y1: int, color, width: int) -> None:
    draw.rectangle((x0, y0, x1 - 1, y1 - 1), outline=color, width=width)


def map_panel(values: torch.Tensor, colorscale: str, window: tuple[int, int, int] | None = None,
              pad: int = 0, grid: int | None = None, current: tuple[int, int] | None = None,
              zrange: tuple[float, float] | None = None) -> Image.Image:
    """A (H, W) map, upscaled; ``pad`` zero border tinted; ``window`` (top, left, size) in red, in map
    coordinates (top/left may be negative inside the padding); ``grid`` lines every ``grid`` pixels;
    ``current`` (row, col) outlined in yellow; NaN cells drawn empty."""
    z = values.detach().float()
    if pad:
        z = torch.nn.functional.pad(z, (pad, pad, pad, pad))
    z = z.numpy()
    h, w = z.shape
    scale = max(1, MAP_PX // max(h, w))
    rgb = colorize(z, colorscale, *(zrange or (None, None)))
    if pad:  # the padding band, blended like the Plotly figure's translucent strips
        band = np.ones((h, w), bool)
        band[pad:h - pad, pad:w - pad] = False
        rgb[band] = (rgb[band] * 0.55 + np.array(PADDING) * 0.45).round().astype(np.uint8)
    img = Image.fromarray(_upscale(rgb, scale))
    draw = ImageDraw.Draw(img)
    if pad:
        _rect(draw, pad * scale, pad * scale, (w - pad) * scale, (h - pad) * scale, (76, 120, 168), 1)
    elif zrange is not None:
        _rect(draw, 0, 0, w * scale, h * scale, BORDER, 1)
    if grid:
        for i in range(1, (w - 2 * pad) // grid):
            draw.line(((i * grid * scale, 0), (i * grid * scale, h * scale)), fill=(255, 255, 255), width=1)
        for i in range(1, (h - 2 * pad) // grid):
            draw.line(((0, i * grid * scale), (w * scale, i * grid * scale)), fill=(255, 255, 255), width=1)
    if window is not None:
        top, left, size = window
        _rect(draw, (left + pad) * scale, (top + pad) * scale, (left + pad + size) * scale,
              (top + pad + size) * scale, WINDOW, 3)
    if current is not None:
        row, col = current
        _rect(draw, col * scale, row * scale, (col + 1) * scale, (row + 1) * scale, CURRENT, 3)
    return img


def png(picture: Image.Image) -> bytes:
    """Fast PNG bytes (low compression: a frame is drawn once and thrown away)."""
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()



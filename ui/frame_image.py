"""Animation frames as one picture: the window on its map, the number grids and the map filling in.

While a step-through plays, each frame is drawn here on the server (numpy →
PIL, nearest-neighbour upscaled, outlines drawn in) and shown with one
``st.image``: a PNG of a few kilobytes instead of three or four Plotly charts
that the browser would lay out and draw again every frame. The colours are
Plotly's own colour scales sampled the way the paused (interactive) figures in
:mod:`ui.step_figures` use them, so pausing changes nothing but interactivity.
"""

from __future__ import annotations

import io
from functools import lru_cache

import numpy as np
import plotly.graph_objects as go
import torch
from PIL import Image, ImageDraw, ImageFont

from ui.i18n import num
from ui.step_figures import CURRENT, WINDOW

MAP_PX = 280  # the longer side of a map panel
GAP = 24  # between panels
TITLE_PX = 22  # room for a panel's title
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


@lru_cache(maxsize=4)
def _font(size: int) -> ImageFont.ImageFont:
    try:  # has "×"; Pillow's built-in font draws it as a box
        return ImageFont.truetype("DejaVuSans.ttf", size)
    except OSError:
        return ImageFont.load_default(size=size)


def _title(text: str, font) -> str:
    return text if font.getmask("×").getbbox() != font.getmask("\uffff").getbbox() else text.replace("×", "x")


@lru_cache(maxsize=4096)
def _text(text: str, size: int, color: tuple[int, int, int]) -> Image.Image:
    """A text drawn once as an RGBA picture: values repeat from frame to frame, FreeType is slow."""
    font = _font(size)
    text = _title(text, font)
    left, top, right, bottom = font.getbbox(text)
    img = Image.new("RGBA", (max(1, right - left), max(1, bottom - top)), color + (0,))
    ImageDraw.Draw(img).text((-left, -top), text, fill=color + (255,), font=font)
    return img


def _put(canvas: Image.Image, text: str, size: int, color: tuple[int, int, int], x: float, y: float,
         above: bool = False) -> None:
    """Paste ``text`` centred on x; centred on y, or ending just above y when ``above`` (a title)."""
    img = _text(text, size, color)
    top = int(y - img.height) if above else int(y - img.height / 2)
    canvas.paste(img, (int(x - img.width / 2), top), img)


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


def grid_panel(values: torch.Tensor, colorscale: str, mark: tuple[int, int] | None = None,
               cell: int = 46) -> Image.Image:
    """A small k×k grid with each value written in its cell (the paused view's number grids)."""
    z = values.detach().float().numpy()
    k_h, k_w = z.shape
    top = float(np.abs(z).max()) or 1.0
    if colorscale == "RdBu":  # centred on 0, like the Plotly grid's zmid=0
        rgb = colorize(z, colorscale, -top, top)
    else:
        rgb = colorize(z, colorscale)
    img = Image.fromarray(_upscale(rgb, cell))
    draw = ImageDraw.Draw(img)
    size = 13 if cell >= 40 else 11
    for r in range(k_h):
        for c in range(k_w):
            v = float(z[r, c])
            text = num(v, 2) if top >= 0.05 else f"{v:.1e}"
            lum = 0.299 * rgb[r, c, 0] + 0.587 * rgb[r, c, 1] + 0.114 * rgb[r, c, 2]
            _put(img, text, size, (0, 0, 0) if lum > 140 else (255, 255, 255), (c + 0.5) * cell, (r + 0.5) * cell)
    if mark is not None:
        _rect(draw, mark[1] * cell, mark[0] * cell, (mark[1] + 1) * cell, (mark[0] + 1) * cell, CURRENT, 3)
    return img


def png(picture: Image.Image) -> bytes:
    """Fast PNG bytes (low compression: a frame is drawn once and thrown away)."""
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def compose(panels: list[tuple[str, Image.Image]]) -> Image.Image:
    """Panels side by side on white, each under its title, centred vertically."""
    font = _font(13)
    slots = [max(p.width, int(font.getlength(title)) + 4) for title, p in panels]  # a long title gets room
    height = max(p.height for _, p in panels) + TITLE_PX
    out = Image.new("RGB", (sum(slots) + GAP * (len(panels) - 1), height), (255, 255, 255))
    x = 0
    for (title, panel), slot in zip(panels, slots):
        y = TITLE_PX + (height - TITLE_PX - panel.height) // 2
        out.paste(panel, (x + (slot - panel.width) // 2, y))
        _put(out, title, 13, (40, 40, 40), x + slot / 2, y - 4, above=True)
        x += slot + GAP
    return out


def grids_panel(grids: list[tuple[str, torch.Tensor, str]], mark: tuple[int, int] | None = None
                ) -> list[tuple[str, Image.Image]]:
    k = grids[0][1].shape[-1]
    cell = 46 if k <= 3 else 38 if k <= 5 else max(8, 200 // k)
    return [(title, grid_panel(values, scale, mark, cell)) for title, values, scale in grids]

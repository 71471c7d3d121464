"""A drawing on a canvas → the 28×28 image an MNIST network expects.

MNIST's own recipe: crop to the ink's bounding box, scale the longer side to
20 px keeping the aspect ratio (with anti-aliasing), paste into 28×28 so the
ink's centre of mass sits at the centre, then normalise as in training
(value / 255). Without it, a digit drawn small or in a corner is misread.

The drawing arrives from the browser as a PNG data URL, which any client can
forge: :func:`rgba_from_data_url` checks its length and the PNG's stated size
against the canvas before anything is decoded, so no message costs more than
one canvas of pixels.
"""

from __future__ import annotations

import base64
import io
import struct
from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image

from cnn_core.base.errors import PlaygroundError

INK_THRESHOLD = 0.1  # fraction of full intensity below which a pixel is background
PNG_DATA_URL = "data:image/png;base64,"  # what the canvas's toDataURL({format: "png"}) starts with
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# What decoding the pixels needs; text, colour profiles and animation frames are dropped unread
# (Pillow inflates compressed text chunks as it opens a file).
_PIXEL_CHUNKS = {b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND"}


@dataclass(frozen=True)
class Prepared:
    image: np.ndarray | None  # (28, 28) uint8, white ink on black like MNIST; None if empty
    empty: bool

    def tensor(self) -> torch.Tensor:
        """(1, 1, 28, 28) float in [0, 1], exactly as training normalises."""
        return torch.from_numpy(self.image).float().div(255).view(1, 1, 28, 28)


def max_data_url_chars(width: int, height: int) -> int:
    """The longest data URL a canvas of this size may send: twice its 8-bit RGBA rows stored uncompressed.

    A browser's PNG of a drawing is far smaller (a few KB); the bound is what
    one message may cost before it is refused.
    """
    png_bytes = 2 * height * (width * 4 + 1) + 4096
    return len(PNG_DATA_URL) + 4 * -(-png_bytes // 3)


def _pixel_chunks(png: bytes, width: int, height: int) -> bytes:
    """``png`` with only the chunks that hold pixels; refused unless its header says ``width`` × ``height``."""
    if not png.startswith(PNG_SIGNATURE):
        raise ValueError("not a PNG")
    pos, kept = len(PNG_SIGNATURE), [PNG_SIGNATURE]
    while pos + 12 <= len(png):
        length, kind = struct.unpack(">I4s", png[pos:pos + 8])
        end = pos + 12 + length  # length, type, data, CRC
        if end > len(png):
            raise ValueError("truncated chunk")
        if (kind == b"IHDR") != (len(kept) == 1) or (kind == b"IHDR" and length != 13):
            raise ValueError("one 13-byte header, first")
        if kind == b"IHDR" and struct.unpack(">II", png[pos + 8:pos + 16]) != (width, height):
            raise ValueError("not the canvas's size")
        if kind in _PIXEL_CHUNKS:
            kept.append(png[pos:end])
        pos = end
        if kind == b"IEND":
            break
    if len(kept) == 1:
        raise ValueError("no chunks")
    return b"".join(kept)


def rgba_from_data_url(data_url, width: int, height: int) -> np.ndarray:
    """A canvas's PNG data URL → RGBA (height, width, 4) uint8, or ``PlaygroundError("draw.canvas_refused")``.

    Refused before decoding unless it is a base64 PNG data URL no longer than
    :func:`max_data_url_chars` whose header states exactly ``width`` × ``height``
    (the canvas sends its own pixel size: toDataURL with multiplier 1 and no
    device-pixel scaling). Any PNG colour type is accepted and converted.
    """
    try:
        if not isinstance(data_url, str) or len(data_url) > max_data_url_chars(width, height) \
                or not data_url.startswith(PNG_DATA_URL):
            raise ValueError("not a PNG data URL of a canvas's length")
        png = _pixel_chunks(base64.b64decode(data_url[len(PNG_DATA_URL):], validate=True), width, height)
        with Image.open(io.BytesIO(png), formats=["PNG"]) as image:
            if image.size != (width, height):
                raise ValueError("not the canvas's size")
            return np.asarray(image.convert("RGBA"))
    except Exception:  # noqa: BLE001 - a forged message can make the parser or Pillow raise anything
        raise PlaygroundError("draw.canvas_refused", width=width, height=height) from None


def png_data_url(rgba: np.ndarray) -> str:
    """RGBA (H, W, 4) uint8 → a PNG data URL, as the canvas sends it (for tests and benchmarks)."""
    buffer = io.BytesIO()
    Image.fromarray(np.asarray(rgba, dtype=np.uint8), "RGBA").save(buffer, "PNG")
    return PNG_DATA_URL + base64.b64encode(buffer.getvalue()).decode("ascii")


def ink_from_rgba(rgba: np.ndarray, ink_is_dark: bool = False) -> np.ndarray:
    """Canvas RGBA (H, W, 4) → ink intensity (H, W) uint8, 255 = full ink.

    Transparent pixels are background whatever their colour. With dark ink on
    a light background the intensities are inverted, so the network always
    sees white digits on black, as in MNIST.
    """
    rgba = np.asarray(rgba)
    if rgba.ndim == 2:
        gray = rgba.astype(np.float32)
        alpha = np.full_like(gray, 255.0)
    else:
        gray = rgba[..., :3].astype(np.float32).mean(axis=-1)
        alpha = rgba[..., 3].astype(np.float32) if rgba.shape[-1] == 4 else np.full_like(gray, 255.0)
    ink = (255.0 - gray) if ink_is_dark else gray
    return np.clip(ink * alpha / 255.0, 0, 255).astype(np.uint8)


def center_of_mass(img: np.ndarray) -> tuple[float, float]:
    """(row, col) of the intensity-weighted centre."""
    total = float(img.sum())
    if total == 0:
        return (img.shape[0] - 1) / 2, (img.shape[1] - 1) / 2
    rows, cols = np.indices(img.shape)
    return float((rows * img).sum() / total), float((cols * img).sum() / total)


def prepare_digit(ink: np.ndarray, box: int = 20, size: int = 28, centre: bool = True) -> Prepared:
    """Ink intensities (H, W) uint8 of any size → MNIST-style 28×28.

    ``centre=False`` keeps the drawing where it was drawn: the whole canvas shrunk to 28×28 (the Draw page's
    option, so a student can see which networks cope with a digit that is not centred).
    """
    ink = np.asarray(ink)
    mask = ink > INK_THRESHOLD * 255
    if not mask.any():
        return Prepared(None, True)
    if not centre:
        return Prepared(_whole_canvas(ink, size), False)
    rows, cols = np.where(mask)
    crop = ink[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
    h, w = crop.shape
    scale = box / max(h, w)
    new_h, new_w = max(1, round(h * scale)), max(1, round(w * scale))
    small = np.asarray(Image.fromarray(crop).resize((new_w, new_h), Image.LANCZOS), dtype=np.float32)
    small = np.clip(small, 0, 255)
    # Paste so that the centre of mass lands on the canvas centre.
    cy, cx = center_of_mass(small)
    top = int(round((size - 1) / 2 - cy))
    left = int(round((size - 1) / 2 - cx))
    top = min(max(top, 0), size - new_h)
    left = min(max(left, 0), size - new_w)
    out = np.zeros((size, size), dtype=np.float32)
    out[top:top + new_h, left:left + new_w] = small
    return Prepared(out.round().astype(np.uint8), False)


def _whole_canvas(ink: np.ndarray, size: int) -> np.ndarray:
    """The whole canvas (padded to a square, centred, if it is not one) shrunk to ``size`` × ``size`` by area
    averaging: every pixel keeps its place."""
    h, w = ink.shape
    side = max(h, w)
    square = np.zeros((side, side), dtype=np.uint8)
    top, left = (side - h) // 2, (side - w) // 2
    square[top:top + h, left:left + w] = ink
    small = np.asarray(Image.fromarray(square).resize((size, size), Image.BOX), dtype=np.float32)
    return np.clip(small, 0, 255).round().astype(np.uint8)

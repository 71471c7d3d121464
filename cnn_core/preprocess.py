"""A drawing on a canvas → the 28×28 image an MNIST network expects.

MNIST's own recipe: crop to the ink's bounding box, scale the longer side to
20 px keeping the aspect ratio (with anti-aliasing), paste into 28×28 so the
ink's centre of mass sits at the centre, then normalise as in training
(value / 255). Without it, a digit drawn small or in a corner is misread.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image

INK_THRESHOLD = 0.1  # fraction of full intensity below which a pixel is background


@dataclass(frozen=True)
class Prepared:
    image: np.ndarray | None  # (28, 28) uint8, white ink on black like MNIST; None if empty
    empty: bool

    def tensor(self) -> torch.Tensor:
        """(1, 1, 28, 28) float in [0, 1], exactly as training normalises."""
        return torch.from_numpy(self.image).float().div(255).view(1, 1, 28, 28)


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


def prepare_digit(ink: np.ndarray, box: int = 20, size: int = 28) -> Prepared:
    """Ink intensities (H, W) uint8 of any size → MNIST-style 28×28."""
    ink = np.asarray(ink)
    mask = ink > INK_THRESHOLD * 255
    if not mask.any():
        return Prepared(None, True)
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

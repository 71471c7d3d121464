"""The shift test: a model's accuracy on the test images moved 0, 1, …, 6 pixels, the gap filled with zeros.

The tutorial argues that convolutions find a pattern wherever it is while a
dense layer ties every weight to one pixel. This measures it on a trained
model instead of asserting it: the same test images, moved right by ``s``
pixels (and, for the average, down by ``s``), and the accuracy at each ``s``.

This module does not train and draws nothing (the Runs page charts it).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from cnn_core.nn.inspection import one_thread
from cnn_core.train.trainer import evaluate

SHIFTS = tuple(range(7))  # 0..6 pixels: 6 is a fifth of an MNIST digit's 28 pixels
DIRECTIONS = {"right": (0, 1), "down": (1, 0)}  # (rows, columns) one pixel of shift moves the image
MAX_IMAGES = 2_000  # the Runs page's bound: 2,000 images × 7 shifts × 2 directions stays a few seconds


def shift_images(x: torch.Tensor, dy: int, dx: int) -> torch.Tensor:
    """Images (N, C, H, W) moved ``dy`` rows down and ``dx`` columns right; what moves out is lost, zeros come in."""
    h, w = x.shape[-2:]
    if abs(dy) >= h or abs(dx) >= w:
        return torch.zeros_like(x)
    # Pad every side by the shift, then crop the window the shift points at (no wrap-around, unlike roll).
    py, px = abs(dy), abs(dx)
    padded = F.pad(x, (px, px, py, py))
    top, left = py - dy, px - dx
    return padded[..., top:top + h, left:left + w]


@dataclass(frozen=True)
class ShiftPoint:
    shift: int  # pixels
    accuracy: float  # mean over the directions
    by_direction: dict[str, float]  # "right" → accuracy with the images moved right by ``shift``


@one_thread()
def accuracy_by_shift(model: nn.Module, images: torch.Tensor, labels: torch.Tensor,
                      shifts=SHIFTS, directions=tuple(DIRECTIONS)) -> list[ShiftPoint]:
    """Accuracy on uint8 ``images`` (N, C, H, W) moved by each shift in each direction, one point per shift."""
    points = []
    for s in shifts:
        by_direction = {}
        for name in directions:
            dy, dx = DIRECTIONS[name]
            moved = shift_images(images, dy * s, dx * s)
            by_direction[name] = evaluate(model, moved, labels)[1]
        points.append(ShiftPoint(s, sum(by_direction.values()) / len(by_direction), by_direction))
    return points

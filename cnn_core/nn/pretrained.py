"""The MNIST model shipped with the app, so the Draw page works offline before any training.

It is the tutorial architecture trained by ``scripts/train_shipped_model.py``
from the data directory; that script is the only way this file is made.
"""

from __future__ import annotations

from pathlib import Path

from cnn_core.nn.checkpoint import SavedModel, load, read_meta

SHIPPED_MODEL = Path(__file__).resolve().parents[1] / "assets" / "mnist_tutorial.cnn.zip"


def load_pretrained() -> SavedModel:
    return load(SHIPPED_MODEL)


def shipped_meta() -> dict:
    """The shipped model's header (its test accuracy, ...), read without torch: Home shows it on a fresh server."""
    return read_meta(SHIPPED_MODEL)

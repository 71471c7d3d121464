"""Saving and loading a trained model: weights plus a JSON architecture, never a pickle.

A model file is a zip holding ``architecture.json`` (the architecture, class
names, test accuracy) and ``weights.pt``, a state dict written by ``torch.save``
and read back with ``weights_only=True``, which refuses any pickled code.
Every failure becomes a :class:`ModelFileError` the app can explain; nothing
of the current session is touched until a file has passed.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import torch

from .architecture import Architecture
from .errors import ArchitectureError, ModelFileError
from .model import PlaygroundCNN, build_model

FORMAT = "cnn-playground-model/1"
MAX_MODEL_MB = 50


@dataclass
class SavedModel:
    model: PlaygroundCNN
    classes: list[str]
    meta: dict = field(default_factory=dict)  # dataset, test_accuracy, ...

    @property
    def arch(self) -> Architecture:
        return self.model.arch


def to_bytes(model: PlaygroundCNN, classes: list[str], **meta) -> bytes:
    weights = io.BytesIO()
    torch.save({k: v.detach().cpu() for k, v in model.state_dict().items()}, weights)
    header = {"format": FORMAT, "architecture": model.arch.to_dict(), "classes": list(classes), "meta": meta}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("architecture.json", json.dumps(header, indent=2))
        z.writestr("weights.pt", weights.getvalue())
    return out.getvalue()


def save(path: Path | str, model: PlaygroundCNN, classes: list[str], **meta) -> None:
    Path(path).write_bytes(to_bytes(model, classes, **meta))


def from_bytes(raw: bytes, max_mb: float = MAX_MODEL_MB) -> SavedModel:
    if len(raw) > max_mb * 2**20:
        raise ModelFileError("err.model_too_big", size_mb=round(len(raw) / 2**20, 1), limit_mb=max_mb)
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as z:
            names = set(z.namelist())
            if not {"architecture.json", "weights.pt"} <= names:
                raise ModelFileError("err.model_corrupt", reason="architecture.json or weights.pt is missing")
            for info in z.infolist():
                if info.file_size > max_mb * 2**20:
                    raise ModelFileError("err.model_too_big", size_mb=round(info.file_size / 2**20, 1),
                                         limit_mb=max_mb)
            header = json.loads(z.read("architecture.json"))
            weights_raw = z.read("weights.pt")
    except ModelFileError:
        raise
    except (zipfile.BadZipFile, json.JSONDecodeError, UnicodeDecodeError, EOFError, OSError) as exc:
        raise ModelFileError("err.model_corrupt", reason=type(exc).__name__) from exc
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ModelFileError("err.model_corrupt", reason="unknown format")
    try:
        arch = Architecture.from_dict(header["architecture"])
        model = build_model(arch)
    except (ArchitectureError, KeyError, TypeError, ValueError) as exc:
        raise ModelFileError("err.model_corrupt", reason=f"bad architecture ({exc})") from exc
    try:
        # weights_only refuses any pickled object other than tensors and plain containers.
        state = torch.load(io.BytesIO(weights_raw), map_location="cpu", weights_only=True)
        model.load_state_dict(state)
    except Exception as exc:  # torch raises many kinds for foreign or damaged files
        raise ModelFileError("err.model_corrupt", reason=f"weights do not fit ({type(exc).__name__})") from exc
    classes = header.get("classes")
    if not isinstance(classes, list) or len(classes) != arch.num_classes:
        classes = [str(i) for i in range(arch.num_classes)]
    model.eval()
    return SavedModel(model, [str(c) for c in classes], header.get("meta") or {})


def load(path: Path | str) -> SavedModel:
    return from_bytes(Path(path).read_bytes())

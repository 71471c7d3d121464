"""Looking inside a network: feature maps, one convolution step by step, pooling, softmax.

Everything here is computed by hand from the tensors (the dot products, the
pool maxima, softmax), and the tests check the hand-computed values against
``torch.nn.functional``, so what the Inside page writes out is what the network
really does.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from .model import PlaygroundCNN

# Kernels for the lab: classic image-processing filters a learned kernel often resembles.
LAB_KERNELS: dict[str, list[list[float]]] = {
    "identity": [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
    "edge_vertical": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
    "edge_horizontal": [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
    "outline": [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]],
    "blur": [[1 / 9] * 3] * 3,
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
}


@dataclass
class BlockMaps:
    """One block's maps for one image, each (C, H, W)."""

    conv: torch.Tensor
    relu: torch.Tensor
    pool: torch.Tensor


@dataclass
class Trace:
    blocks: list[BlockMaps]
    flat: torch.Tensor  # (features,)
    dense: list[torch.Tensor]  # hidden dense activations after ReLU
    logits: torch.Tensor  # (classes,)
    probs: torch.Tensor  # (classes,)


@torch.no_grad()
def trace(model: PlaygroundCNN, x: torch.Tensor) -> Trace:
    """Run one image ``(1, C, H, W)`` float in [0, 1] and keep every stage."""
    model.eval()
    x = x.to(next(model.parameters()).device).contiguous()
    blocks = []
    for block in model.blocks:
        s = block.stages(x)
        blocks.append(BlockMaps(s["conv"][0].cpu(), s["relu"][0].cpu(), s["pool"][0].cpu()))
        x = s["pool"]
    flat = x.flatten(1)
    dense = []
    h = flat
    linears = [m for m in model.classifier if isinstance(m, torch.nn.Linear)]
    for linear in linears[:-1]:
        h = torch.relu(linear(h))
        dense.append(h[0].cpu())
    logits = linears[-1](h)[0].cpu()
    return Trace(blocks, flat[0].cpu(), dense, logits, softmax(logits))


def softmax(scores: torch.Tensor | list[float]) -> torch.Tensor:
    """exp(s_i − max) / Σ exp(s_j − max): the tutorial's formula, stable for big scores."""
    s = torch.as_tensor(scores, dtype=torch.float64)
    e = torch.exp(s - s.max())
    return (e / e.sum()).float()


def one_hot(label: int, num_classes: int) -> list[int]:
    return [1 if i == label else 0 for i in range(num_classes)]


@dataclass(frozen=True)
class ConvStep:
    row: int  # output position
    col: int
    patch: torch.Tensor  # (C, k, k) input values under the kernel (zeros where padding)
    kernel: torch.Tensor  # (C, k, k)
    products: torch.Tensor  # patch * kernel
    bias: float
    value: float  # sum(products) + bias


def _chw(t: torch.Tensor) -> torch.Tensor:
    return t if t.dim() == 3 else t.unsqueeze(0)


def conv_step(image: torch.Tensor, kernel: torch.Tensor, bias: float, row: int, col: int,
              padding: str = "same") -> ConvStep:
    """The dot product behind one output pixel: image (C, H, W) or (H, W), kernel (C, k, k) or (k, k)."""
    image, kernel = _chw(image), _chw(kernel)
    k = kernel.shape[-1]
    pad = k // 2 if padding == "same" else 0
    padded = F.pad(image.double(), (pad, pad, pad, pad))
    patch = padded[:, row:row + k, col:col + k]
    products = patch * kernel.double()
    return ConvStep(row, col, patch.float(), kernel.float(), products.float(), float(bias),
                    float(products.sum().item() + bias))


def conv_by_hand(image: torch.Tensor, kernel: torch.Tensor, bias: float = 0.0,
                 padding: str = "same", upto: int | None = None) -> torch.Tensor:
    """The output map from :func:`conv_step`, position after position (NaN after ``upto``)."""
    image, kernel = _chw(image), _chw(kernel)
    k = kernel.shape[-1]
    h, w = image.shape[-2:]
    out_h, out_w = (h, w) if padding == "same" else (h - k + 1, w - k + 1)
    out = torch.full((out_h, out_w), float("nan"))
    last = out_h * out_w if upto is None else min(upto + 1, out_h * out_w)
    for i in range(last):
        r, c = divmod(i, out_w)
        out[r, c] = conv_step(image, kernel, bias, r, c, padding).value
    return out


@dataclass(frozen=True)
class PoolStep:
    row: int
    col: int
    window: torch.Tensor  # (p, p)
    value: float
    argmax: tuple[int, int]  # position of the kept value inside the window


def pool_step(fmap: torch.Tensor, size: int, row: int, col: int, kind: str = "max") -> PoolStep:
    window = fmap[row * size:(row + 1) * size, col * size:(col + 1) * size]
    if kind == "avg":
        value = float(window.mean())
        where = (0, 0)
    else:
        flat_idx = int(window.argmax())
        where = divmod(flat_idx, window.shape[1])
        value = float(window.max())
    return PoolStep(row, col, window, value, where)


def apply_kernel(image: torch.Tensor, kernel: list[list[float]] | torch.Tensor) -> torch.Tensor:
    """The lab: one kernel over a (H, W) image with 'same' padding (before any ReLU)."""
    k = torch.as_tensor(kernel, dtype=torch.float32)
    out = F.conv2d(image.float().view(1, 1, *image.shape), k.view(1, 1, *k.shape), padding="same")
    return out[0, 0]


def first_layer_kernels(model: PlaygroundCNN) -> torch.Tensor:
    """(out_channels, in_channels, k, k) weights of the first conv."""
    return model.blocks[0].conv.weight.detach().cpu()


def tile_maps(maps: torch.Tensor, cols: int = 8, gap: int = 1, scale: int = 1):
    """(C, H, W) maps → one uint8 grayscale picture of them side by side, each scaled to 0..255."""
    import numpy as np

    c, h, w = maps.shape
    rows = (c + cols - 1) // cols
    lo = maps.flatten(1).min(1).values.view(c, 1, 1)
    hi = maps.flatten(1).max(1).values.view(c, 1, 1)
    norm = ((maps - lo) / (hi - lo).clamp(min=1e-8) * 255).to(torch.uint8).numpy()
    out = np.full((rows * (h + gap) - gap, cols * (w + gap) - gap), 40, dtype=np.uint8)
    for i in range(c):
        r, col = divmod(i, cols)
        out[r * (h + gap):r * (h + gap) + h, col * (w + gap):col * (w + gap) + w] = norm[i]
    if scale > 1:
        out = out.repeat(scale, 0).repeat(scale, 1)
    return out

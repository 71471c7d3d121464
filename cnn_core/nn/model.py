"""The torch module built from an :class:`~cnn_core.nn.architecture.Architecture`.

Sizes come from :func:`~cnn_core.nn.architecture.layer_table`, never typed in; a
test checks the two agree for many random architectures. The module outputs
logits; softmax is applied by the loss in training and by :func:`predict_proba`.
"""

from __future__ import annotations

import torch
from torch import nn

from cnn_core.nn.architecture import Architecture, layer_table


class ConvBlock(nn.Module):
    """conv → (BatchNorm) → ReLU → (pool), keeping each stage nameable for the Inside page."""

    def __init__(self, in_channels: int, out_channels: int, arch: Architecture, pooled: bool = True):
        super().__init__()
        self.conv = nn.Conv2d(
            in_channels, out_channels, arch.kernel_size,
            padding=arch.padding, bias=True,
        )
        self.norm = nn.BatchNorm2d(out_channels) if arch.batch_norm else nn.Identity()
        self.relu = nn.ReLU(inplace=True)
        if not pooled:
            self.pool = nn.Identity()
        elif arch.pool == "max":
            self.pool = nn.MaxPool2d(arch.pool_size)
        elif arch.pool == "avg":
            self.pool = nn.AvgPool2d(arch.pool_size)
        else:
            self.pool = nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.norm(self.conv(x))
        if isinstance(self.pool, nn.MaxPool2d):
            # max(relu(a)) == relu(max(a)): pooling first gives the same output while ReLU
            # and its backward touch a quarter of the values, a fifth faster to train.
            return self.relu(self.pool(x))
        return self.pool(self.relu(x))

    def stages(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """The map after conv, after ReLU and after pooling, for display."""
        conv = self.norm(self.conv(x))
        relu = torch.relu(conv)
        return {"conv": conv, "relu": relu, "pool": self.pool(relu)}


class PlaygroundCNN(nn.Module):
    def __init__(self, arch: Architecture, generator: torch.Generator | None = None):
        super().__init__()
        layers = layer_table(arch)  # validates; raises ArchitectureError with the block at fault
        self.arch = arch
        channels = [arch.in_channels, *arch.out_channels]
        self.blocks = nn.Sequential(
            *(ConvBlock(c_in, c_out, arch, arch.pools_after(i))
              for i, (c_in, c_out) in enumerate(zip(channels, channels[1:]), start=1))
        )
        flat = next(layer.neurons for layer in layers if layer.kind == "flatten")
        dense: list[nn.Module] = [nn.Flatten()]
        n_in = flat
        for units in arch.dense:
            dense += [nn.Linear(n_in, units), nn.ReLU(inplace=True)]
            n_in = units
        dense.append(nn.Linear(n_in, arch.num_classes))
        self.classifier = nn.Sequential(*dense)
        self._init_weights(generator)

    def _init_weights(self, generator: torch.Generator | None) -> None:
        # He initialisation suits ReLU and lets the first steps learn fast.
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.kaiming_normal_(m.weight, nonlinearity="relu", generator=generator)
                nn.init.zeros_(m.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.blocks(x))  # (N, C, H, W) → (N, classes)


def build_model(arch: Architecture, seed: int | None = None) -> PlaygroundCNN:
    """The network for ``arch``; with ``seed``, the same initial weights every time.

    Its kernels are laid out channels-last, as the images :func:`~cnn_core.train.trainer.to_float` makes: a
    network in the other layout is handed channels-last images, and torch then converts every layer's maps.
    ``python -m benchmarks.bench_layout`` (README, *Evaluation*) has the figures: the test set and the Runs page's
    shift chart about 2.5 times faster than with the network row-major. Loading weights
    (``load_state_dict``) keeps the layout; saving writes them contiguous (:mod:`cnn_core.nn.checkpoint`).
    """
    # Its own generator: seeding the process-wide stream would reseed every other thread's (other users').
    generator = None if seed is None else torch.Generator().manual_seed(seed)
    return PlaygroundCNN(arch, generator=generator).to(memory_format=torch.channels_last)


@torch.no_grad()
def predict_proba(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Softmax probabilities for a float batch already normalised to [0, 1]."""
    model.eval()
    device = next(model.parameters()).device
    return torch.softmax(model(x.to(device)), dim=1).cpu()

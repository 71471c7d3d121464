"""A yardstick for CIFAR-10 in 300 s on this machine: an airbench-shaped network with airbench's recipe.

Not the app's network or recipe: what the best published recipe for fast CIFAR-10 training (airbench, Keller
Jordan, arXiv 2404.00498) reaches on these cores and this JPEG copy of the data, written here from the paper's
description, so the README's CIFAR-10 rows can say how far the app's presets are from it. The network: a frozen
2×2 patch-whitening convolution (its kernels the eigenvectors of the images' 2×2 patches, ±), then three groups of
conv → max-pool → BatchNorm → GELU → conv → BatchNorm → GELU (identity-initialised, no biases, BatchNorm weights
frozen), a global max-pool and a linear layer scaled by 1/9. The recipe: SGD with Nesterov momentum 0.85, the
loss summed over the batch with label smoothing 0.2, decoupled weight decay (each step takes the same fraction off
every weight, whatever its learning rate, as the schedule scales it), BatchNorm biases at 64 times the learning
rate, warm-up over 23 % of the run then a linear fall to 7 %, Lookahead every 5 steps, shifts of up to 2 pixels and
alternating mirror images; the test set scored with mirror and 1-pixel shifts averaged. Everything follows the
time budget.

    python -m benchmarks.cifar_airbench --data-dir DIR [--budget 300] [--widths 48,192,192] [--batch 512]

Prints one JSON object: test accuracy, epochs, images per second.
"""

from __future__ import annotations

import argparse
import json
import time

import torch
import torch.nn.functional as F
from torch import nn

from cnn_core.data.loading import load_dataset


class BatchNorm(nn.BatchNorm2d):
    def __init__(self, n: int):
        super().__init__(n, eps=1e-12, momentum=0.4)  # airbench's "momentum 0.6" in torch's convention
        self.weight.requires_grad = False


def conv(c_in: int, c_out: int) -> nn.Conv2d:
    layer = nn.Conv2d(c_in, c_out, 3, padding=1, bias=False)
    nn.init.dirac_(layer.weight.data[:c_in])  # the first c_in filters pass their input through
    return layer


def group(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(conv(c_in, c_out), nn.MaxPool2d(2), BatchNorm(c_out), nn.GELU(),
                         conv(c_out, c_out), BatchNorm(c_out), nn.GELU())


class Net(nn.Module):
    def __init__(self, widths: list[int]):
        super().__init__()
        self.whiten = nn.Conv2d(3, 24, 2, padding=0, bias=True)
        self.body = nn.Sequential(group(24, widths[0]), group(widths[0], widths[1]), group(widths[1], widths[2]))
        self.head = nn.Linear(widths[2], 10, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.body(F.gelu(self.whiten(x)))
        return self.head(F.adaptive_max_pool2d(x, 1).flatten(1)) / 9


def whiten_init(layer: nn.Conv2d, x: torch.Tensor, eps: float = 5e-4) -> None:
    patches = x.unfold(2, 2, 1).unfold(3, 2, 1).permute(0, 2, 3, 1, 4, 5).reshape(-1, 12)
    values, vectors = torch.linalg.eigh(patches.T @ patches / len(patches))
    kernels = (vectors.T / torch.sqrt(values + eps).view(-1, 1)).reshape(12, 3, 2, 2)
    with torch.no_grad():
        layer.weight.copy_(torch.cat([kernels, -kernels]))
        layer.bias.zero_()
    layer.weight.requires_grad = False


def lr_factor(progress: float) -> float:
    if progress < 0.23:
        return 0.2 + 0.8 * progress / 0.23
    return 1.0 - 0.93 * (progress - 0.23) / 0.77


def run(data_dir: str, budget_s: float, widths: list[int], batch: int, seed: int) -> dict:
    torch.manual_seed(seed)
    data = load_dataset("cifar10", data_dir, download=False)
    as_float = data.train_x.float() / 255
    mean, std = as_float.mean((0, 2, 3)).view(1, 3, 1, 1), as_float.std((0, 2, 3)).view(1, 3, 1, 1)
    x, y = (as_float - mean) / std, data.train_y
    test_x = (data.test_x.float() / 255 - mean) / std
    del as_float
    net = Net(widths)
    whiten_init(net.whiten, x[:5000])
    net = net.to(memory_format=torch.channels_last)
    momentum = 0.85
    scale = 1024 * (1 + 1 / (1 - momentum))  # per-example steps whatever the momentum (airbench's convention)
    # The weight decay is decoupled: each step shrinks every weight by wd (times the schedule), whatever its
    # learning rate; torch's SGD multiplies weight_decay by the group's rate, so each group's is wd over its rate.
    lr, wd = 11.5 / scale, 0.0153 * batch / scale
    biases = {id(m.bias) for m in net.modules() if isinstance(m, nn.BatchNorm2d)}
    trained = [p for p in net.parameters() if p.requires_grad]
    opt = torch.optim.SGD([{"params": [p for p in trained if id(p) in biases], "lr": lr * 64,
                            "weight_decay": wd / (lr * 64)},
                           {"params": [p for p in trained if id(p) not in biases], "lr": lr, "weight_decay": wd / lr}],
                          momentum=momentum, nesterov=True)
    base = [g["lr"] for g in opt.param_groups]
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.2, reduction="sum")
    slow = {k: v.detach().clone() for k, v in net.state_dict().items() if v.dtype.is_floating_point}

    def lookahead(decay: float) -> None:
        with torch.no_grad():
            for k, v in net.state_dict().items():
                if k in slow:
                    slow[k].lerp_(v, 1 - decay)
                    v.copy_(slow[k])

    bf16 = torch.autocast("cpu", dtype=torch.bfloat16)
    n, flipped = len(x), torch.rand(len(x)) < 0.5
    step = seen = epoch = 0
    start = time.perf_counter()
    done = False
    while not done:
        order, flip = torch.randperm(n), flipped ^ (epoch % 2 == 1)  # alternating: each image mirrored every other epoch
        for i in range(0, n - batch + 1, batch):
            progress = (time.perf_counter() - start) / budget_s
            if progress >= 1:
                done = True
                break
            if progress > 0.3:
                net.whiten.bias.requires_grad = False
            idx = order[i:i + batch]
            xb = torch.where(flip[idx].view(-1, 1, 1, 1), x[idx].flip(3), x[idx])
            padded = F.pad(xb, (2, 2, 2, 2), mode="reflect")
            shifts = torch.randint(0, 5, (len(idx), 2))  # each image its own shift of up to 2 pixels
            xb = torch.empty_like(xb)
            for dy in range(5):
                for dx in range(5):
                    mask = (shifts[:, 0] == dy) & (shifts[:, 1] == dx)
                    xb[mask] = padded[mask, :, dy:dy + 32, dx:dx + 32]
            xb = xb.contiguous(memory_format=torch.channels_last)
            for g, b in zip(opt.param_groups, base):
                g["lr"] = b * lr_factor(progress)
            with bf16:
                out = net(xb)
            loss = loss_fn(out.float(), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            step, seen = step + 1, seen + len(idx)
            if step % 5 == 0:
                lookahead(0.95 ** 5 * progress ** 3)
        epoch += 1
    train_s = time.perf_counter() - start
    lookahead(1.0)
    net.eval()

    def mirrored(z: torch.Tensor) -> torch.Tensor:
        return 0.5 * net(z).float() + 0.5 * net(z.flip(3)).float()

    correct = 0
    with torch.no_grad(), bf16:
        for i in range(0, len(test_x), 1000):
            xb = test_x[i:i + 1000].contiguous(memory_format=torch.channels_last)
            padded = F.pad(xb, (1, 1, 1, 1), mode="reflect")
            shifted = 0.5 * mirrored(padded[:, :, :32, :32]) + 0.5 * mirrored(padded[:, :, 2:, 2:])
            logits = 0.5 * mirrored(xb) + 0.5 * shifted
            correct += int((logits.argmax(1) == data.test_y[i:i + 1000]).sum())
    return {"budget_s": budget_s, "widths": widths, "batch_size": batch, "seed": seed,
            "test_accuracy": round(correct / len(test_x), 4), "epochs": round(seen / n, 2), "steps": step,
            "images_per_s": round(seen / train_s), "threads": torch.get_num_threads()}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data-dir", required=True)
    p.add_argument("--budget", type=float, default=300.0, help="seconds of training")
    p.add_argument("--widths", default="48,192,192", help="the three groups' filters")
    p.add_argument("--batch", type=int, default=512)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    print(json.dumps(run(a.data_dir, a.budget, [int(w) for w in a.widths.split(",")], a.batch, a.seed)))


if __name__ == "__main__":
    main()

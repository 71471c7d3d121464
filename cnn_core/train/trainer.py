"""Training and evaluation on in-memory uint8 tensors, reporting through events.

The trainer knows nothing of who listens: it calls ``on_event`` with
:class:`StepEvent`, :class:`EvalEvent` and finally :class:`DoneEvent`, and
checks ``should_stop`` between steps so a Stop button ends it within one step,
keeping the model trained so far. Batches are gathered from tensors already
in memory and normalised as a whole (value / 255, channels-last), which is
what makes it several times faster than a per-sample ``DataLoader`` loop.

The learning rate follows the progress through the run (steps, or seconds
under a time budget): a warm-up, then a linear decay to zero, so a short
run still ends well annealed. The loss trained on is label-smoothed; the loss
reported is the plain one, as validation measures it.

Precision: by default ("auto") the forward pass runs in bf16 mixed precision on
processors that multiply bf16 in hardware, and in fp32 everywhere else; see
:func:`resolve_precision`. Weights, optimizer state, the loss and every
evaluation stay fp32 either way, so a trained model is the same kind of object.
"""

from __future__ import annotations

import copy
import math
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from cnn_core.base.errors import ArchitectureError, PlaygroundError
from cnn_core.data.loading import ImageData
from cnn_core.nn.architecture import Architecture, layer_table, training_memory_mb
from cnn_core.nn.inspection import gradient_norms
from cnn_core.train.config import OPTIMIZERS, PRECISIONS, TrainConfig, check_config
from cnn_core.train.optim import FusedAdam, NesterovSGD

DIVERGED_FACTOR = 10  # a batch loss this many times the first one's (or chance level's, ln classes) is a blown-up run


@dataclass(frozen=True)
class StepEvent:
    step: int
    epoch: float  # fractional epochs done
    loss: float
    accuracy: float  # on this batch
    lr: float
    seconds: float  # training time so far (evaluation excluded)
    images_per_s: float
    progress: float  # 0..1 through the run
    eta_s: float  # estimated seconds left


@dataclass(frozen=True)
class EvalEvent:
    step: int
    seconds: float
    loss: float
    accuracy: float
    wall_s: float = 0.0  # how long this evaluation took (what a queue estimate needs for the final one)
    images: int = 0  # how many images it evaluated


@dataclass(frozen=True)
class ProbeEvent:
    """The first layer as it is now, and what it makes of one fixed validation image."""

    step: int
    seconds: float
    image: torch.Tensor  # (C, H, W) uint8, the same image every time
    kernels: torch.Tensor  # (out_channels, in_channels, k, k) first-layer weights, CPU copy
    maps: torch.Tensor  # (out_channels, H, W) first block's maps after ReLU for ``image``


@dataclass(frozen=True)
class GradEvent:
    """‖∂L/∂θ‖ of each layer for one training batch (names: inspection.layer_names)."""

    step: int
    norms: tuple[float, ...]


@dataclass
class TrainResult:
    reason: str  # "done", "stopped", "nan" or "diverged" (the loss exploded without becoming NaN)
    steps: int
    seconds: float  # training time, evaluation excluded
    images_per_s: float
    test_accuracy: float | None = None
    confusion: torch.Tensor | None = None  # (classes, classes) counts, rows = true label
    test_predictions: torch.Tensor | None = None  # (N,) predicted class of each test image
    nan_step: int | None = None
    diverged_step: int | None = None  # the step whose loss showed the run had blown up
    # After a NaN or a blow-up: whether the weights kept are a validation point's that beat chance (True), or
    # the untrained start, because no such point came first (False). None when the run did not go wrong.
    kept_good: bool | None = None
    precision: str = "fp32"  # what the forward pass ran in: "fp32" or "bf16" (mixed)


def kept_key(result: TrainResult) -> str:
    """The text key that says what a run that went wrong (NaN, blown up) kept: a good model, none, or unchecked."""
    return {True: "train.kept_good", False: "train.kept_none"}.get(result.kept_good, "train.kept_unchecked")


@dataclass(frozen=True)
class DoneEvent:
    result: TrainResult


Event = StepEvent | EvalEvent | ProbeEvent | GradEvent | DoneEvent


def pick_device(preferred: str | None = None) -> torch.device:
    if preferred:
        return torch.device(preferred)
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def native_bf16(device: torch.device) -> bool:
    """Whether ``device`` multiplies bf16 in hardware, so mixed precision trains faster, not slower.

    x86 processors with AVX512-BF16 or AMX do (AMD Zen 4 and later, Intel Xeon
    since Cooper Lake): there the tutorial network trains about 1.4 times
    faster. Most laptops do not, and there bf16 is emulated and slower. GPUs
    answer no: "auto" keeps fp32 on them, where PyTorch already runs fp32
    convolutions on NVIDIA's tensor cores (TF32).
    """
    if device.type != "cpu":
        return False
    probes = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")  # torch's own cpuinfo queries
    return any(getattr(torch.cpu, name, lambda: False)() for name in probes)


def imitated_bf16(device: torch.device) -> bool:
    """Whether bf16 asked for by name on ``device`` is imitated in software: an x86 processor without
    AVX512-BF16 or AMX (measured on a 2-core AVX2 machine: the tutorial network trained 208 images/s in bf16
    against 2,372 in fp32). Other processors (ARM's own bf16 instructions, GPUs) are not judged here."""
    return device.type == "cpu" and platform.machine().lower() in {"x86_64", "amd64", "i386", "i686"} \
        and not native_bf16(device)


def resolve_precision(requested: str, device: torch.device) -> str:
    """"fp32" or "bf16" for a requested "auto", "fp32" or "bf16" on ``device``.

    bf16 mixed precision: convolutions and dense layers multiply bf16 values and
    accumulate in fp32; weights, optimizer state, the loss and evaluation stay
    fp32. On MNIST and CIFAR-10 it reaches the same accuracy as fp32.
    """
    if requested not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}")
    if requested == "auto":
        return "bf16" if native_bf16(device) else "fp32"
    if requested == "bf16":
        usable = device.type == "cpu" or (device.type == "cuda" and torch.cuda.is_bf16_supported())
        if not usable:
            raise PlaygroundError("err.no_bf16", device=device.type.upper())
    return requested


def to_float(x_uint8: torch.Tensor) -> torch.Tensor:
    """uint8 (N, C, H, W) → float in [0, 1], channels-last: the tutorial's value / 255."""
    return x_uint8.float().div_(255).contiguous(memory_format=torch.channels_last)


def _shift(x: torch.Tensor, max_shift: int, gen: torch.Generator) -> torch.Tensor:
    """Random translations, one per group of 8 images (cheap, and enough variety)."""
    if max_shift <= 0:
        return x
    n = x.shape[0]
    padded = F.pad(x, (max_shift,) * 4)
    out = torch.empty_like(x)
    h, w = x.shape[2], x.shape[3]
    for start in range(0, n, 8):
        dy, dx = torch.randint(0, 2 * max_shift + 1, (2,), generator=gen).tolist()
        out[start:start + 8] = padded[start:start + 8, :, dy:dy + h, dx:dx + w]
    return out


def augment_batch(x: torch.Tensor, hflip: bool, gen: torch.Generator) -> torch.Tensor:
    shift = max(1, x.shape[-1] // 10)  # 2 px on 28×28, 3 on 32×32
    x = _shift(x, shift, gen)
    if hflip:
        flip = (torch.rand(x.shape[0], generator=gen) < 0.5).to(x.device).view(-1, 1, 1, 1)
        x = torch.where(flip, x.flip(3), x)
    return x


EVAL_BATCH_BYTES = 32 * 2**20  # the widest layer's maps for one evaluation batch, so they stay in the CPU's caches
MAX_EVAL_BATCH = 1000


def eval_batch_size(model: nn.Module, image_hw: tuple[int, int], device: torch.device | None = None) -> int:
    """How many images to evaluate at once on a CPU: as many as keep the widest layer's maps within
    ``EVAL_BATCH_BYTES`` (in the processor's caches; README, *Evaluation*, has the times). Elsewhere 1000."""
    if (device or torch.device("cpu")).type != "cpu":
        return MAX_EVAL_BATCH
    arch = getattr(model, "arch", None)
    if isinstance(arch, Architecture):  # every layer's size, from the architecture
        widest = max((layer.neurons for layer in layer_table(arch) if layer.kind == "conv"), default=1)
    else:  # a network from elsewhere: its first convolution's maps
        convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
        widest = (convs[0].out_channels if convs else 1) * image_hw[0] * image_hw[1]
    return max(64, min(MAX_EVAL_BATCH, EVAL_BATCH_BYTES // (widest * 4)))


@torch.no_grad()
def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int | None = None,
             device: torch.device | None = None) -> tuple[float, float, torch.Tensor]:
    """(mean loss, accuracy, predictions) over uint8 images ``x`` and labels ``y``
    (``batch_size`` images at a time: by default :func:`eval_batch_size`'s)."""
    device = device or next(model.parameters()).device
    if batch_size is None:
        batch_size = eval_batch_size(model, (x.shape[-2], x.shape[-1]), device)
    was_training = model.training
    model.eval()
    total_loss, preds = 0.0, []
    for i in range(0, len(y), batch_size):
        xb = to_float(x[i:i + batch_size].to(device))
        yb = y[i:i + batch_size].to(device)
        logits = model(xb)
        total_loss += F.cross_entropy(logits, yb, reduction="sum").item()
        preds.append(logits.argmax(1).cpu())
    model.train(was_training)
    pred = torch.cat(preds) if preds else torch.empty(0, dtype=torch.long)
    n = max(len(y), 1)
    return total_loss / n, (pred == y.cpu()).float().mean().item() if len(y) else 0.0, pred


def confusion_matrix(y_true: torch.Tensor, y_pred: torch.Tensor, num_classes: int) -> torch.Tensor:
    idx = y_true.long() * num_classes + y_pred.long()
    return torch.bincount(idx, minlength=num_classes ** 2).view(num_classes, num_classes)


def per_class_accuracy(confusion: torch.Tensor) -> list[float]:
    totals = confusion.sum(1).clamp(min=1)
    return (confusion.diag().float() / totals).tolist()


def check_fits(arch: Architecture, cfg: TrainConfig) -> None:
    need = training_memory_mb(arch, cfg.batch_size)
    if need > cfg.memory_limit_mb:
        raise ArchitectureError("err.too_big", need_mb=round(need), batch_size=cfg.batch_size,
                                limit_mb=round(cfg.memory_limit_mb))


def _make_optimizer(model: nn.Module, cfg: TrainConfig) -> torch.optim.Optimizer | FusedAdam | NesterovSGD:
    """Adam or SGD with Nesterov momentum, without torch.optim where torch's kernels allow (cnn_core.train.optim)."""
    if cfg.optimizer == "sgd":
        return NesterovSGD(model.parameters(), lr=cfg.lr)
    # Adam: one fused kernel for every parameter instead of a loop of small ops per tensor (CPU and CUDA have one).
    if next(model.parameters()).device.type in ("cpu", "cuda"):
        return FusedAdam(model.parameters(), lr=cfg.lr)
    return torch.optim.Adam(model.parameters(), lr=cfg.lr)


class Speed:
    """A training's live images per second: the recent seconds per image, smoothed, turned round.

    Averaging each batch's own rate (images / its seconds) counted a fast batch for more than the time it took:
    on a shared machine, where batches take 20 ms and then 150 ms, the live figure read 1.6 to 2 times the
    run's final one (images / training seconds) and its end came later than it said. Seconds per image add up
    as the run's do: steady batches give exactly the final figure. The first batch (the network's first pass
    pays for setting it up, seconds where the rest take milliseconds) is left out once a second one is known.
    """

    def __init__(self, weight: float = 0.1):
        self.weight, self._s_per_image, self._batches = weight, None, 0

    def add(self, images: int, seconds: float) -> None:
        s = seconds / max(images, 1)
        self._batches += 1
        if self._batches <= 2:  # the first batch alone, then from the second: the first pays the warm-up
            self._s_per_image = s
        else:
            self._s_per_image = (1 - self.weight) * self._s_per_image + self.weight * s

    @property
    def images_per_s(self) -> float:
        return 1.0 / max(self._s_per_image, 1e-12) if self._s_per_image is not None else 0.0


def lr_at(progress: float, cfg: TrainConfig) -> float:
    """Warm up linearly, then decay linearly to zero at the end of the run."""
    if progress < cfg.warmup:
        return cfg.lr * max(progress / cfg.warmup, 0.02)
    return cfg.lr * max(1.0 - progress, 0.0) / (1.0 - cfg.warmup)


def held_out(n: int, val_size: int) -> int:
    """How many of ``n`` training images a run holds out for validation: ``val_size``, at most a fifth."""
    return min(val_size, n // 5)


def split_indices(n: int, val_size: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(training, validation) indices: the last ``val_size`` images of a seeded shuffle are held out."""
    val_size = held_out(n, val_size)
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    return order[val_size:], order[:val_size]


@torch.no_grad()
def _probe(model: nn.Module, image: torch.Tensor, step: int, seconds: float) -> ProbeEvent:
    """First-layer weights and maps for ``image`` (1, C, H, W) uint8, in eval mode (BatchNorm untouched)."""
    was_training = model.training
    model.eval()
    block = model.blocks[0]
    maps = block.stages(to_float(image))["relu"][0]  # (out_channels, H, W)
    model.train(was_training)
    return ProbeEvent(step, seconds, image[0].cpu(), block.conv.weight.detach().float().cpu().clone(),
                      maps.float().cpu().contiguous())


def train(model: nn.Module, data: ImageData, cfg: TrainConfig = TrainConfig(),
          on_event: Callable[[Event], None] | None = None,
          should_stop: Callable[[], bool] | None = None,
          evaluate_test: bool = True) -> TrainResult:
    """Train ``model`` in place on ``data`` and return how it went.

    On a NaN loss the weights of the last good validation point are restored,
    so what is kept is still a usable model.
    """
    emit = on_event or (lambda event: None)
    stop = should_stop or (lambda: False)
    check_config(cfg)
    if isinstance(getattr(model, "arch", None), Architecture):
        check_fits(model.arch, cfg)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)  # this thread and later threads' default (TrainConfig.threads)
    device = pick_device(cfg.device)
    precision = resolve_precision(cfg.precision, device)
    # This run's own random stream: the process-wide one (other users' runs, the app) is never reseeded.
    gen = torch.Generator().manual_seed(cfg.seed)

    # Training batches are gathered through the index rather than from a copy of the training split.
    train_idx, val_idx = split_indices(len(data.train_y), cfg.val_size, cfg.seed)
    val_x, val_y = data.train_x[val_idx], data.train_y[val_idx]
    all_x, all_y, train_idx = data.train_x.to(device), data.train_y.to(device), train_idx.to(device)
    model.to(device).to(memory_format=torch.channels_last)
    model.train()
    opt = _make_optimizer(model, cfg)

    n = len(train_idx)
    steps_per_epoch = max(1, math.ceil(n / cfg.batch_size))
    total_steps = None if cfg.time_budget_s else max(1, round(cfg.epochs * steps_per_epoch))
    step, seen, train_seconds = 0, 0, 0.0
    next_eval = cfg.eval_every_s
    last_good = copy.deepcopy(model.state_dict())  # the weights it started with, until a point beats chance
    reason, nan_step, diverged_step = "done", None, None
    chance = max(math.log(max(data.num_classes, 2)), 1.0)  # the loss of a uniform guess
    blown_up = DIVERGED_FACTOR * chance  # raised to 10× the first batch's loss once it is known
    speed = Speed()
    smoothed_ips = 0.0
    perm = torch.randperm(n, generator=gen).to(device)
    pos = 0
    # The learning is watched on one fixed image: the first held-out one (or the first training one).
    # A dense network (no conv block) has no first-layer kernels to watch.
    probing = cfg.probe_every_s is not None and len(getattr(model, "blocks", ())) > 0
    probe_image = (val_x[:1] if len(val_y) else all_x[train_idx[:1]]).to(device)
    next_probe = 0.0
    if probing:
        emit(_probe(model, probe_image, 0, 0.0))

    while True:
        progress = (train_seconds / cfg.time_budget_s) if cfg.time_budget_s else step / total_steps
        if progress >= 1.0:
            break
        if stop():
            reason = "stopped"
            break
        t0 = time.perf_counter()
        if pos + cfg.batch_size > n:  # a new epoch: reshuffle, drop the ragged end
            perm = torch.randperm(n, generator=gen).to(device)
            pos = 0
        idx = train_idx[perm[pos:pos + cfg.batch_size]]  # positions in the whole training set
        pos += cfg.batch_size
        xb = to_float(all_x[idx])  # (B, C, H, W) float, channels-last
        if cfg.augment:
            xb = augment_batch(xb, cfg.hflip, gen)
        yb = all_y[idx]
        lr = lr_at(progress, cfg)
        for group in opt.param_groups:
            group["lr"] = lr
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=precision == "bf16"):
            logits = model(xb)  # (B, classes)
        logits = logits.float()
        loss = F.cross_entropy(logits, yb, label_smoothing=cfg.label_smoothing)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        grad_norms = (gradient_norms(model) if cfg.grad_norm_every and hasattr(model, "blocks")
                      and step % cfg.grad_norm_every == 0 else None)  # read before the step changes them
        opt.step()
        # The plain loss, comparable with validation's (smoothing keeps the trained one above 0.5 on 10 classes);
        # .item() syncs the device, so the timing below is real.
        loss_value = F.cross_entropy(logits.detach(), yb).item()
        dt = time.perf_counter() - t0
        step += 1
        seen += len(idx)
        train_seconds += dt
        if not math.isfinite(loss_value):
            reason, nan_step = "nan", step
            model.load_state_dict(last_good)
            emit(StepEvent(step, seen / n, float("nan"), 0.0, lr, train_seconds, smoothed_ips, progress, 0.0))
            break
        if step == 1:  # the first loss is the untrained network's, measured before any update
            blown_up = DIVERGED_FACTOR * max(loss_value, chance)
        elif loss_value > blown_up:  # exploding without a NaN (a learning rate far too high): seen at once
            reason, diverged_step = "diverged", step
            model.load_state_dict(last_good)
            emit(StepEvent(step, seen / n, loss_value, 0.0, lr, train_seconds, smoothed_ips, progress, 0.0))
            break
        speed.add(len(idx), dt)
        smoothed_ips = speed.images_per_s
        acc = (logits.argmax(1) == yb).float().mean().item()
        done_frac = max(progress, 1e-9)
        if cfg.time_budget_s:
            eta = max(cfg.time_budget_s - train_seconds, 0.0)
        else:
            eta = (total_steps - step) * cfg.batch_size / max(smoothed_ips, 1e-9)
        emit(StepEvent(step, seen / n, loss_value, acc, lr, train_seconds, smoothed_ips,
                       min(done_frac, 1.0), eta))
        if grad_norms is not None:
            emit(GradEvent(step, tuple(grad_norms)))
        if probing and train_seconds >= next_probe:
            emit(_probe(model, probe_image, step, train_seconds))
            next_probe = train_seconds + cfg.probe_every_s
        if train_seconds >= next_eval and len(val_y):
            t_eval = time.perf_counter()
            val_loss, val_acc, _ = evaluate(model, val_x, val_y, device=device)
            next_eval = train_seconds + cfg.eval_every_s
            if math.isfinite(val_loss) and val_loss < chance:  # better than a guess: worth keeping if it blows up
                last_good = copy.deepcopy(model.state_dict())
            emit(EvalEvent(step, train_seconds, val_loss, val_acc, time.perf_counter() - t_eval, len(val_y)))

    if probing and step:
        emit(_probe(model, probe_image, step, train_seconds))
    kept_good = None
    if len(val_y) and step:
        t_eval = time.perf_counter()
        val_loss, val_acc, _ = evaluate(model, val_x, val_y, device=device)
        if reason != "nan":
            emit(EvalEvent(step, train_seconds, val_loss, val_acc, time.perf_counter() - t_eval, len(val_y)))
        if reason in ("nan", "diverged"):  # the weights kept: do they beat a uniform guess on held-out images?
            kept_good = math.isfinite(val_loss) and val_loss < chance
    result = TrainResult(reason, step, train_seconds, seen / max(train_seconds, 1e-9), nan_step=nan_step,
                         diverged_step=diverged_step, kept_good=kept_good,
                         precision=precision)
    if evaluate_test and len(data.test_y):
        _, test_accuracy, pred = evaluate(model, data.test_x, data.test_y, device=device)
        result.test_accuracy, result.test_predictions = test_accuracy, pred
        result.confusion = confusion_matrix(data.test_y, pred, data.num_classes)
    # Back to the CPU in build_model's layout (channels-last), so the kept model behaves exactly like a saved and
    # reloaded one, and evaluates as fast.
    model.to("cpu").to(memory_format=torch.channels_last)
    model.eval()
    emit(DoneEvent(result))
    return result


def overfitting_gap(steps: list[StepEvent], evals: list[EvalEvent], threshold: float = 0.05,
                    sustained: int = 2) -> float | None:
    """How far training accuracy has pulled away from validation accuracy, once it clearly has and it costs.

    For each of the last ``sustained`` validation points, the training accuracy
    is the mean batch accuracy over the steps since the point before it. When
    each of them is at least ``threshold`` above its validation accuracy and the
    validation loss has stopped falling (none of those points below the best
    before them), the last gap is returned (the network learns its training
    images by heart); otherwise None. A gap while validation still improves is
    no reason to stop: a walk was told "fewer epochs" at a 30 s CIFAR-10 run
    whose validation loss fell to its end.
    """
    if len(evals) < sustained + 1:
        return None
    losses = [e.loss for e in evals]
    if not all(math.isfinite(v) for v in losses[-sustained:]):  # a blown-up run is not an overfitted one
        return None
    best_before = min((v for v in losses[:-sustained] if math.isfinite(v)), default=math.inf)
    if min(losses[-sustained:]) < best_before:  # validation still improving
        return None
    gaps = []
    for before, point in zip(evals[-sustained - 1:], evals[-sustained:]):
        window = [s.accuracy for s in steps if before.step < s.step <= point.step and not math.isnan(s.loss)]
        if not window:
            return None
        gaps.append(sum(window) / len(window) - point.accuracy)
    return gaps[-1] if all(g >= threshold for g in gaps) else None


@dataclass
class History:
    """Collects the trainer's events into the lists the plots and the CLI read.

    With ``max_points`` set (a live job), memory stays bounded however long the
    run: once the step list is that long every other point is dropped and only
    every second step is kept from then on, so a long run is drawn evenly
    thinned; gradient points are halved the same way; and only the latest
    probe is kept (each holds images). The last step is always in ``last``.
    """

    max_points: int | None = None
    steps: list[StepEvent] = field(default_factory=list)
    evals: list[EvalEvent] = field(default_factory=list)
    probes: list[ProbeEvent] = field(default_factory=list)
    grads: list[GradEvent] = field(default_factory=list)
    last: StepEvent | None = None
    result: TrainResult | None = None
    stride: int = 1  # one step in `stride` is kept

    @property
    def probe(self) -> ProbeEvent | None:
        return self.probes[-1] if self.probes else None

    def __call__(self, event: Event) -> None:
        bounded = self.max_points is not None
        if isinstance(event, StepEvent):
            self.last = event
            if event.step % self.stride == 0:
                self.steps.append(event)
                if bounded and len(self.steps) > self.max_points:
                    self.steps = self.steps[::2]
                    self.stride *= 2
        elif isinstance(event, EvalEvent):
            self.evals.append(event)
        elif isinstance(event, ProbeEvent):
            if bounded:
                self.probes.clear()
            self.probes.append(event)
        elif isinstance(event, GradEvent):
            self.grads.append(event)
            if bounded and len(self.grads) > self.max_points:
                self.grads = self.grads[::2]
        elif isinstance(event, DoneEvent):
            self.result = event.result


__all__ = [
    "OPTIMIZERS", "PRECISIONS", "TrainConfig", "StepEvent", "EvalEvent", "ProbeEvent", "GradEvent", "DoneEvent",
    "TrainResult", "History", "train", "evaluate", "pick_device", "native_bf16", "imitated_bf16", "resolve_precision", "to_float",
    "confusion_matrix", "per_class_accuracy", "check_fits", "overfitting_gap",
]


def warm_up(arch: Architecture | None = None, steps: int = 3,
            should_stop: Callable[[], bool] | None = None) -> float:
    """Train a throwaway ``arch`` (default: the tutorial network) for a few steps on random images.

    A process's first training pays torch's one-time set-up (its thread pool,
    the autograd engine, the kernels picked for these shapes): most of a second
    on two cores, added to the first student's wait for the first point. A
    server calls this once at start instead. Leaves torch's thread count as it
    was. Returns the seconds it took.
    """
    from cnn_core.nn.architecture import PRESETS
    from cnn_core.nn.model import build_model

    t0 = time.perf_counter()
    arch = arch or PRESETS["tutorial"]
    cfg = TrainConfig()
    n = 5 * 1000 + steps * cfg.batch_size  # room for a 1000-image validation batch, evaluate()'s largest
    gen = torch.Generator().manual_seed(0)
    x = torch.randint(0, 256, (n, arch.in_channels, arch.in_height, arch.in_width), dtype=torch.uint8, generator=gen)
    y = torch.randint(0, arch.num_classes, (n,), generator=gen)
    data = ImageData("warm-up", [str(i) for i in range(arch.num_classes)], x, y, x[:0], y[:0])
    # threads=None (TrainConfig's default): train() leaves torch's thread count alone, so there is nothing to restore.
    train(build_model(arch, seed=0), data,
          TrainConfig(epochs=steps * cfg.batch_size / (n - 1000), val_size=1000, eval_every_s=1e9),
          should_stop=should_stop, evaluate_test=False)
    return time.perf_counter() - t0


def validation_ahead(steps: list[StepEvent], evals: list[EvalEvent]) -> bool:
    """Whether the last validation accuracy is above the training accuracy of the steps that led to it.

    It often is early on, and it is no error: the training figure is an average over batches measured while
    the weights were still worse (and, with augmentation, on harder images); validation measures the network
    as it is at that point, on images as they are.
    """
    if not evals:
        return False
    before = evals[-2].step if len(evals) > 1 else 0
    window = [s.accuracy for s in steps if before < s.step <= evals[-1].step and not math.isnan(s.loss)]
    return bool(window) and evals[-1].accuracy > sum(window) / len(window)

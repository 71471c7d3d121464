"""Training's settings, their defaults and the choices offered for them: one place for each.

:class:`TrainConfig` is what :func:`cnn_core.train.trainer.train` runs with; its
defaults are the Train page's and the command line's defaults too. The tuples
below are the values the page's widgets and the CLI's flags offer. This module
imports no torch, so the command line builds its parser without loading it.
"""

from __future__ import annotations

from dataclasses import dataclass

from cnn_core.base.errors import PlaygroundError

OPTIMIZERS = ("adam", "sgd")
PRECISIONS = ("auto", "fp32", "bf16")
LEARNING_RATES = (1e-4, 3e-4, 1e-3, 2e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0)  # the page's slider
BATCH_SIZES = (32, 64, 128, 256)
SUGGESTED_TIME_BUDGET_S = 30  # the page's "train for N seconds" slider starts here


def within(value, default, choices=None, low: float | None = None, high: float | None = None, step: int = 1):
    """A kept setting brought within today's choices or range: ``(value, changed)``.

    A workspace keeps the Train page's settings across server restarts and
    app versions; a lowered limit (MAX_EPOCHS) or a choice a later version
    dropped must not break the page. A number outside ``low..high`` goes to
    the nearest end (on ``step``); anything unusable, to ``default``.
    """
    if choices is not None:
        return (value, False) if any(type(value) is type(c) and value == c for c in choices) else (default, True)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:  # NaN too
        return default, True
    fixed = min(max(value, low), high)
    fixed = int(low + (fixed - low) // step * step)
    return fixed, fixed != value


@dataclass(frozen=True)
class TrainConfig:
    epochs: float = 3.0  # passes over the training set (ignored under a time budget)
    time_budget_s: float | None = None  # train for this many seconds instead of epochs
    batch_size: int = 64
    lr: float = 1e-2  # peak learning rate
    optimizer: str = "adam"  # one of OPTIMIZERS: "adam", or "sgd" (with Nesterov momentum 0.9)
    augment: bool = False  # random shifts (and mirror images where hflip is allowed)
    hflip: bool = False  # mirror images when augmenting (photos yes, digits no)
    # Fraction of the run spent ramping the learning rate up (one cycle: up for a quarter, then down to zero).
    # With batch 64 and lr 1e-2 the tutorial network reaches 99% on MNIST in half an epoch; a 3% warm-up needed two.
    warmup: float = 0.25
    # The right class's target is 1 − 0.1 + 0.1/classes (0.91 of 10), the others share the rest: the network is
    # kept from growing ever surer of the training images (a tenth of a point more on MNIST after one epoch).
    label_smoothing: float = 0.1
    val_size: int = 2000  # training images held out to plot validation curves
    eval_every_s: float = 2.0  # seconds of training between validation points
    seed: int = 0
    device: str | None = None  # None picks CUDA, then Apple MPS, then the CPU
    # torch CPU threads for this run; None leaves torch's setting alone. train() calls torch.set_num_threads
    # on its own thread, which also becomes the default of threads started later (OpenMP builds; elsewhere it is
    # process-wide): the app's Scheduler gives every running job the same share of the cores.
    threads: int | None = None
    memory_limit_mb: float = 2048  # refuse architectures that would need more to train
    precision: str = "auto"  # one of PRECISIONS: "fp32", "bf16" (mixed) or "auto": bf16 where the hardware has it
    probe_every_s: float | None = 1.0  # seconds between ProbeEvents (first-layer kernels, maps); None: none
    grad_norm_every: int = 5  # steps between GradEvents (per-layer gradient norms); 0: none


# The range of every number a TrainConfig may hold: the command line, the app and train() check these.
CONFIG_RANGES = {
    "epochs": (0.001, 1000.0),
    "time_budget_s": (0.1, 86_400.0),
    "batch_size": (1, 65_536),
    "lr": (1e-8, 100.0),
    "seed": (0, 2**63 - 1),
    "warmup": (0.0, 0.9),
    "label_smoothing": (0.0, 0.5),
    "val_size": (0, 10_000_000),
    "eval_every_s": (0.01, 1e12),
}


def check_config(cfg: TrainConfig) -> None:
    """Refuse, before any work, a setting that is out of range, NaN or infinite (a negative budget never ends)."""
    for name, (low, high) in CONFIG_RANGES.items():
        value = getattr(cfg, name)
        if name == "time_budget_s" and value is None:
            continue
        whole = isinstance(low, int) and isinstance(high, int)
        ok = (isinstance(value, int) if whole else isinstance(value, (int, float))) and not isinstance(value, bool)
        if not ok or not low <= value <= high:  # NaN fails every comparison
            raise PlaygroundError("err.bad_setting", name=name, low=low, high=high, value=str(value)[:40])
    for name, choices in (("optimizer", OPTIMIZERS), ("precision", PRECISIONS)):
        if getattr(cfg, name) not in choices:
            raise PlaygroundError("err.bad_choice", field=name, choices=", ".join(choices),
                                  value=str(getattr(cfg, name))[:40])

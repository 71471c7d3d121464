"""Runs as data: what a finished training or an uploaded model becomes, and how runs compare.

Turns a :class:`~cnn_core.train.jobs.TrainingJob` or an uploaded
:class:`~cnn_core.nn.checkpoint.SavedModel` into a :class:`~cnn_core.store.storage.NewRun`,
loads a stored run's model back, picks the best digits model, and lists what
differs between runs. Pure functions over plain values: no database (see
:mod:`cnn_core.store.storage`), no Streamlit.
"""

from __future__ import annotations

import datetime as dt

from cnn_core.data.registry import DIGITS
from cnn_core.nn import checkpoint
from cnn_core.nn.architecture import Architecture, layer_table, totals
from cnn_core.nn.checkpoint import SavedModel
from cnn_core.store.storage import WENT_WRONG, NewRun, RunInfo
from cnn_core.train.trainer import per_class_accuracy

CURVE_POINTS = 400  # training-curve points kept per run: enough to overlay, small in the database
# TrainConfig fields worth keeping with a run (the rest are plumbing: device, threads, memory limit).
CONFIG_FIELDS = ("epochs", "time_budget_s", "batch_size", "lr", "optimizer", "warmup", "label_smoothing", "augment",
                 "precision", "seed")


def params_of(arch: Architecture) -> int:
    return totals(layer_table(arch)).params


def default_name(arch: Architecture, when: dt.datetime | None = None) -> str:
    """ "32-64-128 · 14:05": filters and time, enough to tell runs apart in a list.

    A dense network (no filters) shows its dense widths and the output instead: "64-10 · 14:05". The dataset is
    no part of it: a name is stored once and read in every language, and its internal id ("mnist") is no name a
    reader should see; every list shows the dataset beside the name, by its name in the reader's language.
    """
    when = when or dt.datetime.now()
    widths = arch.out_channels or (*arch.dense, arch.num_classes)
    return f"{'-'.join(map(str, widths))} · {when:%H:%M}"


def from_job(job, device: str) -> NewRun | None:
    """The run a finished (or stopped) training leaves; None when it never took a step."""
    snap = job.snapshot()
    result = snap.result
    if result is None or not result.steps:
        return None
    arch, classes = job.model.arch, list(job.data.classes)
    steps = snap.steps[:: max(1, len(snap.steps) // CURVE_POINTS)]
    curves = {"steps": [[e.step, round(e.epoch, 4), round(e.seconds, 3), e.loss, e.accuracy] for e in steps],
              "evals": [[e.step, round(e.seconds, 3), e.loss, e.accuracy] for e in snap.evals],
              "steps_per_epoch": _steps_per_epoch(steps)}
    confusion = result.confusion
    return NewRun(
        name=default_name(arch), source="trained", dataset=job.data.name, classes=classes,
        architecture=arch.to_dict(), params=params_of(arch),
        model=checkpoint.to_bytes(job.model, classes, dataset=job.data.name,
                                  test_accuracy=result.test_accuracy, reason=result.reason),
        train_config={k: getattr(job.cfg, k) for k in CONFIG_FIELDS},
        precision=result.precision, device=device, reason=result.reason, curves=curves,
        test_accuracy=result.test_accuracy,
        per_class=per_class_accuracy(confusion) if confusion is not None else None,
        confusion=confusion.tolist() if confusion is not None else None,
        seconds=result.seconds, images_per_s=result.images_per_s)


def _steps_per_epoch(steps) -> float | None:
    """Steps per epoch, to put validation points (which know only their step) on an epoch axis."""
    last = next((e for e in reversed(steps) if e.epoch > 0), None)
    return last.step / last.epoch if last is not None else None


def from_upload(saved: SavedModel, raw: bytes, filename: str) -> NewRun:
    """An uploaded model file as a run of its own, next to whatever the user trained."""
    meta = saved.meta or {}
    dataset = str(meta.get("dataset") or "?")[:120]
    accuracy = meta.get("test_accuracy")
    return NewRun(
        name=filename.removesuffix(".zip").removesuffix(".cnn")[:60] or "model", source="uploaded",
        dataset=dataset, classes=list(saved.classes), architecture=saved.arch.to_dict(),
        params=params_of(saved.arch), model=raw,
        test_accuracy=float(accuracy) if isinstance(accuracy, (int, float)) else None)


def load_model(raw: bytes) -> SavedModel:
    return checkpoint.from_bytes(raw, max_mb=checkpoint.MAX_RUN_MODEL_MB)


def architecture(run: RunInfo) -> Architecture:
    return Architecture.from_dict(run.architecture)


def input_shape(run: RunInfo) -> tuple[int, int, int]:
    a = run.architecture
    return a["in_height"], a["in_width"], a["in_channels"]


def fits_draw(run: RunInfo) -> bool:
    """A model the Draw page can feed: 28×28×1 (a drawing) or colour (a photo, cropped and resized to its input)."""
    shape = input_shape(run)
    return shape == (28, 28, 1) or shape[2] == 3


def knows_digits(classes) -> bool:
    """Whether a model's classes are the ten digits, 0 to 9 (what the Draw page asks a drawing to be)."""
    return list(classes) == list(DIGITS)


def reads_digits(run: RunInfo) -> bool:
    """A model for the Draw page proper: MNIST, 28×28×1, classes 0–9."""
    return run.dataset == "mnist" and input_shape(run) == (28, 28, 1) and knows_digits(run.classes)


def went_wrong(run: RunInfo) -> bool:
    return run.reason in WENT_WRONG


def finished(run: RunInfo) -> bool:
    """A training that ran to its end (or an uploaded model): not stopped half-way, not blown up."""
    return run.reason in (None, "done")


def best_digits_run(runs: list[RunInfo]) -> RunInfo | None:
    """The most accurate finished digits model among ``runs``, or None."""
    return default_run([r for r in runs if reads_digits(r)], None)


def default_run(runs: list[RunInfo], shipped_accuracy: float | None) -> RunInfo | None:
    """The model a page starts on: the most accurate finished run among ``runs`` (those that fit the page), or
    None when the shipped model (``shipped_accuracy``; None where it does not fit) is at least as accurate.

    A run that blew up or was stopped is never the default, however its test accuracy reads.
    """
    candidates = [r for r in runs if finished(r) and r.test_accuracy is not None]
    best = max(candidates, key=lambda r: (r.test_accuracy, r.id), default=None)
    if best is None or (shipped_accuracy is not None and shipped_accuracy >= best.test_accuracy):
        return None
    return best


# What the side-by-side view lists, in order: (row key, how to read it off a run).
COMPARED = (
    ("dataset", lambda r: r.dataset),
    ("input", lambda r: "×".join(map(str, input_shape(r)))),
    ("filters", lambda r: "-".join(map(str, r.architecture.get("out_channels", ()))) or "–"),  # – : a dense network
    ("kernel_size", lambda r: r.architecture.get("kernel_size")),
    ("padding", lambda r: r.architecture.get("padding")),
    ("pool", lambda r: (r.architecture.get("pool"), None if r.architecture.get("pool") == "none"
                        else r.architecture.get("pool_size"))),  # no pooling: its size means nothing
    # runs kept before it existed pooled every block; without pooling or convolutions it means nothing
    ("pool_every", lambda r: r.architecture.get("pool_every", 1)
     if r.architecture.get("out_channels") and r.architecture.get("pool") != "none" else None),
    ("dense", lambda r: "-".join(map(str, r.architecture.get("dense", ()))) or "–"),
    ("batch_norm", lambda r: r.architecture.get("batch_norm")),
    ("params", lambda r: r.params),
    ("epochs", lambda r: r.train_config.get("epochs") if r.train_config.get("time_budget_s") is None else None),
    ("time_budget_s", lambda r: r.train_config.get("time_budget_s")),
    ("batch_size", lambda r: r.train_config.get("batch_size")),
    ("lr", lambda r: r.train_config.get("lr")),
    ("optimizer", lambda r: r.train_config.get("optimizer")),
    ("augment", lambda r: r.train_config.get("augment")),
    ("precision", lambda r: r.precision),
    ("device", lambda r: r.device),
    ("test_accuracy", lambda r: r.test_accuracy),
    ("seconds", lambda r: r.seconds),
    ("images_per_s", lambda r: r.images_per_s),
)


def compare(runs: list[RunInfo]) -> list[tuple[str, list, bool]]:
    """(row key, each run's value, whether the values differ) for the side-by-side view."""
    rows = []
    for key, read in COMPARED:
        values = [read(r) for r in runs]
        rows.append((key, values, len({repr(v) for v in values}) > 1))
    return rows


def curve_series(run: RunInfo, axis: str) -> dict[str, tuple[list[float], list[float]]]:
    """x and y lists of a run's curves ("train_loss", "train_acc", "val_loss", "val_acc") on ``axis``.

    ``axis`` is "epochs" or "seconds": runs of different lengths or speeds then
    share one x axis. Validation points know their step and seconds; on the
    epoch axis their step is converted with the run's steps per epoch.
    """
    steps = run.curves.get("steps", [])
    evals = run.curves.get("evals", [])
    per_epoch = run.curves.get("steps_per_epoch") or None
    if axis == "epochs":
        tx = [s[1] for s in steps]
        vx = [e[0] / per_epoch for e in evals] if per_epoch else []
    else:
        tx = [s[2] for s in steps]
        vx = [e[1] for e in evals]
    return {"train_loss": (tx, [s[3] for s in steps]), "train_acc": (tx, [s[4] for s in steps]),
            "val_loss": (vx, [e[2] for e in evals][:len(vx)]), "val_acc": (vx, [e[3] for e in evals][:len(vx)])}

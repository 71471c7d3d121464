"""The ``train`` and ``fetch`` subcommands of ``python -m cnn_core`` (their flags are in ``cli.py``).

``cli.py`` parses the flags, builds the architecture and sets up the process;
these functions load the data and train. They print through stdout/stderr and
return the exit status.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace

from cnn_core.base import env
from cnn_core.base.errors import PlaygroundError
from cnn_core.base.texts import CLI_LANG, translate
from cnn_core.data import registry as datasets
from cnn_core.data.loading import load_dataset
from cnn_core.nn import checkpoint
from cnn_core.nn.architecture import Architecture, adapt_to_data, layer_table
from cnn_core.nn.model import build_model
from cnn_core.train.trainer import StepEvent, TrainConfig, check_fits, train


def _progress_bar(event: StepEvent) -> None:
    width = 30
    filled = int(event.progress * width)
    sys.stderr.write(
        f"\r[{'#' * filled}{'.' * (width - filled)}] {event.progress:5.1%}  loss {event.loss:.4f}  "
        f"{event.images_per_s:,.0f} img/s  {event.eta_s:4.0f} s left "
    )
    sys.stderr.flush()


def run_train(args: argparse.Namespace, base: Architecture, cfg: TrainConfig) -> int:
    """Train ``base`` (adapted to the dataset's images and classes) with ``cfg``, already checked."""
    data = load_dataset(args.dataset, args.data_dir, download=not args.no_download, image_size=args.image_size)
    h, w, c = data.shape
    arch = adapt_to_data(base, h, w, c, data.num_classes)
    layer_table(arch)  # the dataset's size may not fit the architecture: say so before training
    cfg = replace(cfg, hflip=data.mirror_safe)
    check_fits(arch, cfg)
    model = build_model(arch, seed=cfg.seed)
    quiet = args.json or not sys.stderr.isatty()

    def on_event(event):
        if isinstance(event, StepEvent) and not quiet and event.step % 10 == 0:
            _progress_bar(event)

    args.ray = args.ray or env.get("RAY_ADDRESS") or None
    if args.ray:
        result, node = _train_on_ray(args.ray, model, data, cfg, args.dataset, on_event)
    else:
        result, node = train(model, data, cfg, on_event=on_event), None
    if not quiet:
        sys.stderr.write("\n")
    if args.save:
        checkpoint.save(args.save, model, data.classes, dataset=data.name,
                        test_accuracy=result.test_accuracy, reason=result.reason)
    out = {"dataset": data.name, "reason": result.reason, "test_accuracy": result.test_accuracy,
           "seconds": round(result.seconds, 2), "images_per_s": round(result.images_per_s, 1),
           "steps": result.steps, "precision": result.precision, "architecture": arch.to_dict(),
           "executor": "ray" if args.ray else "local"}
    if args.ray:
        out["node"] = node
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        accuracy = f"{result.test_accuracy:.4f}" if result.test_accuracy is not None else "-"
        print(f"test accuracy {accuracy} after {result.seconds:.1f} s "
              f"({result.images_per_s:,.0f} images/s, {result.precision}, {result.reason})")
    if result.reason == "nan":
        print(f"error: {translate(CLI_LANG, 'err.loss_nan', step=result.nan_step, lr=cfg.lr)}", file=sys.stderr)
    elif result.reason == "diverged":
        print(f"error: {translate(CLI_LANG, 'err.loss_diverged', step=result.diverged_step, lr=cfg.lr)}",
              file=sys.stderr)
    return 1 if result.reason in ("nan", "diverged") else 0


def _train_on_ray(address: str, model, data, cfg, dataset: str, on_event):
    """The same run as an actor on a Ray cluster; events arrive as the app's would. (result, node)."""
    from cnn_core.settings import Settings
    from cnn_core.train.executors import make_executor

    options = Settings.load([]).ray_options()
    builtin = dataset if datasets.get(dataset) else None  # the worker loads it from its own data directory
    if builtin is not None:
        print(f"note: {translate(CLI_LANG, 'note.ray_nodes_read_own_data', dataset=builtin)}", file=sys.stderr)
    job = make_executor(address, **options).start(model, data, cfg, dataset=builtin)
    seen = 0
    try:
        while not job.wait(0.25):
            steps = job.snapshot().steps
            for event in steps[seen:]:
                on_event(event)
            seen = len(steps)
    except KeyboardInterrupt:  # Ctrl-C stops the run and keeps what it learned, as the Stop button does
        job.stop()
        job.wait()
    snap = job.snapshot()
    if snap.error is not None:
        raise snap.error
    return snap.result, snap.node


def run_fetch(args: argparse.Namespace) -> int:
    failed = False
    for name in args.datasets.split(","):
        try:
            data = load_dataset(name.strip(), args.data_dir, download=True)
            print(f"{name}: {len(data.train_y):,} training and {len(data.test_y):,} test images")
        except PlaygroundError as err:
            print(f"{name}: {err}", file=sys.stderr)
            failed = True
    return 2 if failed else 0

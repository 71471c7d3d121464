"""Command line: ``python -m cnn_core summary | train | fetch | bench``.

For people who live in terminals and for scripts. Every subcommand prints the
same numbers the app shows; ``--json`` makes them machine-readable. An invalid
request exits with status 2 and the same message the app gives.

This module builds the parser and runs ``summary``; its choices and defaults
come from the core (:mod:`~cnn_core.train.config`, :mod:`~cnn_core.data.registry`,
:mod:`~cnn_core.nn.architecture`), none of which loads torch, so ``summary``
never does. The torch-heavy commands live in :mod:`~cnn_core.cli.train` and
:mod:`~cnn_core.cli.bench`, imported only when run.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from cnn_core.base import env
from cnn_core.base.errors import PlaygroundError
from cnn_core.base.process import keep_freed_memory
from cnn_core.base.texts import Message
from cnn_core.data import registry as datasets
from cnn_core.data.registry import DEFAULT_IMAGE_SIZE
from cnn_core.nn.architecture import (
    LIMITS,
    PADDINGS,
    POOLS,
    PRESETS,
    Architecture,
    adapt_to_data,
    apply_overrides,
    layer_table,
    totals,
)
from cnn_core.train.config import OPTIMIZERS, PRECISIONS, TrainConfig, check_config

# Each architecture flag and the short name the core (and a shared link) knows it by.
ARCHITECTURE_FLAGS = {"input": "in", "filters": "f", "kernel": "k", "padding": "pad", "pool": "pool",
                      "pool_size": "ps", "pool_every": "pe", "dense": "dense", "classes": "cls", "batch_norm": "bn"}


def add_architecture_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--preset", choices=sorted(PRESETS), default="tutorial")
    p.add_argument("--input", help="H x W x C, e.g. 28x28x1")
    p.add_argument("--filters", help="filters per conv block, e.g. 32,64,128")
    p.add_argument("--kernel", type=int)
    p.add_argument("--padding", choices=PADDINGS)
    p.add_argument("--pool", choices=POOLS)
    p.add_argument("--pool-size", type=int)
    p.add_argument("--pool-every", type=int, help="blocks per pooling: 1 (every block) or 2 (only blocks 1, 3, 5… pool)")
    p.add_argument("--dense", help="hidden dense units, e.g. 100 or 120,84; '' for none")
    p.add_argument("--classes", type=int)
    p.add_argument("--batch-norm", action=argparse.BooleanOptionalAction, default=None)


def architecture_from_args(args: argparse.Namespace) -> Architecture:
    """The preset with each given flag applied on top, checked as a shared link is."""
    overrides = {}
    for flag, key in ARCHITECTURE_FLAGS.items():
        value = getattr(args, flag)
        if isinstance(value, bool):
            overrides[key] = "1" if value else "0"
        elif value is not None:
            overrides[key] = str(value)
    return apply_overrides(PRESETS[args.preset], overrides)


def dataset_arg(text: str) -> str:
    """A registered dataset's name or ``folder:PATH``."""
    if text in datasets.names() or text.startswith("folder:"):
        return text
    raise argparse.ArgumentTypeError(f"{text!r}: choose {', '.join(datasets.names())} or folder:PATH")


def _float_list(text: str) -> list[float]:
    """'30,300' → [30.0, 300.0]."""
    try:
        values = [float(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: numbers separated by commas, e.g. 30,300") from None
    return values


def _int_list(text: str) -> list[int]:
    """'2,4,8' → [2, 4, 8]."""
    try:
        return [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: whole numbers separated by commas, e.g. 2,4,8") from None


PHOTO_BUDGETS_S = [30.0, 300.0]  # bench --cifar10, --cats-dogs: the accuracy after 30 s and after 300 s
MAX_CONCURRENCY = 64  # bench --concurrency: trainings at once


def format_table(arch: Architecture) -> str:
    layers = layer_table(arch)
    rows = [("layer", "output", "neurons", "params", "formula", "MACs", "RF")]
    for layer in layers:
        shape = "×".join(map(str, layer.output_shape))
        rows.append((layer.name, shape, f"{layer.neurons:,}", f"{layer.params:,}",
                     layer.formula, f"{layer.macs:,}", str(layer.receptive_field)))
    t = totals(layers)
    rows.append(("total", "", f"{t.neurons:,}", f"{t.params:,}", "", f"{t.macs:,}", ""))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "-" * len(lines[0]))
    lines.insert(len(lines) - 1, "-" * len(lines[0]))
    return "\n".join(lines)


def summary_json(arch: Architecture) -> dict:
    layers = layer_table(arch)
    t = totals(layers)
    return {
        "architecture": arch.to_dict(),
        "layers": [layer.to_json() for layer in layers],
        "total_params": t.params,
        "total_neurons": t.neurons,
        "total_macs": t.macs,
    }


def cmd_summary(args: argparse.Namespace) -> int:
    arch = architecture_from_args(args)
    if args.json:
        print(json.dumps(summary_json(arch), indent=2))
    else:
        print(format_table(arch))
    return 0


def check_save_path(path: str) -> None:
    """Refuse a --save place that cannot be written, before any training time is spent on it."""
    target = Path(path)
    folder = target.parent
    if target.is_dir() or (target.exists() and not target.is_file()):
        raise PlaygroundError("err.save_not_writable", path=path, reason=Message("reason.save_not_file"))
    if not folder.is_dir():
        raise PlaygroundError("err.save_not_writable", path=path,
                              reason=Message("reason.save_no_folder", {"folder": str(folder)}))
    try:  # the real test, for root too: create (and remove) a file beside it
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".cnn-playground-save-check-"):
            pass
        if target.exists() and not os.access(target, os.W_OK):
            raise PermissionError(target)
    except OSError as exc:
        raise PlaygroundError("err.save_not_writable", path=path, reason=Message("reason.save_permission")) from exc


def train_config_from_args(args: argparse.Namespace) -> TrainConfig:
    """The run's settings from the flags, every number checked (NaN, infinity, ranges) before any work."""
    cfg = TrainConfig(epochs=args.epochs, time_budget_s=args.time_budget, batch_size=args.batch_size,
                      lr=args.lr, optimizer=args.optimizer, augment=args.augment, seed=args.seed,
                      precision=args.precision)
    if args.time_budget is not None:
        cfg = replace(cfg, epochs=TrainConfig.epochs)  # the budget rules; epochs is not looked at
    check_config(cfg)
    low, high = LIMITS["in_height"]
    if not low <= args.image_size <= high:
        raise PlaygroundError("err.bad_image_size", size=args.image_size, low=low, high=high)
    return cfg


def cmd_train(args: argparse.Namespace) -> int:
    problems = env.check_all()  # a bad CNN_PLAYGROUND_* setting (Ray's, the data folder's) fails before any work
    if problems:
        raise problems[0]
    arch = architecture_from_args(args)  # a bad flag fails before anything loads
    cfg = train_config_from_args(args)
    if args.save:
        check_save_path(args.save)
    keep_freed_memory()  # this process exists to train
    from cnn_core.cli.train import run_train

    return run_train(args, arch, cfg)


def cmd_fetch(args: argparse.Namespace) -> int:
    from cnn_core.cli.train import run_fetch

    return run_fetch(args)


def cmd_bench(args: argparse.Namespace) -> int:
    for flag, value, low, high in (("steps", args.steps, 1, 100_000), ("rounds", args.rounds, 1, 100),
                                   ("seeds", args.seeds, 1, 100)):
        if not low <= value <= high:
            raise PlaygroundError("err.bad_setting", name=flag, low=low, high=high, value=str(value))
    check_config(TrainConfig(epochs=args.epochs))
    for budget in [*args.budgets, args.concurrency_budget]:
        check_config(TrainConfig(time_budget_s=budget))
    modes = [flag for flag, on in (("--cifar10", args.cifar10), ("--cats-dogs", args.cats_dogs),
                                    ("--concurrency", bool(args.concurrency))) if on]
    if len(modes) > 1:
        raise PlaygroundError("err.bad_choice", field="bench", choices="--cifar10, --cats-dogs or --concurrency",
                              value=" ".join(modes))
    if len(set(args.budgets)) < len(args.budgets):
        raise PlaygroundError("err.bad_choice", field="--budgets", choices="different seconds",
                              value=",".join(f"{b:g}" for b in args.budgets))
    dataset = "cifar10" if args.cifar10 else "cats-dogs" if args.cats_dogs else "mnist"
    if args.preset:
        if args.skip_accuracy and not modes:
            raise PlaygroundError("err.bad_choice", field="--preset", choices="--preset or --skip-accuracy",
                                  value="both")
        info = datasets.get(dataset)  # the network, on the dataset's images and classes, must fit: before any work
        layer_table(adapt_to_data(PRESETS[args.preset], *info.shape, len(info.classes)))
    for n in args.concurrency:
        if not 1 <= n <= MAX_CONCURRENCY:
            raise PlaygroundError("err.bad_setting", name="concurrency", low=1, high=MAX_CONCURRENCY, value=str(n))
    keep_freed_memory()  # as `train` does; the baseline's fresh interpreter keeps glibc's defaults
    from cnn_core.cli.bench import run_bench, run_concurrency, run_photo_budgets

    if args.cifar10 or args.cats_dogs:
        report = run_photo_budgets(args, dataset)
    else:
        report = run_concurrency(args) if args.concurrency else run_bench(args)
    print(json.dumps(report, indent=2))
    return 0


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad flag in one line (no usage block), exit status 2."""

    def error(self, message: str):
        self.exit(2, f"error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m cnn_core", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("summary", help="per-layer shapes, neurons, parameters and MACs")
    add_architecture_args(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_summary)

    p = sub.add_parser("train", help="train on a dataset and report the test accuracy")
    add_architecture_args(p)
    p.add_argument("--dataset", type=dataset_arg, default=datasets.DEFAULT,
                   help=f"{', '.join(datasets.names())} or folder:PATH")
    p.add_argument("--data-dir", help="where the datasets are (default: $CNN_PLAYGROUND_DATA_DIR)")
    p.add_argument("--no-download", action="store_true", help="never try to download")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--epochs", type=float, default=TrainConfig.epochs)
    group.add_argument("--time-budget", type=float, help="seconds of training")
    p.add_argument("--batch-size", type=int, default=TrainConfig.batch_size)
    p.add_argument("--lr", type=float, default=TrainConfig.lr)
    p.add_argument("--optimizer", choices=OPTIMIZERS, default=TrainConfig.optimizer)
    p.add_argument("--augment", action="store_true")
    p.add_argument("--precision", choices=PRECISIONS, default=TrainConfig.precision,
                   help="auto: bf16 mixed precision where the processor multiplies bf16, else fp32")
    p.add_argument("--image-size", type=int, default=DEFAULT_IMAGE_SIZE, help="side for folder: datasets")
    p.add_argument("--seed", type=int, default=TrainConfig.seed)
    p.add_argument("--save", help="write the trained model here (.cnn.zip)")
    p.add_argument("--ray", metavar="ADDRESS", default=None,
                   help="train on this Ray cluster: auto, host:port or ray://host:port (default: $CNN_PLAYGROUND_RAY_ADDRESS)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("fetch", help="download the datasets with torchvision (needs a network)")
    p.add_argument("--data-dir", help="where to put them (default: $CNN_PLAYGROUND_DATA_DIR)")
    p.add_argument("--datasets", default=",".join(datasets.names()))
    p.set_defaults(func=cmd_fetch)

    p = sub.add_parser("bench", help="training speed and accuracy, as one JSON object")
    p.add_argument("--data-dir", help="where the datasets are (default: $CNN_PLAYGROUND_DATA_DIR)")
    p.add_argument("--steps", type=int, default=100, help="timed steps for each loop in each round")
    p.add_argument("--rounds", type=int, default=3, help="interleaved rounds; medians are reported")
    p.add_argument("--epochs", type=float, default=TrainConfig.epochs, help="for the accuracy run")
    p.add_argument("--seeds", type=int, default=5,
                   help="accuracy runs (seeds 0, 1, …): each figure's mean and spread over them (default: 5)")
    p.add_argument("--augment", action="store_true",
                   help="the accuracy runs with the Train page's augmentation (random shifts), e.g. --epochs 7 for "
                        "99.5 %% within a minute")
    p.add_argument("--preset", choices=sorted(PRESETS), default=None,
                   help="the network of the accuracy runs, of --cifar10 and --cats-dogs, and of --concurrency (default: "
                        "tutorial, cifar for the photos); the speed figures are always the tutorial network's")
    p.add_argument("--skip-accuracy", action="store_true", help="only the speed figures")
    p.add_argument("--cifar10", action="store_true",
                   help="instead: CIFAR-10 test accuracy after each of --budgets seconds of training, over --seeds")
    p.add_argument("--cats-dogs", action="store_true",
                   help="instead: cats-and-dogs test accuracy after each of --budgets seconds of training, over --seeds")
    p.add_argument("--budgets", type=_float_list, default=PHOTO_BUDGETS_S,
                   help="seconds of training for --cifar10 and --cats-dogs, comma-separated (default: 30,300)")
    p.add_argument("--concurrency", type=_int_list, default=[],
                   help="instead: this many trainings at once on one server, e.g. 2,4,8, against one alone")
    p.add_argument("--concurrency-budget", type=float, default=10.0,
                   help="seconds of training of each of them (default: 10)")
    p.set_defaults(func=cmd_bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (PlaygroundError, env.SettingError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except OSError as err:  # a disk that fills up, a file that vanished: one line, not a traceback
        print(f"error: {err.strerror or err} ({err.filename or ''})", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130

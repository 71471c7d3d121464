"""The ``train`` and ``bench`` subcommands of ``python -m cnn_core``.

``bench`` prints one JSON object comparing, in the same run, this project's
training loop with the pytorch/examples style loop (a ``DataLoader`` with
per-sample ``ToTensor``/``Normalize``) and with the machine's fp32 matmul rate.
The baseline runs in a fresh interpreter, as ``python main.py`` would: both
commands change a process-wide setting (see :func:`~cnn_core.training.keep_freed_memory`)
that the usual loop does not have; the same loop is also timed in this process,
with that setting, and reported beside it.

Our loop is timed with the app's default settings, whose precision is "auto";
where that means bf16 mixed precision, the same loop is also timed in fp32 and
a bf16 matmul rate is measured, so every figure has its like-for-like partner.
Everything runs on the CPU, as the baseline and the matmul do.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import torch

from .architecture import PRESETS, adapt_to_data, layer_table
from .data import load_dataset
from .errors import PlaygroundError
from .model import build_model
from .training import (PRECISIONS, EvalEvent, History, StepEvent, TrainConfig, evaluate, keep_freed_memory,
                       resolve_precision, train)


def add_subcommands(sub, add_architecture_args) -> None:
    p = sub.add_parser("train", help="train on a dataset and report the test accuracy")
    add_architecture_args(p)
    p.add_argument("--dataset", default="mnist", help="mnist, fashion-mnist, cifar10 or folder:PATH")
    p.add_argument("--data-dir", help="where the datasets are (default: $CNN_PLAYGROUND_DATA_DIR)")
    p.add_argument("--no-download", action="store_true", help="never try to download")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--epochs", type=float)
    group.add_argument("--time-budget", type=float, help="seconds of training")
    p.add_argument("--batch-size", type=int, default=TrainConfig.batch_size)
    p.add_argument("--lr", type=float, default=TrainConfig.lr)
    p.add_argument("--optimizer", choices=["adam", "sgd"], default="adam")
    p.add_argument("--augment", action="store_true")
    p.add_argument("--precision", choices=PRECISIONS, default=TrainConfig.precision,
                   help="auto: bf16 mixed precision where the processor multiplies bf16, else fp32")
    p.add_argument("--image-size", type=int, default=64, help="side for folder: datasets")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--save", help="write the trained model here (.cnn.zip)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("fetch", help="download the datasets with torchvision (needs a network)")
    p.add_argument("--data-dir", help="where to put them (default: $CNN_PLAYGROUND_DATA_DIR)")
    p.add_argument("--datasets", default="mnist,fashion-mnist,cifar10")
    p.set_defaults(func=cmd_fetch)

    p = sub.add_parser("bench", help="training speed and accuracy, as one JSON object")
    p.add_argument("--data-dir", help="where MNIST is (default: $CNN_PLAYGROUND_DATA_DIR)")
    p.add_argument("--steps", type=int, default=100, help="timed steps for each loop in each round")
    p.add_argument("--rounds", type=int, default=3, help="interleaved rounds; medians are reported")
    p.add_argument("--epochs", type=float, default=TrainConfig.epochs, help="for the accuracy run")
    p.add_argument("--skip-accuracy", action="store_true", help="only the speed figures")
    p.add_argument("--json", action="store_true", help="(always JSON; accepted for symmetry)")
    p.set_defaults(func=cmd_bench)


def _progress_bar(event: StepEvent) -> None:
    width = 30
    filled = int(event.progress * width)
    sys.stderr.write(
        f"\r[{'#' * filled}{'.' * (width - filled)}] {event.progress:5.1%}  loss {event.loss:.4f}  "
        f"{event.images_per_s:,.0f} img/s  {event.eta_s:4.0f} s left "
    )
    sys.stderr.flush()


def cmd_train(args: argparse.Namespace) -> int:
    from .cli import architecture_from_args
    from . import checkpoint

    keep_freed_memory()
    data = load_dataset(args.dataset, args.data_dir, download=not args.no_download, image_size=args.image_size)
    base = architecture_from_args(args)
    h, w, c = data.shape
    arch = adapt_to_data(base, h, w, c, data.num_classes)
    layer_table(arch)  # the dataset's size may not fit the architecture: say so before training
    cfg = TrainConfig(
        epochs=args.epochs if args.epochs is not None else TrainConfig.epochs,
        time_budget_s=args.time_budget, batch_size=args.batch_size, lr=args.lr,
        optimizer=args.optimizer, augment=args.augment, hflip=data.mirror_safe,
        seed=args.seed, precision=args.precision,
    )
    torch.manual_seed(args.seed)
    model = build_model(arch)
    history = History()
    quiet = args.json or not sys.stderr.isatty()

    def on_event(event):
        history(event)
        if isinstance(event, StepEvent) and not quiet and event.step % 10 == 0:
            _progress_bar(event)

    result = train(model, data, cfg, on_event=on_event)
    if not quiet:
        sys.stderr.write("\n")
    if args.save:
        checkpoint.save(args.save, model, data.classes, dataset=data.name,
                        test_accuracy=result.test_accuracy)
    out = {"dataset": data.name, "reason": result.reason, "test_accuracy": result.test_accuracy,
           "seconds": round(result.seconds, 2), "images_per_s": round(result.images_per_s, 1),
           "steps": result.steps, "precision": result.precision, "architecture": arch.to_dict()}
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        print(f"test accuracy {result.test_accuracy:.4f} after {result.seconds:.1f} s "
              f"({result.images_per_s:,.0f} images/s, {result.precision}, {result.reason})")
    return 0 if result.reason != "nan" else 1


def cmd_fetch(args: argparse.Namespace) -> int:
    failed = False
    for name in args.datasets.split(","):
        try:
            data = load_dataset(name.strip(), args.data_dir, download=True)
            print(f"{name}: {len(data.train_y):,} training and {len(data.test_y):,} test images")
        except PlaygroundError as err:
            print(f"{name}: {err}", file=sys.stderr)
            failed = True
    return 2 if failed else 0


# ------------------------------------------------------------------ benchmark

def matmul_gflops(n: int = 2048, repeats: int = 10, dtype: torch.dtype = torch.float32) -> float:
    a, b = torch.randn(n, n).to(dtype), torch.randn(n, n).to(dtype)
    a @ b  # warm-up
    t0 = time.perf_counter()
    for _ in range(repeats):
        a @ b
    return 2 * n ** 3 * repeats / (time.perf_counter() - t0) / 1e9


def train_step_flops(arch, batch_size: int) -> int:
    """FLOPs of one training step (forward and backward), counted by torch itself."""
    from torch.utils.flop_counter import FlopCounterMode

    model = build_model(arch)
    x = torch.rand(batch_size, arch.in_channels, arch.in_height, arch.in_width)
    y = torch.randint(0, arch.num_classes, (batch_size,))
    with FlopCounterMode(display=False) as counter:
        torch.nn.functional.cross_entropy(model(x), y).backward()
    return counter.get_total_flops()


def baseline_images_per_s(arch, data_dir, steps: int, batch_size: int) -> float:
    """The pytorch/examples ``mnist/main.py`` loop: DataLoader + per-sample PIL transforms, Adadelta."""
    from torchvision import datasets, transforms

    tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    ds = datasets.MNIST(str(data_dir), train=True, download=False, transform=tf)
    loader = torch.utils.data.DataLoader(ds, batch_size=batch_size, shuffle=True)
    model = build_model(arch, seed=0)
    opt = torch.optim.Adadelta(model.parameters(), lr=1.0)
    model.train()
    seen, t0 = 0, time.perf_counter()
    for i, (x, y) in enumerate(loader):
        if i == 5:  # warm-up done
            t0, seen = time.perf_counter(), 0
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        seen += len(y)
        if i >= steps + 5:
            break
    return seen / (time.perf_counter() - t0)


def our_images_per_s(arch, data, steps: int, batch_size: int, precision: str = TrainConfig.precision) -> float:
    """Images/s of :func:`train` on the CPU over ``steps`` steps after a warm-up, wall clock, evaluation off."""
    model = build_model(arch, seed=0)
    marks: list[float] = []

    def on_event(event):
        if isinstance(event, StepEvent) and event.step in (5, steps + 5):
            marks.append(time.perf_counter())

    cfg = TrainConfig(epochs=(steps + 5) / math.ceil((len(data.train_y) - 2000) / batch_size),
                      batch_size=batch_size, val_size=2000, eval_every_s=1e9, device="cpu",
                      precision=precision)
    train(model, data, cfg, on_event=on_event, evaluate_test=False)
    return steps * batch_size / (marks[1] - marks[0])


def median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def cmd_bench(args: argparse.Namespace) -> int:
    """Speed figures interleaved over rounds (this machine's speed drifts), medians reported."""
    from .data import default_data_dir

    keep_freed_memory()  # as `train` does; the baseline's fresh interpreter keeps glibc's defaults
    data_dir = args.data_dir or default_data_dir()
    data = load_dataset("mnist", data_dir, download=False)
    arch = PRESETS["tutorial"]
    batch = TrainConfig.batch_size
    examples_batch = 64  # pytorch/examples mnist/main.py's default --batch-size
    precision = resolve_precision(TrainConfig.precision, torch.device("cpu"))  # the app's default, here
    mixed = precision == "bf16"
    loops = ["matmul", "ours", "baseline", "baseline_same_batch", "baseline_in_this_process"]
    loops += ["matmul_bf16", "ours_fp32"] if mixed else []
    rounds: dict[str, list[float]] = {name: [] for name in loops}
    # One fresh interpreter, started before anything here trains, runs the baseline every round.
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as fresh:
        # Its first run is slower (a cold interpreter); time it warm, as ours is.
        fresh.submit(baseline_images_per_s, arch, data_dir, args.steps, examples_batch).result()
        for _ in range(args.rounds):
            rounds["matmul"].append(matmul_gflops())
            rounds["ours"].append(our_images_per_s(arch, data, args.steps, batch))
            if mixed:
                rounds["matmul_bf16"].append(matmul_gflops(dtype=torch.bfloat16))
                rounds["ours_fp32"].append(our_images_per_s(arch, data, args.steps, batch, precision="fp32"))
            rounds["baseline"].append(fresh.submit(
                baseline_images_per_s, arch, data_dir, args.steps, examples_batch).result())
            rounds["baseline_same_batch"].append(fresh.submit(
                baseline_images_per_s, arch, data_dir, args.steps, batch).result())
            rounds["baseline_in_this_process"].append(
                baseline_images_per_s(arch, data_dir, args.steps, examples_batch))
    flops_per_image = train_step_flops(arch, batch) / batch
    ips = median(rounds["ours"])
    matmul = median(rounds["matmul"])
    baseline = median(rounds["baseline"])
    baseline_same = median(rounds["baseline_same_batch"])
    baseline_here = median(rounds["baseline_in_this_process"])

    def figures(images_per_s: float) -> dict:
        gflops = flops_per_image * images_per_s / 1e9
        return {"images_per_s": round(images_per_s, 1), "train_gflops": round(gflops, 1),
                "ratio_to_matmul": round(gflops / matmul, 3),
                "speedup_vs_baseline": round(images_per_s / baseline, 2)}

    ours = figures(ips)
    out: dict = {
        "device": "cpu", "threads": torch.get_num_threads(), "architecture": "tutorial", "batch_size": batch,
        "rounds": args.rounds, "precision": precision, "matmul_gflops": round(matmul, 1),
        "train_gflops": ours["train_gflops"],
        "ratio_to_matmul": ours["ratio_to_matmul"],
        "images_per_s": ours["images_per_s"],
        "baseline_images_per_s": round(baseline, 1),
        "baseline_batch_size": examples_batch,
        "speedup_vs_baseline": ours["speedup_vs_baseline"],
        # The same loop in fp32, like for like with the fp32 matmul and the fp32 baseline.
        "fp32": figures(median(rounds["ours_fp32"])) if mixed else ours,
        "baseline_same_batch_images_per_s": round(baseline_same, 1),
        "speedup_vs_baseline_same_batch": round(ips / baseline_same, 2),
        "baseline_in_this_process_images_per_s": round(baseline_here, 1),
        "speedup_vs_baseline_in_this_process": round(ips / baseline_here, 2),
        "train_mflop_per_image": round(flops_per_image / 1e6, 2),
    }
    if mixed:  # the mixed-precision loop against the machine's bf16 matmul, its own like-for-like
        bf16_matmul = median(rounds["matmul_bf16"])
        out["bf16_matmul_gflops"] = round(bf16_matmul, 1)
        out["ratio_to_bf16_matmul"] = round(ours["train_gflops"] / bf16_matmul, 3)
    out["per_round"] = {k: [round(v, 1) for v in vals] for k, vals in rounds.items()}
    out.update(draw_latency_ms())
    if not args.skip_accuracy:
        out.update(accuracy_run(arch, data, args.epochs))
    print(json.dumps(out, indent=2))
    return 0


def accuracy_run(arch, data, epochs: float) -> dict:
    """The app's default settings; the test set is scored at every validation point."""
    torch.manual_seed(0)
    model = build_model(arch)
    curve: list[tuple[float, float]] = []

    def on_event(event):
        if isinstance(event, EvalEvent):
            _, acc, _ = evaluate(model, data.test_x, data.test_y)
            curve.append((event.seconds, acc))

    result = train(model, data, TrainConfig(epochs=epochs, device="cpu"), on_event=on_event)

    def first(threshold):
        return next((round(s, 1) for s, a in curve if a >= threshold), None)

    return {"seconds_to_98": first(0.98), "seconds_to_99": first(0.99),
            "test_accuracy": round(result.test_accuracy, 4), "train_seconds": round(result.seconds, 1),
            "accuracy_precision": result.precision,
            "accuracy_curve": [[round(s, 1), round(a, 4)] for s, a in curve]}


def draw_latency_ms(repeats: int = 50) -> dict:
    """Server time from a canvas image to probabilities and feature maps, as the Draw page computes them."""
    import numpy as np

    from .inspection import tile_maps, trace
    from .preprocess import ink_from_rgba, prepare_digit
    from .pretrained import load_pretrained

    model = load_pretrained().model
    rgba = np.zeros((280, 280, 4), dtype=np.uint8)
    rgba[60:220, 130:150] = 255  # a "1"
    trace(model, prepare_digit(ink_from_rgba(rgba)).tensor())  # warm-up
    t0 = time.perf_counter()
    for _ in range(repeats):
        result = trace(model, prepare_digit(ink_from_rgba(rgba)).tensor())
        for block in result.blocks:
            tile_maps(block.pool[:64], cols=16)
    return {"draw_ms": round((time.perf_counter() - t0) / repeats * 1000, 2)}

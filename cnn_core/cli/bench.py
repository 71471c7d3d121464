"""Benchmarks: ``python -m cnn_core bench`` and the figures ``benchmarks/bench_app.py`` reuses.

:func:`run_bench` returns one JSON object comparing, in the same run, this project's
training loop with the pytorch/examples style loop (a ``DataLoader`` with
per-sample ``ToTensor``/``Normalize``) and with the machine's fp32 matmul rate.
The baseline runs in a fresh interpreter, as ``python main.py`` would: both
commands change a process-wide setting (see :func:`~cnn_core.base.process.keep_freed_memory`)
that the usual loop does not have; the same loop is also timed in this process,
with that setting, and reported beside it.

Our loop is timed with the app's default settings, whose precision is "auto";
where that means bf16 mixed precision, the same loop is also timed in fp32 and
a bf16 matmul rate is measured, so every figure has its like-for-like partner.
Everything runs on the CPU, as the baseline and the matmul do. Its ``profile`` says where the
rest of the matmul rate goes: :func:`layer_profile`, the same loop under torch's profiler.

``--concurrency 2,4,8`` measures a shared server: :func:`run_concurrency` starts that many
trainings at once through the app's own :class:`~cnn_core.train.jobs.Scheduler` and reports every
training's images and the total images per second against one training alone, measured in the same run.

``--cifar10`` and ``--cats-dogs`` measure something else: :func:`run_photo_budgets` trains the
``cifar`` preset on CIFAR-10 (or its two-class cats and dogs) for each time budget
(30 s and 300 s by default), a fresh network for each budget and seed, and reports
the test accuracy's mean and spread over the seeds, and every run's curve.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor

import torch

from cnn_core.data.loading import default_data_dir, load_dataset
from cnn_core.nn.architecture import PRESETS, adapt_to_data, layer_table, totals
from cnn_core.nn.model import build_model
from cnn_core.train.config import TrainConfig
from cnn_core.train.trainer import EvalEvent, StepEvent, evaluate, held_out, resolve_precision, train


def matmul_gflops(n: int = 2048, min_s: float = 1.0, min_repeats: int = 3,
                  dtype: torch.dtype = torch.float32) -> float:
    """The machine's matmul rate: n × n products repeated for at least ``min_s`` seconds (and ``min_repeats``
    times) after a warm-up. Bounded by time, not a count: ten products were 0.3 s on an idle 8-thread machine
    and 4.6 CPU-seconds in a test process with one thread."""
    a, b = torch.randn(n, n).to(dtype), torch.randn(n, n).to(dtype)
    a @ b  # warm-up
    repeats, t0 = 0, time.perf_counter()
    while repeats < min_repeats or time.perf_counter() - t0 < min_s:
        a @ b
        repeats += 1
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
    # Row-major, as the examples' own network is (build_model lays the app's out channels-last, for its images).
    model = build_model(arch, seed=0).to(memory_format=torch.contiguous_format)
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


# The profile's groups: each aten operator the training step runs, by what it does (the rest is "other").
OP_GROUPS = {
    "conv_forward": ("convolution", "mkldnn_convolution", "_convolution", "conv2d"),
    "conv_backward": ("convolution_backward", "mkldnn_convolution_backward"),
    "pool": ("max_pool2d", "max_pool2d_with_indices", "max_pool2d_with_indices_backward", "avg_pool2d",
             "avg_pool2d_backward"),
    "relu": ("relu", "relu_", "threshold_backward", "clamp_min", "clamp_min_"),
    "dense": ("linear", "addmm", "mm", "t"),
    "precision_casts": ("to", "_to_copy", "copy_"),
    "optimizer": ("_fused_adam", "_fused_adam_", "_foreach_add_", "_foreach_mul_", "_foreach_addcmul_",
                  "_foreach_addcdiv_", "_foreach_sqrt", "_foreach_div_", "_foreach_lerp_", "_foreach_maximum_",
                  "_foreach_add", "_foreach_mul", "_foreach_sqrt_", "_foreach_neg", "_foreach_pow", "_foreach_sub",
                  "_foreach_div", "_foreach_reciprocal_", "_foreach_addcmul", "lerp_", "addcdiv_", "addcmul_",
                  "Optimizer.step#Adam.step", "Optimizer.zero_grad#Adam.zero_grad", "FusedAdam.step",
                  "NesterovSGD.step"),
    # new buffers, and the zeros a backward pass starts from (max-pooling's gradient is scattered into them)
    "allocation_and_zeroing": ("fill_", "zero_", "zeros", "zeros_like", "empty", "empty_strided", "empty_like"),
    # the training loop's own Python between operators (events for the page, the schedule, the clock)
    "python_loop": ("ProfilerStep*",),
    "loss": ("cross_entropy_loss", "log_softmax", "_log_softmax", "_log_softmax_backward_data", "nll_loss",
             "nll_loss_forward", "nll_loss_backward", "nll_loss_nd"),
    "batch_gather": ("index", "index_select", "div_", "contiguous", "clone"),
    "gradient_norms": ("sum", "pow", "linalg_vector_norm", "norm", "stack", "_foreach_norm"),  # the page's curves
}


def layer_profile(arch, data, batch_size: int, precision: str, steps: int = 20) -> dict:
    """Where a training step's time goes: :func:`train` itself under torch's profiler for ``steps`` steps after
    a warm-up (one run, not a median; the profiler adds about a sixth to a step), each aten operator's own time
    summed by group (:data:`OP_GROUPS`), each convolution layer's forward and backward by its input's shape (the
    same operators as the groups' ``conv_forward`` and ``conv_backward``; bf16 casts are counted apart), with the
    FLOPs torch counts for that layer and the rate it ran at."""
    from torch.profiler import ProfilerActivity, profile, schedule
    from torch.utils.flop_counter import FlopCounterMode

    model = build_model(arch, seed=0)
    warmup = 5
    with profile(activities=[ProfilerActivity.CPU], record_shapes=True,
                 schedule=schedule(wait=0, warmup=warmup, active=steps, repeat=1)) as prof:
        def on_event(event):
            if isinstance(event, StepEvent):
                prof.step()

        trained_on = len(data.train_y) - held_out(len(data.train_y), 2000)
        cfg = TrainConfig(epochs=(steps + warmup + 1) / math.ceil(trained_on / batch_size),
                          batch_size=batch_size, val_size=2000, eval_every_s=1e9, device="cpu",
                          precision=precision)
        train(model, data, cfg, on_event=on_event, evaluate_test=False)
    events = prof.key_averages(group_by_input_shape=True)
    total_us = sum(e.self_cpu_time_total for e in events)
    groups = dict.fromkeys(OP_GROUPS, 0.0) | {"other": 0.0}
    for e in events:
        op = e.key.removeprefix("aten::")
        group = next((g for g, ops in OP_GROUPS.items() if op in ops or e.key in ops), "other")
        groups[group] += e.self_cpu_time_total
    # Each convolution layer's FLOPs (forward and backward), counted by torch on one step of this batch size.
    model = build_model(arch, seed=0)
    x = torch.rand(batch_size, arch.in_channels, arch.in_height, arch.in_width)
    with FlopCounterMode(display=False) as counter:
        torch.nn.functional.cross_entropy(model(x), torch.zeros(batch_size, dtype=torch.long)).backward()
    flops = counter.get_flop_counts()
    name = type(model).__name__

    def conv_flops_of(i: int) -> int:
        return sum(flops.get(f"{name}.blocks.{i}.conv", {}).values())

    # Each block's input and kernel shapes, which tell its convolution's operators apart from the others' (with two
    # blocks per pooling, neighbours read maps of one shape: conv2 and conv3 of cifar_deep both read 16×16×48).
    shapes = [[batch_size, arch.in_channels, arch.in_height, arch.in_width]]
    with torch.no_grad():
        for block in model.blocks:
            shapes.append(list(block(torch.zeros(shapes[-1])).shape))
    forward_ops = {f"aten::{op}" for op in OP_GROUPS["conv_forward"]}
    layers = []
    kernels = [list(block.conv.weight.shape) for block in model.blocks]
    for i, block in enumerate(model.blocks):
        shape, kernel = shapes[i], kernels[i]
        forward = sum(e.self_cpu_time_total for e in events
                      if e.key in forward_ops and len(e.input_shapes) > 1 and list(e.input_shapes[0]) == shape
                      and list(e.input_shapes[1]) == kernel)
        backward = sum(e.self_cpu_time_total for e in events if e.key == "aten::convolution_backward"
                       and len(e.input_shapes) > 2 and list(e.input_shapes[1]) == shape
                       and list(e.input_shapes[2]) == kernel)
        # Blocks whose inputs and kernels have the same shapes cannot be told apart: they share their time evenly.
        shared = sum(1 for s, k in zip(shapes[:-1], kernels) if s == shape and k == kernel)
        forward, backward = forward / shared, backward / shared
        seconds = (forward + backward) / 1e6 / steps
        layers.append({"layer": f"conv {i + 1}", "input": shape[1:], "filters": block.conv.out_channels,
                       "forward_ms": round(forward / 1e3 / steps, 2), "backward_ms": round(backward / 1e3 / steps, 2),
                       "gflop": round(conv_flops_of(i) / 1e9, 3),
                       "gflops_per_s": round(conv_flops_of(i) / seconds / 1e9, 1) if seconds else None,
                       **({"time_split_evenly_with": shared - 1} if shared > 1 else {})})
    conv_us = groups["conv_forward"] + groups["conv_backward"]
    conv_flops = sum(conv_flops_of(i) for i in range(len(model.blocks)))
    return {"steps": steps, "batch_size": batch_size, "precision": precision,
            "step_ms": round(total_us / 1e3 / steps, 2),
            # The convolutions carry nearly all the FLOPs: their own rate, and the share of the step they take.
            "conv_share_of_flops": round(conv_flops / sum(flops.get("Global", {}).values()), 3),
            "conv_share_of_time": round(conv_us / total_us, 3) if total_us else None,
            "conv_gflops_per_s": round(conv_flops / (conv_us / 1e6 / steps) / 1e9, 1) if conv_us else None,
            "groups_ms": {g: round(us / 1e3 / steps, 2) for g, us in groups.items()},
            "groups_share": {g: round(us / total_us, 3) for g, us in groups.items()} if total_us else {},
            "conv_layers": layers}


def preset_for(args: argparse.Namespace, data, default: str):
    """(name, network) a bench mode trains: ``--preset`` or the mode's ``default``, adapted to ``data``'s images
    and classes (``cmd_bench`` has checked it fits before any work)."""
    name = getattr(args, "preset", None) or default
    h, w, c = data.shape
    return name, adapt_to_data(PRESETS[name], h, w, c, data.num_classes)


def median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def run_bench(args: argparse.Namespace) -> dict:
    """Speed figures interleaved over rounds (this machine's speed drifts), medians reported; then one profiled
    run of the same loop (``profile``), the Draw page's latency and, unless skipped, accuracy over seeds."""
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
    # Where the rest of the matmul rate goes: the step's time by operator group and each conv layer's own rate.
    out["profile"] = layer_profile(arch, data, batch, precision, steps=max(args.steps, 5))
    out.update(draw_latency_ms())
    if not args.skip_accuracy:
        # The accuracy runs' network (the speed figures are the tutorial's), adapted to MNIST's digits and classes.
        preset, accuracy_arch = preset_for(args, data, "tutorial")
        out["accuracy_architecture"] = preset
        out["accuracy_params"] = totals(layer_table(accuracy_arch)).params
        out.update(accuracy_over_seeds(accuracy_arch, data, args.epochs, args.seeds, getattr(args, "augment", False)))
    return out


ACCURACY_MARKS = {"98": 0.98, "99": 0.99, "99_5": 0.995}  # the targets: seconds of training to each
ACCURACY_EVAL_EVERY_S = 0.5  # scored this often (outside the training seconds): the seconds to a mark to ±0.5 s


def accuracy_run(arch, data, epochs: float, seed: int = 0, augment: bool = False) -> dict:
    """The app's default settings for ``seed`` (``augment``: with the Train page's augmentation box ticked, random
    shifts); the test set is scored at every validation point."""
    model = build_model(arch, seed=seed)
    curve: list[tuple[float, float]] = []

    def on_event(event):
        # (a point on the training's last step is followed by the end's, at the same second and weights: once)
        if isinstance(event, EvalEvent) and not (curve and curve[-1][0] == event.seconds):
            _, acc, _ = evaluate(model, data.test_x, data.test_y)
            curve.append((event.seconds, acc))

    cfg = TrainConfig(epochs=epochs, device="cpu", seed=seed, eval_every_s=ACCURACY_EVAL_EVERY_S, augment=augment)
    # The training's last validation point is its end (train's final EvalEvent), where the test set was just
    # scored above: scoring it again in train() would be a second pass over the same images with the same weights.
    result = train(model, data, cfg, on_event=on_event, evaluate_test=False)
    test_accuracy = curve[-1][1] if curve and curve[-1][0] == result.seconds else evaluate(
        model, data.test_x, data.test_y)[1]

    def first(threshold):
        return next((round(s, 1) for s, a in curve if a >= threshold), None)

    return {"seed": seed, "augment": augment, "reason": result.reason,
            **{f"seconds_to_{mark}": first(level) for mark, level in ACCURACY_MARKS.items()},
            "test_accuracy": round(test_accuracy, 4), "train_seconds": round(result.seconds, 1),
            "accuracy_precision": result.precision,
            "accuracy_curve": [[round(s, 1), round(a, 4)] for s, a in curve]}


def spread(values: list) -> dict:
    """Mean, lowest and highest of one figure over the seeds; a mark some seed never reached has no mean."""
    reached = [v for v in values if v is not None]
    return {"mean": round(sum(reached) / len(reached), 4) if reached and len(reached) == len(values) else None,
            "min": min(reached, default=None), "max": max(reached, default=None),
            "reached": f"{len(reached)} of {len(values)}"}


def accuracy_over_seeds(arch, data, epochs: float, seeds: int, augment: bool = False) -> dict:
    """:func:`accuracy_run` for seeds 0 … ``seeds`` − 1: each figure's mean and spread, and every run's curve."""
    runs = [accuracy_run(arch, data, epochs, seed, augment) for seed in range(seeds)]
    figures = [f"seconds_to_{mark}" for mark in ACCURACY_MARKS] + ["test_accuracy", "train_seconds"]
    return {"seeds": seeds, "accuracy_epochs": epochs, "accuracy_augment": augment,
            "accuracy_precision": runs[0]["accuracy_precision"],
            **{name: spread([r[name] for r in runs]) for name in figures}, "accuracy_runs": runs}


def draw_latency_ms(repeats: int = 50) -> dict:
    """Server time from a canvas image to probabilities and feature maps, as the Draw page computes them."""
    import numpy as np

    from cnn_core.data.preprocess import ink_from_rgba, prepare_digit
    from cnn_core.nn.inspection import tile_maps, trace
    from cnn_core.nn.pretrained import load_pretrained

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



CURVE_POINTS = 10  # each budget's run scores the test set this many times on the way (its accuracy-to-time curve)


def photo_run(arch, data, budget_s: float, seed: int) -> dict:
    """One fresh network trained for ``budget_s`` seconds with the app's defaults, the Train page's augmentation
    and mirror images where the dataset allows them (photos: a mirrored cat is a cat); the test set scored at
    ``CURVE_POINTS`` validation points on the way (outside the training seconds) and at the end."""
    model = build_model(arch, seed=seed)
    points: list[tuple[int, float, float]] = []  # (step, training seconds, test accuracy)

    def on_event(event):
        # (a point on the training's last step is followed by the end's, at the same step and weights: once)
        if isinstance(event, EvalEvent) and not (points and points[-1][0] == event.step):
            points.append((event.step, event.seconds, evaluate(model, data.test_x, data.test_y)[1]))

    cfg = TrainConfig(time_budget_s=budget_s, augment=True, hflip=data.mirror_safe, device="cpu", seed=seed,
                      probe_every_s=None, eval_every_s=budget_s / CURVE_POINTS)
    result = train(model, data, cfg, on_event=on_event, evaluate_test=False)
    if not (points and points[-1][0] == result.steps):  # no validation point at the end (no step, or none held out)
        points.append((result.steps, result.seconds, evaluate(model, data.test_x, data.test_y)[1]))
    trained_on = len(data.train_y) - held_out(len(data.train_y), cfg.val_size)
    return {"budget_s": budget_s, "seed": seed, "reason": result.reason, "test_accuracy": round(points[-1][2], 4),
            "train_seconds": round(result.seconds, 2), "images_per_s": round(result.images_per_s, 1),
            "epochs": round(result.steps * cfg.batch_size / max(trained_on, 1), 2),
            "steps": result.steps, "precision": result.precision,
            "accuracy_curve": [[round(seconds, 2), round(acc, 4)] for _, seconds, acc in points]}


def run_photo_budgets(args: argparse.Namespace, dataset: str) -> dict:
    """Test accuracy on ``dataset`` (CIFAR-10 or its cats and dogs) after each of ``args.budgets`` seconds of
    training, over ``args.seeds`` seeds: ``args.preset`` (the ``cifar`` preset unless named), adapted to the
    dataset's images and classes, as :func:`photo_run` trains it; each budget's mean and spread, every run's curve."""
    data_dir = args.data_dir or default_data_dir()
    data = load_dataset(dataset, data_dir, download=False)
    h, w, c = data.shape
    preset, arch = preset_for(args, data, "cifar")
    runs = [photo_run(arch, data, budget, seed) for budget in args.budgets for seed in range(args.seeds)]
    after = {f"{budget:g}": spread([r["test_accuracy"] for r in runs if r["budget_s"] == budget])
             for budget in args.budgets}
    return {"dataset": dataset, "architecture": preset, "params": totals(layer_table(arch)).params,
            "input": [h, w, c], "train_images": len(data.train_y), "test_images": len(data.test_y),
            "augment": True, "hflip": data.mirror_safe, "device": "cpu", "threads": torch.get_num_threads(),
            "seeds": args.seeds, "accuracy_after_s": after, "runs": runs}


def _trained_images(job) -> float:
    result = job.snapshot().result
    return result.images_per_s * result.seconds if result is not None else 0.0


def _together(arch, data, n: int, budget_s: float) -> dict:
    """``n`` trainings of ``budget_s`` seconds started at once on one server, as ``n`` students pressing Train."""
    from cnn_core.train.executors import LocalExecutor
    from cnn_core.train.jobs import Scheduler

    executor = LocalExecutor(Scheduler())  # the app's: as many at once as the cores allow, the others queue
    t0 = time.perf_counter()
    jobs = [executor.start(build_model(arch, seed=i), data, TrainConfig(time_budget_s=budget_s, seed=i, device="cpu"))
            for i in range(n)]
    for job in jobs:
        job.wait()
    wall = time.perf_counter() - t0
    images = [_trained_images(job) for job in jobs]
    fair = sum(images) / n
    return {"trainings": n, "wall_s": round(wall, 1), "total_images_per_s": round(sum(images) / wall, 1),
            "images_each": [round(i) for i in images],
            "largest_gap_to_fair_share": round(max(abs(i - fair) for i in images) / fair, 3) if fair else None,
            "statuses": [job.snapshot().status for job in jobs]}


def run_concurrency(args: argparse.Namespace, data=None) -> dict:
    """Total images per second of 2, 4, 8 … trainings pressed at once against one alone, in the same run; each
    training's images against its fair share (the mean). Start, queueing and final evaluations are in the wall.
    ``data``: MNIST unless given."""
    if data is None:
        data = load_dataset("mnist", args.data_dir or default_data_dir(), download=False)
    preset, arch = preset_for(args, data, "tutorial")
    one = _together(arch, data, 1, args.concurrency_budget)
    rows = [_together(arch, data, n, args.concurrency_budget) for n in args.concurrency]
    for row in rows:
        row["ratio_to_one"] = round(row["total_images_per_s"] / one["total_images_per_s"], 3)
    return {"architecture": preset, "budget_s": args.concurrency_budget, "cores": os.cpu_count(),
            "one": one, "together": rows}

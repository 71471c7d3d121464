"""Server time of building the app's Plotly figures, as JSON: the milliseconds each figure costs a page run.

The Train page rebuilds its live curves and gradient curves once a second for
every visitor watching a training, the Architecture page its diagram at every
slider change, Draw its probabilities at every stroke: on a shared 2-core
server this is CPU that every student's page run pays. Each figure is built
from realistic inputs (a 400-point live plot with three epoch marks, the
tutorial network's diagram, …) and also turned into the dict Streamlit sends
(``to_dict``), in Spanish; built cold (every percentage written afresh) and warm.

    python -m benchmarks.bench_figures [--repeats 15] [--baseline-rev REV ...]

``--baseline-rev REV`` (repeatable) measures the same figures in that git
revision's tree first (extracted with ``git archive``), each tree in a fresh
Python process, back to back, so the figures come from the same machine load.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve()


def cases():
    """(name, function building one figure) for each figure measured; imported from the tree on sys.path."""
    import torch

    from cnn_core.nn.architecture import PRESETS, layer_table
    from cnn_core.train.trainer import EvalEvent, GradEvent, StepEvent
    from ui.charts import figures
    from ui.sections.learning import gradient_curves
    from ui.sections.train import PLOT_POINTS

    labels = {k: k for k in ("loss", "accuracy", "train", "validation", "step", "epoch", "train_epoch")}
    n = PLOT_POINTS  # the live plot's points
    steps = [StepEvent(i * 5, i * 5 / 600, 2.3 / (1 + i / 40), min(0.99, i / 300), 1e-3, i * 0.05, 2000.0,
                       i / n, 10.0) for i in range(1, n + 1)]  # three and a third epochs: three epoch marks
    evals = [EvalEvent(i * 5, i * 0.05, 2 / (1 + i / 40), min(0.99, i / 300)) for i in range(50, n + 1, 50)]
    grads = [GradEvent(s.step, tuple(0.01 * (1 + k) / (1 + s.step / 500) for k in range(5))) for s in steps[::4]]
    layers = layer_table(PRESETS["tutorial"])
    hover = {layer.name: f"{layer.name} {layer.output_shape}" for layer in layers}
    names = {layer.name: layer.name for layer in layers}
    gen = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (16, 1, 28, 28), dtype=torch.uint8, generator=gen)
    probs = torch.softmax(torch.randn(10, generator=gen), 0).tolist()
    classes = [str(i) for i in range(10)]
    return {
        "live_curves_400_points": lambda: figures.training_curves(steps, evals, labels),
        "empty_curves": lambda: figures.training_curves([], [], labels),
        "gradient_curves_100_points": lambda: gradient_curves(grads, [f"layer {k}" for k in range(5)], "grads",
                                                              "step", (steps[0].step, steps[-1].step)),
        "network_diagram_tutorial": lambda: figures.network_diagram(layers, hover, "diagram", names),
        "probabilities_10": lambda: figures.probabilities(probs, classes, "probabilities"),
        "heatmap_28x28": lambda: figures.heatmap(images[0, 0].float(), "image", height=300),
        "confusion_10x10": lambda: figures.confusion(torch.randint(0, 100, (10, 10), generator=gen), classes,
                                                     {"title": "t", "predicted": "p", "true": "t"}),
        "image_grid_16": lambda: figures.image_grid(images, [f"{i}" for i in range(16)]),
        "loss_curves_5_epochs": lambda: figures.loss_curves([1, .8, .6, .5, .45], [1.1, .9, .8, .8, .85], labels),
    }


def measure(repeats: int) -> dict:
    """Each case's median build and ``to_dict`` milliseconds, in this process (the tree on sys.path).

    ``build_ms``: every percentage written afresh (a tree that keeps written percentages has them forgotten
    before each build); ``build_warm_ms``: built again from the same values, as the live plot's next second
    mostly is, where a tree keeps them."""
    from cnn_core.base import numbers
    from ui.base.i18n import held_lang

    forget = getattr(getattr(numbers, "_percent_of_float", None), "cache_clear", lambda: None)
    out = {}
    with held_lang():  # outside a session: the default language, Spanish
        for name, build in cases().items():
            build()  # first call: imports
            builds, warm, dicts = [], [], []
            for _ in range(repeats):
                forget()
                t0 = time.perf_counter()
                fig = build()
                t1 = time.perf_counter()
                fig.to_dict()
                t2 = time.perf_counter()
                build()
                builds.append((t1 - t0) * 1000)
                dicts.append((t2 - t1) * 1000)
                warm.append((time.perf_counter() - t2) * 1000)
            out[name] = {"build_ms": round(statistics.median(builds), 2),
                         "build_warm_ms": round(statistics.median(warm), 2),
                         "to_dict_ms": round(statistics.median(dicts), 2)}
    return out


def measure_tree(tree: Path, repeats: int) -> dict:
    """:func:`measure` in a fresh Python with ``tree`` first on its path."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run([sys.executable, str(HERE), "--child", "--repeats", str(repeats)], cwd=tree, env=env,
                          check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--baseline-rev", action="append", default=[], help="a git revision to measure first")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure(args.repeats)))
        return 0
    from benchmarks.bench_first_point import REPO, extract

    trees = {**{f"baseline {rev}": extract(rev) for rev in args.baseline_rev}, "current": REPO}
    report = {"repeats": args.repeats, "language": "es", "trees": {}}
    try:
        for label, tree in trees.items():
            report["trees"][label] = measure_tree(tree, args.repeats)
    finally:
        for label, tree in trees.items():
            if label != "current":
                shutil.rmtree(tree, ignore_errors=True)
    if len(trees) > 1:
        current = report["trees"]["current"]
        report["speedup_build"] = {
            label: {name: round(figures[name]["build_ms"] / current[name]["build_ms"], 2)
                    for name in current if name in figures and current[name]["build_ms"] > 0}
            for label, figures in report["trees"].items() if label != "current"}
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

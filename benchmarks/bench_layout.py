"""What a kept network's memory layout costs its evaluations, as JSON.

    python -m benchmarks.bench_layout [--data-dir DIR] [--threads 1] [--repeats 2]

The app keeps every network channels-last (:func:`cnn_core.nn.model.build_model`, :func:`cnn_core.train.trainer.train`,
:func:`cnn_core.nn.checkpoint.load`), the layout of the images :func:`cnn_core.train.trainer.to_float` makes. The
baseline, in the same run, is the same trained weights laid out row-major, as a finished training used to keep them:
each image batch then has its layout converted at every layer.

Two of the app's evaluations are timed for each layout, the best of ``--repeats``:

- ``test_set``: the real MNIST test set (10,000 images) through the tutorial network
  (:func:`cnn_core.train.trainer.evaluate`, as a training's final figure and the CLI's bench do);
- ``shift_chart``: the Runs page's accuracy against shift (:func:`cnn_core.train.shift.accuracy_by_shift`,
  2,000 test images, 7 shifts, 2 directions).

Both layouts must give the same accuracies (``same_answers``). The network is trained briefly first (0.05 epoch), so
the figures are a real network's. ``--threads 1`` is a room's share of a 2-core machine's threads per training.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path


def best_seconds(fn, model, repeats: int) -> tuple[float, object]:
    best, answer = float("inf"), None
    for _ in range(repeats):
        t0 = time.perf_counter()
        answer = fn(model)
        best = min(best, time.perf_counter() - t0)
    return best, answer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=os.environ.get("CNN_PLAYGROUND_DATA_DIR", "../shared/data"))
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args(argv)

    import torch

    from cnn_core.data.loading import load_dataset
    from cnn_core.nn.architecture import PRESETS
    from cnn_core.nn.model import build_model
    from cnn_core.train.config import TrainConfig
    from cnn_core.train.shift import MAX_IMAGES, accuracy_by_shift
    from cnn_core.train.trainer import evaluate, train

    torch.set_num_threads(args.threads)
    data = load_dataset("mnist", Path(args.data_dir), download=False)
    kept = build_model(PRESETS["tutorial"], seed=0)
    train(kept, data, TrainConfig(epochs=0.05, threads=args.threads), evaluate_test=False)
    row_major = build_model(PRESETS["tutorial"])
    row_major.load_state_dict(kept.state_dict())
    row_major.to(memory_format=torch.contiguous_format).eval()
    shift_x, shift_y = data.test_x[:MAX_IMAGES], data.test_y[:MAX_IMAGES]

    report: dict = {"threads": args.threads, "repeats": args.repeats, "network": "tutorial", "dataset": "mnist"}
    for name, run in (("test_set", lambda m: evaluate(m, data.test_x, data.test_y)[1]),
                      ("shift_chart", lambda m: [p.accuracy for p in accuracy_by_shift(m, shift_x, shift_y)])):
        ours, ours_answer = best_seconds(run, kept, args.repeats)
        base, base_answer = best_seconds(run, row_major, args.repeats)
        report[name] = {"channels_last_s": round(ours, 3), "row_major_baseline_s": round(base, 3),
                        "speedup": round(base / ours, 2), "same_answers": ours_answer == base_answer}
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

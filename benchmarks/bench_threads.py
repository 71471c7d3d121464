"""What torch's spinning idle CPU threads cost trainings in other processes, as JSON.

    python -m benchmarks.bench_threads [--data-dir DIR] [--processes 1,2,3] [--spin 1000] [--epochs 0.1] [--repeats 2]

torch's Linux wheels run their CPU kernels on libgomp, which keeps a thread that finished its share of a layer
spinning 300,000 rounds before it sleeps (``GOMP_SPINCOUNT``). For each count of processes, that many fresh processes
train the tutorial network on real MNIST at once, each for ``--epochs`` with torch's default threads (one per core),
batch 128, fp32, no evaluation: once with libgomp's default (the baseline) and once with ``GOMP_SPINCOUNT=--spin``,
alternating, ``--repeats`` times. Each figure is the best repeat: the wall seconds from the first training's start to
the last one's end and the images per second of all of them together. ``speedup`` is the baseline's seconds over the
other's. The app sets neither: README, "Benchmarks", says when an operator should.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

LIBGOMP_DEFAULT_SPIN = 300_000

CHILD = r"""
import json, sys, time
from pathlib import Path
from cnn_core import PRESETS
from cnn_core.data.loading import load_dataset
from cnn_core.nn.model import build_model
from cnn_core.train.config import TrainConfig
from cnn_core.train.trainer import train

data = load_dataset("mnist", Path(sys.argv[1]), download=False)
cfg = TrainConfig(epochs=float(sys.argv[2]), batch_size=128, val_size=0, eval_every_s=1e9, precision="fp32",
                  probe_every_s=None, grad_norm_every=0)
print("ready", flush=True)
if sys.stdin.readline().strip() != "go":  # every process loaded its data: start together (or not at all)
    sys.exit(1)
start = time.time()
result = train(build_model(PRESETS["tutorial"], seed=0), data, cfg, evaluate_test=False)
print(json.dumps({"start": start, "end": time.time(), "images": result.images_per_s * result.seconds}))
"""


def run_at_once(count: int, spin: int, data_dir: str, epochs: float) -> dict:
    env = {**os.environ, "GOMP_SPINCOUNT": str(spin)}
    env.pop("OMP_WAIT_POLICY", None)
    procs = [subprocess.Popen([sys.executable, "-c", CHILD, data_dir, str(epochs)], env=env, text=True,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE) for _ in range(count)]
    try:
        for p in procs:
            if p.stdout.readline().strip() != "ready":
                raise SystemExit("a training process failed to start")
        for p in procs:
            p.stdin.write("go\n")
            p.stdin.flush()
        runs = []
        for p in procs:
            out, _ = p.communicate()
            if p.returncode:
                raise SystemExit(f"a training process failed (status {p.returncode})")
            runs.append(json.loads(out.strip().splitlines()[-1]))
    finally:  # none left training after a failure
        for p in procs:
            p.kill()
    seconds = max(r["end"] for r in runs) - min(r["start"] for r in runs)
    return {"seconds": round(seconds, 2), "images_per_s": round(sum(r["images"] for r in runs) / seconds, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None, help="the datasets' folder (default: CNN_PLAYGROUND_DATA_DIR's)")
    parser.add_argument("--processes", default="1,2,3", help="comma-separated counts of processes training at once")
    parser.add_argument("--epochs", type=float, default=0.1, help="each process's training (0.1: 47 steps of 128 images)")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--spin", type=int, default=1000, help="the GOMP_SPINCOUNT compared with libgomp's default")
    args = parser.parse_args(argv)

    from cnn_core.data.loading import default_data_dir

    data_dir = str(args.data_dir or default_data_dir())
    rows = []
    for count in (int(c) for c in args.processes.split(",")):
        best: dict[str, dict] = {}
        for _ in range(args.repeats):
            for name, spin in (("libgomp_default", LIBGOMP_DEFAULT_SPIN), ("spin", args.spin)):
                figure = run_at_once(count, spin, data_dir, args.epochs)
                if name not in best or figure["seconds"] < best[name]["seconds"]:
                    best[name] = figure
        rows.append({"processes": count, **best,
                     "speedup": round(best["libgomp_default"]["seconds"] / best["spin"]["seconds"], 2)})
    print(json.dumps({"date": time.strftime("%Y-%m-%d"), "cores": os.cpu_count(), "epochs_each": args.epochs,
                      "spin_counts": {"libgomp_default": LIBGOMP_DEFAULT_SPIN, "spin": args.spin},
                      "runs": rows}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

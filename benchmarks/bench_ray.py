"""Ray executor against the in-process one, as JSON: start latency, event latency, a simulated room.

Starts its own local Ray cluster (scripts.ray_cluster: a head and k worker
nodes on this machine, token authentication on) and measures

* start latency: from ``executor.start()`` to the first training step visible
  in the job's snapshot (what the page polls), in-process and on Ray. On Ray
  three ways: the cluster's first run (the node's dataset cache is filled, the
  code unpacked), a new actor per run (the previous code path, measured here
  as the baseline with the actor pool off) and an actor reused from this
  process's pool (cnn_core.train.ray_executor.ActorPool);
* event latency: from the trainer emitting an event to the snapshot holding
  it (in-process: a 5 ms poller; Ray: the worker's stamp against the app's
  clock, the same machine);
* a room: STUDENTS trainings of BUDGET seconds each, all submitted at once, on
  k = 1 and 2 worker nodes of CPUS CPUs each (all sharing this machine), and
  the same room in-process; makespan, waits and time to result.

Durations are scaled down (default 2 s trainings instead of 20 s: a room of 30
20-second trainings on this 2-core machine would take over ten minutes per k);
the README scales the figures back up and extrapolates to k = 16.

Run it in the background and let it finish (or Ctrl-C / SIGTERM it: its
clusters are stopped by their process groups either way):

    python -m benchmarks.bench_ray [--students 30] [--budget 2] [--workers 1,2] [--repeats 5] > bench.json
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

from cnn_core import PRESETS  # noqa: E402
from cnn_core.data.loading import default_data_dir, load_dataset  # noqa: E402
from cnn_core.nn.model import build_model  # noqa: E402
from cnn_core.train.executors import LocalExecutor  # noqa: E402
from cnn_core.train.jobs import Scheduler, TrainingJob  # noqa: E402
from cnn_core.train.trainer import TrainConfig  # noqa: E402
from scripts.ray_cluster import LocalRayCluster  # noqa: E402


def summary(values: list[float]) -> dict:
    if not values:
        return {}
    ordered = sorted(values)
    return {"median": round(statistics.median(values), 3), "p90": round(ordered[int(len(ordered) * 0.9)], 3),
            "max": round(ordered[-1], 3), "n": len(values)}


def first_step_latency(executor, data, repeats: int) -> list[float]:
    """Seconds from start() to the first step in the snapshot, each run stopped right after."""
    times = []
    for _ in range(repeats):
        model = build_model(PRESETS["tutorial"], seed=0)
        t0 = time.perf_counter()
        job = executor.start(model, data, TrainConfig(time_budget_s=30), dataset="mnist")
        job.wait_first_step(600)  # set by the job's first step event (or its end), no polling
        times.append(time.perf_counter() - t0)
        if not job.snapshot().steps:
            raise SystemExit(f"a run failed: {job.snapshot().error}")
        job.stop()
        job.wait(120)
    return times


def local_event_latency(data, seconds: float = 3.0) -> list[float]:
    """In-process: emission (wrapped callback) to the snapshot holding it, seen by a 5 ms poller."""
    job = TrainingJob(build_model(PRESETS["tutorial"], seed=0), data, TrainConfig(time_budget_s=seconds),
                      Scheduler(max_running=1))
    stamps: dict[int, float] = {}
    original = job.record

    def stamped(event):
        if hasattr(event, "images_per_s"):
            stamps[event.step] = time.perf_counter()
        original(event)

    job.record = stamped  # before start(): the trainer binds the callback when it begins
    job.start()
    latencies, seen = [], 0
    while not job.finished:
        steps = job.snapshot().steps
        now = time.perf_counter()
        for event in steps[seen:]:
            if event.step in stamps:
                latencies.append(now - stamps[event.step])
        seen = len(steps)
        time.sleep(0.005)
    return latencies


def room(executor, data, students: int, budget: float) -> dict:
    """STUDENTS trainings submitted at once; per run: wait until it ran, time to its result."""
    t0 = time.perf_counter()
    jobs = [executor.start(build_model(PRESETS["tutorial"], seed=i), data,
                           TrainConfig(time_budget_s=budget, val_size=500), dataset="mnist")
            for i in range(students)]
    started: dict[int, float] = {}
    finished: dict[int, float] = {}
    while len(finished) < len(jobs):  # events, not snapshots: 30 snapshots 20 times a second took a core
        now = time.perf_counter() - t0
        for i, job in enumerate(jobs):
            if i not in started and job.wait_first_step(0):
                started[i] = now
            if i not in finished and job.finished:
                finished[i] = now
        time.sleep(0.05)
    errors = [str(j.snapshot().error) for j in jobs if j.snapshot().error is not None]
    accuracies = [j.snapshot().result.test_accuracy for j in jobs
                  if j.snapshot().result and j.snapshot().result.test_accuracy is not None]
    return {"students": students, "budget_s": budget, "makespan_s": round(max(finished.values()), 1),
            "wait_to_first_step_s": summary(list(started.values())),
            "time_to_result_s": summary(list(finished.values())),
            # per run: its training (the budget) plus the end (validation, test evaluation, weights back)
            "first_step_to_result_s": summary([finished[i] - started[i] for i in started]),
            "load_average_1min_after": round(os.getloadavg()[0], 1),
            "failed": len(errors), "errors": errors[:3],
            "test_accuracy_median": round(statistics.median(accuracies), 4) if accuracies else None}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=os.environ.get("CNN_PLAYGROUND_DATA_DIR") or str(default_data_dir()))
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--budget", type=float, default=2.0, help="seconds of training per student (scaled down)")
    parser.add_argument("--workers", default="1,2", help="worker node counts to measure")
    parser.add_argument("--cpus", type=int, default=2, help="CPUs each worker node offers")
    parser.add_argument("--repeats", type=int, default=5, help="runs for the start latency")
    parser.add_argument("--skip-room", action="store_true")
    parser.add_argument("--skip-local-room", action="store_true", help="the room on Ray only")
    args = parser.parse_args(argv)
    def stop_on_sigterm():  # a kill still stops the clusters (their `with`); ray.init installs its own handler
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))

    stop_on_sigterm()
    data = load_dataset("mnist", args.data_dir, download=False)
    out: dict = {"machine_cpus": os.cpu_count(), "scaled_budget_s": args.budget,
                 "note": "worker nodes share this machine's cores; durations scaled down (see README)"}

    local = LocalExecutor(Scheduler(max_running=1))
    first_step_latency(local, data, 1)  # warm-up: the first run of a process pays torch's one-time set-up
    out["local"] = {"start_to_first_step_s": summary(first_step_latency(local, data, args.repeats)),
                    "event_latency_s": summary(local_event_latency(data))}
    if not (args.skip_room or args.skip_local_room):
        out["local"]["room"] = room(LocalExecutor(Scheduler(max_running=1)), data, args.students, args.budget)
    print(json.dumps({"local": out["local"]}), file=sys.stderr, flush=True)  # partial results, as they come

    out["ray"] = {}
    token = secrets.token_hex(32)  # one for every cluster here: Ray reads it once per process
    for k in [int(x) for x in args.workers.split(",") if x]:
        with LocalRayCluster(workers=k, cpus_per_worker=args.cpus, data_dir=args.data_dir, token=token) as cluster:
            os.environ.update(cluster.client_env)
            import ray

            from cnn_core.train.ray_executor import ActorPool, RayExecutor

            executor = RayExecutor(cluster.address, cpus_per_training=args.cpus)
            executor.connect()
            stop_on_sigterm()
            entry: dict = {"workers": k, "cpus_per_worker": args.cpus, "trainings_at_once": executor.capacity()}
            entry["cluster_first_run_s"] = round(first_step_latency(executor, data, 1)[0], 3)  # caches filled
            pool = ActorPool()  # this cluster's own
            executor.pool = ActorPool(keep_s=0)  # the previous path: a new actor (worker process) per run
            entry["new_actor_start_to_first_step_s"] = summary(first_step_latency(executor, data, args.repeats))
            executor.pool = pool
            first_step_latency(executor, data, 1)  # leaves an actor in the pool
            entry["start_to_first_step_s"] = summary(first_step_latency(executor, data, args.repeats))
            job = executor.start(build_model(PRESETS["tutorial"]), data, TrainConfig(time_budget_s=3),
                                 dataset="mnist")
            job.wait(300)
            entry["event_latency_s"] = summary(job.delivery_s)
            if not args.skip_room:
                reused = pool.reused
                entry["room"] = room(executor, data, args.students, args.budget)
                entry["room"]["actors_reused"] = pool.reused - reused
            out["ray"][f"k={k}"] = entry
            print(json.dumps({f"k={k}": entry}), file=sys.stderr, flush=True)
            ray.shutdown()
    local_start = out["local"]["start_to_first_step_s"]["median"]
    for entry in out["ray"].values():
        entry["extra_start_latency_s"] = round(entry["start_to_first_step_s"]["median"] - local_start, 3)
        entry["extra_start_latency_new_actor_s"] = round(
            entry["new_actor_start_to_first_step_s"]["median"] - local_start, 3)
        entry["extra_event_latency_s"] = round(
            entry["event_latency_s"]["median"] - out["local"]["event_latency_s"]["median"], 3)
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

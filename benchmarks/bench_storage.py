"""What keeping runs costs the server, as JSON: time per page load, time per finished run, bytes per run.

    python -m benchmarks.bench_storage [--runs 30] [--page-loads 20] [--database-url URL | --postgres]

The workspace is filled to the run limit (30) with runs like a real training
leaves (the tutorial network, 400 curve points, per-class accuracy, confusion).

- ``page_load.storage_calls``: what a session's first page with a workspace link
  asks of the database (:meth:`Storage.open_workspace` and the run listing),
  summed as ``first_page_ms``, the figure for the 20 ms target; next to it, in
  the same run, the baseline it replaced (``run_list_in_full``: every run with its
  curves, as the listing used to load) and reading plus checking one run's model,
  which a server process does once per model (``cnn_core.store.modelcache.ModelCache``).
- ``page_load.draw_page_apptest``: the whole Draw page opened by a new session
  with the workspace link against the same page without one, in pairs,
  interleaved, with Streamlit's AppTest; ``added_first_load_ms`` is the median of
  the pairs' differences (page rendering dominates both, so it is noisy on a busy
  machine; the storage calls above are the precise part). Reruns of settled
  sessions, which find everything in the session's cache, likewise.
- ``finished_run``: turning a finished training into a run (model zipped, curves
  thinned) and writing it (``cnn_core.store.runs.from_job`` + ``Storage.add_run``).
- ``bytes_per_run``: growth of the database file (or PostgreSQL database) per run.

SQLite in a temporary folder by default; ``--postgres`` starts a throwaway
PostgreSQL server as the tests do (scripts/pgserver.py). Targets from issue 11:
under 20 ms per page load and 200 ms per finished run.
"""

import argparse
import contextlib
import json
import math
import os
import statistics
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def summary(times_s: list[float]) -> dict:
    ms = sorted(t * 1000 for t in times_s)
    return {"median_ms": round(statistics.median(ms), 2), "p90_ms": round(ms[int(len(ms) * 0.9)], 2), "n": len(ms)}


def tiny_digits():
    """Synthetic 28×28 digits: a real training of the tutorial network that finishes in seconds."""
    import torch

    from cnn_core.data.loading import ImageData

    g = torch.Generator().manual_seed(0)
    x = torch.randint(0, 255, (600, 1, 28, 28), generator=g, dtype=torch.uint8)
    y = torch.randint(0, 10, (600,), generator=g)
    return ImageData("mnist", [str(i) for i in range(10)], x[:500], y[:500], x[500:], y[500:])


def finished_job():
    """A finished training with at least CURVE_POINTS steps, so its run keeps as many curve points as a real one."""
    from cnn_core.nn.architecture import PRESETS
    from cnn_core.nn.model import build_model
    from cnn_core.store.runs import CURVE_POINTS
    from cnn_core.train.jobs import start_training
    from cnn_core.train.trainer import TrainConfig

    batch = 16
    epochs = math.ceil(CURVE_POINTS / math.ceil(400 / batch))  # 400 training images after the validation split
    job = start_training(build_model(PRESETS["tutorial"]), tiny_digits(),
                         TrainConfig(epochs=epochs, batch_size=batch, val_size=100, eval_every_s=0.2))
    job.wait()
    return job


def bench_runs(store, code: str, n: int) -> tuple[dict, dict, int]:
    from cnn_core.store import runs

    job = finished_job()
    before = store.database_bytes()
    convert, write = [], []
    for _ in range(n):
        t0 = time.perf_counter()
        new = runs.from_job(job, device="cpu")
        t1 = time.perf_counter()
        store.add_run(code, new)
        t2 = time.perf_counter()
        convert.append(t1 - t0)
        write.append(t2 - t1)
    total = [a + b for a, b in zip(convert, write)]
    per_run = (store.database_bytes() - before) / n
    return ({"total": summary(total), "from_job": summary(convert), "add_run": summary(write)},
            {"model_bytes": new_size(store, code), "database_growth_bytes": round(per_run)}, n)


def new_size(store, code: str) -> int:
    return store.runs(code)[-1].model_size


def median_ms(times_s: list[float]) -> float:
    return statistics.median(times_s) * 1000


def bench_storage_calls(store, code: str, repeats: int = 50) -> dict:
    """The storage calls of a session's first page with the workspace link, and the listing they replaced."""
    from cnn_core.store import runs

    restore, listing, in_full, model = [], [], [], []
    ids = [r.id for r in store.runs(code)]
    for _ in range(repeats):
        t0 = time.perf_counter()
        store.open_workspace(code)
        t1 = time.perf_counter()
        store.runs(code)
        t2 = time.perf_counter()
        store.runs_in_full(code, ids)  # the baseline: every run with its curves, as the listing used to load
        t3 = time.perf_counter()
        runs.load_model(store.model_bytes(code, ids[-1]))
        t4 = time.perf_counter()
        restore.append(t1 - t0)
        listing.append(t2 - t1)
        in_full.append(t3 - t2)
        model.append(t4 - t3)
    return {"first_page_ms": round(median_ms(restore) + median_ms(listing), 2),
            "open_workspace": summary(restore), "run_list": summary(listing),
            "baseline_run_list_in_full": summary(in_full),
            "model_read_and_load_once_per_run_per_process": summary(model)}


def bench_page_loads(code: str, repeats: int) -> dict:
    """Draw page, a new session each time: with the workspace link vs without, in interleaved pairs."""
    from streamlit.testing.v1 import AppTest

    def load(ws: str | None):
        at = AppTest.from_file(str(REPO / "pages" / "draw.py"), default_timeout=60)
        at.query_params["lang"] = "en"
        if ws:
            at.query_params["ws"] = ws
        t0 = time.perf_counter()
        at.run()
        elapsed = time.perf_counter() - t0
        assert not at.exception, [e.value for e in at.exception]
        return elapsed, at

    for _ in range(2):  # warm: imports, the shipped model, the run's model, the database's connections
        load(None), load(code)
    plain, with_ws = [], []
    for i in range(repeats):
        first, second = (None, code) if i % 2 == 0 else (code, None)  # alternate the order: no drift favours one
        a, b = load(first)[0], load(second)[0]
        plain.append(a if first is None else b)
        with_ws.append(b if first is None else a)
    # Reruns (a widget changed) of two sessions that have settled: everything comes from the session's cache.
    sessions = {"plain": load(None)[1], "ws": load(code)[1]}
    for at in sessions.values():
        for _ in range(3):
            at.run()
    reruns = {"plain": [], "ws": []}
    for _ in range(repeats * 2):
        for name, at in sessions.items():
            t0 = time.perf_counter()
            at.run()
            reruns[name].append(time.perf_counter() - t0)
    added = [w - p for w, p in zip(with_ws, plain)]
    added_rerun = [w - p for w, p in zip(reruns["ws"], reruns["plain"])]
    return {"first_load_without_ws": summary(plain), "first_load_with_ws": summary(with_ws),
            "added_first_load_ms": round(median_ms(added), 1),
            "rerun_without_ws": summary(reruns["plain"]), "rerun_with_ws": summary(reruns["ws"]),
            "added_rerun_ms": round(median_ms(added_rerun), 1)}


@contextlib.contextmanager
def database(args):
    if args.database_url:
        yield args.database_url
    elif args.postgres:
        from scripts.pgserver import fresh_database, postgres_server

        with postgres_server(in_memory=False) as server:  # on disk, as a real server's files are
            yield fresh_database(server)
    else:
        with tempfile.TemporaryDirectory() as home:
            yield f"sqlite:///{home}/playground.db"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=30, help="runs in the workspace (30: the default limit)")
    parser.add_argument("--page-loads", type=int, default=20)
    parser.add_argument("--database-url")
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    with database(args) as url:
        os.environ["CNN_PLAYGROUND_DATABASE_URL"] = url  # the pages' Storage opens the same database
        from cnn_core.store.storage import Limits, Storage

        store = Storage(url, Limits(max_runs=10_000, max_bytes=2**40))
        code = store.create_workspace()
        finished, sizes, n = bench_runs(store, code, args.runs)
        calls = bench_storage_calls(store, code)
        pages = bench_page_loads(code, args.page_loads)
        print(json.dumps({
            "database": store.engine.dialect.name, "runs_in_workspace": n,
            "finished_run": finished, "bytes_per_run": sizes,
            "page_load": {"storage_calls": calls, "draw_page_apptest": pages},
            "targets_ms": {"page_load": 20, "finished_run": 200},
        }, indent=2))
        store.close()


if __name__ == "__main__":
    main()

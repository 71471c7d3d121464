"""Seconds from pressing Train to the first point on the live plot, in a real browser, as JSON.

Starts `streamlit run app.py` of this checkout (the in-process executor unless
CNN_PLAYGROUND_RAY_ADDRESS is set) and, with ``--baseline-rev REV`` (repeatable), a
server from each such git revision (extracted with `git archive` into a temporary
folder), so the previous code path is measured in the same run, on the same
machine, at the same load. Each press is in a fresh browser session (a new
page, so no earlier chart is on it): open the Train page, press Train, and
time

* ``progress``: the progress bar, the first element the page draws once the
  run has a first step;
* ``first_point``: the first marker of the live plot, drawn by Plotly in
  Chromium: what the user waits for;

then press Stop and wait for the results. The servers take turns, press by
press, so a change in the machine's load hits both alike. The first press of a
fresh server is reported apart (it pays whatever the server did not do at
start). ``engine`` is the engine's share without a browser: the validation
split as a copy (the previous path) and as an index (the current one), and
start → first step of a warm process.

    python scripts/bench_first_point.py [--repeats 5] [--baseline-rev 195d7e2 ...]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from load_test import CHROMIUM_ARGS, EN, start_server  # noqa: E402

PROGRESS = "[data-testid='stProgress']"
FIRST_POINT = "[data-testid='stPlotlyChart'] .scatterlayer .trace path.point"  # a marker Plotly drew


def extract(rev: str) -> Path:
    """The tree of git revision ``rev`` in a temporary folder (no git metadata is touched)."""
    folder = Path(tempfile.mkdtemp(prefix="bench-rev-"))
    archive = subprocess.run(["git", "-C", str(REPO), "archive", rev], check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    return folder


def press_once(browser, url: str) -> dict[str, float]:
    """A fresh session: open Train, press it, time the progress bar and the first plotted point, Stop."""
    context = browser.new_context(viewport={"width": 1200, "height": 1000})
    try:
        page = context.new_page()
        page.goto(f"{url}/train?lang=en")
        train = page.get_by_role("button", name=EN["train.start"], exact=True)
        train.wait_for(timeout=120_000)
        page.locator("[data-testid='stStatusWidget']").wait_for(state="hidden", timeout=120_000)  # script done
        page.wait_for_load_state("networkidle", timeout=120_000)  # what the page loads, loaded (a reader takes longer)
        t0 = time.perf_counter()
        train.click()
        page.locator(PROGRESS).first.wait_for(timeout=120_000)
        progress = time.perf_counter() - t0
        page.locator(FIRST_POINT).first.wait_for(state="attached", timeout=120_000)
        first_point = time.perf_counter() - t0
        page.locator(".st-key-stop button").click()  # the page's Stop (the header has one too, for the script)
        page.locator(PROGRESS).first.wait_for(state="detached", timeout=120_000)
        return {"progress": progress, "first_point": first_point}
    finally:
        context.close()


def core_breakdown(data_dir: str, repeats: int = 3) -> dict:
    """Where the engine's share goes, without the browser."""
    from cnn_core import PRESETS
    from cnn_core.data import load_dataset
    from cnn_core.jobs import Scheduler, start_training
    from cnn_core.model import build_model
    from cnn_core.training import TrainConfig, split_indices, split_validation, warm_up

    data = load_dataset("mnist", data_dir, download=False)
    copy_s, index_s, first = [], [], []
    warm = warm_up()  # what the server now does at start
    for _ in range(repeats):
        t0 = time.perf_counter()
        split_validation(data, TrainConfig.val_size, 0)  # the previous path: a copy of the training split
        t1 = time.perf_counter()
        _, val_idx = split_indices(len(data.train_y), TrainConfig.val_size, 0)
        data.train_x[val_idx], data.train_y[val_idx]  # the current path: the index and a validation copy
        t2 = time.perf_counter()
        job = start_training(build_model(PRESETS["tutorial"], seed=0), data, TrainConfig(time_budget_s=30),
                             Scheduler(max_running=1))
        job.wait_first_step(60)
        first.append(time.perf_counter() - t2)
        job.stop()
        job.wait(120)
        copy_s.append(t1 - t0)
        index_s.append(t2 - t1)
    return {"warm_up_at_server_start_s": round(warm, 3),
            "validation_split_copy_s (previous)": round(statistics.median(copy_s), 3),
            "validation_split_index_s (current)": round(statistics.median(index_s), 3),
            "start_to_first_step_s (warm process)": round(statistics.median(first), 3)}


def summary(values: list[float]) -> dict:
    return {"median": round(statistics.median(values), 2), "max": round(max(values), 2),
            "all": [round(v, 2) for v in values]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir",
                        default=os.environ.get("CNN_PLAYGROUND_DATA_DIR", str(REPO.parent / "shared" / "data")))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--baseline-rev", action="append", default=[],
                        help="a git revision to measure in the same run (the previous code); may be repeated")
    parser.add_argument("--chromium", default=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
    args = parser.parse_args(argv)
    import signal

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # a timeout still stops the servers (finally)
    from playwright.sync_api import sync_playwright

    trees = {**{f"baseline {rev}": extract(rev) for rev in args.baseline_rev}, "current": REPO}
    servers, load = {}, [os.getloadavg()[0]]
    results: dict[str, dict[str, list[float]]] = {name: {"progress": [], "first_point": []} for name in trees}
    fresh: dict[str, dict[str, float]] = {}
    try:
        for name, tree in trees.items():
            servers[name] = start_server(args.data_dir, {}, repo=tree)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
            for name, (_, url) in servers.items():
                fresh[name] = press_once(browser, url)
            for _ in range(args.repeats):
                for name, (_, url) in servers.items():  # taking turns: the same load for both
                    for key, value in press_once(browser, url).items():
                        results[name][key].append(value)
                load.append(os.getloadavg()[0])
            browser.close()
    finally:
        for proc, _ in servers.values():
            proc.terminate()
            proc.wait(10)
        for name, tree in trees.items():
            if tree != REPO:
                shutil.rmtree(tree, ignore_errors=True)
    print(json.dumps({
        "executor": "ray" if os.environ.get("CNN_PLAYGROUND_RAY_ADDRESS") else "local",
        "cpus": os.cpu_count(), "load_average_1min": {"min": round(min(load), 1), "max": round(max(load), 1)},
        "click_to_first_point_s": {name: summary(r["first_point"]) for name, r in results.items()},
        "click_to_progress_bar_s": {name: summary(r["progress"]) for name, r in results.items()},
        "first_press_of_a_fresh_server_s": {name: {k: round(v, 2) for k, v in f.items()}
                                             for name, f in fresh.items()},
        "engine": core_breakdown(args.data_dir),  # the rest: the page's script run, the network, Chromium drawing
    }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

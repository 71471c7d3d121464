"""Seconds from pressing Train to the first point on the live plot, in a real browser, as JSON.

Starts `streamlit run app.py` (the in-process executor unless
CNN_PLAYGROUND_RAY_ADDRESS is set), opens the Train page in Debian's Chromium
and, REPEATS times, presses Train and waits for the progress bar, which the
page draws together with the first point of the curves; then presses Stop and
waits for the results. The first press of a fresh server is reported apart:
it also pays torch's one-time set-up in that process.

    python scripts/bench_first_point.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))

from load_test import CHROMIUM_ARGS, start_server  # noqa: E402


def core_breakdown(data_dir: str, repeats: int = 3) -> dict:
    """Where the engine's share goes, without the browser: the validation split, then the first step."""
    sys.path.insert(0, str(REPO))
    from cnn_core import PRESETS
    from cnn_core.data import load_dataset
    from cnn_core.jobs import Scheduler, start_training
    from cnn_core.model import build_model
    from cnn_core.training import TrainConfig, split_validation

    data = load_dataset("mnist", data_dir, download=False)
    split, first, step1 = [], [], []
    for i in range(repeats + 1):  # the first round warms torch up, as the server's first training does
        t0 = time.perf_counter()
        split_validation(data, TrainConfig.val_size, 0)
        t1 = time.perf_counter()
        job = start_training(build_model(PRESETS["tutorial"], seed=0), data, TrainConfig(time_budget_s=30),
                             Scheduler(max_running=1))
        job.wait_first_step(60)
        t2 = time.perf_counter()
        job.stop()
        job.wait(120)
        if i:
            split.append(t1 - t0)
            first.append(t2 - t1)
            step1.append(job.snapshot().steps[0].seconds)
    return {"validation_split_s": round(statistics.median(split), 3),
            "start_to_first_step_s": round(statistics.median(first), 3),
            "first_step_compute_s": round(statistics.median(step1), 3)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir",
                        default=os.environ.get("CNN_PLAYGROUND_DATA_DIR", str(REPO.parent / "shared" / "data")))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--chromium", default=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
    args = parser.parse_args(argv)
    from playwright.sync_api import expect, sync_playwright

    proc, url = start_server(args.data_dir, {})
    times = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1200, "height": 1000})
            page.goto(f"{url}/train?lang=en")
            train = page.get_by_role("button", name="Train", exact=True)
            train.wait_for(timeout=120_000)
            progress = page.locator("[data-testid='stProgress']").first
            for _ in range(args.repeats + 1):
                expect(train).to_be_enabled(timeout=120_000)  # the previous run has finished
                t0 = time.perf_counter()
                train.click()
                progress.wait_for(timeout=60_000)
                times.append(time.perf_counter() - t0)
                page.get_by_role("button", name="Stop", exact=True).click()
                progress.wait_for(state="detached", timeout=120_000)
            browser.close()
    finally:
        proc.terminate()
        proc.wait(10)
    later = times[1:]
    breakdown = core_breakdown(args.data_dir)
    print(json.dumps({
        "executor": "ray" if os.environ.get("CNN_PLAYGROUND_RAY_ADDRESS") else "local",
        "cpus": os.cpu_count(), "load_average_1min": round(os.getloadavg()[0], 1),
        "first_press_of_a_fresh_server_s": round(times[0], 2),
        "click_to_first_point_s": {"median": round(statistics.median(later), 2), "max": round(max(later), 2),
                                   "all": [round(t, 2) for t in later]},
        "engine_share": breakdown,  # the rest is the page's script run, the network and the browser drawing
    }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

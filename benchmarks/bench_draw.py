"""Draw page latency in Chromium: from lifting the pen to the new prediction on screen, as JSON.

Starts `streamlit run app.py` on a free port, opens the Draw page in Debian's
Chromium (Playwright) and repeats a cycle: a fresh canvas, a vertical stroke
(the page must answer "1"), then a bar across the top (it must answer "7").
Each stroke is timed in the page itself, from the mouse-up to the moment the
prediction shows the expected class (a MutationObserver, so no polling delay).

    python -m benchmarks.bench_draw [--cycles 15] [--port 0]

Prints {"median_ms", "p90_ms", "n", "samples_ms", ...}. Needs the real data
directory only for the page's model (the shipped one): none.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from benchmarks.jsfiles import js
from scripts.chromium import CHROMIUM, CHROMIUM_ARGS
from scripts.ports import free_port

REPO = Path(__file__).resolve().parents[1]

# Resolves with the milliseconds from now until the prediction reads `expected`.
WATCH = js("watch_prediction_latency")




def start_server(port: int, cwd: Path = REPO) -> subprocess.Popen:
    """`streamlit run app.py` from ``cwd`` (this checkout, or another one to compare with)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("streamlit did not start")


def stroke(page, points, expected: str) -> float | None:
    """Draw through ``points`` (canvas pixels) and time mouse-up → prediction ``expected``."""
    box = page.locator(".st-key-draw_canvas canvas, canvas").last.bounding_box()
    x0, y0 = box["x"], box["y"]
    page.mouse.move(x0 + points[0][0], y0 + points[0][1])
    page.mouse.down()
    for x, y in points[1:]:
        page.mouse.move(x0 + x, y0 + y, steps=2)
    page.evaluate(WATCH, expected)
    page.mouse.up()
    return page.evaluate("() => window.__latency")


def fresh_canvas(page) -> None:
    """The page's Clear button: a new, empty canvas."""
    page.locator(".st-key-clear_canvas button").first.click()
    page.locator("[data-testid='stAlertContentInfo']").first.wait_for(timeout=20_000)
    page.wait_for_timeout(300)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cycles", type=int, default=15)
    parser.add_argument("--port", type=int, default=0, help="an already running server's port (0: start one)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    port = args.port or free_port()
    proc = None if args.port else start_server(port)
    one = [(140, 40 + 7 * i) for i in range(30)]  # a tall vertical stroke
    bar = [(60 + 8 * i, 40) for i in range(11)]  # a bar into the top of it: a 7
    samples, misses = {"1": [], "7": []}, 0
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_context(viewport={"width": 1400, "height": 1200}).new_page()
            page.goto(f"http://127.0.0.1:{port}/draw?lang=en")
            page.locator("canvas").last.wait_for(timeout=60_000)
            page.wait_for_timeout(2000)
            for cycle in range(args.cycles + 1):  # the first cycle warms caches and is not counted
                fresh_canvas(page)
                for points, expected in ((one, "1"), (bar, "7")):
                    ms = stroke(page, points, expected)
                    if cycle == 0:
                        continue
                    if ms is None:
                        misses += 1
                    else:
                        samples[expected].append(ms)
            browser.close()
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(10)
    every = sorted(samples["1"] + samples["7"])
    if not every:
        raise SystemExit(json.dumps({"error": "no prediction appeared", "misses": misses}))
    print(json.dumps({
        "what": "Draw page, Chromium: mouse-up to the new prediction on screen",
        "median_ms": round(statistics.median(every), 1),
        "p90_ms": round(every[min(len(every) - 1, int(len(every) * 0.9))], 1),
        "n": len(every),
        "misses": misses,
        "median_first_stroke_ms": round(statistics.median(samples["1"]), 1) if samples["1"] else None,
        "median_second_stroke_ms": round(statistics.median(samples["7"]), 1) if samples["7"] else None,
        "cpus": os.cpu_count(),
        "load_average": [round(v, 2) for v in os.getloadavg()],
        "samples_ms": [round(v, 1) for v in every],
    }, indent=2))


if __name__ == "__main__":
    main()

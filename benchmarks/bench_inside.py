"""Inside page animation in Chromium: window positions drawn per second while Play runs, as JSON.

Starts `streamlit run app.py`, opens the Inside page, sets the speed, presses
Play and records every distinct dot product shown for a few seconds (a
MutationObserver in the page). Each new text is one frame drawn. Also counts
the websocket messages the server sent meanwhile (0: the browser plays the
sweep by itself) and reports whether the page's title element was replaced
(it would be if the whole page reran).

    python -m benchmarks.bench_inside [--speed 10] [--seconds 6] [--baseline DIR]

``--baseline DIR`` first measures the app in DIR (another checkout, e.g. an
older commit: ``git archive <commit> | tar -x -C DIR``) the same way, back to
back, so both figures come from the same machine load.

Needs CNN_PLAYGROUND_DATA_DIR (the page follows a real MNIST test image).
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from benchmarks.bench_draw import REPO, free_port, start_server  # noqa: E402
from benchmarks.jsfiles import js  # noqa: E402
from scripts.chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

RECORD = js("record_inside_frames")
SPEEDS = [1, 2, 5, 10, 20]  # the speed slider's stops (ui/sections/inside_conv.py)


def measure(app_dir: Path, speed: int, seconds: float) -> dict:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    port = free_port()
    proc = start_server(port, app_dir)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_context(viewport={"width": 1400, "height": 1200}).new_page()
            received = []  # server → browser websocket messages
            page.on("websocket", lambda ws: ws.on("framereceived", lambda _: received.append(1)))
            page.goto(f"http://127.0.0.1:{port}/inside?lang=en")
            page.wait_for_selector("text=torch.nn.functional.conv2d gives", timeout=90_000)
            page.wait_for_timeout(1500)
            slider = page.get_by_role("slider", name="Speed").first
            slider.focus()
            page.keyboard.press("Home")
            for _ in range(SPEEDS.index(speed)):
                page.keyboard.press("ArrowRight")
            page.wait_for_timeout(2000)
            page.get_by_role("button", name="▶ Play").first.click()
            page.wait_for_timeout(1500)  # the rerun that starts the sweep: let it finish before counting
            try:
                page.wait_for_selector("[data-testid='stStatusWidget']", state="detached", timeout=8000)
            except PlaywrightTimeout:  # an app that reruns on a timer while playing never goes quiet
                pass
            page.evaluate(RECORD)
            before = len(received)
            page.wait_for_timeout(seconds * 1000)
            frames = page.evaluate("() => { window.__stop(); return window.__frames; }")
            messages = len(received) - before
            same_title = page.evaluate("() => document.querySelector('h1') === window.__title")
            browser.close()
    finally:
        proc.terminate()
        proc.wait(10)
    gaps = [b - a for a, b in zip(frames, frames[1:])]
    return {
        "app": str(app_dir),
        "frames": len(frames),
        "frames_per_s": round(len(frames) / seconds, 2),
        "median_frame_gap_ms": round(sorted(gaps)[len(gaps) // 2], 1) if gaps else None,
        "server_messages_while_playing": messages,
        "page_title_kept": same_title,  # True: the whole page did not rerun
        "load_average_after": [round(v, 2) for v in os.getloadavg()],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--speed", type=int, default=10, choices=SPEEDS, help="positions per second asked for")
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--baseline", type=Path, help="another checkout of the app, measured first")
    args = parser.parse_args()
    result = {"what": "Inside page, Chromium: distinct window positions drawn per second while playing",
              "speed_asked": args.speed, "seconds": args.seconds, "cpus": os.cpu_count(),
              "load_average_before": [round(v, 2) for v in os.getloadavg()]}
    if args.baseline:
        result["baseline"] = measure(args.baseline.resolve(), args.speed, args.seconds)
    result["this"] = measure(REPO, args.speed, args.seconds)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

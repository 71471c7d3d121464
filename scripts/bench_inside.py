"""Inside page animation in Chromium: window positions drawn per second while Play runs, as JSON.

Starts `streamlit run app.py`, opens the Inside page, sets the speed, presses
Play and records every distinct dot product shown for a few seconds (a
MutationObserver in the page). Each new text is one frame: the fragment reran
and the browser drew it. Also reports whether the page's title element was
replaced meanwhile (it would be if the whole page reran).

    python scripts/bench_inside.py [--speed 10] [--seconds 6]

Needs CNN_PLAYGROUND_DATA_DIR (the page follows a real MNIST test image).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_draw import CHROMIUM, CHROMIUM_ARGS, free_port, start_server  # noqa: E402

RECORD = """() => { window.__frames = []; window.__title = document.querySelector('h1');
  const seen = new Set();
  const obs = new MutationObserver(() => {
    const el = [...document.querySelectorAll('p')].find((p) => p.innerText.includes('conv2d gives'));
    if (el && !seen.has(el.innerText)) { seen.add(el.innerText); window.__frames.push(performance.now()); }
  });
  obs.observe(document.body, {subtree: true, childList: true, characterData: true});
  window.__stop = () => obs.disconnect(); }"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--speed", type=int, default=10, help="positions per second asked for")
    parser.add_argument("--seconds", type=float, default=6.0)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    port = free_port()
    proc = start_server(port)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_context(viewport={"width": 1400, "height": 1200}).new_page()
            page.goto(f"http://127.0.0.1:{port}/inside?lang=en")
            page.wait_for_selector("text=torch.nn.functional.conv2d gives", timeout=90_000)
            page.wait_for_timeout(1500)
            speed = page.get_by_role("slider", name="Speed").first
            speed.focus()
            page.keyboard.press("End" if args.speed >= 20 else "Home")
            for _ in range([1, 2, 5, 10, 20].index(args.speed) if args.speed < 20 else 0):
                page.keyboard.press("ArrowRight")
            page.wait_for_timeout(2000)
            page.get_by_role("button", name="▶ Play").first.click()
            page.wait_for_timeout(1500)  # the full rerun that starts the timer
            page.evaluate(RECORD)
            page.wait_for_timeout(args.seconds * 1000)
            frames = page.evaluate("() => { window.__stop(); return window.__frames; }")
            same_title = page.evaluate("() => document.querySelector('h1') === window.__title")
            browser.close()
    finally:
        proc.terminate()
        proc.wait(10)
    gaps = [b - a for a, b in zip(frames, frames[1:])]
    print(json.dumps({
        "what": "Inside page, Chromium: distinct window positions drawn per second while playing",
        "speed_asked": args.speed,
        "frames": len(frames),
        "frames_per_s": round(len(frames) / args.seconds, 2),
        "median_frame_gap_ms": round(sorted(gaps)[len(gaps) // 2], 1) if gaps else None,
        "page_title_kept": same_title,  # True: only the fragment reran
        "cpus": os.cpu_count(),
        "load_average": [round(v, 2) for v in os.getloadavg()],
    }, indent=2))


if __name__ == "__main__":
    main()

"""Seconds from pressing Train to the first point on the live plot, in a real browser, and where they go, as JSON.

Starts `streamlit run app.py` of this checkout (the in-process executor unless
CNN_PLAYGROUND_RAY_ADDRESS is set) and, with ``--baseline-rev REV`` (repeatable), a
server from each such git revision (extracted with `git archive` into a temporary
folder), so the previous code path is measured in the same run, on the same
machine, at the same load. Each press is in a fresh browser session (a new
page, so no earlier chart is on it): open the Train page, press Train, Stop,
wait for the results.

Every time is taken inside the page, on the page's own clock, from the click
event's time stamp: a script injected before the app's own records when the
rerun request leaves on the WebSocket, when each server message arrives, and,
with a MutationObserver, when the progress bar and the first marker Plotly
draws are in the document, then the next frame after that (``painted``): what
the user waits for. (Timing from Python instead measures Playwright's polling:
a locator wait looks again after 0, 20, 100, 100 then 500 ms, which added up to
half a second to the figures this script printed before.) The server messages
are decoded from Playwright's copy of the same frames, so the breakdown says

* ``browser_input``: click → the rerun request sent;
* ``server_to_button``: request → the server's message drawing the Train button
  (the page's script run up to it);
* ``server_start``: → the progress bar's message (building the network, starting
  the run, its first step, the live view's first draw);
* ``browser_draw``: → the first marker in the page (React and Plotly);
* ``paint``: → the next frame.

The servers take turns, press by press, so a change in the machine's load hits
both alike. The first press of a fresh server is reported apart (it pays
whatever the server did not do at start). ``engine`` is the engine's share
without a browser: start → first step of a warm process.

    python scripts/bench_first_point.py [--repeats 5] [--baseline-rev fc8361c ...]
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
TIMELINE = "window.__firstPoint"

# Runs in every page before the app's scripts: the page-side clock of one press.
RECORDER = """
(() => {
  const PROGRESS = %s, FIRST_POINT = %s;
  const t = window.__firstPoint = {armed: false, received: []};
  document.addEventListener("click", (event) => {
    if (!t.armed && event.target.closest(".st-key-start")) {
      t.armed = true; t.click = event.timeStamp; t.clickIndex = t.received.length;
    }
  }, true);
  const Socket = window.WebSocket;
  window.WebSocket = class extends Socket {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (event) => {
        t.received.push([performance.now(), event.data.byteLength ?? event.data.size ?? event.data.length]);
      });
    }
    send(data) {
      if (t.armed && t.sent === undefined) t.sent = performance.now();
      return super.send(data);
    }
  };
  new MutationObserver(() => {
    if (!t.armed) return;
    if (t.progress === undefined && document.querySelector(PROGRESS)) t.progress = performance.now();
    if (t.point === undefined && document.querySelector(FIRST_POINT)) {
      t.point = performance.now();
      requestAnimationFrame(() => setTimeout(() => { t.painted = performance.now(); }, 0));
    }
  }).observe(document, {subtree: true, childList: true});
})();
""" % (json.dumps(PROGRESS), json.dumps(FIRST_POINT))


def extract(rev: str) -> Path:
    """The tree of git revision ``rev`` in a temporary folder (no git metadata is touched)."""
    folder = Path(tempfile.mkdtemp(prefix="bench-rev-"))
    archive = subprocess.run(["git", "-C", str(REPO), "archive", rev], check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    return folder


def describe(frame: bytes) -> str:
    """What a server message does: 'new_element:progress', 'script_finished', …"""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    msg = ForwardMsg()
    msg.ParseFromString(frame)
    kind = msg.WhichOneof("type")
    if kind != "delta":
        return kind or "?"
    delta = msg.delta.WhichOneof("type")
    return f"{delta}:{msg.delta.new_element.WhichOneof('type')}" if delta == "new_element" else delta


def breakdown(timeline: dict, frames: list[tuple[int, str]]) -> dict[str, float] | None:
    """The press's stages in seconds, from the page's clock and the decoded frames (matched in order by size)."""
    received = timeline["received"]
    if len(frames) < len(received) or any(size != f[0] for (_, size), f in zip(received, frames)):
        return None  # the two copies of the stream disagree: no breakdown rather than a wrong one
    arrived = {}
    start = timeline["clickIndex"]
    for (at, _), (_, what) in zip(received[start:], frames[start:]):
        arrived.setdefault(what, at)
    button, progress = arrived.get("new_element:button"), arrived.get("new_element:progress")
    if None in (button, progress, timeline.get("sent")):
        return None
    stages = {"browser_input": timeline["sent"] - timeline["click"], "server_to_button": button - timeline["sent"],
              "server_start": progress - button, "browser_draw": timeline["point"] - progress,
              "paint": timeline["painted"] - timeline["point"]}
    return {k: round(v / 1000, 3) for k, v in stages.items()}


def press_once(browser, url: str) -> dict:
    """A fresh session: open Train, press it, read the page's timeline, Stop."""
    context = browser.new_context(viewport={"width": 1200, "height": 1000})
    try:
        context.add_init_script(RECORDER)
        page = context.new_page()
        frames: list[tuple[int, str]] = []

        def on_socket(socket):
            def received(frame):
                frames.append((len(frame), describe(frame)) if isinstance(frame, bytes) else (len(frame), "text"))
            socket.on("framereceived", received)

        page.on("websocket", on_socket)
        page.goto(f"{url}/train?lang=en")
        train = page.get_by_role("button", name=EN["train.start"], exact=True)
        train.wait_for(timeout=120_000)
        page.locator("[data-testid='stStatusWidget']").wait_for(state="hidden", timeout=120_000)  # script done
        page.wait_for_load_state("networkidle", timeout=120_000)  # what the page loads, loaded (a reader takes longer)
        train.click()
        page.wait_for_function(f"{TIMELINE}.painted !== undefined", timeout=120_000)
        page.locator(".st-key-stop button").click()  # the page's Stop (the header has one too, for the script)
        page.locator(PROGRESS).first.wait_for(state="detached", timeout=120_000)
        timeline = page.evaluate(TIMELINE)
        return {"first_point": round((timeline["painted"] - timeline["click"]) / 1000, 3),
                "progress": round((timeline["progress"] - timeline["click"]) / 1000, 3),
                "stages": breakdown(timeline, frames)}
    finally:
        context.close()


def engine_breakdown(data_dir: str, repeats: int = 3) -> dict:
    """The engine's share, without the browser: start → first step in a warm process."""
    from cnn_core import PRESETS
    from cnn_core.data import load_dataset
    from cnn_core.jobs import Scheduler, start_training
    from cnn_core.model import build_model
    from cnn_core.training import TrainConfig, warm_up

    data = load_dataset("mnist", data_dir, download=False)
    warm = warm_up()  # what the server does at start
    first = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        job = start_training(build_model(PRESETS["tutorial"], seed=0), data, TrainConfig(time_budget_s=30),
                             Scheduler(max_running=1))
        job.wait_first_step(60)
        first.append(time.perf_counter() - t0)
        job.stop()
        job.wait(120)
    return {"warm_up_at_server_start_s": round(warm, 3),
            "start_to_first_step_s (warm process)": round(statistics.median(first), 3)}


def summary(values: list[float]) -> dict:
    return {"median": round(statistics.median(values), 2), "max": round(max(values), 2),
            "all": [round(v, 2) for v in values]}


def stage_medians(presses: list[dict]) -> dict[str, float] | None:
    rows = [p["stages"] for p in presses if p["stages"] is not None]
    if not rows:
        return None
    return {key: round(statistics.median(r[key] for r in rows), 3) for key in rows[0]}


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
    presses: dict[str, list[dict]] = {name: [] for name in trees}
    fresh: dict[str, dict] = {}
    try:
        for name, tree in trees.items():
            servers[name] = start_server(args.data_dir, {}, repo=tree)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
            for name, (_, url) in servers.items():
                fresh[name] = press_once(browser, url)
            for _ in range(args.repeats):
                for name, (_, url) in servers.items():  # taking turns: the same load for both
                    presses[name].append(press_once(browser, url))
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
        "click_to_first_point_painted_s": {name: summary([p["first_point"] for p in r]) for name, r in presses.items()},
        "click_to_progress_bar_s": {name: summary([p["progress"] for p in r]) for name, r in presses.items()},
        "stages_median_s": {name: stage_medians(r) for name, r in presses.items()},
        "first_press_of_a_fresh_server": fresh,
        "engine": engine_breakdown(args.data_dir),
    }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

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
are decoded from Playwright's copy of the same frames (both directions), so the
breakdown says

* ``browser_input``: click → the rerun request sent;
* ``server_to_button``: request → the server's message drawing the Train button
  (the page's script run up to it);
* ``server_start``: → the live view's progress bar message (building the
  network, starting the run, waiting for its first step);
* ``server_plot``: → the live plot's message (the figure built and serialised);
* ``browser_draw``: → the first marker in the page (React and Plotly);
* ``paint``: → the next frame.

A press that fails (a time-out, a click that missed) is listed with its reason,
and the others' figures still print.

The servers take turns, press by press, so a change in the machine's load hits
both alike. The first press of a fresh server is reported apart (it pays
whatever the server did not do at start). ``engine`` is the engine's share
without a browser: start → first step of a warm process.

    python -m benchmarks.bench_first_point [--repeats 5] [--baseline-rev 2f662b3 ...]
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

from benchmarks.jsfiles import script  # noqa: E402
from benchmarks.load_test import EN, start_server  # noqa: E402
from scripts.chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

PROGRESS = "[data-testid='stProgress']"
FIRST_POINT = ".st-key-live_curves .scatterlayer .trace path.point"  # a marker Plotly drew on the live plot

# Runs in every page before the app's scripts: the page-side clock of one press.
RECORDER = script("record_first_point", PROGRESS, FIRST_POINT)


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


def request_kind(frame: bytes) -> str:
    """What a browser message asks: 'rerun_script', …"""
    from streamlit.proto.BackMsg_pb2 import BackMsg

    msg = BackMsg()
    msg.ParseFromString(frame)
    return msg.WhichOneof("type") or "?"


def breakdown(timeline: dict, received: list[tuple[int, str]], sent: list[str]) -> dict[str, float] | None:
    """The press's stages in seconds, from the page's clock and the decoded frames.

    Playwright's copy of each direction's frames is matched in order with the
    page's own record (by size for the server's); where they disagree there is
    no breakdown rather than a wrong one.
    """
    times = timeline["received"]
    if len(received) < len(times) or any(size != f[0] for (_, size), f in zip(times, received)):
        return None
    if len(sent) < len(timeline["sent"]):
        return None
    arrived: dict[str, float] = {}
    for (at, _), (_, what) in zip(times[timeline["clickIndex"]:], received[timeline["clickIndex"]:]):
        if what == "new_element:plotly_chart" and "new_element:progress" not in arrived:
            continue  # the live plot comes after the progress bar; any chart before it is not the live plot
        arrived.setdefault(what, at)
    request = next((at for at, what in zip(timeline["sent"][timeline["clickSent"]:], sent[timeline["clickSent"]:])
                    if what == "rerun_script"), None)
    marks = (request, arrived.get("new_element:button"), arrived.get("new_element:progress"),
             arrived.get("new_element:plotly_chart"))
    if None in marks:
        return None
    request, button, progress, plot = marks
    stages = {"browser_input": request - timeline["click"], "server_to_button": button - request,
              "server_start": progress - button, "server_plot": plot - progress,
              "browser_draw": timeline["point"] - plot, "paint": timeline["painted"] - timeline["point"]}
    return {k: round(v / 1000, 3) for k, v in stages.items()}


def press_once(browser, url: str) -> dict:
    """A fresh session: open Train, press it, read the page's timeline, Stop. A press that fails says why."""
    context = browser.new_context(viewport={"width": 1200, "height": 1000})
    try:
        context.add_init_script(RECORDER)
        page = context.new_page()
        received: list[tuple[int, str]] = []
        sent: list[str] = []

        def on_socket(socket):
            socket.on("framereceived", lambda frame: received.append(
                (len(frame), describe(frame)) if isinstance(frame, bytes) else (len(frame), "text")))
            socket.on("framesent", lambda frame: sent.append(
                request_kind(frame) if isinstance(frame, bytes) else "text"))

        page.on("websocket", on_socket)
        page.goto(f"{url}/train?lang=en")
        train = page.get_by_role("button", name=EN["train.start"], exact=True)
        train.wait_for(timeout=120_000)
        page.locator("[data-testid='stStatusWidget']").wait_for(state="hidden", timeout=120_000)  # script done
        page.wait_for_load_state("networkidle", timeout=120_000)  # what the page loads, loaded (a reader takes longer)
        train.click()
        if not page.evaluate("window.__firstPoint.armed"):
            return {"error": "the click did not reach the Train button"}
        page.wait_for_function("window.__firstPoint.painted !== undefined", timeout=120_000)
        page.locator(".st-key-stop button").click()  # the page's Stop (the header has one too, for the script)
        page.locator(PROGRESS).first.wait_for(state="detached", timeout=120_000)
        timeline = page.evaluate("window.__firstPoint")
        since_click = lambda key: (round((timeline[key] - timeline["click"]) / 1000, 3)  # noqa: E731
                                   if timeline.get(key) is not None else None)
        return {"first_point": since_click("painted"), "progress": since_click("progress"),
                "stages": breakdown(timeline, received, sent)}
    except Exception as exc:  # one press timing out must not lose the others' figures
        return {"error": f"{type(exc).__name__}: {exc}"[:300]}
    finally:
        context.close()


def engine_breakdown(data_dir: str, repeats: int = 3) -> dict:
    """The engine's share, without the browser: start → first step in a warm process."""
    from cnn_core import PRESETS
    from cnn_core.data.loading import load_dataset
    from cnn_core.nn.model import build_model
    from cnn_core.train.jobs import Scheduler, start_training
    from cnn_core.train.trainer import TrainConfig, warm_up

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


def summary(presses: list[dict], key: str) -> dict:
    values = [p[key] for p in presses if p.get(key) is not None]
    failed = [p["error"] for p in presses if "error" in p]
    if not values:
        return {"failed": failed}
    return {"median": round(statistics.median(values), 2), "max": round(max(values), 2),
            "all": [round(v, 2) for v in values], **({"failed": failed} if failed else {})}


def stage_medians(presses: list[dict]) -> dict | None:
    rows = [p["stages"] for p in presses if p.get("stages") is not None]
    if not rows:
        return None
    return {"presses": len(rows), **{key: round(statistics.median(r[key] for r in rows), 3) for key in rows[0]}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir",
                        default=os.environ.get("CNN_PLAYGROUND_DATA_DIR", str(REPO.parent / "shared" / "data")))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--baseline-rev", action="append", default=[],
                        help="a git revision to measure in the same run (the previous code); may be repeated")
    parser.add_argument("--chromium", default=CHROMIUM)
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
        for tree in trees.values():
            if tree != REPO:
                shutil.rmtree(tree, ignore_errors=True)
    print(json.dumps({
        "executor": "ray" if os.environ.get("CNN_PLAYGROUND_RAY_ADDRESS") else "local",
        "cpus": os.cpu_count(), "load_average_1min": {"min": round(min(load), 1), "max": round(max(load), 1)},
        "click_to_first_point_painted_s": {name: summary(r, "first_point") for name, r in presses.items()},
        "click_to_progress_bar_s": {name: summary(r, "progress") for name, r in presses.items()},
        "stages_median_s": {name: stage_medians(r) for name, r in presses.items()},
        "first_press_of_a_fresh_server": fresh,
        "engine": engine_breakdown(args.data_dir),
    }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Load test: one real server, many browser sessions training at once, as in a workshop room.

Starts `streamlit run app.py` on a free localhost port, opens SESSIONS pages in
Debian's Chromium, and has each start a short training (a time budget of
BUDGET seconds) at the same moment. Meanwhile it keeps loading the home page in
another tab (at every look at the sessions, or every --home-every seconds) and
samples the server's memory. The home page is also loaded --idle-loads times
(default 3) before anyone presses Train: the same run's idle baseline. Prints one
JSON object and exits non-zero if a session neither finished nor queued, if the
server failed to answer a request, if the home page took longer than
--max-home-s to draw (0: no limit), or if the server's memory passed --max-rss-mb.

``--waves 3,10`` presses Train on 3 pages, waits until they finish, then on 10
(the same server). For every training that queued, each page records in the
browser (a timer reading its own text, so the script's slower loop does not
blur it) the first estimated wait it showed, every change of it, and when it
left the queue; the JSON gives each one's real wait, the ratio estimate / real
wait (or, for a wait said as "a few seconds", whether it was at most SOON_S),
whether the estimate held, and how true the countdown after it was
(``held_share``, ``ratios``: countdown_accuracy); and ``estimates_true`` for
each wave.

    python -m benchmarks.load_test --data-dir ../shared/data --sessions 10
    python -m benchmarks.load_test --waves 3,10 [--ray ADDRESS]
    python -m benchmarks.load_test --waves 3,10 --default-epochs --timeout 900
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from benchmarks.jsfiles import js
from cnn_core.base import texts  # the page's own English labels, so a reworded label cannot break this
from cnn_core.train.jobs import SOON_S, estimate_holds
from scripts.chromium import CHROMIUM, CHROMIUM_ARGS
from scripts.ports import free_port

REPO = Path(__file__).resolve().parents[1]

EN = texts.table("en")
STEP_TIMEOUT_S = 300.0  # the longest one browser wait may take (a page, a click, a text) before it counts as hung




# Installed in each page before Train: every QUEUE_TICK_MS it reads the page's own text and keeps the first
# estimate shown ("Estimated wait: about N s.", or "a few seconds", kept as at most SOON_S) with its time, and the
# time the "Queued" line went away.
QUEUE_TICK_MS = 200
RECORDER_JS = js("record_queue_wait")


def queue_patterns() -> tuple[str, str, str]:
    """The page's own English: the start of the "Queued" line, a pattern catching an estimate's seconds ("about
    N s"), and the text of a short wait ("a few seconds")."""
    queued = EN["train.queued"].split("{position}")[0]
    about = re.escape(EN["train.queue_wait"]).replace(re.escape("{seconds}"), r"(\d+)")
    return queued, about, EN["train.queue_wait_soon"]


def estimate_accuracy(records: list[dict]) -> list[dict]:
    """Each queued training's first shown estimate and its real wait from that moment: for "about N s", their
    ratio and whether it held (cnn_core.train.jobs.estimate_holds); for "a few seconds", whether the wait was at
    most SOON_S (``under_s``)."""
    out = []
    for r in records:
        if not r or r.get("estimate") is None or r.get("leftAt") is None:
            continue
        real = (r["leftAt"] - r["shownAt"]) / 1000
        if r.get("under"):
            scored = {"under_s": r["estimate"], "real_wait_s": round(real, 1), "true": real <= r["estimate"]}
        else:
            scored = {"estimate_s": r["estimate"], "real_wait_s": round(real, 1),
                      "ratio": round(r["estimate"] / real, 2) if real > 0 else None,
                      "true": estimate_holds(r["estimate"], real)}
        out.append({**scored, **countdown_accuracy(r.get("trace") or [], r["leftAt"])})
    return out


def countdown_accuracy(trace: list[list], left_at_ms: float) -> dict:
    """How true the countdown was after the first number: the share of the queued time from the first number on
    during which the number shown held for the wait then left (``held_share``: each number judged when it appeared
    and when it was replaced, half its time each, so a number that stops counting down is caught), and the
    shown/real ratios' range (``ratios``, numbers only; the last second is not scored: the page sees the start at
    a drawing once a second)."""
    if not trace:
        return {}
    held_ms = total_ms = 0.0
    ratios = []
    for (at, seconds, soon), following in zip(trace, [*trace[1:], [left_at_ms]]):
        span, first_left_s = max(following[0] - at, 0.0), (left_at_ms - at) / 1000
        if first_left_s < 1.0:
            continue
        for left_s in (first_left_s, max((left_at_ms - following[0]) / 1000, 1.0)):  # (the last: 1 s before)
            total_ms += span / 2
            if soon:
                held_ms += span / 2 if left_s <= seconds else 0.0
            else:
                ratios.append(seconds / left_s)
                held_ms += span / 2 if estimate_holds(seconds, left_s) else 0.0
    if not total_ms:
        return {}
    return {"held_share": round(held_ms / total_ms, 3),
            **({"ratios": [round(min(ratios), 2), round(max(ratios), 2)]} if ratios else {})}


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def start_server(data_dir: str, env_extra: dict[str, str], repo: Path = REPO) -> tuple[subprocess.Popen, str]:
    """`streamlit run app.py` of ``repo`` (this checkout by default) on a free port; (process, url)."""
    port = free_port()
    env = {**os.environ, "CNN_PLAYGROUND_DATA_DIR": data_dir, **env_extra}
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                             "--server.address", "127.0.0.1", "--server.headless", "true"],
                            cwd=repo, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2):
                return proc, url
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("the server did not start")


def run(args, server: tuple[str, int] | None = None) -> dict:
    """The room against a server of its own (``args``' settings), or against ``server`` (its URL and process id),
    one already running (the test suite's, with the app's default settings), which it leaves running."""
    from playwright.sync_api import sync_playwright

    env = {"CNN_PLAYGROUND_MAX_CONCURRENT": str(args.max_concurrent)} if args.max_concurrent else {}
    if getattr(args, "ray", None):  # trainings on this Ray cluster (its token comes from RAY_AUTH_TOKEN)
        env["CNN_PLAYGROUND_RAY_ADDRESS"] = args.ray
    proc, url = (None, server[0]) if server else start_server(args.data_dir, env)
    pid = server[1] if server else proc.pid
    peak = {"rss": 0.0}
    health_ms: list[float] = []
    health_failures = [0]
    stop = threading.Event()

    def sample_memory():
        while not stop.is_set():
            peak["rss"] = max(peak["rss"], rss_mb(pid))
            time.sleep(0.25)

    def probe_server():
        """The server's own answer time, free of the browsers' share of the CPU."""
        while not stop.is_set():
            start = time.time()
            try:
                with urllib.request.urlopen(url + "/", timeout=60) as r:
                    r.read()
                health_ms.append((time.time() - start) * 1000)
            except OSError:
                health_failures[0] += 1
            time.sleep(0.5)

    sampler = threading.Thread(target=sample_memory, daemon=True)
    sampler.start()
    prober = threading.Thread(target=probe_server, daemon=True)
    prober.start()
    default_epochs = getattr(args, "default_epochs", False)
    report: dict = {"sessions": max(getattr(args, "waves", None) or [args.sessions]),
                    "budget_s": None if default_epochs else args.budget, "default_epochs": default_epochs,
                    "executor": "ray" if getattr(args, "ray", None) else "local"}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
            # Every wait is on a condition (an element, a text); on a busy 2-core machine each may take long,
            # so none gives up before step_timeout_s, and the whole room before args.timeout: a hang still fails.
            step_ms = getattr(args, "step_timeout_s", STEP_TIMEOUT_S) * 1000

            def new_page():
                context = browser.new_context(viewport={"width": 1200, "height": 1000})
                context.set_default_timeout(step_ms)
                context.set_default_navigation_timeout(step_ms)
                return context.new_page()

            pages = []
            for _ in range(max(getattr(args, "waves", None) or [args.sessions])):
                page = new_page()
                page.goto(f"{url}/train?lang=en")
                pages.append(page)
            for page in pages:
                page.get_by_role("button", name="Train", exact=True).wait_for()
                if default_epochs:  # the page as a student finds it: its default epochs
                    continue
                page.get_by_text(EN["train.mode_time"], exact=True).click()
                slider = page.get_by_role("slider", name=EN["train.seconds"])
                slider.wait_for()
                slider.focus()
                page.keyboard.press("Home")  # the shortest budget, 5 s
            watcher = new_page()

            def load_home() -> float:
                start = time.time()
                watcher.goto(url + "/?lang=en")
                watcher.wait_for_selector("h1")
                return (time.time() - start) * 1000

            idle_ms = sorted(load_home() for _ in range(getattr(args, "idle_loads", 3)))  # the baseline: nobody trains
            report["home_page_ms_idle_median"] = round(idle_ms[len(idle_ms) // 2])
            page_load_ms = []
            waves = getattr(args, "waves", None) or [args.sessions]
            queued_text, about_pattern, soon_text = queue_patterns()
            report["waves"] = []
            for n in waves:
                wave_pages = pages[:n]
                for page in wave_pages:
                    page.evaluate(RECORDER_JS, [queued_text, about_pattern, soon_text, SOON_S, QUEUE_TICK_MS])
                t0 = time.time()
                for page in wave_pages:  # press Train everywhere, as fast as a room of people would
                    page.get_by_role("button", name="Train", exact=True).click()
                wave = {"sessions": n, "click_all_s": round(time.time() - t0, 2)}
                max_position = 0
                done, started = [False] * n, [False] * n  # started: its last run's results are gone
                deadline = time.time() + args.timeout
                home_at = 0.0  # when the watcher last loaded the home page
                while not all(done) and time.time() < deadline:
                    if time.time() - home_at >= getattr(args, "home_every_s", 0.0):
                        home_at = time.time()
                        page_load_ms.append(load_home())
                    for i, page in enumerate(wave_pages):
                        if done[i]:
                            continue
                        text = page.locator("[data-testid='stMain']").inner_text()
                        m = re.search(r"Queued: position (\d+)", text)
                        if m:
                            max_position = max(max_position, int(m.group(1)))
                        finished = "Test accuracy" in text
                        started[i] = started[i] or not finished
                        done[i] = started[i] and finished
                    time.sleep(1)
                wave["all_s"] = round(time.time() - t0, 1)
                wave["finished"] = sum(done)
                records = [page.evaluate("window.__queue") for page in wave_pages]
                if any(r and r.get("queued") for r in records):  # the recorder looks every QUEUE_TICK_MS
                    max_position = max(max_position, 1)
                wave["max_queue_position_seen"] = max_position
                wave["queued"] = estimate_accuracy(records)
                wave["estimates_true"] = all(q["true"] for q in wave["queued"])
                report["waves"].append(wave)
            last = report["waves"][-1]
            report.update(all_s=last["all_s"], click_all_s=last["click_all_s"],
                          max_queue_position_seen=max(w["max_queue_position_seen"] for w in report["waves"]))
            earlier_all_finished = all(w["finished"] == w["sessions"] for w in report["waves"][:-1])
            report["finished"] = last["finished"] if earlier_all_finished else 0
            report["home_page_ms_median"] = round(sorted(page_load_ms)[len(page_load_ms) // 2])
            report["home_page_ms_max"] = round(max(page_load_ms))
            report["home_page_loads"] = len(page_load_ms)
            browser.close()
    finally:
        stop.set()
        sampler.join()
        prober.join()
        report["server_peak_rss_mb"] = round(peak["rss"])
        report["server_http_failures"] = health_failures[0]
        if health_ms:
            report["server_http_ms_median"] = round(sorted(health_ms)[len(health_ms) // 2])
            report["server_http_ms_max"] = round(max(health_ms))
        if proc is not None:
            proc.terminate()
            proc.wait(10)
    home_ok = not args.max_home_s or report.get("home_page_ms_max", float("inf")) <= args.max_home_s * 1000
    sessions = max(getattr(args, "waves", None) or [args.sessions])
    report["ok"] = (report.get("finished") == sessions and report["server_http_failures"] == 0 and home_ok
                    and report["server_peak_rss_mb"] <= args.max_rss_mb)
    return report


def _at_least_one(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("at least 1 (the idle baseline needs a load)")
    return value


def main(argv: list[str] | None = None) -> int:
    import signal

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # a timeout still stops the server (finally)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir",
                        default=os.environ.get("CNN_PLAYGROUND_DATA_DIR", str(REPO.parent / "shared" / "data")))
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--waves", type=lambda text: [int(n) for n in text.split(",")], default=None,
                        help="e.g. 3,10: that many sessions press Train, one wave after the other (default: SESSIONS)")
    parser.add_argument("--budget", type=int, default=5, help="(fixed by the slider's minimum: 5 s)")
    parser.add_argument("--default-epochs", action="store_true",
                        help="press Train with the page's defaults (its epochs) instead of a 5 s time budget")
    parser.add_argument("--max-concurrent", type=int, default=None, help="default: the app's own")
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--step-timeout", dest="step_timeout_s", type=float, default=STEP_TIMEOUT_S,
                        help="seconds one browser wait may take before the run counts as hung")
    parser.add_argument("--max-home-s", type=float, default=10.0, help="0: report the home page's times only")
    parser.add_argument("--max-rss-mb", type=float, default=4000)
    parser.add_argument("--idle-loads", type=_at_least_one, default=3, help="home page loads before anyone trains (the baseline)")
    parser.add_argument("--home-every", dest="home_every_s", type=float, default=0.0,
                        help="seconds between home page loads while a wave trains (0: one per look at the sessions)")
    parser.add_argument("--ray", metavar="ADDRESS", help="train on this Ray cluster (with RAY_AUTH_MODE/RAY_AUTH_TOKEN)")
    parser.add_argument("--chromium", default=CHROMIUM)
    args = parser.parse_args(argv)
    report = run(args)
    print(json.dumps(report, indent=2))
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())

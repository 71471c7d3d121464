"""Time to the first page of a fresh server, as JSON: what the first visitor of a just-started app waits.

Starts `streamlit run app.py` on a free localhost port, opens its home page in
Debian's Chromium as soon as the server answers its health check, and times
until the page's title (its ``h1``) is drawn; then the same for a one-line
Streamlit app (``st.title``) in the same run: the framework's own floor on
this machine. Each is a fresh server, ``--repeats`` times; the medians are
compared. The issue's mark is the app's first page within 3 s. The app is
also started as ``streamlit run server.py`` (its warm-up begins at the
server's start, so it shares the machine with the first page).

    python -m benchmarks.bench_first_page [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from scripts.chromium import CHROMIUM, CHROMIUM_ARGS
from scripts.ports import free_port

REPO = Path(__file__).resolve().parents[1]
BASELINE_APP = 'import streamlit as st\nst.title("Baseline")\n'


def first_page_s(browser, script: str, cwd: Path, env: dict[str, str]) -> dict:
    """A fresh `streamlit run script`: seconds to its health check, then from there to its first drawn h1."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port),
                             "--server.address", "127.0.0.1", "--server.headless", "true"],
                            cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2):
                    break
            except OSError:
                if proc.poll() is not None or time.perf_counter() - t0 > 120:
                    raise SystemExit(f"{script}: the server did not start") from None
                time.sleep(0.05)
        healthy = time.perf_counter()
        context = browser.new_context()
        page = context.new_page()
        page.goto(url + "/?lang=en")
        page.wait_for_selector("h1", timeout=120_000)
        drawn = time.perf_counter()
        context.close()
        return {"to_health_s": round(healthy - t0, 2), "first_page_s": round(drawn - healthy, 2)}
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--data-dir",
                        default=os.environ.get("CNN_PLAYGROUND_DATA_DIR", str(REPO.parent / "shared" / "data")))
    parser.add_argument("--chromium", default=CHROMIUM)
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        baseline_dir = Path(tmp)
        (baseline_dir / "baseline.py").write_text(BASELINE_APP)
        env = {**os.environ, "CNN_PLAYGROUND_DATA_DIR": args.data_dir}
        env.pop("CNN_PLAYGROUND_DATABASE_URL", None)
        app, baseline, server_py = [], [], []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
            for i in range(args.repeats):  # interleaved, so a busy moment of the machine hits both
                baseline.append(first_page_s(browser, "baseline.py", baseline_dir, env))
                # a fresh home each time: a new SQLite database, as on a server's very first start
                app.append(first_page_s(browser, "app.py", REPO, {**env, "CNN_PLAYGROUND_HOME": f"{tmp}/home{i}"}))
                server_py.append(first_page_s(browser, "server.py", REPO,
                                              {**env, "CNN_PLAYGROUND_HOME": f"{tmp}/server{i}"}))
            browser.close()

    def median(runs, key):
        return round(statistics.median(r[key] for r in runs), 2)

    out = {"repeats": args.repeats,
           "baseline_first_page_s_median": median(baseline, "first_page_s"),
           "app_first_page_s_median": median(app, "first_page_s"),
           "app_to_health_s_median": median(app, "to_health_s"),
           "baseline_to_health_s_median": median(baseline, "to_health_s"),
           "server_py_first_page_s_median": median(server_py, "first_page_s"),
           "app_runs": app, "baseline_runs": baseline, "server_py_runs": server_py}
    out["app_over_baseline_s"] = round(out["app_first_page_s_median"] - out["baseline_first_page_s_median"], 2)
    out["within_3_s"] = out["app_first_page_s_median"] <= 3.0
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Browser tests' shared parts: a real `streamlit run app.py` on a free port, Chromium pages, screenshots.

The fixtures built on these (``browser``, ``server``, ``page``) are in
conftest.py. Everything fails (never skips) with what to install when
Chromium or Playwright is missing.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
import urllib.request

import pytest
from conftest import REPO, data_dir

from scripts.chromium import CHROMIUM_ARGS as BASE_ARGS
from scripts.chromium import TEST_CHROMIUM as CHROMIUM
from scripts.chromium import init_script as chromium_init_script
from scripts.chromium import js_function
from scripts.ports import free_port

# --process-per-site: see visitors_context. --js-flags=--max-opt=2: V8 stops at its mid-tier compiler (Maglev), without
# TurboFan, whose optimising work a test's short-lived pages never repay: six page loads in one context took Chromium
# 18.2-19.3 CPU-s instead of 22.5-23.5 (Chromium 156, the 2-core machine). The same JavaScript runs, only compiled
# differently; the benchmarks' browsers (benchmarks/) keep V8's defaults, as a visitor's has.
CHROMIUM_ARGS = [*BASE_ARGS, "--process-per-site", "--js-flags=--max-opt=2"]
SHOTS = REPO / "artifacts" / "screenshots"
VIEWPORT = {"width": 1400, "height": 1600}
JS = REPO / "tests" / "js"


def js(name: str) -> str:
    """The function in ``tests/js/<name>.js`` (scripts/chromium.py reads it)."""
    return js_function(JS, name)


def init_script(name: str, *args) -> str:
    """``add_init_script``'s script calling ``tests/js/<name>.js`` with ``args``."""
    return chromium_init_script(js(name), *args)


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"streamlit exited early:\n{proc.stdout.read()}", pytrace=False)
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail("streamlit did not answer its health check in time", pytrace=False)


SERVER_PIDS: dict[str, int] = {}  # {URL: process id} of the servers streamlit_server runs now


@contextlib.contextmanager
def streamlit_server(script: str = "app.py", **settings: str):
    """A fresh `streamlit run app.py` (or ``server.py``, as the deployment files start it) on a free localhost
    port, with these environment settings; yields its URL."""
    port = free_port()
    env = {**os.environ, "CNN_PLAYGROUND_DATA_DIR": str(data_dir()), "PYTHONUNBUFFERED": "1", **settings}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    SERVER_PIDS[url] = proc.pid
    try:
        wait_healthy(url, proc)
        yield url
    finally:
        del SERVER_PIDS[url]
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def require_chromium() -> str:
    """The Chromium executable's path; fails the test, saying how to install it, when there is none."""
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: install it (Debian: apt-get install -y "
                    "chromium-headless-shell, or chromium) or set CHROMIUM_PATH", pytrace=False)
    return CHROMIUM


@contextlib.contextmanager
def chromium():
    """Debian's Chromium, launched by Playwright."""
    require_chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the playwright package is missing: pip install -r requirements-dev.txt", pytrace=False)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@contextlib.contextmanager
def new_page(browser, **options):
    """A page in a fresh browser context (a visitor of its own: no shared cookies); the context closes after.

    The page asks for reduced motion: Streamlit's decorative animations (the running indicator, skeletons, fades,
    smooth tab scrolling) cost Chromium's software renderer a tenth of the browser tests' CPU (README, "Run the
    tests"). Only those decorations differ from what a visitor sees: the app's own code never asks for it
    (tests/core/test_structure.py). The contexts a test builds itself, and the load test's visitors, keep full motion.
    """
    context = browser.new_context(**({"viewport": VIEWPORT, "reduced_motion": "reduce"} | options))
    try:
        yield context.new_page()
    finally:
        context.close()


@contextlib.contextmanager
def visitors_context(browser, server: str):
    """One browser context whose tabs the ``page`` tests take turns in: each test gets a tab of its own.

    A fresh context starts a fresh renderer process, which compiles Streamlit's and Plotly's code again: the first
    page of a tab cost 4.8-5 CPU-seconds in a new context and 2.6-3.1 in a tab of this one (Chromium 156, the
    2-core machine, the Train page; ``--process-per-site`` keeps the site's pages in one renderer, and a tab on the
    server's health URL keeps that renderer alive between tests). What a visitor keeps is still the test's own: a
    new tab has no sessionStorage (where the app keeps a tab's workspace code), and after each test the cookies and
    every origin's localStorage (where Streamlit keeps the sidebar's state) are cleared (:func:`forget_visits`).
    One renderer then serves every such tab of the session: a test that crashes it fails the tests after it too.
    A test with several visitors at once gives each but one a context of its own (:func:`new_page`): tabs of one
    site share one renderer here, and four students' tabs took 54 s instead of 46 s, each waiting for the others'
    drawing.
    """
    with new_page(browser) as keeper:
        keeper.goto(f"{server}/_stcore/health")
        yield keeper.context


def forget_visits(context) -> None:
    """Clear what a test's visitors left in :func:`visitors_context`'s context: cookies, and localStorage of every
    origin (the servers of other tests' included, whose ports a later server may get); fails if any stays."""
    context.clear_cookies()

    def kept() -> list[str]:
        return [o["origin"] for o in context.storage_state()["origins"] if o.get("localStorage")]

    if left := kept():
        cdp = context.new_cdp_session(context.pages[0])  # the keeper's tab: the context's storage
        try:
            for origin in left:
                cdp.send("Storage.clearDataForOrigin", {"origin": origin, "storageTypes": "local_storage"})
        finally:
            cdp.detach()
    if left := kept():
        pytest.fail(f"localStorage of {left} outlived the test's visit: the next test's visitor would find it",
                    pytrace=False)


@contextlib.contextmanager
def visitor_tab(context):
    """A visitor of their own: a new tab in :func:`visitors_context`'s context, closed after (its session ends)."""
    tab = context.new_page()
    try:
        yield tab
    finally:
        tab.close()


# Streamlit marks its root with the script run's state (the attribute its own end-to-end tests wait on); the page
# is settled when no run is going or asked for, the connection is up, no element is still shown stale and every
# chart is drawn (Streamlit loads Plotly's code lazily: a chart's element comes before its drawing).
SETTLED = js("script_run_settled")


def settle(page, timeout_ms: int = 60_000) -> None:
    """Wait until the page's script run has finished and its elements are drawn (a condition, not a fixed delay).

    Fails with a clear message if Streamlit no longer marks its root (`data-test-script-state`, used by
    Streamlit's own end-to-end tests): the helper must then learn the new mark."""
    page.wait_for_timeout(50)  # a click's rerun request reaches the root's mark within a frame
    deadline = time.time() + timeout_ms / 1000
    while time.time() < deadline:
        state = page.evaluate(SETTLED)
        if state == "unknown" and page.locator('[data-testid="stApp"]').count():
            pytest.fail("Streamlit's root no longer carries data-test-script-state: update tests/browsing.settle",
                        pytrace=False)
        if state is True:  # settled for 0.45 s on end: a rerun the run asked for (or a fragment's) starts within that
            if all(page.wait_for_timeout(150) or page.evaluate(SETTLED) is True for _ in range(3)):
                return
        page.wait_for_timeout(100)
    pytest.fail(f"the page did not settle within {timeout_ms / 1000:.0f} s", pytrace=False)


def open_page(page, url: str, ready: str = "h1") -> None:
    page.goto(url)
    page.wait_for_selector(ready, timeout=60_000)
    settle(page)


def errors_on(page) -> list[str]:
    return page.locator("[data-testid='stException'], [data-testid='stAlertContentError']").all_inner_texts()


def metric_values(page) -> list[str]:
    return page.locator("[data-testid='stMetricValue']").all_inner_texts()


# Screenshots are JPEGs: Chromium encoding the PNG of a page drawn 1400 px wide and up to 8000 px tall cost a fifth of
# the Spanish walk's browser CPU (19 of 103 CPU-s and 12 of 67 s at 1400 px, none of it checking anything); a JPEG of
# quality 80 took a third of that and keeps every text readable (Chromium 156, the 2-core machine).
SHOT_QUALITY = 80


def shot(page, name: str, full_page: bool = True) -> None:
    """A screenshot of the whole page (or of the window), artifacts/screenshots/<name>.jpg."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.jpg"), type="jpeg", quality=SHOT_QUALITY, full_page=full_page)


def draw_a_one(page) -> str:
    """Draw a tall vertical stroke on the Draw page's canvas; returns the prediction shown."""
    canvas = page.locator("canvas").last
    canvas.wait_for(timeout=30_000)
    settle(page)
    box = canvas.bounding_box()
    x0, y0 = box["x"], box["y"]
    page.mouse.move(x0 + 140, y0 + 40)
    page.mouse.down()
    for i in range(30):  # a tall vertical stroke: a "1"
        page.mouse.move(x0 + 140, y0 + 40 + 7 * i, steps=2)
    page.mouse.up()
    prediction = page.locator(".st-key-prediction")
    prediction.wait_for(timeout=30_000)
    settle(page)  # the rest of the answer (maps, where it looked) is drawn in the same run
    return prediction.inner_text().strip()


def toolbar_titles(page) -> list[str]:
    return page.evaluate(js("canvas_toolbar_titles"))

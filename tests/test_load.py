"""The hosted-workshop load test, run as part of the suite (about two minutes)."""

import pytest

from conftest import data_dir

pytestmark = [pytest.mark.browser, pytest.mark.realdata]


def test_ten_browser_sessions_training_at_once_all_finish_and_the_server_stays_responsive():
    import importlib.util

    from conftest import REPO

    import os

    chromium = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if not os.path.exists(chromium):
        pytest.fail(f"Chromium not found at {chromium}: apt-get install -y chromium, or set CHROMIUM_PATH",
                    pytrace=False)
    spec = importlib.util.spec_from_file_location("load_test", REPO / "scripts" / "load_test.py")
    load_test = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(load_test)
    args = load_test.argparse.Namespace(
        data_dir=str(data_dir()), sessions=10, budget=5, max_concurrent=None, timeout=300,
        max_home_s=10.0, max_rss_mb=4000, chromium=chromium)
    report = load_test.run(args)
    print(report)
    assert report["finished"] == 10
    assert report["max_queue_position_seen"] >= 1  # more users than training slots: they queued
    assert report["server_http_ms_max"] < 5000
    assert report["home_page_ms_max"] < 10_000
    assert report["server_peak_rss_mb"] < 4000
    assert report["ok"]

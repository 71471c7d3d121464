"""The app without Ray installed: every page, an in-process training, the command line; and a clear message
when a server is told to use a cluster it has no Ray for.

Each test runs in a fresh interpreter where ``import ray`` fails as it does on a machine without the package
(``sys.modules["ray"] = None``), since the test environment itself has Ray installed for the ``ray`` tests. The
command line runs in the same interpreter after the pages (one start of Python and torch less); a command that came
to need something only the pages import would still be caught by tests/core/test_training.py's command-line tests,
each in a fresh interpreter.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import REPO

from cnn_core.base import texts

# The fast tier's small synthetic datasets (tests/conftest.py): what is checked is the app without Ray, not what a
# run learns; a fresh interpreter rendering every page is seconds of CPU.
pytestmark = pytest.mark.slow

WITHOUT_RAY = "import sys; sys.modules['ray'] = None  # `import ray` now raises ImportError\n"

PAGES_AND_A_TRAINING = WITHOUT_RAY + """
import json
from streamlit.testing.v1 import AppTest
from ui.base.nav import PAGES

report = {"pages": {}}
home = AppTest.from_file("app.py", default_timeout=120)
home.query_params["lang"] = "en"
home.run()
report["pages"]["home"] = [e.value for e in home.exception]
for page in PAGES:
    if page.default:
        continue
    at = AppTest.from_file(page.path, default_timeout=120)
    at.query_params["lang"] = "en"
    at.run()
    report["pages"][page.name] = [e.value for e in at.exception]
at = AppTest.from_file("pages/train.py", default_timeout=120)
at.query_params["lang"] = "en"
at.run()
at.radio(key="w_mode").set_value("epochs").run()
at.slider(key="w_epochs").set_value(1).run()
at.button(key="start").click().run()
job = at.session_state["job"]
report["finished"] = job.wait(300)
at.run()
report["executor"] = job.snapshot().executor
report["exceptions"] = [e.value for e in at.exception]
report["errors"] = [e.value for e in at.error]
report["metrics"] = [m.label for m in at.metric]
"""
REPORT = "print(json.dumps(report))\n"

# The command line in the same interpreter, after the pages (one start of Python and torch less): its JSON and
# exit status join the report.
AND_THE_COMMAND_LINE = """
import contextlib, io, runpy
out = io.StringIO()
sys.argv = ["cnn_core", "train", "--time-budget", "1", "--json"]
with contextlib.redirect_stdout(out):
    try:
        runpy.run_module("cnn_core", run_name="__main__")
        report["cli_status"] = 0
    except SystemExit as stop:
        report["cli_status"] = stop.code or 0
report["cli"] = json.loads(out.getvalue())
"""


def run_without_ray(code: str, data_dir, **env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYTHONPATH": str(REPO), "CNN_PLAYGROUND_DATA_DIR": str(data_dir),
                               **env})


def last_json(out: subprocess.CompletedProcess) -> dict:
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_every_page_an_in_process_training_and_the_command_line_work_without_ray(synthetic_data_dir):
    report = last_json(run_without_ray(PAGES_AND_A_TRAINING + AND_THE_COMMAND_LINE + REPORT, synthetic_data_dir))
    assert report["pages"] and all(not errors for errors in report["pages"].values()), report["pages"]
    assert report["finished"] and report["executor"] == "local"
    assert not report["exceptions"] and not report["errors"], report
    assert "Test accuracy" in report["metrics"]
    assert report["cli_status"] == 0, report["cli"]
    assert report["cli"]["executor"] == "local" and 0 <= report["cli"]["test_accuracy"] <= 1


def test_a_server_told_to_use_a_cluster_without_ray_installed_says_so_on_the_train_page(synthetic_data_dir):
    report = last_json(run_without_ray(PAGES_AND_A_TRAINING + REPORT, synthetic_data_dir,
                                       CNN_PLAYGROUND_RAY_ADDRESS="127.0.0.1:6379"))
    assert all(not errors for errors in report["pages"].values()), report["pages"]  # the rest of the app works
    assert report["finished"] and not report["exceptions"]
    assert report["errors"] == [texts.translate("en", "err.ray_missing")]

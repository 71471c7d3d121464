"""Debian's Chromium as the tests and benchmarks launch it (Playwright): where it is, and the flags it needs here.

Two builds of the same Chromium version, both Debian packages: ``chromium``, the browser a visitor runs (the
benchmarks measure with it), and ``chromium-headless-shell``, the same engine without the browser around it,
which is what Playwright itself runs for headless tests. The tests take the shell when it is installed
(:data:`TEST_CHROMIUM`): the same five pages cost 15.6 busy CPU-seconds with it against 18.0 with the full
browser (three rounds each, the 2-core machine, 2026-12-06; ``scripts/test.sh`` installs both).
``CHROMIUM_PATH`` names one executable for both.

The flags: no sandbox (containers run as root), no GPU (there is none), and none of the browser's own background
traffic (updates, sync, first-run pages), which would compete with what is measured. The tests add flags of their
own (``tests/browsing.py``); the benchmarks' browsers keep these only, as a visitor's would.
"""

import functools
import json
import os
import pathlib

CHROMIUM = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
HEADLESS_SHELL = "/usr/bin/chromium-headless-shell"
TEST_CHROMIUM = os.environ.get("CHROMIUM_PATH") or (HEADLESS_SHELL if os.path.exists(HEADLESS_SHELL) else CHROMIUM)
CHROMIUM_ARGS = ("--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run")


# ------------------------------------------------------------------ browser scripts in .js files

@functools.cache
def js_function(folder: pathlib.Path, name: str) -> str:
    """The function in ``folder/<name>.js`` (tests/js/, benchmarks/js/): one JavaScript function expression a file,
    what Playwright's ``evaluate`` and ``wait_for_function`` take, given its values as arguments, never pasted into
    its text. Read once per process."""
    return (folder / f"{name}.js").read_text(encoding="utf-8")


def init_script(function: str, *args) -> str:
    """A script calling ``function`` with ``args`` (as JSON): ``add_init_script`` takes a script, not a function
    with arguments."""
    return f"({function})({', '.join(json.dumps(a) for a in args)});"

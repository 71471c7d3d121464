"""The benchmarks' browser scripts, one function a file in ``benchmarks/js/`` (read by scripts/chromium.py)."""

from __future__ import annotations

import functools
from pathlib import Path

from scripts.chromium import init_script, js_function

FOLDER = Path(__file__).resolve().parent / "js"
js = functools.partial(js_function, FOLDER)


def script(name: str, *args) -> str:
    """``add_init_script``'s script calling ``benchmarks/js/<name>.js`` with ``args``."""
    return init_script(js(name), *args)

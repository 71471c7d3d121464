"""The app's browser scripts, read from the ``.js`` files beside the modules that mount them.

All of the app's JavaScript lives in ``ui/<layer>/static/*.js`` (a test checks
that no Python string holds any): a script is edited, linted and read as
JavaScript, and gets its data as JSON with named fields, never by pasting
values into its text. What each script is for, and why no Streamlit option
does it instead, is in its own header.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path


@cache
def script(module_file: str, name: str) -> str:
    """The text of ``static/<name>`` next to ``module_file`` (pass ``__file__``); read once per process."""
    return (Path(module_file).resolve().parent / "static" / name).read_text(encoding="utf-8")

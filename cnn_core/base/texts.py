"""Every text a person reads, in every language: the translation files and number formatting.

One TOML file per language in ``cnn_core/locales/`` (``es.toml``, ``en.toml``,
…) maps keys to texts with ``{placeholders}``; the list of languages is the
list of files, so adding a language is adding one file. The core's errors,
the command line and the app all read these files; nothing else holds a copy
of a text. ``_meta.name`` is the language's name in the switch; how it writes
numbers comes from its code (:mod:`cnn_core.base.numbers`).

This module is plain Python (no Streamlit): the app's ``ui/base/i18n.py`` picks the
session's language and calls :func:`translate`.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from cnn_core.base.numbers import format_number

LOCALES_DIR = Path(__file__).resolve().parents[1] / "locales"
DEFAULT_LANG = "es"  # the course is Spanish
CLI_LANG = "en"  # the command line and logs


@cache
def languages() -> tuple[str, ...]:
    """Language codes with a translation file, the default first."""
    codes = sorted(p.stem for p in LOCALES_DIR.glob("*.toml"))
    return tuple(sorted(codes, key=lambda c: c != DEFAULT_LANG))


@cache
def table(lang: str) -> dict[str, str]:
    """The language's whole table (key → text)."""
    with open(LOCALES_DIR / f"{lang}.toml", "rb") as f:
        return tomllib.load(f)


@dataclass(frozen=True)
class Message:
    """A text still to be translated, usable as another text's parameter (an error's reason)."""

    key: str
    params: dict = field(default_factory=dict)


def translate(lang: str, key: str, **params) -> str:
    """The text for ``key`` in ``lang`` with ``params`` filled in (numbers as that language writes them)."""
    text = table(lang if lang in languages() else DEFAULT_LANG)[key]
    return text.format(**{k: _localise(v, lang) for k, v in params.items()})


def _localise(value, lang: str):
    # ints fill placeholders grouped ("25.088"); floats are passed pre-formatted by callers
    if isinstance(value, Message):  # a sentence inside another: its own full stop goes
        return translate(lang, value.key, **value.params).rstrip(".")
    if isinstance(value, int) and not isinstance(value, bool):
        return format_number(value, lang)
    if isinstance(value, float) and math.isfinite(value) and "e" not in repr(value):  # a core error's 300.0 MB
        return format_number(value, lang, min(len(repr(value).partition(".")[2]), 6))  # "300,0" / "0,25" (es)
    return value

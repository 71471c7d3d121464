"""What a class name may be: one rule for an image zip's folders and a model file's names.

A class name is text people read in charts, tables and messages, and it comes
from anyone (a folder in a zip, a field in a model file). Both go through
:func:`normalise` and :func:`problem`, so a folder the loader accepts is a name
the model file accepts when the run is read back, and two names that look the
same ("cat" and "cat ", "café" written two ways) are one name.

Not here: the translated names of registered datasets' classes (``datasets``).
"""

from __future__ import annotations

import unicodedata

from cnn_core.base import usertext

MAX_LENGTH = 100  # characters, after normalising

def normalise(name: str) -> str:
    """The name as it is shown and stored: composed (NFC), then one line as all user text is kept
    (:func:`usertext.one_line`: no control or invisible characters, every run of blanks one space, trimmed).

    NFC because a zip made on a Mac writes "é" as "e" + a combining accent; the
    invisible characters because "cat\u200b" or a BOM would otherwise be a
    second "cat".
    """
    return usertext.one_line(unicodedata.normalize("NFC", name))


def _visible(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LMNPS"  # letters, marks, numbers, punctuation, symbols


def problem(name: str) -> str | None:
    """None for a valid normalised name; else why not: "blank" (nothing visible) or "too_long"."""
    if not any(_visible(ch) for ch in name):
        return "blank"
    if len(name) > MAX_LENGTH:
        return "too_long"
    return None

"""Text people type (nicknames, run names, room titles) as the app keeps and exports it.

Pure functions, no database and no Streamlit: :mod:`cnn_core.store.storage` cleans
what it stores with them, and the room's CSV export writes its cells through
:func:`spreadsheet_cell`. They do not escape Markdown or HTML; the app shows
user text as text (see ``ui/i18n.plain``).
"""

from __future__ import annotations

import unicodedata

ANONYMOUS_MARK = "#"  # the board shows members without a nickname as "#3"; no nickname may start with it
# Spreadsheets (Excel, LibreOffice, Google Sheets) run a cell starting with these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def without_nul(text: str) -> str:
    """``text`` without NUL characters, which PostgreSQL's text columns cannot hold (SQLite can: both get this)."""
    return text.replace("\x00", "")


# Characters that show nothing and change what text around them looks like: bidi overrides and marks,
# zero-width spaces and joiners of words, the byte-order mark, the soft hyphen. Not the zero-width (non-)joiner
# (U+200C, U+200D): Persian and Indic spelling and emoji sequences need them.
INVISIBLE = frozenset("\u00ad\u061c\u180e\u200b\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff"
                      "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def one_line(text: str, limit: int | None = None) -> str:
    """One line of plain text: no control characters (escape codes, newlines), none of :data:`INVISIBLE`,
    every run of whitespace one space, trimmed, at most ``limit`` characters."""
    kept = "".join(" " if ch.isspace() else ch for ch in str(text)
                   if ch.isspace() or (ch not in INVISIBLE and unicodedata.category(ch) not in ("Cc", "Cs", "Co")))
    line = " ".join(kept.split())
    return line[:limit] if limit is not None else line


def nickname(text: str, limit: int) -> str:
    """A room nickname: :func:`one_line`, compatibility forms folded ("＃" is "#"), and no leading
    ``ANONYMOUS_MARK``, so nobody can pass for the board's label of a member without a nickname."""
    line = one_line(unicodedata.normalize("NFKC", one_line(text)))
    return line.lstrip(ANONYMOUS_MARK + " ")[:limit]  # "# #3" is not "#3" either


def spreadsheet_cell(value):
    """A CSV cell a spreadsheet shows as text: user text starting like a formula gets a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value

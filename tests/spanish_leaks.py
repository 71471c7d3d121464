"""What in a page's text is not Spanish: Streamlit's and its components' own English, English number grouping,
sizes without a space. Used by the Spanish walk in Chromium and by the fast tier's check of the same rules."""

from __future__ import annotations

import re

# English that Streamlit and the app's components write by themselves (their defaults), word for word.
STREAMLIT_ENGLISH = [
    "Press Enter to apply", "Press Enter to submit form", "Press Ctrl+Enter", "Drag and drop", "Browse files",
    "Upload", "Add files", "per file", "Limit", "files are not allowed", "or smaller", "Upload failed", "Remove",
    "Running...", "Stop", "Stopping...", "Rerun", "Connecting", "Please wait", "Choose an option", "No results",
    "Clear value", "Increment", "Decrement", "Show password", "Copy to clipboard", "Download as CSV", "Search",
    "Fullscreen", "View more", "View less", "Made with Streamlit", "Deploy", "Skip to main content",
    "Update the app with this drawing", "Undo", "Redo", "Edit", "Bring forward", "Send backward",
    "Delete selected", "Reset canvas",
]
ENGLISH = re.compile(r"(?<![\w])(?:" + "|".join(re.escape(w) for w in STREAMLIT_ENGLISH) + r")(?![\w])")
# "25,088" / "1,234,567": English grouping. Spanish decimals such as "0,659" (a leading 0) never match. One digit,
# a comma and three ("1,696") is English grouping or a Spanish decimal with three places: on the pages that write
# such decimals (Por dentro's step-by-step sums) only the unambiguous forms count ("25,088", "1,234,567").
GROUPED = re.compile(r"(?<![\d.,])[1-9]\d{0,2}(?:,\d{3})+(?![\d,])")
SURELY_GROUPED = re.compile(r"(?<![\d.,])(?:[1-9]\d{1,2}(?:,\d{3})+|[1-9](?:,\d{3}){2,})(?![\d,])")
SIZE_WITHOUT_SPACE = re.compile(r"\d(?:[KMG]B|B)\b")  # Streamlit's "12.3KB"; the app writes "12,3 KB"


def leaks(text: str, three_decimals: bool = False) -> dict[str, list[str]]:
    """What in ``text`` is not Spanish; ``three_decimals``: the page writes decimals like "1,696" (see GROUPED)."""
    grouped = (SURELY_GROUPED if three_decimals else GROUPED).findall(text)
    found = {"english": sorted(set(ENGLISH.findall(text))), "grouping": sorted(set(grouped)),
             "size": sorted(set(SIZE_WITHOUT_SPACE.findall(text)))}
    return {kind: values for kind, values in found.items() if values}


# ------------------------------------------------------------------ the whole walk's further rules

# An English decimal ("0.97", "30.0", "0.002"): a point that is no Spanish thousands mark ("25.088", "1.234.567").
DOTTED = re.compile(r"(?<![\w.,])\d+(?:\.\d+)+(?![\w.,]?\d)")
SPANISH_THOUSANDS = re.compile(r"[1-9]\d{0,2}(?:\.\d{3})+")
PERCENT_WITHOUT_SPACE = re.compile(r"\d%")  # "98.5%" / "98,5%": Spanish writes "98,5 %"
RAW_SCIENTIFIC = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)?e[-+]?\d+\b")  # Python's "1e-05", where the app writes 10⁻⁵
# What the walk never reads as a number: addresses and file names.
NOT_NUMBERS = re.compile(r"\S+://\S+|\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b|\S+\.(?:zip|png|md|html|csv)\b")
KEY_LIKE = re.compile(r"(?<![\w.])[a-z_][a-z0-9_]*(?:\.[a-z0-9_-]+)+(?![\w.])")


def numbers_not_spanish(text: str) -> list[str]:
    """Numbers written the English or Python way: "0.97", "30.0", "98.5%", "98,5%", "1e-05"."""
    text = NOT_NUMBERS.sub(" ", text)
    found = [n for n in DOTTED.findall(text) if not SPANISH_THOUSANDS.fullmatch(n)]
    found += PERCENT_WITHOUT_SPACE.findall(text) + RAW_SCIENTIFIC.findall(text)
    return sorted(set(found))


def raw_keys(text: str, keys) -> list[str]:
    """Translation keys shown as they are («train.start»): a text missing from the table, or never translated."""
    return sorted({k for k in KEY_LIKE.findall(text) if k in keys})


def raw_ids(text: str, ids) -> list[str]:
    """Internal names shown alone where the app names them («mnist», «adam», «bf16», «max 2»): a whole line, table
    cell or ·-separated part that is an id, maybe followed by a number or after a run's «#1»."""
    parts = re.split(r"[\n\t·|]", text)
    names = "|".join(re.escape(i) for i in sorted(ids, key=len, reverse=True))
    pattern = re.compile(r"(?:#\d+ )?(?:" + names + r")(?: \d+)?")  # "#1 mnist 16", a run in a list
    return sorted({p.strip() for p in parts if pattern.fullmatch(p.strip())})


def english_fragments(english: dict[str, str], spanish: dict[str, str], min_words: int = 3) -> set[str]:
    """Pieces of the app's English texts (between placeholders and Markdown marks) of at least ``min_words``
    words that no Spanish text contains: one of them on a Spanish page is a text that was never translated."""
    spanish_all = "\n".join(spanish.values())
    found = set()
    for key, text in english.items():
        if spanish.get(key) == text:
            continue
        for piece in re.split(r"\{[^}]*\}|\*\*|[`*_«»\"()\[\]:;.!?\n]", text):
            piece = " ".join(piece.split())
            if len(piece.split()) >= min_words and piece not in spanish_all:
                found.add(piece)
    return found


def app_english(text: str, fragments) -> list[str]:
    flat = " ".join(text.split())
    return sorted(f for f in fragments if f in flat)

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

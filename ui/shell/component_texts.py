"""Texts that Streamlit and third-party widgets draw themselves, kept out of the reader's way or set in their language.

Streamlit writes some English of its own with no option to change it: the
"Press Enter to apply" hint under text and number inputs, the upload box's
"Drag and drop a file here" and "Limit 200MB per file • ZIP", the uploaded
file's size ("12.3KB"), the status widget's "Stop".
:func:`hide_builtin_hints` (called first thing by app.py) hides them with a
static style sheet (no text in it). It is sent as the run's first element, a
Markdown one: Streamlit draws Markdown with its own page script, so the sheet
applies with the first message, before the status widget shows its "Stop"
(half a second into a run). A component's style sheet would not: components'
code is fetched lazily, and on a busy machine that took longer. The sheet also
hides its own (empty) element. :func:`zip_uploader` writes what they said in the reader's language under
the box: the rules, then the chosen file's name (as text) and size
(:func:`ui.base.i18n.file_size`, "12,3 KB").

Streamlit's ⋮ menu ("Print", "Record screen", the theme's "System / Light /
Dark") and the tables' "Download as CSV" and copy are turned
off in ``.streamlit/config.toml`` (``client.toolbarMode = "minimal"``,
``client.disableDataExport = true``): supported options, no script.

A few texts cannot be hidden without losing a control, and have no option: the
upload button's "Upload", the "Drag and drop a file here" shown while a file
is dragged over the box, the error a refused file gets under its chip ("File
must be 200.0MB or smaller.", written by the browser before anything reaches
the server, so no app code sees it), the "Skip to main content" link a keyboard user
meets first, the drawing canvas's toolbar tooltips ("Undo",
"Reset canvas & history", ..., drawn inside the canvas's shadow root, out of
reach of the page's styles), and the buttons tables and charts show on hover
("Fullscreen", "Search"), their tooltips and screen-reader names
(STREAMLIT_LABELS). :func:`component_texts` mounts a tiny Streamlit component
(``st.components.v2``) whose script, ``static/component_texts.js``, replaces
those with the locale files' texts when the page changes (a MutationObserver,
batched to once per frame, before the browser paints; its header says what it
relies on and which Streamlit versions it is pinned to); the upload button stays invisible until its label is
replaced, so if the script ever fails the box shows no English, only no
button (the box itself still opens the file dialog). The Spanish browser tests
(tests/browser/test_spanish_browser.py, tests/browser/test_spanish_walk.py) fail if any of that
English shows. Nothing a user typed goes through it.
"""

from __future__ import annotations

import json

import streamlit as st

from cnn_core.base import texts
from ui.base.i18n import file_size, plain, t
from ui.base.scripts import script

# Streamlit's own English, by its stable test ids; hidden, never rewritten (a style sheet with no text in it).
# The upload button and the skip link stay hidden until the texts script has put them in the reader's language.
HIDDEN_HINTS_CSS = """
[data-testid="InputInstructions"],
[data-testid="stFileUploaderDropzoneInstructions"],
[data-testid="stFileChipName"] + *,
[data-testid="stStatusWidget"] button,
[data-testid="stConnectionStatus"] > :not(:first-child) { display: none !important; }
[data-testid="stFileUploaderDropzone"] button:not([data-cnn-texts]) { visibility: hidden; }
[data-testid="stFileChip"] [role="alert"]:not([data-cnn-texts]) { display: none !important; }
[data-testid="stSkipToContent"]:not([data-cnn-texts]) { display: none !important; }
[data-testid="stElementContainer"]:has(style[data-cnn-hints]) { display: none !important; }
"""
# The one Markdown the app lets through as HTML: this constant, nothing else (tests/hostile/test_hostile_render.py).
HINTS_MARKUP = "<style data-cnn-hints>" + HIDDEN_HINTS_CSS + "</style>"

# The canvas toolbar's own English labels (its buttons' title and aria-label) → our text keys.
CANVAS_TOOLBAR = {
    "Update the app with this drawing": "canvas.send", "Undo": "canvas.undo", "Redo": "canvas.redo",
    "Edit": "canvas.edit", "Bring forward": "canvas.forward", "Send backward": "canvas.backward",
    "Delete selected": "canvas.delete", "Reset canvas & history": "canvas.reset",
}

# Streamlit's own labels on its element toolbars (a table's, a chart's), a code block's copy button, their
# tooltips and screen-reader names → our text keys. Matched whole, so nothing a user typed is ever touched.
# The ⋮ menu's items and the tables' "Download as CSV" are not here: .streamlit/config.toml turns them off
# (client.toolbarMode = "minimal", client.disableDataExport = true).
STREAMLIT_LABELS = {
    "Fullscreen": "st.fullscreen", "Close fullscreen": "st.fullscreen_close", "Search": "st.search",
    "Show/hide columns": "st.columns", "Copy to clipboard": "st.copy", "Copied": "st.copied",
}

_texts = st.components.v2.component("cnn_playground_component_texts", js=script(__file__, "component_texts.js"))


def hide_builtin_hints() -> None:
    """Mount the style sheet that hides Streamlit's own English; app.py calls it first, on every run."""
    st.markdown(HINTS_MARKUP, unsafe_allow_html=True)


def component_texts() -> None:
    """Put the upload box's and the canvas's own texts in the session's language (no space on the page).

    Every page calls it (through ``ui.shell.layout.page_header``).
    """
    # Only strings: Streamlit checks any other value for a dataframe, which imports pandas and pyarrow (a second
    # or more of a fresh server's first page); the two tables go as JSON text.
    _texts(data={"canvasTooltips": json.dumps({english: t(key) for english, key in CANVAS_TOOLBAR.items()}),
                 "upload": t("upload.button"), "drop": t("upload.drop"), "skip": t("a11y.skip"),
                 # What the script wrote in another language before a switch: React keeps those nodes.
                 "earlier": json.dumps({key: _in_every_language(key) for key in ("upload.button", "upload.drop",
                                                                                  "a11y.skip")}),
                 "tooLarge": t("upload.too_large", size=file_size(st.get_option("server.maxUploadSize") * 2**20)),
                 "wrongType": t("upload.wrong_type"), "uploadFailed": t("upload.failed"),
                 "labels": json.dumps({said: t(key) for english, key in STREAMLIT_LABELS.items()
                                       for said in (english, *_in_every_language(key))})},
           key="component_texts", height=0)


def _in_every_language(key: str) -> list[str]:
    return [texts.translate(code, key) for code in texts.languages()]


def zip_uploader(label: str, key: str, limit_mb: float):
    """A .zip upload box with its rules and the chosen file written by the app, in the reader's language."""
    upload = st.file_uploader(label, type=["zip"], key=key)
    if upload is None:
        st.caption(t("upload.rules", size=file_size(limit_mb * 2**20)))
    else:  # the box now shows the file and a "+" instead of the button the rules name
        st.caption(t("upload.chosen", name=plain(upload.name), size=file_size(upload.size)))
    return upload

"""Texts that Streamlit and third-party widgets draw themselves, kept out of the reader's way or set in their language.

Streamlit writes some English of its own with no option to change it: the
"Press Enter to apply" hint under text and number inputs, the upload box's
"Drag and drop a file here" and "Limit 200MB per file • ZIP", the uploaded
file's size ("12.3KB"), an upload's error line, the status widget's "Stop".
:func:`component_texts` hides them with a static style sheet (no text in it)
and :func:`zip_uploader` writes what they said in the reader's language under
the box: the rules, then the chosen file's name (as text) and size
(:func:`ui.i18n.file_size`, "12,3 KB").

Two texts cannot be hidden without losing a control, and have no option: the
upload button's "Upload" and the drawing canvas's toolbar tooltips ("Undo",
"Reset canvas & history", ..., drawn inside the canvas's shadow root, out of
reach of the page's styles). The same tiny Streamlit component
(``st.components.v2``, the style sheet's carrier) runs a script that replaces those with the locale files'
texts and keeps them replaced when the widgets redraw; the Spanish browser
tests (tests/test_spanish_browser.py, tests/test_spanish_walk.py) fail if any
of that English shows. Nothing a user typed goes through it.
"""

from __future__ import annotations

import streamlit as st

from ui.i18n import file_size, plain, t

# Streamlit's own English, by its stable test ids; hidden, never rewritten (a style sheet with no text in it).
HIDDEN_HINTS_CSS = """
[data-testid="InputInstructions"],
[data-testid="stFileUploaderDropzoneInstructions"],
[data-testid="stFileChipName"] + *,
[data-testid="stFileChip"] [role="alert"],
[data-testid="stStatusWidget"] button,
[data-testid="stConnectionStatus"] > :not(:first-child) { display: none !important; }
"""

# The canvas toolbar's own English labels (its buttons' title and aria-label) → our text keys.
CANVAS_TOOLBAR = {
    "Update the app with this drawing": "canvas.send", "Undo": "canvas.undo", "Redo": "canvas.redo",
    "Edit": "canvas.edit", "Bring forward": "canvas.forward", "Send backward": "canvas.backward",
    "Delete selected": "canvas.delete", "Reset canvas & history": "canvas.reset",
}

_JS = """
export default function(component) {
  const d = component.data || {};
  const textNodes = (root) => {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    const nodes = [];
    while (walker.nextNode()) nodes.push(walker.currentNode);
    return nodes;
  };
  const apply = () => {
    document.querySelectorAll('[class*="st-key-canvas"] *').forEach((el) => {
      if (!el.shadowRoot) return;  // the canvas draws its toolbar in a shadow root
      el.shadowRoot.querySelectorAll('.dc-icon-button').forEach((b) => {
        const original = b.dataset.label || b.getAttribute('aria-label');
        if (!(original in d.tooltips)) return;
        b.dataset.label = original;
        b.title = d.tooltips[original];
        b.setAttribute('aria-label', d.tooltips[original]);
      });
    });
    document.querySelectorAll('[data-testid="stFileUploaderDropzone"] button').forEach((button) => {
      textNodes(button).forEach((node) => {
        if (node.nodeValue.trim() === 'Upload') node.nodeValue = d.upload;
      });
    });
  };
  apply();
  const timer = setInterval(apply, 400);  // widgets mount, redraw and remount with their keys
  return () => clearInterval(timer);
}
"""

# Not isolated: its style sheet is the page's, so it reaches Streamlit's own elements (the app never uses st.html).
_texts = st.components.v2.component("cnn_playground_component_texts", js=_JS, css=HIDDEN_HINTS_CSS,
                                    isolate_styles=False)


def component_texts() -> None:
    """Hide Streamlit's English hints and put the upload button's and the canvas's texts in the session's language.

    No space on the page; every page calls it (through ``ui.layout.page_header``).
    """
    _texts(data={"tooltips": {english: t(key) for english, key in CANVAS_TOOLBAR.items()},
                 "upload": t("upload.button")},
           key="component_texts", height=0)


def zip_uploader(label: str, key: str, limit_mb: float):
    """A .zip upload box with its rules and the chosen file written by the app, in the reader's language."""
    upload = st.file_uploader(label, type=["zip"], key=key)
    st.caption(t("upload.rules", size=file_size(limit_mb * 2**20)))
    if upload is not None:
        st.caption(t("upload.chosen", name=plain(upload.name), size=file_size(upload.size)))
    return upload

"""Texts that third-party widgets draw themselves, set in the reader's language.

Two widgets come with English built in and no option to change it: the file
uploader ("Upload", "200MB per file", "Drag and drop a file here") and the
drawing canvas's toolbar (tooltips "Undo", "Reset canvas & history", ...).
:func:`component_texts` mounts a tiny Streamlit component (``st.components.v2``,
the documented way to run a script on the page) that replaces those texts with
the ones in the locale files, and keeps them replaced when the widgets redraw.
Nothing a user typed goes through it: only the locale files' texts.
"""

from __future__ import annotations

import streamlit as st

from ui.i18n import t

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
    document.querySelectorAll('[data-testid="stFileUploaderDropzone"]').forEach((zone) => {
      textNodes(zone).forEach((node) => {
        const text = node.nodeValue.trim();
        const perFile = text.match(/^(\\d+)\\s*([KMG]?B) per file$/);
        if (text === 'Upload') node.nodeValue = d.upload;
        else if (perFile) node.nodeValue = d.per_file.replace('{size}', perFile[1] + ' ' + perFile[2]);
        else if (/^Drag and drop (a file|files) here$/.test(text)) node.nodeValue = d.drop;
      });
    });
  };
  apply();
  const timer = setInterval(apply, 400);  // widgets mount, redraw and remount with their keys
  return () => clearInterval(timer);
}
"""

_texts = st.components.v2.component("cnn_playground_component_texts", js=_JS)


def component_texts() -> None:
    """Put the uploader's and the canvas's texts in the session's language (no space on the page)."""
    _texts(data={"tooltips": {english: t(key) for english, key in CANVAS_TOOLBAR.items()},
                 "upload": t("upload.button"), "per_file": t("upload.per_file", size="{size}"), "drop": t("upload.drop")},
           key="component_texts", height=0)

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

A few texts cannot be hidden without losing a control, and have no option: the
upload button's "Upload", the "Drag and drop a file here" shown while a file
is dragged over the box, the error a refused file gets under its chip ("File
must be 200.0MB or smaller.", written by the browser before anything reaches
the server, so no app code sees it), the "Skip to main content" link a keyboard user
meets first, and the drawing canvas's toolbar tooltips ("Undo",
"Reset canvas & history", ..., drawn inside the canvas's shadow root, out of
reach of the page's styles), and Streamlit's menu (⋮: "Print", "Record
screen", the theme's "System / Light / Dark"), the buttons tables and charts
show on hover ("Fullscreen", "Download as CSV", "Search"), their tooltips and
screen-reader names (STREAMLIT_LABELS). :func:`component_texts` mounts a tiny Streamlit
component (``st.components.v2``) whose script replaces those with the locale
files' texts as soon as the page changes (a MutationObserver, before the
browser paints); the upload button stays invisible until its label is
replaced, so if the script ever fails the box shows no English, only no
button (the box itself still opens the file dialog). The Spanish browser tests
(tests/test_spanish_browser.py, tests/test_spanish_walk.py) fail if any of that
English shows. Nothing a user typed goes through it.
"""

from __future__ import annotations

import streamlit as st

from ui.base.i18n import file_size, plain, t

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
# The one Markdown the app lets through as HTML: this constant, nothing else (tests/test_hostile_render.py).
HINTS_MARKUP = "<style data-cnn-hints>" + HIDDEN_HINTS_CSS + "</style>"

# The canvas toolbar's own English labels (its buttons' title and aria-label) → our text keys.
CANVAS_TOOLBAR = {
    "Update the app with this drawing": "canvas.send", "Undo": "canvas.undo", "Redo": "canvas.redo",
    "Edit": "canvas.edit", "Bring forward": "canvas.forward", "Send backward": "canvas.backward",
    "Delete selected": "canvas.delete", "Reset canvas & history": "canvas.reset",
}

# Streamlit's own labels in its menu (⋮), its element toolbars (a table's, a chart's) and their tooltips and
# screen-reader names → our text keys. Matched whole, so nothing a user typed is ever touched.
STREAMLIT_LABELS = {
    "Print": "st.print", "Record screen": "st.record", "Stop recording": "st.record_stop",
    "Cancel recording": "st.record_cancel", "System": "st.theme_system", "Light": "st.theme_light",
    "Dark": "st.theme_dark", "About": "st.about", "Main menu": "st.main_menu", "Fullscreen": "st.fullscreen",
    "Close fullscreen": "st.fullscreen_close", "Download as CSV": "st.download_csv", "Search": "st.search",
    "Show/hide columns": "st.columns", "Copy to clipboard": "st.copy", "Copied": "st.copied",
}

_JS = r"""
export default function(component) {
  const d = component.data || {};
  const textNodes = (root) => {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    const nodes = [];
    while (walker.nextNode()) nodes.push(walker.currentNode);
    return nodes;
  };
  const observers = [];
  const watch = (root) => {  // rerun on any change, before the browser paints it: no English flashes
    const observer = new MutationObserver(apply);
    observer.observe(root, {childList: true, subtree: true, characterData: true});
    observers.push(observer);
  };
  const watched = new WeakSet();
  function apply() {
    document.querySelectorAll('[class*="st-key-canvas"] *').forEach((el) => {
      if (!el.shadowRoot) return;  // the canvas draws its toolbar in a shadow root
      if (!watched.has(el.shadowRoot)) { watched.add(el.shadowRoot); watch(el.shadowRoot); }
      el.shadowRoot.querySelectorAll('.dc-icon-button').forEach((b) => {
        const original = b.dataset.label || b.getAttribute('aria-label');
        if (!(original in d.tooltips) || b.title === d.tooltips[original]) return;
        b.dataset.label = original;
        b.title = d.tooltips[original];
        b.setAttribute('aria-label', d.tooltips[original]);
      });
    });
    document.querySelectorAll('[data-testid="stFileUploaderDropzone"]').forEach((zone) => {
      textNodes(zone).forEach((node) => {
        // Assign only a different text: writing even the same text is a change, which would wake the observer
        // again and again (in English "Upload" stays "Upload": that loop froze the page).
        const text = node.nodeValue.trim();
        let wanted = null;
        if (text === 'Upload') wanted = d.upload;
        else if (/^Drag and drop (a file|files) here$/.test(text)) wanted = d.drop;
        if (wanted !== null && wanted !== text) node.nodeValue = wanted;
      });
      zone.querySelectorAll('button:not([data-cnn-texts])').forEach((b) => { b.dataset.cnnTexts = '1'; });
    });
    // A file the browser refused before sending it (too big for the server, not a .zip): Streamlit writes
    // "Error: File must be 200.0MB or smaller." under the chip and in its hover tooltip. One table of its
    // English, matched whole, to what the reader is told instead; the line stays hidden until it is theirs.
    const UPLOAD_ERRORS = [
      [/^File must be .* or smaller\.$/, d.tooLarge],
      [/^(?:.* files are not allowed|File type not allowed)\.$/, d.wrongType],
      [/^(?:Only one file is allowed|File size is too small|Unexpected error\. Please try again|Upload failed)\.?$/,
       d.uploadFailed],
    ];
    const ours = new Set([d.tooLarge, d.wrongType, d.uploadFailed]);
    const uploadError = (text) => {
      for (const [english, said] of UPLOAD_ERRORS) if (english.test(text)) return said;
      return null;
    };
    document.querySelectorAll('[data-testid="stFileChip"] [role="alert"]').forEach((line) => {
      textNodes(line).forEach((node) => {  // React's own text nodes, "Error: " and the message: kept, rewritten
        const text = node.nodeValue.trim();
        if (!text || ours.has(text)) return;
        const wanted = text === 'Error:' ? '' : (uploadError(text) || d.uploadFailed);  // unknown: try again
        if (wanted !== node.nodeValue) node.nodeValue = wanted;
      });
      if (!line.dataset.cnnTexts) line.dataset.cnnTexts = '1';
    });
    document.querySelectorAll('[role="tooltip"]').forEach((tip) => {  // the chip's, on hover: known texts only
      textNodes(tip).forEach((node) => {
        const wanted = uploadError(node.nodeValue.trim());
        if (wanted !== null && wanted !== node.nodeValue) node.nodeValue = wanted;
      });
    });
    // Streamlit's menu items, its toolbars' buttons (their screen-reader names, "Fullscreen: table") and the
    // tooltips they show on hover: whole labels only, from STREAMLIT_LABELS.
    const label = (text) => (Object.prototype.hasOwnProperty.call(d.labels, text) ? d.labels[text] : null);
    document.querySelectorAll('[data-testid^="stMainMenuItem-"], [role="tooltip"]').forEach((el) => {
      textNodes(el).forEach((node) => {
        const text = node.nodeValue.trim();
        const wanted = label(text);
        if (wanted && wanted !== text) node.nodeValue = wanted;
      });
    });
    document.querySelectorAll('[data-testid="stElementToolbarButton"] button[aria-label], '
                              + '[data-testid="stMainMenuButton"][aria-label]').forEach((button) => {
      const name = button.getAttribute('aria-label');
      const cut = name.indexOf(': ');
      const head = cut < 0 ? name : name.slice(0, cut);
      const wanted = label(head);
      if (wanted && wanted !== head) button.setAttribute('aria-label', wanted + (cut < 0 ? '' : name.slice(cut)));
    });
    document.querySelectorAll('[data-testid="stSkipToContent"]').forEach((link) => {  // shown on keyboard focus
      if (link.textContent === 'Skip to main content' && d.skip !== link.textContent) link.textContent = d.skip;
      link.dataset.cnnTexts = '1';
    });
  }
  apply();
  watch(document.body);
  return () => observers.forEach((observer) => observer.disconnect());
}
"""

_texts = st.components.v2.component("cnn_playground_component_texts", js=_JS)


def hide_builtin_hints() -> None:
    """Mount the style sheet that hides Streamlit's own English; app.py calls it first, on every run."""
    st.markdown(HINTS_MARKUP, unsafe_allow_html=True)


def component_texts() -> None:
    """Put the upload box's and the canvas's own texts in the session's language (no space on the page).

    Every page calls it (through ``ui.shell.layout.page_header``).
    """
    _texts(data={"tooltips": {english: t(key) for english, key in CANVAS_TOOLBAR.items()},
                 "upload": t("upload.button"), "drop": t("upload.drop"), "skip": t("a11y.skip"),
                 "tooLarge": t("upload.too_large", size=file_size(st.get_option("server.maxUploadSize") * 2**20)),
                 "wrongType": t("upload.wrong_type"), "uploadFailed": t("upload.failed"),
                 "labels": {english: t(key) for english, key in STREAMLIT_LABELS.items()}},
           key="component_texts", height=0)


def zip_uploader(label: str, key: str, limit_mb: float):
    """A .zip upload box with its rules and the chosen file written by the app, in the reader's language."""
    upload = st.file_uploader(label, type=["zip"], key=key)
    if upload is None:
        st.caption(t("upload.rules", size=file_size(limit_mb * 2**20)))
    else:  # the box now shows the file and a "+" instead of the button the rules name
        st.caption(t("upload.chosen", name=plain(upload.name), size=file_size(upload.size)))
    return upload

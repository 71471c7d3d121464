"""The drawing canvas in the reader's language.

``streamlit-drawable-canvas`` has no option for its toolbar's texts (English
tooltips: "Undo", "Reset canvas & history", ...), which appear on hover and on
a tap. A tiny Streamlit component (``st.components.v2``, the documented way to
run a script on the page) sets the translated texts on those buttons, and the
page gets its own labelled "Clear" button, visible without hovering, that
starts a fresh canvas by changing its key.
"""

from __future__ import annotations

import streamlit as st
import streamlit_drawable_canvas  # called through the module, so a test can stand in for the canvas

from ui.i18n import t

# The canvas's own English labels (its title and aria-label) → our text keys.
TOOLBAR = {
    "Update the app with this drawing": "canvas.send", "Undo": "canvas.undo", "Redo": "canvas.redo",
    "Edit": "canvas.edit", "Bring forward": "canvas.forward", "Send backward": "canvas.backward",
    "Delete selected": "canvas.delete", "Reset canvas & history": "canvas.reset",
}

_JS = """
export default function(component) {
  const labels = component.data || {};
  const apply = () => {
    document.querySelectorAll('[class*="st-key-canvas"] *').forEach((el) => {
      if (!el.shadowRoot) return;
      el.shadowRoot.querySelectorAll('.dc-icon-button').forEach((b) => {
        const original = b.dataset.label || b.getAttribute('aria-label');
        if (!(original in labels)) return;
        b.dataset.label = original;
        b.title = labels[original];
        b.setAttribute('aria-label', labels[original]);
      });
    });
  };
  apply();
  const timer = setInterval(apply, 500);  // canvases mount and remount with their keys
  return () => clearInterval(timer);
}
"""

_labeller = st.components.v2.component("cnn_playground_canvas_labels", js=_JS)


def _clear() -> None:
    st.session_state["canvas_round"] = st.session_state.get("canvas_round", 0) + 1


def drawing_canvas(dark_ink: bool):
    """A 280×280 canvas with translated tooltips and a Clear button; returns st_canvas's result."""
    st.session_state.setdefault("canvas_round", 0)
    canvas = streamlit_drawable_canvas.st_canvas(
        stroke_width=18, stroke_color="#000000" if dark_ink else "#FFFFFF",
        background_color="#FFFFFF" if dark_ink else "#000000",
        height=280, width=280, drawing_mode="freedraw", return_image_data=True,
        key=f"canvas_{'dark' if dark_ink else 'light'}_{st.session_state['canvas_round']}",
    )
    _labeller(data={english: t(key) for english, key in TOOLBAR.items()}, key="canvas_labels", height=0)
    st.button(t("draw.clear"), key="clear_canvas", on_click=_clear, icon="🧽")
    return canvas

"""The Draw page's canvas with the app's own labelled "Clear" button.

The canvas's toolbar shows only on hover or a tap (its tooltips are translated
by :mod:`ui.component_texts`); the Clear button is always in view and starts a
fresh canvas by changing the canvas's key.
"""

from __future__ import annotations

import streamlit as st
import streamlit_drawable_canvas  # called through the module, so a test can stand in for the canvas

from ui import state
from ui.i18n import t


def _clear() -> None:
    st.session_state[state.CANVAS_ROUND] += 1


def drawing_canvas(dark_ink: bool):
    """A 280×280 canvas and a Clear button under it; returns st_canvas's result."""
    st.session_state.setdefault(state.CANVAS_ROUND, 0)
    canvas = streamlit_drawable_canvas.st_canvas(
        stroke_width=18, stroke_color="#000000" if dark_ink else "#FFFFFF",
        background_color="#FFFFFF" if dark_ink else "#000000",
        height=280, width=280, drawing_mode="freedraw", return_image_data=True,
        key=f"canvas_{'dark' if dark_ink else 'light'}_{st.session_state[state.CANVAS_ROUND]}",
    )
    st.button(t("draw.clear"), key="clear_canvas", on_click=_clear, icon="🧽")
    return canvas

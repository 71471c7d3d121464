"""The Draw page's canvas with the app's own labelled "Clear" button.

The canvas's toolbar shows only on hover or a tap (its tooltips are translated
by :mod:`ui.shell.component_texts`); the Clear button is always in view. Clear
empties the same canvas in the browser, at the click (static/canvas_events.js
says how, and why the server takes no part in it: a new canvas from the server
lost the strokes drawn while its answer was on the way).

The component is called directly, with the arguments its ``st_canvas`` would
pass, because ``st_canvas`` hands back the browser's PNG undecoded and decodes
it, at whatever size the message claims, when ``image_data`` is read. Here the
drawing goes through :func:`cnn_core.data.preprocess.rgba_from_data_url`, which
refuses anything but a PNG of the canvas's own size before decoding it.
``out`` is not the library's documented API: tests/app/test_private_apis.py pins
it (and these arguments) to the installed streamlit-drawable-canvas.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st
import streamlit_drawable_canvas  # called through the module, so a test can stand in for the component

from cnn_core.base.errors import PlaygroundError
from cnn_core.data.preprocess import rgba_from_data_url
from ui.base import state
from ui.base.i18n import error_text, t
from ui.base.scripts import script

SIZE = 280  # the canvas's side in CSS pixels, which is also the side of the PNG it sends

# Sends a stroke the moment it ends, and empties the canvas at a click on Clear: see the script.
_canvas_events = st.components.v2.component("cnn_playground_canvas_events", js=script(__file__, "canvas_events.js"))


@dataclass(frozen=True)
class Drawing:
    """What the page reads of the canvas, like st_canvas's result."""

    image_data: np.ndarray | None  # (SIZE, SIZE, 4) uint8 RGBA; None while nothing was sent
    json_data: dict | None  # the Fabric.js objects, as the browser sent them


def _component(dark_ink: bool, key: str):
    """The canvas component, called as streamlit_drawable_canvas.st_canvas (0.13) calls it for these settings."""
    background = "#FFFFFF" if dark_ink else "#000000"
    initial = {"objects": [], "background": background}
    data = {
        "fillColor": "#eee", "strokeWidth": 18, "strokeColor": "#000000" if dark_ink else "#FFFFFF",
        "backgroundColor": background, "backgroundImageURL": None, "realtimeUpdateStreamlit": True,
        "canvasWidth": SIZE, "canvasHeight": SIZE, "drawingMode": "freedraw", "initialDrawing": initial,
        "displayRadius": 3, "returnImageData": True, "disabled": False, "backgroundImageFit": "stretch",
        "maxDisplayHeight": None, "fontSize": 20, "label": "",
    }
    return streamlit_drawable_canvas.out(
        data=data, key=key, default={"drawing": {"raw": initial, "data": None}, "backgroundFit": None},
        on_drawing_change=lambda: None, on_backgroundFit_change=lambda: None, width="content", height="content",
    )


def drawing_canvas(dark_ink: bool, model: str = "") -> Drawing:
    """A SIZE×SIZE canvas and a Clear button under it; returns the drawing it holds.

    Each ``model`` (the one asked) has a canvas of its own: a switch of model redraws the page and the browser's
    canvas comes back empty, so what the server held of the old one (the old drawing, answered again) must go
    with it; the fresh canvas answers nothing until it is drawn on.

    A message that is not a drawing of the canvas (wrong size, not a PNG,
    broken) is left out with a notice: the canvas's last good drawing stays.
    """
    # The ink's colour is the background's, and a model switch empties the browser's canvas: a canvas of its own.
    model = "".join(c if c.isalnum() else "_" for c in model)[:40]
    key = f"canvas_{'dark' if dark_ink else 'light'}" + (f"_{model}" if model else "")
    sent = _component(dark_ink, key).get("drawing")
    sent = sent if isinstance(sent, dict) else {}
    json_data = sent.get("raw") if isinstance(sent.get("raw"), dict) else None
    image = None  # nothing sent yet: a fresh canvas, empty whatever an earlier one of this key held
    if sent.get("data") is not None:
        last_key, last_image = st.session_state.get(state.CANVAS_IMAGE, (None, None))
        try:
            image = rgba_from_data_url(sent["data"], SIZE, SIZE)
            st.session_state[state.CANVAS_IMAGE] = (key, image)
        except PlaygroundError as err:  # a refused message: the last good drawing of this canvas stays
            image = last_image if last_key == key else None
            st.warning(error_text(err), icon="⚠️")
    st.button(t("draw.clear"), key="clear_canvas", icon="🧽")  # the browser empties the canvas: no callback
    _canvas_events(key="canvas_events", height=0)
    return Drawing(image, json_data)

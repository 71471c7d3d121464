"""Draw: a digit on a canvas, what the network sees, and what it thinks."""

import streamlit as st

from ui import draw_ui, state
from ui.layout import page_header
from ui.models import model_picker

state.init_state()
page_header("draw.title", "draw.intro")
saved = model_picker("draw")

st.fragment(draw_ui.drawing)(saved)

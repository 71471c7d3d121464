"""Draw: a digit on a canvas, what the network sees, and what it thinks."""

import streamlit as st

from ui.sections import draw as draw_ui
from ui.shell import session
from ui.shell.layout import page_header
from ui.shell.models import model_picker

session.init_state()
page_header("draw.title", "draw.intro")
saved = model_picker("draw")

st.fragment(draw_ui.drawing)(saved)

"""Draw: a digit on a canvas (a photo, for a colour network), what the network sees, and what it thinks."""

import streamlit as st

from ui.sections import draw as draw_ui
from ui.sections import photo as photo_ui
from ui.shell import session
from ui.shell.layout import page_header
from ui.shell.models import model_picker

session.init_state()
page_header("draw.title", "draw.intro")
saved = model_picker("draw")

if photo_ui.is_colour(saved):  # a colour network (CIFAR-10, cats and dogs): a photo instead of a drawing
    photo_ui.photo(saved)
else:
    st.fragment(draw_ui.drawing)(saved)

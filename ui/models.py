"""Which model a page uses: the session's own, or the one shipped with the app."""

from __future__ import annotations

import streamlit as st

from cnn_core.checkpoint import SavedModel
from ui import resources, state


def digit_model() -> tuple[SavedModel, str]:
    """The session's model if it reads 28×28×1 images, else the shipped MNIST model."""
    trained = st.session_state.get(state.TRAINED)
    if trained is not None and (trained.arch.in_height, trained.arch.in_width, trained.arch.in_channels) == (28, 28, 1):
        return trained, "trained"
    return resources.pretrained(), "shipped"


def current_model() -> tuple[SavedModel, str]:
    """The session's model of any shape, else the shipped one."""
    trained = st.session_state.get(state.TRAINED)
    if trained is not None:
        return trained, "trained"
    return resources.pretrained(), "shipped"

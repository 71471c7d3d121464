"""Which model a page uses: the session's own, or the one shipped with the app."""

from __future__ import annotations

import streamlit as st

from cnn_core.checkpoint import SavedModel
from ui import resources, state


def adopt_finished_training() -> bool:
    """Make a finished (or stopped) run's model the session's model, whichever page sees it first.

    Returns True the first time a run is adopted.
    """
    job = st.session_state.get(state.JOB)
    if job is None or not job.finished or st.session_state.get(state.ADOPTED_JOB) is job:
        return False
    st.session_state[state.ADOPTED_JOB] = job
    result = job.snapshot().result
    if result is not None and result.steps:
        st.session_state[state.TRAINED] = SavedModel(job.model, list(job.data.classes), {
            "dataset": job.data.name, "test_accuracy": result.test_accuracy, "reason": result.reason})
    return True


def digit_model() -> tuple[SavedModel, str]:
    """The session's model if it reads 28×28×1 images, else the shipped MNIST model."""
    adopt_finished_training()
    trained = st.session_state.get(state.TRAINED)
    if trained is not None and (trained.arch.in_height, trained.arch.in_width, trained.arch.in_channels) == (28, 28, 1):
        return trained, "trained"
    return resources.pretrained(), "shipped"


def current_model() -> tuple[SavedModel, str]:
    """The session's model of any shape, else the shipped one."""
    adopt_finished_training()
    trained = st.session_state.get(state.TRAINED)
    if trained is not None:
        return trained, "trained"
    return resources.pretrained(), "shipped"

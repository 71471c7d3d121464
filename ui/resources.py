"""Things loaded once per server process and shared read-only by every session.

Datasets, the shipped model and the training scheduler. Never a model a user
is training: that lives in the user's session state.
"""

from __future__ import annotations

import sys

import streamlit as st

from cnn_core.checkpoint import SavedModel
from cnn_core.data import ImageData, load_dataset
from cnn_core.jobs import Scheduler
from cnn_core.pretrained import load_pretrained
from cnn_core.settings import Settings


@st.cache_resource
def settings() -> Settings:
    # `streamlit run app.py -- --data-dir DIR` puts the flags after the script in sys.argv.
    return Settings.load(sys.argv[1:])


@st.cache_resource(show_spinner=False)
def dataset(name: str) -> ImageData:
    return load_dataset(name, settings().data_dir, download=True)


@st.cache_resource
def pretrained() -> SavedModel:
    return load_pretrained()


@st.cache_resource
def scheduler() -> Scheduler:
    return Scheduler(max_running=settings().max_concurrent)

"""Things loaded once per server process and shared read-only by every session.

Datasets, the shipped model, the training scheduler and the executor that
starts trainings (in this process, or on a Ray cluster when one is set). Never a model a user
is training: that lives in the user's session state.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import streamlit as st

from cnn_core.settings import Settings

if TYPE_CHECKING:  # each is imported where it is first used: Home, a fresh server's first page, needs no torch
    from cnn_core.data.loading import ImageData
    from cnn_core.nn.checkpoint import SavedModel
    from cnn_core.train.executors import Executor
    from cnn_core.train.jobs import Scheduler


@st.cache_resource
def settings() -> Settings:
    # `streamlit run app.py -- --data-dir DIR` puts the flags after the script in sys.argv.
    return Settings.load(sys.argv[1:])


@st.cache_resource(show_spinner=False)
def dataset(name: str) -> ImageData:
    from cnn_core.data.loading import load_dataset

    return load_dataset(name, settings().data_dir, download=True)


@st.cache_resource
def pretrained() -> SavedModel:
    from cnn_core.nn.pretrained import load_pretrained

    return load_pretrained()


@st.cache_resource
def shipped_meta() -> dict:
    """The shipped model's header (its test accuracy), read without loading torch or the model."""
    from cnn_core.nn.pretrained import shipped_meta

    return shipped_meta()


@st.cache_resource
def scheduler() -> Scheduler:
    from cnn_core.train.jobs import Scheduler

    return Scheduler(max_running=settings().max_concurrent, cpu_threads=settings().cpu_threads)


def on_cluster() -> bool:
    """Whether trainings run on a Ray cluster's machines rather than in this server (what the page may say of
    the processor that trains)."""
    return bool(settings().ray_address)


@st.cache_resource
def executor() -> Executor:
    from cnn_core.train.executors import make_executor

    s = settings()
    return make_executor(s.ray_address, scheduler(), **(s.ray_options() if s.ray_address else {}))


def session_liveness():
    """A callable telling whether this browser session is still connected, or None outside a server.

    Streamlit has no public call for this: it asks ``streamlit.runtime`` (pinned by tests/app/test_private_apis.py).
    """
    from streamlit.runtime import Runtime
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is None or not Runtime.exists():
        return None
    runtime, session_id = Runtime.instance(), ctx.session_id
    if not runtime.is_active_session(session_id):  # AppTest and bare runs have no registered session
        return None
    return lambda: runtime.is_active_session(session_id)


@st.cache_data(show_spinner=False)
def teachers_guide(lang: str) -> str:
    """docs/teachers-guide.<lang>.md (the default language's when there is none for ``lang``)."""
    from pathlib import Path

    from cnn_core.base import texts

    docs = Path(__file__).resolve().parents[2] / "docs"
    path = docs / f"teachers-guide.{lang}.md"
    return (path if path.exists() else docs / f"teachers-guide.{texts.DEFAULT_LANG}.md").read_text(encoding="utf-8")

"""Train: pick data and settings, watch the curves live, keep the model."""

import streamlit as st

from cnn_core.train.jobs import PAGE_REFRESH_S
from ui.base import state
from ui.base.i18n import t
from ui.sections import train as train_ui
from ui.shell import session
from ui.shell.layout import page_header

session.init_state()
page_header("train.title", "train.intro")
data = train_ui.dataset_ui()
if data is None:
    train_ui.model_files_ui()
    st.stop()
for key, params in data.notes:
    st.caption(t(key, **params))
arch = train_ui.adapted_architecture(data)
cfg = train_ui.settings_ui()
job = st.session_state[state.JOB]
running = job is not None and not job.finished
if st.button(t("train.start"), key="start", type="primary",
             disabled=running or train_ui.network_problem(arch) is not None):  # the reason is said above
    train_ui.start(arch, data, cfg)
    job = st.session_state[state.JOB]
    running = job is not None and not job.finished

if job is not None:
    train_ui.whose_run(job, arch, data)
    st.fragment(train_ui.live_view, run_every=PAGE_REFRESH_S if running else None)(job)
    if job.finished:
        train_ui.results(job)
else:
    train_ui.empty_curves()
train_ui.model_files_ui()

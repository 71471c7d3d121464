"""Train: pick data and settings, watch the curves live, keep the model."""

import streamlit as st

from ui import state, train_ui
from ui.i18n import t
from ui.layout import page_header

state.init_state()
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
if st.button(t("train.start"), key="start", type="primary", disabled=running):
    train_ui.start(arch, data, cfg)
    job = st.session_state[state.JOB]
    running = job is not None and not job.finished

if job is not None:
    st.fragment(train_ui.live_view, run_every=1.0 if running else None)(job)
    if job.finished:
        train_ui.results(job)
else:
    train_ui.empty_curves()
train_ui.model_files_ui()

"""Runs: every training and uploaded model of this workspace, compared side by side."""

import streamlit as st

from ui.base.i18n import t
from ui.charts.figures import chart_config
from ui.sections import runs as runs_ui
from ui.sections.runs_compare import comparison_section, params_section, seed_figure_section
from ui.sections.runs_shift import shift_section
from ui.shell import session, workspace
from ui.shell.layout import page_header
from ui.shell.models import adopt_finished_training

session.init_state()
page_header("runs.title", "runs.intro")
adopt_finished_training()
runs = workspace.runs()
if not runs:
    st.info(t("runs.none"))
    comparison_section()  # the ready comparison needs no run of its own
    st.stop()
runs_ui.table(runs)
st.subheader(t("runs.compare_title"))
compared = runs_ui.pick_compared(runs)
if compared:
    axis = runs_ui.axis_choice()
    st.plotly_chart(runs_ui.overlay(compared, axis), key="runs_overlay", config=chart_config())
    if len(compared) >= 2:
        runs_ui.side_by_side(compared)
elif any(r.source == "trained" for r in runs):  # (uploaded models have no curves to compare)
    st.info(t("runs.compare_none"))
comparison_section()
params_section(runs)
seed_figure_section(runs)
shift_section(runs)
st.subheader(t("runs.one_title"))
runs_ui.actions(runs)

"""The Runs page's shift test: each digits-like run's accuracy on test images moved 0..6 pixels.

Measured on demand (a button), on at most :data:`cnn_core.train.shift.MAX_IMAGES`
test images, by :func:`cnn_core.train.shift.accuracy_by_shift`; the text under the
chart is written from the numbers measured, whatever they turn out to be.
"""

from __future__ import annotations

from typing import Literal

import plotly.graph_objects as go
import streamlit as st

from cnn_core.base.errors import PlaygroundError
from cnn_core.data.loading import spread_sample
from cnn_core.nn.architecture import PRESETS
from cnn_core.store import runs as core_runs
from cnn_core.store.storage import RunInfo
from cnn_core.train.shift import MAX_IMAGES, accuracy_by_shift
from ui.base import state
from ui.base.i18n import error_text, pct, plain, t
from ui.charts.figures import chart_config, figure, percent_axis, percent_hover, text_label
from ui.sections.architecture import forget_arch_widgets
from ui.sections.runs import COLORS, run_label
from ui.shell import resources, workspace

SHIFT_DATASETS = ("mnist", "fashion-mnist")  # 28×28 gray images centred in their frame: a shift is visible


def shift_candidates(runs: list[RunInfo]) -> list[RunInfo]:
    return [r for r in runs if r.dataset in SHIFT_DATASETS and core_runs.input_shape(r) == (28, 28, 1)]


def _measure(runs: list[RunInfo]) -> Literal["measured", "gone", "down"]:
    """Measure each run's model: "measured", "gone" when one no longer exists (deleted meanwhile, in another tab),
    "down" when the database cannot be reached (nothing measured). The workspace's list is read again first: a
    model the server's cache holds would otherwise be measured for a run deleted since the page listed it."""
    results = st.session_state.setdefault(state.SHIFT_RESULTS, {})
    listed = workspace.runs_read_again()
    if listed is None:
        return "down"
    listed_ids = {r.id for r in listed}
    outcome = "measured"
    for run in runs:
        saved = workspace.model(run.id) if run.id in listed_ids else None
        if saved is None:  # (deleted between the list's read and this: the database said so)
            outcome = "gone"
            continue
        data = resources.dataset(run.dataset)
        picked = spread_sample(len(data.test_y), MAX_IMAGES)  # the same spread of the test set for every run
        results[run.id] = accuracy_by_shift(saved.model, data.test_x[picked], data.test_y[picked])
    return outcome


def shift_chart(runs: list[RunInfo], results: dict) -> go.Figure:
    data = []
    for n, run in enumerate(runs):
        points = results[run.id]
        xs, ys = [p.shift for p in points], [p.accuracy for p in points]
        data.append(go.Scatter(x=xs, y=ys, name=text_label(run_label(run)), mode="lines+markers",
                               line={"color": COLORS[n % len(COLORS)]}, **percent_hover(ys, "%{x} px<br>")))
    return figure(data, dict(title=t("runs.shift_chart"), height=360, margin={"l": 10, "r": 10, "t": 40, "b": 10},
                             xaxis={"title": t("runs.shift_axis"), "dtick": 1}, yaxis=percent_axis()))


def _load_for_training(preset: str) -> None:
    """Put ``preset`` on the Architecture page's sliders and MNIST on the Train page's, ready to train."""
    ss = st.session_state
    ss[state.ARCH], ss[state.PRESET], ss[state.DATASET] = PRESETS[preset], preset, "mnist"
    forget_arch_widgets()  # the pages seed their widgets again from the state
    ss.pop("w_dataset", None)


def comparison_buttons(candidates: list[RunInfo]) -> None:
    """One click to the Train page with the kind of network the comparison still lacks (dense or convolutional)."""
    kinds = {bool(r.architecture.get("out_channels")) for r in candidates}
    missing = [(preset, f"runs.shift_train_{preset}") for preset, conv in (("dense", False), ("tutorial", True))
               if conv not in kinds]
    if not missing:
        return
    st.caption(t("runs.shift_train_help"))
    for column, (preset, label) in zip(st.columns(len(missing)), missing):
        if column.button(t(label), key=f"shift_train_{preset}", on_click=_load_for_training, args=(preset,)):
            st.switch_page("pages/train.py")


def shift_section(runs: list[RunInfo]) -> None:
    st.subheader(t("runs.shift_title"))
    st.markdown(t("runs.shift_intro", n=MAX_IMAGES))
    candidates = shift_candidates(runs)
    if not candidates:
        st.info(t("runs.shift_none"))
    comparison_buttons(candidates)
    if not candidates:
        return
    results = st.session_state.get(state.SHIFT_RESULTS, {})
    missing = [r for r in candidates if r.id not in results]
    label = t("runs.shift_measure_one") if len(missing) == 1 else t("runs.shift_measure", n=len(missing))
    if missing and st.button(label, key="shift_measure"):
        try:
            with st.spinner(t("runs.shift_measuring")):
                outcome = _measure(missing)
            if outcome == "gone":  # said, never an empty result; the page drawn again from the list just read
                state.add_notice("notice.run_gone")  # (at the top, as for a rename or delete of a run gone elsewhere)
                workspace.runs_changed()  # (a run deleted after the list was read is still in it)
                st.rerun()
            if outcome == "down":  # the page as it was, and why nothing was measured, where the button was pressed
                st.warning(t("notice.storage_down"), icon="🔌")
        except PlaygroundError as err:  # the dataset's files are missing
            st.error(error_text(err), icon="📁")
        results = st.session_state.get(state.SHIFT_RESULTS, {})
    measured = [r for r in candidates if r.id in results]
    if not measured:
        return
    st.plotly_chart(shift_chart(measured, results), key="shift_chart", config=chart_config())
    for run in measured:
        first, last = results[run.id][0], results[run.id][-1]
        st.markdown(t("runs.shift_found", run=plain(run_label(run)), start=pct(first.accuracy, 1),
                      shift=last.shift, end=pct(last.accuracy, 1),
                      drop=pct(max(first.accuracy - last.accuracy, 0.0), 1),
                      kind=t("runs.shift_kind_dense" if not run.architecture.get("out_channels") else
                             "runs.shift_kind_conv")))
    if len(measured) >= 2:
        kept = max(measured, key=lambda r: results[r.id][-1].accuracy)
        st.markdown(t("runs.shift_best", run=plain(run_label(kept)), shift=results[kept.id][-1].shift))
    st.caption(t("runs.shift_honest"))

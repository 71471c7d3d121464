"""The Runs page's dense-against-convolution comparison: three networks trained one after the other, and every
run's parameters against its accuracy.

Which networks is the core's (:func:`cnn_core.train.comparison.plan`); they train
through the Train page's executor and scheduler, each becoming a run as it ends
(:func:`ui.shell.models.adopt_finished_training`, on whichever page sees it). The
comparison lives in the session, so it keeps training while the visitor is on
another page and shows where it is on their return.
"""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from cnn_core.base.errors import PlaygroundError
from cnn_core.nn.architecture import PRESETS, Architecture, adapt_to_data, fully_connected_comparison
from cnn_core.nn.model import build_model
from cnn_core.store import runs as core_runs
from cnn_core.store.storage import RunInfo
from cnn_core.train import comparison as core_comparison
from cnn_core.train.comparison import Comparison
from cnn_core.train.config import TrainConfig
from cnn_core.train.jobs import PAGE_REFRESH_S
from cnn_core.train.trainer import check_fits
from ui.base import state
from ui.base.i18n import error_text, filters_text, num, pct, t
from ui.charts.figures import chart_config, figure, named_points, percent_axis, text_label
from ui.sections.runs import COLORS, run_label
from ui.shell import resources
from ui.shell.models import adopt_finished_training

START_ERROR = "_cmp_error"  # why the last press of the Start button started nothing, said once


def network_text(arch: Architecture) -> str:
    """ "784 → 32 → 10" for a dense network; "conv 8-16 → 32 → 10" for a CNN."""
    widths = " → ".join(num(w) for w in (*arch.dense, arch.num_classes))
    if arch.out_channels:
        return t("runs.cmp_net_conv", filters=filters_text(arch), rest=widths)
    return f"{num(arch.input_neurons)} → {widths}"


def _budget_limits() -> tuple[int, int]:
    return 5, max(5, int(resources.settings().max_train_seconds))  # the Train page's seconds slider's range


def _start() -> None:
    """Load MNIST and start training the plan's networks one after the other (the Start button's callback)."""
    ss, limits = st.session_state, resources.settings()
    try:
        data = resources.dataset(core_comparison.DATASET)
        cfg = TrainConfig(time_budget_s=ss["w_cmp_budget"], memory_limit_mb=limits.memory_limit_mb)
        h, w, c = data.shape
        entries = core_comparison.plan(adapt_to_data(core_comparison.CNN, h, w, c, data.num_classes))
        for entry in entries:
            check_fits(entry.arch, cfg)
    except PlaygroundError as err:  # the dataset's files are missing, or a network is too big for this server
        ss[START_ERROR] = err
        return
    executor, alive = resources.executor(), resources.session_liveness()  # read here: the thread has no session

    def start(arch: Architecture):
        return executor.start(build_model(arch, seed=cfg.seed), data, cfg, dataset=core_comparison.DATASET,
                              owner_alive=alive, owner_grace_s=limits.orphan_grace_s)

    ss[state.COMPARED_RUNS] = {}
    ss[state.COMPARISON] = Comparison(entries, start).start()


def _entry_line(n: int, entry) -> str:
    return t(f"runs.cmp_{entry.role}", n=n, net=network_text(entry.arch), params=num(entry.params))


def progress(comparison: Comparison, live: bool) -> None:
    """Each network's state: waiting, queued, training (a progress bar), or its test accuracy and run."""
    adopted = adopt_finished_training()
    kept = st.session_state[state.COMPARED_RUNS]
    jobs = comparison.jobs
    for n, entry in enumerate(comparison.entries):
        line = _entry_line(n + 1, entry)
        job = jobs[n] if n < len(jobs) else None
        snap = job.snapshot() if job is not None else None
        if snap is None:
            waiting = "runs.cmp_stopped" if comparison.finished else "runs.cmp_waiting"
            st.markdown(t("runs.cmp_state", line=line, state=t(waiting)))
        elif snap.status == "queued":
            st.markdown(t("runs.cmp_state", line=line, state=t("runs.cmp_queued", position=snap.queue_position or 1)))
        elif not snap.finished:
            done = snap.last.progress if snap.last is not None else 0.0
            st.progress(min(done, 1.0), text=f"{line} · {t('runs.cmp_training', percent=pct(done, 0))}")
        elif snap.result is not None and snap.result.test_accuracy is not None:
            run = f"#{kept[n]}" if kept.get(n) is not None else "–"
            done = t("runs.cmp_done", accuracy=pct(snap.result.test_accuracy), run=run)
            st.markdown(t("runs.cmp_state", line=line, state=done))
        else:
            st.markdown(t("runs.cmp_state", line=line, state=t("runs.cmp_stopped")))
    if comparison.error is not None:
        st.error(error_text(comparison.error), icon="⚠️")
    if not comparison.finished:
        if comparison.stop_requested:
            st.info(t("train.stopping"), icon="⏹️")
        else:
            st.button(t("train.stop"), key="cmp_stop", on_click=comparison.stop)
    if adopted or (live and comparison.finished):  # a new run: the table and charts above and below show it
        st.rerun(scope="app")


def found(comparison: Comparison) -> str | None:
    """What the three trainings found, written from their numbers; None until all three have an accuracy."""
    accuracy = {}
    for entry, job in zip(comparison.entries, comparison.jobs):
        result = job.snapshot().result
        if result is None or result.test_accuracy is None:
            return None
        accuracy[entry.role] = (entry, result.test_accuracy)
    if len(accuracy) < len(comparison.entries):
        return None
    (same, a_same), (cnn, a_cnn), (big, a_big) = (accuracy[role] for role in core_comparison.ROLES)
    return t("runs.cmp_found", cnn=pct(a_cnn), cnn_params=num(cnn.params), same=pct(a_same),
             same_params=num(same.params), big=pct(a_big), big_params=num(big.params),
             times=num(big.params / cnn.params, 0),
             verdict=t("runs.cmp_verdict_cnn" if a_cnn >= max(a_same, a_big) else "runs.cmp_verdict_dense"))


def comparison_section() -> None:
    """The three networks (with their progress and results once started), what they found, and the Start button."""
    st.subheader(t("runs.cmp_title"))
    st.markdown(t("runs.cmp_intro"))
    ss = st.session_state
    comparison: Comparison | None = ss[state.COMPARISON]  # started by the button's callback, before this run
    running = comparison is not None and not comparison.finished
    if comparison is None:
        for n, entry in enumerate(core_comparison.plan()):
            st.markdown(_entry_line(n + 1, entry))
    else:
        st.fragment(progress, run_every=PAGE_REFRESH_S if running else None)(comparison, running)
        text = found(comparison) if comparison.finished else None
        if text is not None:
            st.markdown(text)
    low, high = _budget_limits()
    ss.setdefault("w_cmp_budget", min(max(core_comparison.BUDGET_S, low), high))
    budget = st.slider(t("runs.cmp_budget"), low, high, step=5, key="w_cmp_budget", disabled=running)
    if running:
        return
    job = ss[state.JOB]
    busy = job is not None and not job.finished  # one training at a time per visitor: the times stay fair
    if busy:
        st.caption(t("runs.cmp_busy"))
    # A callback, so the press is not lost to a rerun earlier in the script (a page's first run may rerun)
    st.button(t("runs.cmp_start", seconds=num(3 * budget)), key="cmp_start", type="primary", disabled=busy,
              on_click=_start)
    if START_ERROR in ss:
        st.error(error_text(ss.pop(START_ERROR)), icon="⚠️")


NAMED = 8  # runs numbered beside the parameters chart (the most accurate); the rest say which on hover


def params_chart(runs: list[RunInfo]) -> go.Figure:
    """Every run's test accuracy against its parameters (log scale), dense networks and CNNs as two series."""
    data = []
    for n, (kind, conv) in enumerate((("runs.shift_kind_dense", False), ("runs.shift_kind_conv", True))):
        shown = [r for r in runs if bool(r.architecture.get("out_channels")) == conv]
        data.append(go.Scatter(
            x=[r.params for r in shown], y=[r.test_accuracy for r in shown], name=t(kind), mode="markers",
            marker={"size": 12, "color": COLORS[n], "symbol": "square" if not conv else "circle"},
            customdata=[[text_label(run_label(r)), num(r.params), pct(r.test_accuracy)] for r in shown],
            hovertemplate=f"%{{customdata[0]}}<br>{t('runs.col_params')}: %{{customdata[1]}}<br>"
                          f"{t('train.test_accuracy')}: %{{customdata[2]}}<extra></extra>"))
    # each run's number beside the chart, the most accurate first, a line to its point (figures.named_points)
    labels, xaxis = named_points([(r.params, r.test_accuracy) for r in runs], [f"#{r.id}" for r in runs], NAMED)
    return figure(data, dict(title=t("runs.params_chart"), height=400, margin={"l": 10, "r": 10, "t": 40, "b": 10},
                             xaxis={"title": t("runs.col_params"), **xaxis}, annotations=labels,
                             yaxis={"title": t("train.test_accuracy"), **percent_axis()}))


def params_section(runs: list[RunInfo]) -> None:
    """Parameters against test accuracy for every run that has one."""
    scored = [r for r in runs if r.test_accuracy is not None and r.params]
    if not scored:
        return
    st.plotly_chart(params_chart(scored), key="params_chart", config=chart_config())
    st.caption(t("runs.params_help"))


def seed_figure_rows(runs: list[RunInfo]):
    """The tutorial's fully connected layer (its 4.9 million weights, from the core's arithmetic) above the
    parameters of the student's own networks on the same 28×28×1 input: dense ones first, then CNNs."""
    import pandas as pd

    tutorial = PRESETS["tutorial"]
    cmp = fully_connected_comparison(tutorial)
    own = [r for r in runs if core_runs.input_shape(r) == (tutorial.in_height, tutorial.in_width, tutorial.in_channels)]
    own.sort(key=lambda r: (bool(r.architecture.get("out_channels")), r.params))
    network, kind, params = t("runs.seed_network"), t("runs.seed_kind"), t("runs.col_params")
    share, accuracy = t("runs.seed_share"), t("train.test_accuracy")
    rows = [{network: t("runs.seed_tutorial_row", inputs=num(cmp.input_neurons), neurons=num(cmp.pooled_neurons)),
             kind: t("runs.seed_tutorial_kind"), params: num(cmp.dense_to_pooled_weights), share: pct(1.0, 0),
             accuracy: "–"}]
    for r in own:
        rows.append({network: run_label(r),
                     kind: t("runs.shift_kind_conv" if r.architecture.get("out_channels") else "runs.shift_kind_dense"),
                     params: num(r.params), share: pct(r.params / cmp.dense_to_pooled_weights, 2),
                     accuracy: pct(r.test_accuracy) if r.test_accuracy is not None else "–"})
    return cmp, pd.DataFrame(rows)


def seed_figure_section(runs: list[RunInfo]) -> None:
    """The tutorial's 4.9 million beside what the student's own dense and convolutional networks measured."""
    cmp, rows = seed_figure_rows(runs)
    if len(rows) == 1:  # no network of the student's on 28×28×1 yet: nothing to set beside the figure
        return
    tutorial = PRESETS["tutorial"]
    st.subheader(t("runs.seed_title", weights=num(cmp.dense_to_pooled_weights)))
    st.markdown(t("runs.seed_text", inputs=num(cmp.input_neurons), neurons=num(cmp.pooled_neurons),
                  weights=num(cmp.dense_to_pooled_weights), filters=tutorial.out_channels[0],
                  k=tutorial.kernel_size, conv=num(cmp.conv_weights)))
    st.dataframe(rows, hide_index=True, width="stretch", key="seed_figure_table")

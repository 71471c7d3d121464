"""The Runs page's parts: the table of runs, curves overlaid, side by side with differences, per-run actions.

Reads the workspace through :mod:`ui.shell.workspace`; the comparison itself
(:func:`cnn_core.store.runs.compare`, :func:`cnn_core.store.runs.curve_series`) lives in the core.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from cnn_core.base import texts
from cnn_core.data import registry as datasets
from cnn_core.nn.architecture import Architecture
from cnn_core.store import runs as core_runs
from cnn_core.store.storage import MAX_NAME_LEN, RunInfo
from ui.base import state
from ui.base.i18n import class_names, dataset_name, dec, labeller, lang, num, pct, plain, shown_numbers, t
from ui.charts.figures import figure, panel_axes, panels, percent_axis, percent_hover, text_label
from ui.sections.architecture import forget_arch_widgets
from ui.shell import models, workspace

COLORS = ("#4c78a8", "#e45756", "#54a24b", "#f58518", "#b279a2", "#72b7b2", "#eeca3b", "#9d755d")
DIFFERS = "#ffe08a"  # background of a compared row whose values differ
MEASURED = ("params", "test_accuracy", "seconds", "images_per_s")  # compared rows that are measurements, not settings


def run_label(run: RunInfo) -> str:
    return f"#{run.id} {run.name}"


def table_frame(runs: list[RunInfo]) -> pd.DataFrame:
    """Every run, newest first, its numbers kept as numbers (None where there is none)."""
    return pd.DataFrame([{
        t("runs.col_id"): r.id, t("runs.col_name"): r.name, t("runs.col_when"): r.created_at,
        t("runs.col_source"): t(f"runs.source_{r.source}"), t("runs.col_dataset"): dataset_name(r.dataset),
        # the filters alone: a long "…, pooling every 2 blocks" pushed the numbers off a laptop's table (the side by
        # side view has the blocks per pooling)
        t("runs.col_filters"): "-".join(map(str, r.architecture.get("out_channels", ()))) or "–",  # a dense network
        t("runs.col_params"): r.params,
        t("runs.col_accuracy"): 100 * r.test_accuracy if r.test_accuracy is not None else None,
        t("runs.col_ended"): models.how_it_ended(r, lang()),  # "diverged" beside an accuracy not to trust
        t("runs.col_seconds"): r.seconds,
        t("runs.col_pinned"): r.pinned,
    } for r in reversed(runs)])


def table(runs: list[RunInfo]) -> None:
    """Every run, newest first; Streamlit sorts by any column the visitor clicks, numbers as numbers."""
    frame = table_frame(runs)
    decimals = {t("runs.col_params"): 0, t("runs.col_accuracy"): 2, t("runs.col_seconds"): 1}
    st.dataframe(shown_numbers(frame, decimals), hide_index=True, key="runs_table",
                 column_config={t("runs.col_when"): st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
                                **{col: st.column_config.NumberColumn() for col in decimals}})


def pick_compared(runs: list[RunInfo]) -> list[RunInfo]:
    """The runs picked for comparison, with their curves."""
    by_id = {r.id: r for r in runs}
    ss = st.session_state
    if "w_compare" not in ss:  # first visit: the two latest trainings (only trainings have curves)
        ss["w_compare"] = [r.id for r in runs if r.source == "trained"][-2:]
    else:  # drop runs deleted meanwhile
        ss["w_compare"] = [i for i in ss["w_compare"] if i in by_id]
    ids = st.multiselect(t("runs.compare"), list(reversed(list(by_id))), key=state.relabelled("w_compare"),
                         format_func=lambda i: run_label(by_id[i]), placeholder=t("runs.compare_placeholder"))
    return workspace.runs_in_full(ids)


def overlay(runs: list[RunInfo], axis: str) -> go.Figure:
    """Loss and accuracy of several runs on one shared axis: training as lines, validation as points."""
    layout = panels(1, 2, (t("curve.loss"), t("curve.accuracy")))
    data = []
    for n, run in enumerate(runs):
        color = COLORS[n % len(COLORS)]
        series = core_runs.curve_series(run, axis)
        name = text_label(run_label(run))  # Plotly reads tags in trace names; a run's name is text
        for panel, (train_key, val_key) in enumerate((("train_loss", "val_loss"), ("train_acc", "val_acc"))):
            x_axis, y_axis = panel_axes(panel)
            xs, ys = series[train_key]
            data.append(go.Scatter(x=xs, y=ys, name=name, legendgroup=str(run.id), showlegend=panel == 0,
                                   mode="lines", line={"color": color, "width": 1.5}, opacity=0.6, xaxis=x_axis, yaxis=y_axis,
                                   **(percent_hover(ys, "%{x}<br>") if panel == 1 else {})))
            vx, vy = series[val_key]
            data.append(go.Scatter(x=vx, y=vy, name=name, legendgroup=str(run.id), showlegend=False,
                                   mode="lines+markers", line={"color": color, "width": 3}, xaxis=x_axis,
                                   yaxis=y_axis, **(percent_hover(vy, "%{x}<br>") if panel == 1 else {})))
    # Which line is which: two legend entries in grey, drawn nowhere (the runs' own entries say only whose)
    data += [go.Scatter(x=[None], y=[None], name=t(key), legendgroup="styles", hoverinfo="skip", mode=mode,
                        line={"color": "#888888", "width": width}) for key, mode, width in
             (("curve.train_epoch", "lines", 1.5), ("curve.validation", "lines+markers", 3))]
    for x_axis in ("xaxis", "xaxis2"):
        layout[x_axis]["title"] = {"text": t(f"runs.axis_{axis}")}
    layout["yaxis2"].update(percent_axis())  # accuracy as a percentage, as on the Train page
    return figure(data, dict(layout, height=380, margin={"l": 10, "r": 10, "t": 40, "b": 10}))


def _cell(key: str, value) -> str:
    """A compared value as the rest of the app names and writes it (the Train and Architecture pages' words)."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return t("runs.yes") if value else t("runs.no")
    if key == "test_accuracy":
        return pct(value)
    if key in ("params", "images_per_s", "batch_size", "time_budget_s", "epochs"):
        return num(value)
    if key == "seconds":
        return num(value, 1)
    if key == "lr":
        return dec(value)
    if key == "dataset":
        return dataset_name(value)
    if key == "optimizer":
        return t(f"train.opt_{value}") if f"train.opt_{value}" in texts.table(lang()) else str(value)
    if key == "precision":
        return t(f"train.precision_{value}") if f"train.precision_{value}" in texts.table(lang()) else str(value)
    if key == "padding":
        return t(f"arch.padding_{value}") if f"arch.padding_{value}" in texts.table(lang()) else str(value)
    if key == "pool":
        kind, size = value
        if kind == "none" or f"arch.pool_{kind}" not in texts.table(lang()):
            return t("arch.pool_none") if kind == "none" else f"{kind} {size}"
        return f"{t(f'arch.pool_{kind}')} {size}×{size}"
    if key == "kernel_size":
        return f"{value}×{value}"
    return str(value)


def side_by_side(runs: list[RunInfo]) -> None:
    """Architectures, settings and results in columns; rows whose values differ are highlighted."""
    rows = core_runs.compare(runs)
    columns = [run_label(r) for r in runs]
    if len(set(columns)) < len(columns):
        columns = [f"{c} ({i})" for i, c in enumerate(columns, start=1)]
    cells = [[_cell(key, v) for v in values] for key, values, _ in rows]
    # A measurement differs as the reader sees it (5.01 s and 5.04 s both read "5.0", and were marked as differing);
    # a setting as it was set (learning rates of 1e-8 and 1e-7 both read "0").
    differs = [len(set(shown)) > 1 if key in MEASURED else differ for (key, _, differ), shown in zip(rows, cells)]
    frame = pd.DataFrame([[t(f"runs.row_{key}")] + shown + ["≠" if differ else ""]
                          for (key, _, _), shown, differ in zip(rows, cells, differs)],
                         columns=[t("runs.what")] + columns + [t("runs.differs")])
    styled = frame.style.apply(lambda row: [f"background-color: {DIFFERS}" if differs[row.name] else ""] * len(row),
                               axis=1)
    st.dataframe(styled, hide_index=True, key="runs_compare", height=36 * (len(rows) + 1) + 2)


# ------------------------------------------------------------------ one run's actions

def _restore(run: RunInfo) -> None:
    ss = st.session_state
    ss[state.ARCH] = Architecture.from_dict(run.architecture)
    forget_arch_widgets()  # the Architecture page seeds its sliders again from ARCH
    if run.dataset in datasets.names():
        ss[state.DATASET] = run.dataset
        ss.pop("w_dataset", None)


def _use_on(page: str, run: RunInfo) -> None:
    models.choose(page, run.id)


def _rename(run_id: int) -> None:
    name = st.session_state.get(f"w_rename_{run_id}", "").strip()
    if name:
        workspace.rename(run_id, name)
        # The selector keeps its value (the run's id) but shows the label the browser holds, the old name,
        # until the value is set again: setting it sends the new label along.
        st.session_state["w_run_pick"] = run_id


def _delete(run_id: int, name: str) -> None:
    """The confirmation's button: that run goes, and the page says so (only when it did: gone already, or the
    database down, is said instead)."""
    st.session_state.pop("w_run_pick", None)
    if workspace.delete(run_id):
        state.add_notice("notice.run_deleted", name=name)


def actions(runs: list[RunInfo]) -> None:
    by_id = {r.id: r for r in runs}
    ss = st.session_state
    if ss.get("w_run_pick") not in by_id:
        ss["w_run_pick"] = runs[-1].id
    run = by_id[st.selectbox(t("runs.pick"), list(reversed(list(by_id))), key=state.relabelled("w_run_pick"),
                             format_func=lambda i: run_label(by_id[i]))]
    fits_draw = core_runs.fits_draw(run)
    c1, c2, c3, c4 = st.columns(4)
    if c1.button(t("runs.restore"), key="run_restore", help=t("runs.restore_help")):
        _restore(run)
        st.switch_page("pages/architecture.py")
    if c2.button(t("runs.use_draw"), key="run_use_draw", disabled=not fits_draw,
                 help=None if fits_draw else t("runs.no_draw")):
        _use_on("draw", run)
        st.switch_page("pages/draw.py")
    if c3.button(t("runs.use_inside"), key="run_use_inside"):
        _use_on("inside", run)
        st.switch_page("pages/inside.py")
    c4.download_button(t("runs.download"), workspace.model_file(run.id),  # read from the DB on click
                       file_name=f"run-{run.id}.cnn.zip", mime="application/zip", key="run_download",
                       on_click="ignore")  # no rerun racing the deferred file (train_ui's download, the same)
    c1, c2, c3 = st.columns([3, 1, 1])
    c1.text_input(t("runs.rename"), value=run.name, max_chars=MAX_NAME_LEN, key=f"w_rename_{run.id}")
    c1.button(t("runs.rename_save"), key="run_rename", on_click=_rename, args=(run.id,))
    c2.toggle(t("runs.pin"), value=run.pinned, key=f"w_pin_{run.id}", help=t("runs.pin_help"),
              on_change=lambda: workspace.pin(run.id, ss[f"w_pin_{run.id}"]))
    # One box per run, its button tied to the run it names: after a deletion the box stayed open, now naming the
    # next run, and a second click on the same spot deleted that one too.
    with c3.popover(t("runs.delete"), key=f"run_delete_box_{run.id}"):
        st.write(t("runs.delete_confirm", name=plain(run.name)))
        st.button(t("runs.delete_yes"), key=f"run_delete_{run.id}", type="primary", on_click=_delete,
                  args=(run.id, run.name))
    full = workspace.runs_in_full([run.id])  # the listing leaves out per-class accuracy
    per_class = full[0].per_class if full else None
    if per_class:
        with st.expander(t("runs.per_class")):
            st.table({t("train.class"): [plain(c) for c in class_names(run.dataset, run.classes)],
                      t("train.accuracy"): [pct(a, 1) for a in per_class]},
                     hide_index=True, width="content")


def axis_choice() -> str:
    return st.radio(t("runs.axis"), ("epochs", "seconds"), key=state.relabelled("w_axis"), horizontal=True,
                    format_func=labeller("runs.axis_"))

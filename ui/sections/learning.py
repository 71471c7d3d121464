"""The Train page's look at learning as it happens: one fixed image's first-layer kernels and maps, and gradient sizes.

Drawn from the trainer's ProbeEvent and GradEvent (see cnn_core.train.trainer) inside
the page's once-a-second fragment (the charts take in the latest points every
ui.sections.train.CHART_REFRESH_S), so the kernels visibly change while a run
goes on and a too-high learning rate shows as exploding gradient curves.
"""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from cnn_core.nn.inspection import tile_maps
from ui.base import state
from ui.base.i18n import lang, num, separators, shown_index, t
from ui.charts.figures import chart_config, step_axis
from ui.shell.models import choose

KERNELS_SHOWN = 32
MAPS_SHOWN = 16
COLORS = ("#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2", "#9d755d", "#bab0ac")


def log_axis(values) -> dict:
    """A log y axis labelled at powers of ten only once it spans a decade (no crowded 2 3 4 … 9 labels)."""
    import math

    positive = [v for v in values if v and v > 0 and math.isfinite(v)]
    axis = {"type": "log", "exponentformat": "power"}
    if positive and math.log10(max(positive)) - math.log10(min(positive)) >= 1:
        axis["dtick"] = 1
    else:
        axis["dtick"] = "D2"  # within a decade: 2 and 5 only
    return axis


def gradient_curves(grads, names: list[str], title: str, step_label: str,
                    steps: tuple[int, int] | None = None) -> go.Figure:
    """‖∂L/∂θ‖ of each layer against the step, log scale; ``steps`` (first, last) as on the loss plot."""
    xs = [g.step for g in grads]
    data = [go.Scatter(x=xs, y=[g.norms[i] for g in grads], name=name,
                       mode="lines" if len(grads) > 30 else "lines+markers", line=dict(color=COLORS[i % len(COLORS)]))
            for i, name in enumerate(names)]
    # Built and validated once (no toolbar: it is drawn without one, so its title needs no room under it)
    return go.Figure(data=data, layout=dict(
        title=title, height=320, margin=dict(l=10, r=10, t=40, b=10), uirevision="grads",
        yaxis=log_axis([v for g in grads for v in g.norms]),
        xaxis=dict(title=step_label, **step_axis(*(steps or (min(xs), max(xs))))),
        separators=separators(), legend=dict(orientation="h", y=-0.25)))


def learning_view(snap, names: list[str], has_conv: bool = True, run_id: int | None = None,
                  figures: dict | None = None) -> None:
    """The probe's kernels and maps (left) and the gradient sizes (right); a dense network has no kernels.

    ``run_id``: the run the finished training became, whose kernels the Inside page can then open. ``figures``:
    where the gradient figure of this ``snap`` is kept once built (the live view draws one snapshot a few times).
    """
    probe = snap.probe
    if probe is None and (has_conv or not snap.grads):
        return
    left, right = st.columns([1, 1])
    with left:
        if probe is None:  # no conv block: nothing convolves, so there are no kernels or maps to watch
            st.info(t("train.live_no_conv"))
        else:
            _probe_view(probe, snap.finished)
            kernel_link(min(KERNELS_SHOWN, probe.kernels.shape[0]), run_id, snap.finished)
    with right:
        if snap.grads:
            first_last = (snap.steps[0].step, snap.steps[-1].step) if snap.steps else None  # as the loss plot
            figures = {} if figures is None else figures
            labels = (lang(), tuple(names), t("train.grad_title"), t("curve.step"))
            if figures.get("grads", (None,))[0] != labels:
                figures["grads"] = (labels, gradient_curves(snap.grads, names, *labels[2:], first_last))
            st.plotly_chart(figures["grads"][1], key="live_grads", config=chart_config(displayModeBar=False))
            st.caption(t("train.grad_help"))


def _probe_view(probe, finished: bool) -> None:
    """The first layer at its latest look: live while it trains, as it ended once the run is over."""
    st.markdown(t("train.live_title_done" if finished else "train.live_title", step=num(probe.step)))
    c, h, w = probe.image.shape
    picture = probe.image.permute(1, 2, 0).numpy() if c == 3 else probe.image[0].numpy()
    a, b = st.columns([1, 3])
    a.image(picture, caption=t("train.live_image"), width=84)
    kernels = probe.kernels[:KERNELS_SHOWN, 0]  # (n, k, k): each kernel's first input channel
    k = kernels.shape[-1]
    b.image(tile_maps(kernels, cols=8, gap=1, scale=max(2, 36 // k)), clamp=True,
            caption=t("train.live_kernels", n=kernels.shape[0], total=probe.kernels.shape[0], k=k))
    maps = probe.maps[:MAPS_SHOWN]
    st.image(tile_maps(maps, cols=8, gap=2, scale=max(1, 84 // max(h, w))), clamp=True,
             caption=t("train.live_maps", n=maps.shape[0], h=h, w=w))


def kernel_link(count: int, run_id: int | None, finished: bool) -> None:
    """Open one of the first block's kernels shown in the Inside page's "what a kernel looks for" (its section 8),
    on the run this training became; while it trains there is no run yet, and the caption says so."""
    if run_id is None:
        if not finished:
            st.caption(t("train.live_look_later"))
        return
    c1, c2 = st.columns([1, 2], vertical_alignment="bottom")
    kernel = c1.selectbox(t("train.live_look_kernel"), list(range(count)), key="w_live_kernel",
                          format_func=lambda i: str(shown_index(i)))
    # A callback, so the press is not lost to a rerun earlier in the script; the page switches once it is drawn.
    c2.button(t("train.live_look"), key="live_look", on_click=_open_kernel, args=(run_id, int(kernel)))
    if st.session_state.get(state.LOOK_REQUEST) is not None:
        st.switch_page("pages/inside.py")


def _open_kernel(run_id: int, kernel: int) -> None:
    st.session_state[state.LOOK_REQUEST] = (1, kernel)  # the Inside page opens "what a kernel looks for" there
    choose("inside", run_id)

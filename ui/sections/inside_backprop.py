"""The Inside page's backpropagation section: loss, gradients and one gradient-descent step, in numbers.

All numbers come from :func:`cnn_core.nn.inspection.backprop`, which works on a
copy of the model (the user's network is not changed) and is tested against
``torch.autograd``.
"""

from __future__ import annotations

import hashlib
import math

import streamlit as st
import torch

from cnn_core.nn.inspection import backprop, steepest_in_kernel
from ui.base import state
from ui.base.i18n import dec_labeller, layer_label, num, pct, plain, sci, shown_index, t
from ui.charts.figures import chart_config
from ui.charts.step_figures import DIVERGING, bars, colour_words, diverging_legend, number_grids

LEARNING_RATES = (0.001, 0.01, 0.1, 0.5, 1.0, 5.0)
KERNELS_WITH_NUMBERS = 8  # first-layer gradient grids written out; the rest as pictures


def _num(value: float) -> str:
    """4 decimals, or 3 significant digits in scientific notation for the tiny gradients of a sure answer."""
    if value == 0 or abs(value) >= 1e-3:
        return num(value, 4)
    return sci(value)


BP_IMAGE = "_bp_target_image"  # (true class, digest) of the image the target was last set for


def _channel_caption(key: str, channel: int, channels: int, k: int) -> str:
    """A kernel's channel named as the Inside page names them: red, green, blue for a colour image (3 channels),
    by number otherwise (an uploaded model may read 2 or 4)."""
    if channels == 3:
        return t(key, channel=t(f"inside.channel_{channel}"), channels=channels, k=k)
    return t(f"{key}_n", channel=shown_index(channel), channels=channels, k=k)


def backprop_section(model, x: torch.Tensor, classes: list[str], label: int | None) -> None:
    st.subheader(t("inside.bp_title"), anchor="backprop")
    st.caption(t("inside.bp_intro"))
    c1, c2, c3 = st.columns(3)
    # The target starts at the true class, for each image; another one shows what a wrong answer costs. The
    # options' texts never change with the image (a selectbox's value travels as its text: a mark that moved
    # left the old image's "7 ✓" standing beside a 9); the label says which class is the true one.
    names = {i: str(c) for i, c in enumerate(classes)}
    image = (label, hashlib.blake2b(x.detach().cpu().numpy().tobytes(), digest_size=8).hexdigest())
    if st.session_state.get(BP_IMAGE) != image or st.session_state.get("w_bp_target") not in names:
        st.session_state["w_bp_target"] = label if label is not None else 0
        st.session_state[BP_IMAGE] = image
    title = t("inside.bp_target_true", cls=plain(classes[label])) if label is not None else t("inside.bp_target")
    label = c1.selectbox(title, list(names), key=state.relabelled("w_bp_target"), format_func=names.get)
    out_channels = model.blocks[0].conv.out_channels
    # Kernels are numbered from 1 wherever a reader sees them (ui.base.i18n.shown_index); the index is 0-based.
    st.session_state["w_bp_kernel"] = min(max(st.session_state.get("w_bp_kernel", 1), 1), out_channels)
    kernel = int(c2.number_input(t("inside.bp_kernel", last=out_channels), 1, out_channels, key="w_bp_kernel")) - 1
    st.session_state.setdefault("w_bp_lr", 0.1)
    lr = c3.select_slider(t("inside.bp_lr"), LEARNING_RATES, key=state.relabelled("w_bp_lr"),
                          format_func=dec_labeller())  # "0,1"
    bp = backprop(model, x, int(label), kernel, float(lr))  # tens of milliseconds for the tutorial network

    st.markdown(t("inside.bp_forward", cls=plain(classes[label]), p=_num(bp.p_true), loss=_num(bp.loss)))

    st.markdown(t("inside.bp_kernel_grads", n=out_channels, k=bp.kernel_grads.shape[-1], **colour_words()))
    shown = min(KERNELS_WITH_NUMBERS, out_channels)
    grids = [(t("inside.bp_grad_of", i=shown_index(i)), bp.kernel_grads[i, 0], DIVERGING) for i in range(shown)]
    for start in range(0, shown, 4):  # two grids per chart, two charts a row: a phone stacks them, still legible
        for half, col in enumerate(st.columns(2)):
            pair = grids[start + 2 * half:start + 2 * half + 2]
            if pair:
                col.plotly_chart(number_grids(pair, height=200, scale_tiny=True), key=f"bp_grads_{start}_{half}",
                                 config=chart_config(displayModeBar=False))
    st.caption(diverging_legend())
    channels = bp.kernel_grads.shape[1]
    if channels > 1:  # a colour kernel has a grid per input channel: these are the first channel's
        st.caption(_channel_caption("inside.bp_first_channel", 0, channels, bp.kernel_grads.shape[-1]))
    if out_channels > shown:
        st.caption(t("inside.bp_more_kernels", n=out_channels - shown))

    # The layers named as everywhere else ("conv 1", "densa 1", "salida"), not by the model's attribute names.
    st.plotly_chart(bars([layer_label(n, short=True) for n in bp.names], bp.norms, t("inside.bp_norms"), log=True),
                    key="bp_norms",
                    config=chart_config(displayModeBar=False))
    # What this chart shows, said from its own bars: the first layer's gradient against the output's.
    first, last = bp.norms[0], bp.norms[-1]
    names = {"first": layer_label(bp.names[0], short=True), "last": layer_label(bp.names[-1], short=True)}
    if math.isclose(first, last, rel_tol=0.05):  # (both 0 for an answer already certain)
        st.caption(t("inside.bp_norms_same", **names))
    else:
        st.caption(t("inside.bp_norms_help", **names,
                     compared=t("inside.bp_norms_smaller" if first < last else "inside.bp_norms_larger")))

    st.markdown(t("inside.bp_step", i=shown_index(kernel), lr=num(lr, 3)))
    # The weight followed through the step: the one this image pushes hardest, not a corner that may not move; in
    # colour, over the kernel's every channel, and that channel's grids shown.
    channel, r, c = steepest_in_kernel(bp.kernel_grads[kernel])
    if channels > 1:
        st.caption(_channel_caption("inside.bp_step_channel", channel, channels, bp.kernel_grads.shape[-1]))
    st.plotly_chart(number_grids([(t("inside.bp_before"), bp.before[channel], DIVERGING),
                                  (t("inside.bp_gradient"), bp.kernel_grads[kernel, channel], DIVERGING),
                                  (t("inside.bp_after"), bp.after[channel], DIVERGING)], scale_tiny=True,
                                 mark=(r, c)),
                    key="bp_step", config=chart_config(displayModeBar=False))
    st.caption(diverging_legend())
    w0, g0, w1 = (float(v[channel, r, c]) for v in (bp.before, bp.kernel_grads[kernel], bp.after))
    st.markdown(t("inside.bp_one_weight", w=_num(w0), lr=num(lr, 3), g=_num(g0), new=_num(w1)))
    rows = {
        t("inside.bp_when"): [t("inside.bp_row_before"), t("inside.bp_row_one", i=shown_index(kernel)), t("inside.bp_row_all")],
        t("inside.bp_loss"): [_num(bp.loss), _num(bp.loss_after), _num(bp.loss_after_all)],
        t("inside.bp_p_true", cls=plain(str(classes[label]))): [pct(p) for p in (bp.p_true, bp.p_true_after,
                                                                          bp.p_true_after_all)],
    }
    st.table(rows, hide_index=True, width="content")
    st.caption(t("inside.bp_table_help"))

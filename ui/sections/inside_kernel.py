"""The Inside page's "what a kernel looks for": the input a kernel answers most, and the test images it likes best.

Computed on demand by :func:`cnn_core.nn.inspection.excite_kernel` (gradient
ascent on the input) and :func:`cnn_core.nn.inspection.top_exciting`, and kept
in the session per model, block and kernel. Only for networks with a conv block.
"""

from __future__ import annotations

import streamlit as st
import torch

from cnn_core.base.errors import PlaygroundError
from cnn_core.data import registry as datasets
from cnn_core.nn.inspection import excite_kernel, top_exciting
from ui.base import state
from ui.base.i18n import class_names, num, shown_index, t
from ui.shell import resources

TOP_IMAGES = 8
SEARCHED_IMAGES = 1_000  # test images ranked for the kernel: enough to find its favourites, quick on one core


def _picture(image: torch.Tensor):
    """(C, H, W) → what st.image shows: (H, W) gray or (H, W, 3) colour."""
    return image[0].numpy() if image.shape[0] == 1 else image.permute(1, 2, 0).numpy()


def _test_images(saved):
    """The test images of the model's own dataset, or None where the page has none of its shape."""
    name = saved.meta.get("dataset")
    if not datasets.get(name or ""):
        return None
    try:
        data = resources.dataset(name)
    except PlaygroundError:
        return None
    a = saved.arch
    return data if data.shape == (a.in_height, a.in_width, a.in_channels) else None


def kernel_look_section(saved) -> None:
    model = saved.model
    ss = st.session_state
    st.subheader(t("inside.look_title"))
    st.markdown(t("inside.look_text"))
    blocks = len(model.blocks)
    ss["w_look_block"] = min(ss.get("w_look_block", 1), blocks)
    c1, c2 = st.columns(2)
    labels = {b: t("inside.block", block=b) for b in range(1, blocks + 1)}
    block = c1.selectbox(t("inside.conv_block"), list(labels), key="w_look_block", format_func=labels.get)
    filters = model.blocks[block - 1].conv.out_channels
    ss["w_look_kernel"] = min(max(ss.get("w_look_kernel", 1), 1), filters)  # counted from 1, as every index read
    kernel = int(c2.number_input(t("inside.filter_of", last=filters), 1, filters, key="w_look_kernel")) - 1
    found = ss.setdefault(state.KERNEL_PATTERNS, {})
    key = (ss.get("w_model_inside"), id(model), block, kernel)
    if key not in found:
        if not st.button(t("inside.look_run"), key="look_run"):
            return
        with st.spinner(t("inside.look_running")):
            pattern = excite_kernel(model, block, kernel)
            data = _test_images(saved)
            top = (top_exciting(model, data.test_x[:SEARCHED_IMAGES], block, kernel, TOP_IMAGES)
                   if data is not None else None)
        found[key] = (pattern, top)
    pattern, top = found[key]
    left, right = st.columns([1, 2])
    left.image(_picture(pattern.image), width=160, clamp=True,
               caption=t("inside.look_pattern", block=block, kernel=shown_index(kernel)))
    right.markdown(t("inside.look_ascent", steps=len(pattern.objective) - 1,
                     start=num(pattern.activation[0], 2), end=num(pattern.activation[-1], 2)))
    if top is None:
        right.caption(t("inside.look_no_images"))
        return
    indices, values = top
    data = _test_images(saved)
    names = class_names(saved.meta.get("dataset"), saved.classes)
    st.markdown(t("inside.look_top", n=len(indices), searched=min(SEARCHED_IMAGES, len(data.test_y))))
    columns = st.columns(len(indices))
    for column, i, v in zip(columns, indices.tolist(), values.tolist()):
        label = int(data.test_y[i])
        caption = f"#{i} · {names[label] if label < len(names) else label} · {num(v, 2)}"
        column.image(_picture(data.test_x[i]), width=64, caption=caption)

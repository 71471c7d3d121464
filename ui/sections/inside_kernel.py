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
from cnn_core.data.loading import spread_sample
from cnn_core.nn.inspection import excite_kernel, top_exciting
from ui.base import state
from ui.base.i18n import class_names, num, shown_index, t
from ui.sections.inside_conv import choose_map
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
    request = ss.pop(state.LOOK_REQUEST, None)  # a kernel the Train page's live view opened: shown at once
    if request is not None:
        ss["w_look_block"], ss["w_look_kernel"] = request[0], shown_index(request[1])
    block, kernel = choose_map(model, "w_look_block", "w_look_kernel")  # kernel: the 0-based index
    found = ss.setdefault(state.KERNEL_PATTERNS, {})
    key = (ss.get("w_model_inside"), id(model), block, kernel)
    if key not in found:
        if not (st.button(t("inside.look_run"), key="look_run") or request is not None):
            return
        with st.spinner(t("inside.look_running")):
            pattern = excite_kernel(model, block, kernel)
            data = _test_images(saved)
            top = None
            if data is not None:  # a spread of the test set (its first thousand may be one class)
                searched = spread_sample(len(data.test_y), SEARCHED_IMAGES)
                where, values = top_exciting(model, data.test_x[searched], block, kernel, TOP_IMAGES)
                top = (searched[where], values)
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


def look_request_notice() -> None:
    """At the top of the Inside page: the kernel the Train page opened is at the foot of the page."""
    request = st.session_state.get(state.LOOK_REQUEST)
    if request is not None:
        st.info(t("inside.look_opened", block=request[0], kernel=shown_index(request[1])), icon="🔍")

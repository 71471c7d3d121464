"""The Inside page's sections: the image to follow, then each stage of the network it passes.

Each function draws one section from a traced forward pass
(:func:`cnn_core.nn.inspection.trace`); ``pages/inside.py`` calls them top to bottom.
"""

import re

import pandas as pd
import streamlit as st
import torch

from cnn_core.base.errors import PlaygroundError
from cnn_core.data import registry as datasets
from cnn_core.nn.architecture import Architecture
from cnn_core.nn.inspection import LAB_KERNELS, LAB_WEIGHT_LIMIT, apply_kernel, inkiest_window, one_hot, tile_maps
from ui.base import state
from ui.base.i18n import error_text, labeller, num, plain, shown_index, t
from ui.charts.figures import chart_config, heatmap, probabilities
from ui.charts.step_figures import DIVERGING, diverging_legend
from ui.shell import resources


def _random_index(count: int) -> None:
    st.session_state["w_index"] = int(torch.randint(count, (1,)))


def pick_image(saved):
    """(uint8 (C, H, W) image, true label or None) from the test set or the drawing."""
    arch = saved.arch
    sources = ["test"]
    digits_input = (arch.in_height, arch.in_width, arch.in_channels) == (28, 28, 1)  # what Draw makes
    if st.session_state[state.DRAWING] is not None and digits_input:
        sources.append("drawing")
    if len(sources) == 1:  # a choice of one is no choice; where a drawing would help, say how to make one
        st.caption(t("inside.source_test_only" if digits_input else "inside.source_test_plain"))
        source = "test"
    else:
        source = st.radio(t("inside.source"), sources, key=state.relabelled("w_source"), horizontal=True,
                          format_func=labeller("inside.source_"))
    if source == "drawing":
        return torch.from_numpy(st.session_state[state.DRAWING]).unsqueeze(0), None
    dataset = saved.meta.get("dataset") or datasets.DEFAULT
    uploaded = st.session_state[state.UPLOADED_DATA]
    try:
        if uploaded is not None and uploaded.name == dataset:
            data = uploaded
        else:
            data = resources.dataset(dataset if datasets.get(dataset) else datasets.DEFAULT)
    except PlaygroundError as err:
        st.error(error_text(err), icon="📁")
        st.stop()
    if data.shape != (arch.in_height, arch.in_width, arch.in_channels):
        st.info(t("inside.no_images"))
        st.stop()
    st.session_state.setdefault("w_index", 0)
    c1, c2 = st.columns([3, 1])
    index = c1.number_input(t("inside.index"), 0, len(data.test_y) - 1, key="w_index")
    c2.button(t("inside.random"), key="random_image", on_click=_random_index, args=(len(data.test_y),))
    label = int(data.test_y[index])
    # A model that names other classes than these images' (2 classes, yet "dataset: mnist") gets no true label.
    return data.test_x[index], label if data.num_classes == len(saved.classes) else None


def input_section(image, classes, label):
    c, h, w = image.shape
    st.subheader(t("inside.input_title"))
    st.markdown(t("inside.input_text", h=h, w=w, c=c, neurons=h * w * c))
    left, right = st.columns([1, 2])
    caption = t("inside.image") + (f" ({classes[label]})" if label is not None else "")  # plain text below
    if c == 3:
        caption = plain(caption)  # st.image reads its caption as Markdown
        left.image(image.permute(1, 2, 0).numpy(), caption=caption, width=220)
    else:
        left.plotly_chart(heatmap(image[0].float(), caption, height=260), key="input_image", config=chart_config())
    r0, c0 = inkiest_window(image, 6)  # where the drawing is, not the centre, which may be background
    channel = 0
    if c == 3:  # a colour pixel is three input neurons: the table shows one channel, the one chosen
        names = {i: t(f"inside.channel_{i}") for i in range(3)}
        channel = right.radio(t("inside.channel"), list(names), key=state.relabelled("w_input_channel"),
                              horizontal=True, format_func=names.get)
    patch = image[channel, r0:r0 + 6, c0:c0 + 6]
    right.markdown(t("inside.normalise", r0=shown_index(r0), c0=shown_index(c0)) if c != 3 else
                   t("inside.normalise_channel", r0=shown_index(r0), c0=shown_index(c0), channel=names[channel]))
    right.table(pd.DataFrame([[f"{int(v)} → {num(int(v) / 255, 2)}" for v in row] for row in patch],
                             index=[str(shown_index(r)) for r in range(r0, r0 + patch.shape[0])],  # the image's rows
                             columns=[str(shown_index(c)) for c in range(c0, c0 + patch.shape[1])]),  # and columns
                width="content")


def kernels_section(model):
    st.subheader(t("inside.kernels_title"))
    for i, block in enumerate(model.blocks, start=1):
        weight = block.conv.weight.detach()[:, 0] if i == 1 else block.conv.weight.detach()[:8, 0]
        st.markdown(t("inside.kernels_block", block=i, shown=weight.shape[0], total=block.conv.weight.shape[0],
                      k=weight.shape[-1], in_c=block.conv.weight.shape[1]))
        st.image(tile_maps(weight, cols=16, gap=1, scale=12), clamp=True)


def show_maps(maps: torch.Tensor, limit: int) -> None:
    """A stage's maps (C, H, W) tiled 16 a row, the first ``limit`` of them, and a caption saying so when that
    is not all (the Draw page said "128 maps" above 64)."""
    c, h, _ = maps.shape
    st.image(tile_maps(maps[:limit], cols=16, scale=max(1, 56 // h)), clamp=True)
    if c > limit:
        st.caption(t("maps.first", shown=num(limit), total=num(c)))


def maps_section(result, arch: Architecture):
    st.subheader(t("inside.maps_title"))
    for i, block in enumerate(result.blocks, start=1):
        with st.expander(t("inside.block", block=i), expanded=i == 1):
            # no "after pooling" in a block without one
            for stage in ("conv", "relu", "pool") if arch.pools_after(i) else ("conv", "relu"):
                maps = getattr(block, stage)
                c, h, w = maps.shape
                st.markdown(t(f"inside.stage_{stage}", shape=f"{h}×{w}×{c}", neurons=h * w * c))
                show_maps(maps, 32)


def output_section(result, classes, label):
    st.subheader(t("inside.output_title"))
    st.markdown(t("inside.flatten", n=result.flat.numel()))
    for i, dense in enumerate(result.dense, start=1):
        st.markdown(t("inside.dense", layer=i, units=dense.numel(), active=int((dense > 0).sum())))
    table = pd.DataFrame({
        t("inside.class"): [plain(str(c)) for c in classes],  # st.table shows Markdown
        t("inside.score"): [num(v, 2) for v in result.logits.tolist()],
        t("inside.probability"): [num(p, 4) for p in result.probs.tolist()],
        **({t("inside.one_hot"): one_hot(label, len(classes))} if label is not None else {}),
    })
    st.markdown(t("inside.softmax"))
    st.table(table, hide_index=True, width="content")
    st.plotly_chart(probabilities(result.probs.tolist(), classes, t("draw.probabilities")), key="inside_probs",
                    config=chart_config())


def kernel_cells(kernel) -> pd.DataFrame:
    """A kernel's weights as text cells written the reader's way ("0,1111" in Spanish), ready to edit."""
    return pd.DataFrame([[num(v) if float(v).is_integer() else num(v, 4) for v in row] for row in kernel],
                        columns=["a", "b", "c"])


_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?", re.IGNORECASE | re.ASCII)  # no nan, inf, 1_0, ٣


def parse_kernel(cells: pd.DataFrame) -> torch.Tensor:
    """The edited cells as a 3×3 kernel: "0,5", "0.5", "−1" and "-1" all read.

    Anything else, or a weight beyond ±LAB_WEIGHT_LIMIT, is a ValueError.
    """
    def value(cell) -> float:
        text = str(cell).strip().replace("−", "-").replace(",", ".")
        if not _NUMBER.fullmatch(text) or not abs(float(text)) <= LAB_WEIGHT_LIMIT:
            raise ValueError(f"not a kernel weight: {text[:20]!r}")
        return float(text)

    rows = cells.values.tolist()
    if len(rows) != 3 or any(len(row) != 3 for row in rows):
        raise ValueError("a kernel is 3×3")
    return torch.tensor([[value(c) for c in row] for row in rows], dtype=torch.float32)


def lab_section(image):
    st.subheader(t("inside.lab_title"))
    name = st.selectbox(t("inside.lab_preset"), list(LAB_KERNELS), key=state.relabelled("w_lab_preset"),
                        format_func=labeller("kernel."))
    editor = st.data_editor(kernel_cells(LAB_KERNELS[name]), key=f"lab_{name}", hide_index=True)
    accepted = st.session_state.setdefault(state.LAB_KERNEL, {})
    try:
        accepted[name] = parse_kernel(editor)
    except (ValueError, TypeError):
        st.error(t("inside.lab_bad", low=num(-LAB_WEIGHT_LIMIT), high=num(LAB_WEIGHT_LIMIT)))
    kernel = accepted.get(name, torch.tensor(LAB_KERNELS[name], dtype=torch.float32))
    out = apply_kernel(image[0].float() / 255, kernel)
    c1, c2, c3 = st.columns(3)
    c1.plotly_chart(heatmap(image[0].float(), t("inside.image"), height=220), key="lab_in",
                    config=chart_config())
    c2.plotly_chart(heatmap(out, t("inside.lab_out"), colorscale=DIVERGING, zmid=0, height=220), key="lab_out",
                    config=chart_config())
    c2.caption(diverging_legend())
    c3.plotly_chart(heatmap(out.clamp(min=0), t("inside.lab_relu"), height=220), key="lab_relu",
                    config=chart_config())

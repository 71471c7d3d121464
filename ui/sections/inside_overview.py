"""The whole network in one row for the current image: a column per layer, input to probabilities.

Each conv and pool column shows a few of its maps and its shape; its button
opens that layer's detail right below the overview (all its maps) and selects
its block in the step-by-step views further down.
"""

from __future__ import annotations

import streamlit as st
import torch

from cnn_core.nn.architecture import Architecture
from cnn_core.nn.inspection import tile_maps
from ui.base import state
from ui.base.i18n import layer_label, num, pct, t
from ui.charts import player

MAPS_SHOWN = 4
MAP_PX = 72  # about this many pixels per map side
DETAIL_MAPS = 32  # maps shown in a layer's detail


def _select_block(block: int, name: str) -> None:
    st.session_state["w_conv_block"] = block
    st.session_state[state.OVERVIEW_DETAIL] = name
    st.session_state[state.OVERVIEW_JUMPS] += 1  # this run brings the detail into view




def _close_detail() -> None:
    st.session_state[state.OVERVIEW_DETAIL] = None


def _detail(name: str, maps: torch.Tensor, block: int) -> None:
    """The chosen layer right below the overview: all its maps (up to DETAIL_MAPS), links to its step-through."""
    c, h, w = maps.shape
    shown = layer_label(name, short=True)
    with st.container(border=True, key="overview_detail"):
        st.markdown(t("inside.detail_title", name=shown, shape=f"{num(h)}×{num(w)}×{num(c)}"))
        st.caption(t("inside.detail_maps", shown=min(c, DETAIL_MAPS), total=c))
        st.image(tile_maps(maps[:DETAIL_MAPS], cols=16, gap=1, scale=max(1, 56 // max(h, w))), clamp=True)
        st.markdown(t("inside.detail_pool_link" if name.startswith("pool") else "inside.detail_conv_link",
                      block=block))
        st.button(t("inside.detail_close"), key="overview_detail_close", on_click=_close_detail)
        jump = st.session_state[state.OVERVIEW_JUMPS]
        if st.session_state[state.OVERVIEW_SCROLLED] != jump:  # only right after the click, not on later reruns
            st.session_state[state.OVERVIEW_SCROLLED] = jump
            player.scroll_into_view("overview_detail", jump)


def _maps_column(col, name: str, maps: torch.Tensor, block: int) -> None:
    c, h, w = maps.shape
    shown = layer_label(name, short=True)  # "conv 1", as in the Architecture table
    col.markdown(t("inside.overview_layer", name=shown))
    col.caption(f"{num(h)}×{num(w)}×{num(c)}")
    scale = max(1, MAP_PX // max(h, w))
    col.image(tile_maps(maps[:MAPS_SHOWN], cols=1, gap=2, scale=scale), clamp=True, width=scale * w)
    col.button(t("inside.overview_details"), key=f"overview_{name}", on_click=_select_block, args=(block, name),
               help=t("inside.overview_details_help", name=shown))


def overview_section(image: torch.Tensor, result, classes: list[str], arch: Architecture) -> None:
    st.subheader(t("inside.overview_title"), anchor="overview")
    st.caption(t("inside.overview_help"))
    stages = [("input", None, None)]
    for i, block in enumerate(result.blocks, start=1):
        stages.append((f"conv{i}", block.relu, i))
        if arch.pools_after(i):
            stages.append((f"pool{i}", block.pool, i))
    stages += [(f"dense{i}", d, None) for i, d in enumerate(result.dense, start=1)]
    stages.append(("output", result.probs, None))
    cols = st.columns(len(stages))
    detail = None
    for col, (name, values, block) in zip(cols, stages):
        if name == st.session_state[state.OVERVIEW_DETAIL] and block is not None:
            detail = (name, values, block)
        if name == "input":
            c, h, w = image.shape
            col.markdown(t("inside.overview_layer", name=t("inside.overview_input")))
            col.caption(f"{num(h)}×{num(w)}×{num(c)}")
            picture = image.permute(1, 2, 0).numpy() if c == 3 else image[0].numpy()
            col.image(picture, width=max(MAP_PX, 2 * w) if max(h, w) < MAP_PX else MAP_PX)
        elif block is not None:
            _maps_column(col, name, values, block)
        elif name == "output":
            col.markdown(t("inside.overview_layer", name=t("inside.overview_output")))
            col.caption(str(len(values)))
            order = torch.argsort(values, descending=True)[:3].tolist()
            for k in order:
                col.text(f"{classes[k]}: {pct(float(values[k]), 1)}")
        else:  # a hidden dense layer: its activations as one column of cells
            col.markdown(t("inside.overview_layer", name=layer_label(name, short=True)))  # "densa 1"
            col.caption(num(values.numel()))
            n = values.numel()
            side = max(1, int(n ** 0.5))
            grid = torch.zeros(side * ((n + side - 1) // side))
            grid[:n] = values
            col.image(tile_maps(grid.view(1, -1, side), cols=1, scale=max(1, MAP_PX // side)), clamp=True)
    if detail is not None:
        _detail(*detail)
    st.markdown(t("inside.overview_jump"))

"""The Inside page's step-throughs: a kernel sliding over its input, and a pooling window over a map.

Each step-through is a fragment: a click on the map, a row/column change or an
animation frame reruns only that fragment, not the page. Play/Pause and the
speed sit outside it, because they change how often the fragment reruns
(``run_every``). Every number comes from :mod:`cnn_core.inspection`, whose tests
check it against ``torch.nn.functional``.
"""

from __future__ import annotations

import time

import streamlit as st
import torch
import torch.nn.functional as F

from cnn_core.inspection import (channel_sums, conv_output_shape, conv_step, one_thread, pool_step,
                                 position_from_click)
from ui import frame_image, state
from ui.i18n import num, t
from ui.step_figures import bars, filling_figure, number_grids, window_figure

SPEEDS = (1, 2, 5, 10, 20)  # window positions per second
MAX_JUMP = 10  # positions one frame may advance when frames come late
TERMS_SHOWN = 9  # products (or channel sums) written out before "… (n more)"


# ---------------------------------------------------------------- shared: position, play, click


def _keys(name: str) -> tuple[str, str]:
    return f"w_{name}_row", f"w_{name}_col"


def _toggle_play(name: str) -> None:
    ss = st.session_state
    ss[state.PLAYING][name] = not ss[state.PLAYING].get(name, False)
    ss[state.FRAME_AT][name] = None  # the next frame is the first of this run


def play_controls(name: str) -> tuple[bool, float]:
    """Play/Pause and speed; returns (playing, seconds between frames)."""
    ss = st.session_state
    playing = ss[state.PLAYING].get(name, False)
    c1, c2 = st.columns([1, 3], vertical_alignment="bottom")
    c1.button(t("inside.pause") if playing else t("inside.play"), key=f"{name}_play", on_click=_toggle_play,
              args=(name,), type="secondary" if playing else "primary", width="stretch")
    labels = {v: t("inside.speed_value_one" if v == 1 else "inside.speed_value", n=v) for v in SPEEDS}  # fixed now: AppTest formats outside the run
    speed = c2.select_slider(t("inside.speed"), SPEEDS, value=5, key=f"w_{name}_speed", format_func=labels.get)
    return playing, 1.0 / speed


def _position(name: str, out_h: int, out_w: int, start: tuple[int, int]) -> tuple[int, int, bool]:
    """The window's output (row, col), advanced by the animation; the row/column inputs. (row, col, ended)."""
    ss = st.session_state
    rk, ck = _keys(name)
    ss.setdefault(rk, start[0])
    ss.setdefault(ck, start[1])
    ss[rk], ss[ck] = min(int(ss[rk]), out_h - 1), min(int(ss[ck]), out_w - 1)
    ended = False
    if ss[state.PLAYING].get(name):
        now, last = time.monotonic(), ss[state.FRAME_AT].get(name)
        speed = ss.get(f"w_{name}_speed", 5)
        steps = 1 if last is None else max(1, min(round((now - last) * speed), MAX_JUMP))
        index = ss[rk] * out_w + ss[ck]
        if last is None and index == out_h * out_w - 1:
            index = -1  # Play at the last position starts over
        index += steps
        if index >= out_h * out_w - 1:
            index, ended = out_h * out_w - 1, True
            ss[state.PLAYING][name] = False
        ss[state.FRAME_AT][name] = now
        ss[rk], ss[ck] = divmod(index, out_w)
    c1, c2 = st.columns(2)
    c1.number_input(t("inside.row"), 0, out_h - 1, key=rk)
    c2.number_input(t("inside.col"), 0, out_w - 1, key=ck)
    return int(ss[rk]), int(ss[ck]), ended


def _clicked(name: str, chart_key: str, to_position) -> None:
    ss = st.session_state
    event = ss.get(chart_key)
    points = (event or {}).get("selection", {}).get("points", [])
    if points:
        row, col = to_position(points[0]["x"], points[0]["y"])
        rk, ck = _keys(name)
        ss[rk], ss[ck] = row, col
        ss[state.CLICKS][name] = ss[state.CLICKS].get(name, 0) + 1  # a fresh chart: no point stays selected


def _playing(name: str) -> bool:
    return st.session_state[state.PLAYING].get(name, False)


def _clickable(fig, name: str, to_position) -> None:
    key = f"{name}_map_{st.session_state[state.CLICKS].get(name, 0)}"
    st.plotly_chart(fig, key=key, on_select=lambda: _clicked(name, key, to_position), selection_mode="points",
                    config={"displayModeBar": False})


def _factor(value: float) -> str:
    """A factor of a product: 0,78 or (−0,25), never 0,78×-0,25."""
    text = num(value, 2)
    return f"({text})" if text.startswith("−") else text


def _terms(values: list[float], decimals: int = 2) -> str:
    shown = " + ".join(f"({num(v, decimals)})" for v in values[:TERMS_SHOWN])
    if len(values) > TERMS_SHOWN:
        shown += t("inside.more_terms", n=len(values) - TERMS_SHOWN)
    return shown


def _shape(h: int, w: int, c: int | None = None) -> str:
    return f"{h}×{w}" + (f"×{c}" if c is not None else "")


# ---------------------------------------------------------------- which map: block, kernel, channel


def block_input(x: torch.Tensor, result, block: int) -> torch.Tensor:
    """What block ``block`` (1-based) convolves: the image, or the previous block's pooled maps. (C, H, W)"""
    return x[0] if block == 1 else result.blocks[block - 2].pool


def choose_map(model) -> tuple[int, int]:
    """Block and kernel selectors shared by the convolution and pooling step-throughs."""
    ss = st.session_state
    blocks = len(model.blocks)
    ss["w_conv_block"] = min(ss.get("w_conv_block", 1), blocks)
    c1, c2 = st.columns(2)
    labels = {b: t("inside.block", block=b) for b in range(1, blocks + 1)}
    block = c1.selectbox(t("inside.conv_block"), list(labels), key="w_conv_block", format_func=labels.get)
    filters = model.blocks[block - 1].conv.out_channels
    ss["w_filter"] = min(ss.get("w_filter", 0), filters - 1)
    filt = c2.number_input(t("inside.filter_of", total=filters), 0, filters - 1, key="w_filter")
    return block, int(filt)


# ---------------------------------------------------------------- convolution


def conv_frame(model, x: torch.Tensor, result, block: int, filt: int) -> None:
    """One convolution position: the window on the input, the numbers, the output map filling in."""
    arch = model.arch
    conv = model.blocks[block - 1].conv
    inp = block_input(x, result, block)  # (C, H, W)
    c_in, h, w = inp.shape
    k, padding = arch.kernel_size, arch.padding
    pad = k // 2 if padding == "same" else 0
    out_h, out_w = conv_output_shape(h, w, k, padding)
    kernel, bias = conv.weight.detach()[filt], float(conv.bias.detach()[filt])
    with one_thread(), torch.no_grad():  # the whole map from torch itself; the written-out step must agree
        full = F.conv2d(inp[None], conv.weight[filt:filt + 1], conv.bias[filt:filt + 1], padding=padding)[0, 0]
    # Start where this kernel responds most, so the first dot product is not all zeros.
    start = divmod(int(full.abs().argmax()), out_w)
    row, col, ended = _position("conv", out_h, out_w, start)
    with one_thread():  # tiny tensors: two threads on a busy server only wait for each other
        step = conv_step(inp, kernel, bias, row, col, padding)
        sums = channel_sums(step)
    channel = 0
    if c_in > 1:
        st.session_state["w_conv_channel"] = min(st.session_state.get("w_conv_channel", 0), c_in - 1)
        channel = int(st.number_input(t("inside.conv_channel", total=c_in), 0, c_in - 1, key="w_conv_channel"))

    top, lft = (row - pad, col - pad) if padding == "same" else (row, col)
    title = t("inside.conv_input", shape=_shape(h, w, c_in)) if block == 1 else \
        t("inside.conv_input_maps", block=block - 1, shape=_shape(h, w, c_in))
    grids = [(t("inside.patch"), step.patch[channel], "gray"),
             (t("inside.kernel"), step.kernel[channel], "RdBu"),
             (t("inside.products"), step.products[channel], "RdBu")]
    products = step.products[channel].flatten().tolist()
    filled = full.clone().flatten()
    filled[row * out_w + col + 1:] = float("nan")
    filled = filled.view(out_h, out_w)
    zrange = (float(full.min()), float(full.max()))
    out_title = t("inside.output_map", shape=_shape(out_h, out_w))
    note = t("inside.padding_note", pad=pad, h=h, w=w) if pad else \
        t("inside.valid_note", h=h, w=w, out=_shape(out_h, out_w))
    if _playing("conv"):  # one server-drawn picture per frame; the clickable charts come back on Pause
        picture = frame_image.compose(
            [(title, frame_image.map_panel(inp[channel], "gray", window=(top, lft, k), pad=pad))]
            + frame_image.grids_panel(grids)
            + [(out_title, frame_image.map_panel(filled, "viridis", current=(row, col), zrange=zrange))])
        st.image(frame_image.png(picture), output_format="PNG", width="content")  # sent as is
        st.caption(note)
        st.markdown(t("inside.channel_sum", c=channel + 1, n=len(products), terms=_terms(products),
                      value=num(sums[channel], 3)))
    else:
        left, middle, right = st.columns([1.1, 1.3, 1.1])
        with left:
            fig = window_figure(inp[channel], top, lft, k, pad, title, t("inside.click_hover"))
            _clickable(fig, "conv", lambda cx, cy: position_from_click(cx, cy, k, padding, out_h, out_w))
            st.caption(note)
        with middle:
            st.plotly_chart(number_grids(grids), key="conv_numbers", config={"displayModeBar": False})
            st.markdown(t("inside.channel_sum", c=channel + 1, n=len(products), terms=_terms(products),
                          value=num(sums[channel], 3)))
        with right:
            st.plotly_chart(filling_figure(filled, row, col, out_title, zrange=zrange),
                            key="conv_output", config={"displayModeBar": False})
    reference = float(full[row, col])
    if c_in == 1:
        pairs = [f"{_factor(a)}×{_factor(b)}" for a, b in zip(step.patch[0].flatten().tolist(),
                                                             step.kernel[0].flatten().tolist())]
        more = t("inside.more_terms", n=len(pairs) - TERMS_SHOWN) if len(pairs) > TERMS_SHOWN else ""
        st.markdown(t("inside.dot_product", row=row, col=col, terms=" + ".join(pairs[:TERMS_SHOWN]), more=more,
                      bias=num(bias, 3), value=num(step.value, 4), torch_value=num(reference, 4)))
    else:
        st.markdown(t("inside.dot_product_channels", row=row, col=col, c=c_in, terms=_terms(sums),
                      bias=num(bias, 3), value=num(step.value, 4), torch_value=num(reference, 4)))
        names = [str(i + 1) for i in range(c_in)]
        if not _playing("conv"):  # while playing, the sums are the written terms above
            st.plotly_chart(bars(names, sums, t("inside.partial_sums", c=c_in), highlight=channel, height=220),
                            key="conv_channel_sums", config={"displayModeBar": False})
    if arch.batch_norm:
        st.caption(t("inside.bn_note"))
    if ended:
        st.rerun(scope="app")  # the sweep is over: stop the timer


# ---------------------------------------------------------------- pooling


def pool_frame(model, result, block: int, filt: int) -> None:
    """One pooling window on a block's map after ReLU, the kept value, the smaller map filling in."""
    arch = model.arch
    fmap = result.blocks[block - 1].relu[filt]  # (H, W)
    p, kind = arch.pool_size, arch.pool
    h, w = fmap.shape
    out_h, out_w = h // p, w // p
    pooled = result.blocks[block - 1].pool[filt]  # what the network computed: (out_h, out_w)
    start = divmod(int(pooled.argmax()), out_w)
    row, col, ended = _position("pool", out_h, out_w, start)
    with one_thread():
        step = pool_step(fmap, p, row, col, kind)
    mark = step.argmax if kind == "max" else None
    values = step.window.flatten().tolist()
    if kind == "max":
        written = t("inside.pool_max", values=", ".join(num(v, 2) for v in values), value=num(step.value, 3))
    else:
        written = t("inside.pool_avg", terms=_terms(values), n=len(values), value=num(step.value, 3))
    filled = pooled.clone().flatten()
    filled[row * out_w + col + 1:] = float("nan")
    filled = filled.view(out_h, out_w)
    zrange = (float(pooled.min()), float(pooled.max()))
    in_title = t("inside.pool_input", block=block, shape=_shape(h, w))
    out_title = t("inside.pooled_map", shape=_shape(out_h, out_w))
    if _playing("pool"):  # one server-drawn picture per frame, as for the convolution
        picture = frame_image.compose(
            [(in_title, frame_image.map_panel(fmap, "viridis", window=(row * p, col * p, p), grid=p))]
            + frame_image.grids_panel([(t("inside.window"), step.window, "viridis")], mark=mark)
            + [(out_title, frame_image.map_panel(filled, "viridis", current=(row, col), zrange=zrange))])
        st.image(frame_image.png(picture), output_format="PNG", width="content")  # sent as is
        if h % p or w % p:
            st.caption(t("inside.pool_remainder", h=h, w=w, p=p))
        st.markdown(written)
    else:
        left, middle, right = st.columns([1.1, 1.3, 1.1])
        with left:
            fig = window_figure(fmap, row * p, col * p, p, 0, in_title, t("inside.click_hover"),
                                colorscale="viridis", grid=p)

            def to_position(cx, cy):
                return min(max(int(round(cy)) // p, 0), out_h - 1), min(max(int(round(cx)) // p, 0), out_w - 1)

            _clickable(fig, "pool", to_position)
            if h % p or w % p:
                st.caption(t("inside.pool_remainder", h=h, w=w, p=p))
        with middle:
            st.plotly_chart(number_grids([(t("inside.window"), step.window, "viridis")], mark=mark, height=260),
                            key="pool_numbers", config={"displayModeBar": False})
            st.markdown(written)
        with right:
            st.plotly_chart(filling_figure(filled, row, col, out_title, zrange=zrange),
                            key="pool_output", config={"displayModeBar": False})
    st.markdown(t(f"inside.pool_result_{kind}", value=num(step.value, 3), size=p, before=_shape(h, w),
                  after=_shape(out_h, out_w)))
    if ended:
        st.rerun(scope="app")


# ---------------------------------------------------------------- the sections


def conv_section(model, x, result) -> tuple[int, int]:
    st.subheader(t("inside.conv_title"), anchor="conv-step")
    st.caption(t("inside.conv_help"))
    block, filt = choose_map(model)
    playing, every = play_controls("conv")
    st.fragment(conv_frame, run_every=every if playing else None)(model, x, result, block, filt)
    return block, filt


def pool_section(model, result, block: int, filt: int) -> None:
    st.subheader(t("inside.pool_title"), anchor="pool-step")
    if model.arch.pool == "none":
        st.info(t("inside.no_pool"))
        return
    st.caption(t("inside.pool_help", block=block, filter=filt))
    playing, every = play_controls("pool")
    st.fragment(pool_frame, run_every=every if playing else None)(model, result, block, filt)

"""The Inside page's step-throughs: a kernel sliding over its input, and a pooling window over a map.

Each step-through is a fragment: a click on the map or a row/column change
reruns only that fragment, not the page. Play computes the rest of the sweep
once and hands it to the browser (:mod:`ui.charts.player`), which plays it at the
chosen speed with no further round trip; Pause puts the window where the
player had got to. Every number comes from :mod:`cnn_core.nn.inspection`, whose
tests check it against ``torch.nn.functional``.
"""

from __future__ import annotations

import time

import streamlit as st
import torch
import torch.nn.functional as F

from cnn_core.nn.inspection import (
    channel_sums,
    conv_output_shape,
    conv_step,
    one_thread,
    pool_step,
    position_from_click,
)
from ui.base import state
from ui.base.i18n import held_lang, num, separators, shown_index, t
from ui.charts import frame_image, player
from ui.charts.figures import chart_config
from ui.charts.player import grid_cell_px, grid_cells, hex_colors, picture_src
from ui.charts.step_figures import DIVERGING, bars, diverging_legend, filling_figure, number_grids, window_figure

SPEEDS = (1, 2, 5, 10, 20)  # window positions per second
END_MARGIN_S = 0.5  # after a sweep's last frame is due (the browser started it a moment after the server)
TERMS_SHOWN = 9  # products (or channel sums) written out before "… (n more)"


# ---------------------------------------------------------------- shared: position, play, click


def _keys(name: str) -> tuple[str, str]:
    """The row and column boxes' keys; they hold the numbers a reader types, counted from 1 (shown_index)."""
    return f"w_{name}_row", f"w_{name}_col"


def _at(name: str) -> tuple[int, int]:
    """The window's output (row, col), 0-based, from its boxes."""
    rk, ck = _keys(name)
    return int(st.session_state[rk]) - shown_index(0), int(st.session_state[ck]) - shown_index(0)


def _move(name: str, row: int, col: int) -> None:
    """Put the window at output (row, col), 0-based: its boxes show them counted from 1."""
    rk, ck = _keys(name)
    st.session_state[rk], st.session_state[ck] = shown_index(row), shown_index(col)


def _toggle_play(name: str) -> None:
    ss = st.session_state
    playing = ss[state.PLAYING].get(name, False)
    sweep = ss[state.FRAME_AT].get(name)
    if playing and sweep is not None:  # Pause: the window stays about where the browser had it
        _move(name, *divmod(_played_to(sweep), sweep["out_w"]))
    ss[state.PLAYING][name] = not playing
    ss[state.FRAME_AT][name] = None  # the next sweep starts from the window's position


def _played_to(sweep: dict) -> int:
    """The position the browser's player has reached by now (it runs by the clock, at ``speed``)."""
    elapsed = time.monotonic() - sweep["t0"]
    return min(sweep["total"] - 1, sweep["start"] + int(elapsed * sweep["speed"]))


def map_range(values, pad: int) -> tuple[float, float]:
    """The (low, high) a map is coloured over on the page: its values, and the zeros of its padding if any."""
    low, high = float(values.min()), float(values.max())
    return (min(low, 0.0), max(high, 0.0)) if pad else (low, high)


def watch_the_end(name: str) -> None:
    """While the browser plays a sweep, one check when it should be over: then the page shows where the window
    stopped and Play again (not a Pause with nothing playing). Nothing is sent to the browser before then."""
    sweep = st.session_state[state.FRAME_AT].get(name)
    if not _playing(name) or sweep is None:
        return
    left = (sweep["total"] - 1 - sweep["start"]) / sweep["speed"]
    st.fragment(_check_the_end, run_every=max(left, 0) + END_MARGIN_S)(name, sweep["t0"])


def _check_the_end(name: str, armed_for: float) -> None:
    """The sweep is over: the page shows its end (the sweep's own frame then ends it, see _position). Or the
    sweep started again meanwhile (a channel changed it): the page runs again and this check is re-armed."""
    sweep = st.session_state[state.FRAME_AT].get(name)
    if _playing(name) and sweep is not None and (_played_to(sweep) >= sweep["total"] - 1 or sweep["t0"] != armed_for):
        st.rerun(scope="app")


def play_controls(name: str) -> None:
    """Play/Pause and the speed (positions per second)."""
    ss = st.session_state
    playing = ss[state.PLAYING].get(name, False)
    c1, c2 = st.columns([1, 3], vertical_alignment="bottom")
    c1.button(t("inside.pause") if playing else t("inside.play"), key=f"{name}_play", on_click=_toggle_play,
              args=(name,), type="secondary" if playing else "primary", width="stretch")
    labels = {v: t("inside.speed_value_one" if v == 1 else "inside.speed_value", n=v) for v in SPEEDS}
    # (fixed now: AppTest formats outside the run)
    ss.setdefault(f"w_{name}_speed", 5)
    c2.select_slider(t("inside.speed"), SPEEDS, key=state.relabelled(f"w_{name}_speed"), format_func=labels.get)


def _position(name: str, out_h: int, out_w: int, start: tuple[int, int]) -> tuple[int, int, bool]:
    """The window's output (row, col); the row/column inputs. (row, col, ended).

    While playing, the position is where this sweep starts: the next one after the window's (the first
    on a fresh Play, or from the start when at the end), or where the browser's player has got to when
    the page reruns mid-sweep (another control changed).
    """
    ss = st.session_state
    rk, ck = _keys(name)
    if rk not in ss or ck not in ss:
        _move(name, *start)
    row, col = _at(name)
    _move(name, min(max(row, 0), out_h - 1), min(max(col, 0), out_w - 1))
    ended = False
    playing = ss[state.PLAYING].get(name, False)
    if playing:
        total = out_h * out_w
        sweep = ss[state.FRAME_AT].get(name)
        if sweep is None or sweep["total"] != total or sweep["out_w"] != out_w:
            row, col = _at(name)
            index = row * out_w + col
            index = 0 if index >= total - 1 else index + 1  # Play at the last position starts over
        else:
            index = _played_to(sweep)
        if index >= total - 1 and sweep is not None:
            index, ended = total - 1, True
            ss[state.PLAYING][name] = False
        ss[state.FRAME_AT][name] = dict(t0=time.monotonic(), start=index, speed=ss.get(f"w_{name}_speed", 5),
                                        out_w=out_w, total=total)
        _move(name, *divmod(index, out_w))
    if ss[state.PLAYING].get(name, False):  # the browser moves the window: boxes here would show where it started
        st.caption(t("inside.row_col_playing"))
        return *_at(name), ended
    c1, c2 = st.columns(2)
    c1.number_input(t("inside.row", last=shown_index(out_h - 1)), shown_index(0), shown_index(out_h - 1), key=rk)
    c2.number_input(t("inside.col", last=shown_index(out_w - 1)), shown_index(0), shown_index(out_w - 1), key=ck)
    return *_at(name), ended


def _clicked(name: str, chart_key: str, to_position) -> None:
    ss = st.session_state
    event = ss.get(chart_key)
    points = (event or {}).get("selection", {}).get("points", [])
    if points:
        _move(name, *to_position(points[0]["x"], points[0]["y"]))
        ss[state.CLICKS][name] = ss[state.CLICKS].get(name, 0) + 1  # a fresh chart: no point stays selected


def _playing(name: str) -> bool:
    return st.session_state[state.PLAYING].get(name, False)


def _clickable(fig, name: str, to_position) -> None:
    key = f"{name}_map_{st.session_state[state.CLICKS].get(name, 0)}"
    st.plotly_chart(fig, key=key, on_select=lambda: _clicked(name, key, to_position), selection_mode="points",
                    config=chart_config(displayModeBar=False))


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
    """What block ``block`` (1-based) convolves: the image, or the previous block's output (its pooled maps, or its
    maps after ReLU where it does not pool). (C, H, W)"""
    return x[0] if block == 1 else result.blocks[block - 2].pool


def choose_map(model, block_key: str = "w_conv_block", kernel_key: str = "w_filter") -> tuple[int, int]:
    """A block and a kernel picked side by side: (block, counted from 1; kernel, a 0-based index).

    Shared by the convolution and pooling step-throughs (the default keys) and "what a kernel looks for"
    (keys of its own). Both boxes count from 1, as a reader does (shown_index); the kernel comes back as the
    index the code uses.
    """
    ss = st.session_state
    blocks = len(model.blocks)
    ss[block_key] = min(ss.get(block_key, 1), blocks)
    c1, c2 = st.columns(2)
    labels = {b: t("inside.block", block=b) for b in range(1, blocks + 1)}
    block = c1.selectbox(t("inside.conv_block"), list(labels), key=block_key, format_func=labels.get)
    filters = model.blocks[block - 1].conv.out_channels
    ss[kernel_key] = min(max(ss.get(kernel_key, 1), 1), filters)
    filt = c2.number_input(t("inside.filter_of", last=shown_index(filters - 1)), shown_index(0),
                           shown_index(filters - 1), key=kernel_key)
    return block, int(filt) - shown_index(0)


# ---------------------------------------------------------------- convolution


def _conv_lines(step, sums: list[float], channel: int, bias: float, reference: float) -> tuple[str, str]:
    """The written-out arithmetic at one position: (this channel's products and their sum, the dot product)."""
    c_in = step.patch.shape[0]
    products = step.products[channel].flatten().tolist()
    channel_line = t("inside.channel_sum", c=shown_index(channel), n=len(products), terms=_terms(products),
                     value=num(sums[channel], 3))
    if c_in == 1:
        pairs = [f"{_factor(a)}×{_factor(b)}" for a, b in zip(step.patch[0].flatten().tolist(),
                                                             step.kernel[0].flatten().tolist())]
        more = t("inside.more_terms", n=len(pairs) - TERMS_SHOWN) if len(pairs) > TERMS_SHOWN else ""
        dot = t("inside.dot_product", row=shown_index(step.row), col=shown_index(step.col),
                terms=" + ".join(pairs[:TERMS_SHOWN]), more=more,
                bias=num(bias, 3), value=num(step.value, 4), torch_value=num(reference, 4))
    else:
        dot = t("inside.dot_product_channels", row=shown_index(step.row), col=shown_index(step.col), c=c_in, terms=_terms(sums),
                bias=num(bias, 3), value=num(step.value, 4), torch_value=num(reference, 4))
    return channel_line, dot


def _cell_texts(values: torch.Tensor) -> list[str]:
    """A grid's values as the paused view's grids write them (tiny gradients in e-notation)."""
    flat = values.flatten().tolist()
    top = max(abs(v) for v in flat)
    if top >= 0.05 or top == 0:
        return [num(v, 2) for v in flat]
    mark = separators()[0]  # the language's decimal mark, as Plotly writes the paused grids
    return [f"{v:.1e}".replace(".", mark).replace("-", "−", 1 if v < 0 else 0) for v in flat]


def _counter(index: int, total: int) -> str:
    return t("inside.player_position", i=index + 1, n=total)


def conv_frame(model, x: torch.Tensor, result, block: int, filt: int) -> None:
    """One convolution position: the window on the input, the numbers, the output map filling in.

    Paused: interactive charts (click the input to move the window). Playing: the rest of the sweep,
    computed here once and played by the browser (:mod:`ui.charts.player`).
    """
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
    channel = 0
    if c_in > 1:
        st.session_state["w_conv_channel"] = min(max(st.session_state.get("w_conv_channel", 1), 1), c_in)
        channel = int(st.number_input(t("inside.conv_channel", last=c_in), 1, c_in, key="w_conv_channel")) - 1

    title = t("inside.conv_input", shape=_shape(h, w, c_in)) if block == 1 else \
        t("inside.conv_input_maps", block=block - 1, shape=_shape(h, w, c_in))
    zrange = (float(full.min()), float(full.max()))
    at_last = row * out_w + col == out_h * out_w - 1  # the window at the last position: nothing left to fill in
    out_title = t("inside.output_map_full" if at_last else "inside.output_map", shape=_shape(out_h, out_w))
    note = t("inside.padding_note", pad=pad, h=h, w=w) if pad else \
        t("inside.valid_note", h=h, w=w, out=_shape(out_h, out_w))
    in_range = map_range(inp[channel], pad)  # the patch's cells coloured as in the map beside them
    if _playing("conv"):
        total = out_h * out_w
        frames = []
        with one_thread(), held_lang():  # tiny tensors: two threads on a busy server only wait for each other
            for index in range(row * out_w + col, total):
                r, c = divmod(index, out_w)
                step = conv_step(inp, kernel, bias, r, c, padding)
                frames.append(dict(
                    window=[r, c], output_index=index, mark=None, counter=_counter(index, total),
                    grids=[grid_cells(step.patch[channel], "gray", _cell_texts(step.patch[channel]), in_range), None,
                           grid_cells(step.products[channel], DIVERGING, _cell_texts(step.products[channel]))],
                    lines=list(_conv_lines(step, channel_sums(step), channel, bias, float(full[r, c])))))
        cell = grid_cell_px(k)
        player.show("conv", dict(
            speed=st.session_state.get("w_conv_speed", 5), frames=frames,
            input=dict(title=title, src=picture_src(frame_image.map_panel(inp[channel], "gray", pad=pad)),
                       cells=[h + 2 * pad, w + 2 * pad], window=k, px=player.MAP_PX),
            grids=[dict(title=t("inside.patch"), side=k, cell_px=cell, cells=None),
                   dict(title=t("inside.kernel"), side=k, cell_px=cell,
                        cells=grid_cells(kernel[channel], DIVERGING, _cell_texts(kernel[channel]))),
                   dict(title=t("inside.products"), side=k, cell_px=cell, cells=None)],
            output=dict(title=out_title, shape=[out_h, out_w], px=player.MAP_PX,
                        colors=hex_colors(frame_image.colorize(full.numpy(), "viridis", *zrange)))))
        st.caption(note)
        st.caption(diverging_legend())  # the kernel's and the products' colours
        st.caption(t("inside.rounding_note"))
        if arch.batch_norm:
            st.caption(t("inside.bn_note"))
        return

    with one_thread():  # tiny tensors: two threads on a busy server only wait for each other
        step = conv_step(inp, kernel, bias, row, col, padding)
        sums = channel_sums(step)
    top, lft = (row - pad, col - pad) if padding == "same" else (row, col)
    grids = [(t("inside.patch"), step.patch[channel], "gray", in_range),
             (t("inside.kernel"), step.kernel[channel], DIVERGING),
             (t("inside.products"), step.products[channel], DIVERGING)]
    filled = full.clone().flatten()
    filled[row * out_w + col + 1:] = float("nan")
    filled = filled.view(out_h, out_w)
    channel_line, dot = _conv_lines(step, sums, channel, bias, float(full[row, col]))
    left, middle, right = st.columns([1.1, 1.3, 1.1])
    with left:
        fig = window_figure(inp[channel], top, lft, k, pad, title, t("inside.click_hover"))
        _clickable(fig, "conv", lambda cx, cy: position_from_click(cx, cy, k, padding, out_h, out_w))
        st.caption(note)
    with middle:
        st.plotly_chart(number_grids(grids), key="conv_numbers", config=chart_config(displayModeBar=False))
        st.caption(diverging_legend())
        st.markdown(channel_line)
    with right:
        st.plotly_chart(filling_figure(filled, row, col, out_title, zrange=zrange),
                        key="conv_output", config=chart_config(displayModeBar=False))
    st.markdown(dot)
    st.caption(t("inside.rounding_note"))  # 0,78×(−0,25) written; the exact factors summed
    if c_in > 1:
        names = [str(shown_index(i)) for i in range(c_in)]
        st.plotly_chart(bars(names, sums, t("inside.partial_sums", c=c_in), highlight=channel, height=220),
                        key="conv_channel_sums", config=chart_config(displayModeBar=False))
    if arch.batch_norm:
        st.caption(t("inside.bn_note"))
    if ended:
        st.rerun(scope="app")  # the sweep is over: the Play button shows Play again


# ---------------------------------------------------------------- pooling


def _pool_lines(step, kind: str, p: int, before: str, after: str) -> list[str]:
    values = step.window.flatten().tolist()
    if kind == "max":
        written = t("inside.pool_max", values=", ".join(num(v, 2) for v in values), value=num(step.value, 3))
    else:
        written = t("inside.pool_avg", terms=_terms(values), n=len(values), value=num(step.value, 3))
    return [written, t(f"inside.pool_result_{kind}", value=num(step.value, 3), size=p, before=before, after=after)]


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
    zrange = (float(pooled.min()), float(pooled.max()))
    in_range = map_range(fmap, 0)  # the window's cells coloured as in the map beside them
    in_title = t("inside.pool_input", block=block, shape=_shape(h, w))
    at_last = row * out_w + col == out_h * out_w - 1
    out_title = t("inside.pooled_map_full" if at_last else "inside.pooled_map", shape=_shape(out_h, out_w))
    before, after = _shape(h, w), _shape(out_h, out_w)
    if _playing("pool"):  # the rest of the sweep, played by the browser
        total = out_h * out_w
        frames = []
        with one_thread(), held_lang():
            for index in range(row * out_w + col, total):
                r, c = divmod(index, out_w)
                step = pool_step(fmap, p, r, c, kind)
                frames.append(dict(window=[r * p, c * p], output_index=index, counter=_counter(index, total),
                                   mark=step.argmax[0] * p + step.argmax[1] if kind == "max" else None,
                                   grids=[grid_cells(step.window, "viridis", _cell_texts(step.window), in_range)],
                                   lines=_pool_lines(step, kind, p, before, after)))
        player.show("pool", dict(
            speed=st.session_state.get("w_pool_speed", 5), frames=frames,
            input=dict(title=in_title, src=picture_src(frame_image.map_panel(fmap, "viridis", grid=p)),
                       cells=[h, w], window=p, px=player.MAP_PX),
            grids=[dict(title=t("inside.window"), side=p, cell_px=grid_cell_px(p), cells=None)],
            output=dict(title=out_title, shape=[out_h, out_w], px=player.MAP_PX,
                        colors=hex_colors(frame_image.colorize(pooled.numpy(), "viridis", *zrange)))))
        if h % p or w % p:
            st.caption(t("inside.pool_remainder", h=h, w=w, p=p))
        return

    with one_thread():
        step = pool_step(fmap, p, row, col, kind)
    mark = step.argmax if kind == "max" else None
    written, result_line = _pool_lines(step, kind, p, before, after)
    filled = pooled.clone().flatten()
    filled[row * out_w + col + 1:] = float("nan")
    filled = filled.view(out_h, out_w)
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
        st.plotly_chart(number_grids([(t("inside.window"), step.window, "viridis", in_range)], mark=mark, height=260),
                        key="pool_numbers", config=chart_config(displayModeBar=False))
        st.markdown(written)
    with right:
        st.plotly_chart(filling_figure(filled, row, col, out_title, zrange=zrange),
                        key="pool_output", config=chart_config(displayModeBar=False))
    st.markdown(result_line)
    if kind == "avg":  # the window's values written to 2 decimals, their mean worked out exactly
        st.caption(t("inside.rounding_note"))
    if ended:
        st.rerun(scope="app")


# ---------------------------------------------------------------- the sections


def conv_section(model, x, result) -> tuple[int, int]:
    st.subheader(t("inside.conv_title"), anchor="conv-step")
    st.caption(t("inside.conv_help"))
    block, filt = choose_map(model)
    play_controls("conv")
    st.fragment(conv_frame)(model, x, result, block, filt)
    watch_the_end("conv")
    return block, filt


def pool_section(model, result, block: int, filt: int) -> None:
    st.subheader(t("inside.pool_title"), anchor="pool-step")
    if model.arch.pool == "none":
        st.info(t("inside.no_pool"))
        return
    if not model.arch.pools_after(block):
        pooling = [i for i in range(1, len(model.blocks) + 1) if model.arch.pools_after(i)]
        st.info(t("inside.block_no_pool", block=block, pooling=", ".join(map(str, pooling))))
        return
    st.caption(t("inside.pool_help", block=block, filter=shown_index(filt)))
    play_controls("pool")
    st.fragment(pool_frame)(model, result, block, filt)
    watch_the_end("pool")

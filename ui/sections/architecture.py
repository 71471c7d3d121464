"""The architecture sliders: widgets in, one :class:`Architecture` out.

Widgets have their own keys (``w_*``) seeded from the stored architecture, so
the sliders come back as they were after a visit to another page or when a
shared link is opened.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from cnn_core.nn.architecture import (
    FILTER_CHOICES,
    KERNEL_SIZES,
    LIMITS,
    PADDINGS,
    POOLS,
    PRESETS,
    PRICED_INPUTS,
    UNIT_CHOICES,
    Architecture,
    first_dense_units,
    fully_connected_comparison,
    input_cost,
    layer_table,
    nearest_choice,
    totals,
)
from ui.base import state
from ui.base.i18n import labeller, num, t

INPUTS = {"mnist": (28, 28, 1), "cifar": (32, 32, 3)}


def _seed_widgets(arch: Architecture) -> None:
    """Put the architecture's values into the widget keys that are missing."""
    ss = st.session_state
    shape = (arch.in_height, arch.in_width, arch.in_channels)
    seeds = {
        "w_input": next((k for k, v in INPUTS.items() if v == shape), "custom"),
        "w_in_h": arch.in_height, "w_in_w": arch.in_width, "w_in_c": arch.in_channels,
        "w_blocks": len(arch.out_channels),
        "w_kernel": arch.kernel_size, "w_padding": arch.padding, "w_pool": arch.pool,
        "w_pool_size": arch.pool_size, "w_pool_every": arch.pool_every, "w_dense_layers": len(arch.dense),
        "w_classes": arch.num_classes, "w_bn": arch.batch_norm,
    }
    for i in range(LIMITS["blocks"][1]):
        value = arch.out_channels[i] if i < len(arch.out_channels) else (arch.out_channels or (32,))[-1]
        seeds[f"w_filters_{i}"] = nearest_choice(value, FILTER_CHOICES)
    for i in range(LIMITS["dense_layers"][1]):
        value = arch.dense[i] if i < len(arch.dense) else 100
        seeds[f"w_units_{i}"] = nearest_choice(value, UNIT_CHOICES)
    for key, value in seeds.items():
        if key not in ss:
            ss[key] = value


PRESET_KEY = "w_preset_"  # + the entry the preset selector shows (preset_key)
ARCH_WIDGETS = ("w_input", "w_in_h", "w_in_w", "w_in_c", "w_blocks", "w_filters_", "w_kernel", "w_padding",
                "w_pool", "w_pool_size", "w_pool_every", "w_dense_layers", "w_units_", "w_classes", "w_bn", PRESET_KEY)


CUSTOM = "custom"  # the selector's entry once the sliders describe no preset


def preset_key(shown: str) -> str:
    """The preset selector's widget key: one per entry it shows, so that a selector's key says what it was drawn
    with and no run ever writes a drawn selector's value.

    A page that has not heard the last run yet (a busy server, a slow phone) still holds the selector as it was,
    say "small" after the sliders left it, and a slider moved meanwhile sends that old value back. Streamlit keeps
    a widget's callback after it stops being drawn and takes such a value for a change: the preset was reloaded
    and the visitor's moves were lost. :func:`_apply_preset` now loads only a value its selector was not drawn
    with, which only a visitor's choice is.
    """
    return PRESET_KEY + shown


def forget_arch_widgets() -> None:
    """Drop the sliders' and the selector's values: the next Architecture run seeds them from ``state.ARCH``."""
    for key in [k for k in st.session_state if str(k).startswith(ARCH_WIDGETS)]:
        del st.session_state[key]


def _apply_preset(key: str) -> None:
    """Load the preset chosen in the selector ``key``; the sliders are re-seeded from it on this run."""
    name = st.session_state[key]
    if name == key.removeprefix(PRESET_KEY) or name not in PRESETS:  # an old page's echo (preset_key), or no preset
        return
    st.session_state[state.ARCH] = PRESETS[name]
    st.session_state[state.PRESET] = name
    forget_arch_widgets()


DRAWN = "_arch_widgets_drawn"  # the widget keys of the sliders and boxes shown only sometimes, drawn last run


def _forget_undrawn(drawn_last_run) -> None:
    """A block's filters, a dense layer's units or the custom input's sides not drawn on the last run lose their
    value, so one drawn again is seeded afresh from the network: Streamlit keeps such a value on the server but
    draws the widget back at its first option (a second block showed 1 filter while the table counted 32)."""
    if drawn_last_run is None:
        return
    ss = st.session_state
    sometimes = [f"w_filters_{i}" for i in range(LIMITS["blocks"][1])]
    sometimes += [f"w_units_{i}" for i in range(LIMITS["dense_layers"][1])] + ["w_in_h", "w_in_w", "w_in_c"]
    for key in sometimes:
        if key not in drawn_last_run:
            ss.pop(key, None)


def blocks_help(pool: str, pool_size: int, pool_every: int, batch_norm: bool) -> str:
    """What a block is with these settings, in the order of cnn_core.nn.model.ConvBlock: the help said
    "convolution → ReLU → pooling" with pooling off too."""
    steps = [t("arch.blocks_help_step_conv"), *(["BatchNorm"] if batch_norm else []), "ReLU"]
    if pool == "none":
        return t("arch.blocks_help_no_pool", steps=" → ".join(steps))
    pooling = t("arch.blocks_help_step_pool", kind=t(f"arch.pool_{pool}"), size=pool_size)
    if pool_every == 1:
        return t("arch.blocks_help", steps=" → ".join([*steps, pooling]))
    return t("arch.blocks_help_every", steps=" → ".join(steps), pooling=pooling)


def architecture_ui() -> Architecture:
    """Draw the sliders and return the architecture they describe (maybe an invalid one)."""
    ss = st.session_state
    _forget_undrawn(ss.get(DRAWN))
    _seed_widgets(ss[state.ARCH])
    preset_box = st.container()  # filled after the sliders, once we know whether they still match a preset
    col1, col2 = st.columns(2)
    with col1:
        st.radio(t("arch.input"), [*INPUTS, "custom"], key=state.relabelled("w_input"), horizontal=True,
                 format_func=labeller("arch.input_"))
        if ss["w_input"] == "custom":
            c1, c2, c3 = st.columns(3)
            c1.number_input(t("arch.height"), *LIMITS["in_height"], key="w_in_h")
            c2.number_input(t("arch.width"), *LIMITS["in_width"], key="w_in_w")
            c3.number_input(t("arch.channels"), *LIMITS["in_channels"], key="w_in_c")
            shape = (ss["w_in_h"], ss["w_in_w"], ss["w_in_c"])
        else:
            shape = INPUTS[ss["w_input"]]
        st.slider(t("arch.blocks"), *LIMITS["blocks"], key="w_blocks",
                  help=blocks_help(ss["w_pool"], ss["w_pool_size"], ss["w_pool_every"], ss["w_bn"]))
        filters = tuple(
            st.select_slider(t("arch.filters", block=i + 1), FILTER_CHOICES, key=f"w_filters_{i}")
            for i in range(ss["w_blocks"])
        )
        no_conv = ss["w_blocks"] == 0  # a dense network: the conv settings have nothing to act on
        if no_conv:
            st.caption(t("arch.no_conv_caption"))
        st.select_slider(t("arch.kernel"), KERNEL_SIZES, key="w_kernel", disabled=no_conv,
                         format_func=lambda k: f"{k}×{k}", help=t("arch.kernel_help"))
    with col2:
        st.radio(t("arch.padding"), PADDINGS, key=state.relabelled("w_padding"), horizontal=True, disabled=no_conv,
                 format_func=labeller("arch.padding_"), help=t("arch.padding_help"))
        st.radio(t("arch.pool"), POOLS, key=state.relabelled("w_pool"), horizontal=True, disabled=no_conv,
                 format_func=labeller("arch.pool_"))
        st.slider(t("arch.pool_size"), *LIMITS["pool_size"], key="w_pool_size",
                  disabled=no_conv or ss["w_pool"] == "none", help=t("arch.pool_size_help"))
        # Without pooling or convolutions it changes nothing: shown as the 1 the network is built with, and the
        # visitor's value given back when pooling returns (cifar_deep pooled every block and broke at block 6).
        if no_conv or ss["w_pool"] == "none":
            if ss["w_pool_every"] != 1:
                ss["w_pool_every_kept"] = ss["w_pool_every"]  # "w_pool…": forgotten with the sliders on a preset
            ss["w_pool_every"] = 1
        elif "w_pool_every_kept" in ss:
            ss["w_pool_every"] = ss.pop("w_pool_every_kept")
        st.slider(t("arch.pool_every"), *LIMITS["pool_every"], key="w_pool_every",
                  disabled=no_conv or ss["w_pool"] == "none", help=t("arch.pool_every_help"))
        st.slider(t("arch.dense_layers"), *LIMITS["dense_layers"], key="w_dense_layers")
        dense = tuple(
            st.select_slider(t("arch.units", layer=i + 1), UNIT_CHOICES, key=f"w_units_{i}")
            for i in range(ss["w_dense_layers"])
        )
        st.number_input(t("arch.classes"), *LIMITS["num_classes"], key="w_classes",
                        help=t("arch.classes_help"))
        st.checkbox(t("arch.batch_norm"), key="w_bn", help=t("arch.batch_norm_help"))
    arch = Architecture(
        in_height=int(shape[0]), in_width=int(shape[1]), in_channels=int(shape[2]),
        out_channels=filters, kernel_size=ss["w_kernel"], padding=ss["w_padding"], pool=ss["w_pool"],
        pool_size=ss["w_pool_size"], pool_every=ss["w_pool_every"], dense=dense, num_classes=int(ss["w_classes"]),
        batch_norm=ss["w_bn"],
    )
    ss[state.ARCH] = arch
    ss[DRAWN] = {f"w_filters_{i}" for i in range(len(filters))} | {f"w_units_{i}" for i in range(len(dense))}
    if ss["w_input"] == "custom":
        ss[DRAWN] |= {"w_in_h", "w_in_w", "w_in_c"}
    # The selector names the preset the sliders describe, or "custom" as soon as they leave it (see preset_key).
    shown = next((name for name, preset in PRESETS.items() if preset == arch), CUSTOM)
    if shown != CUSTOM:
        ss[state.PRESET] = shown
    choices = [*PRESETS, CUSTOM] if shown == CUSTOM else [*PRESETS]  # "custom" describes; it is never a choice
    key = preset_key(shown)
    ss[key] = shown  # the entry it is drawn with: its key names it (preset_key), and so does its value
    preset_box.selectbox(t("arch.preset"), choices, key=state.relabelled(key), on_change=_apply_preset,
                         args=(key,), format_func=labeller("preset."), help=t("arch.preset_help"))
    return arch


def totals_ui(layers) -> None:
    """The network's parameters, neurons and multiply-adds, and what the neuron total leaves out of the table's
    rows (the input and the flatten), with their numbers."""
    total = totals(layers)
    c1, c2, c3 = st.columns(3)
    c1.metric(t("arch.total_params"), num(total.params))
    c2.metric(t("arch.total_neurons"), num(total.neurons), help=t("arch.total_neurons_help"))
    c3.metric(t("arch.total_macs"), num(total.macs))
    left_out = {layer.kind: layer.neurons for layer in layers if layer.kind in ("input", "flatten")}
    st.caption(t("arch.total_neurons_note", total=num(total.neurons), inputs=num(left_out.get("input", 0)),
                 flatten=num(left_out.get("flatten", 0)), column=num(total.neurons + sum(left_out.values()))))


def comparison_ui(arch: Architecture) -> None:
    """The tutorial's argument for this network: shared kernels against wiring every pixel (a valid ``arch``)."""
    st.subheader(t("arch.compare_title"))
    if not arch.out_channels:  # a dense network: its own first layer is the price the argument is about
        dense = next(layer for layer in layer_table(arch) if layer.kind in ("dense", "output"))
        st.markdown(t("arch.compare_no_conv", inputs=arch.input_neurons, units=dense.neurons,
                      weights=dense.weights, params=dense.params))
        return
    cmp = fully_connected_comparison(arch)
    st.markdown(t(  # without pooling there is no "after pooling" to compare with
        "arch.compare_text" if arch.pool != "none" else "arch.compare_text_no_pool",
        k=arch.kernel_size, filters=arch.out_channels[0], channels=arch.in_channels,
        conv_weights=cmp.conv_weights, conv_params=cmp.conv_params, inputs=cmp.input_neurons,
        conv_neurons=cmp.conv_neurons, pooled=cmp.pooled_neurons, dense_conv=cmp.dense_to_conv_weights,
        dense_pooled=cmp.dense_to_pooled_weights, ratio=round(cmp.ratio),
    ))


def input_cost_rows(arch: Architecture) -> pd.DataFrame:
    """This network's input beside the priced ones (tutorial colour, cats and dogs, a photo), one arithmetic."""
    units = first_dense_units(arch)
    shapes = [("mine", (arch.in_height, arch.in_width, arch.in_channels)), *PRICED_INPUTS]
    rows = []
    for name, shape in shapes:
        cost = input_cost(shape, units)
        rows.append({
            t("arch.cost_input"): t(f"arch.cost_{name}"),
            t("table.shape"): "×".join(num(d) for d in shape),
            t("arch.cost_neurons"): num(cost.neurons),
            t("arch.cost_dense", units=num(units)): num(cost.dense_params),
        })
    return pd.DataFrame(rows)


def input_costs_ui(arch: Architecture) -> None:
    st.subheader(t("arch.cost_title"))
    colour = dict(PRICED_INPUTS)["tutorial_colour"]  # the table's second row, named in the text
    st.markdown(t("arch.cost_text", units=first_dense_units(arch), colour="×".join(num(d) for d in colour)))
    st.dataframe(input_cost_rows(arch), hide_index=True, width="stretch", key="input_cost_table")

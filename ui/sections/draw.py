"""The Draw page below its header: the canvas, the prediction, where the network looked, its maps.

:func:`drawing` runs as a fragment: a stroke reruns it alone, not the page (its
header, model picker and sidebar), which keeps a stroke's answer quick.

"Where it looked" is a heatmap over the drawing for the predicted class or any other.

Grad-CAM on the last conv block by default (where the evidence for the class
sits), or gradient × input (which pixels of ink moved the score). Both come
from :mod:`cnn_core.nn.inspection` and are tested there, including that a digit
drawn in the left half gets its heat in the left half.
"""

from __future__ import annotations

import hashlib

import streamlit as st
import torch

from cnn_core.data.preprocess import ink_from_rgba, prepare_digit
from cnn_core.nn.inspection import grad_cam, grad_x_input, trace
from cnn_core.store import runs as core_runs
from ui.base import state
from ui.base.i18n import class_names, labeller, pct, plain, t
from ui.charts.figures import chart_config, heatmap, probabilities, text_label
from ui.charts.step_figures import overlay
from ui.sections.canvas import drawing_canvas
from ui.sections.inside import show_maps

METHODS = {"gradcam": grad_cam, "grad_x_input": grad_x_input}
LOOKED_FOR = "_looked_for"  # (model picked, drawing's digest) the class picker was last set for


def where_it_looked(model, x: torch.Tensor, classes: list[str], best: int, question, photo: bool = False) -> None:
    """``x`` (1, C, H, W) in [0, 1], the network's input (a photo's heat is laid over its grey); ``best`` the
    predicted class.

    ``question`` names the drawing and the model asked: a new one (another drawing, another model) starts the
    class picker on its own answer again, so the map and its title never explain an earlier answer.
    """
    st.subheader(t("draw.looked_title"))
    names = {i: str(c) for i, c in enumerate(classes)}
    names[best] = t("draw.looked_predicted", cls=names[best])
    c1, c2 = st.columns(2)
    methods = list(METHODS) if len(model.blocks) else ["grad_x_input"]  # Grad-CAM needs a conv block's maps
    if st.session_state.get("w_looked_method") not in methods:
        st.session_state["w_looked_method"] = methods[0]
    ss = st.session_state
    if ss.get("w_looked_class") not in names or ss.get(LOOKED_FOR) != question:
        ss["w_looked_class"], ss[LOOKED_FOR] = best, question
    target = c1.selectbox(t("draw.looked_class"), list(names), key=state.relabelled("w_looked_class"), format_func=names.get)
    method = c2.radio(t("draw.looked_method"), methods, key=state.relabelled("w_looked_method"), horizontal=True,
                      format_func=labeller("draw.looked_"))
    if len(methods) < len(METHODS):
        c2.caption(t("draw.looked_no_conv"))
    heat = METHODS[method](model, x, int(target))
    left, right = st.columns([1, 1])
    with left:
        with st.container(key="looked_heatmap"):
            st.plotly_chart(overlay(x[0].mean(0), heat.map, t("draw.looked_figure", cls=text_label(classes[int(target)]))),
                            key="looked", config=chart_config(displayModeBar=False))
    with right:
        h, w = heat.coarse.shape  # Grad-CAM's own resolution: the last block's maps, before enlarging
        photo_words = "_photo" if photo and method == "grad_x_input" else ""  # a photo has no ink or strokes
        st.markdown(t(f"draw.looked_help_{method}{photo_words}", cls=plain(classes[int(target)]), h=h, w=w,
                      size="×".join(map(str, heat.map.shape))))
        if heat.map.max() == 0:
            st.info(t("draw.looked_nothing_photo" if photo else "draw.looked_nothing", cls=plain(classes[int(target)])))


def drawing(saved) -> None:
    """The canvas and everything that follows from the drawing; a fragment, so a stroke reruns only this."""
    left, right = st.columns([1, 1])
    with left:
        # The answer goes above the canvas: on a phone the columns stack, and the right one (the
        # probabilities) would be a scroll away after every stroke. Filled once the drawing is read.
        answer = st.container(key="prediction_slot", height=100, border=False)  # a fixed height: the canvas never moves
        st.write("")  # room for the canvas's toolbar, which floats above it
        dark_ink = st.session_state.get("w_dark_ink", False)
        canvas = drawing_canvas(dark_ink, model=str(st.session_state.get("w_model_draw", "")))
        st.caption(t("draw.canvas_help"))
        st.toggle(t("draw.dark_ink"), key="w_dark_ink")
        # Off: centred as MNIST's digits were (what the networks learnt from); on: where it was drawn.
        st.toggle(t("draw.keep_place"), key="w_keep_place", help=t("draw.keep_place_help"))

    rgba = canvas.image_data if canvas is not None else None
    centre = not st.session_state.get("w_keep_place", False)
    prepared = prepare_digit(ink_from_rgba(rgba, ink_is_dark=dark_ink), centre=centre) if rgba is not None else None
    if prepared is None or prepared.empty:  # a model of other things than digits is asked for one of them
        answer.info(t("draw.empty") if core_runs.knows_digits(saved.classes) else t("draw.empty_other"))
        return
    st.session_state[state.DRAWING] = prepared.image
    result = trace(saved.model, prepared.tensor())
    probs = result.probs.tolist()
    best = probs.index(max(probs))
    names = class_names(saved.meta.get("dataset"), saved.classes)
    with answer:
        with st.container(key="prediction"):  # the class name is the file's text: shown literally, never as HTML
            st.header(plain(names[best]), anchor=False)
        st.caption(t("draw.confidence", confidence=pct(probs[best], 1)))
    with right:
        st.plotly_chart(probabilities(probs, names, t("draw.probabilities")), key="probs", config=chart_config())
        with st.popover(t("draw.report_title")):
            drawn = st.selectbox(t("draw.report_drawn"), saved.classes, key=state.relabelled("w_drawn"),
                                 format_func=dict(zip(saved.classes, names)).get)
            if st.button(t("draw.report"), key="report_mistake"):
                if drawn != saved.classes[best]:
                    st.session_state[state.DRAW_MISTAKES].append((drawn, saved.classes[best]))
                    st.success(t("draw.reported", drawn=plain(names[saved.classes.index(drawn)]),
                                 predicted=plain(names[best])))
                else:
                    st.info(t("draw.report_same", predicted=plain(names[best])))

    question = (st.session_state.get("w_model_draw"), hashlib.sha1(prepared.image.tobytes()).hexdigest())
    where_it_looked(saved.model, prepared.tensor(), names, best, question)
    st.subheader(t("draw.seen"))
    seen_caption = t("draw.seen_caption" if centre else "draw.seen_caption_in_place")
    st.plotly_chart(heatmap(prepared.tensor()[0, 0], seen_caption, height=300), key="seen",
                    config=chart_config())
    st.subheader(t("draw.maps"))
    if not result.blocks:
        st.info(t("draw.maps_no_conv"))
    for i, block in enumerate(result.blocks, start=1):
        maps = block.relu  # the block's "filtered images": conv then ReLU, before pooling
        shape = "×".join(map(str, (maps.shape[1], maps.shape[2], maps.shape[0])))
        st.markdown(t("draw.block_maps", block=i, shape=shape, count=maps.shape[0]))
        show_maps(maps, 64)

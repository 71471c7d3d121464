"""Draw: a digit on a canvas, what the network sees, and what it thinks."""

import streamlit as st

from cnn_core.inspection import tile_maps, trace
from cnn_core.preprocess import ink_from_rgba, prepare_digit
from ui import state
from ui.canvas_ui import drawing_canvas
from ui.figures import heatmap, probabilities
from ui.i18n import pct, plain, t
from ui.layout import page_header
from ui.models import model_picker

state.init_state()
page_header("draw.title", "draw.intro")
saved = model_picker("draw")

left, right = st.columns([1, 1])
with left:
    st.write("")  # room for the canvas's toolbar, which floats above it
    dark_ink = st.session_state.get("w_dark_ink", False)
    canvas = drawing_canvas(dark_ink)
    st.caption(t("draw.canvas_help"))
    st.toggle(t("draw.dark_ink"), key="w_dark_ink")

rgba = canvas.image_data if canvas is not None else None
prepared = prepare_digit(ink_from_rgba(rgba, ink_is_dark=dark_ink)) if rgba is not None else None
with right:
    if prepared is None or prepared.empty:
        st.info(t("draw.empty"))
        st.stop()
    st.session_state[state.DRAWING] = prepared.image
    result = trace(saved.model, prepared.tensor())
    probs = result.probs.tolist()
    best = probs.index(max(probs))
    with st.container(key="prediction"):  # the class name is the file's text: shown literally, never as HTML
        st.header(plain(saved.classes[best]), anchor=False)
    st.caption(t("draw.confidence", confidence=pct(probs[best], 1)))
    st.plotly_chart(probabilities(probs, saved.classes, t("draw.probabilities")), key="probs")
    with st.popover(t("draw.report_title")):
        drawn = st.selectbox(t("draw.report_drawn"), saved.classes, key="w_drawn")
        if st.button(t("draw.report"), key="report_mistake"):
            if drawn != saved.classes[best]:
                st.session_state[state.DRAW_MISTAKES].append((drawn, saved.classes[best]))
                st.success(t("draw.reported", drawn=plain(drawn), predicted=plain(saved.classes[best])))
            else:
                st.info(t("draw.report_same", predicted=plain(saved.classes[best])))

st.subheader(t("draw.seen"))
st.plotly_chart(heatmap(prepared.tensor()[0, 0], t("draw.seen_caption"), height=300), key="seen")
st.subheader(t("draw.maps"))
for i, block in enumerate(result.blocks, start=1):
    maps = block.relu  # the block's "filtered images": conv then ReLU, before pooling
    st.markdown(t("draw.block_maps", block=i, shape="×".join(map(str, (maps.shape[1], maps.shape[2], maps.shape[0]))),
                  count=maps.shape[0]))
    st.image(tile_maps(maps[:64], cols=16, scale=max(1, 56 // maps.shape[1])), clamp=True)

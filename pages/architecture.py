"""Architecture: sliders in, every layer counted out."""

import pandas as pd
import streamlit as st

from cnn_core.architecture import fully_connected_comparison, layer_table, totals
from cnn_core.errors import ArchitectureError
from ui import state
from ui.arch_ui import architecture_ui
from ui.figures import network_diagram
from ui.i18n import error_text, t
from ui.layout import page_header, share_box


def layer_rows(layers):
    rows = []
    for layer in layers:
        rows.append({
            t("table.layer"): t(f"layer.{layer.kind}", name=layer.name),
            t("table.shape"): "×".join(f"{d:,}" for d in layer.output_shape),
            t("table.neurons"): layer.neurons,
            t("table.params"): layer.params,
            t("table.formula"): layer.formula,
            t("table.macs"): layer.macs,
            t("table.rf"): f"{layer.receptive_field}×{layer.receptive_field}",
        })
    total = totals(layers)
    rows.append({t("table.layer"): t("table.total"), t("table.shape"): "", t("table.neurons"): total.neurons,
                 t("table.params"): total.params, t("table.formula"): "", t("table.macs"): total.macs,
                 t("table.rf"): ""})
    return pd.DataFrame(rows)


state.init_state()
page_header("arch.title", "arch.intro", share=False)
arch = architecture_ui()
share_box()  # after the sliders, so the link has this run's network

try:
    layers = layer_table(arch)
except ArchitectureError as err:
    st.error(error_text(err), icon="⚠️")
    st.stop()

st.subheader(t("arch.table"))
numbers = {t(k): st.column_config.NumberColumn(format="localized")
           for k in ("table.neurons", "table.params", "table.macs")}
st.dataframe(layer_rows(layers), hide_index=True, width="stretch", key="layer_table", column_config=numbers,
             height=35 * (len(layers) + 2) + 3)
total = totals(layers)
c1, c2, c3 = st.columns(3)
c1.metric(t("arch.total_params"), f"{total.params:,}")
c2.metric(t("arch.total_neurons"), f"{total.neurons:,}")
c3.metric(t("arch.total_macs"), f"{total.macs:,}")

hover = {layer.name: t("arch.hover", name=layer.name, shape="×".join(map(str, layer.output_shape)),
                       neurons=f"{layer.neurons:,}", params=f"{layer.params:,}") for layer in layers}
st.plotly_chart(network_diagram(layers, hover, t("arch.diagram")), key="diagram")

st.subheader(t("arch.compare_title"))
cmp = fully_connected_comparison(arch)
st.markdown(t(
    "arch.compare_text", k=arch.kernel_size, filters=arch.out_channels[0], channels=arch.in_channels,
    conv_weights=f"{cmp.conv_weights:,}", conv_params=f"{cmp.conv_params:,}",
    inputs=f"{cmp.input_neurons:,}", conv_neurons=f"{cmp.conv_neurons:,}",
    pooled=f"{cmp.pooled_neurons:,}", dense_conv=f"{cmp.dense_to_conv_weights:,}",
    dense_pooled=f"{cmp.dense_to_pooled_weights:,}", ratio=f"{cmp.ratio:,.0f}",
))

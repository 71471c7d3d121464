"""Architecture: sliders in, every layer counted out."""

import pandas as pd
import streamlit as st

from cnn_core.nn.architecture import layers_until_error, totals
from ui.base.i18n import error_text, grouped, layer_label, num, t
from ui.charts.figures import chart_config, network_diagram
from ui.sections.architecture import architecture_ui, comparison_ui, input_costs_ui, totals_ui
from ui.shell import session
from ui.shell.layout import page_header, share_box


def layer_rows(layers, err=None, batch_norm: bool = False):
    """The table's rows; with ``err``, a last row marks the block that breaks and why (and no total); with
    ``batch_norm`` the convolutions' names and the formula's header say BatchNorm's two numbers per filter."""
    formula = t("table.formula_bn" if batch_norm else "table.formula")
    rows = []
    for layer in layers:
        rows.append({
            t("table.layer"): layer_label(layer, batch_norm=batch_norm),
            t("table.shape"): "×".join(num(d) for d in layer.output_shape),
            t("table.neurons"): num(layer.neurons),  # text cells: the browser's locale must not regroup them
            t("table.params"): num(layer.params),
            formula: grouped(layer.formula),
            t("table.macs"): num(layer.macs),
            t("table.rf"): f"{layer.receptive_field}×{layer.receptive_field}",
        })
    if err is not None:
        rows.append({t("table.layer"): t("arch.failed_row", block=err.params.get("block", "?")),
                     t("table.shape"): "✗", t("table.neurons"): "", t("table.params"): "",
                     formula: error_text(err), t("table.macs"): "", t("table.rf"): ""})
        return pd.DataFrame(rows)
    total = totals(layers)
    rows.append({t("table.layer"): t("table.total"), t("table.shape"): "", t("table.neurons"): num(total.neurons),
                 t("table.params"): num(total.params), formula: "", t("table.macs"): num(total.macs),
                 t("table.rf"): ""})
    return pd.DataFrame(rows)


session.init_state()
page_header("arch.title", "arch.intro", share=False)
arch = architecture_ui()
share_box()  # after the sliders, so the link has this run's network

layers, err = layers_until_error(arch)  # an invalid network still shows the layers that work out
if err is not None:
    st.error(error_text(err), icon="⚠️")
    if not layers:
        st.stop()

st.subheader(t("arch.table"))
st.dataframe(layer_rows(layers, err, arch.batch_norm), hide_index=True, width="stretch", key="layer_table",
             height=35 * (len(layers) + 2) + 3)
if err is None:
    totals_ui(layers)

hover = {layer.name: t("arch.hover", name=layer_label(layer, batch_norm=arch.batch_norm),
                       shape="×".join(map(num, layer.output_shape)), neurons=layer.neurons, params=layer.params)
         for layer in layers}
names = {layer.name: layer_label(layer, short=True) for layer in layers}
sizes = {layer.name: "×".join(map(num, layer.output_shape)) for layer in layers}
failed = t("arch.failed_box", block=err.params.get("block", "?")) if err is not None else None
st.plotly_chart(network_diagram(layers, hover, t("arch.diagram"), names, sizes, failed=failed), key="diagram",
                config=chart_config())
if err is not None:
    st.stop()

comparison_ui(arch)
input_costs_ui(arch)

"""Architecture: sliders in, every layer counted out."""

import pandas as pd
import streamlit as st

from cnn_core.nn.architecture import layers_until_error, totals
from ui.base.i18n import error_text, grouped, layer_label, num, t
from ui.charts.figures import chart_config, network_diagram
from ui.sections.architecture import architecture_ui, comparison_ui, input_costs_ui
from ui.shell import session
from ui.shell.layout import page_header, share_box


def layer_rows(layers, err=None):
    """The table's rows; with ``err``, a last row marks the block that breaks and why (and no total)."""
    rows = []
    for layer in layers:
        rows.append({
            t("table.layer"): layer_label(layer),
            t("table.shape"): "×".join(num(d) for d in layer.output_shape),
            t("table.neurons"): num(layer.neurons),  # text cells: the browser's locale must not regroup them
            t("table.params"): num(layer.params),
            t("table.formula"): grouped(layer.formula),
            t("table.macs"): num(layer.macs),
            t("table.rf"): f"{layer.receptive_field}×{layer.receptive_field}",
        })
    if err is not None:
        rows.append({t("table.layer"): t("arch.failed_row", block=err.params.get("block", "?")),
                     t("table.shape"): "✗", t("table.neurons"): "", t("table.params"): "",
                     t("table.formula"): error_text(err), t("table.macs"): "", t("table.rf"): ""})
        return pd.DataFrame(rows)
    total = totals(layers)
    rows.append({t("table.layer"): t("table.total"), t("table.shape"): "", t("table.neurons"): num(total.neurons),
                 t("table.params"): num(total.params), t("table.formula"): "", t("table.macs"): num(total.macs),
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
st.dataframe(layer_rows(layers, err), hide_index=True, width="stretch", key="layer_table",
             height=35 * (len(layers) + 2) + 3)
if err is None:
    total = totals(layers)
    c1, c2, c3 = st.columns(3)
    c1.metric(t("arch.total_params"), num(total.params))
    c2.metric(t("arch.total_neurons"), num(total.neurons), help=t("arch.total_neurons_help"))
    c3.metric(t("arch.total_macs"), num(total.macs))
    # The table's column counts the input and the flatten too: say what the total leaves out, with their numbers
    left_out = {layer.kind: layer.neurons for layer in layers if layer.kind in ("input", "flatten")}
    st.caption(t("arch.total_neurons_note", total=num(total.neurons), inputs=num(left_out.get("input", 0)),
                 flatten=num(left_out.get("flatten", 0)),
                 column=num(total.neurons + sum(left_out.values()))))

hover = {layer.name: t("arch.hover", name=layer_label(layer), shape="×".join(map(num, layer.output_shape)),
                       neurons=layer.neurons, params=layer.params) for layer in layers}
names = {layer.name: layer_label(layer, short=True) for layer in layers}
sizes = {layer.name: "×".join(map(num, layer.output_shape)) for layer in layers}
failed = t("arch.failed_box", block=err.params.get("block", "?")) if err is not None else None
st.plotly_chart(network_diagram(layers, hover, t("arch.diagram"), names, sizes, failed=failed), key="diagram",
                config=chart_config())
if err is not None:
    st.stop()

comparison_ui(arch)
input_costs_ui(arch)

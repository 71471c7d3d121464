"""Inside: one image through the network, stage by stage, with the arithmetic written out."""

import streamlit as st

from cnn_core.nn.inspection import trace
from ui.base.i18n import class_names, t
from ui.sections import inside as inside_ui
from ui.sections import inside_conv as conv_view
from ui.sections.inside_backprop import backprop_section
from ui.sections.inside_kernel import kernel_look_section, look_request_notice
from ui.sections.inside_overview import overview_section
from ui.shell import session
from ui.shell.layout import page_header
from ui.shell.models import model_picker

session.init_state()
page_header("inside.title", "inside.intro")
saved = model_picker("inside")
look_request_notice()
image, label = inside_ui.pick_image(saved)
x = image.float().div(255).unsqueeze(0)  # (1, C, H, W), the tutorial's value / 255
result = trace(saved.model, x)
classes = class_names(saved.meta.get("dataset"), saved.classes)  # in the reader's language
inside_ui.input_section(image, classes, label)
has_conv = len(saved.model.blocks) > 0  # a dense network goes from the pixels straight to the dense layers
if has_conv:
    overview_section(image, result, classes, saved.arch)
    inside_ui.kernels_section(saved.model)
    inside_ui.maps_section(result, saved.arch)
    block, filt = conv_view.conv_section(saved.model, x, result)
    conv_view.pool_section(saved.model, result, block, filt)
else:
    st.info(t("inside.no_conv", neurons=result.flat.numel()))
inside_ui.output_section(result, classes, label)
if has_conv:
    backprop_section(saved.model, x, classes, label)
inside_ui.lab_section(image)
if has_conv:
    kernel_look_section(saved)

"""Inside: one image through the network, stage by stage, with the arithmetic written out."""

import streamlit as st

from cnn_core.inspection import trace
from ui import conv_view, inside_ui, state
from ui.backprop_view import backprop_section
from ui.network_view import overview_section
from ui.i18n import class_names, pct, t
from ui.layout import page_header
from ui.models import model_picker

state.init_state()
page_header("inside.title", "inside.intro")
saved = model_picker("inside")
image, label = inside_ui.pick_image(saved)
x = image.float().div(255).unsqueeze(0)  # (1, C, H, W), the tutorial's value / 255
result = trace(saved.model, x)
classes = class_names(saved.meta.get("dataset"), saved.classes)  # in the reader's language
inside_ui.input_section(image, classes, label)
overview_section(image, result, classes, saved.arch.pool)
inside_ui.kernels_section(saved.model)
inside_ui.maps_section(result, saved.arch.pool)
block, filt = conv_view.conv_section(saved.model, x, result)
conv_view.pool_section(saved.model, result, block, filt)
inside_ui.output_section(result, classes, label)
backprop_section(saved.model, x, classes, label)
inside_ui.lab_section(image)

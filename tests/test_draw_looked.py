"""AppTest: the Draw page's "where it looked" heatmap, with a drawn digit standing in for the canvas."""

import sys

import numpy as np
from streamlit.testing.v1 import AppTest

from conftest import REPO


class Drawn:
    """What the canvas component returns: an RGBA picture of the drawing."""

    def __init__(self, rgba):
        self.image_data = rgba
        self.json_data = None


def seven() -> np.ndarray:
    rgba = np.zeros((280, 280, 4), dtype=np.uint8)
    rgba[50:70, 60:220] = 255  # the top bar
    for i in range(150):
        rgba[70 + i, 200 - i // 2:220 - i // 2] = 255
    return rgba


def test_heatmap_for_the_prediction_and_for_a_class_the_user_picks(monkeypatch):
    at = AppTest.from_file(str(REPO / "pages" / "draw.py"), default_timeout=60)
    at.query_params["lang"] = "en"
    at.run()  # an empty canvas; the component is registered, so its module can be imported now
    assert "Where it looked" not in [s.value for s in at.subheader]
    monkeypatch.setattr(sys.modules["streamlit_drawable_canvas"], "st_canvas", lambda **kwargs: Drawn(seven()))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Where it looked" in [s.value for s in at.subheader]
    assert at.selectbox(key="w_looked_class").value == 7  # starts on the network's answer
    assert any("Grad-CAM" in m.value and "**7**" in m.value for m in at.markdown)
    at.selectbox(key="w_looked_class").set_value(1).run()
    assert not at.exception
    assert any("Grad-CAM" in m.value and "**1**" in m.value for m in at.markdown)
    at.radio(key="w_looked_method").set_value("grad_x_input").run()
    assert not at.exception
    assert any(m.value.startswith("Gradient × input") for m in at.markdown)

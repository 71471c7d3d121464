"""AppTest: the Draw page's "where it looked" heatmap, with a drawn digit's PNG standing in for the canvas's message."""


import numpy as np
from conftest import REPO, canvas_sends, seven
from streamlit.testing.v1 import AppTest

from cnn_core.data.preprocess import png_data_url


def test_heatmap_for_the_prediction_and_for_a_class_the_user_picks(monkeypatch):
    at = AppTest.from_file(str(REPO / "pages" / "draw.py"), default_timeout=60)
    at.query_params["lang"] = "en"
    at.run()  # an empty canvas; the component is registered, so its module can be imported now
    assert "Where it looked" not in [s.value for s in at.subheader]
    canvas_sends(monkeypatch, png_data_url(seven()))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert {"Where it looked", "Feature maps of your drawing"} <= {s.value for s in at.subheader}
    # block 3 says 128 maps and draws 64 of them: said under them (the shipped network: 32, 64, 128 filters)
    assert [c.value for c in at.caption if "maps are shown" in c.value] == ["The first 64 of its 128 maps are shown."]
    assert at.selectbox(key="w_looked_class").value == 7  # starts on the network's answer
    assert any("Grad-CAM" in m.value and "**7**" in m.value for m in at.markdown)
    # honest about what it is: the last block's coarse map (7×7 in the shipped network), enlarged to 28×28
    from cnn_core.nn.architecture import layer_table
    from cnn_core.nn.pretrained import load_pretrained

    last_conv = [layer for layer in layer_table(load_pretrained().arch) if layer.kind == "conv"][-1]
    coarse = "×".join(map(str, last_conv.output_shape[:2]))
    assert any(m.value.startswith(f"Grad-CAM: a coarse {coarse} map") and "enlarged (smoothed) to 28×28" in m.value
               for m in at.markdown)
    at.selectbox(key="w_looked_class").set_value(1).run()
    assert not at.exception
    assert any("Grad-CAM" in m.value and "**1**" in m.value for m in at.markdown)
    at.radio(key="w_looked_method").set_value("grad_x_input").run()
    assert not at.exception
    assert any(m.value.startswith("Gradient × input") for m in at.markdown)


def one() -> np.ndarray:
    rgba = np.zeros((280, 280, 4), dtype=np.uint8)
    rgba[40:240, 130:150] = 255  # a straight vertical stroke
    return rgba


def test_a_new_drawing_starts_where_it_looked_on_its_own_answer(monkeypatch):
    """The class picker and the map's title follow the new drawing's answer, not the last one's or the last pick."""
    at = AppTest.from_file(str(REPO / "pages" / "draw.py"), default_timeout=60)
    at.query_params["lang"] = "en"
    at.run()
    canvas_sends(monkeypatch, png_data_url(seven()))
    at.run()
    at.selectbox(key="w_looked_class").set_value(3).run()  # the visitor looks at another class for this drawing
    assert at.selectbox(key="w_looked_class").value == 3
    canvas_sends(monkeypatch, png_data_url(one()))  # a new drawing
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    answer = int(at.header[0].value)  # the network's answer to the new drawing, as the page writes it
    assert answer != 3
    assert at.selectbox(key="w_looked_class").value == answer
    assert any("Grad-CAM" in m.value and f"**{answer}**" in m.value for m in at.markdown)


def test_switching_model_answers_the_same_drawing_with_the_new_model_everywhere(monkeypatch):
    """No prediction, class picker or map of the model before: the new one's answer, from the same input (what the
    new model's canvas sends; in a browser it starts empty, tests/browser/test_spanish_walk.py)."""
    from conftest import app_store

    from cnn_core.data.preprocess import ink_from_rgba, prepare_digit
    from cnn_core.nn import checkpoint
    from cnn_core.nn.architecture import PRESETS
    from cnn_core.nn.inspection import trace
    from cnn_core.nn.model import build_model
    from cnn_core.store import runs as core_runs

    code = app_store().create_workspace()
    other = build_model(PRESETS["lenet"], seed=1)  # untrained: it answers something else than 7
    raw = checkpoint.to_bytes(other, list("0123456789"), dataset="mnist", test_accuracy=0.1)
    run_id, _ = app_store().add_run(code, core_runs.from_upload(checkpoint.from_bytes(raw), raw, "other.cnn.zip"))
    at = AppTest.from_file(str(REPO / "pages" / "draw.py"), default_timeout=60)
    at.query_params["lang"], at.query_params["ws"] = "en", code
    at.run()
    canvas_sends(monkeypatch, png_data_url(seven()))
    at.run()
    assert at.header[0].value == "7" and at.selectbox(key="w_looked_class").value == 7
    at.selectbox(key="w_model_draw").set_value(run_id).run()
    assert not at.exception, [e.value for e in at.exception]
    x = prepare_digit(ink_from_rgba(seven(), ink_is_dark=False)).tensor()
    loaded = checkpoint.from_bytes(raw).model
    answer = int(trace(loaded, x).probs.argmax())
    assert answer != 7  # (seed 1's untrained LeNet says 8)
    assert at.header[0].value == str(answer)
    assert at.selectbox(key="w_looked_class").value == answer
    assert any("Grad-CAM" in m.value and f"**{answer}**" in m.value for m in at.markdown)


def test_a_fresh_canvas_that_has_sent_nothing_shows_no_earlier_answer(monkeypatch):
    """Dark ink and back: the light canvas comes back empty (a new component, no message yet), so the page
    shows no prediction, not the answer to the drawing that canvas held before."""
    import sys

    at = AppTest.from_file(str(REPO / "pages" / "draw.py"), default_timeout=60)
    at.query_params["lang"] = "en"
    at.run()
    canvas_sends(monkeypatch, png_data_url(seven()))
    at.run()
    assert [h.value for h in at.header] == ["7"]
    fresh = {"drawing": {"raw": {"objects": []}, "data": None}, "backgroundFit": None}  # its default: nothing sent
    monkeypatch.setattr(sys.modules["streamlit_drawable_canvas"], "out", lambda **kwargs: fresh)
    at.toggle(key="w_dark_ink").set_value(True).run()
    at.toggle(key="w_dark_ink").set_value(False).run()
    assert not at.exception and not at.header
    keys = []  # the component's key: each model has a canvas of its own (a browser's comes back empty on a switch)
    monkeypatch.setattr(sys.modules["streamlit_drawable_canvas"], "out",
                        lambda **kwargs: keys.append(kwargs["key"]) or fresh)
    at.run()
    model = "".join(c if c.isalnum() else "_" for c in str(at.selectbox(key="w_model_draw").value))
    assert keys[-1] == f"canvas_light_{model}"


def test_the_not_centred_option_feeds_the_drawing_where_it_was_drawn(monkeypatch):
    """Off by default (centred as MNIST); on, a '1' drawn in the top-left corner reaches the network there."""
    from cnn_core.data.preprocess import center_of_mass

    corner = np.zeros((280, 280, 4), dtype=np.uint8)
    corner[10:110, 20:40] = 255
    at = AppTest.from_file(str(REPO / "pages" / "draw.py"), default_timeout=60)
    at.query_params["lang"] = "en"
    at.run()
    canvas_sends(monkeypatch, png_data_url(corner))
    at.run()
    assert at.toggle(key="w_keep_place").value is False
    row, col = center_of_mass(at.session_state["drawing"])
    assert abs(row - 13.5) <= 1 and abs(col - 13.5) <= 1
    at.toggle(key="w_keep_place").set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    row, col = center_of_mass(at.session_state["drawing"])
    assert row < 8 and col < 4
    assert at.header  # still answered

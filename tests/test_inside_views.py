"""AppTest for the Inside page's step-throughs, whole-network view and backpropagation section."""

import pytest
from conftest import REPO
from streamlit.testing.v1 import AppTest

pytestmark = pytest.mark.realdata  # the page follows a real MNIST test image


@pytest.fixture
def inside(real_data_dir):
    at = AppTest.from_file(str(REPO / "pages" / "inside.py"), default_timeout=120)
    at.query_params["lang"] = "en"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def dot_product(at) -> str:
    return next(m.value for m in at.markdown if "conv2d gives" in m.value)


def ours_and_torch(dot: str) -> tuple[str, str]:
    return dot.split("= **")[1].split("**")[0], dot.split("conv2d gives ")[1].rstrip(")")


def position(at) -> tuple[int, int]:
    return at.number_input(key="w_conv_row").value, at.number_input(key="w_conv_col").value


def test_moving_the_window_changes_the_dot_product_and_it_matches_torch(inside):
    at = inside
    first = dot_product(at)
    ours, theirs = ours_and_torch(first)
    assert ours == theirs
    at.number_input(key="w_conv_row").set_value(14).run()
    at.number_input(key="w_conv_col").set_value(14).run()
    moved = dot_product(at)
    assert moved.startswith("Position (row 14, column 14)") and moved != first
    assert ours_and_torch(moved)[0] == ours_and_torch(moved)[1]
    assert any("Blue border" in c.value for c in at.caption)  # "same" padding is drawn and explained


def test_play_starts_the_sweep_at_the_next_position_and_pause_keeps_the_window(inside):
    at = inside
    at.number_input(key="w_conv_row").set_value(3).run()
    at.number_input(key="w_conv_col").set_value(27).run()
    at.button(key="conv_play").click().run()  # the browser plays the sweep from the next position on
    assert position(at) == (4, 0)  # the end of a row wraps to the next one
    assert player_frames(at)[0]["lines"][1].startswith("Position (row 4, column 0)")
    assert at.button(key="conv_play").label.endswith("Pause")
    at.button(key="conv_play").click().run()  # pause: the window stays where the player had got to
    row, col = position(at)
    assert (row, col) >= (4, 0) and at.button(key="conv_play").label.endswith("Play")
    assert dot_product(at).startswith(f"Position (row {row}, column {col})")
    assert not at.get("html")


def test_a_deeper_block_sums_over_every_input_channel(inside):
    at = inside
    at.selectbox(key="w_conv_block").set_value(2).run()
    assert not at.exception
    dot = dot_product(at)
    assert "all 32 input channels" in dot
    ours, theirs = ours_and_torch(dot)
    assert ours == theirs
    at.number_input(key="w_conv_channel").set_value(5).run()
    assert any(m.value.startswith("Channel 6: the 9 products") for m in at.markdown)


def test_pooling_keeps_the_maximum_of_the_window(inside):
    at = inside
    line = next(m.value for m in at.markdown if m.value.startswith("max("))
    values = [float(v) for v in line[4:line.index(")")].split(", ")]
    kept = float(line.split("**")[1])
    assert len(values) == 4 and kept == pytest.approx(max(values), abs=0.01)
    at.number_input(key="w_pool_row").set_value(0).run()
    at.number_input(key="w_pool_col").set_value(0).run()
    assert next(m.value for m in at.markdown if m.value.startswith("max(")).startswith("max(0.00, 0.00, 0.00, 0.00)")


def test_whole_network_view_jumps_to_a_block(inside):
    at = inside
    assert "The whole network at once" in [h.value for h in at.subheader]
    assert at.button(key="overview_conv3").label == "Details"
    assert not any("in detail" in m.value for m in at.markdown)
    images_before = len(at.get("image"))
    at.button(key="overview_pool2").click().run()
    assert at.selectbox(key="w_conv_block").value == 2
    assert "all 32 input channels" in dot_product(at)
    # the layer's detail opens right below the overview: its maps, a link to its step-through
    texts = [m.value for m in at.markdown]
    title = next(i for i, v in enumerate(texts) if "in detail" in v)
    assert texts[title] == "**pool 2** in detail: 7×7×64"
    assert "(#pool-step), now set to block 2" in texts[title + 1]
    assert texts.index(next(v for v in texts if v.startswith("A layer's **Details**"))) > title
    assert len(at.get("image")) == images_before + 1
    # one script brings the detail into view right after the click (tests/test_browser_viz.py checks it does)
    (jump,) = at.get("html")
    assert ".st-key-overview_detail" in jump.proto.body and jump.proto.unsafe_allow_javascript
    at.run()  # any later rerun leaves the reader's scrolling alone
    assert not at.get("html") and any("in detail" in m.value for m in at.markdown)
    at.button(key="overview_detail_close").click().run()
    assert not any("in detail" in m.value for m in at.markdown)


def test_backprop_section_shows_loss_gradients_and_one_step(inside):
    at = inside
    forward = next(m.value for m in at.markdown if m.value.startswith("Forward pass"))
    assert "target class 7" in forward  # test image 0 is a 7
    at.selectbox(key="w_bp_target").set_value(3).run()  # a wrong target: a large loss, big gradients
    assert not at.exception
    forward = next(m.value for m in at.markdown if m.value.startswith("Forward pass"))
    loss = float(forward.split("−log p = **")[1].split("**")[0])
    assert loss > 2
    table = next(d.value for d in at.table if "Network" in d.value.columns)
    assert len(table) == 3 and float(table.iloc[0, 1]) == pytest.approx(loss, abs=1e-3)
    step = next(m.value for m in at.markdown if m.value.startswith("Top-left weight"))
    w, rest = step.split(": ")[1].split(" − 0.100 × (")
    g, new = rest.split(") = **")
    assert float(new.rstrip("*.")) == pytest.approx(float(w) - 0.1 * float(g), abs=2e-4)


@pytest.mark.parametrize("lang, layers", [("en", ["conv 1", "conv 2", "conv 3", "dense 1", "output"]),
                                          ("es", ["conv 1", "conv 2", "conv 3", "densa 1", "salida"])])
def test_the_gradient_bars_name_the_layers_as_the_other_pages_do(real_data_dir, lang, layers):
    import json

    at = AppTest.from_file(str(REPO / "pages" / "inside.py"), default_timeout=120)
    at.query_params["lang"] = lang
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    chart = next(c for c in at.get("plotly_chart") if "bp_norms" in c.proto.id)
    bars = json.loads(chart.proto.spec)["data"][0]
    assert [str(v) for v in bars["x" if bars.get("orientation") != "h" else "y"]] == layers


def player_frames(at) -> list[dict]:
    """The frames the browser-side player was sent (ui/charts/player.py): one st.html element while playing."""
    import json
    import re

    (player,) = at.get("html")
    payload = re.search(r'<script type="application/json" id="[^"]+">(.*?)</script>', player.proto.body, re.S)
    return json.loads(payload.group(1))["frames"]


def test_while_playing_the_browser_gets_the_whole_sweep_and_every_number_matches_conv2d(inside, mnist):
    import torch
    import torch.nn.functional as F

    from cnn_core.nn.pretrained import load_pretrained

    saved = load_pretrained()
    conv = saved.model.blocks[0].conv
    x = mnist.test_x[0].float().div(255)  # the page follows test image 0
    at = inside
    at.number_input(key="w_filter").set_value(3).run()
    at.number_input(key="w_conv_row").set_value(10).run()
    at.number_input(key="w_conv_col").set_value(12).run()
    charts_paused = len(at.get("plotly_chart"))
    at.button(key="conv_play").click().run()
    with torch.no_grad():
        reference = F.conv2d(x[None], conv.weight[3:4], conv.bias[3:4], padding=saved.arch.padding)[0, 0]
    frames = player_frames(at)
    assert [f["output_index"] for f in frames] == list(range(10 * 28 + 13, 28 * 28))  # from the next position to the end
    for f in frames:
        row, col = divmod(f["output_index"], 28)
        dot = f["lines"][1]
        assert dot.startswith(f"Position (row {row}, column {col})")
        ours, theirs = ours_and_torch(dot)
        assert ours == theirs and float(ours.replace("−", "-")) == pytest.approx(float(reference[row, col]), abs=6e-5)
    # the step-through's three Plotly charts are replaced by the player while playing
    assert len(at.get("plotly_chart")) == charts_paused - 3
    at.button(key="conv_play").click().run()  # paused: the interactive charts are back, same numbers
    assert len(at.get("plotly_chart")) == charts_paused
    assert dot_product(at).startswith(f"Position (row {position(at)[0]}, column {position(at)[1]})")


def test_pooling_and_a_deeper_block_play_in_the_browser_too(inside):
    at = inside
    at.button(key="pool_play").click().run()
    assert not at.exception
    for f in player_frames(at):  # every pooling window of the sweep keeps its maximum
        line = f["lines"][0]
        values = [float(v) for v in line[4:line.index(")")].split(", ")]
        assert float(line.split("**")[1]) == pytest.approx(max(values), abs=0.01)
    at.button(key="pool_play").click().run()
    at.selectbox(key="w_conv_block").set_value(2).run()
    at.button(key="conv_play").click().run()
    assert not at.exception
    dot = player_frames(at)[0]["lines"][1]
    ours, theirs = ours_and_torch(dot)
    assert "all 32 input channels" in dot and ours == theirs


def test_the_index_boxes_name_their_last_index(inside):
    """'Kernel (0 to 31)' for 32 kernels, not '0 to 32 − 1': the reader sees the number they can type."""
    assert inside.number_input(key="w_filter").label == "Kernel (0 to 31)"
    assert inside.number_input(key="w_filter").max == 31
    assert inside.number_input(key="w_bp_kernel").label == "Kernel to update (0 to 31)"


def test_without_a_drawing_the_image_source_is_said_not_offered_as_a_choice_of_one(inside):
    from cnn_core.base import texts

    table = texts.table("en")
    assert not [r for r in inside.radio if r.key == "w_source"]
    assert table["inside.source_test_only"] in [c.value for c in inside.caption]  # the digits model: Draw helps

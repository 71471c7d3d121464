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


def chart_title(at, key: str) -> str:
    import json

    chart = next(c for c in at.get("plotly_chart") if key in c.proto.id)
    return json.loads(chart.proto.spec)["layout"]["title"]["text"]


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
    assert chart_title(at, "conv_output") == "Output map 28×28 (filling in)"
    at.number_input(key="w_conv_row").set_value(28).run()
    at.number_input(key="w_conv_col").set_value(28).run()
    assert chart_title(at, "conv_output") == "Output map 28×28"  # the last position: the map is full
    assert any("Blue border" in c.value for c in at.caption)  # "same" padding is drawn and explained


def test_play_starts_the_sweep_at_the_next_position_and_pause_keeps_the_window(inside):
    at = inside
    at.number_input(key="w_conv_row").set_value(3).run()
    at.number_input(key="w_conv_col").set_value(28).run()  # the last column: rows and columns count from 1
    at.button(key="conv_play").click().run()  # the browser plays the sweep from the next position on
    assert (at.session_state["w_conv_row"], at.session_state["w_conv_col"]) == (4, 1)  # a row's end wraps
    assert player_frames(at)[0]["lines"][1].startswith("Position (row 4, column 1)")
    assert at.button(key="conv_play").label.endswith("Pause")
    at.button(key="conv_play").click().run()  # pause: the window stays where the player had got to
    row, col = position(at)
    assert (row, col) >= (4, 1) and at.button(key="conv_play").label.endswith("Play")
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
    at.number_input(key="w_conv_channel").set_value(6).run()  # the boxes count from 1, as the texts do
    assert any(m.value.startswith("Channel 6: the 9 products") for m in at.markdown)


def test_pooling_keeps_the_maximum_of_the_window(inside):
    at = inside
    line = next(m.value for m in at.markdown if m.value.startswith("max("))
    values = [float(v) for v in line[4:line.index(")")].split(", ")]
    kept = float(line.split("**")[1])
    assert len(values) == 4 and kept == pytest.approx(max(values), abs=0.01)
    at.number_input(key="w_pool_row").set_value(1).run()  # the top-left window
    at.number_input(key="w_pool_col").set_value(1).run()
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
    # one script brings the detail into view right after the click (tests/browser/test_browser_viz.py checks it does)
    (jump,) = at.get("html")
    assert ".st-key-overview_detail" in jump.proto.body and jump.proto.unsafe_allow_javascript
    at.run()  # any later rerun leaves the reader's scrolling alone
    assert not at.get("html") and any("in detail" in m.value for m in at.markdown)
    at.button(key="overview_detail_close").click().run()
    assert not any("in detail" in m.value for m in at.markdown)


def test_backprop_section_shows_loss_gradients_and_one_step(inside, mnist):
    from cnn_core.nn.inspection import backprop
    from cnn_core.nn.pretrained import load_pretrained

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
    step = next(m.value for m in at.markdown if m.value.startswith("The weight this image pushes hardest"))
    w, rest = step.split("outlined): ")[1].split(" − 0.100 × (")
    g, new = rest.split(") = **")
    assert float(new.rstrip("*.")) == pytest.approx(float(w) - 0.1 * float(g), abs=2e-4)
    # the weight followed is the one this image pushes hardest, not a corner that may barely move
    bp = backprop(load_pretrained().model, mnist.test_x[:1].float().div(255), 3, 0, 0.1)
    assert abs(float(g)) == pytest.approx(float(bp.kernel_grads[0, 0].abs().max()), rel=1e-3)
    # the bars' caption says what these bars show (it said far layers "often get smaller ones" over a first bar
    # that was the tallest)
    compared = "smaller" if bp.norms[0] < bp.norms[-1] else "larger"
    assert f"Here “conv 1” gets a {compared} one than “output”;" in " ".join(c.value for c in at.caption)


def test_the_backprop_target_follows_each_new_image_and_the_label_names_its_true_class(inside, mnist):
    """Another image brings its own true class as the target: the old image's target (and its mark) stayed."""
    at = inside
    assert at.selectbox(key="w_bp_target").label == "Target class (the true one: 7)"  # test image 0 is a 7
    at.selectbox(key="w_bp_target").set_value(3).run()
    assert "target class 3" in next(m.value for m in at.markdown if m.value.startswith("Forward pass"))
    at.number_input(key="w_index").set_value(1).run()
    true = int(mnist.test_y[1])
    target = at.selectbox(key="w_bp_target")
    assert target.value == true and target.label == f"Target class (the true one: {true})"
    assert f"target class {true}" in next(m.value for m in at.markdown if m.value.startswith("Forward pass"))
    assert "✓" not in "".join(target.options)  # the options' texts never change with the image
    at.selectbox(key="w_bp_target").set_value(5).run()  # a choice for this image stays while it is shown
    at.number_input(key="w_bp_kernel").set_value(2).run()
    assert at.selectbox(key="w_bp_target").value == 5


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
    at.number_input(key="w_filter").set_value(4).run()  # kernel 4 as the reader counts: index 3
    at.number_input(key="w_conv_row").set_value(10).run()  # row 10, column 12 as the reader counts: (9, 11)
    at.number_input(key="w_conv_col").set_value(12).run()
    charts_paused = len(at.get("plotly_chart"))
    at.button(key="conv_play").click().run()
    with torch.no_grad():
        reference = F.conv2d(x[None], conv.weight[3:4], conv.bias[3:4], padding=saved.arch.padding)[0, 0]
    frames = player_frames(at)
    assert [f["output_index"] for f in frames] == list(range(9 * 28 + 12, 28 * 28))  # from the next position to the end
    for f in frames:
        row, col = divmod(f["output_index"], 28)
        dot = f["lines"][1]
        assert dot.startswith(f"Position (row {row + 1}, column {col + 1})")
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
    """'Kernel (1 to 32)' for 32 kernels: the reader sees the numbers they can type, counted as every text counts."""
    assert inside.number_input(key="w_filter").label == "Kernel (1 to 32)"
    assert (inside.number_input(key="w_filter").min, inside.number_input(key="w_filter").max) == (1, 32)
    assert inside.number_input(key="w_bp_kernel").label == "Kernel to update (1 to 32)"


def test_without_a_drawing_the_image_source_is_said_not_offered_as_a_choice_of_one(inside):
    from cnn_core.base import texts

    table = texts.table("en")
    assert not [r for r in inside.radio if r.key == "w_source"]
    assert table["inside.source_test_only"] in [c.value for c in inside.caption]  # the digits model: Draw helps


# ---------------------------------------------------------------- colours: what is drawn is what the caption says


def _elements(node):
    """The page's elements in the order they are drawn (AppTest keeps each block's children by position)."""
    children = getattr(node, "children", None)
    if children is None:
        yield node
        return
    for key in sorted(children):
        yield from _elements(children[key])


def _stops_colour(stops, at: float) -> tuple[float, float, float]:
    """Plotly's linear interpolation between a resolved colour scale's stops, written out independently."""
    def rgb(c):
        return [float(v) for v in c[c.index("(") + 1:-1].split(",")[:3]] if c.startswith("rgb") else \
            [int(c[i:i + 2], 16) for i in (1, 3, 5)]
    for (p0, c0), (p1, c1) in zip(stops, stops[1:]):
        if p0 <= at <= p1:
            f = (at - p0) / (p1 - p0) if p1 > p0 else 0.0
            return tuple(a + f * (b - a) for a, b in zip(rgb(c0), rgb(c1)))
    return tuple(rgb(stops[-1][1]))


def _hue(rgb) -> str:
    r, g, b = rgb[:3]
    return "white" if max(r, g, b) - min(r, g, b) < 40 else "red" if r > b else "blue"


def _diverging_traces(chart) -> list[dict]:
    import json

    spec = json.loads(chart.proto.spec)
    return [tr for tr in spec["data"] if tr.get("type") == "heatmap" and
            (tr.get("zmid") == 0 or (tr.get("zmin") is not None and tr.get("zmin") == -tr.get("zmax", 0) != 0))]


def _values(trace):
    """A trace's z as numbers: a list of lists, or Plotly's typed array ({dtype, bdata, shape}) for numpy input."""
    import base64

    import numpy as np

    z = trace["z"]
    if isinstance(z, dict):
        shape = [int(n) for n in str(z["shape"]).split(",")]
        return np.frombuffer(base64.b64decode(z["bdata"]), dtype=z["dtype"]).reshape(shape).astype(float)
    return np.array([[np.nan if v is None else v for v in row] for row in z], dtype=float)


def _drawn(trace, value: float) -> str:
    import numpy as np

    top = trace.get("zmax") if trace.get("zmax") is not None else float(np.nanmax(np.abs(_values(trace))))
    return _hue(_stops_colour(trace["colorscale"], (value + top) / (2 * top)))


POSITIVE_NAMED = r"(\w+) (?:\(∂L/∂w )?> 0"  # "red > 0", "In red (∂L/∂w > 0)": the colour a caption gives positives


@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_signed_figure_draws_positive_values_in_the_colour_its_caption_names(real_data_dir, lang):
    import re

    import numpy as np

    from cnn_core.base import texts

    words = {texts.translate(lang, f"colour.{c}"): c for c in ("red", "blue", "white")}
    at = AppTest.from_file(str(REPO / "pages" / "inside.py"), default_timeout=120)
    at.query_params["lang"] = lang
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    page = list(_elements(at.main))
    texts_at = {i: e.value for i, e in enumerate(page) if getattr(e, "type", None) in ("markdown", "caption")}
    named = {i: [words[w] for w in re.findall(POSITIVE_NAMED, v, re.I) if w in words] for i, v in texts_at.items()}
    named = {i: n for i, n in named.items() if n}
    charts = [(i, e) for i, e in enumerate(page) if getattr(e, "type", None) == "plotly_chart" and _diverging_traces(e)]
    assert len(charts) >= 5  # the kernel and products, the gradients (two charts), the one step, the lab
    for i, chart in charts:
        near = [n for j, n in named.items() if abs(j - i) <= 3]
        assert near, f"no caption says which colour is positive near {chart.proto.id}"
        for trace in _diverging_traces(chart):
            z = _values(trace)
            top = float(np.nanmax(np.abs(z)))
            strong = [top] + ([float(np.nanmax(z))] if np.nanmax(z) >= top / 2 else [])  # clearly coloured values
            for value in strong:
                drawn = _drawn(trace, value)
                assert all(n[0] == drawn for n in near), (chart.proto.id, value, drawn, near)
            if (z == 0).any():
                assert _drawn(trace, 0.0) == "white"  # zero is drawn as nothing at all


def test_written_arithmetic_adds_up_as_written_or_says_it_is_rounded(inside):
    """'0.78×(−0.25) + … + bias 0.012 = 0.3456': where the written terms do not give the written total (rounded
    factors), the page says that the numbers are rounded and the sum used the exact values."""
    import re

    at = inside
    for row, col in ((14, 14), (10, 12), (7, 20), (20, 9), (5, 5)):
        at.number_input(key="w_conv_row").set_value(row).run()
        at.number_input(key="w_conv_col").set_value(col).run()
        dot = dot_product(at)
        pairs = re.findall(r"\(?(−?[\d.]+)\)?×\(?(−?[\d.]+)\)?", dot.split("): ")[1].split(" + bias")[0])
        assert len(pairs) == 9  # a 3×3 kernel on one channel: every product written

        def number(text):
            return float(text.replace("−", "-"))

        bias = number(dot.split("bias ")[1].split(" =")[0])
        total = number(ours_and_torch(dot)[0])
        written = sum(number(a) * number(b) for a, b in pairs) + bias
        if abs(written - total) > 0.00005:
            break
    else:
        pytest.skip("every position's written terms add up exactly")
    assert any("written rounded" in c.value and "exact values" in c.value for c in at.caption), (written, total)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_kernel_channel_and_block_a_reader_sees_is_counted_from_1(real_data_dir, lang):
    """One numbering rule (ui.base.i18n.shown_index): texts, box labels and ranges, figure titles and labels."""
    import json
    import re

    at = AppTest.from_file(str(REPO / "pages" / "inside.py"), default_timeout=120)
    at.query_params["lang"] = lang
    at.run()
    at.selectbox(key="w_conv_block").set_value(2).run()  # a block with many input channels
    assert not at.exception, [e.value for e in at.exception]
    seen = [e.value for e in _elements(at.main) if getattr(e, "type", None) in ("markdown", "caption", "subheader")]
    seen += [w.label for w in at.number_input] + [w.label for w in at.selectbox]
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        seen += [a.get("text", "") for a in spec["layout"].get("annotations", [])]
        seen += [str((spec["layout"].get("title") or {}).get("text", ""))]
    indexed = re.compile(r"\b(kernel|kernels|channel|canal|block|bloque|conv|densa|dense)\s+(\d+)\b", re.I)
    found = [(m.group(1), int(m.group(2))) for text in seen for m in indexed.finditer(text)]
    assert found and ("kernel", 1) in [(w.lower(), n) for w, n in found]
    assert all(n >= 1 for _, n in found), [f for f in found if f[1] < 1]
    ranges = re.compile(r"\((?:de )?(\d+) (?:to|a) \d+\)")  # "Kernel (1 to 32)", "(de 1 a 32)"
    boxes = [w for w in at.number_input if w.key in ("w_filter", "w_bp_kernel", "w_conv_channel", "w_look_kernel")]
    assert len(boxes) == 4 and all(w.min == 1 and ranges.search(w.label).group(1) == "1" for w in boxes)
    assert all(ranges.search(w.label).group(0).endswith(f" {int(w.max)})") for w in boxes), [w.label for w in boxes]


@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_row_and_column_a_reader_sees_is_counted_from_1(real_data_dir, lang):
    """The same rule for map rows and columns: the boxes, the written positions, the hovers, the player."""
    import base64
    import json
    import re

    import numpy as np

    at = AppTest.from_file(str(REPO / "pages" / "inside.py"), default_timeout=120)
    at.query_params["lang"] = lang
    at.run()
    ranges = re.compile(r"\((?:de )?(\d+) (?:to|a) (\d+)\)")
    for name, side in (("conv", 28), ("pool", 14)):  # "same" padding keeps 28×28; the 2×2 pool halves it
        for box in (at.number_input(key=f"w_{name}_row"), at.number_input(key=f"w_{name}_col")):
            assert (box.min, box.max) == (1, side) and ranges.search(box.label).groups() == ("1", str(side))
    for key in ("w_conv_row", "w_conv_col", "w_pool_row", "w_pool_col"):
        at.number_input(key=key).set_value(1).run()
    written = re.compile(r"\((?:row|fila) (\d+), (?:column|columna) (\d+)\)")
    dot = next(m.value for m in at.markdown if "torch.nn.functional.conv2d" in m.value)
    assert written.search(dot).groups() == ("1", "1")
    hovers = 0
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        outlined = [sh for sh in spec["layout"].get("shapes", []) if sh.get("line", {}).get("width") == 3]
        for trace in spec["data"]:
            template = trace.get("hovertemplate", "")
            if "%{y}" in template or "%{customdata[0]}" in template:  # a hover that names a map cell
                hovers += 1
                assert "%{y}" not in template and "%{x}" not in template, template
                data = trace["customdata"]
                if isinstance(data, dict):  # a numpy array, as Plotly sends it: typed bytes
                    data = np.frombuffer(base64.b64decode(data["bdata"]), data["dtype"]).reshape(
                        [int(n) for n in str(data["shape"]).split(",")]).tolist()
                first = data[0] if trace["type"] == "scatter" else data[0][0]  # the top-left cell
                assert first == [1, 1], (template, first)
                if trace["type"] == "heatmap" and outlined:  # an output map outlines the boxes' cell: the first
                    assert (outlined[-1]["x0"], outlined[-1]["y0"]) == (-0.5, -0.5)
    assert hovers >= 4  # the input and the output map of the convolution and of the pooling
    at.button(key="conv_play").click().run()  # the player writes the positions as the boxes count them
    assert written.search(player_frames(at)[0]["lines"][1]).groups() == ("1", "2")
    line = next(m.value for m in at.markdown if m.value.startswith(("A 6×6", "Un trozo")))
    table = next(d.value for d in at.table if d.value.shape == (6, 6))
    r0, c0 = (int(v) for v in re.search(r"(\d+), \w+ (\d+):", line).groups())
    assert (str(r0), str(c0)) == (table.index[0], table.columns[0]) and min(r0, c0) >= 1


def test_the_first_example_shows_the_digit_not_background_zeros(inside):
    """The value → value/255 table starts where the ink is (test image 0, a 7, is mostly empty in its centre)."""
    table = next(d.value for d in inside.table if d.value.shape == (6, 6))
    cells = [str(v) for v in table.values.flatten()]
    assert sum(not c.startswith("0 →") for c in cells) >= 18, cells  # at least half of it is ink


def test_a_stage_with_more_maps_than_are_drawn_says_how_many_are_shown(inside):
    """Block 2's 64 maps and block 3's 128 are drawn 32 at a time: each says so (the Draw page, 64, the same)."""
    said = [c.value for c in inside.caption if "maps are shown" in c.value]
    assert said.count("The first 32 of its 64 maps are shown.") == 3  # block 2: conv, ReLU, pooling
    assert said.count("The first 32 of its 128 maps are shown.") == 3
    assert len(said) == 6  # block 1's 32 are all drawn


def test_a_window_of_zeros_has_the_colour_of_zero_in_the_map_it_was_cut_from(inside):
    """The pooling window and the patch under the kernel are coloured over their map's range, not their own:
    a window of zeros was drawn in the middle of the scale (teal), the same zeros dark in the map beside it."""
    import json

    import numpy as np
    import torch

    from ui.charts.player import grid_cells

    at = inside
    at.number_input(key="w_pool_row").set_value(1).run()  # the image's corner: nothing but background
    at.number_input(key="w_pool_col").set_value(1).run()
    assert not at.exception

    def heatmaps(key: str) -> list[dict]:
        chart = next(c for c in at.get("plotly_chart") if key in c.proto.id)
        return [tr for tr in json.loads(chart.proto.spec)["data"] if tr["type"] == "heatmap"]

    (window,) = heatmaps("pool_numbers")
    assert set(_values(window).flatten()) == {0.0}
    mapped = np.concatenate([_values(tr).flatten() for tr in heatmaps("pool_map")])
    assert (window["zmin"], window["zmax"]) == (np.nanmin(mapped), np.nanmax(mapped)) and window["zmin"] < window["zmax"]
    patch = heatmaps("conv_numbers")[0]  # the input's pixels: over the image's range, 0 (black) to its brightest
    image = np.concatenate([_values(tr).flatten() for tr in heatmaps("conv_map")])
    assert (patch["zmin"], patch["zmax"]) == pytest.approx((np.nanmin(image), np.nanmax(image)))
    # The browser's player colours its grids the same way: zeros at the bottom of the map's scale.
    zeros, ramp = grid_cells(torch.zeros(2, 2), "viridis", [""] * 4, (0.0, 5.0)), grid_cells(
        torch.tensor([[0.0, 5.0], [0.0, 5.0]]), "viridis", [""] * 4)
    assert zeros["colors"] == [ramp["colors"][0]] * 4


def _colour_input_section():
    import streamlit as st
    import torch

    from ui.sections.inside import input_section

    st.session_state.setdefault("lang", "en")
    image = torch.arange(3 * 32 * 32).reshape(3, 32, 32).remainder(251).to(torch.uint8)  # three different channels
    input_section(image, ["cat"], 0)


def test_a_colour_images_pixel_table_says_which_channel_it_shows_and_shows_that_one():
    """32×32×3 = 3,072 input neurons: each pixel is three values. The table showed the red ones, unnamed."""
    import torch

    from cnn_core.nn.inspection import inkiest_window

    image = torch.arange(3 * 32 * 32).reshape(3, 32, 32).remainder(251).to(torch.uint8)
    r0, c0 = inkiest_window(image, 6)
    at = AppTest.from_function(_colour_input_section, default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    for channel, name in enumerate(("red", "green", "blue")):
        at.radio(key="w_input_channel").set_value(channel).run()
        assert any(f"its {name} values" in m.value for m in at.markdown), [m.value for m in at.markdown]
        shown = at.table[0].value.to_numpy()
        assert [[cell.split(" → ")[0] for cell in row] for row in shown] == \
            [[str(int(v)) for v in row] for row in image[channel, r0:r0 + 6, c0:c0 + 6]]


def _colour_backprop_section():
    import streamlit as st
    import torch

    from cnn_core.nn.architecture import Architecture
    from cnn_core.nn.model import build_model
    from ui.sections.inside_backprop import backprop_section

    st.session_state.setdefault("lang", "en")
    model = build_model(Architecture(in_height=32, in_width=32, in_channels=3, out_channels=(4,), dense=(8,),
                                     num_classes=2), seed=3)
    image = torch.arange(3 * 32 * 32).reshape(1, 3, 32, 32).remainder(251).float().div(255)
    image[:, 2] *= 4  # a loud blue channel: its weights' gradients the largest
    backprop_section(model, image, ["cat", "dog"], 0)


def test_a_colour_kernels_step_follows_its_steepest_weight_over_every_channel_and_names_the_channel():
    """A walk on a colour model: the boxed weight was the red grid's largest, though a blue one was larger."""
    import torch

    from cnn_core.nn.architecture import Architecture
    from cnn_core.nn.inspection import backprop, steepest_in_kernel
    from cnn_core.nn.model import build_model

    grads = torch.zeros(3, 3, 3)
    grads[0, 1, 1], grads[2, 0, 2] = 0.4, -0.5
    assert steepest_in_kernel(grads) == (2, 0, 2) and steepest_in_kernel(grads[:1]) == (0, 1, 1)
    at = AppTest.from_function(_colour_backprop_section, default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    captions = [c.value for c in at.caption]
    assert "In colour every kernel has 3 grids of 3×3 weights, one per channel; these are the red channel's." in captions
    model = build_model(Architecture(in_height=32, in_width=32, in_channels=3, out_channels=(4,), dense=(8,),
                                     num_classes=2), seed=3)
    image = torch.arange(3 * 32 * 32).reshape(1, 3, 32, 32).remainder(251).float().div(255)
    image[:, 2] *= 4
    bp = backprop(model, image, 0, 0, 0.1)
    channel, r, c = steepest_in_kernel(bp.kernel_grads[0])
    assert channel == 2  # the loud blue channel: the red grid's largest is not the kernel's
    name = ("red", "green", "blue")[channel]
    assert f"Shown: the {name} channel, where the weight this image pushes hardest is." in captions
    step = next(m.value for m in at.markdown if m.value.startswith("The weight this image pushes hardest"))
    g = float(step.split(" × (")[1].split(")")[0])
    assert abs(g) == pytest.approx(float(bp.kernel_grads[0].abs().max()), rel=1e-3)  # over all three channels


def _four_channel_backprop_section():
    import streamlit as st
    import torch

    from cnn_core.nn.architecture import Architecture
    from cnn_core.nn.model import build_model
    from ui.sections.inside_backprop import backprop_section

    st.session_state.setdefault("lang", "en")
    model = build_model(Architecture(in_height=16, in_width=16, in_channels=4, out_channels=(4,), dense=(8,),
                                     num_classes=2), seed=3)
    backprop_section(model, torch.rand(1, 4, 16, 16, generator=torch.Generator().manual_seed(0)), ["a", "b"], 0)


def test_an_uploaded_four_channel_kernel_names_its_channels_by_number_not_colour():
    at = AppTest.from_function(_four_channel_backprop_section, default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    captions = " ".join(c.value for c in at.caption)
    assert "Every kernel has 4 grids of 3×3 weights, one per input channel; these are channel 1's." in captions
    assert "Shown: channel " in captions and "red channel" not in captions and "In colour" not in captions


def _two_blocks_per_pooling_sections():
    import torch

    from cnn_core.nn.architecture import Architecture
    from cnn_core.nn.inspection import trace
    from cnn_core.nn.model import build_model
    from ui.sections import inside as inside_ui
    from ui.sections import inside_conv as conv_view
    from ui.sections.inside_overview import overview_section
    from ui.shell import session

    session.init_state()
    arch = Architecture(in_height=16, in_width=16, out_channels=(4, 4, 8), pool_every=2, dense=(8,))
    model = build_model(arch, seed=1).eval()
    image = torch.arange(16 * 16).reshape(1, 16, 16).remainder(251).to(torch.uint8)
    result = trace(model, image.float().div(255).unsqueeze(0))
    overview_section(image, result, [str(i) for i in range(10)], arch)
    inside_ui.maps_section(result, arch)
    conv_view.pool_section(model, result, 2, 0)


def test_a_block_without_pooling_has_no_pooling_column_stage_or_step():
    """Two blocks per pooling: block 2 convolves block 1's pooled maps and does not pool itself."""
    at = AppTest.from_function(_two_blocks_per_pooling_sections, default_timeout=60)
    at.query_params["lang"] = "en"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    buttons = {b.key for b in at.button}
    assert {"overview_conv1", "overview_pool1", "overview_conv2", "overview_conv3", "overview_pool3"} <= buttons
    assert "overview_pool2" not in buttons
    stages = [m.value for m in at.markdown if m.value.startswith(("After pooling", "after pooling"))]
    assert len(stages) == 2, stages  # blocks 1 and 3
    assert any("Block 2 has no pooling" in i.value for i in at.info), [i.value for i in at.info]

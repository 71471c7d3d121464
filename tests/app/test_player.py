"""The browser-side player of the Inside step-throughs: what Play sends, checked against torch.

The convolution and pooling step-throughs run in a real Streamlit script (AppTest)
on a small random network; the player's data are read back from the ``st.html``
element and every frame's numbers compared with ``torch.nn.functional``.
"""

import json
import re

import pytest
import torch
import torch.nn.functional as F
from streamlit.testing.v1 import AppTest


def _script(block: int, filt: int, pool: str, padding: str, start: tuple[int, int], step: str):
    import streamlit as st
    import torch

    from cnn_core.nn.architecture import Architecture
    from cnn_core.nn.inspection import trace
    from cnn_core.nn.model import build_model
    from ui.sections import inside_conv as conv_view
    from ui.shell import session

    session.init_state()
    arch = Architecture(in_height=10, in_width=12, in_channels=1, num_classes=3, out_channels=(4, 6),
                        dense=(8,), padding=padding, pool=pool, pool_size=2)
    model = build_model(arch, seed=3)
    x = torch.rand(1, 1, 10, 12, generator=torch.Generator().manual_seed(5))
    result = trace(model, x)
    st.session_state.setdefault("w_conv_block", block)
    st.session_state.setdefault("w_filter", filt + 1)  # the box counts kernels from 1, as the reader does
    st.session_state.setdefault(f"w_{step}_row", start[0] + 1)  # the boxes count rows and columns from 1
    st.session_state.setdefault(f"w_{step}_col", start[1] + 1)
    if step == "conv":
        conv_view.conv_section(model, x, result)
    else:
        conv_view.pool_section(model, result, *conv_view.choose_map(model))


def _model_and_input(pool: str, padding: str):
    from cnn_core.nn.architecture import Architecture
    from cnn_core.nn.inspection import trace
    from cnn_core.nn.model import build_model

    arch = Architecture(in_height=10, in_width=12, in_channels=1, num_classes=3, out_channels=(4, 6),
                        dense=(8,), padding=padding, pool=pool, pool_size=2)
    model = build_model(arch, seed=3)
    x = torch.rand(1, 1, 10, 12, generator=torch.Generator().manual_seed(5))
    return model, x, trace(model, x)


def _played(step: str, block=1, filt=2, pool="max", padding="same", start=(0, 0)) -> tuple[AppTest, dict]:
    at = AppTest.from_function(_script, args=(block, filt, pool, padding, start, step), default_timeout=60)
    at.query_params["lang"] = "en"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.get("html")  # paused: no player
    at.button(key=f"{step}_play").click().run()
    assert not at.exception, [e.value for e in at.exception]
    players = at.get("html")
    assert len(players) == 1
    body = players[0].proto.body
    assert players[0].proto.unsafe_allow_javascript
    payload = re.search(r'<script type="application/json" id="[^"]+">(.*?)</script>', body, re.S).group(1)
    assert "<" not in payload  # every "<" in the data is escaped: nothing in them can close the script
    for script in re.findall(r"<script>(.*?)</script>", body, re.S):
        # Streamlit's DOMPurify drops a script whose text looks like markup ("<b", "</"): the player would not run
        assert not re.search(r"<[/\w!]", script)
    return at, json.loads(payload)


def _number(text: str) -> float:
    return float(text.replace("−", "-").replace(",", ""))


@pytest.mark.parametrize("padding,block", [("same", 1), ("valid", 1), ("same", 2)])
def test_play_sends_the_whole_sweep_and_every_dot_product_equals_conv2d(padding, block):
    model, x, result = _model_and_input("max", padding)
    at, data = _played("conv", block=block, padding=padding, start=(0, 0))
    inp = x[0] if block == 1 else result.blocks[0].pool
    conv = model.blocks[block - 1].conv
    full = F.conv2d(inp[None], conv.weight[2:3], conv.bias[2:3], padding=padding)[0, 0].detach()
    out_h, out_w = full.shape
    frames = data["frames"]
    # Play at (0, 0) sweeps from the next position to the last, one frame per position, in order
    assert [f["output_index"] for f in frames] == list(range(1, out_h * out_w))
    assert (at.session_state["w_conv_row"], at.session_state["w_conv_col"]) == (1, 2)  # where the sweep starts
    # the browser moves the window meanwhile: no row/column boxes that would stay where it started
    assert not [n for n in at.number_input if n.key in ("w_conv_row", "w_conv_col")]
    assert any("written under the player" in c.value for c in at.caption)
    k = model.arch.kernel_size
    for f in frames:
        r, c = divmod(f["output_index"], out_w)
        assert f["window"] == [r, c]  # the window's top-left cell in the picture (padding included)
        dot = f["lines"][1]
        assert dot.startswith(f"Position (row {r + 1}, column {c + 1})")  # counted from 1, as the boxes
        ours = dot.split("= **")[1].split("**")[0]
        theirs = dot.split("conv2d gives ")[1].rstrip(")")
        assert ours == theirs and _number(ours) == pytest.approx(float(full[r, c]), abs=6e-5)
        patch, _, products = f["grids"]
        assert len(patch["texts"]) == len(products["colors"]) == len(products["dark"]) == k * k
    assert data["input"]["cells"] == [inp.shape[1] + (k - 1) * (padding == "same"),
                                      inp.shape[2] + (k - 1) * (padding == "same")]
    assert len(data["output"]["colors"]) == out_h * out_w
    assert data["speed"] == 5
    if block == 2:
        assert "all 4 input channels" in frames[0]["lines"][1]


def test_pause_puts_the_window_where_the_player_is_and_brings_the_clickable_charts_back():
    at, data = _played("conv", start=(2, 3))
    assert data["frames"][0]["output_index"] == 2 * 12 + 4
    at.button(key="conv_play").click().run()
    assert not at.get("html")
    row, col = at.number_input(key="w_conv_row").value, at.number_input(key="w_conv_col").value
    assert (row - 1) * 12 + (col - 1) >= 2 * 12 + 4  # the clock ran on: at least where the sweep started
    dot = next(m.value for m in at.markdown if "conv2d gives" in m.value)
    assert dot.startswith(f"Position (row {row}, column {col})")
    assert len(at.get("plotly_chart")) == 3


@pytest.mark.parametrize("kind", ["max", "avg"])
def test_the_pooling_player_keeps_torchs_value_at_every_window(kind):
    model, x, result = _model_and_input(kind, "same")
    at, data = _played("pool", pool=kind, start=(0, 0))
    pooled = result.blocks[0].pool[2]
    out_h, out_w = pooled.shape
    assert [f["output_index"] for f in data["frames"]] == list(range(1, out_h * out_w))
    for f in data["frames"]:
        r, c = divmod(f["output_index"], out_w)
        assert f["window"] == [2 * r, 2 * c]
        kept = _number(f["lines"][0].split("**")[1])
        assert kept == pytest.approx(float(pooled[r, c]), abs=6e-4)
        if kind == "max":
            values = [_number(v) for v in f["grids"][0]["texts"]]
            assert values[f["mark"]] == max(values)


def test_the_players_signed_grids_colour_values_as_the_legend_says():
    """While playing, the kernel's and the products' cells are coloured in the browser: positive in the colour the
    caption names for "> 0", zero white (the same rule as the paused charts; tests/app/test_inside_page.py)."""
    at, data = _played("conv")
    legend = next(c.value for c in at.caption if "> 0" in c.value)
    positive, negative = re.search(r"(\w+) > 0, (\w+) < 0", legend).groups()

    def hue(hex_colour: str) -> str:
        r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
        return "white" if max(r, g, b) - min(r, g, b) < 40 else "red" if r > b else "blue"

    grids = [data["grids"][1]["cells"]] + [f["grids"][2] for f in data["frames"][:20]]  # the kernel, the products
    for cells in grids:
        texts, colours = cells["texts"], cells["colors"]
        values = [_number(v) for v in texts]  # English: "0.25", "−1.2e-03"
        top = max(abs(v) for v in values)
        for value, colour in zip(values, colours):
            if top and value >= top / 2:
                assert hue(colour) == positive, (value, colour, legend)
            elif top and value <= -top / 2:
                assert hue(colour) == negative, (value, colour, legend)
            elif value == 0:
                assert hue(colour) == "white"



@pytest.mark.parametrize("name", ["player.js", "scroll_into_view.js"])
def test_the_scripts_survive_streamlits_sanitizer(name):
    from conftest import REPO

    assert not re.search(r"<[/\w!]", (REPO / "ui" / "charts" / "static" / name).read_text())


def _hostile_player(texts: list[str]):
    import torch

    from ui.charts import player

    grid = player.grid_cells(torch.ones(2, 2), "gray", texts[:4])
    player.show("conv", dict(
        speed=5, input=dict(title=texts[0], src="data:image/png;base64,", cells=[4, 4], window=2, px=280),
        grids=[dict(title=texts[1], side=2, cell_px=40, cells=grid)],
        output=dict(title=texts[2], shape=[2, 2], px=280, colors=["#000000"] * 4),
        frames=[dict(window=[0, 0], output_index=0, mark=None, grids=[None], counter=texts[3], lines=texts[4:])]))


def test_hostile_text_reaches_the_player_only_as_json_data():
    from conftest import PAYLOADS

    at = AppTest.from_function(_hostile_player, args=(PAYLOADS,), default_timeout=30)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    (element,) = at.get("html")
    body = element.proto.body
    payload = re.search(r'<script type="application/json" id="[^"]+">(.*?)</script>', body, re.S).group(1)
    assert "<" not in payload and "</script" not in payload.lower()
    outside = body.replace(payload, "")
    assert not any(p in outside for p in PAYLOADS)  # no text is part of the markup or the script
    data = json.loads(payload)
    assert data["input"]["title"] == PAYLOADS[0] and data["frames"][0]["lines"] == PAYLOADS[4:]  # intact, as text

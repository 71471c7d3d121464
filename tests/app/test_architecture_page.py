"""The Architecture and results views: partial table of an invalid network, "custom" preset, counts, figures."""


from conftest import open_page, preset_selector

from cnn_core.base import texts
from cnn_core.nn.architecture import PRESETS, layer_table, layers_until_error, totals


def page(name: str, **params):
    return open_page(name, lang="en", **params)


def test_layers_until_error_keeps_the_blocks_that_fit():
    broken = PRESETS["tutorial"].replace(out_channels=(32, 64, 128, 128, 128))  # 28→14→7→3→1→ a 2×2 pool fails
    layers, err = layers_until_error(broken)
    assert err is not None and err.key == "err.pool_too_big" and err.params["block"] == 5
    assert [layer.name for layer in layers][-2:] == ["pool4", "conv5"]
    good, none = layers_until_error(PRESETS["tutorial"])
    assert none is None and good == layer_table(PRESETS["tutorial"])
    _, field_err = layers_until_error(PRESETS["tutorial"].replace(kernel_size=4))  # even kernel with "same"
    assert field_err is not None


def test_neuron_total_counts_flatten_once():
    layers = layer_table(PRESETS["tutorial"])
    total = totals(layers).neurons
    by_kind = sum(layer.neurons for layer in layers if layer.kind in ("conv", "pool", "dense", "output"))
    assert total == by_kind == 25_088 + 6_272 + 12_544 + 3_136 + 6_272 + 1_152 + 100 + 10


def test_the_neuron_total_says_what_the_tables_column_adds_and_the_numbers_agree():
    """The metric said 54,574 neurons and the table's column added up to 56,510: the page says why, with the
    numbers the table holds."""
    at = page("architecture")
    table = at.dataframe[0].value
    rows, total_row = table.iloc[:-1], table.iloc[-1]  # the layers, then the table's own Total row
    column = sum(int(str(v).replace(",", "")) for v in rows[table.columns[2]])
    assert at.metric[1].value == total_row[table.columns[2]] == "54,574" and column == 56_510
    said = texts.table("en")["arch.total_neurons_note"].format(inputs="784", flatten="1,152", total="54,574",
                                                                column="56,510")
    assert said in [c.value for c in at.caption] and "the rows above the Total add up to 56,510" in said


def test_a_block_fewer_changes_the_totals_the_metric_and_the_address():
    """The sliders' counts as the page writes them in English (a browser's slider moves: the Spanish walk,
    tests/browser/test_spanish_walk.py, and tests/browser/test_browser.py's held-back moves)."""
    at = page("architecture")
    assert at.metric[0].value == "208,982"
    at.slider(key="w_blocks").set_value(2).run()
    assert at.metric[0].value == "333,526"  # two blocks: a 7×7×64 map feeds the dense layer
    assert at.query_params["f"] in ("32,64", ["32,64"])


def test_invalid_network_still_shows_the_table_and_diagram_up_to_the_failing_block():
    at = page("architecture")
    at.slider(key="w_blocks").set_value(5).run()  # 32-64-128-128-128: the 1×1 map of block 5 cannot pool
    assert not at.exception
    assert any("smaller pool" in e.value for e in at.error)
    table = at.dataframe[0].value
    assert table["Layer"].iloc[-1] == "✗ block 5"
    assert len(table) == 1 + 4 * 2 + 1 + 1  # input, blocks 1–4 with pools, conv5, the failing row
    assert at.get("plotly_chart")  # the diagram is drawn too


def test_preset_selector_says_custom_once_the_sliders_leave_the_preset():
    at = page("architecture")
    assert preset_selector(at).value == "tutorial"
    at.slider(key="w_blocks").set_value(1).run()
    assert preset_selector(at).value == "custom"
    at.slider(key="w_blocks").set_value(3).run()
    assert at.session_state["arch"].out_channels == (32, 32, 32)  # the 3 → 1 → 3: not the tutorial's
    assert preset_selector(at).value == "custom"
    preset_selector(at).set_value("tutorial").run()
    assert preset_selector(at).value == "tutorial"
    assert at.session_state["arch"] == PRESETS["tutorial"]
    preset_selector(at).set_value("lenet").run()
    assert preset_selector(at).value == "lenet" and at.slider(key="w_blocks").value == 2
    # "Custom" describes sliders that left every preset: offered only then, so it never names a preset's network
    assert "Custom (your own settings)" not in preset_selector(at).options
    at.slider(key="w_blocks").set_value(1).run()
    assert preset_selector(at).options[-1] == "Custom (your own settings)"


def test_the_fast_preset_is_offered_by_its_name_and_counted_layer_by_layer_in_spanish():
    """The fast starting point: named as the guide names it, its sliders and counts the network's own."""
    at = open_page("architecture", lang="es", preset="fast")
    assert not at.exception
    selector = preset_selector(at)
    assert selector.value == "fast" and "Rápida hasta el 99 % (16-32-64)" in selector.options
    assert [at.select_slider(key=f"w_filters_{i}").value for i in range(3)] == [16, 32, 64]
    params = totals(layer_table(PRESETS["fast"])).params
    assert at.metric[0].value == f"{params:,}".replace(",", ".")  # Spanish thousands
    table = at.dataframe[0].value
    assert len(table) == len(layer_table(PRESETS["fast"])) + 1  # every layer, then the Total row


def test_a_network_with_batchnorm_says_which_numbers_are_biases_and_which_are_batchnorms():
    """A walk on the CIFAR preset read "864 pesos (960 con los sesgos)": 896 with the biases, the other 64 are
    BatchNorm's scale and shift, which the table added as "+ 2×32" under a header of weights and biases."""
    es = texts.table("es")
    at = open_page("architecture", lang="es", preset="cifar")
    assert not at.exception
    said = " ".join(m.value for m in at.markdown)
    assert "**32 kernels de 3×3×3 = 864 pesos** (896 con los sesgos)" in said
    table = at.dataframe[0].value
    assert es["table.formula_bn"] in table.columns and es["table.formula"] not in table.columns
    conv1 = table.iloc[1]
    assert conv1[es["table.layer"]] == "convolución 1 + BatchNorm + ReLU"
    assert conv1[es["table.formula_bn"]] == "3×3×3×32 + 32 + 2×32 = 960"
    plain = open_page("architecture", lang="es", preset="tutorial")  # without BatchNorm: as before
    plain_table = plain.dataframe[0].value
    assert es["table.formula"] in plain_table.columns and plain_table.iloc[1][es["table.layer"]] == "convolución 1 + ReLU"


def test_the_input_cost_text_says_what_the_tables_rows_are():
    """A walk read "the table goes from the tutorial's 28×28×3" over a table whose first row was 28×28×1."""
    es = texts.table("es")
    at = open_page("architecture", lang="es", preset="fast")
    table = next(d.value for d in at.dataframe if es["arch.cost_input"] in d.value.columns)
    rows = list(zip(table[es["arch.cost_input"]], table[es["table.shape"]]))
    assert rows[:2] == [(es["arch.cost_mine"], "28×28×1"), (es["arch.cost_tutorial_colour"], "28×28×3")]
    said = next(m.value for m in at.markdown if m.value.startswith("Cada píxel de cada canal"))
    assert "la entrada de tu red junto a la de color del tutorial (28×28×3)" in said


def test_no_pooling_means_no_after_pooling_text():
    at = page("architecture", pool="none")
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "after pooling" not in text and "Fully connecting" in text
    inside = page("inside", pool="none")  # the shipped model has pooling; the arch link does not change it
    assert not inside.exception


def test_the_diagrams_failing_block_is_drawn_after_the_last_layer_with_its_label_under_it():
    """The red box of the block that breaks comes after every layer's box, in the row of labels it was given
    (it was once drawn back among the earlier layers: a loop variable had replaced the label positions)."""
    from ui.charts.figures import network_diagram

    for preset in ("tutorial", "dense", "small"):
        layers = layer_table(PRESETS[preset])
        fig = network_diagram(layers, {layer.name: layer.name for layer in layers}, "d", failed="✗ block 9")
        *boxes, failed = fig.data
        assert failed.line.color == "#d62728" and failed.hovertext == "✗ block 9"
        assert min(failed.x) > max(x for box in boxes for x in box.x), preset
        label = fig.layout.annotations[-1]
        assert label.text == "<b>✗ block 9</b>" and label.x == min(failed.x)
        previous = fig.layout.annotations[len(layers) - 1]  # the last layer's label, in the other row
        assert previous.yshift != label.yshift and previous.x < label.x


def test_the_charts_panels_are_plotlys_own_subplot_layout_to_the_last_digit():
    """The live plot, the misclassified images and the runs' overlay lay out their panels as one dict (built
    once, not changed call by call): the same axes, domains and titles as ``make_subplots``, computed by Plotly."""
    import pytest
    from plotly.subplots import make_subplots

    from ui.charts.figures import panels

    grids = [(2, 1, ("Loss", "Accuracy"), {"vertical_spacing": 0.16}), (1, 2, ("Loss", "Accuracy"), {}),
             (3, 8, [f"{i} → {i + 1}" for i in range(20)], {"vertical_spacing": 0.08}), (2, 2, ("a", "", "c"), {}),
             (3, 1, (), {}), (1, 1, ("x",), {})]
    for rows, cols, titles, spacing in grids:
        plotly = make_subplots(rows=rows, cols=cols, subplot_titles=titles or None, **spacing).layout.to_plotly_json()
        plotly.pop("template")
        assert panels(rows, cols, titles, **spacing) == {"annotations": [], **plotly}, (rows, cols)
    with pytest.raises(ValueError):
        panels(3, 1, (), vertical_spacing=0.6)  # no room left for the panels


def test_misclassified_images_keep_square_pixels():
    import torch

    from ui.charts.figures import image_grid

    fig = image_grid(torch.zeros(3, 1, 28, 28, dtype=torch.uint8), ["a", "b", "c"], cols=2)
    anchors = [fig.layout[f"yaxis{i if i > 1 else ''}"].scaleanchor for i in range(1, 5)]
    assert anchors == ["x", "x2", "x3", "x4"]


def test_misclassified_photos_are_in_colour_at_their_own_aspect():
    """Colour images (cats and dogs, CIFAR-10, a zip's photos) as RGB images, pixel for pixel, never grey, and a
    wide one stays wide: each image's y axis is tied 1:1 to its x axis."""
    import torch

    from ui.charts.figures import image_grid

    wide = torch.zeros(2, 3, 16, 32, dtype=torch.uint8)
    wide[0, 0] = 200  # red
    wide[1, 2, :, 16:] = 150  # the right half blue
    fig = image_grid(wide, ["cat → dog", "dog → cat"], cols=2)
    assert [trace.type for trace in fig.data] == ["image", "image"]
    for trace, image in zip(fig.data, wide):
        assert torch.equal(torch.tensor(trace.z, dtype=torch.uint8), image.permute(1, 2, 0))  # (H, W, RGB)
    assert [fig.layout[f"yaxis{i if i > 1 else ''}"].scaleanchor for i in (1, 2)] == ["x", "x2"]
    assert all(fig.layout[f"yaxis{i if i > 1 else ''}"].scaleratio in (None, 1) for i in (1, 2))


def test_accuracy_axis_is_the_whole_scale_and_epochs_are_marked():
    from cnn_core.train.trainer import EvalEvent, StepEvent
    from ui.charts.figures import training_curves

    steps = [StepEvent(s, s / 100, 2.0, 0.12, 1e-3, s, 100, s / 250, 1) for s in range(1, 251)]
    labels = {"loss": "Loss", "accuracy": "Accuracy", "train": "t", "validation": "v", "step": "step",
              "epoch": "epoch"}
    fig = training_curves(steps, [EvalEvent(250, 3, 2.0, 0.15)], labels)
    assert tuple(fig.layout.yaxis2.range) == (0, 1.02)
    assert sum("epoch" in (a.text or "") for a in fig.layout.annotations) == 2  # epochs 1 and 2 end at 100, 200
    dotted = [s for s in fig.layout.shapes if s.line.dash == "dot"]
    assert len(dotted) == 4 and {(s.xref, s.yref) for s in dotted} == {("x", "y domain"), ("x2", "y2 domain")}
    assert {(s.x0, s.x1, s.y0, s.y1) for s in dotted} == {(100, 100, 0, 1), (200, 200, 0, 1)}  # top to bottom
    # A mark near the right edge writes its label on its left, inside the plot (a 1-epoch run's "epoch 1" was cut)
    anchors = {a.x: a.xanchor for a in fig.layout.annotations if "epoch" in (a.text or "")}
    assert anchors == {100: "left", 200: "left"}
    one_epoch = [StepEvent(s, s / 100, 2.0, 0.12, 1e-3, s, 100, s / 100, 1) for s in range(1, 101)]
    end = training_curves(one_epoch, [], labels)
    assert [(a.x, a.xanchor) for a in end.layout.annotations if "epoch" in (a.text or "")] == [(100, "right")]


def test_blocks_per_pooling_reshapes_the_table_and_the_address():
    """Two blocks per pooling: blocks 1 and 3 pool, block 2 convolves the pooled 14×14 maps once more; the table,
    the metric and a shared link agree with the network the slider describes."""
    at = page("architecture")
    at.slider(key="w_pool_every").set_value(2).run()
    assert not at.exception
    arch = at.session_state["arch"]
    assert arch.pool_every == 2
    shown = list(at.dataframe[0].value["Layer"].iloc[:-1])  # the rows above the Total
    assert len(shown) == len(layer_table(arch))
    assert shown[1:6] == ["convolution 1 + ReLU", "pooling 1", "convolution 2 + ReLU", "convolution 3 + ReLU",
                          "pooling 3"]
    assert "pooling 2" not in shown
    assert at.metric[0].value == f"{totals(layer_table(arch)).params:,}"
    assert at.query_params["pe"] in ("2", ["2"])
    help_text = texts.table("en")["arch.pool_every_help"]
    assert "blocks 1, 3, 5" in help_text
    # without pooling the slider changes nothing: it is off and shows the 1 the network is built with
    at.radio(key="w_pool").set_value("none").run()
    assert at.slider(key="w_pool_every").value == 1 and at.slider(key="w_pool_every").disabled
    assert at.session_state["arch"].pool_every == 1 and at.query_params["pe"] in ("1", ["1"])
    # and pooling back on gives the visitor's 2 back: the deeper CIFAR network pooled every block and broke at block 6
    preset_selector(at).set_value("cifar_deep").run()
    at.radio(key="w_pool").set_value("none").run()
    at.radio(key="w_pool").set_value("max").run()
    assert not at.error and at.session_state["arch"] == PRESETS["cifar_deep"]
    assert preset_selector(at).value == "cifar_deep" and at.slider(key="w_pool_every").value == 2


def test_every_preset_loads_from_the_selector_and_its_sliders_describe_it_exactly():
    """The sliders must be able to show every preset (its filters, units, blocks and blocks per pooling), or the
    selector would fall back to "custom" the moment it was chosen."""
    at = page("architecture")
    for name, preset in PRESETS.items():
        preset_selector(at).set_value(name).run()
        assert not at.exception, name
        assert at.session_state["arch"] == preset, name
        assert preset_selector(at).value == name
        assert at.slider(key="w_blocks").value == len(preset.out_channels)
        assert at.metric[0].value == f"{totals(layer_table(preset)).params:,}", name


def test_the_train_page_names_a_network_that_pools_every_two_blocks_as_such():
    """32-64-128 pooled every block and every two blocks are two networks: the Train page's caption says which."""
    at = open_page("train", lang="en", pe="2")
    assert not at.exception, [e.value for e in at.exception]
    caption = next(c.value for c in at.caption if c.value.startswith("Network from the Architecture page"))
    params = f"{totals(layer_table(PRESETS['tutorial'].replace(pool_every=2))).params:,}"
    assert f"filters 32-64-128, pooling every 2 blocks, {params} parameters" in caption
    plain = open_page("train", lang="en")
    assert any("filters 32-64-128, 208,982 parameters" in c.value for c in plain.caption)


def test_the_blocks_help_says_what_a_block_is_with_the_settings_drawn():
    """The help said "convolution → ReLU → pooling" with pooling off, and nothing of BatchNorm or of pooling
    every other block: it follows the settings, in cnn_core.nn.model.ConvBlock's order."""
    en = texts.table("en")
    at = page("architecture")
    assert at.slider(key="w_blocks").help == "Each block: convolution → ReLU → pooling (max, 2×2)."
    at.radio(key="w_pool").set_value("none").run()
    said = at.slider(key="w_blocks").help
    assert said == "Each block: convolution → ReLU, no pooling." and "pooling (" not in said
    at.radio(key="w_pool").set_value("avg").run()
    at.slider(key="w_pool_every").set_value(2).run()
    at.checkbox(key="w_bn").check().run()
    said = at.slider(key="w_blocks").help
    assert said == en["arch.blocks_help_every"].format(steps="convolution → BatchNorm → ReLU",
                                                       pooling="pooling (average, 2×2)")

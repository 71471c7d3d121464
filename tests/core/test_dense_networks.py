"""Dense networks (no conv block): the tutorial's comparison as a network a student builds, counts and trains."""

import pytest
import torch
from conftest import REPO, no_exceptions, open_page

from cnn_core.nn.architecture import (
    PRESETS,
    Architecture,
    apply_overrides,
    input_cost,
    layer_table,
    to_overrides,
    totals,
)
from cnn_core.nn.model import build_model
from cnn_core.train.config import TrainConfig
from cnn_core.train.trainer import train

DENSE = Architecture(out_channels=(), dense=(100,))


@pytest.mark.parametrize("arch", [
    DENSE,
    Architecture(out_channels=(), dense=()),  # softmax regression: pixels straight to the classes
    Architecture(in_height=32, in_width=32, in_channels=3, out_channels=(), dense=(64, 32), num_classes=2),
])
def test_a_network_without_conv_blocks_counts_what_torch_builds(arch):
    layers = layer_table(arch)
    assert [layer.kind for layer in layers] == ["input", "flatten", *["dense"] * len(arch.dense), "output"]
    model = build_model(arch).eval()
    assert sum(p.numel() for p in model.parameters()) == totals(layers).params
    x = torch.rand(3, arch.in_channels, arch.in_height, arch.in_width)
    h = x.flatten(1)
    linears = [m for m in model.classifier if isinstance(m, torch.nn.Linear)]
    assert h.shape[1] == layers[1].neurons == arch.input_neurons
    for layer, linear in zip(layers[2:], linears):
        h = linear(h)
        assert h.shape[1:] == layer.output_shape
        assert sum(p.numel() for p in linear.parameters()) == layer.params
    assert model(x).shape == (3, arch.num_classes)


def test_the_dense_preset_is_784_to_100_to_10():
    layers = layer_table(PRESETS["dense"])
    assert [layer.params for layer in layers if layer.params] == [784 * 100 + 100, 100 * 10 + 10]


def test_url_overrides_and_cli_take_an_empty_filter_list():
    arch = apply_overrides(PRESETS["tutorial"], {"f": ""})
    assert arch.out_channels == ()
    assert apply_overrides(PRESETS["tutorial"], to_overrides(arch)) == arch
    import subprocess
    import sys
    out = subprocess.run([sys.executable, "-m", "cnn_core", "summary", "--filters", "", "--dense", "100"],
                         cwd=REPO, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "784×100 + 100 = 78,500" in out.stdout and "conv1" not in out.stdout


def test_a_dense_network_trains_on_the_same_data(tiny_data):
    model = build_model(DENSE.replace(num_classes=2), seed=0)
    result = train(model, tiny_data, TrainConfig(epochs=1, batch_size=64, val_size=64, probe_every_s=0.0, seed=0))
    assert result.test_accuracy is not None and result.test_accuracy > 0.9


def test_input_cost_is_the_tutorials_arithmetic():
    assert input_cost((28, 28, 3), 100).neurons == 2_352
    assert input_cost((32, 32, 3), 100).neurons == 3_072
    photo = input_cost((224, 224, 3), 100)
    assert photo.neurons == 150_528 and photo.dense_params == 150_528 * 100 + 100
    # the same numbers the layer table gives a dense network of that input
    arch = Architecture(in_height=224, in_width=224, in_channels=3, out_channels=(), dense=(100,))
    assert layer_table(arch)[2].params == photo.dense_params


def test_architecture_page_builds_a_dense_network_from_the_blocks_slider():
    at = open_page("architecture", lang="es")
    at.slider(key="w_blocks").set_value(0).run()
    no_exceptions(at)
    arch = at.session_state["arch"]
    assert arch.out_channels == ()
    table = at.dataframe[0].value
    assert list(table.iloc[:, 0])[:2] == ["entrada", "aplanado"] and len(table) == 5  # + dense1, output, total
    assert "78.500" in list(table.iloc[:, 3])  # 784×100 + 100, Spanish grouping
    assert any("no hay convolución" in c.value for c in at.caption)
    assert any("78.400 pesos" in m.value for m in at.markdown)  # the comparison says what the dense layer costs
    costs = next(d.value for d in at.dataframe if "Neuronas de entrada" in d.value.columns)
    neurons = list(costs.iloc[:, 2])
    assert neurons == ["784", "2.352", "3.072", "150.528"]
    assert list(costs.iloc[:, 3])[3] == "15.052.900"


def open_with_the_dense_run(name: str, timeout: float, lang: str):
    """A page opened with a workspace holding one dense digits model, picked in the page's model picker (the
    default is the most accurate model that fits: the shipped one)."""
    from conftest import app_store

    code = dense_run_workspace()
    at = open_page(name, timeout, lang=lang, ws=code)
    at.selectbox(key=f"w_model_{name}").set_value(app_store().runs(code)[0].id).run()
    return at


def dense_run_workspace() -> str:
    """A workspace holding one dense digits model (untrained weights: the pages only need its shape)."""
    from conftest import app_store

    from cnn_core.nn import checkpoint
    from cnn_core.store import runs as core_runs

    raw = checkpoint.to_bytes(build_model(DENSE, seed=0), list("0123456789"), dataset="mnist", test_accuracy=0.99)
    code = app_store().create_workspace()
    app_store().add_run(code, core_runs.from_upload(checkpoint.from_bytes(raw), raw, "dense.cnn.zip"))
    return code


@pytest.mark.realdata
def test_inside_says_there_is_no_convolution_for_a_dense_model(real_data_dir):
    at = open_with_the_dense_run("inside", 120, "en")
    no_exceptions(at)
    assert any("no conv blocks" in i.value and "784 input neurons" in i.value for i in at.info)
    assert any("softmax" in m.value.lower() for m in at.markdown)  # the output section is still there
    assert not any(s.value == "2. Learned kernels" for s in at.subheader)


def test_draw_offers_gradient_x_input_without_a_conv_block(monkeypatch):
    from conftest import canvas_sends, seven

    from cnn_core.data.preprocess import png_data_url

    at = open_with_the_dense_run("draw", 60, "es")
    canvas_sends(monkeypatch, png_data_url(seven()))
    at.run()
    no_exceptions(at)
    assert at.radio(key="w_looked_method").options == ["gradiente × entrada"]
    assert any("Grad-CAM necesita un bloque convolucional" in c.value for c in at.caption)
    assert any("no hay mapas de características" in i.value for i in at.info)


@pytest.mark.realdata
def test_training_a_dense_network_shows_gradients_and_says_there_are_no_kernels(real_data_dir):
    import time

    from conftest import start_timed_training

    at = open_page("train", 120, lang="en")
    at.session_state["arch"] = DENSE
    job = start_timed_training(at, 2)
    assert job.wait(120), "the training did not finish"
    deadline = time.time() + 60
    while time.time() < deadline and not any(m.label == "Test accuracy" for m in at.metric):
        at.run()
    no_exceptions(at)
    assert job.model.arch.out_channels == ()
    assert any(m.label == "Test accuracy" for m in at.metric)
    snap = job.snapshot()
    assert snap.probe is None and snap.grads  # no kernels to watch; the dense layers' gradients were kept


def test_the_learning_view_says_a_dense_network_has_no_kernels_and_still_draws_its_gradients():
    from streamlit.testing.v1 import AppTest

    def view():
        import streamlit as st

        from cnn_core.train.jobs import Snapshot
        from cnn_core.train.trainer import GradEvent
        from ui.sections.learning import learning_view

        st.session_state["lang"] = "es"
        grads = [GradEvent(s, (1.0 / (s + 1), 0.5)) for s in range(3)]
        snap = Snapshot("running", 0, [], [], None, None, None, False, probe=None, grads=grads)
        learning_view(snap, ["densa1", "salida"], has_conv=False)

    at = AppTest.from_function(view).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("no hay kernels ni mapas" in i.value for i in at.info)
    assert len(at.get("plotly_chart")) == 1  # the dense layers' gradient sizes


def test_a_link_with_no_filters_opens_a_dense_network_and_its_runs_are_named_by_their_widths():
    import datetime as dt

    from cnn_core.store.runs import default_name

    at = open_page("architecture", lang="en", f="", dense="64")
    no_exceptions(at)
    assert at.session_state["arch"] == Architecture(out_channels=(), dense=(64,))
    assert at.slider(key="w_blocks").value == 0
    assert default_name(at.session_state["arch"], dt.datetime(2026, 1, 1, 14, 5)) == "64-10 · 14:05"

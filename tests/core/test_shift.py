"""The shift test: accuracy on test images moved 0..6 pixels, in the core and on the Runs page."""

import pytest
import torch
from conftest import no_exceptions, open_page

from cnn_core.nn.architecture import Architecture
from cnn_core.nn.model import build_model
from cnn_core.train.shift import SHIFTS, accuracy_by_shift, shift_images


def rolled(x: torch.Tensor, dy: int, dx: int) -> torch.Tensor:
    """The same shift done another way: torch.roll, then zero what wrapped around."""
    out = torch.roll(x, shifts=(dy, dx), dims=(-2, -1)).clone()
    if dy > 0:
        out[..., :dy, :] = 0
    elif dy < 0:
        out[..., dy:, :] = 0
    if dx > 0:
        out[..., :, :dx] = 0
    elif dx < 0:
        out[..., :, dx:] = 0
    return out


@pytest.mark.parametrize("dy, dx", [(0, 0), (0, 3), (2, 0), (-1, 4), (5, -6), (6, 6)])
def test_shift_images_equals_roll_and_zeroing(dy, dx):
    x = torch.randint(1, 256, (3, 2, 10, 12), dtype=torch.uint8)
    assert torch.equal(shift_images(x, dy, dx), rolled(x, dy, dx))


def test_accuracy_by_shift_equals_evaluating_rolled_images_ourselves():
    g = torch.Generator().manual_seed(0)
    x = torch.randint(0, 256, (64, 1, 28, 28), dtype=torch.uint8, generator=g)
    model = build_model(Architecture(out_channels=(4,), dense=()), seed=0).eval()
    y = model(x.float() / 255).argmax(1)  # labels the unshifted images get right, so shift 0 is 100 %
    points = accuracy_by_shift(model, x, y)
    assert [p.shift for p in points] == list(SHIFTS)
    assert points[0].accuracy == 1.0
    with torch.no_grad():
        for p in points:
            for name, (dy, dx) in (("right", (0, p.shift)), ("down", (p.shift, 0))):
                pred = model(rolled(x, dy, dx).float() / 255).argmax(1)
                assert p.by_direction[name] == pytest.approx((pred == y).float().mean().item())
            assert p.accuracy == pytest.approx(sum(p.by_direction.values()) / 2)


@pytest.mark.realdata
def test_runs_page_charts_accuracy_against_shift_for_each_digits_run_and_says_what_it_found(real_data_dir):
    from conftest import app_store

    from cnn_core.data.loading import load_dataset
    from cnn_core.nn import checkpoint
    from cnn_core.store import runs as core_runs
    from cnn_core.train.config import TrainConfig
    from cnn_core.train.trainer import train

    mnist = load_dataset("mnist", real_data_dir, download=False)
    small = type(mnist)("mnist", mnist.classes, mnist.train_x[:3000], mnist.train_y[:3000],
                        mnist.test_x, mnist.test_y)
    code = app_store().create_workspace()
    models = {}
    for name, arch in (("dense", Architecture(out_channels=(), dense=(32,))),
                       ("conv", Architecture(out_channels=(8,), dense=()))):
        model = build_model(arch, seed=0)
        train(model, small, TrainConfig(epochs=1, batch_size=64, val_size=200, seed=0), evaluate_test=False)
        raw = checkpoint.to_bytes(model, list("0123456789"), dataset="mnist")
        app_store().add_run(code, core_runs.from_upload(checkpoint.from_bytes(raw), raw, f"{name}.cnn.zip"))
        models[name] = model
    at = open_page("runs", 120, lang="es", ws=code)
    no_exceptions(at)
    assert any("desplazamiento" in s.value for s in at.subheader)
    at.button(key="shift_measure").click().run()
    no_exceptions(at)
    import json
    charts = [c for c in at.get("plotly_chart") if "Exactitud según" in c.proto.spec]
    assert charts, f"no shift chart; the page said: {[m.value for m in (*at.error, *at.warning, *at.info)]}"
    chart = json.loads(charts[0].proto.spec)
    assert len(chart["data"]) == 2 and all(trace["x"] == list(SHIFTS) for trace in chart["data"])
    from cnn_core.data.loading import spread_sample

    picked = spread_sample(len(mnist.test_y), 2000)  # a fixed spread of the test set, said so on the page
    assert any("2.000 imágenes de prueba elegidas al azar" in m.value for m in at.markdown)
    expected = {name: accuracy_by_shift(m, mnist.test_x[picked], mnist.test_y[picked]) for name, m in models.items()}
    for trace, name in zip(chart["data"], ("dense", "conv")):
        assert trace["y"] == pytest.approx([p.accuracy for p in expected[name]])
    found = [m.value for m in at.markdown if "sin mover" in m.value]
    assert len(found) == 2 and any("(densa)" in f for f in found) and any("(convolucional)" in f for f in found)
    best = max(expected, key=lambda n: expected[n][-1].accuracy)
    assert any(m.value.startswith("La que mejor aguanta 6 píxeles") and f"{best}" in m.value for m in at.markdown)


@pytest.mark.realdata  # the button lands on the Train page, which opens MNIST
def test_the_runs_page_offers_to_train_the_kind_of_network_the_comparison_lacks(real_data_dir):
    from conftest import app_store

    from cnn_core.nn import checkpoint
    from cnn_core.nn.architecture import PRESETS
    from cnn_core.store import runs as core_runs

    raw = checkpoint.to_bytes(build_model(PRESETS["small"], seed=0), list("0123456789"), dataset="mnist")
    code = app_store().create_workspace()
    app_store().add_run(code, core_runs.from_upload(checkpoint.from_bytes(raw), raw, "small.cnn.zip"))
    from conftest import REPO
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)  # the app's menu: st.switch_page needs it
    at.query_params["lang"], at.query_params["ws"] = "en", code
    at.run()
    at.switch_page("pages/runs.py").run()
    no_exceptions(at)
    assert [b.key for b in at.button if b.key and b.key.startswith("shift_train_")] == ["shift_train_dense"]
    at.session_state["dataset"] = "fashion-mnist"
    at.button(key="shift_train_dense").click().run()
    no_exceptions(at)
    assert at.session_state["arch"] == PRESETS["dense"] and at.session_state["dataset"] == "mnist"
    at.switch_page("pages/train.py").run()  # where the button goes (AppTest does not follow st.switch_page)
    no_exceptions(at)
    assert at.radio(key="w_dataset").value == "mnist" and at.session_state["arch"] == PRESETS["dense"]


def test_measuring_while_the_database_is_out_of_reach_says_so_and_keeps_the_list(monkeypatch):
    """Not "the run no longer exists", and not an empty list of runs: the page as it was, and why nothing was measured."""
    from conftest import app_store

    from cnn_core.base.errors import StorageDownError
    from cnn_core.base.texts import table
    from cnn_core.nn import checkpoint
    from cnn_core.store import runs as core_runs
    from cnn_core.store.storage import Storage

    store = app_store()
    code = store.create_workspace()
    raw = checkpoint.to_bytes(build_model(Architecture(out_channels=(3,), dense=()), seed=20261207),
                              list("0123456789"), dataset="mnist")
    store.add_run(code, core_runs.from_upload(checkpoint.from_bytes(raw), raw, "kept.cnn.zip"))
    at = open_page("runs", 60, lang="es", ws=code)
    no_exceptions(at)

    def down(*args, **kwargs):
        raise StorageDownError()

    monkeypatch.setattr(Storage, "runs", down)
    at.button(key="shift_measure").click().run()
    no_exceptions(at)
    assert table("es")["notice.storage_down"] in [w.value for w in at.warning]
    assert table("es")["notice.run_gone"] not in [w.value for w in at.warning]
    assert [s for s in at.selectbox if any("kept" in str(o) for o in s.options)]  # still listed
    assert not [c for c in at.get("plotly_chart") if "Exactitud según" in c.proto.spec]


@pytest.mark.parametrize("cached", [False, True], ids=["read-from-the-database", "held-by-the-model-cache"])
def test_a_run_deleted_before_measuring_is_said_not_left_as_an_empty_result(cached):
    """Also when the server still holds the run's model (this session used it; a tab that uploaded it does): the
    model is there, but the run is gone, and measuring it would show a result for a run no list has."""
    from conftest import app_store

    from cnn_core.base.texts import table
    from cnn_core.nn import checkpoint
    from cnn_core.store import runs as core_runs
    from cnn_core.store.storage import model_digest
    from ui.shell import workspace

    store = app_store()
    code = store.create_workspace()
    # a model of its own (its digest is no other test's, so the server's model cache holds it only if put there)
    raw = checkpoint.to_bytes(build_model(Architecture(out_channels=(3,), dense=()), seed=20261206 + cached),
                              list("0123456789"), dataset="mnist")
    run_id, _ = store.add_run(code, core_runs.from_upload(checkpoint.from_bytes(raw), raw, "gone.cnn.zip"))
    if cached:  # what adopt_model does when a session uploads or trains a model
        workspace._models().put(model_digest(raw), checkpoint.from_bytes(raw))
    at = open_page("runs", 60, lang="es", ws=code)
    no_exceptions(at)
    assert at.button(key="shift_measure").label == table("es")["runs.shift_measure_one"] == "Medir (1 modelo)"
    listing = lambda: [s for s in at.selectbox if any("gone" in str(o) for o in s.options)]  # noqa: E731
    assert listing()  # the run, in the page's own list
    store.delete_run(code, run_id)  # in another tab, say, after this page listed it
    at.button(key="shift_measure").click().run()
    no_exceptions(at)
    assert [w.value for w in at.warning] == [table("es")["notice.run_gone"]]
    # "the list has been refreshed", and it is: the page is drawn again without the run, nothing left to measure
    assert not [b for b in at.button if b.key == "shift_measure"]
    assert not listing()
    assert not [c for c in at.get("plotly_chart") if "Exactitud según" in c.proto.spec]
    at.run()  # the list was read again: nothing left to measure, no button that warns again
    assert not [b for b in at.button if b.key == "shift_measure"] and not at.warning

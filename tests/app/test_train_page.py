"""AppTest: the Train page shows the first layer learning, live, beside per-layer gradient curves."""

import json
import time

import pytest
from conftest import REPO, start_timed_training
from streamlit.testing.v1 import AppTest

from ui.sections import learning
from ui.sections import train as train_ui


@pytest.mark.realdata
def test_live_kernels_maps_and_gradient_curves_during_and_after_a_run(real_data_dir, monkeypatch):
    at = AppTest.from_file(str(REPO / "pages" / "train.py"), default_timeout=60)
    at.query_params["lang"] = "en"
    at.run()
    monkeypatch.setattr("ui.sections.train.CHART_REFRESH_S", 3600.0)  # the charts hold what they drew first
    monkeypatch.setattr("ui.sections.train.FIRST_POINT_WAIT_S", 120.0)  # the click's run draws the first step
    job = start_timed_training(at, seconds=10)  # still training when the checks below are made, however busy
    # Between the charts' refreshes (CHART_REFRESH_S) the page draws them as they were, not the points since
    # (unchanged, the browser does not draw them again); the progress bar is the latest.
    first = live_charts(at)
    assert first["curves"] and first["maps"], first
    job.wait_first_step(30)
    while len(job.snapshot().steps) <= first["curves"] and not job.finished:
        time.sleep(0.1)
    built = []  # the figures the server builds: once per refresh of the charts, not at every drawing
    for module, name in ((train_ui, "training_curves"), (learning, "gradient_curves")):
        monkeypatch.setattr(module, name, lambda *a, _f=getattr(module, name), _n=name, **k: built.append(_n) or _f(*a, **k))
    at.run()
    assert not job.finished, "the run ended before the charts' hold could be seen"
    assert live_charts(at) == first and at.get("progress") and built == []
    monkeypatch.setattr("ui.sections.train.CHART_REFRESH_S", 0.0)  # refreshed at every drawing
    at.run()
    assert not job.finished, "the run ended before the charts' refresh could be seen"
    assert live_charts(at)["curves"] > first["curves"]  # the points the training made since
    assert built and built.count("training_curves") == 1, built
    probes = []
    deadline = time.time() + 60
    while time.time() < deadline and not job.finished:
        snap = job.snapshot()
        if snap.probe is not None and (not probes or snap.probe.step != probes[-1].step):
            probes.append(snap.probe)
        time.sleep(0.5)
    assert job.wait(60)
    assert len(probes) >= 2 and not (probes[0].kernels == probes[-1].kernels).all()  # they changed during the run
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    # The run is over: the view says so, not "live" (it said "Learning, live" while it trained: test_browser.py)
    assert any(m.value.startswith("**What it learnt**") for m in at.markdown), [m.value[:40] for m in at.markdown]
    assert not any(m.value.startswith("**Learning, live**") for m in at.markdown)
    captions = [c for el in at.get("image") for c in el.captions]
    assert any("first-layer 3×3 kernels" in c for c in captions), captions
    assert any(c.startswith("What they make of the image: 16 feature maps 28×28") for c in captions)
    snap = job.snapshot()
    assert snap.grads and len(snap.grads[-1].norms) == 5  # conv1-3, dense1, output
    assert any(c.value.startswith("A good learning rate") for c in at.caption)


@pytest.mark.slow  # seconds of training: the CI tier, not the edit loop
def test_a_live_kernel_opens_in_what_a_kernel_looks_for_on_the_run_it_became():
    """After the training, kernel 4 of the live view opens Inside's section 8 on that run, at block 1, kernel 4,
    already computed; while it trains there is no run to open, and the caption says so."""
    from conftest import app_store as store
    from conftest import no_exceptions

    from cnn_core.nn.architecture import PRESETS
    from cnn_core.nn.model import build_model
    from cnn_core.train.config import TrainConfig
    from ui.shell import resources

    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=90)  # Train → Inside needs st.navigation
    at.query_params["lang"] = "en"
    at.run()
    at.switch_page("pages/train.py").run()
    job = resources.executor().start(build_model(PRESETS["small"]), resources.dataset("mnist"),
                                     TrainConfig(time_budget_s=2), dataset="mnist")
    at.session_state["job"] = job  # what the Train button sets (AppTest loses its press under st.navigation)
    job.wait_first_step(30)
    at.run()
    assert any(c.value.startswith("When the training ends you can open") for c in at.caption) or job.finished
    if not job.finished:  # Stop right under the bar, above the charts (below them it was a screen away)
        order = [getattr(n, "key", None) or getattr(n, "type", "") for n in in_order(at.main)]
        assert "stop" in order and order.index("stop") < order.index("live_curves"), order
    assert job.wait(90)
    at.run()  # the finished training becomes a run (the page reruns), then the live view offers its kernels
    no_exceptions(at)
    run_id = at.session_state["adopted_run"]
    assert run_id == store().runs(at.session_state["ws"])[-1].id
    at.selectbox(key="w_live_kernel").set_value(3).run()
    at.button(key="live_look").click().run()
    no_exceptions(at)
    assert [x.value for x in at.title] == ["🔬 Inside"]  # switched
    assert at.selectbox(key="w_model_inside").value == run_id
    assert any(i.value.startswith("Opened from the training: kernel 4 of block 1") for i in at.info)
    assert at.selectbox(key="w_look_block").value == 1 and at.number_input(key="w_look_kernel").value == 4
    assert any(key[2:] == (1, 3) for key in at.session_state["kernel_patterns"])  # found without another press


@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_learning_rate_set_on_the_page_is_the_one_kept(lang):
    """The slider's labels are fixed to the page's language: read again outside the run (Streamlit's testing
    tools do, to find the option set) they still name the options, so 0.003 stays 0.003 in English too (it
    became the first option, 0.0001, when the labels followed the default language there)."""
    at = AppTest.from_file(str(REPO / "pages" / "train.py"), default_timeout=60)
    at.query_params["lang"] = lang
    at.run()
    at.select_slider(key="w_lr").set_value(3e-3).run()
    at.radio(key="w_mode").set_value("epochs").run()  # another widget's change keeps it too
    assert at.select_slider(key="w_lr").value == 3e-3 and at.session_state["w_lr"] == 3e-3


def in_order(node):
    """Every element under ``node`` in the order the page draws them."""
    yield node
    for child in getattr(node, "children", {}).values():
        yield from in_order(child)


def live_charts(at) -> dict:
    """What the live view's charts show: the training curve's points, the gradient chart and the pictures."""
    specs = {key: next((c.proto.spec for c in at.get("plotly_chart") if key in c.proto.id), None)
             for key in ("live_curves", "live_grads")}
    curve = json.loads(specs["live_curves"])["data"][0]["x"] if specs["live_curves"] else []
    return {"curves": len(curve), "specs": specs, "maps": [url for el in at.get("image") for url in el.value]}


def test_the_bar_says_the_training_seconds_left_then_that_the_run_is_measuring_never_0_s_left():
    """Once the training is over the run still scores its last validation and the test set (seconds): the bar
    says so rather than "0 s left" (outside a session the page's language is Spanish, the default)."""
    from cnn_core.base import texts
    from cnn_core.train.trainer import StepEvent

    running = StepEvent(step=10, epoch=0.5, loss=0.3, accuracy=0.9, lr=1e-3, seconds=2.0, images_per_s=389.0,
                        progress=0.9, eta_s=1.2)
    assert train_ui.progress_text(running) == texts.translate("es", "train.progress", percent="90 %", ips="389",
                                                              eta="2")  # whole seconds, rounded up
    nearly = StepEvent(step=10, epoch=0.5, loss=0.3, accuracy=0.9, lr=1e-3, seconds=4.7, images_per_s=389.0,
                       progress=0.94, eta_s=0.3)
    assert "quedan 1 s" in train_ui.progress_text(nearly)  # still training: never "0 s left"
    # Stop pressed: the run ends at its next step and measures what it learned, with no training seconds to promise.
    assert train_ui.progress_text(running, stopping=True) == texts.translate("es", "train.progress_stopped",
                                                                             percent="90 %", ips="389")
    assert "parado" in train_ui.progress_text(running, stopping=True)  # stopped, never "training done"
    # The last step reports the progress before it (95 %): once it is done, the bar says all of it.
    over = StepEvent(step=11, epoch=1.0, loss=0.3, accuracy=0.9, lr=1e-3, seconds=5.0, images_per_s=389.0,
                     progress=0.95, eta_s=0.0)
    said = train_ui.progress_text(over)
    assert said == texts.translate("es", "train.progress_scoring", percent="100 %", ips="389")
    assert "quedan" not in said and "entrenamiento terminado" in said
    # The bar draws the fraction its text says (one figure: train_ui.done_fraction), done or not, stopped or not.
    for step in (running, nearly, over):
        for stopping in (False, True):
            drawn = train_ui.done_fraction(step)
            assert f"{round(100 * drawn)} %" in train_ui.progress_text(step, stopping=stopping)
    assert (train_ui.done_fraction(running), train_ui.done_fraction(over)) == (0.9, 1.0)


def test_a_queued_runs_wait_is_said_in_whole_seconds_and_a_short_one_as_a_few_seconds():
    """A page drawn once a second sees a run start up to a second late, whole seconds are half a second off and the
    running run's end varies with the load (README, Queue estimates): a wait so short that it ends within SOON_S
    whenever the estimate holds is said as "a few seconds", no number; a longer one as its seconds."""
    from cnn_core.base import texts
    from cnn_core.train.jobs import SOON_S, estimate_holds, said_wait

    assert train_ui.queue_wait_text(3.0) == texts.translate("es", "train.queue_wait_soon")
    assert train_ui.queue_wait_text(3.0) == "Espera estimada: unos pocos segundos."
    assert train_ui.queue_wait_text(7.2) == "Espera estimada: unos 7 s."  # 7.2 s could hold for a 10.2 s wait
    assert train_ui.queue_wait_text(41.4) == "Espera estimada: unos 41 s."
    for unknown in (None, float("nan"), float("inf")):  # nothing measured yet (or nothing usable): no number
        assert train_ui.queue_wait_text(unknown) == texts.translate("es", "train.queue_wait_measuring")
    # "A few seconds" (at most SOON_S) is true whenever the estimate behind it holds, and it is said for every
    # estimate that short; a number is said only where a wait it holds for can pass SOON_S.
    tenths = [tenth / 10 for tenth in range(1, 200)]
    for estimate in tenths:
        soon, seconds = said_wait(estimate)
        holds_for = [real for real in tenths if estimate_holds(estimate, real)]
        if soon:
            assert seconds == SOON_S and max(holds_for) < SOON_S, estimate
        else:
            assert seconds == round(estimate) and max(holds_for) >= SOON_S, estimate
    # Counting down, the words never give a bigger number than the one before.
    said = [train_ui.queue_wait_text(left / 10) for left in range(120, 0, -1)]
    numbers = [int(text.split("unos ")[1].split(" ")[0]) for text in said if " s." in text]
    assert numbers == sorted(numbers, reverse=True) and said[-1] == "Espera estimada: unos pocos segundos."

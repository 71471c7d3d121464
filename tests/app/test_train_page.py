"""AppTest: the Train page shows the first layer learning, live, beside per-layer gradient curves."""

import time

import pytest
from conftest import REPO, start_timed_training
from streamlit.testing.v1 import AppTest


@pytest.mark.realdata
def test_live_kernels_maps_and_gradient_curves_during_and_after_a_run(real_data_dir):
    at = AppTest.from_file(str(REPO / "pages" / "train.py"), default_timeout=60)
    at.query_params["lang"] = "en"
    at.run()
    job = start_timed_training(at)
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
    assert any(m.value.startswith("**Learning, live**") for m in at.markdown), [m.value[:40] for m in at.markdown]
    captions = [c for el in at.get("image") for c in el.captions]
    assert any("first-layer 3×3 kernels" in c for c in captions), captions
    assert any(c.startswith("What they make of the image: 16 feature maps 28×28") for c in captions)
    snap = job.snapshot()
    assert snap.grads and len(snap.grads[-1].norms) == 5  # conv1-3, dense1, output
    assert any(c.value.startswith("A good learning rate") for c in at.caption)

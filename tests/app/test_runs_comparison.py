"""AppTest of the Runs page's ready comparison: a dense network, a CNN and a bigger dense network trained one after
the other on (synthetic) MNIST, kept as runs while the visitor is on another page, and charted by parameters."""

import json
import time

import pytest
from conftest import REPO, no_exceptions, open_page
from conftest import app_store as store
from streamlit.testing.v1 import AppTest

from cnn_core.train import comparison as core_comparison

TIMEOUT = 90


def chart(at: AppTest, key: str) -> dict:
    charts = [c for c in at.get("plotly_chart") if key in c.proto.id]
    assert len(charts) == 1, [c.proto.id for c in at.get("plotly_chart")]
    return json.loads(charts[0].proto.spec)


@pytest.mark.slow  # seconds of training: the CI tier, not the edit loop
def test_the_ready_comparison_trains_three_networks_in_turn_across_pages_and_charts_parameters_against_accuracy(
        monkeypatch):
    from ui.sections import runs_compare

    monkeypatch.setattr(runs_compare, "_budget_limits", lambda: (1, 5))  # one second each: the point, not accuracy
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=TIMEOUT)
    at.query_params["lang"] = "en"
    at.run()
    at.switch_page("pages/runs.py").run()
    no_exceptions(at)
    plan = core_comparison.plan()
    shown = " ".join(m.value for m in at.markdown)
    assert "784 → 32 → 10, **25,450** parameters" in shown  # the dense network of about the CNN's size
    assert "filters 8-16 → 32 → 10, **26,698** parameters" in shown
    assert "784 → 512 → 512 → 10, **669,706** parameters" in shown
    at.slider(key="w_cmp_budget").set_value(1).run()
    assert at.button(key="cmp_start").label == "Train all three, one after the other (3 s in all)"
    at.button(key="cmp_start").click().run()
    no_exceptions(at)
    assert not at.error, [e.value for e in at.error]
    comparison = at.session_state["comparison"]
    at.switch_page("pages/architecture.py").run()  # away while it trains: it goes on without the Runs page
    assert comparison.wait(120) and comparison.error is None
    jobs = comparison.jobs
    assert [j.model.arch for j in jobs] == [e.arch for e in plan]
    assert all(j.cfg.time_budget_s == 1 for j in jobs)
    at.switch_page("pages/runs.py").run()  # back: each training became a run of the workspace
    no_exceptions(at)
    kept = store().runs(at.session_state["ws"])
    assert [r.params for r in kept] == [e.params for e in plan]
    assert sorted(at.session_state["compared_runs"].values()) == [r.id for r in kept]
    shown = " ".join(m.value for m in at.markdown)
    assert all(f"(run #{r.id})" in shown for r in kept) and "What you found: the CNN" in shown
    figure = chart(at, "params_chart")
    points = {trace["name"]: sorted(zip(trace["x"], trace["y"])) for trace in figure["data"]}
    assert points == {"dense": sorted((r.params, r.test_accuracy) for r in kept if not r.architecture["out_channels"]),
                      "convolutional": [(r.params, r.test_accuracy) for r in kept if r.architecture["out_channels"]]}
    assert figure["layout"]["xaxis"]["type"] == "log"
    # each run's number beside the chart, the most accurate at the top, a line to its point (written at the points,
    # numbers piled up on networks of about the same size and accuracy, or were cut off above 100 %)
    named = sorted(figure["layout"]["annotations"], key=lambda a: -a["ay"])
    assert [a["text"] for a in named] == [f"#{r.id}" for r in sorted(kept, key=lambda r: -r.test_accuracy)]
    again = open_page("runs", TIMEOUT, lang="en", ws=at.session_state["ws"])  # the workspace's link, later
    again.button(key="shift_measure").click().run()  # the shift test takes all three
    no_exceptions(again)
    shift = chart(again, "shift_chart")
    assert {trace["name"] for trace in shift["data"]} == {f"#{r.id} {r.name}" for r in kept}


def test_stop_leaves_the_networks_not_started_untrained_and_says_so(monkeypatch):
    from ui.sections import runs_compare

    monkeypatch.setattr(runs_compare, "_budget_limits", lambda: (5, 60))
    at = AppTest.from_file(str(REPO / "pages" / "runs.py"), default_timeout=TIMEOUT)
    at.query_params["lang"] = "en"
    at.run()
    at.slider(key="w_cmp_budget").set_value(60).run()
    at.button(key="cmp_start").click().run()
    comparison = at.session_state["comparison"]
    deadline = time.time() + 60
    while not comparison.jobs and time.time() < deadline:
        time.sleep(0.1)
    at.run()
    at.button(key="cmp_stop").click().run()
    assert comparison.wait(60)
    at.run()
    no_exceptions(at)
    assert len(comparison.jobs) == 1
    shown = [m.value for m in at.markdown]
    assert sum("not trained (stopped)" in line for line in shown) == 2
    assert at.button(key="cmp_start")  # it can be started again


def test_the_tutorials_figure_stands_beside_the_students_own_networks():
    """784 inputs wired to the 14×14×32 neurons after the tutorial's first block: 4,917,248 weights (computed
    here by hand), above each of the workspace's dense and convolutional networks' measured parameters."""
    from cnn_core.nn import checkpoint
    from cnn_core.nn.architecture import PRESETS
    from cnn_core.nn.model import build_model
    from cnn_core.store import runs as core_runs

    code = store().create_workspace()
    ids = {}
    for preset in ("small", "dense"):
        raw = checkpoint.to_bytes(build_model(PRESETS[preset], seed=0), list("0123456789"), dataset="mnist",
                                  test_accuracy=0.9)
        ids[preset], _ = store().add_run(code, core_runs.from_upload(checkpoint.from_bytes(raw), raw, f"{preset}.cnn.zip"))
    at = open_page("runs", TIMEOUT, lang="en", ws=code)
    no_exceptions(at)
    assert "The tutorial's 4,917,248 weights beside your networks" in [s.value for s in at.subheader]
    table = next(d.value for d in at.dataframe if "Against the tutorial's figure" in d.value.columns)
    assert list(table["Parameters"]) == [f"{784 * 14 * 14 * 32:,}", f"{core_runs.params_of(PRESETS['dense']):,}",
                                         f"{core_runs.params_of(PRESETS['small']):,}"]
    assert list(table["Kind"]) == ["dense (that layer alone, no biases)", "dense", "convolutional"]
    assert table["Network"][1].startswith(f"#{ids['dense']} ") and table["Network"][2].startswith(f"#{ids['small']} ")


def _two_runs_side_by_side():
    from types import SimpleNamespace

    from cnn_core.nn.architecture import PRESETS
    from ui.sections.runs import side_by_side
    from ui.shell import session

    session.init_state()

    def run(i: int, seconds: float, every: int, lr: float, accuracy: float):
        return SimpleNamespace(
            id=i, name=f"r{i}", dataset="mnist", architecture=PRESETS["tutorial"].replace(pool_every=every).to_dict(),
            params=208_982, train_config={"epochs": 1, "time_budget_s": None, "batch_size": 64, "lr": lr,
                                          "optimizer": "adam", "augment": False},
            precision="bf16", device="cpu", test_accuracy=accuracy, seconds=seconds, images_per_s=5000.0)

    side_by_side([run(1, 5.01, 1, 1e-8, 0.9912), run(2, 5.04, 2, 1e-7, 0.9914)])


def test_the_side_by_side_view_marks_as_different_only_what_reads_differently():
    """Training seconds of 5.01 and 5.04 both read "5.0": they were marked ≠ beside two equal cells."""
    at = AppTest.from_function(_two_runs_side_by_side, default_timeout=60)
    at.query_params["lang"] = "en"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    frame = at.dataframe[0].value
    shown = {row["What"]: (row.iloc[1], row.iloc[2], row["Differs"]) for _, row in frame.iterrows()}
    seconds = next(v for k, v in shown.items() if "seconds" in k.lower() and "budget" not in k.lower())
    assert seconds[0] == seconds[1] and seconds[2] == "", shown
    assert shown["Blocks per pooling"] == ("1", "2", "≠")
    accuracy = next(v for k, v in shown.items() if "accuracy" in k.lower())
    assert accuracy[0] != accuracy[1] and accuracy[2] == "≠"  # one image in 10,000 still reads differently
    # a setting differs as it was set, even where it reads alike (learning rates of 1e-8 and 1e-7)
    assert next(v for k, v in shown.items() if "learning rate" in k.lower())[2] == "≠", shown

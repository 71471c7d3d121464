"""AppTest of runs, the workspace and rooms: real trainings, a real SQLite database, the real pages."""

import time

import pytest
from streamlit.testing.v1 import AppTest

from cnn_core import checkpoint, runs as core_runs
from cnn_core.architecture import PRESETS
from cnn_core.exercises import answer_text, make_exercises
from cnn_core.model import build_model
from conftest import (INSTRUCTOR_KEY, REPO, app_store as store, join_room, no_exceptions, open_page, open_room,
                      start_timed_training)

TIMEOUT = 90


def page(name: str, ws: str | None = None, **params) -> AppTest:
    return open_page(name, TIMEOUT, lang="en", ws=ws or None, **params)


def train_briefly(at: AppTest, dataset: str = "mnist", seconds: int = 5) -> None:
    """Press Train with a few seconds' budget and rerun until the result is drawn."""
    if dataset != "mnist":
        at.radio(key="w_dataset").set_value(dataset).run()
    job = start_timed_training(at, seconds)
    assert job.wait(120), "the training did not finish"
    deadline = time.time() + 60
    while time.time() < deadline and not any(m.label == "Test accuracy" for m in at.metric):
        at.run()
    no_exceptions(at)


@pytest.mark.realdata
def test_two_runs_overlay_and_a_reload_with_the_link_keeps_runs_models_settings_and_progress(real_data_dir):
    at = page("train")
    train_briefly(at)
    ws = at.session_state["ws"]
    assert ws and at.query_params["ws"] in (ws, [ws])  # the workspace is in the URL from the first run on
    at.session_state["arch"] = PRESETS["tutorial"].replace(out_channels=(8,), dense=())  # a one-block network
    train_briefly(at)
    kept = store().runs_in_full(ws, [r.id for r in store().runs(ws)])
    assert len(kept) == 2 and kept[0].architecture != kept[1].architecture
    assert all(r.curves["steps"] and r.curves["evals"] and r.test_accuracy is not None for r in kept)

    ex = page("exercises", ws=ws)  # solve one exercise in this workspace
    ex.text_input(key="ex_input_gray_0").input("784").run()
    ex.button(key="check_input_gray").click().run()

    # A reload: a new browser session that only has the link.
    runs = page("runs", ws=ws)
    no_exceptions(runs)
    table = runs.dataframe[0].value
    assert len(table) == 2 and set(table["Filters"]) == {"32-64-128", "8"}
    assert set(runs.multiselect(key="w_compare").value) == {r.id for r in kept}
    figure = runs.get("plotly_chart")[0].proto.spec
    names = {trace.get("name") for trace in __import__("json").loads(figure)["data"]}
    assert {f"#{r.id} {r.name}" for r in kept} <= names  # both runs' curves on one figure
    runs.radio(key="w_axis").set_value("seconds").run()
    no_exceptions(runs)
    compare = next(d.value for d in runs.dataframe if "What" in d.value.columns)
    differs = dict(zip(compare["What"], compare["Differs"]))
    assert differs["Filters per block"] == "≠" and differs["Dataset"] == ""

    draw = page("draw", ws=ws)
    no_exceptions(draw)
    options = draw.selectbox(key="w_model_draw").options
    assert len(options) == 3  # the shipped model and both runs, which read 28×28×1
    best = core_runs.best_digits_run(kept)
    assert draw.selectbox(key="w_model_draw").value == best.id
    assert any(c.value.startswith('Model: your run') for c in draw.caption)
    assert draw.session_state["_models"][best.id].arch == core_runs.architecture(best)

    again = page("exercises", ws=ws)
    assert "1 of 22 solved" in again.get("progress")[0].proto.text
    train = page("train", ws=ws)
    assert train.radio(key="w_mode").value == "time" and train.slider(key="w_budget").value == 5


@pytest.mark.realdata  # the Train page opens on real MNIST
def test_train_settings_survive_a_visit_to_another_page(real_data_dir):
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=TIMEOUT)
    at.query_params["lang"] = "en"
    at.run()
    at.switch_page("pages/train.py").run()
    at.radio(key="w_mode").set_value("time").run()
    at.slider(key="w_budget").set_value(20).run()
    at.checkbox(key="w_augment").check().run()
    at.switch_page("pages/architecture.py").run()
    no_exceptions(at)
    at.switch_page("pages/train.py").run()
    no_exceptions(at)
    assert at.radio(key="w_mode").value == "time"
    assert at.slider(key="w_budget").value == 20 and at.checkbox(key="w_augment").value is True
    assert not at.warning  # no "widget created with a default value" complaint


@pytest.mark.realdata
def test_after_a_fashion_run_draw_keeps_a_digits_model_and_says_what_other_models_know(real_data_dir):
    at = page("train")
    train_briefly(at)
    train_briefly(at, "fashion-mnist")
    ws = at.session_state["ws"]
    digits, fashion = store().runs(ws)
    assert fashion.dataset == "fashion-mnist"
    draw = page("draw", ws=ws)
    no_exceptions(draw)
    assert draw.session_state["w_model_draw"] == digits.id  # the best digits model, not the latest
    assert not draw.warning
    draw.session_state["w_model_draw"] = fashion.id  # as the picker would (its labels are formatted in the page)
    draw.run()
    no_exceptions(draw)
    assert any("does not know digits" in w.value and "Trouser" in w.value for w in draw.warning)


def test_an_uploaded_model_becomes_a_run_and_replaces_nothing():
    at = page("train")
    lenet = checkpoint.to_bytes(build_model(PRESETS["lenet"]), list("0123456789"), dataset="mnist",
                                test_accuracy=0.9)
    tutorial = checkpoint.to_bytes(build_model(PRESETS["tutorial"]), list("0123456789"), dataset="mnist")
    for name, raw in (("lenet.cnn.zip", lenet), ("mine.cnn.zip", tutorial)):
        at.file_uploader(key="w_model_upload").set_value((name, raw, "application/zip")).run()
        at.button(key="load_model").click().run()
        no_exceptions(at)
    kept = store().runs(at.session_state["ws"])
    assert [(r.name, r.source) for r in kept] == [("lenet", "uploaded"), ("mine", "uploaded")]
    assert core_runs.load_model(store().model_bytes(at.session_state["ws"], kept[0].id)).arch == PRESETS["lenet"]


def test_the_exercise_variation_and_its_progress_come_back_with_the_link():
    at = page("exercises")
    at.number_input(key="w_seed").set_value(4).run()  # chosen before the workspace exists
    ex = {e.id: e for e in make_exercises(4)}["input_gray"]
    at.text_input(key="ex_input_gray_0").input(answer_text(ex, "en")).run()
    at.button(key="check_input_gray").click().run()  # the first success creates the workspace
    no_exceptions(at)
    ws = at.session_state["ws"]

    again = page("exercises", ws=ws)  # a reload: a new session with only the link
    no_exceptions(again)
    assert again.number_input(key="w_seed").value == 4
    assert "1 of 22 solved" in again.get("progress")[0].proto.text
    assert again.get("expander")[0].label.startswith("✅")  # the solved exercise shows as solved

    again.number_input(key="w_seed").set_value(5).run()  # another variation: its progress starts from zero
    assert "0 of 22 solved" in again.get("progress")[0].proto.text
    third = page("exercises", ws=ws)
    assert third.number_input(key="w_seed").value == 5
    assert "0 of 22 solved" in third.get("progress")[0].proto.text


def test_a_bad_workspace_link_says_so_and_starts_clean():
    at = page("runs", ws="x" * 22)
    no_exceptions(at)
    assert any("no longer exists" in w.value for w in at.warning)
    assert "ws" not in at.session_state or at.session_state["ws"] is None


def test_runs_page_renames_pins_and_deletes():
    code = store().create_workspace()
    for preset in ("lenet", "tutorial"):
        arch = PRESETS[preset]
        raw = checkpoint.to_bytes(build_model(arch), list("0123456789"), dataset="mnist")
        store().add_run(code, core_runs.from_upload(checkpoint.from_bytes(raw), raw, f"{preset}.cnn.zip"))
    at = page("runs", ws=code)
    no_exceptions(at)
    first, second = store().runs(code)
    assert at.selectbox(key="w_run_pick").value == second.id  # the newest first
    at.text_input(key=f"w_rename_{second.id}").input("my best").run()
    at.button(key="run_rename").click().run()
    at.toggle(key=f"w_pin_{second.id}").set_value(True).run()
    no_exceptions(at)
    assert store().run(code, second.id).name == "my best" and store().run(code, second.id).pinned
    at.selectbox(key="w_run_pick").set_value(first.id).run()
    at.button(key="run_delete").click().run()
    no_exceptions(at)
    assert [r.id for r in store().runs(code)] == [second.id]


def test_without_the_key_nobody_sees_answers_and_with_it_the_instructor_does(app_env):
    at = page("exercises")
    assert not any("Answer:" in i.value for i in at.info)
    assert not at.toggle  # no switch every visitor could flip
    app_env(CNN_PLAYGROUND_INSTRUCTOR_KEY=INSTRUCTOR_KEY)
    at = page("exercises")
    at.text_input(key="w_instructor_key").input("guess").run()
    assert any("not the instructor key" in e.value for e in at.error)
    assert not any("Answer:" in i.value for i in at.info)
    assert not [b for b in at.button if str(b.key).startswith("reveal_")]  # no "show solution" either
    at.text_input(key="w_instructor_key").input(INSTRUCTOR_KEY).run()
    assert any("Answer: 784" in i.value for i in at.info)
    at.text_input(key="ex_input_gray_0").input("784").run()
    at.button(key="check_input_gray").click().run()
    at.button(key="reset_progress").click().run()
    assert "0 of 22 solved" in at.get("progress")[0].proto.text


def test_a_room_opened_by_the_instructor_shows_a_joined_students_best_run(app_env):
    app_env(CNN_PLAYGROUND_INSTRUCTOR_KEY=INSTRUCTOR_KEY)
    teacher, room = open_room(page, title="Tuesday")
    no_exceptions(teacher)
    assert any(f"?room={room}" in c.value for c in teacher.code)
    assert teacher.get("image")  # the QR code

    student = join_room(page, room, "<b>Ana</b>")
    no_exceptions(student)
    ws = student.session_state["ws"]
    raw = checkpoint.to_bytes(build_model(PRESETS["lenet"]), list("0123456789"), dataset="mnist")
    new = core_runs.from_upload(checkpoint.from_bytes(raw), raw, "x.zip")
    new.source, new.test_accuracy = "trained", 0.987
    store().add_run(ws, new)

    teacher.run()
    board = teacher.dataframe[0].value  # the leaderboard
    assert board["Student"].tolist() == ["<b>Ana</b>"]  # as text, in a table cell
    assert board["Best test accuracy (%)"].tolist() == ["98.70"]  # written the reader's way; the CSV keeps 98.7
    assert any(b.label == "Download the results (CSV)" for b in teacher.get("download_button"))
    teacher.button(key=f"close_{room}").click().run()
    assert store().room(room).closed


@pytest.mark.realdata
def test_a_model_uploaded_while_a_training_runs_and_the_training_are_both_kept(real_data_dir):
    at = page("train")
    job = start_timed_training(at)
    lenet = checkpoint.to_bytes(build_model(PRESETS["lenet"]), list("0123456789"), dataset="mnist")
    at.file_uploader(key="w_model_upload").set_value(("lenet.cnn.zip", lenet, "application/zip")).run()
    at.button(key="load_model").click().run()  # while the training is still going
    assert not job.finished
    assert job.wait(120)
    at.run()  # the page that sees the finished training first makes it a run
    no_exceptions(at)
    kept = store().runs(at.session_state["ws"])
    assert [(r.source, r.architecture == PRESETS["lenet"].to_dict()) for r in kept] == [
        ("uploaded", True), ("trained", False)]
    draw = page("draw", ws=at.session_state["ws"])
    assert len(draw.selectbox(key="w_model_draw").options) == 3  # the user sees both and picks


def test_without_a_reachable_database_the_app_works_and_says_nothing_is_kept(app_env):
    from ui import workspace

    app_env(CNN_PLAYGROUND_DATABASE_URL="postgresql://nobody@127.0.0.1:9/none")  # port 9: refused
    workspace._open_store.clear()
    try:
        at = page("exercises")
        at.text_input(key="ex_input_gray_0").input("784").run()
        at.button(key="check_input_gray").click().run()
        no_exceptions(at)
        assert "1 of 22 solved" in at.get("progress")[0].proto.text  # progress still counts in the session
        assert any("database cannot be reached" in w.value for w in at.warning)
    finally:
        workspace._open_store.clear()

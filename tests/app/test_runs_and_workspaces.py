"""AppTest of runs, the workspace and rooms: real trainings, a real SQLite database, the real pages."""

import time

import pytest
from conftest import (
    INSTRUCTOR_KEY,
    REPO,
    draw_default,
    join_room,
    no_exceptions,
    open_page,
    open_room,
    shown_table,
    start_short_training,
    start_timed_training,
)
from conftest import app_store as store
from streamlit.testing.v1 import AppTest

from cnn_core.base import texts
from cnn_core.lessons.exercises import answer_text, make_exercises
from cnn_core.nn import checkpoint
from cnn_core.nn.architecture import PRESETS
from cnn_core.nn.model import build_model
from cnn_core.store import runs as core_runs

TIMEOUT = 90
EN = texts.table("en")

EXERCISES = len(make_exercises())  # the progress bar's total


def page(name: str, ws: str | None = None, **params) -> AppTest:
    return open_page(name, TIMEOUT, lang="en", ws=ws or None, **params)


def train_briefly(at: AppTest, dataset: str = "mnist", epochs: int = 1) -> None:
    """Press Train for ``epochs`` passes and rerun until the result is drawn. These tests see the fast tier's
    small synthetic datasets (tests/conftest.py): a pass is a few steps, where a run on real MNIST held the
    test for its 5-second budget and a 12,000-image evaluation (their pages' own real-data runs: the browser
    tests)."""
    if dataset != "mnist":
        at.radio(key="w_dataset").set_value(dataset).run()
    job = start_short_training(at, epochs)
    assert job.wait(120), "the training did not finish"
    deadline = time.time() + 60
    while time.time() < deadline and not any(m.label == "Test accuracy" for m in at.metric):
        at.run()
    no_exceptions(at)


@pytest.mark.slow  # trainings: seconds of CPU
def test_two_runs_overlay_and_a_reload_with_the_link_keeps_runs_models_settings_and_progress():
    at = page("train")
    train_briefly(at)
    ws = at.session_state["ws"]
    assert ws and at.query_params["ws"] in (ws, [ws])  # the workspace is in the URL from the first run on
    at.session_state["arch"] = PRESETS["tutorial"].replace(out_channels=(8,), dense=())  # a one-block network
    train_briefly(at)
    at.radio(key="w_mode").set_value("time").run()  # not the page's defaults: the reload below must bring them back
    at.slider(key="w_budget").set_value(10).run()
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
    assert draw.selectbox(key="w_model_draw").value == draw_default(kept)
    draw.selectbox(key="w_model_draw").set_value(best.id).run()
    assert any(c.value.startswith('Model: your run') for c in draw.caption)
    digest = draw.session_state["_models"][best.id]  # a session keeps run id → model digest
    from ui.shell import workspace

    assert digest == best.model_sha256 and digest in workspace._models()  # the one bounded cache holds it
    assert workspace._models().get(digest, lambda: None).arch == core_runs.architecture(best)

    again = page("exercises", ws=ws)
    assert f"1 of {EXERCISES} solved" in again.get("progress")[0].proto.text
    train = page("train", ws=ws)
    assert train.radio(key="w_mode").value == "time" and train.slider(key="w_budget").value == 10


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


def test_an_answer_typed_but_not_checked_survives_a_visit_to_another_page():
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=TIMEOUT)
    at.query_params["lang"] = "en"
    at.run()
    at.switch_page("pages/exercises.py").run()
    boxes = [box for box in at.text_input if box.key and box.key.startswith("ex_")]
    first, second = boxes[0].key, boxes[-1].key
    at.text_input(key=first).input("2352")
    at.text_input(key=second).input("7").run()
    choices = [r for r in at.radio if r.key and r.key.endswith("_choice")]
    if choices:
        choices[0].set_value(1).run()
    at.switch_page("pages/train.py").run()
    no_exceptions(at)
    at.switch_page("pages/exercises.py").run()
    no_exceptions(at)
    assert at.text_input(key=first).value == "2352" and at.text_input(key=second).value == "7"
    if choices:
        assert at.radio(key=choices[0].key).value == 1


@pytest.mark.slow  # trainings: seconds of CPU
def test_after_a_fashion_run_draw_keeps_a_digits_model_and_says_what_other_models_know():
    at = page("train")
    train_briefly(at)
    at.radio(key="w_dataset").set_value("fashion-mnist").run()  # the MNIST run's results below say whose they are
    assert [i.value.replace("\\", "") for i in at.info if "your last run" in i.value] == [  # names as text: escaped
        "Below: your last run, trained on MNIST (digits), not on Fashion-MNIST (clothes), chosen above. "
        "Press Train to train on Fashion-MNIST (clothes)."]
    train_briefly(at, "fashion-mnist")
    assert not [i.value for i in at.info if "your last run" in i.value]
    ws = at.session_state["ws"]
    digits, fashion = store().runs(ws)
    assert fashion.dataset == "fashion-mnist"
    draw = page("draw", ws=ws)
    no_exceptions(draw)
    assert draw.session_state["w_model_draw"] == draw_default([digits])  # a digits model, not the latest run
    assert not draw.warning
    draw.session_state["w_model_draw"] = fashion.id  # as the picker would (its labels are formatted in the page)
    draw.run()
    no_exceptions(draw)
    assert any("does not know digits" in w.value and "Trouser" in w.value for w in draw.warning)
    # The empty canvas asks for one of those things, not for a digit.
    assert "draw one of the things this model knows" in " ".join(i.value for i in draw.info)
    assert not any("draw a digit" in i.value for i in draw.info)


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


@pytest.mark.slow  # a second or more of page reruns (README, "Run the tests")
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
    assert f"1 of {EXERCISES} solved" in again.get("progress")[0].proto.text
    assert again.get("expander")[0].label.startswith("✅")  # the solved exercise shows as solved

    again.number_input(key="w_seed").set_value(5).run()  # another variation: asked first (there is progress)
    again.button(key="variation_yes").click().run()  # then its progress starts from zero
    assert f"0 of {EXERCISES} solved" in again.get("progress")[0].proto.text
    third = page("exercises", ws=ws)
    assert third.number_input(key="w_seed").value == 5
    assert f"0 of {EXERCISES} solved" in third.get("progress")[0].proto.text


def test_the_workspace_link_brings_back_the_network_being_edited_not_a_default():
    ws = store().create_workspace()
    at = page("architecture", ws=ws)
    at.select_slider(key="w_kernel").set_value(5).run()
    no_exceptions(at)
    assert at.session_state["arch"].kernel_size == 5
    again = page("exercises", ws=ws)  # a reload with only the workspace's link
    no_exceptions(again)
    assert again.session_state["arch"] == at.session_state["arch"]
    named = page("exercises", ws=ws, k="7")  # an address naming a network wins over what the workspace kept
    assert named.session_state["arch"].kernel_size == 7


@pytest.mark.realdata
def test_the_dataset_picked_on_train_reaches_the_address_at_once(real_data_dir):
    at = page("train")
    at.radio(key="w_dataset").set_value("fashion-mnist").run()
    no_exceptions(at)
    assert at.query_params["ds"] == ["fashion-mnist"] or at.query_params["ds"] == "fashion-mnist"


def test_a_bad_workspace_link_says_so_and_starts_clean():
    at = page("runs", ws="x" * 22)
    no_exceptions(at)
    assert any("no longer exists" in w.value for w in at.warning)
    assert "ws" not in at.session_state or at.session_state["ws"] is None


def test_a_solution_shows_only_in_the_variation_it_was_asked_for():
    """A self-learner saw exercise 4's solution in variation 0, then switched to 1: the page showed variation 1's
    answer at once, unasked. It stays seen (never solved) in every variation; its answer shows where asked."""
    answers = {seed: {ex.id: answer_text(ex, "en") for ex in make_exercises(seed)} for seed in (0, 1)}
    at = page("exercises")
    at.button(key="reveal_conv_neurons").click().run()
    at.button(key="reveal_yes_conv_neurons").click().run()
    said = " ".join(w.value for w in at.warning)
    assert f"Answer: {answers[0]['conv_neurons']}" in said
    at.number_input(key="w_seed").set_value(1).run()  # nothing solved or typed: it switches at once
    no_exceptions(at)
    said = " ".join(w.value for w in at.warning)
    assert at.session_state["exercises"] == {"conv_neurons": "revealed"}
    assert EN["ex.revealed_elsewhere"] in said and answers[1]["conv_neurons"] not in said
    at.button(key="reveal_conv_neurons").click().run()  # asked for again, here: shown, still only seen
    at.button(key="reveal_yes_conv_neurons").click().run()
    said = " ".join(w.value for w in at.warning)
    assert f"Answer: {answers[1]['conv_neurons']}" in said
    assert at.session_state["exercises"] == {"conv_neurons": "revealed"}


def test_a_run_deleted_in_another_tab_leaves_the_pickers_once_a_page_is_opened():
    """The session's list of runs was read once and kept: Draw went on offering (and predicting with) a run the
    Runs page of another tab had deleted. A page opened anew reads the list again."""
    code = store().create_workspace()
    for preset in ("lenet", "tutorial"):
        raw = checkpoint.to_bytes(build_model(PRESETS[preset]), list("0123456789"), dataset="mnist")
        store().add_run(code, core_runs.from_upload(checkpoint.from_bytes(raw), raw, f"{preset}.cnn.zip"))
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=TIMEOUT)
    at.query_params["lang"], at.query_params["ws"] = "en", code
    at.run()
    at.switch_page("pages/draw.py").run()
    first, second = store().runs(code)
    assert len(at.selectbox(key="w_model_draw").options) == 3
    at.selectbox(key="w_model_draw").set_value(second.id).run()
    store().delete_run(code, second.id)  # the other tab's Runs page
    at.switch_page("pages/inside.py").run()
    no_exceptions(at)
    assert at.selectbox(key="w_model_inside").value != second.id
    at.switch_page("pages/draw.py").run()
    no_exceptions(at)
    picker = at.selectbox(key="w_model_draw")
    assert picker.value != second.id and len(picker.options) == 2  # the shipped model and the run left


def test_a_model_picked_on_draw_is_the_one_inside_opens_on_and_back():
    """Each page kept its own pick: a drawing judged by a run on Draw met the shipped model on Inside."""
    code = store().create_workspace()
    for preset in ("lenet", "tutorial"):
        raw = checkpoint.to_bytes(build_model(PRESETS[preset]), list("0123456789"), dataset="mnist")
        store().add_run(code, core_runs.from_upload(checkpoint.from_bytes(raw), raw, f"{preset}.cnn.zip"))
    lenet, tutorial = store().runs(code)
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=TIMEOUT)
    at.query_params["lang"], at.query_params["ws"] = "en", code
    at.run()
    at.switch_page("pages/draw.py").run()
    at.selectbox(key="w_model_draw").set_value(lenet.id).run()
    at.switch_page("pages/inside.py").run()
    no_exceptions(at)
    assert at.selectbox(key="w_model_inside").value == lenet.id
    at.selectbox(key="w_model_inside").set_value(tutorial.id).run()
    at.switch_page("pages/draw.py").run()
    assert at.selectbox(key="w_model_draw").value == tutorial.id


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
    at.button(key=f"run_delete_{first.id}").click().run()
    no_exceptions(at)
    assert [r.id for r in store().runs(code)] == [second.id]
    assert 'Run "lenet" and its model were deleted.' in [w.value for w in at.warning]  # said
    # The confirmation belonged to the run it named: the next run's is another box and button, never the same
    # button now aimed at it (a second click on the same spot deleted the next run too)
    assert not [b for b in at.button if b.key == f"run_delete_{first.id}"]
    assert at.button(key=f"run_delete_{second.id}") and [r.id for r in store().runs(code)] == [second.id]


def test_without_the_key_nobody_sees_answers_and_with_it_the_instructor_does(app_env):
    at = page("exercises")
    assert not any("Answer:" in i.value for i in at.info)
    assert not at.toggle  # no switch every visitor could flip
    app_env(CNN_PLAYGROUND_INSTRUCTOR_KEY=INSTRUCTOR_KEY)
    at = page("exercises")
    from ui.shell import workspace

    workspace._key_guard().first_wait_s = 60  # a wait no page run on a busy machine outlasts (1 s is the server's)
    at.text_input(key="w_instructor_key").input("guess").run()
    assert any("Wrong key: wait 60 s" in e.value for e in at.error)
    assert not any("Answer:" in i.value for i in at.info)
    assert not [b for b in at.button if str(b.key).startswith("reveal_")]  # no "show solution" in no room either
    at.text_input(key="w_instructor_key").input(INSTRUCTOR_KEY).run()  # the right key, before the wait is over
    assert not any("not the instructor key" in e.value for e in at.error)  # it was not checked, and says so
    # the wait left: 60 s less the time since the guess (on a slow machine that is a second or more)
    import re
    waits = [int(m.group(1)) for w in at.warning if "The key was not checked" in w.value
             for m in [re.search(r"wait (\d+) s", w.value)] if m]
    assert waits and 45 <= waits[0] <= 60, [w.value for w in at.warning]
    workspace._key_guard.clear()  # the wait over (cnn_core.base.keyguard's own test times it)
    at.text_input(key="w_instructor_key").input(INSTRUCTOR_KEY).run()
    assert any("Answer: 784" in i.value for i in at.info)
    assert not [b for b in at.button if str(b.key).startswith("reveal_")]  # the answer is there: nothing to ask
    explained = [i.value for i in at.info if i.value.startswith("**Why.**")]
    assert len(explained) == EXERCISES  # and every explanation, without solving each first
    at.text_input(key="ex_input_gray_0").input("784").run()
    at.button(key="check_input_gray").click().run()
    # A workspace now, but never in the projected address: it would hand the instructor's runs to the room.
    assert at.session_state["ws"] and "ws" not in at.query_params
    at.button(key="reset_progress").click().run()
    assert f"0 of {EXERCISES} solved" in at.get("progress")[0].proto.text


def test_two_tabs_of_one_workspace_show_what_is_kept_not_what_each_asked():
    """A tab drawn before another tab showed a solution: typing the answer it showed there is not solving it here
    either (the page once said ✅ while the workspace and the board said seen). And a tab revealing what another
    tab solved shows it solved, as kept."""
    expected = {ex.id: ex.expected[0] for ex in make_exercises() if ex.expected}
    code = store().create_workspace()
    late, early = page("exercises", ws=code), page("exercises", ws=code)  # both drawn before anything was done
    early.button(key="reveal_input_gray").click().run()
    early.button(key="reveal_yes_input_gray").click().run()
    late.text_input(key="ex_input_gray_0").input(str(expected["input_gray"])).run()
    late.button(key="check_input_gray").click().run()
    no_exceptions(late)
    assert late.session_state["exercises"]["input_gray"] == "revealed"
    assert EN["ex.right_seen"] in [i.value for i in late.info]  # right, and said why it is not solved
    assert EN["ex.revealed_elsewhere"] in [w.value for w in late.warning]  # "in another tab", among others
    assert f"0 of {EXERCISES} solved · 1 with the solution seen" in late.get("progress")[0].proto.text
    # solved here, then asked for in the other tab
    late.text_input(key="ex_input_colour_0").input(str(expected["input_colour"])).run()
    late.button(key="check_input_colour").click().run()
    early.button(key="reveal_input_colour").click().run()
    early.button(key="reveal_yes_input_colour").click().run()
    no_exceptions(early)
    assert early.session_state["exercises"]["input_colour"] == "solved"
    assert f"1 of {EXERCISES} solved · 1 with the solution seen" in early.get("progress")[0].proto.text
    opened = store().open_workspace(code)
    assert (opened.solved, opened.revealed) == ({"input_colour"}, {"input_gray"})


def test_a_room_opened_by_the_instructor_shows_a_joined_students_best_run(app_env):
    app_env(CNN_PLAYGROUND_INSTRUCTOR_KEY=INSTRUCTOR_KEY)
    teacher, room = open_room(page, title="Tuesday")
    no_exceptions(teacher)
    assert any(f"?room={room}" in c.value for c in teacher.code)
    assert teacher.get("image")  # the QR code

    student = join_room(page, room, "<b>Ana</b>")
    no_exceptions(student)
    # A member at once: the form's button offers the nickname's change, not joining again (it did after a reload).
    assert student.button[0].label == EN["room.rename"]
    assert [s.value for s in student.success] == [EN["room.joined"]]
    ws = student.session_state["ws"]
    raw = checkpoint.to_bytes(build_model(PRESETS["lenet"]), list("0123456789"), dataset="mnist")
    new = core_runs.from_upload(checkpoint.from_bytes(raw), raw, "x.zip")
    new.source, new.test_accuracy = "trained", 0.987
    store().add_run(ws, new)

    teacher.run()
    board = teacher.table[0].value  # the leaderboard
    from ui.base.i18n import plain

    assert board["Student"].tolist() == [plain("<b>Ana</b>")]  # st.table shows Markdown: the nickname goes as text
    assert board["Best test accuracy (%)"].tolist() == ["98.70"]  # written the reader's way; the CSV keeps 98.7
    assert any(b.label == "Download the results (CSV)" for b in teacher.get("download_button"))
    teacher.button(key=f"close_{room}").click().run()
    teacher.button(key=f"close_yes_{room}").click().run()
    assert store().room(room).closed


def test_a_student_back_on_the_room_page_by_the_menu_or_a_reload_is_in_their_room(app_env):
    """The menu's link to Room has no room code: the joined room's board, not 'Have you got a room code?'."""
    app_env(CNN_PLAYGROUND_INSTRUCTOR_KEY=INSTRUCTOR_KEY)
    _, first = open_room(page, title="Monday")
    _, room = open_room(page, title="Tuesday")
    student = join_room(page, first, "Ana")
    ws = student.session_state["ws"]
    student.query_params["room"] = room  # then a second room's link, joined too: the latest is the one
    student.run()
    student.text_input(key="w_nickname").input("Ana")
    student.button[0].click().run()
    no_exceptions(student)
    table = texts.table("en")
    for at in (student, page("room", ws=ws)):  # the same session by the menu; a new one from the workspace link
        at.query_params.pop("room", None)
        at.run()
        no_exceptions(at)
        assert at.query_params["room"] in (room, [room])
        assert "Tuesday" in [h.value for h in at.subheader]
        assert table["room.how"] not in [i.value for i in at.info]
    store().close_room(room)  # a closed room is not where anyone is sent: the one still open is
    back = page("room", ws=ws)
    no_exceptions(back)
    assert back.query_params["room"] in (first, [first]) and "Monday" in [h.value for h in back.subheader]
    nobody = page("room")  # a visitor in no room still gets the code box
    assert table["room.how"] in [i.value for i in nobody.info] and "room" not in nobody.query_params
    # In the remembered room, another room's code can still be typed (yesterday's room may be left open).
    _, today = open_room(page, title="Wednesday")
    go = next(b for b in back.button if b.label == table["room.go"])
    back.text_input(key="w_room_code").input("i0o-1l")
    go.click().run()
    assert [e.value for e in back.error] == [table["room.bad_typed_code"].format(n=6)]
    assert back.query_params["room"] in (first, [first])  # a typo sends nobody anywhere
    back.text_input(key="w_room_code").input(f"{today[:3].lower()} {today[3:]}")  # as read off a projector
    next(b for b in back.button if b.label == table["room.go"]).click().run()
    no_exceptions(back)
    assert back.query_params["room"] in (today, [today]) and "Wednesday" in [h.value for h in back.subheader]


@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_room_link_that_holds_no_code_is_not_echoed_and_the_code_box_is_there(app_env, lang):
    """'?room=' with a right-to-left override, markup, a NUL: the page says the link holds no room code (it
    does not repeat what the address says) and offers the box to type the code."""
    table = texts.table(lang)
    for junk in ("\u202eabc<b>\x00", "ABCDEF1", "abc", "../../x"):
        at = open_page("room", TIMEOUT, lang=lang, room=junk)
        no_exceptions(at)
        assert [e.value for e in at.error] == [table["room.bad_code"].format(n=6)], junk
        assert at.text_input(key="w_room_code")  # what to do next
    unknown = open_page("room", TIMEOUT, lang=lang, room="ABCDEF")  # a code's shape, no such room
    assert [e.value for e in unknown.error] == [table["room.unknown"].format(code="ABCDEF")]
    assert unknown.text_input(key="w_room_code")


def test_an_instructors_address_for_a_room_that_is_not_open_shows_no_board(app_env):
    app_env(CNN_PLAYGROUND_INSTRUCTOR_KEY=INSTRUCTOR_KEY)
    table = texts.table("en")
    for code in ("ABCDEF", "<b>x</b>"):  # no such room; not a code
        at = page("room", open=code)
        no_exceptions(at)
        assert table["room.not_open"] in [w.value for w in at.warning]
        assert table["room.reopen_key"] not in [i.value for i in at.info] and not at.dataframe
        assert at.text_input(key="w_room_code")
    _, room = open_room(page)
    reload = page("room", open=room)  # the instructor's own reload, before the key: the board is there
    assert table["room.reopen_key"] in [i.value for i in reload.info]
    store().close_room(room)
    closed = page("room", open=room)
    assert table["room.not_open"] in [w.value for w in closed.warning]


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
    from ui.shell import workspace

    app_env(CNN_PLAYGROUND_DATABASE_URL="postgresql://nobody@127.0.0.1:9/none")  # port 9: refused
    workspace._open_store.clear()
    try:
        at = page("exercises")
        at.text_input(key="ex_input_gray_0").input("784").run()
        at.button(key="check_input_gray").click().run()
        no_exceptions(at)
        assert f"1 of {EXERCISES} solved" in at.get("progress")[0].proto.text  # progress still counts in the session
        assert any("database cannot be reached" in w.value for w in at.warning)
    finally:
        workspace._open_store.clear()


def upload_model(at: AppTest, filename: str, raw: bytes) -> None:
    at.file_uploader(key="w_model_upload").set_value((filename, raw, "application/zip")).run()
    at.button(key="load_model").click().run()
    no_exceptions(at)


def test_a_model_the_workspace_cannot_keep_is_refused_before_anything_is_removed_or_replaced(app_env):
    from ui.shell import workspace

    app_env(CNN_PLAYGROUND_MAX_WORKSPACE_MB="2")  # the upload limit (200 MB) is larger: the smaller one applies
    workspace._open_store.clear()  # the app's storage takes the limits of this test
    try:
        at = page("train")

        def tutorial(seed: int) -> bytes:  # three different model files of one network (the same file is one run)
            return checkpoint.to_bytes(build_model(PRESETS["tutorial"], seed=seed), list("0123456789"),
                                       dataset="mnist")

        lenet = checkpoint.to_bytes(build_model(PRESETS["lenet"]), list("0123456789"), dataset="mnist")
        upload_model(at, "one.cnn.zip", tutorial(1))  # 0.7 MB each
        upload_model(at, "two.cnn.zip", tutorial(2))
        ws = at.session_state["ws"]
        for run in store().runs(ws):
            store().pin_run(ws, run.id)
        upload_model(at, "lenet.cnn.zip", lenet)  # fits: 1.6 MB in all
        assert at.session_state["trained"].arch == PRESETS["lenet"]

        upload_model(at, "three.cnn.zip", tutorial(3))  # the pinned runs leave 0.5 MB
        assert any("pinned runs already hold 1.5 MB of the workspace's 2 MB" in e.value and "Unpin or delete" in e.value
                   for e in at.error), [e.value for e in at.error]
        big = checkpoint.to_bytes(build_model(PRESETS["cifar"]), list("0123456789"), dataset="cifar10")
        upload_model(at, "big.cnn.zip", big)  # 2.2 MB: over the workspace's whole limit
        assert any("more than the 2 MB limit" in e.value for e in at.error), [e.value for e in at.error]
        assert [r.name for r in store().runs(ws)] == ["one", "two", "lenet"]  # nothing removed
        assert at.session_state["trained"].arch == PRESETS["lenet"]  # the session's model is the last one kept
    finally:
        workspace._open_store.clear()


def test_a_workspace_link_with_a_final_newline_is_not_valid_and_the_workspace_stays():
    code = store().create_workspace()
    at = page("runs", ws=code + "\n")  # ?ws=<code>%0A
    no_exceptions(at)
    assert not any("no longer exists" in w.value for w in at.warning)
    assert any("This link is not valid" in w.value for w in at.warning), [w.value for w in at.warning]
    assert store().open_workspace(code) is not None
    assert page("runs", ws=code).session_state["ws"] == code


def test_the_room_board_counts_solutions_seen_apart_from_exercises_solved(app_env):
    app_env(CNN_PLAYGROUND_INSTRUCTOR_KEY=INSTRUCTOR_KEY)
    teacher, room = open_room(page)
    student = join_room(page, room, "Ana")
    ws = student.session_state["ws"]
    store().mark_solved(ws, "relu")
    store().mark_solved(ws, "padding", revealed=True)
    store().mark_solved(ws, "padding")  # the seen answer typed in afterwards: still seen, not solved
    teacher.run()
    no_exceptions(teacher)
    board = teacher.table[0].value  # every row on the page (a static table), indexed by rank
    assert (board.iloc[0]["Exercises solved"], board.iloc[0]["Solutions seen"]) == ("1", "1")
    per_exercise = next(d.value for d in teacher.table if "Saw the solution" in d.value.columns)
    counts = dict(zip(per_exercise.index, zip(per_exercise["Students who solved it"],
                                              per_exercise["Saw the solution"])))
    assert counts[EN["ex.relu.title"]] == (1, 0) and counts[EN["ex.padding.title"]] == (0, 1)


@pytest.mark.slow  # a second or more of page reruns (README, "Run the tests")
def test_room_nicknames_are_one_plain_line_and_the_csv_runs_no_formula(app_env):
    import csv
    import io

    from ui.sections import room as room_ui

    app_env(CNN_PLAYGROUND_INSTRUCTOR_KEY=INSTRUCTOR_KEY)
    teacher, room = open_room(page)
    nicknames = ['=HYPERLINK("//ev.il/?x","hi")', "bob\x1b[2J\u202eevil", "#1", "", "+1", "@me", "-x", "\tx"]
    students = [join_room(page, room, nickname) for nickname in nicknames]
    for student in students:
        no_exceptions(student)
    raw = checkpoint.to_bytes(build_model(PRESETS["lenet"]), list("0123456789"), dataset="mnist")
    new = core_runs.from_upload(checkpoint.from_bytes(raw), raw, "x.zip")
    new.source, new.test_accuracy, new.dataset = "trained", 0.9, "=cmd|' /C calc'!A0"
    store().add_run(students[0].session_state["ws"], new)

    teacher.run()
    no_exceptions(teacher)
    from ui.base.i18n import plain

    shown = teacher.table[0].value["Student"].tolist()  # st.table shows Markdown: every nickname goes as text
    assert shown == [plain(n) for n in ['=HYPERLINK("//ev.il/?x","hi")', "bob[2Jevil", "1", "#4", "+1", "@me", "-x",
                                        "x"]]
    assert shown.count(plain("#4")) == 1 and plain("#1") not in shown  # only a member without a nickname is a number
    assert teacher.table[0].value.index.tolist() == ["1"] + ["–"] * 7  # no place before a result
    raw = room_ui.board_csv(room_ui.board_frame(store().board(room)[0]))  # outside a session: Spanish, ';'
    cells = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert [row[0] for row in cells[1:]] == ["1"] + [""] * 7
    body = [cell for row in cells[1:] for cell in row]
    assert "'=HYPERLINK(\"//ev.il/?x\",\"hi\")" in body and "'=cmd|' /C calc'!A0" in body
    assert "'+1" in body and "'@me" in body and "'-x" in body
    assert not [c for c in body if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert all(c.isprintable() for c in body)


@pytest.mark.realdata
def test_a_run_whose_model_cannot_be_read_leaves_every_page_working(real_data_dir):
    code = store().create_workspace()
    raw = checkpoint.to_bytes(build_model(PRESETS["lenet"]), list("0123456789"), dataset="mnist")
    good = core_runs.from_upload(checkpoint.from_bytes(raw), raw, "good.cnn.zip")
    good.test_accuracy = 0.5
    good_id, _ = store().add_run(code, good)
    broken = core_runs.from_upload(checkpoint.from_bytes(raw), b"PK not a model any more", "broken.cnn.zip")
    broken.test_accuracy = 0.999  # more accurate than the shipped model: both pages start on it
    broken_id, _ = store().add_run(code, broken)
    for name in ("inside", "draw"):
        at = page(name, ws=code)
        no_exceptions(at)
        assert any('The model of your run "broken" cannot be opened' in w.value for w in at.warning), \
            (name, [w.value for w in at.warning])
        assert at.selectbox(key=f"w_model_{name}").value == "shipped"
        assert any("pretrained one shipped" in c.value for c in at.caption)
        at.selectbox(key=f"w_model_{name}").set_value(good_id).run()  # the other run still works
        no_exceptions(at)
        assert any('your run "good"' in c.value for c in at.caption)
        at.selectbox(key=f"w_model_{name}").set_value(broken_id).run()  # picked again: said again
        no_exceptions(at)
        assert any("cannot be opened" in w.value for w in at.warning)
    app = AppTest.from_file(str(REPO / "app.py"), default_timeout=TIMEOUT)  # Runs → Inside needs st.navigation
    app.query_params["lang"], app.query_params["ws"] = "en", code
    app.switch_page("pages/runs.py").run()
    app.selectbox(key="w_run_pick").set_value(broken_id).run()
    app.button(key="run_use_inside").click().run()  # "Use on Inside"
    no_exceptions(app)
    app.session_state["w_model_inside"] = broken_id  # what the button sets, then st.switch_page, which
    app.switch_page("pages/inside.py").run()  # AppTest does not follow: the test switches instead
    no_exceptions(app)
    assert any("cannot be opened" in w.value for w in app.warning), [w.value for w in app.warning]
    assert app.selectbox(key="w_model_inside").value == "shipped"
    assert [r.id for r in store().runs(code)] == [good_id, broken_id]  # nothing else changed


@pytest.mark.slow  # about a second or more of CPU: the CI tier, not the edit loop
@pytest.mark.postgres
def test_nul_in_user_text_breaks_no_page_on_postgresql(app_env, postgres_server_url):
    from scripts.pgserver import fresh_database
    from ui.shell import workspace

    app_env(CNN_PLAYGROUND_DATABASE_URL=fresh_database(postgres_server_url),
            CNN_PLAYGROUND_INSTRUCTOR_KEY=INSTRUCTOR_KEY)
    workspace._open_store.clear()
    try:
        at = page("train")
        raw = checkpoint.to_bytes(build_model(PRESETS["lenet"]), list("0123456789"), dataset="mn\x00ist")
        upload_model(at, "m.cnn.zip", raw)  # (Streamlit itself refuses NUL in a file name)
        assert not at.error, [e.value for e in at.error]
        ws = at.session_state["ws"]
        [run] = store().runs(ws)
        assert (run.name, run.dataset) == ("m", "mnist") and at.session_state["trained"] is not None
        runs = page("runs", ws=ws)
        runs.text_input(key=f"w_rename_{run.id}").input("evil\x00name").run()
        runs.button(key="run_rename").click().run()
        no_exceptions(runs)
        assert store().run(ws, run.id).name == "evilname"
        teacher, room = open_room(page)
        no_exceptions(join_room(page, room, "bob\x00"))
        assert [r.nickname for r in store().board(room)[0]] == ["bob"]
    finally:
        workspace._open_store.clear()


@pytest.mark.slow  # a training: a second of CPU
def test_a_training_the_workspace_cannot_keep_stays_the_sessions_model_and_says_why(app_env):
    from ui.shell import workspace

    app_env(CNN_PLAYGROUND_MAX_WORKSPACE_MB="0.5")  # the tutorial network's 0.7 MB cannot be kept
    workspace._open_store.clear()
    try:
        code = store().create_workspace()
        small = checkpoint.to_bytes(build_model(PRESETS["small"]), list("0123456789"), dataset="mnist")
        store().add_run(code, core_runs.from_upload(checkpoint.from_bytes(small), small, "old.zip"))
        at = page("train", ws=code)
        job = start_short_training(at)
        assert job.wait(120), "the training did not finish"
        warnings = []
        for _ in range(5):  # the run that adopts the training adds the notice; a later one shows it
            at.run()
            no_exceptions(at)
            warnings += [w.value for w in at.warning]
        assert any("was not saved as a run" in w and "at most 0.5 MB of models" in w for w in warnings), warnings
        assert at.session_state["trained"] is not None  # the session keeps what it trained
        assert [r.name for r in store().runs(code)] == ["old"]  # nothing removed for it
    finally:
        workspace._open_store.clear()


def test_an_unopenable_stored_model_is_explained_as_a_reason_not_as_an_upload_refusal():
    """"(… your current model is unchanged)" is the upload's sentence; inside the run's warning it is a reason."""
    from cnn_core.base import texts
    from cnn_core.base.errors import ModelFileError
    from ui.shell.models import _why

    for err in (ModelFileError("err.model_too_big", size_mb=300, limit_mb=200),
                ModelFileError("err.model_needs_memory", params="9.000.000", need_mb=3000, limit_mb=2048)):
        why = _why(err)
        for lang in ("en", "es"):
            text = texts.translate(lang, why.key, **why.params)
            assert why.key.startswith("reason.") and "unchanged" not in text and "sin cambios" not in text
            assert "MB" in text and "{" not in text  # every placeholder filled


def page_texts(at: AppTest) -> list[str]:
    return [e.value for kind in ("success", "info", "warning", "error", "toast") for e in getattr(at, kind)]


@pytest.mark.parametrize("lang, already, removed", [
    ("en", "is already the run", "To make room"),
    ("es", "ya es el entrenamiento", "Para hacer sitio")])
@pytest.mark.slow  # about a second or more of CPU: the CI tier, not the edit loop
def test_pressing_use_this_model_again_and_again_adds_one_run_and_removes_nothing(app_env, lang, already, removed):
    """The tester's 12 presses: one run, the workspace's older runs all kept, the later presses told so."""
    from ui.shell import workspace

    app_env(CNN_PLAYGROUND_MAX_RUNS="2")  # one run already there and the upload fill it
    workspace._open_store.clear()
    try:
        code = store().create_workspace()
        old = checkpoint.to_bytes(build_model(PRESETS["small"]), list("0123456789"), dataset="mnist")
        store().add_run(code, core_runs.from_upload(checkpoint.from_bytes(old), old, "old.cnn.zip"))
        raw = checkpoint.to_bytes(build_model(PRESETS["lenet"]), list("0123456789"), dataset="mnist")
        at = open_page("train", TIMEOUT, lang=lang, ws=code)
        at.file_uploader(key="w_model_upload").set_value(("m_99mb.cnn.zip", raw, "application/zip")).run()
        seen = []
        for _ in range(12):
            at.button(key="load_model").click().run()
            no_exceptions(at)
            seen += page_texts(at)
        kept = store().runs(code)
        assert [(r.name, r.source) for r in kept] == [("old", "uploaded"), ("m_99mb", "uploaded")]
        assert not any(removed in text for text in seen), seen
        assert sum(already in text and '"m\\_99mb"' in text for text in seen) == 11, seen  # Markdown-escaped
        assert at.session_state["last_run"] == kept[1].id
        assert at.session_state["trained"].arch == PRESETS["lenet"]
    finally:
        workspace._open_store.clear()


def test_a_model_file_the_workspace_already_holds_selects_its_run_in_a_new_session():
    lenet = checkpoint.to_bytes(build_model(PRESETS["lenet"]), list("0123456789"), dataset="mnist",
                                test_accuracy=0.9)
    tutorial = checkpoint.to_bytes(build_model(PRESETS["tutorial"]), list("0123456789"), dataset="mnist")
    first = page("train")
    upload_model(first, "lenet.cnn.zip", lenet)
    upload_model(first, "mine.cnn.zip", tutorial)  # the session's model is now the tutorial network
    ws = first.session_state["ws"]
    held = store().runs(ws)[0]
    again = page("train", ws=ws)  # a reload, or another tab, with the same link
    upload_model(again, "lenet (1).cnn.zip", lenet)  # the browser's name for a second download of the file
    assert [r.name for r in store().runs(ws)] == ["lenet", "mine"]
    assert any('already the run "lenet"' in i.value for i in again.info), [i.value for i in again.info]
    assert again.session_state["last_run"] == held.id and again.session_state["trained"].arch == PRESETS["lenet"]
    inside = page("inside", ws=ws)
    no_exceptions(inside)


@pytest.mark.slow  # trainings: seconds of CPU
def test_the_train_pages_model_download_uploaded_again_selects_the_run_it_came_from():
    at = page("train")
    train_briefly(at)
    ws = at.session_state["ws"]
    [run] = store().runs(ws)
    assert any(b.label == "Download the model" for b in at.get("download_button"))
    time.sleep(2.1)  # zipped later than the run was stored (zip stamps times in 2-second steps)
    trained = at.session_state["trained"]  # what the button zips on click (AppTest cannot press a deferred download)
    download = trained.to_bytes()
    assert download == store().model_bytes(ws, run.id)
    upload_model(at, "cnn-playground-model.cnn.zip", download)
    assert [r.id for r in store().runs(ws)] == [run.id]
    assert any("is already the run" in i.value for i in at.info), [i.value for i in at.info]
    assert at.session_state["last_run"] == run.id


@pytest.mark.parametrize("lang, advice", [("en", "download the model again from CNN Playground"),
                                          ("es", "descarga el modelo de nuevo desde CNN Playground")])
def test_a_model_file_carrying_another_entry_is_refused_and_nothing_is_kept(lang, advice):
    import io
    import zipfile

    raw = checkpoint.to_bytes(build_model(PRESETS["lenet"]), list("0123456789"), dataset="mnist")
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as good, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as padded:
        for name in good.namelist():
            padded.writestr(name, good.read(name))
        padded.writestr("pad.bin", b"\0" * (8 * 2**20))
    at = open_page("train", TIMEOUT, lang=lang)
    upload_model(at, "m_99mb.cnn.zip", buf.getvalue())
    [error] = at.error
    assert "pad\\.bin" in error.value and advice in error.value  # the entry's name, Markdown-escaped
    assert at.session_state["trained"] is None
    assert "ws" not in at.session_state  # not even a workspace was made for it, let alone a run


def _stored_run(code: str, name: str, accuracy: float, reason: str | None) -> int:
    raw = checkpoint.to_bytes(build_model(PRESETS["lenet"]), list("0123456789"), dataset="mnist",
                              test_accuracy=accuracy)
    new = core_runs.from_upload(checkpoint.from_bytes(raw), raw, f"{name}.cnn.zip")
    new.reason = reason
    return store().add_run(code, new)[0]


def test_pages_start_on_the_most_accurate_model_that_fits_never_a_broken_run_and_keep_the_visitors_pick():
    code = store().create_workspace()
    fair = _stored_run(code, "fair", 0.90, None)
    _stored_run(code, "exploded", 0.999, "diverged")  # a test accuracy no blown-up run should be trusted for
    _stored_run(code, "halfway", 0.998, "stopped")
    for name in ("draw", "inside"):
        at = page(name, ws=code)
        no_exceptions(at)
        picker = at.selectbox(key=f"w_model_{name}")
        assert picker.value == "shipped", name  # 99,50 % beats the only finished run's 90 %
        assert any(c.value.startswith("Shown first because it is the most accurate model") for c in at.caption)
        labels = list(picker.options)  # as the visitor reads them
        assert any("exploded" in lab and lab.endswith("diverged") for lab in labels), labels
        assert any("halfway" in lab and lab.endswith("stopped early") for lab in labels), labels
    better = _stored_run(code, "better", 0.997, "done")
    app = AppTest.from_file(str(REPO / "app.py"), default_timeout=TIMEOUT)
    app.query_params["lang"], app.query_params["ws"] = "en", code
    app.switch_page("pages/draw.py").run()
    no_exceptions(app)
    assert app.selectbox(key="w_model_draw").value == better  # now the most accurate one
    app.selectbox(key="w_model_draw").set_value(fair).run()  # the visitor's own pick
    assert not any(c.value.startswith("Shown first") for c in app.caption)  # no reason given for their choice
    app.switch_page("pages/train.py").run()
    app.switch_page("pages/draw.py").run()
    no_exceptions(app)
    assert app.selectbox(key="w_model_draw").value == fair  # kept across pages


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_runs_table_says_which_runs_did_not_finish_as_the_pickers_do(lang):
    """A diverged run's 99,9 % is not to be trusted: the table says how it ended, in the pickers' words."""
    words = texts.table(lang)
    code = store().create_workspace()
    ended = {"fair": None, "complete": "done", "exploded": "diverged", "nan": "nan", "halfway": "stopped"}
    for name, reason in ended.items():
        _stored_run(code, name, 0.999, reason)
    at = open_page("runs", TIMEOUT, lang=lang, ws=code)
    no_exceptions(at)
    table = shown_table(at.dataframe[0])
    shown = dict(zip(table[words["runs.col_name"]], table[words["runs.col_ended"]]))
    assert shown == {name: words[f"models.reason_{reason}"] if reason in ("diverged", "nan", "stopped") else ""
                     for name, reason in ended.items()}
    draw = open_page("draw", TIMEOUT, lang=lang, ws=code)  # the Draw page's picker names it in the same words
    labels = list(draw.selectbox(key="w_model_draw").options)
    assert any(lab.startswith("exploded") and lab.endswith(" · " + shown["exploded"]) for lab in labels), labels

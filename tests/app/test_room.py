"""The workshop room as an instructor runs it: the key, the address students open, the board, the CSV, closing.

Real pages in AppTest over the test session's SQLite database; the browser's side (a loopback address, the
projected board, a student's tab seeing the room close) is in test_browser_room.py.
"""

import csv
import io
import json
import logging
import re

import pandas as pd
import pytest
from conftest import INSTRUCTOR_KEY, REPO, join_room, no_exceptions, open_page, open_room
from conftest import app_store as store
from streamlit.testing.v1 import AppTest

from cnn_core.base import env, netaddr, texts
from cnn_core.lessons.exercises import make_exercises
from cnn_core.nn import checkpoint
from cnn_core.nn.architecture import PRESETS
from cnn_core.nn.model import build_model
from cnn_core.store import runs as core_runs
from cnn_core.store.storage import revealed_key
from ui.base import state

TIMEOUT = 90
EXERCISE_COUNT = len(make_exercises())


def page(name: str, lang: str = "en", **params) -> AppTest:
    return open_page(name, TIMEOUT, lang=lang, **params)


def add_run(ws: str, accuracy: float, epochs: float | None = 1.0, seconds: float | None = None,
            images_per_s: float = 1000.0, arch: str = "lenet", dataset: str = "mnist", reason: str = "done") -> None:
    raw = checkpoint.to_bytes(build_model(PRESETS[arch]), list("0123456789"), dataset=dataset)
    new = core_runs.from_upload(checkpoint.from_bytes(raw), raw, f"{ws}-{accuracy}-{seconds}-{epochs}.zip")
    new.source, new.test_accuracy, new.images_per_s, new.seconds = "trained", accuracy, images_per_s, 12.0
    new.model += ws.encode()  # a workspace keeps a model file once: each run its own bytes
    new.train_config = {"epochs": epochs, "time_budget_s": seconds, "batch_size": 128}
    new.reason = reason
    store().add_run(ws, new)


# ------------------------------------------------------------------ the key

def test_without_a_key_the_room_page_gives_the_exact_line_and_the_log_says_so_once(caplog, monkeypatch):
    from ui.shell import instructor

    table = texts.table("es")
    at = page("room", lang="es")
    no_exceptions(at)
    assert table["room.no_key"] in [w.value for w in at.warning]
    assert [c.value for c in at.code] == [  # the teacher's guide's laptop line (its test checks the guide)
        "CNN_PLAYGROUND_INSTRUCTOR_KEY=choose-a-long-phrase streamlit run server.py --server.address 0.0.0.0"]
    monkeypatch.setattr(instructor, "_said", False)
    with caplog.at_level(logging.WARNING, logger="ui.shell.instructor"):
        for _ in range(3):  # every session's first page calls it: the log says it once
            assert AppTest.from_function(_log_key_state).run().exception == []
    said = [r.getMessage() for r in caplog.records if r.name == "ui.shell.instructor"]
    assert len(said) == 1 and "CNN_PLAYGROUND_INSTRUCTOR_KEY=" in said[0] and "streamlit run server.py" in said[0]


@pytest.mark.slow  # a fresh server process
@pytest.mark.parametrize("key", [None, "choose-a-long-phrase"], ids=["no-key", "the-guides-example"])
def test_a_server_started_with_server_py_says_it_has_no_key_in_its_log_before_any_page(tmp_path, key):
    """No key, or the key the log and the guide show as an example (public, so refused): the log says so as the
    server starts, before any page (a refused key's value is never written as the value)."""
    import os
    import subprocess
    import sys
    import threading

    from cnn_core.base.env import HIDDEN
    from scripts.ports import free_port
    from ui.shell.instructor import NO_KEY_LINE

    env = {k: v for k, v in os.environ.items() if k != "CNN_PLAYGROUND_INSTRUCTOR_KEY"}
    env |= {"CNN_PLAYGROUND_HOME": str(tmp_path), "PYTHONUNBUFFERED": "1"}
    if key:
        env["CNN_PLAYGROUND_INSTRUCTOR_KEY"] = key
    said = "No instructor key" if key is None else "The app cannot start"
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "server.py", "--server.port", str(free_port()),
                             "--server.address", "127.0.0.1", "--server.headless", "true"],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = threading.Timer(120, proc.kill)  # a server that never says it ends the read below
    deadline.start()
    try:
        lines = []
        for line in proc.stdout:  # nobody opens a page: only the start-up hook can say it
            lines.append(line)
            if said in line:
                break
        if key is None:
            assert any(said in line and NO_KEY_LINE in line for line in lines), "".join(lines)[-2000:]
            # true of a keyless server: its learners do see solutions, each after a confirmation
            assert any("learners can still ask for each exercise's solution" in line for line in lines)
        else:
            line = next((line for line in lines if said in line), "".join(lines)[-2000:])
            assert f"CNN_PLAYGROUND_INSTRUCTOR_KEY={HIDDEN!r} is not valid" in line, line  # the value: hidden
    finally:
        deadline.cancel()
        proc.terminate()
        proc.wait(15)


def _log_key_state():
    from ui.shell.instructor import log_key_state

    log_key_state()


def test_with_a_key_the_page_asks_for_no_key_line(app_env):
    app_env(CNN_PLAYGROUND_INSTRUCTOR_KEY=INSTRUCTOR_KEY)
    at = page("room")
    assert texts.table("en")["room.no_key"] not in [w.value for w in at.warning] and not at.code


@pytest.mark.parametrize("bad", [env.EXAMPLE_KEY, "clave123"])
def test_a_public_or_short_key_in_streamlits_secrets_is_refused_logged_and_never_said(bad, monkeypatch, caplog):
    """instructor_key in .streamlit/secrets.toml (Community Cloud) follows the variable's rule."""
    from types import SimpleNamespace

    from ui.shell import instructor

    no_variable = SimpleNamespace(instructor_key="")
    monkeypatch.setattr(instructor.st, "secrets", {"instructor_key": bad})
    monkeypatch.setattr(instructor, "_refused_said", False)
    with caplog.at_level(logging.ERROR, logger="ui.shell.instructor"):
        assert instructor.instructor_key(no_variable) == ""  # no key: the Room page says so, with the line
        assert instructor.instructor_key(no_variable) == ""  # read several times a page: logged once
    assert caplog.text.count("instructor_key in Streamlit's secrets is refused") == 1 and "clave123" not in caplog.text
    assert instructor.secret_refused()  # the keyless Room page then says why (room.secret_refused)
    monkeypatch.setattr(instructor.st, "secrets", {"instructor_key": "a phrase of our own"})
    assert instructor.instructor_key(no_variable) == "a phrase of our own" and not instructor.secret_refused()


# ------------------------------------------------------------------ the address students open

@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "[::1]", "0.0.0.0", "app.localhost"])
def test_loopback_hosts_are_told_apart_from_network_ones(host):
    assert netaddr.is_loopback(host)
    assert not netaddr.is_loopback("192.168.1.20") and not netaddr.is_loopback("cnn.example.org")


@pytest.mark.parametrize(("bind", "only_here"), [("127.0.0.1", True), ("localhost", True), ("::1", True),
                                                ("[::1]", True), ("", False), ("0.0.0.0", False), ("::", False),
                                                ("192.168.1.20", False)])
def test_a_server_bound_to_a_loopback_address_is_told_apart_from_one_the_network_reaches(bind, only_here):
    """--server.address 127.0.0.1 answers this machine only (the Room page then says how to restart it); empty
    or 0.0.0.0 (every interface) does not, though a page opened at 0.0.0.0 is a loopback one (above)."""
    assert netaddr.listens_to_this_machine_only(bind) is only_here


def test_the_machines_network_addresses_are_reachable_ones_and_replace_only_the_host():
    addresses = netaddr.lan_addresses()
    assert all(not netaddr.is_loopback(a) for a in addresses) and len(set(addresses)) == len(addresses)
    assert netaddr.with_host("http://127.0.0.1:8501/room", "10.0.0.7") == "http://10.0.0.7:8501/room"
    assert netaddr.url_host(netaddr.with_host("http://localhost:8501/", "fe80::1")) == "fe80::1"


def test_with_a_public_url_the_room_link_and_qr_use_it(app_env):
    app_env(CNN_PLAYGROUND_INSTRUCTOR_KEY=INSTRUCTOR_KEY, CNN_PLAYGROUND_PUBLIC_URL="https://cnn.example.org/")
    teacher, room = open_room(page)
    no_exceptions(teacher)
    assert [c.value for c in teacher.code] == [f"https://cnn.example.org/?room={room}&lang=en"]
    assert not [w for w in teacher.warning if "address" in w.value]


# ------------------------------------------------------------------ a student's address

def test_the_room_page_never_puts_the_students_workspace_in_the_address(app_env):
    app_env(CNN_PLAYGROUND_INSTRUCTOR_KEY=INSTRUCTOR_KEY)
    _, room = open_room(page)
    student = join_room(page, room, "Ana")
    no_exceptions(student)
    ws = student.session_state["ws"]
    assert ws and "ws" not in student.query_params and student.query_params["room"] in (room, [room])
    student.run()
    assert "ws" not in student.query_params
    back = page("room", ws=ws)  # the workspace's own link, opened on this page: adopted, then kept out
    assert back.session_state["ws"] == ws and "ws" not in back.query_params
    train = page("train", ws=ws)  # the link opened on another page: adopted too, and kept out (a member's)
    assert train.session_state["ws"] == ws and "ws" not in train.query_params


def test_a_room_members_address_never_carries_their_workspace_on_any_page(app_env):
    """Students pass their address around: once in a room, no page writes the workspace code into it (the Train
    page's did, and with it went the right to delete their runs)."""
    app_env(CNN_PLAYGROUND_INSTRUCTOR_KEY=INSTRUCTOR_KEY)
    _, room = open_room(page)
    student = AppTest.from_file(str(REPO / "app.py"), default_timeout=TIMEOUT)
    student.query_params["lang"] = "en"
    student.run()
    student.switch_page("pages/room.py")
    student.query_params["room"] = room
    student.run()
    student.text_input(key="w_nickname").input("Ana")
    student.button[0].click().run()  # joined: the workspace exists now
    ws = student.session_state["ws"]
    assert ws and room in store().member_rooms(ws)
    for name in ("train", "exercises", "runs", "draw", "home"):
        student.switch_page(f"pages/{name}.py").run()
        no_exceptions(student)
        assert "ws" not in student.query_params, name
        assert student.session_state["ws"] == ws, name  # the session keeps it; the tab keeps it for a reload


# ------------------------------------------------------------------ solutions in a room

def reveal_buttons(at) -> list[str]:
    return [b.key for b in at.button if str(b.key).startswith("reveal_")]


@pytest.mark.slow  # a second or more of page reruns (README, "Run the tests")
def test_a_rooms_members_get_solutions_only_once_the_instructor_allows_them_and_a_seen_one_is_counted(app_env):
    """On a workshop server (a key is set) only members of a room that allows them may ask for solutions: not a
    learner in no room (a fresh tab would be a way round the room's rule), not a room that has not allowed them."""
    from ui.sections.room import solutions_key

    app_env(CNN_PLAYGROUND_INSTRUCTOR_KEY=INSTRUCTOR_KEY)
    table = texts.table("es")
    alone = page("exercises", lang="es")  # in no room: the page says where solutions come from
    assert reveal_buttons(alone) == []
    assert len([c for c in alone.caption if c.value == table["ex.solutions_workshop"]]) == EXERCISE_COUNT
    teacher, room = open_room(page)
    ws = join_room(page, room, "Ana").session_state["ws"]
    student = page("exercises", lang="es", ws=ws)
    no_exceptions(student)
    assert reveal_buttons(student) == []  # a new room shows its members hints, no solutions
    withheld = [c.value for c in student.caption if c.value == table["ex.solutions_withheld"].format(code=room)]
    assert len(withheld) == EXERCISE_COUNT
    toggle = teacher.toggle(key=solutions_key(room, False))
    assert toggle.value is False and toggle.label == texts.table("en")["room.solutions"]
    toggle.set_value(True).run()
    assert store().room(room).solutions and teacher.toggle(key=solutions_key(room, True)).value is True
    student.run()  # the student's next click sees it
    assert len(reveal_buttons(student)) == EXERCISE_COUNT
    student.button(key="reveal_relu").click().run()
    student.button(key="reveal_yes_relu").click().run()
    no_exceptions(student)
    assert store().open_workspace(ws).revealed == {"relu"}
    rows, counts = store().board(room)
    assert (rows[0].solved, rows[0].revealed) == (0, 1) and counts == {revealed_key("relu"): 1}
    student.button(key="reveal_padding").click().run()  # asked while allowed ...
    teacher.run()
    teacher.toggle(key=solutions_key(room, True)).set_value(False).run()
    assert not store().room(room).solutions
    student.button(key="reveal_yes_padding").click().run()  # ... confirmed after the instructor said no
    assert store().open_workspace(ws).revealed == {"relu"}
    assert reveal_buttons(student) == [] and "padding" not in student.session_state[state.EXERCISES]
    # relu's solution stays seen, but with solutions closed its answer is no longer handed out (nor another
    # variation's: the mark is the exercise's, in every variation)
    said = [w.value for w in student.warning]
    assert table["ex.revealed_hidden"] in said and not any(table["ex.answer"].split("{")[0] in w for w in said)
    student.number_input(key="w_seed").set_value(1).run()
    said = [w.value for w in student.warning]
    assert student.session_state[state.EXERCISES] == {"relu": "revealed"}
    assert table["ex.revealed_hidden"] in said and not any(table["ex.answer"].split("{")[0] in w for w in said)
    store().close_room(room)  # a closed room's members are in no room: no solutions either
    assert reveal_buttons(student.run()) == []
    store().delete_room(room)  # the test session's database: no past room left for the closing test to count


# ------------------------------------------------------------------ closing

@pytest.mark.slow  # a second or more of page reruns (README, "Run the tests")
def test_closing_asks_first_keeps_the_room_among_past_ones_with_its_board_and_deleting_is_apart(app_env):
    app_env(CNN_PLAYGROUND_INSTRUCTOR_KEY=INSTRUCTOR_KEY)
    table = texts.table("en")
    teacher, older = open_room(page, title="Monday")
    assert teacher.text_input(key="w_room_title").value == ""  # the name went with its room: no second Monday
    teacher.text_input(key="w_room_title").input("Tuesday")
    teacher.button[0].click().run()
    room = teacher.session_state["w_room_pick"]
    add_run(join_room(page, room, "Ana").session_state["ws"], 0.97)
    teacher.run()
    teacher.button(key=f"close_{room}").click().run()
    assert not store().room(room).closed  # one press only asks
    assert table["room.close_confirm"].format(code=room) in [w.value for w in teacher.warning]
    teacher.button(key=f"close_no_{room}").click().run()
    assert not store().room(room).closed and not teacher.button(key=f"close_{room}").disabled
    teacher.button(key=f"close_{room}").click().run()
    closed_before = sum(r.closed for r in store().rooms())  # the shared database may hold other tests' rooms
    teacher.button(key=f"close_yes_{room}").click().run()
    no_exceptions(teacher)
    assert store().room(room).closed and not store().room(older).closed
    assert teacher.session_state["w_room_pick"] == room  # closing never jumps to another room
    options = teacher.selectbox(key="w_room_pick").options  # the picker says which rooms are closed (the shared
    assert f"{room} · Tuesday · {table['room.closed_mark']}" in options  # database may hold other tests' rooms)
    assert f"{older} · Monday" in options
    assert table["room.closed_board"] in [i.value for i in teacher.info]
    assert teacher.table[0].value["Student"].tolist() == ["Ana"]  # the board stays
    assert any(b.label == table["room.csv"] for b in teacher.get("download_button"))
    assert table["room.past"].format(count=closed_before + 1) in [e.label for e in teacher.expander]  # past rooms
    past = teacher.table[-1].value
    assert room in past[table["room.code"]].tolist() and "Tuesday" in past[table["room.col_title"]].tolist()
    assert list(past.columns) == [table["room.code"], table["room.col_title"], table["room.opened_at"]]
    assert not teacher.code  # no link to a room nobody can join
    teacher.button(key=f"delete_{room}").click().run()
    assert store().room(room) is not None  # deleting asks too
    teacher.button(key=f"delete_yes_{room}").click().run()
    no_exceptions(teacher)
    assert store().room(room) is None and store().room(older) is not None


# ------------------------------------------------------------------ the board

@pytest.mark.slow  # about a second or more of CPU: the CI tier, not the edit loop
def test_a_board_of_thirty_shows_every_row_labels_the_top_five_and_ticks_at_powers_of_ten(app_env):
    app_env(CNN_PLAYGROUND_INSTRUCTOR_KEY=INSTRUCTOR_KEY)
    teacher, room = open_room(page)
    db = store()
    for n in range(30):
        ws = db.create_workspace()
        assert db.join_room(room, ws, f"s{n:02d}")
        add_run(ws, 0.90 + n / 1000, arch="lenet" if n % 2 else "tutorial")
    teacher.run()
    no_exceptions(teacher)
    assert teacher.title[-1].value == room  # the code, large
    board = teacher.table[0].value
    assert len(board) == 30 and board["Student"].tolist()[:3] == ["s29", "s28", "s27"]
    spec = json.loads(teacher.get("plotly_chart")[0].proto.spec)
    labels = spec["layout"]["annotations"]
    assert sorted(a["text"] for a in labels) == ["s25", "s26", "s27", "s28", "s29"]  # the best five; the rest on hover
    # s29, s27 and s25 trained LeNet to within 0.4 points: one spot. Their names stand apart in a column right of
    # the points, the best at the top, each on a line to its point (the best one's name once lay under the second's
    # marker, or off the top of the plot).
    assert all(a["showarrow"] and (a["axref"], a["ayref"]) == ("x", "y") for a in labels)
    assert len({a["ax"] for a in labels}) == 1 and labels[0]["ax"] > max(a["x"] for a in labels)
    assert [a["text"] for a in sorted(labels, key=lambda a: -a["ay"])] == ["s29", "s28", "s27", "s26", "s25"]
    assert {a["text"]: round(10 ** a["x"]) for a in labels}["s29"] == core_runs.params_of(PRESETS["lenet"])
    assert {a["text"]: a["y"] for a in labels}["s29"] == pytest.approx(0.929)
    assert spec["layout"]["xaxis"]["range"][1] > labels[0]["ax"]  # the column is inside the plot
    assert len(spec["data"][0]["customdata"]) == 30 and {c[0] for c in spec["data"][0]["customdata"]} >= {"s00"}
    axis = spec["layout"]["xaxis"]
    assert axis["type"] == "log" and all(str(v).strip("0") == "1" for v in axis["tickvals"])
    assert axis["tickvals"][0] <= 60_000 < 210_000 <= axis["tickvals"][-1]


def test_the_board_ranks_equal_work_and_shows_each_runs_work_and_speed(app_env):
    """A run trained for a time budget, or stopped before its end (part of its work), never beats one trained for
    a set number of epochs to its end on the board."""
    app_env(CNN_PLAYGROUND_INSTRUCTOR_KEY=INSTRUCTOR_KEY)
    table = texts.table("en")
    teacher, room = open_room(page)
    db = store()
    fast, slow, timer, stopper = (db.create_workspace() for _ in range(4))
    db.join_room(room, fast, "fast-laptop")
    db.join_room(room, slow, "old-laptop")
    db.join_room(room, timer, "timer")
    db.join_room(room, stopper, "stopper")
    add_run(fast, 0.995, epochs=3.0, seconds=30.0, images_per_s=9000)  # 30 s on a fast machine: more images
    add_run(fast, 0.97, epochs=2.0, images_per_s=9000)
    add_run(fast, 0.99, epochs=2.0, images_per_s=9000, reason="stopped")  # a stopped run: never their best
    add_run(slow, 0.98, epochs=2.0, images_per_s=1500)
    add_run(timer, 0.999, epochs=3.0, seconds=60.0, images_per_s=9000)  # only timed runs: shown, ranked after
    add_run(stopper, 0.999, epochs=2.0, images_per_s=9000, reason="stopped")  # only a stopped run: the same
    teacher.run()
    no_exceptions(teacher)
    board = teacher.table[0].value
    from ui.base.i18n import plain

    names = ("old-laptop", "fast-laptop", "timer", "stopper")
    assert board["Student"].tolist() == [plain(n) for n in names]  # as text
    assert board["Best test accuracy (%)"].tolist() == ["98.00", "97.00", "99.90", "99.90"]
    assert board["Work (epochs)"].tolist() == ["2", "2", table["room.timed_work"], table["room.stopped_work"]]
    assert board["Images per second"].tolist() == ["1,500", "9,000", "9,000", "9,000"]
    assert board["Runs"].tolist() == ["1", "3", "1", "1"]
    # the chart names them in the board's order: the timed and stopped runs' 99.9 % never top the column
    labels = json.loads(teacher.get("plotly_chart")[0].proto.spec)["layout"]["annotations"]
    assert [a["text"] for a in sorted(labels, key=lambda a: -a["ay"])] == list(names)
    assert table["room.rule"] in [c.value for c in teacher.caption]


def test_the_board_compares_the_rooms_main_work_and_ranks_other_works_after_it():
    """Equal work is the same dataset for the same epochs: twenty epochs, or another dataset, never outrank
    the one epoch of MNIST most of the room trained; a member who has that work is ranked on it."""
    db = store()
    room = db.create_room()
    names = ["ana", "ben", "cy", "dee", "eve"]
    ws = {name: db.create_workspace() for name in names}
    for name in names:
        db.join_room(room, ws[name], name)
    add_run(ws["ana"], 0.95)
    add_run(ws["ben"], 0.96)
    add_run(ws["cy"], 0.99, epochs=20.0)  # twenty times the work: not against the room's one epoch
    add_run(ws["dee"], 0.94)
    add_run(ws["dee"], 0.995, epochs=20.0)  # dee has the room's work too: ranked on it
    add_run(ws["eve"], 0.999, dataset="fashion")  # another dataset: another work
    rows = db.board(room)[0]
    assert [r.nickname for r in rows] == ["ben", "ana", "dee", "cy", "eve"]
    assert [(r.dataset, r.epochs, r.best_accuracy) for r in rows[:4]] == [
        ("mnist", 1.0, 0.96), ("mnist", 1.0, 0.95), ("mnist", 1.0, 0.94), ("mnist", 20.0, 0.99)]
    assert rows[4].dataset == "fashion"


# ------------------------------------------------------------------ the CSV

@pytest.fixture(params=["es", "en"])
def lang(request):
    import streamlit as st

    st.session_state["lang"] = request.param  # the board's texts and numbers outside a page run
    yield request.param
    st.session_state["lang"] = "es"


def test_the_csv_opens_in_the_readers_spreadsheet_and_runs_no_formula(lang):
    from ui.sections import room as room_ui

    db = store()
    room, ws = db.create_room(), db.create_workspace()
    db.join_room(room, ws, "=1+1 Ñoño")
    add_run(ws, 0.9875, epochs=1.5)
    timer, idle = db.create_workspace(), db.create_workspace()
    db.join_room(room, timer, "timer")
    add_run(timer, 0.99, seconds=30.0)  # trained for a time budget: ranked after, and the CSV says why
    db.join_room(room, idle, "idle")  # no run: empty cells, and the whole numbers above stay whole
    data = room_ui.board_csv(room_ui.board_frame(db.board(room)[0]))
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM: a spreadsheet reads the Ñ right
    sep, decimal = (";", ",") if lang == "es" else (",", ".")
    frame = pd.read_csv(io.BytesIO(data), sep=sep, decimal=decimal, encoding="utf-8-sig")
    t = texts.table(lang)
    assert frame[t["room.col_nickname"]].tolist() == ["'=1+1 Ñoño", "timer", "idle"]  # text, never a formula
    assert frame[t["room.col_accuracy"]].tolist()[:2] == [98.75, 99.0]
    assert frame[t["room.col_epochs"]].tolist()[:2] == ["1" + decimal + "5", t["room.timed_work"]]
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=sep))
    assert len(rows) == 4 and all(len(row) == len(frame.columns) for row in rows)
    params = rows[0].index(t["room.col_params"])
    lenet = str(core_runs.params_of(PRESETS["lenet"]))
    assert [row[params] for row in rows[1:]] == [lenet, lenet, ""]  # whole, never 44426,0
    assert [row[rows[0].index(t["room.col_speed"])] for row in rows[1:]] == ["1000", "1000", ""]


# ------------------------------------------------------------------ the teacher's guide

def _blocks(text: str, lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", text, re.S)


@pytest.mark.parametrize("lang", ["es", "en"])
def test_the_teachers_guide_runs_a_room_from_the_key_to_closing_with_commands_that_match_the_code(lang):
    import tomllib

    import yaml

    from cnn_core.base import env
    from ui.sections import room as room_ui

    text = (REPO / "docs" / f"teachers-guide.{lang}.md").read_text(encoding="utf-8")
    flat = " ".join(text.split())
    t = texts.table(lang)
    # Every step, named as the page names it.
    for key in ("nav.room", "instructor.title", "room.open", "room.link", "room.col_epochs", "room.col_speed",
                "room.csv", "room.close", "room.delete", "share.title", "room.solutions"):
        label = t[key].split(" ", 1)[-1] if key == "nav.room" else t[key]
        assert label in flat, (lang, key, label)
    # The laptop: the very line the Room page gives a server without a key.
    assert room_ui.NO_KEY_LINE in flat
    bash = "\n".join(_blocks(text, "bash"))
    # Docker: the image the README builds, the key as an environment variable.
    image = re.search(r"docker build -t (\S+) \.", (REPO / "README.md").read_text()).group(1)
    lines = [" ".join(line.split()) for line in bash.replace("\\\n", " ").splitlines()]  # continued lines joined
    assert any(re.fullmatch(rf"docker run -p 8501:8501 .*-e CNN_PLAYGROUND_INSTRUCTOR_KEY=\S+ .*{image}", line)
               for line in lines)
    # docker-compose: the variables exported are the ones the app service passes on, the command the file's own.
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())["services"]["app"]["environment"]
    assert {"CNN_PLAYGROUND_INSTRUCTOR_KEY", "CNN_PLAYGROUND_PUBLIC_URL"} <= set(compose)
    up = "docker compose up --build --scale app=3 --scale ray-worker=2"
    assert up in bash and up in (REPO / "docker-compose.yml").read_text()
    # Streamlit Community Cloud: secrets TOML with the key the app reads.
    secrets = tomllib.loads(_blocks(text, "toml")[0])
    assert "instructor_key" in secrets and '"instructor_key"' in (REPO / "ui/shell/instructor.py").read_text()
    # Kubernetes: the Secret made by kubectl is the one the container's environment refers to.
    made = re.search(r"kubectl create secret generic (\S+) --from-literal=(\w+)=", bash)
    container_env = {e["name"]: e for e in yaml.safe_load(_blocks(text, "yaml")[0])["env"]}
    ref = container_env["CNN_PLAYGROUND_INSTRUCTOR_KEY"]["valueFrom"]["secretKeyRef"]
    assert made and (ref["name"], ref["key"]) == made.groups()
    # Every variable the guide names is one the server reads.
    known = {env.PREFIX + v.name for v in env.VARS}
    assert set(re.findall(r"CNN_PLAYGROUND_[A-Z_]+", text)) <= known


# ------------------------------------------------------------------ equal work, really trained

@pytest.mark.realdata
@pytest.mark.slow
def test_three_simultaneous_room_runs_of_one_network_and_budget_end_within_a_point(mnist):
    """Three students press Train at once with the same small network and the same budget of epochs: the
    runs share the server's cores, yet each sees the same images, so the board ranks them within a point."""
    from cnn_core.train.config import TrainConfig
    from cnn_core.train.jobs import Scheduler, start_training

    arch = PRESETS["tutorial"].replace(out_channels=(4, 8), dense=())
    scheduler = Scheduler(max_running=3, cpu_threads=3)  # all three running together, as in a room
    cfg = TrainConfig(epochs=0.5, batch_size=128, val_size=500, eval_every_s=5.0, probe_every_s=None,
                      grad_norm_every=0, precision="fp32")
    # As the Train page does: the network built from the run's seed (students keep the default one).
    jobs = [start_training(build_model(arch, seed=cfg.seed), mnist, cfg, scheduler) for _ in range(3)]
    assert all(job.wait(900) for job in jobs), "a training did not finish"
    db = store()
    room = db.create_room("equal work")
    for n, job in enumerate(jobs):
        ws = db.create_workspace()
        db.join_room(room, ws, f"student{n}")
        db.add_run(ws, core_runs.from_job(job, device="cpu"))
    rows, _ = db.board(room)
    accuracies = [r.best_accuracy for r in rows]
    assert len(rows) == 3 and all(a is not None for a in accuracies)
    assert max(accuracies) - min(accuracies) <= 0.01, accuracies
    assert {r.epochs for r in rows} == {0.5} and not any(r.timed for r in rows)  # the work the board shows
    assert all(r.images_per_s and r.images_per_s > 0 for r in rows)  # and each computer's speed

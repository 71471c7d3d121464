"""Hostile input and failure against what the app keeps: the database, its files, its caches, the workspace.

A real SQLite file and a real PostgreSQL server (``database_url``), real
sockets, real child processes with a file-size limit, the real pages in
AppTest. Each test is a class of attack or failure: a server's disk filled
by many workspaces, memory filled by many stored models, a database that
never answers, ids reused, two sessions writing at once, a tab acting on
what another deleted, a lowered limit meeting kept settings, a full disk, a
guessed instructor key.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import socket
import subprocess
import sys
import threading

import pytest
import torch
from conftest import REPO, no_exceptions, open_page
from conftest import app_store as app_storage
from sqlalchemy import select, update

from cnn_core.base import texts
from cnn_core.base.errors import RunGoneError, ServerFullError, StorageDownError
from cnn_core.nn import checkpoint
from cnn_core.nn.architecture import PRESETS, Architecture
from cnn_core.nn.model import build_model
from cnn_core.store import runs as core_runs
from cnn_core.store.storage import Limits, NewRun, Storage, Workspace, model_digest, now
from cnn_core.train.config import TrainConfig

DIGITS = list("0123456789")


def model_file(arch: Architecture = PRESETS["small"], seed: int = 0) -> bytes:
    torch.manual_seed(seed)
    return checkpoint.to_bytes(build_model(arch), DIGITS, dataset="mnist")


def new_run(raw: bytes, name: str = "r", arch: Architecture = PRESETS["small"]) -> NewRun:
    return NewRun(name=name, source="uploaded", dataset="mnist", classes=DIGITS, architecture=arch.to_dict(),
                  model=raw, params=core_runs.params_of(arch))


def padded(size: int, seed: int) -> bytes:
    """A run's model column of ``size`` bytes, distinct per seed (the storage tests never parse it)."""
    return seed.to_bytes(4, "big") + os.urandom(size - 4)


def both_languages(err) -> tuple[str, str]:
    return texts.translate("es", err.key, **err.params), texts.translate("en", err.key, **err.params)


# ------------------------------------------------------------------ disk bounded server-wide

def test_the_whole_servers_model_bytes_are_bounded_and_refused_before_anything_is_written(database_url):
    mb = 2**20
    store = Storage(database_url, Limits(max_bytes=10 * mb, max_total_bytes=12 * mb))
    try:
        first, second = store.create_workspace(), store.create_workspace()
        store.add_run(first, new_run(padded(5 * mb, 1)))
        store.add_run(second, new_run(padded(5 * mb, 2)))  # 10 MB of 12 held, each workspace within its own 10
        with pytest.raises(ServerFullError) as refused:
            store.add_run(first, new_run(padded(3 * mb, 3)))
        assert store.total_model_bytes() == 10 * mb and len(store.runs(first)) == 1  # nothing written, nothing removed
        es, en = both_languages(refused.value)
        assert "12 MB" in en and "10.0 MB" in en and "Nothing was removed" in en
        assert "12 MB" in es and "No se ha borrado nada" in es
        store.add_run(first, new_run(padded(2 * mb, 4)))  # what fits still fits
    finally:
        store.close()


def test_one_address_starts_a_bounded_number_of_workspaces_an_hour(database_url):
    store = Storage(database_url, Limits(new_workspaces_per_hour=3))
    try:
        for _ in range(3):
            store.create_workspace(client="203.0.113.7")
        with pytest.raises(ServerFullError) as refused:
            store.create_workspace(client="203.0.113.7")
        with store._read() as s:
            assert s.scalar(select(Workspace.id).where(Workspace.creator.is_(None))) is None
            assert len(s.scalars(select(Workspace.id)).all()) == 3  # the refused one wrote nothing
            assert "203.0.113.7" not in {c for c in s.scalars(select(Workspace.creator))}  # a digest, never the address
        es, en = both_languages(refused.value)
        assert "(at most 3)" in en and "(como mucho 3)" in es
        store.create_workspace(client="198.51.100.1")  # another address is not held back
        with store.engine.begin() as conn:  # an hour later the address may start workspaces again
            conn.execute(update(Workspace).values(created_at=now() - dt.timedelta(hours=2)))
        store.create_workspace(client="203.0.113.7")
    finally:
        store.close()


# ------------------------------------------------------------------ memory: loaded models bounded by bytes

def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.slow  # about a second or more of CPU: the CI tier, not the edit loop
def test_many_large_stored_models_opened_stay_within_the_caches_bytes_and_the_processs_memory(tmp_path):
    from cnn_core.store.modelcache import ModelCache, model_bytes_in_memory

    big = Architecture(out_channels=(8,), pool="none", dense=(400,))  # 8·28·28·400 ≈ 2.5 M weights: 10 MB
    store = Storage(f"sqlite:///{tmp_path / 'db.sqlite'}", Limits(max_bytes=400 * 2**20))
    code = store.create_workspace()
    digests = []
    for seed in range(8):  # more than twice what the cache holds
        raw = model_file(big, seed)
        store.add_run(code, new_run(raw, f"big{seed}", big))
        digests.append(model_digest(raw))
    runs = store.runs(code)
    bound = 32 * 2**20
    cache = ModelCache(bound, memory_limit_mb=2048)
    before = _rss_bytes()
    peak = 0
    for _ in range(2):  # twice round: every model is evicted and read back again
        for run in runs:
            saved = cache.get(run.model_sha256, lambda r=run: store.model_bytes(code, r.id))
            assert saved is not None and model_bytes_in_memory(saved) > 9 * 2**20
            del saved
            assert cache.bytes <= bound
            peak = max(peak, _rss_bytes() - before)
    assert len(cache) == 3  # three 10 MB models fit in 32 MB
    # The cache's 32 MB, one model being parsed (its file, its zip member, the tensors read, the module built) and
    # the allocator's slack; the eight models kept would be 80 MB more.
    assert peak < bound + 96 * 2**20, peak / 2**20  # measured: 97 MB
    assert [r.model_sha256 for r in runs] == digests
    store.close()


# ------------------------------------------------------------------ SQLite's files track the data

@pytest.mark.slow  # about a second or more of CPU: the CI tier, not the edit loop
def test_deleting_runs_gives_the_sqlite_files_back_to_the_disk(tmp_path):
    path = tmp_path / "db.sqlite"
    mb = 2**20
    store = Storage(f"sqlite:///{path}", Limits(max_bytes=100 * mb, max_runs=30))
    code = store.create_workspace()
    ids = [store.add_run(code, new_run(padded(4 * mb, seed)))[0] for seed in range(12)]  # 48 MB of models
    wal = tmp_path / "db.sqlite-wal"

    def on_disk() -> int:
        return path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)

    assert on_disk() > 40 * mb
    for run_id in ids:
        store.delete_run(code, run_id)
    assert on_disk() < 8 * mb, on_disk() / mb  # the data is gone, and so is its room on the disk
    ids = [store.add_run(code, new_run(padded(4 * mb, seed)))[0] for seed in range(20, 26)]
    store.cleanup_idle(days=-1)  # idle cleanup removes the workspace and its runs: the files shrink too
    assert on_disk() < 8 * mb, on_disk() / mb
    store.close()


# ------------------------------------------------------------------ every call bounded in time

@pytest.fixture
def silent_server():
    """A listening socket that accepts connections and never answers: a hung database server."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held, stop = [], threading.Event()

    def accept():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    listener.close()


def within(seconds: float, call):
    """``call()``'s result or exception, or a failure when it has not returned after ``seconds``."""
    box = {}

    def run():
        try:
            box["value"] = call()
        except BaseException as exc:  # handed to the test
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"the database call did not end within {seconds} s"
    return box


@pytest.mark.slow  # waits out the database's timeout
def test_a_database_server_that_accepts_and_never_answers_ends_in_storage_down(silent_server):
    done = within(30, lambda: Storage(f"postgresql://nobody@127.0.0.1:{silent_server}/none", timeout_s=1))
    assert isinstance(done.get("error"), StorageDownError), done
    es, en = both_languages(done["error"])
    assert "database cannot be reached" in en and "no se puede acceder a la base de datos" in es


@pytest.mark.slow  # waits out the database's timeout
def test_a_database_locked_by_another_writer_ends_in_storage_down_in_time(database_url):
    store = Storage(database_url, timeout_s=1)
    code = store.create_workspace()
    blocker = store.engine.connect()
    try:
        if store.engine.dialect.name == "sqlite":
            blocker.exec_driver_sql("BEGIN EXCLUSIVE")
        else:
            blocker.exec_driver_sql("BEGIN")
            blocker.exec_driver_sql("LOCK TABLE exercises_solved IN ACCESS EXCLUSIVE MODE")
        done = within(30, lambda: store.mark_solved(code, "neurons"))
        assert isinstance(done.get("error"), StorageDownError), done
    finally:
        blocker.rollback()
        blocker.close()
    store.mark_solved(code, "neurons")  # once the lock is gone, everything works again
    assert store.open_workspace(code).solved == {"neurons"}
    store.close()


@pytest.mark.slow  # waits out the database's timeout
@pytest.mark.postgres
def test_a_postgresql_backend_that_freezes_mid_session_ends_in_storage_down_not_a_hang(postgres_server_url):
    """The server took the connection and answered before; then its backends stop (SIGSTOP: the kernel still
    acknowledges, so no TCP setting and no server-side timeout fires). The next call must end, said, and the
    store must work again once the server does."""
    import signal

    from sqlalchemy import create_engine, text

    from cnn_core.store.storage import Storage
    from scripts.pgserver import fresh_database

    url = fresh_database(postgres_server_url)
    store = Storage(url, timeout_s=1)
    code = store.create_workspace()
    assert store.open_workspace(code) is not None  # the pool holds a connection that answered
    admin = create_engine(f"{postgres_server_url}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        pids = [r[0] for r in conn.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = :d"),
                                           {"d": url.rsplit("/", 1)[1]})]
    assert pids
    outcome = []

    def call():
        try:
            outcome.append(store.open_workspace(code))
        except StorageDownError as exc:
            outcome.append(exc)

    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    try:
        worker = threading.Thread(target=call, daemon=True)
        worker.start()
        worker.join(60)  # a hang, not a slow moment: the watchdog cuts after timeout_s + 2 s
        assert not worker.is_alive(), "the call still waits on a frozen backend"
        # A fresh backend may answer the retried checkout: either the workspace or the clear error, never a hang.
        assert isinstance(outcome[0], StorageDownError) or outcome[0].settings == {}
    finally:
        for pid in pids:
            os.kill(pid, signal.SIGCONT)
        admin.dispose()
    assert store.open_workspace(code) is not None  # back to work with the server
    store.close()


@pytest.mark.slow  # waits out the database's timeout
def test_the_app_on_a_database_that_never_answers_says_so_instead_of_hanging(app_env, silent_server):
    from ui.shell import workspace

    app_env(CNN_PLAYGROUND_DATABASE_URL=f"postgresql://nobody@127.0.0.1:{silent_server}/none",
            CNN_PLAYGROUND_DB_TIMEOUT_S="1")
    workspace._open_store.clear()
    try:
        at = open_page("exercises", 60, lang="es")
        at.text_input(key="ex_input_gray_0").input("784").run()
        at.button(key="check_input_gray").click().run()
        no_exceptions(at)
        assert any("no se puede acceder a la base de datos" in w.value for w in at.warning)
    finally:
        workspace._open_store.clear()


def test_a_database_that_stops_answering_mid_session_leaves_home_and_the_room_page_standing(app_env, monkeypatch):
    """The store opened fine, then every call of the Room page and Home's promise times out: said, no error page,
    and the room board (a fragment refreshing every few seconds) says it too."""
    from conftest import INSTRUCTOR_KEY, join_room, open_room
    from streamlit.testing.v1 import AppTest

    from cnn_core.store.storage import Storage

    app_env(CNN_PLAYGROUND_INSTRUCTOR_KEY=INSTRUCTOR_KEY)
    teacher, room = open_room(lambda name, **params: open_page(name, lang="en", **params))
    student = join_room(lambda name, **params: open_page(name, lang="en", **params), room, "Ana")

    def down(*args, **kwargs):
        raise StorageDownError()

    for name in ("room", "rooms", "board", "member_rooms", "create_room", "best_accuracy", "join_room"):
        monkeypatch.setattr(Storage, name, down)
    said = texts.table("en")["notice.storage_down"]
    home = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)  # Home: its page links need st.navigation
    home.query_params["lang"] = "en"
    for at in (teacher, student, open_page("room", lang="en", room=room), home):
        at.run()
        no_exceptions(at)
    assert "CNN Playground" in home.title[0].value  # the promise rests on the shipped model alone
    for at in (teacher, student):
        assert any(said in e.value for e in at.error), [e.value for e in at.error]
    # Opening a room then (a form's callback, outside the page's own guard): said, never an error box, and the
    # name typed stays for another try
    teacher.text_input(key="w_room_title").input("Friday")
    teacher.button[0].click().run()
    no_exceptions(teacher)
    assert any(said in w.value for w in teacher.warning) and teacher.text_input(key="w_room_title").value == "Friday"


def test_a_run_the_database_could_not_delete_is_not_said_deleted(monkeypatch):
    """The Runs page's confirmation while the database does not answer: the run is not said deleted."""
    from cnn_core.store.storage import Storage

    code = app_storage().create_workspace()
    raw = checkpoint.to_bytes(build_model(PRESETS["small"]), list("0123456789"), dataset="mnist")
    run_id, _ = app_storage().add_run(code, core_runs.from_upload(checkpoint.from_bytes(raw), raw, "small.cnn.zip"))
    at = open_page("runs", lang="en", ws=code)

    def down(*args, **kwargs):
        raise StorageDownError()

    monkeypatch.setattr(Storage, "delete_run", down)
    at.button(key=f"run_delete_{run_id}").click().run()
    no_exceptions(at)
    said = [w.value for w in at.warning]
    assert texts.table("en")["notice.storage_down"] in said and not any("were deleted" in w for w in said)
    monkeypatch.undo()
    assert [r.id for r in app_storage().runs(code)] == [run_id]  # still there, as the page says


def test_a_rooms_solution_is_not_shown_while_the_board_cannot_count_it(app_env, monkeypatch):
    """Writing «seen» failed (the database down for a moment): the solution used to show anyway, and the board
    counted the exercise as never seen. Now it is not shown, the student is told to try again, and it shows (and
    is counted) once the database answers."""
    from conftest import INSTRUCTOR_KEY, join_room, open_room

    from ui.sections.room import solutions_key

    app_env(CNN_PLAYGROUND_INSTRUCTOR_KEY=INSTRUCTOR_KEY)
    teacher, room = open_room(lambda name, **params: open_page(name, lang="es", **params))
    teacher.toggle(key=solutions_key(room, False)).set_value(True).run()
    ws = join_room(lambda name, **params: open_page(name, lang="es", **params), room, "Ana").session_state["ws"]
    student = open_page("exercises", lang="es", ws=ws)
    answer = texts.table("es")["ex.answer"].split("{")[0]

    def down(*args, **kwargs):
        raise StorageDownError()

    with monkeypatch.context() as patched:
        patched.setattr(Storage, "mark_solved", down)
        student.button(key="reveal_relu").click().run()
        student.button(key="reveal_yes_relu").click().run()
        no_exceptions(student)
        assert "relu" not in student.session_state["exercises"]
        assert not any(answer in w.value for w in student.warning)
        assert any(texts.table("es")["notice.reveal_not_kept"] in w.value for w in student.warning)
    student.button(key="reveal_relu").click().run()
    student.button(key="reveal_yes_relu").click().run()
    no_exceptions(student)
    assert student.session_state["exercises"]["relu"] == "revealed" and any(answer in w.value for w in student.warning)
    assert app_storage().open_workspace(ws).revealed == {"relu"}
    app_storage().close_room(room)
    app_storage().delete_room(room)  # the test session's database: no past room left for the closing test


# ------------------------------------------------------------------ ids never reused; caches keyed by digest

def test_a_deleted_newest_runs_id_is_never_given_again_and_the_cache_serves_the_new_model(database_url):
    """Two servers on one database: B deletes the newest run and adds another; A's cache never serves the old."""
    from cnn_core.store.modelcache import ModelCache

    server_a, server_b = Storage(database_url), Storage(database_url)
    try:
        code = server_a.create_workspace()
        server_a.add_run(code, new_run(model_file(PRESETS["small"], 1), "first"))
        newest, _ = server_a.add_run(code, new_run(model_file(PRESETS["lenet"], 2), "lenet", PRESETS["lenet"]))
        cache = ModelCache(64 * 2**20)
        listed = {r.id: r for r in server_a.runs(code)}
        assert cache.get(listed[newest].model_sha256, lambda: server_a.model_bytes(code, newest)).arch == PRESETS["lenet"]

        server_b.delete_run(code, newest)
        again, _ = server_b.add_run(code, new_run(model_file(PRESETS["small"], 3), "after"))
        assert again > newest  # a new id: nothing that remembered the old one reaches the new model
        assert server_a.model_bytes(code, newest) is None
        run = next(r for r in server_a.runs(code) if r.id == again)
        saved = cache.get(run.model_sha256, lambda: server_a.model_bytes(code, again))
        assert saved.arch == PRESETS["small"]
        assert model_digest(saved.to_bytes()) != listed[newest].model_sha256
    finally:
        server_a.close()
        server_b.close()


# ------------------------------------------------------------------ simultaneous first writes

def test_the_same_exercise_checked_and_the_same_room_joined_at_once_raise_nothing(database_url):
    stores = [Storage(database_url), Storage(database_url)]
    code = stores[0].create_workspace()
    room = stores[0].create_room("class")
    errors = []

    def at_once(calls):
        barrier = threading.Barrier(len(calls))

        def go(call):
            barrier.wait()
            try:
                call()
            except Exception as exc:  # collected: the test fails with them all
                errors.append(exc)

        threads = [threading.Thread(target=go, args=(c,)) for c in calls]
        for th in threads:
            th.start()
        for th in threads:
            th.join(60)

    try:
        for n in range(12):  # a race lost once in a while today is lost in one of twelve rounds
            exercise = f"ex{n}"
            at_once([lambda s=s, e=exercise: s.mark_solved(code, e) for s in stores for _ in range(2)])
            at_once([lambda s=s, i=i: s.join_room(room, code, f"nick{i}") for i, s in enumerate(stores * 2)])
        assert errors == []
        assert stores[1].open_workspace(code).solved == {f"ex{n}" for n in range(12)}
        board, _ = stores[1].board(room)
        assert len(board) == 1 and board[0].nickname.startswith("nick")
    finally:
        for s in stores:
            s.close()


# ------------------------------------------------------------------ acting on what another tab deleted

def test_renaming_or_pinning_a_run_another_tab_deleted_says_it_is_gone(store):
    code = store.create_workspace()
    run_id, _ = store.add_run(code, new_run(model_file()))
    store.delete_run(code, run_id)
    for act in (lambda: store.rename_run(code, run_id, "new"), lambda: store.pin_run(code, run_id)):
        with pytest.raises(RunGoneError) as gone:
            act()
        es, en = both_languages(gone.value)
        assert "no longer exists" in en and "ya no existe" in es
    assert store.model_bytes(code, run_id) is None


@pytest.mark.parametrize("lang, said", [("en", "That run no longer exists"), ("es", "Ese entrenamiento ya no existe")])
def test_the_runs_page_renaming_a_run_deleted_in_another_tab_says_so_and_refreshes_the_list(lang, said):
    db = app_storage()
    code = db.create_workspace()
    keep, _ = db.add_run(code, new_run(model_file(PRESETS["small"], 1), "keep"))
    gone, _ = db.add_run(code, new_run(model_file(PRESETS["small"], 2), "gone"))
    at = open_page("runs", 60, lang=lang, ws=code)
    assert at.selectbox(key="w_run_pick").value == gone
    db.delete_run(code, gone)  # another tab
    at.text_input(key=f"w_rename_{gone}").input("renamed")
    at.button(key="run_rename").click().run()
    no_exceptions(at)
    assert any(said in w.value for w in at.warning)
    assert at.selectbox(key="w_run_pick").options == [db.run(code, keep).name] or \
        at.selectbox(key="w_run_pick").value == keep  # the list was read again: only the run that exists


# ------------------------------------------------------------------ a workspace removed while in use

def test_adding_a_run_keeps_the_workspaces_last_visit_fresh(store):
    code = store.create_workspace()
    with store.engine.begin() as conn:
        conn.execute(update(Workspace).values(last_seen_at=now() - dt.timedelta(days=80)))
    store.add_run(code, new_run(model_file()))  # a training that ends, an upload: the workspace is in use
    assert store.cleanup_idle(days=1) == 0 and store.runs(code)


@pytest.mark.parametrize("lang, said", [("en", "Your workspace was removed while you were using it"),
                                        ("es", "Tu espacio de trabajo se ha borrado mientras lo usabas")])
def test_a_session_whose_workspace_was_removed_is_told_and_gets_a_new_one(lang, said, monkeypatch):
    from ui.shell import workspace

    db = app_storage()
    code = db.create_workspace()
    db.add_run(code, new_run(model_file(PRESETS["small"], 5), "old"))
    at = open_page("train", 60, lang=lang, ws=code)
    no_exceptions(at)
    with db.engine.begin() as conn:  # idle cleanup on another server took it
        conn.execute(update(Workspace).where(Workspace.code == code)
                     .values(last_seen_at=now() - dt.timedelta(days=1000)))
    db.cleanup_idle()
    monkeypatch.setattr(workspace, "VISIT_TOUCH_S", 0)  # the session's next visit notes itself at once
    at.file_uploader(key="w_model_upload").set_value(("mine.cnn.zip", model_file(PRESETS["lenet"], 6),
                                                      "application/zip")).run()
    no_exceptions(at)
    assert any(said in w.value for w in at.warning)  # the visit found out
    assert not at.session_state["ws"]
    at.button(key="load_model").click().run()
    no_exceptions(at)
    new_code = at.session_state["ws"]
    assert new_code and new_code != code
    assert [r.name for r in db.runs(new_code)] == ["mine"]  # the upload was kept in the new workspace


def test_a_run_added_after_the_workspace_was_removed_goes_to_a_new_one_without_an_error(monkeypatch):
    """No visit in between (a long training): storing the run finds the workspace gone and starts another."""
    from ui.shell import workspace

    db = app_storage()
    code = db.create_workspace()
    at = open_page("train", 60, lang="en", ws=code)
    monkeypatch.setattr(workspace, "VISIT_TOUCH_S", 10**9)  # the visit does not notice
    with db.engine.begin() as conn:
        conn.execute(update(Workspace).where(Workspace.code == code)
                     .values(last_seen_at=now() - dt.timedelta(days=1000)))
    db.cleanup_idle()
    at.file_uploader(key="w_model_upload").set_value(("late.cnn.zip", model_file(PRESETS["small"], 7),
                                                      "application/zip")).run()
    at.button(key="load_model").click().run()
    no_exceptions(at)
    assert [r.name for r in db.runs(at.session_state["ws"])] == ["late"]
    at.run()  # said on the session's next run (the page's notices were drawn before the upload)
    assert any("Your workspace was removed" in w.value for w in at.warning)


# ------------------------------------------------------------------ kept settings above a lowered limit

@pytest.mark.parametrize("lang, said, epochs_label", [
    ("en", "outside what this server allows now", "Epochs"),
    ("es", "quedan fuera de lo que este servidor permite ahora", "Épocas")])
def test_kept_settings_above_a_lowered_limit_or_a_dropped_choice_are_brought_within_and_said(
        app_env, lang, said, epochs_label):
    db = app_storage()
    code = db.create_workspace()
    db.save_settings(code, {"w_mode": "epochs", "w_epochs": 20, "w_lr": 0.0007, "w_batch": 4096,
                            "w_optimizer": "lion", "w_precision": "fp8", "w_budget": 10**6, "w_augment": "yes"})
    app_env(CNN_PLAYGROUND_MAX_EPOCHS="5", CNN_PLAYGROUND_MAX_TRAIN_SECONDS="60")
    at = open_page("train", 60, lang=lang, ws=code)
    no_exceptions(at)
    warning = next(w.value for w in at.warning if said in w.value)
    assert "20 → 5" in warning and epochs_label in warning and "lion" in warning and "fp8" in warning
    assert at.slider(key="w_epochs").value == 5
    assert at.select_slider(key="w_batch").value == TrainConfig.batch_size
    assert at.session_state["w_optimizer"] == "adam" and at.session_state["w_precision"] == "auto"
    assert db.open_workspace(code).settings["w_epochs"] == 5  # the workspace keeps the value the page now shows
    at.radio(key="w_mode").set_value("time").run()
    no_exceptions(at)
    assert at.slider(key="w_budget").value == 60
    again = open_page("train", 60, lang=lang, ws=code)
    assert not any(said in w.value for w in again.warning)  # said once: the kept values are within now


# ------------------------------------------------------------------ a full disk

FULL_DISK_CHILD = r"""
import json, resource, signal, sys
from cnn_core.base.errors import ServerFullError
from cnn_core.store.storage import Storage, NewRun
url, code, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG) rather than killing us
store = Storage(url)
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
model = bytes(range(256)) * (8 * 2**20 // 256)
new = NewRun(name="big", source="uploaded", dataset="mnist", classes=list("01"), architecture={}, model=model,
             params=1)
try:
    store.add_run(code, new)
    print(json.dumps({"kept": True}))
except ServerFullError as err:
    print(json.dumps({"kept": False, "key": err.key}))
"""


@pytest.mark.slow  # about a second or more of CPU: the CI tier, not the edit loop
def test_a_run_on_a_full_disk_is_not_kept_says_why_and_loses_nothing(tmp_path):
    path = tmp_path / "db.sqlite"
    store = Storage(f"sqlite:///{path}")
    code = store.create_workspace()
    first, _ = store.add_run(code, new_run(model_file(), "first"))
    store.mark_solved(code, "neurons")
    store.close()
    limit = path.stat().st_size + 2**20  # the disk holds another megabyte, not the 8 MB model
    child = subprocess.run([sys.executable, "-c", FULL_DISK_CHILD, f"sqlite:///{path}", code, str(limit)],
                           cwd=REPO, capture_output=True, text=True, timeout=120)
    assert child.returncode == 0, child.stderr[-3000:]
    assert json.loads(child.stdout.strip().splitlines()[-1]) == {"kept": False, "key": "err.disk_full"}
    es, en = both_languages(ServerFullError("err.disk_full"))
    assert "was not kept" in en and "Nothing you already had was lost" in en and "no se ha guardado" in es
    again = Storage(f"sqlite:///{path}")
    assert [r.name for r in again.runs(code)] == ["first"] and again.open_workspace(code).solved == {"neurons"}
    assert checkpoint.from_bytes(again.model_bytes(code, first)).arch == PRESETS["small"]
    with again.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    again.close()


# ------------------------------------------------------------------ guessing the instructor key

def test_guessing_the_instructor_key_waits_longer_after_each_wrong_key_per_session_and_address(caplog):
    """A session waits from its first wrong key; an address (a whole class behind one) after its tenth."""
    from cnn_core.base.keyguard import KeyGuard

    clock = [1000.0]
    guard = KeyGuard(first_wait_s=1, max_wait_s=60, clock=lambda: clock[0])
    key = "the-real-key-42"
    waits = []
    with caplog.at_level(logging.INFO, logger="cnn_core.base.keyguard"):
        for n in range(8):
            check = guard.check(f"guess-{n}", key, session="tab1", address="203.0.113.9")
            assert not check.ok and check.checked
            waits.append(check.wait_s)
            refused = guard.check(key, key, session="tab1", address="203.0.113.9")  # even the right key waits
            assert not refused.ok and refused.wait_s > 0 and not refused.checked  # and is said not checked
            clock[0] += check.wait_s
        # A class shares one address: a few wrong keys there (8 of its 10 free ones) never lock the instructor's
        # own new tab out; that tab1 still waits is its own doing.
        clock[0] -= 0.5
        assert not guard.check(key, key, session="tab1", address="203.0.113.9").ok
        assert guard.check(key, key, session="teacher", address="203.0.113.9").ok
        clock[0] += 1
        assert guard.check(key, key, session="tab1", address="203.0.113.9").ok  # the right key after the wait
        # A guesser opening a new tab for each try: ten free wrong keys from the address, then its waits double.
        guesser = []
        for n in range(14):
            check = guard.check(f"guess-{n}", key, session=f"fresh{n}", address="192.0.2.77")
            assert check.checked
            guesser.append(check.wait_s)
            clock[0] += check.wait_s
        assert guesser == [1] * 10 + [1, 2, 4, 8]  # each new tab's own 1 s, then the address's
        clock[0] -= 1
        refused = guard.check(key, key, session="another-fresh-tab", address="192.0.2.77")
        assert not refused.ok and not refused.checked  # the right key from a new tab waits out the address's 8 s
        clock[0] += 8
        assert guard.check(key, key, session="teacher-there", address="192.0.2.77").ok
        # a right key clears that tab's count, never the address's: the guesser's next try waits 16 s, not 0
        assert guard.check("guess-14", key, session="fresh14", address="192.0.2.77").wait_s == 16
        clock[0] += 601  # ten quiet minutes: the address's wrong keys have left its window
        assert guard.check("guess-again", key, session="fresh-late", address="192.0.2.77").wait_s == 1
        clock[0] += 1
        assert guard.check(key, key, session="teacher-late", address="192.0.2.77").ok
    assert waits == [1, 2, 4, 8, 16, 32, 60, 60]
    logged = caplog.text
    assert logged.count("wrong key") == 8 + 14 + 1 + 1 and "203.0.113.9" in logged
    assert logged.count("not checked") == 10 and " 0 s" not in logged  # 8 right keys of tab1, tab1, the new tab
    assert key not in logged and "guess-" not in logged  # neither the key nor a guess is ever logged


def test_the_workspace_key_check_is_the_guarded_one():
    """The app's check (ui.shell.workspace.check_instructor_key): a wrong key makes the next try wait."""
    from ui.shell import workspace

    workspace._key_guard.clear()
    assert not workspace.check_instructor_key("wrong", "right").ok
    second = workspace.check_instructor_key("right", "right")
    assert not second.ok and second.wait_s > 0
    workspace._key_guard.clear()
    assert workspace.check_instructor_key("right", "right").ok


def _join_with_a_removed_workspace(room: str, code: str) -> None:
    import streamlit as st

    from ui.base import state
    from ui.shell import workspace

    st.session_state[state.WS] = code
    st.session_state["joined"] = workspace.join_room(room, "ana")


def test_joining_a_room_with_a_workspace_removed_meanwhile_joins_with_a_new_one():
    """ui.shell.workspace.join_room, what the Room page's join calls: no KeyError('no such workspace')."""
    from streamlit.testing.v1 import AppTest

    db = app_storage()
    room, code = db.create_room("class"), db.create_workspace()
    with db.engine.begin() as conn:
        conn.execute(update(Workspace).where(Workspace.code == code)
                     .values(last_seen_at=now() - dt.timedelta(days=1000)))
    db.cleanup_idle()
    at = AppTest.from_function(_join_with_a_removed_workspace, args=(room, code), default_timeout=60).run()
    no_exceptions(at)
    assert at.session_state["joined"] is True
    new_code = at.session_state["ws"]
    assert new_code != code and db.member_rooms(new_code) == [room]
    assert ("notice.ws_gone", {}) in at.session_state["notices"]


def _download_a_run(code: str, run_id: int) -> None:
    import streamlit as st

    from cnn_core.base.errors import RunGoneError
    from ui.base import state
    from ui.shell import workspace

    st.session_state[state.WS] = code
    if "got" not in st.session_state:
        read = workspace.model_file(run_id)  # what the Runs page's download button calls when pressed
        workspace.store().delete_run(code, run_id)  # another tab deletes the run before the press
        try:
            st.session_state["got"] = read()
        except RunGoneError:
            st.session_state["got"] = None
    st.session_state["listed"] = [r.id for r in workspace.runs()]


def test_downloading_a_run_another_tab_deleted_gives_no_empty_file_and_the_next_run_says_so():
    from streamlit.testing.v1 import AppTest

    db = app_storage()
    code = db.create_workspace()
    run_id, _ = db.add_run(code, new_run(model_file(PRESETS["small"], 8)))
    at = AppTest.from_function(_download_a_run, args=(code, run_id), default_timeout=60).run()
    no_exceptions(at)
    assert at.session_state["got"] is None  # no file at all, never a 0-byte one
    assert ("notice.run_gone", {}) in at.session_state["notices"] and at.session_state["listed"] == []

"""The storage layer against a real SQLite file and a real PostgreSQL server (no mocks)."""

import dataclasses
import datetime as dt
import threading
import time
from types import SimpleNamespace
from unittest import mock

import pytest
import torch
from sqlalchemy import inspect, select, text, update

from cnn_core.base.errors import WorkspaceFullError
from cnn_core.nn import checkpoint
from cnn_core.nn.architecture import PRESETS
from cnn_core.nn.model import build_model
from cnn_core.store import runs
from cnn_core.store.migrations import current
from cnn_core.store.storage import (
    WORKSPACE_CODE,
    Limits,
    NewRun,
    OpenedWorkspace,
    Storage,
    Workspace,
    revealed_key,
)
from cnn_core.train.jobs import start_training
from cnn_core.train.trainer import TrainConfig

HEAD = "0006"  # the newest revision in cnn_core/store/migrations/versions


def model_run(name="r", preset="lenet", accuracy=None, size=None, dataset="mnist"):
    arch = PRESETS[preset]
    raw = checkpoint.to_bytes(build_model(arch), list("0123456789"), dataset=dataset)
    if size is not None:
        raw = raw[:size].ljust(size, b"x")
    return NewRun(name=name, source="trained", dataset=dataset, classes=list("0123456789"),
                  architecture=arch.to_dict(), model=raw, params=runs.params_of(arch), test_accuracy=accuracy)


def test_migrations_create_every_table_and_are_idempotent(database_url):
    first = Storage(database_url)
    tables = set(inspect(first.engine).get_table_names())
    assert {"workspaces", "runs", "exercises_solved", "rooms", "room_members", "alembic_version"} <= tables
    assert current(first.engine) == HEAD
    first.close()
    again = Storage(database_url)  # a second start (another replica) finds it up to date
    assert current(again.engine) == HEAD
    again.close()


def test_a_database_of_the_first_revision_is_upgraded_with_its_data(database_url):
    """An app update meets an existing database: its workspaces stay and gain the exercises' variation."""
    from alembic import command

    from cnn_core.store.migrations import config
    from cnn_core.store.storage import make_engine

    engine = make_engine(database_url)
    with engine.begin() as conn:  # the schema as the first release left it
        cfg = config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
        when = {"code": "A" * 22, "t": dt.datetime(2026, 11, 1)}
        conn.execute(text("INSERT INTO workspaces (code, created_at, last_seen_at, settings) "
                          "VALUES (:code, :t, :t, '{}')"), when)
        conn.execute(text("INSERT INTO exercises_solved SELECT id, 'neurons', :t FROM workspaces WHERE code = :code"),
                     when)
    assert current(engine) == "0001"
    engine.dispose()
    store = Storage(database_url, Limits(idle_days=100_000))  # opening it upgrades it
    assert current(store.engine) == HEAD
    assert store.open_workspace("A" * 22) == OpenedWorkspace({}, {"neurons"}, 0)
    store.close()


def test_a_database_of_revision_0002_gets_model_digests_and_keeps_its_duplicates_as_plain_runs(database_url):
    """An older version let one file in twice: the oldest copy holds the digest, the copy stays a run."""
    from alembic import command

    from cnn_core.store.migrations import config
    from cnn_core.store.storage import make_engine, model_digest

    old = Storage(database_url)
    code = old.create_workspace()
    twice, once = model_run("twice"), model_run("once", preset="small")
    old.close()
    engine = make_engine(database_url)
    with engine.begin() as conn:  # back to the schema before digests, then the old bug's duplicate
        cfg = config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0002")
    engine.dispose()
    old = Storage(database_url, migrate=False)
    columns = ("workspace_id, created_at, name, source, dataset, classes, architecture, train_config, curves, "
               "params, pinned, model_size, model")
    with old.engine.begin() as conn:
        ws_id = conn.scalar(text("SELECT id FROM workspaces WHERE code = :c"), {"c": code})
        for i, new in enumerate((twice, twice, once)):
            conn.execute(text(f"INSERT INTO runs ({columns}) VALUES (:ws, :t, :name, 'uploaded', 'mnist', '[]', "
                              "'{}', '{}', '{}', 1, false, :size, :model)"),
                         {"ws": ws_id, "t": dt.datetime(2026, 11, 1, 12, i), "name": f"{new.name}{i}",
                          "size": len(new.model), "model": new.model})
    old.close()
    store = Storage(database_url)  # opening it upgrades it
    assert current(store.engine) == HEAD
    first, copy, other = store.runs(code)
    assert store.run_holding(code, model_digest(twice.model)) == first.id
    assert store.run_holding(code, model_digest(once.model)) == other.id
    assert store.add_run(code, twice) == (first.id, [])  # the file again: the oldest run, nothing added
    assert [r.name for r in store.runs(code)] == ["twice0", "twice1", "once2"]
    store.close()


def test_the_same_model_file_twice_is_one_run_and_removes_nothing(database_url):
    store = Storage(database_url, Limits(max_runs=2))
    code, other = store.create_workspace(), store.create_workspace()
    first, second = model_run("first"), model_run("second", preset="small")
    first_id, _ = store.add_run(code, first)
    second_id, _ = store.add_run(code, second)  # the workspace is at its run limit now
    for _ in range(3):
        assert store.add_run(code, dataclasses.replace(first, name="again")) == (first_id, [])
    assert [(r.id, r.name) for r in store.runs(code)] == [(first_id, "first"), (second_id, "second")]
    other_id, _ = store.add_run(other, first)  # another workspace holds its own copy
    assert other_id not in (first_id, second_id) and store.run_holding(other, runs_digest(first)) == other_id
    store.delete_run(code, first_id)  # once deleted, the file can be added again
    assert store.run_holding(code, runs_digest(first)) is None
    again, removed = store.add_run(code, first)
    assert again != first_id and removed == []
    store.close()


def test_a_model_zipped_again_later_is_the_same_bytes():
    """Runs are told apart by their model file's digest: the file must not carry the time it was zipped."""
    model = build_model(PRESETS["lenet"], seed=0)
    first = checkpoint.to_bytes(model, list("0123456789"), dataset="mnist", test_accuracy=0.9)
    an_hour_later = time.time() + 3600  # zip stamps times in 2-second steps: an hour is another stamp
    with mock.patch("time.time", return_value=an_hour_later):
        assert checkpoint.to_bytes(model, list("0123456789"), dataset="mnist", test_accuracy=0.9) == first


def test_one_model_zipped_twice_is_the_same_bytes_so_a_download_uploaded_again_is_no_duplicate(store, tiny_data):
    """A run's model downloaded and uploaded again is the same run (the file's bytes do not change with the
    clock: test_a_model_zipped_again_later_is_the_same_bytes, once, not once per database)."""
    job = start_training(build_model(PRESETS["tutorial"].replace(out_channels=(4,), dense=(), num_classes=2)),
                         tiny_data, TrainConfig(epochs=1, batch_size=64, val_size=64, eval_every_s=0.05))
    assert job.wait(60)
    code = store.create_workspace()
    run_id, _ = store.add_run(code, runs.from_job(job, device="cpu"))
    stored = store.model_bytes(code, run_id)
    saved = runs.load_model(stored)  # the run picked again later, then downloaded from the Train page
    download = saved.to_bytes()
    assert download == stored
    assert store.add_run(code, runs.from_upload(checkpoint.from_bytes(download), download, "m.cnn.zip")) == (run_id, [])
    assert [r.id for r in store.runs(code)] == [run_id]


def runs_digest(new: NewRun) -> str:
    from cnn_core.store.storage import model_digest

    return model_digest(new.model)


def test_workspace_codes_are_unguessable_and_checked(store):
    codes = {store.create_workspace() for _ in range(20)}
    assert len(codes) == 20 and all(WORKSPACE_CODE.match(c) for c in codes)
    assert all(len(c) * 6 >= 96 for c in codes)  # base64url: 6 bits a character, 128 bits in all
    code = codes.pop()
    assert store.open_workspace(code) is not None
    assert store.open_workspace(code[:-1] + ("A" if code[-1] != "A" else "B")) is None
    assert store.open_workspace("'; drop table runs; --") is None


def test_a_run_keeps_everything_and_its_model_round_trips(store):
    code = store.create_workspace()
    arch = PRESETS["tutorial"]
    model = build_model(arch, seed=3)
    raw = checkpoint.to_bytes(model, list("0123456789"), dataset="mnist", test_accuracy=0.98)
    new = NewRun(name="tutorial", source="trained", dataset="mnist", classes=list("0123456789"),
                 architecture=arch.to_dict(), model=raw, params=runs.params_of(arch),
                 train_config={"epochs": 1.0, "lr": 0.002}, precision="fp32", device="cpu", reason="done",
                 curves={"steps": [[1, 0.1, 0.5, 2.3, 0.1]], "evals": [[1, 0.5, 2.2, 0.2]]},
                 test_accuracy=0.98, per_class=[0.9] * 10, confusion=[[1] * 10] * 10, seconds=12.5,
                 images_per_s=4000.0)
    run_id, removed = store.add_run(code, new)
    assert removed == []
    [listed] = store.runs(code)  # a listing: no large columns
    assert (listed.id, listed.name, listed.params, listed.test_accuracy) == (run_id, "tutorial", 208_982, 0.98)
    assert listed.curves is None and listed.per_class is None and listed.confusion is None
    info = store.run(code, run_id)
    assert info == store.runs_in_full(code, [run_id])[0]
    assert info == dataclasses.replace(listed, curves=info.curves, per_class=info.per_class, confusion=info.confusion)
    assert info.curves["evals"] == [[1, 0.5, 2.2, 0.2]] and info.confusion[0] == [1] * 10
    assert info.train_config == {"epochs": 1.0, "lr": 0.002} and info.model_size == len(raw)
    loaded = runs.load_model(store.model_bytes(code, run_id))
    assert loaded.arch == arch
    x = torch.rand(2, 1, 28, 28)
    model.eval()
    assert torch.equal(loaded.model(x), model(x))
    other = store.create_workspace()  # another workspace sees nothing of it
    assert store.runs(other) == [] and store.model_bytes(other, run_id) is None
    assert store.runs_in_full(other, [run_id]) == [] and store.run(other, run_id) is None
    store.rename_run(code, run_id, "  best so far  ")
    assert store.run(code, run_id).name == "best so far"
    store.delete_run(other, run_id)  # not theirs: nothing happens
    assert store.run(code, run_id) is not None
    store.delete_run(code, run_id)
    assert store.runs(code) == []


def test_limits_remove_the_oldest_unpinned_runs_and_name_them(database_url):
    store = Storage(database_url, Limits(max_runs=3, max_bytes=10_000))
    code = store.create_workspace()
    ids = [store.add_run(code, model_run(f"run{i}", size=1000))[0] for i in range(3)]
    store.pin_run(code, ids[0])
    _, removed = store.add_run(code, model_run("run3", size=1000))
    assert removed == ["run1"]  # run0 is pinned
    _, removed = store.add_run(code, model_run("big", size=7500))  # bytes: 1000*3 + 7500 > 10000
    assert removed == ["run2"]
    assert [r.name for r in store.runs(code)] == ["run0", "run3", "big"]
    assert sum(r.model_size for r in store.runs(code)) == 9500
    store.close()


def test_a_run_that_cannot_fit_is_refused_before_anything_is_removed(database_url):
    """Removing the oldest runs only helps when it can get under the limits; otherwise nothing changes."""
    store = Storage(database_url, Limits(max_runs=3, max_bytes=2**20))
    code = store.create_workspace()
    ids = [store.add_run(code, model_run(f"run{i}", size=300_000))[0] for i in range(2)]
    with pytest.raises(WorkspaceFullError) as refused:  # alone over the limit: once every run was deleted for it
        store.add_run(code, model_run("huge", size=2**20 + 2**19))
    assert refused.value.key == "err.run_too_big" and refused.value.params == {"size_mb": 1.5, "limit_mb": 1}
    assert [r.name for r in store.runs(code)] == ["run0", "run1"]
    store.pin_run(code, ids[0])
    store.pin_run(code, ids[1])
    with pytest.raises(WorkspaceFullError) as refused:  # the pinned runs leave 448,576 bytes
        store.add_run(code, model_run("big", size=500_000))
    assert refused.value.key == "err.run_no_room" and refused.value.params["pinned_mb"] == 0.6
    kept = store.runs(code)
    assert [r.name for r in kept] == ["run0", "run1"] and sum(r.model_size for r in kept) == 600_000
    _, removed = store.add_run(code, model_run("fits", size=400_000))
    assert removed == []
    store.pin_run(code, store.runs(code)[-1].id)
    with pytest.raises(WorkspaceFullError) as refused:  # three runs kept, all pinned
        store.add_run(code, model_run("one more", size=10))
    assert refused.value.key == "err.runs_all_pinned" and refused.value.params == {"limit": 3}
    assert [r.name for r in store.runs(code)] == ["run0", "run1", "fits"]
    store.close()


def test_a_run_bigger_than_a_run_can_be_read_back_is_refused_even_in_a_big_workspace(database_url):
    """A workspace allowed more megabytes than one run's read-back limit: the run would push others out and then
    never open (checkpoint.MAX_RUN_MODEL_MB); it is refused, naming the per-run limit."""
    from cnn_core.settings import Settings

    assert Settings.load([]).storage_limits().max_run_bytes is not None  # the app's own limits carry the cap
    store = Storage(database_url, Limits(max_runs=3, max_bytes=4 * 2**20, max_run_bytes=2**20))
    code = store.create_workspace()
    store.add_run(code, model_run("small", size=300_000))
    with pytest.raises(WorkspaceFullError) as refused:
        store.add_run(code, model_run("too big to read back", size=2 * 2**20))
    assert refused.value.key == "err.run_too_big" and refused.value.params == {"size_mb": 2.0, "limit_mb": 1}
    assert [r.name for r in store.runs(code)] == ["small"]
    store.close()


def test_a_runs_fields_are_described_once_and_the_table_has_a_column_for_each():
    """RunFields is the one description: a stored run (NewRun) adds its model, a read one (RunInfo) what the
    database adds; the runs table holds both (and its owner and the model's digest), nothing else."""
    from cnn_core.store.storage import Run, RunFields, RunInfo

    described = {f.name for f in dataclasses.fields(RunFields)}
    assert {f.name for f in dataclasses.fields(NewRun)} == described | {"model"}
    assert {f.name for f in dataclasses.fields(RunInfo)} == described | {"id", "created_at", "pinned", "model_size",
                                                                      "model_sha256"}
    columns = {c.key for c in Run.__table__.columns}
    assert columns == described | {"model", "id", "created_at", "pinned", "model_size", "workspace_id",
                                   "model_sha256"}


def test_nul_in_any_text_is_dropped_and_both_databases_keep_the_same(store):
    """PostgreSQL refuses NUL in text (psycopg.DataError); SQLite would keep it. Every text column drops it."""
    code = store.create_workspace()
    new = model_run("my\x00run", dataset="mn\x00ist")
    new.classes, new.train_config = ["ze\x00ro"] + list("123456789"), {"optimizer": "ad\x00am"}
    run_id, _ = store.add_run(code, new)
    info = store.run(code, run_id)
    assert (info.name, info.dataset) == ("myrun", "mnist")
    assert info.classes[0] == "ze\x00ro" and info.train_config == {"optimizer": "ad\x00am"}  # JSON escapes it
    store.rename_run(code, run_id, "evil\x00name")
    assert store.run(code, run_id).name == "evilname"
    store.save_settings(code, {"w_lr": "0.1\x00"})
    assert store.open_workspace(code).settings == {"w_lr": "0.1\x00"}
    store.mark_solved(code, "neu\x00rons")
    assert store.open_workspace(code).solved == {"neurons"}
    room = store.create_room("Tues\x00day")
    assert store.room(room).title == "Tuesday"
    assert store.join_room(room, code, "bob\x00")
    assert [r.nickname for r in store.board(room)[0]] == ["bob"]
    assert store.open_workspace(code + "\x00") is None and store.open_workspace(code[:-1] + "\x00") is None
    assert store.room(room[:-1] + "\x00") is None and not store.join_room(room + "\x00", code, "x")
    with store.engine.connect() as conn:  # what the database itself holds
        assert conn.execute(text("SELECT name, dataset FROM runs")).one() == ("evilname", "mnist")
        assert conn.execute(text("SELECT nickname FROM room_members")).scalar() == "bob"


def test_nicknames_and_titles_are_one_plain_line_and_never_pass_for_a_members_number(store):
    room = store.create_room("Tue\u202eday\x1b[2J  class\n2")
    assert store.room(room).title == "Tueday[2J class 2"
    members = {"bob\x1b[2J\u202eevil\u200b": "bob[2Jevil", "#1": "1", "\uff03 2": "2", "  ## ": "",
               "a\tb\u2028c": "a b c", "=HYPERLINK(\"x\")": "=HYPERLINK(\"x\")"}
    for nickname in members:
        assert store.join_room(room, store.create_workspace(), nickname)
    rows, _ = store.board(room)
    assert [r.nickname for r in rows] == ["bob[2Jevil", "1", "2", "#4", "a b c", "=HYPERLINK(\"x\")"]
    assert all(r.nickname.isprintable() for r in rows)


def test_settings_and_exercise_progress(store):
    code = store.create_workspace()
    assert store.open_workspace(code).settings == {} and store.open_workspace(code).solved == set()
    store.save_settings(code, {"w_mode": "time", "w_budget": 20, "w_lr": 0.003})
    store.mark_solved(code, "neurons")
    store.mark_solved(code, "neurons")
    store.mark_solved(code, "params")
    assert store.open_workspace(code).settings == {"w_mode": "time", "w_budget": 20, "w_lr": 0.003}
    assert store.open_workspace(code).solved == {"neurons", "params"}
    assert store.open_workspace(code) == OpenedWorkspace({"w_mode": "time", "w_budget": 20, "w_lr": 0.003},
                                                         {"neurons", "params"}, 0)
    assert store.open_workspace("x" * 22) is None and store.open_workspace("bad code") is None
    store.unmark_all(code)
    assert store.open_workspace(code).solved == set()


def test_a_revealed_exercise_is_kept_apart_and_answering_it_afterwards_does_not_solve_it(store):
    code = store.create_workspace()
    # Each call says what is kept: the page shows that, not what it asked for (a tab drawn before another revealed)
    assert store.mark_solved(code, "padding", revealed=True) is True
    assert store.mark_solved(code, "padding") is True  # the revealed answer typed in afterwards
    assert store.mark_solved(code, "relu") is False
    assert store.mark_solved(code, "relu", revealed=True) is False  # solved first: revealing it later changes nothing
    opened = store.open_workspace(code)
    assert opened.solved == {"relu"} and opened.revealed == {"padding"}
    assert store.open_workspace(code) == OpenedWorkspace({}, {"relu"}, 0, {"padding"})
    room = store.create_room()
    store.join_room(room, code, "ana")
    rows, counts = store.board(room)
    assert (rows[0].solved, rows[0].revealed) == (1, 1)
    assert counts == {"relu": 1, revealed_key("padding"): 1}


def test_a_room_withholds_solutions_until_its_instructor_allows_them_and_only_from_its_members(store):
    member, other = store.create_workspace(), store.create_workspace()
    room, second = store.create_room(), store.create_room()
    assert not store.room(room).solutions  # a new room starts without
    store.join_room(room, member, "ana")
    store.join_room(second, member, "ana")
    assert store.rooms_withholding_solutions(member) == sorted([room, second])
    assert store.rooms_withholding_solutions(other) == []  # a self-learner: no room withholds anything
    store.allow_solutions(room, True)
    assert store.room(room).solutions and [r.solutions for r in store.rooms() if r.code == room] == [True]
    assert store.rooms_withholding_solutions(member) == [second]  # every room the member is in must allow them
    store.close_room(second)  # a closed room withholds nothing any more
    assert store.rooms_withholding_solutions(member) == []
    store.allow_solutions(room, False)
    assert store.rooms_withholding_solutions(member) == [room]


def test_the_exercise_variation_is_kept_and_changing_it_starts_its_progress_from_zero(store):
    code, other = store.create_workspace(), store.create_workspace()
    assert store.open_workspace(code).variation == 0
    store.mark_solved(code, "neurons")
    store.mark_solved(code, "relu", revealed=True)
    store.mark_solved(other, "neurons")
    store.set_variation(code, 7)
    # A new variation: nothing solved yet, but a solution seen stays seen (there and back, then typed, it would
    # otherwise count as solved).
    assert store.open_workspace(code) == OpenedWorkspace({}, set(), 7, {"relu"})
    store.mark_solved(code, "params")
    store.set_variation(code, 0)
    store.mark_solved(code, "relu")  # the answer it showed, typed in the variation it was seen in
    assert store.open_workspace(code) == OpenedWorkspace({}, set(), 0, {"relu"})
    store.mark_solved(code, "params")
    assert store.open_workspace(code) == OpenedWorkspace({}, {"params"}, 0, {"relu"})
    assert store.open_workspace(other) == OpenedWorkspace({}, {"neurons"}, 0)  # another workspace untouched
    with pytest.raises(KeyError):
        store.set_variation("x" * 22, 3)


def test_opening_a_workspace_notes_the_visit_only_when_the_last_one_is_stale(store):
    code = store.create_workspace()
    old = dt.datetime(2026, 1, 1)
    with store.engine.begin() as conn:
        conn.execute(update(Workspace).where(Workspace.code == code).values(last_seen_at=old))
    store.limits = Limits(idle_days=100_000)  # not removed by the cleanup the opening may run
    store.open_workspace(code)
    with store.engine.connect() as conn:
        seen = conn.execute(select(Workspace.last_seen_at).where(Workspace.code == code)).scalar()
    assert seen > old  # noted: the workspace will not be cleaned up as idle
    store.open_workspace(code)
    with store.engine.connect() as conn:
        assert conn.execute(select(Workspace.last_seen_at).where(Workspace.code == code)).scalar() == seen


def test_idle_workspaces_are_removed_with_everything_they_hold(store):
    old, fresh = store.create_workspace(), store.create_workspace()
    store.add_run(old, model_run())
    store.mark_solved(old, "neurons")
    room = store.create_room("class")
    store.join_room(room, old, "ana")
    with store.engine.begin() as conn:
        conn.execute(update(Workspace).where(Workspace.code == old)
                     .values(last_seen_at=dt.datetime(2020, 1, 1)))
    assert store.cleanup_idle(days=30) == 1
    assert store.open_workspace(old) is None and store.open_workspace(fresh) is not None
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM runs")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM room_members")).scalar() == 0


def test_idle_days_never_keeps_every_workspace(store, monkeypatch):
    """CNN_PLAYGROUND_IDLE_DAYS=never: the settings say None and no cleanup removes anything, even years idle."""
    from cnn_core.settings import Settings

    monkeypatch.setenv("CNN_PLAYGROUND_IDLE_DAYS", "never")
    store.limits = Settings.load([]).storage_limits()
    assert store.limits.idle_days is None
    code = store.create_workspace()
    with store.engine.begin() as conn:
        conn.execute(update(Workspace).where(Workspace.code == code).values(last_seen_at=dt.datetime(2000, 1, 1)))
    assert store.cleanup_idle() == 0
    store._last_cleanup = None  # the next visit runs the cleanup as a fresh process would
    assert store.open_workspace(code) is not None


def test_the_server_cleans_up_by_itself_when_a_workspace_is_opened_or_created(database_url):
    first = Storage(database_url)
    old, returning = first.create_workspace(), first.create_workspace()
    with first.engine.begin() as conn:
        conn.execute(update(Workspace).where(Workspace.code.in_([old, returning]))
                     .values(last_seen_at=dt.datetime(2000, 1, 1)))
    first.close()
    restarted = Storage(database_url)  # a server process starting: its first visitor triggers the cleanup
    assert restarted.open_workspace(returning) is None  # idle too long: gone, like the other one
    assert restarted.open_workspace(old) is None
    restarted.close()
    another = Storage(database_url)
    stale = another.create_workspace()
    with another.engine.begin() as conn:
        conn.execute(update(Workspace).where(Workspace.code == stale).values(last_seen_at=dt.datetime(2000, 1, 1)))
    another.close()
    fresh = Storage(database_url)
    fresh.create_workspace()  # a new visitor on a fresh process also triggers it
    assert fresh.open_workspace(stale) is None
    fresh.close()


def test_room_board_ranks_best_runs_and_counts_exercises(store):
    room = store.create_room("Tuesday workshop")
    assert store.room(room).title == "Tuesday workshop" and not store.room(room).closed
    ana, ben, cy = (store.create_workspace() for _ in range(3))
    assert store.join_room(room, ana, "  Ana <b>  ")
    assert store.join_room(room, ben, "")
    assert store.join_room(room, cy, "Cy")
    store.add_run(ana, model_run("a1", "lenet", 0.97))
    store.add_run(ana, model_run("a2", "tutorial", 0.99))
    store.add_run(ben, model_run("b1", "lenet", 0.99))  # same accuracy, fewer parameters: ranks first
    store.mark_solved(ana, "neurons")
    store.mark_solved(ben, "neurons")
    store.mark_solved(ben, "params")
    rows, counts = store.board(room)
    assert [r.nickname for r in rows] == ["#2", "Ana <b>", "Cy"]
    assert rows[0].params == runs.params_of(PRESETS["lenet"]) and rows[1].params == 208_982
    assert rows[2].best_accuracy is None and rows[1].runs == 2 and rows[0].solved == 2
    assert counts == {"neurons": 2, "params": 1}
    assert store.member_rooms(ana) == [room]
    store.close_room(room)
    assert store.room(room).closed and not store.join_room(room, store.create_workspace(), "late")
    assert store.member_rooms(ana) == []
    assert store.room("nope") is None


def test_a_run_that_blew_up_is_counted_on_the_board_but_never_ranked(store):
    room = store.create_room("Wednesday")
    ana = store.create_workspace()
    assert store.join_room(room, ana, "Ana")
    store.add_run(ana, model_run("fair", "lenet", 0.90))
    exploded = model_run("exploded", "lenet", 0.95)  # a blown-up run's accuracy is not an achievement
    exploded.reason = "diverged"
    store.add_run(ana, exploded)
    (row,), _ = store.board(room)
    assert row.best_accuracy == 0.90 and row.runs == 2 and row.diverged == 1


def test_a_finished_training_becomes_a_run(store, tiny_data):
    job = start_training(build_model(PRESETS["tutorial"].replace(out_channels=(4,), dense=(), num_classes=2)),
                         tiny_data, TrainConfig(epochs=1, batch_size=64, val_size=64, eval_every_s=0.05))
    assert job.wait(60)
    new = runs.from_job(job, device="cpu")
    code = store.create_workspace()
    run_id, _ = store.add_run(code, new)
    info = store.run(code, run_id)
    assert info.source == "trained" and info.dataset == "tiny" and info.classes == ["top", "bottom"]
    assert info.reason == "done" and info.test_accuracy == job.snapshot().result.test_accuracy
    assert len(info.curves["steps"]) >= 2 and info.curves["evals"]
    assert info.train_config["batch_size"] == 64 and len(info.per_class) == 2
    xs, ys = runs.curve_series(info, "epochs")["train_loss"]
    assert xs[-1] == pytest.approx(1.0, abs=0.2) and len(xs) == len(ys)
    assert runs.load_model(store.model_bytes(code, run_id)).arch == job.model.arch


def test_concurrent_writers_do_not_lose_runs(store):
    code = store.create_workspace()
    errors = []

    def add(i):
        try:
            store.add_run(code, model_run(f"t{i}", size=500))
        except Exception as exc:  # collected and reported below
            errors.append(exc)

    threads = [threading.Thread(target=add, args=(i,)) for i in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == [] and len(store.runs(code)) == 8


def test_compare_marks_the_differences(store):
    code = store.create_workspace()
    a, _ = store.add_run(code, model_run("a", "tutorial", 0.99))
    b, _ = store.add_run(code, model_run("b", "lenet", 0.98))
    rows = {key: (values, differ) for key, values, differ in runs.compare([store.run(code, a), store.run(code, b)])}
    assert rows["dataset"] == (["mnist", "mnist"], False)
    assert rows["filters"][1] and rows["params"][1] and rows["test_accuracy"] == ([0.99, 0.98], True)
    assert rows["pool_every"] == ([1, 1], False)
    kept_before = SimpleNamespace(architecture={"out_channels": [32], "pool": "max"})  # a run from before the field
    assert dict(runs.COMPARED)["pool_every"](kept_before) == 1
    unpooled = SimpleNamespace(architecture={"out_channels": [32], "pool": "none", "pool_every": 2, "pool_size": 3})
    assert dict(runs.COMPARED)["pool_every"](unpooled) is None  # it changes nothing there: shown as "–"
    assert dict(runs.COMPARED)["pool"](unpooled) == ("none", None)


def test_best_digits_model_ignores_other_datasets(store):
    code = store.create_workspace()
    store.add_run(code, model_run("fashion", accuracy=0.999, dataset="fashion-mnist"))
    assert runs.best_digits_run(store.runs(code)) is None
    store.add_run(code, model_run("digits", accuracy=0.95))
    store.add_run(code, model_run("better", accuracy=0.97))
    assert runs.best_digits_run(store.runs(code)).name == "better"


def test_the_migrations_build_exactly_the_models_schema(database_url):
    """storage.py's models and the Alembic revisions must not drift apart: autogenerate finds nothing to do."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from cnn_core.store.storage import Base

    store = Storage(database_url)
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    store.close()
    assert diff == []

"""Everything the app keeps between visits: workspaces, runs, exercise progress, settings, rooms.

This is the only module that touches the database (SQLAlchemy 2). Pages and
``ui/`` call a :class:`Storage` and get plain dataclasses back, never ORM rows
or SQL. It is not the model format (that is :mod:`cnn_core.nn.checkpoint`; a run
keeps a checkpoint's bytes) and knows nothing of Streamlit.

The database is one SQLite file under the app's data home by default, created
on first use; ``CNN_PLAYGROUND_DATABASE_URL`` points several app replicas at
one PostgreSQL server instead. Model files live in the database too, in a
deferred column that listings never load, so every replica reads every model
without a shared disk. The schema is created and upgraded by the Alembic
migrations in ``cnn_core/store/migrations/`` when a Storage opens.

A workspace is anonymous: whoever holds its code (128 random bits, in the
page's URL) owns it. Limits keep one workspace from filling the disk: past the
run or byte limit the oldest unpinned runs are removed and their names
returned, so the app can say so; a run that could not fit even then is
refused before anything is removed. A workspace holds a model file once: each
run keeps the SHA-256 of its model's bytes (:func:`model_digest`, unique per
workspace), and adding a model the workspace already has returns the run that
holds it and removes nothing (:meth:`Storage.add_run`). Text columns drop NUL characters
(:class:`CleanString`) and user text is kept as one clean line
(:mod:`cnn_core.base.usertext`), the same on SQLite and PostgreSQL. Workspaces
idle longer than ``idle_days`` (unless it is None: never) are removed by :meth:`Storage.cleanup_idle`,
which opening or creating a workspace runs by itself at most once an hour per
process.

Hostile load and failure end in a :class:`~cnn_core.base.errors.PlaygroundError`
the app can explain, never a driver's exception: every public call is bounded
in time (``timeout_s``: SQLite's lock wait, PostgreSQL's connect, statement and
lock timeouts) and ends in :class:`StorageDownError`; a full disk, the server's
model bytes (``Limits.max_total_bytes``) and new workspaces per client address
(``Limits.new_workspaces_per_hour``) end in :class:`ServerFullError` before
anything is written; a removed workspace is a :class:`WorkspaceGoneError`, a
deleted run a :class:`RunGoneError`. Every read-then-insert two sessions can
race is one ``INSERT … ON CONFLICT``; run ids are never reused (AUTOINCREMENT on
SQLite), and SQLite's files shrink after deletes.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import math
import os
import re
import secrets
import socket
import threading
import time
from dataclasses import dataclass, field, fields
from pathlib import Path

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    TypeDecorator,
    create_engine,
    delete,
    event,
    false,
    func,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, DisconnectionError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from cnn_core.base import usertext
from cnn_core.base.errors import (
    RunGoneError,
    ServerFullError,
    StorageDownError,
    WorkspaceFullError,
    WorkspaceGoneError,
)

WORKSPACE_CODE_BYTES = 16  # 128 bits: secrets.token_urlsafe gives 22 URL-safe characters
WORKSPACE_CODE = re.compile(r"[A-Za-z0-9_-]{22}")  # check with fullmatch: "$" also matches before a final newline
ROOM_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud and typed from a projector
ROOM_CODE_LEN = 6
ROOM_CODE = re.compile(rf"[{ROOM_ALPHABET}]{{{ROOM_CODE_LEN}}}")  # fullmatch, like WORKSPACE_CODE
MAX_NAME_LEN = 80  # run names and room titles
MAX_NICKNAME_LEN = 30
CLEANUP_EVERY_S = 3600.0
TOUCH_EVERY = dt.timedelta(hours=1)  # how stale a workspace's last visit may be before a visit writes it
JOURNAL_SIZE_LIMIT = 4 * 2**20  # bytes a SQLite write-ahead log keeps after a checkpoint (it grows while busy)


def model_digest(model: bytes) -> str:
    """What tells one model file from another: the SHA-256 of its bytes, in hex (64 characters)."""
    return hashlib.sha256(model).hexdigest()


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)  # naive UTC: the same in SQLite and PostgreSQL


# ------------------------------------------------------------------ schema

class CleanString(TypeDecorator):
    """Every string column: what is written (and compared) loses its NUL characters.

    PostgreSQL refuses NUL in text; SQLite would keep it. Cleaning here, for
    every column and every statement, keeps both databases holding the same
    thing and no user text (a model file's dataset name, a run's new name, a
    nickname) can fail a write. JSON columns need nothing: JSON writes NUL as
    the escape ``\\u0000``.
    """

    impl = String
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return usertext.without_nul(value) if isinstance(value, str) else value


class Base(DeclarativeBase):
    type_annotation_map = {str: CleanString}


class Workspace(Base):
    __tablename__ = "workspaces"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(CleanString(32), unique=True, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    settings: Mapped[dict] = mapped_column(JSON, default=dict)  # the Train page's choices
    # client_key() of the address that created it: how many workspaces one address starts an hour is bounded.
    creator: Mapped[str | None] = mapped_column(CleanString(32), nullable=True)
    __table_args__ = (Index("ix_workspaces_creator", "creator", "created_at"),)
    # The Exercises page's variation (0 = the tutorial's numbers); exercises_solved holds its progress.
    exercise_variation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Run(Base):
    __tablename__ = "runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    name: Mapped[str] = mapped_column(CleanString(MAX_NAME_LEN))
    source: Mapped[str] = mapped_column(CleanString(16))  # "trained" or "uploaded"
    dataset: Mapped[str] = mapped_column(CleanString(120))
    classes: Mapped[list] = mapped_column(JSON)
    architecture: Mapped[dict] = mapped_column(JSON)  # Architecture.to_dict()
    train_config: Mapped[dict] = mapped_column(JSON)  # TrainConfig fields that shaped the run
    precision: Mapped[str | None] = mapped_column(CleanString(8), nullable=True)
    device: Mapped[str | None] = mapped_column(CleanString(16), nullable=True)
    reason: Mapped[str | None] = mapped_column(CleanString(16), nullable=True)  # "done", "stopped", "nan"
    curves: Mapped[dict] = mapped_column(JSON)  # {"steps": [[step, epoch, seconds, loss, acc]], "evals": [...]}
    test_accuracy: Mapped[float | None] = mapped_column(Float, nullable=True)
    per_class: Mapped[list | None] = mapped_column(JSON, nullable=True)
    confusion: Mapped[list | None] = mapped_column(JSON, nullable=True)
    params: Mapped[int] = mapped_column(Integer)
    seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    images_per_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    model_size: Mapped[int] = mapped_column(Integer)
    model: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)  # a checkpoint zip; loaded only when asked for
    # model_digest(model); None only for a duplicate an older version let in (migration 0003).
    model_sha256: Mapped[str | None] = mapped_column(CleanString(64), nullable=True)
    # One run per model file in a workspace: two sessions adding the same file at once cannot both succeed.
    # SQLite's AUTOINCREMENT (migration 0004): a deleted run's id is never given to the next run, so nothing
    # that remembered the id (a tab, a cache) can reach another model through it. PostgreSQL never reuses one.
    __table_args__ = (Index("ix_runs_workspace_model", "workspace_id", "model_sha256", unique=True),
                      {"sqlite_autoincrement": True})


class ExerciseSolved(Base):
    __tablename__ = "exercises_solved"
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True)
    exercise_id: Mapped[str] = mapped_column(CleanString(40), primary_key=True)
    solved_at: Mapped[dt.datetime] = mapped_column(DateTime)
    # True: the learner asked for the solution (migration 0005); such an exercise never counts as solved.
    revealed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Room(Base):
    __tablename__ = "rooms"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(CleanString(16), unique=True, index=True)
    title: Mapped[str] = mapped_column(CleanString(MAX_NAME_LEN))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    # True: members may ask for an exercise's solution (migration 0006); a room starts without.
    solutions: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class RoomMember(Base):
    __tablename__ = "room_members"
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"), primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True)
    nickname: Mapped[str] = mapped_column(CleanString(MAX_NICKNAME_LEN))
    joined_at: Mapped[dt.datetime] = mapped_column(DateTime)


# ------------------------------------------------------------------ what callers get

@dataclass(kw_only=True)
class RunFields:
    """What a run says about itself, described once: what is stored (:class:`NewRun`) and what is read back
    (:class:`RunInfo`) both have these fields, and the ``runs`` table a column for each (a test checks)."""

    name: str
    source: str  # "trained" or "uploaded"
    dataset: str
    classes: list[str]
    architecture: dict  # Architecture.to_dict()
    params: int
    train_config: dict = field(default_factory=dict)  # TrainConfig fields that shaped the run
    precision: str | None = None
    device: str | None = None
    reason: str | None = None  # "done", "stopped", "nan"
    curves: dict | None = field(default_factory=lambda: {"steps": [], "evals": []})
    test_accuracy: float | None = None
    per_class: list[float] | None = None
    confusion: list[list[int]] | None = None
    seconds: float | None = None
    images_per_s: float | None = None


@dataclass(kw_only=True)
class NewRun(RunFields):
    """What a finished training or an uploaded model contributes; see :mod:`cnn_core.store.runs`."""

    model: bytes  # a checkpoint zip


@dataclass(kw_only=True)
class RunInfo(RunFields):
    """One run as the app shows it; the model's bytes come separately (:meth:`Storage.model_bytes`).

    A listing (:meth:`Storage.runs`) leaves out the large columns, ``curves``,
    ``per_class`` and ``confusion`` (None there); :meth:`Storage.run` and
    :meth:`Storage.runs_in_full` bring them.
    """

    id: int
    created_at: dt.datetime
    pinned: bool
    model_size: int
    model_sha256: str | None = None  # model_digest() of its model: what a loaded model is cached by


@dataclass(frozen=True)
class OpenedWorkspace:
    """What a returning visitor's first page needs: the Train settings and the exercises' variation and progress."""

    settings: dict
    solved: set[str]
    variation: int = 0
    revealed: set[str] = field(default_factory=set)  # exercises whose solution was shown (not solved)


@dataclass(frozen=True)
class Limits:
    max_runs: int = 30  # runs kept per workspace
    max_bytes: int = 100 * 2**20  # model bytes kept per workspace
    max_run_bytes: int | None = None  # one run's model, at most (what a run is read back with); None: max_bytes
    idle_days: float | None = 90  # workspaces unseen this long are removed; None: never
    max_total_bytes: int | None = None  # model bytes kept by the whole server, every workspace together
    new_workspaces_per_hour: int | None = None  # workspaces one client address may create an hour

    @property
    def max_mb(self) -> float:
        """``max_bytes`` in megabytes as a person reads it: 100, or 0.5."""
        return _mb(self.max_bytes)


def _mb(size: int) -> float:
    mb = size / 2**20
    return int(mb) if mb.is_integer() else round(mb, 1)


WENT_WRONG = ("nan", "diverged")  # a training's reason when its loss blew up: its weights may be the untrained start


@dataclass(frozen=True)
class BoardRow:
    """One student on a room's board: their best run (by test accuracy) among the runs of a set work.

    Fair means equal work: a run trained for a number of epochs sees the same
    images on any computer, however busy, and runs are ranked against runs of
    the same dataset and epochs (the room's main work first, :meth:`Storage.board`);
    a run trained for a time budget sees as many as the machine that trained it managed, and a run stopped before
    its end saw only part of its work, so such a run is a member's best only when they have no other, and such
    members rank after the rest. Runs that blew up (``WENT_WRONG``) are counted apart, never a member's best.
    """

    nickname: str
    runs: int
    best_accuracy: float | None
    params: int | None
    seconds: float | None
    dataset: str | None
    solved: int
    revealed: int = 0  # exercises whose solution the student asked to see
    epochs: float | None = None  # the best run's work: passes over the training set
    images_per_s: float | None = None  # the best run's throughput (how fast and busy the machine that trained it was)
    timed: bool = False  # the best run was trained for a time budget: ranked after every run of a set work
    diverged: int = 0  # their runs whose loss blew up (WENT_WRONG): counted, never their best
    stopped: bool = False  # the best run was stopped before its end (part of its work): ranked as a timed one


def revealed_key(exercise_id: str) -> str:
    """Where a room board's counts hold how many members saw ``exercise_id``'s solution."""
    return f"{exercise_id}#revealed"  # '#' is in no exercise id


@dataclass(frozen=True)
class RoomInfo:
    code: str
    title: str
    created_at: dt.datetime
    closed: bool
    solutions: bool = False  # whether its members may ask for exercises' solutions (the instructor's choice)


def _room_info(room: Room) -> RoomInfo:
    return RoomInfo(room.code, room.title, room.created_at, room.closed_at is not None, bool(room.solutions))


# What a run's reader gets: every column but the model and the owner. A listing (every page of a session
# with a workspace reads one) leaves out the large ones too: 400 curve points a run, parsed from JSON, times
# 30 runs cost tens of milliseconds, and only the Runs view's compared runs need them.
_DETAIL_COLUMNS = ("curves", "per_class", "confusion")
_RUN_COLUMNS = [c for c in Run.__table__.columns if c.key not in ("model", "workspace_id")]
_LIST_COLUMNS = [c for c in _RUN_COLUMNS if c.key not in _DETAIL_COLUMNS]


# ------------------------------------------------------------------ the store

def client_key(address: str | None) -> str | None:
    """What a workspace keeps of the address that created it: a digest, never the address itself."""
    return hashlib.sha256(str(address).encode("utf-8", "replace")).hexdigest()[:32] if address else None


def _unequal(run) -> bool:
    """Whether a run's work is not its set work: trained for a time budget, or stopped before its end."""
    return _timed(run.train_config) or run.reason == "stopped"


def _timed(train_config: dict | None) -> bool:
    """Whether a run was trained for a time budget: its work was whatever its computer managed."""
    return (train_config or {}).get("time_budget_s") is not None


def _epochs(train_config: dict | None) -> float | None:
    """A run's set work in epochs, when it has one (an uploaded model's is unknown)."""
    epochs = (train_config or {}).get("epochs")
    ok = isinstance(epochs, (int, float)) and not isinstance(epochs, bool) and not _timed(train_config)
    return float(epochs) if ok else None



def make_engine(url: str, timeout_s: float = 10) -> Engine:
    """An engine whose every call ends within about ``timeout_s``: waiting for a lock, for a connection from
    the pool, for a server to answer the connection, or for a statement (PostgreSQL's statement_timeout)."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": timeout_s})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(conn, _record):
            cur = conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")  # cascades: a removed workspace takes its runs along
            # Only a new database takes it (before its first table): deleted runs' pages go back to the disk.
            cur.execute("PRAGMA auto_vacuum=INCREMENTAL")
            cur.execute("PRAGMA journal_mode=WAL")  # readers do not wait for the writer
            cur.execute(f"PRAGMA journal_size_limit={JOURNAL_SIZE_LIMIT}")  # the log shrinks back after a burst
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]  # the psycopg 3 driver in requirements.txt
    ms = int(timeout_s * 1000)
    engine = create_engine(url, pool_size=5, max_overflow=10, pool_timeout=timeout_s,
                           connect_args={
                               "connect_timeout": max(2, math.ceil(timeout_s)),  # libpq's least useful value is 2
                               # A server that stops answering mid-statement: the kernel gives up on
                               # unacknowledged data after this, and the server cancels a statement or a lock wait.
                               "tcp_user_timeout": ms, "keepalives": 1, "keepalives_idle": max(1, int(timeout_s)),
                               "keepalives_interval": 1, "keepalives_count": 3,
                               "options": f"-c statement_timeout={ms} -c lock_timeout={ms}"})
    _watch_statements(engine, timeout_s + WATCHDOG_GRACE_S)
    return engine


WATCHDOG_GRACE_S = 2.0  # past the server's own statement_timeout: a healthy server has cancelled by then


def _watch_statements(engine: Engine, after_s: float) -> None:
    """Bound every statement on the client too: a server that acknowledges but never answers (a frozen
    backend: the kernel keeps the connection up, so neither TCP setting nor the server's own timeout fires)
    would leave the call waiting for ever. A timer shuts the connection's socket down after ``after_s``; the
    waiting call then fails at once, and the pool drops that connection."""

    def cut(fd: int) -> None:
        try:
            with socket.socket(fileno=os.dup(fd)) as s:
                s.shutdown(socket.SHUT_RDWR)
        except OSError:  # closed meanwhile: nothing is waiting on it
            pass

    def watched(fd: int) -> threading.Timer:
        timer = threading.Timer(after_s, cut, (fd,))
        timer.daemon = True
        timer.start()
        return timer

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_conn, record, proxy):  # SQLAlchemy's pre-ping, watched too: a frozen backend is replaced
        timer = watched(dbapi_conn.pgconn.socket)
        try:
            dbapi_conn.execute("SELECT 1")
            dbapi_conn.rollback()  # leave it as the pool handed it: no transaction open
        except Exception as exc:  # the pool drops it and checks out another (a new connection if need be)
            raise DisconnectionError() from exc
        finally:
            timer.cancel()

    @event.listens_for(engine, "before_cursor_execute")
    def _arm(conn, cursor, statement, parameters, context, executemany):
        conn.info.setdefault("_watchdogs", []).append(watched(conn.connection.dbapi_connection.pgconn.socket))

    def _disarm(conn, *args):
        for timer in conn.info.pop("_watchdogs", []):
            timer.cancel()

    event.listen(engine, "after_cursor_execute", _disarm)
    event.listen(engine, "handle_error", lambda ctx: _disarm(ctx.connection) if ctx.connection is not None else None)


_DISK_FULL = ("database or disk is full", "disk full", "no space left", "file too large", "disk quota")


def _bounded(method):
    """A public Storage call: a database that cannot be reached, or answers too late, becomes a
    :class:`StorageDownError`, a full disk a :class:`ServerFullError`; both leave the database as it was."""

    @functools.wraps(method)
    def call(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except IntegrityError:
            raise
        except (DBAPIError, PoolTimeoutError) as exc:
            text_ = str(getattr(exc, "orig", None) or exc).lower()
            # SQLite says SQLITE_FULL when the disk is out of room, SQLITE_IOERR_WRITE when a file-size limit
            # (or the disk itself) refused a write: for the run either way, the disk would not take it.
            sqlite_error = getattr(getattr(exc, "orig", None), "sqlite_errorname", "")
            if sqlite_error in ("SQLITE_FULL", "SQLITE_IOERR_WRITE") or any(s in text_ for s in _DISK_FULL):
                raise ServerFullError("err.disk_full") from exc
            if isinstance(exc, PoolTimeoutError) or not isinstance(exc, DBAPIError) or _unreachable(exc):
                raise StorageDownError() from exc
            raise
        except OSError as exc:  # SQLite's lock file or folder on a full disk
            if exc.errno in (27, 28, 122):  # EFBIG, ENOSPC, EDQUOT
                raise ServerFullError("err.disk_full") from exc
            raise

    return call


def _unreachable(exc: DBAPIError) -> bool:
    """An error of the database's reach or time, not of a statement this module got wrong."""
    from sqlalchemy.exc import InterfaceError, OperationalError

    return isinstance(exc, (OperationalError, InterfaceError)) or exc.connection_invalidated


class Storage:
    """Workspaces, runs, progress and rooms in one database. Thread-safe: one per process."""

    def __init__(self, url: str, limits: Limits = Limits(), migrate: bool = True, timeout_s: float = 10):
        self.url = url
        self.limits = limits
        self.timeout_s = timeout_s
        self.engine = make_engine(url, timeout_s)
        self._session = sessionmaker(self.engine, expire_on_commit=False)
        # Reads are single statements: without a transaction around them a read on PostgreSQL is one round
        # trip (after the pool's ping), not three (BEGIN, the query, ROLLBACK). Writes keep their transaction.
        self._read = sessionmaker(self.engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False)
        self._last_cleanup: float | None = None  # the first visit of a process cleans up
        self._cleanup_lock = threading.Lock()
        if migrate:
            from cnn_core.store.migrations import upgrade

            _bounded(lambda _self: upgrade(self.engine))(self)

    def close(self) -> None:
        self.engine.dispose()

    # -- workspaces
    def create_workspace(self, client: str | None = None) -> str:
        """A new workspace's code. ``client`` (the visitor's address) may create at most
        ``limits.new_workspaces_per_hour``; past that a :class:`ServerFullError` comes back and nothing is written."""
        code = secrets.token_urlsafe(WORKSPACE_CODE_BYTES)
        creator = client_key(client)
        with self._session.begin() as s:
            limit = self.limits.new_workspaces_per_hour
            if creator is not None and limit is not None:
                since = now() - dt.timedelta(hours=1)
                made = s.scalar(select(func.count(Workspace.id))
                                .where(Workspace.creator == creator, Workspace.created_at >= since))
                if made >= limit:
                    raise ServerFullError("err.too_many_workspaces", limit=limit)
            s.add(Workspace(code=code, created_at=now(), last_seen_at=now(), settings={}, creator=creator))
        self._maybe_cleanup()  # also on servers where nobody comes back
        return code

    def open_workspace(self, code: str) -> OpenedWorkspace | None:
        """A returning visitor's first page: settings, variation and solved exercises in one query, or None.

        One statement, so a replica far from its database pays one round trip;
        the visit is written only when the last one noted is older than
        ``TOUCH_EVERY`` (idle cleanup counts in days, not seconds).
        """
        if not WORKSPACE_CODE.fullmatch(code or ""):
            return None
        self._maybe_cleanup()  # first: a workspace idle past the limit is gone for everyone alike
        with self._read() as s:
            rows = s.execute(select(Workspace.id, Workspace.settings, Workspace.exercise_variation,
                                    Workspace.last_seen_at, ExerciseSolved.exercise_id, ExerciseSolved.revealed)
                             .outerjoin(ExerciseSolved, ExerciseSolved.workspace_id == Workspace.id)
                             .where(Workspace.code == code)).all()
            if not rows:
                return None
            first = rows[0]
            if now() - first.last_seen_at >= TOUCH_EVERY:
                s.execute(update(Workspace).where(Workspace.id == first.id).values(last_seen_at=now()))
                s.commit()
        return OpenedWorkspace(dict(first.settings or {}),
                               {r.exercise_id for r in rows if r.exercise_id and not r.revealed},
                               int(first.exercise_variation or 0),
                               {r.exercise_id for r in rows if r.exercise_id and r.revealed})

    def touch(self, code: str) -> bool:
        """Note a visit (keeps the workspace from idle cleanup) and run that cleanup when it is due.

        False when the workspace no longer exists."""
        with self._session.begin() as s:
            found = s.execute(update(Workspace).where(Workspace.code == code).values(last_seen_at=now())).rowcount
        self._maybe_cleanup()
        return bool(found)

    def _ws_id(self, s: Session, code: str) -> int:
        ws_id = s.scalar(select(Workspace.id).where(Workspace.code == code))
        if ws_id is None:
            raise WorkspaceGoneError()
        return ws_id

    def save_settings(self, code: str, settings: dict) -> None:
        with self._session.begin() as s:
            s.execute(update(Workspace).where(Workspace.code == code).values(settings=dict(settings)))

    # -- runs
    def add_run(self, code: str, new: NewRun) -> tuple[int, list[str]]:
        """Store a run; returns its id and the names of older runs removed to stay within the limits.

        A model the workspace already holds (the same bytes: :func:`model_digest`)
        is not stored twice: the id of the run holding it comes back, and nothing
        is removed. A run that cannot fit even with every unpinned run removed (its
        model alone is over the byte limit, or the pinned runs leave it no room) is
        refused with a :class:`WorkspaceFullError` before anything is removed.
        """
        digest = model_digest(new.model)
        try:
            with self._session.begin() as s:
                ws_id = self._ws_id(s, code)
                s.execute(update(Workspace).where(Workspace.id == ws_id).values(last_seen_at=now()))  # in use
                held = s.scalar(select(Run.id).where(Run.workspace_id == ws_id, Run.model_sha256 == digest))
                if held is not None:
                    return held, []
                self._check_fits(s, ws_id, len(new.model))
                self._check_server_fits(s, len(new.model))
                described = {f.name: getattr(new, f.name) for f in fields(RunFields)}
                described.update(name=usertext.one_line(new.name, MAX_NAME_LEN) or "?", classes=list(new.classes),
                                 dataset=usertext.one_line(new.dataset, 120) or "?")
                run = Run(workspace_id=ws_id, created_at=now(), **described, pinned=False,
                          model_size=len(new.model), model=new.model, model_sha256=digest)
                s.add(run)
                s.flush()
                removed = self._enforce_limits(s, ws_id, keep=run.id)
                return run.id, removed
        except IntegrityError:  # another session stored the same model between the look-up and the insert
            held = self.run_holding(code, digest)
            if held is None:
                raise
            return held, []

    def run_holding(self, code: str, digest: str) -> int | None:
        """The id of the workspace's run whose model has this :func:`model_digest`, or None."""
        with self._read() as s:
            return s.scalar(select(Run.id).join(Workspace)
                            .where(Workspace.code == code, Run.model_sha256 == digest))

    def _check_fits(self, s: Session, ws_id: int, size: int) -> None:
        """Refuse a new run of ``size`` model bytes that removing old runs could not make room for."""
        limits = self.limits
        pinned = s.execute(select(func.count(Run.id), func.coalesce(func.sum(Run.model_size), 0))
                           .where(Run.workspace_id == ws_id, Run.pinned.is_(True))).one()
        mb = {"size_mb": round(size / 2**20, 1), "limit_mb": limits.max_mb}
        if size > limits.max_bytes:
            raise WorkspaceFullError("err.run_too_big", **mb)
        if limits.max_run_bytes is not None and size > limits.max_run_bytes:  # it could never be read back
            raise WorkspaceFullError("err.run_too_big", **{**mb, "limit_mb": _mb(limits.max_run_bytes)})
        if size + pinned[1] > limits.max_bytes:
            raise WorkspaceFullError("err.run_no_room", pinned_mb=round(pinned[1] / 2**20, 1), **mb)
        if pinned[0] + 1 > limits.max_runs:
            raise WorkspaceFullError("err.runs_all_pinned", limit=limits.max_runs)

    def _check_server_fits(self, s: Session, size: int) -> None:
        """Refuse a new run the server's model bytes, every workspace together, have no room for."""
        limit = self.limits.max_total_bytes
        if limit is None:
            return
        used = int(s.scalar(select(func.coalesce(func.sum(Run.model_size), 0))))
        if used + size > limit:
            raise ServerFullError("err.server_full", size_mb=round(size / 2**20, 1), limit_mb=_mb(limit),
                                  used_mb=round(used / 2**20, 1))

    def _enforce_limits(self, s: Session, ws_id: int, keep: int) -> list[str]:
        rows = s.execute(select(Run.id, Run.name, Run.model_size, Run.pinned).where(Run.workspace_id == ws_id)
                         .order_by(Run.created_at, Run.id)).all()
        count, size = len(rows), sum(r.model_size for r in rows)
        removed: list[str] = []
        for r in rows:  # oldest first; _check_fits made sure removing the unpinned ones is enough
            if count <= self.limits.max_runs and size <= self.limits.max_bytes:
                break
            if r.pinned or r.id == keep:
                continue
            s.execute(delete(Run).where(Run.id == r.id))
            removed.append(r.name)
            count, size = count - 1, size - r.model_size
        if removed:
            self._shrink_after_commit(s)
        return removed

    def _shrink_after_commit(self, s: Session) -> None:
        """After deleting models: give SQLite's freed pages back to the disk and empty its write-ahead log."""
        if self.engine.dialect.name == "sqlite":
            event.listen(s, "after_commit", lambda _s: self._shrink_quietly(), once=True)

    def _shrink_quietly(self) -> None:
        try:
            self.shrink()
        except Exception as exc:  # the delete is committed; the next one shrinks the files
            import logging

            logging.getLogger(__name__).warning("could not shrink the database files: %s", exc)

    def shrink(self) -> None:
        """Make a SQLite database's files track what it holds (PostgreSQL's autovacuum does this itself)."""
        if self.engine.dialect.name != "sqlite":
            return
        with self.engine.connect() as conn:
            raw = conn.connection.dbapi_connection
            # A database made with auto_vacuum=INCREMENTAL. Each step of this statement frees one page and
            # execute() steps once: executescript runs it to the end.
            raw.executescript("PRAGMA incremental_vacuum;")
            raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()  # busy readers: a later one does it

    def runs(self, code: str) -> list[RunInfo]:
        """The workspace's runs, oldest first, without their models, curves, per-class accuracy and confusion."""
        with self._read() as s:
            rows = s.execute(select(*_LIST_COLUMNS).join(Workspace).where(Workspace.code == code)
                             .order_by(Run.created_at, Run.id)).all()
        return [RunInfo(**row._asdict(), **dict.fromkeys(_DETAIL_COLUMNS)) for row in rows]

    def runs_in_full(self, code: str, run_ids) -> list[RunInfo]:
        """These runs of the workspace (oldest first) with everything but their models; others' ids are ignored."""
        ids = [int(i) for i in run_ids]
        if not ids:
            return []
        with self._read() as s:
            rows = s.execute(select(*_RUN_COLUMNS).join(Workspace).where(Workspace.code == code, Run.id.in_(ids))
                             .order_by(Run.created_at, Run.id)).all()
        return [RunInfo(**row._asdict()) for row in rows]

    def run(self, code: str, run_id: int) -> RunInfo | None:
        return next(iter(self.runs_in_full(code, [run_id])), None)

    def model_bytes(self, code: str, run_id: int) -> bytes | None:
        with self._read() as s:
            return s.scalar(select(Run.model).join(Workspace)
                            .where(Workspace.code == code, Run.id == int(run_id)))

    def rename_run(self, code: str, run_id: int, name: str) -> None:
        """Rename a run; :class:`RunGoneError` if it no longer exists."""
        self._update_run(code, run_id, name=usertext.one_line(name, MAX_NAME_LEN) or "?")

    def pin_run(self, code: str, run_id: int, pinned: bool = True) -> None:
        self._update_run(code, run_id, pinned=bool(pinned))

    def _update_run(self, code: str, run_id: int, **values) -> None:
        with self._session.begin() as s:
            ws_id = self._ws_id(s, code)
            done = s.execute(update(Run).where(Run.workspace_id == ws_id, Run.id == int(run_id)).values(**values))
            if not done.rowcount:
                raise RunGoneError()

    def delete_run(self, code: str, run_id: int) -> None:
        with self._session.begin() as s:
            ws_id = self._ws_id(s, code)
            if s.execute(delete(Run).where(Run.workspace_id == ws_id, Run.id == int(run_id))).rowcount:
                self._shrink_after_commit(s)

    def total_model_bytes(self) -> int:
        """Model bytes the whole server keeps (what ``limits.max_total_bytes`` bounds)."""
        with self._read() as s:
            return int(s.scalar(select(func.coalesce(func.sum(Run.model_size), 0))))

    def best_accuracy(self, dataset: str) -> float | None:
        """The best test accuracy of a training on ``dataset`` that ran to its end, in any workspace of this
        server (what the app may promise a visitor), or None."""
        with self._read() as s:
            return s.scalar(select(func.max(Run.test_accuracy))
                            .where(Run.dataset == dataset, Run.source == "trained", Run.reason == "done"))

    # -- exercises
    def mark_solved(self, code: str, exercise_id: str, revealed: bool = False) -> bool:
        """Note the exercise as solved, or with ``revealed`` as seen in the solution; the first note stays
        (an exercise revealed, then answered, is still revealed), and the same exercise noted at once in two tabs
        is noted once, with no error. Returns whether the note kept says revealed: a tab drawn before another
        tab showed the solution learns here that its right answer does not count as solved."""
        with self._session.begin() as s:
            ws_id = self._ws_id(s, code)
            s.execute(self._insert(ExerciseSolved).values(workspace_id=ws_id, exercise_id=exercise_id[:40],
                                                          solved_at=now(), revealed=revealed)
                      .on_conflict_do_nothing(index_elements=["workspace_id", "exercise_id"]))
            return bool(s.scalar(select(ExerciseSolved.revealed).where(
                ExerciseSolved.workspace_id == ws_id, ExerciseSolved.exercise_id == exercise_id[:40])))

    def _insert(self, model):
        """INSERT with the dialect's ON CONFLICT: every read-then-insert that two sessions can race is one statement."""
        return (postgresql if self.engine.dialect.name == "postgresql" else sqlite).insert(model)

    def unmark_all(self, code: str) -> None:
        with self._session.begin() as s:
            s.execute(delete(ExerciseSolved).where(ExerciseSolved.workspace_id == self._ws_id(s, code)))

    def set_variation(self, code: str, variation: int) -> None:
        """Switch the workspace's exercises to another variation: what was solved starts from zero, a solution
        seen stays seen (a variation switched there and back must not turn a seen answer into a solved one)."""
        with self._session.begin() as s:
            ws_id = self._ws_id(s, code)
            s.execute(update(Workspace).where(Workspace.id == ws_id).values(exercise_variation=int(variation)))
            s.execute(delete(ExerciseSolved).where(ExerciseSolved.workspace_id == ws_id,
                                                   ExerciseSolved.revealed.is_(False)))

    # -- rooms
    def create_room(self, title: str = "") -> str:
        for _ in range(20):
            code = "".join(secrets.choice(ROOM_ALPHABET) for _ in range(ROOM_CODE_LEN))
            with self._session.begin() as s:
                if s.scalar(select(Room.id).where(Room.code == code)) is None:
                    s.add(Room(code=code, title=usertext.one_line(title, MAX_NAME_LEN), created_at=now()))
                    return code
        raise RuntimeError("no free room code")  # 31**6 codes: only with ~10^9 rooms open

    def room(self, room_code: str) -> RoomInfo | None:
        if not ROOM_CODE.fullmatch(room_code or ""):
            return None
        with self._read() as s:
            room = s.scalar(select(Room).where(Room.code == room_code))
            if room is None:
                return None
            return _room_info(room)

    def rooms(self) -> list[RoomInfo]:
        with self._read() as s:
            return [_room_info(r) for r in s.scalars(select(Room).order_by(Room.created_at.desc()))]

    def allow_solutions(self, room_code: str, allowed: bool) -> None:
        """Let the room's members ask for exercises' solutions, or stop them (a room starts without)."""
        with self._session.begin() as s:
            s.execute(update(Room).where(Room.code == room_code).values(solutions=bool(allowed)))

    def close_room(self, room_code: str) -> None:
        """Close the room: nobody joins it any more; its board stays (:meth:`delete_room` removes it)."""
        with self._session.begin() as s:
            s.execute(update(Room).where(Room.code == room_code, Room.closed_at.is_(None)).values(closed_at=now()))

    def delete_room(self, room_code: str) -> None:
        """Remove the room and its member list (the members' workspaces and runs stay theirs)."""
        with self._session.begin() as s:
            room_id = s.scalar(select(Room.id).where(Room.code == room_code))
            if room_id is not None:
                s.execute(delete(RoomMember).where(RoomMember.room_id == room_id))
                s.execute(delete(Room).where(Room.id == room_id))

    def join_room(self, room_code: str, code: str, nickname: str = "") -> bool:
        """Add the workspace to an open room (or change its nickname); False if the room is closed or unknown."""
        nickname = usertext.nickname(nickname, MAX_NICKNAME_LEN)  # one line, no control characters, never "#3"
        if not ROOM_CODE.fullmatch(room_code or ""):
            return False
        with self._session.begin() as s:
            room = s.scalar(select(Room).where(Room.code == room_code))
            if room is None or room.closed_at is not None:
                return False
            ws_id = self._ws_id(s, code)
            s.execute(self._insert(RoomMember)
                      .values(room_id=room.id, workspace_id=ws_id, nickname=nickname, joined_at=now())
                      .on_conflict_do_update(index_elements=["room_id", "workspace_id"],
                                             set_={"nickname": nickname}))
            return True

    def rooms_withholding_solutions(self, code: str) -> list[str]:
        """Codes of the open rooms this workspace has joined whose instructor has not allowed solutions."""
        with self._read() as s:
            return list(s.scalars(select(Room.code).join(RoomMember).join(Workspace)
                                  .where(Workspace.code == code, Room.closed_at.is_(None), Room.solutions.is_(False))
                                  .order_by(Room.code)))

    def member_rooms(self, code: str) -> list[str]:
        """Codes of the open rooms this workspace has joined, the latest joined last."""
        with self._read() as s:
            return list(s.scalars(select(Room.code).join(RoomMember).join(Workspace)
                                  .where(Workspace.code == code, Room.closed_at.is_(None))
                                  .order_by(RoomMember.joined_at, RoomMember.room_id)))

    def board(self, room_code: str) -> tuple[list[BoardRow], dict[str, int]]:
        """Each member's best run, best first, and how many members solved each exercise.

        A revealed exercise is not solved: the rows count those apart (``BoardRow.revealed``), and the
        counts hold them under ``revealed_key(exercise id)``.

        Fair: runs of the same work are compared, the same dataset for the same number of epochs (not seconds).
        The room's main work is the one most members trained (the fewest epochs first on a tie): its runs are
        each member's best where they have one, and rank first; runs of another work rank after them, work by
        work, never against the main one. A run trained for a time budget (a faster or less busy machine would win
        it) or stopped before its end (part of its work) is a member's best only when they have no other, and ranks
        after every run of a set work done to its end."""
        with self._read() as s:
            room_id = s.scalar(select(Room.id).where(Room.code == room_code))
            if room_id is None:
                return [], {}
            members = s.execute(select(RoomMember.workspace_id, RoomMember.nickname)
                                .where(RoomMember.room_id == room_id).order_by(RoomMember.joined_at)).all()
            ids = [m.workspace_id for m in members]
            runs = s.execute(select(Run.workspace_id, Run.test_accuracy, Run.params, Run.seconds, Run.dataset,
                                    Run.train_config, Run.images_per_s, Run.reason)
                             .where(Run.workspace_id.in_(ids), Run.source == "trained")).all() if ids else []
            solved = s.execute(select(ExerciseSolved.workspace_id, ExerciseSolved.exercise_id,
                                      ExerciseSolved.revealed)
                               .where(ExerciseSolved.workspace_id.in_(ids))).all() if ids else []
        def work(r) -> tuple[str, float] | None:  # what a run of a set work saw: a dataset, some epochs
            epochs = _epochs(r.train_config)
            return (r.dataset or "", epochs) if epochs is not None and r.reason != "stopped" else None

        good = [r for r in runs if r.test_accuracy is not None and r.reason not in WENT_WRONG]
        trained_by = {}  # work → the members who trained it
        for r in good:
            if work(r) is not None:
                trained_by.setdefault(work(r), set()).add(r.workspace_id)
        order = {w: i for i, w in enumerate(sorted(trained_by, key=lambda w: (-len(trained_by[w]), w[1], w[0])))}
        rows, places = [], []
        for n, m in enumerate(members, start=1):
            mine = [r for r in runs if r.workspace_id == m.workspace_id]
            scored = [r for r in good if r.workspace_id == m.workspace_id]
            fair = [r for r in scored if not _unequal(r)]
            # Best: the room's main work where the member has it, then highest accuracy; among equals, fewer
            # parameters, then less time. A timed or stopped run is the best only of a member who has no run of a
            # set work done to its end.
            best = min(fair or scored, key=lambda r: (order.get(work(r), len(order)), -r.test_accuracy, r.params,
                                                      r.seconds or 0)) if scored else None
            places.append(order.get(work(best), len(order)) if best is not None else len(order))
            # Cleaned again: rows written before the nickname rules were.
            nickname = usertext.nickname(m.nickname or "", MAX_NICKNAME_LEN) or f"{usertext.ANONYMOUS_MARK}{n}"
            rows.append(BoardRow(nickname, len(mine), best.test_accuracy if best else None,
                                 best.params if best else None, best.seconds if best else None,
                                 usertext.one_line(best.dataset) if best else None,
                                 sum(1 for x in solved if x.workspace_id == m.workspace_id and not x.revealed),
                                 sum(1 for x in solved if x.workspace_id == m.workspace_id and x.revealed),
                                 _epochs(best.train_config) if best else None, best.images_per_s if best else None,
                                 bool(best and _timed(best.train_config)),
                                 sum(1 for r in mine if r.reason in WENT_WRONG),
                                 bool(best and best.reason == "stopped" and not _timed(best.train_config))))
        ranked = sorted(zip(places, rows), key=lambda pr: (pr[1].best_accuracy is None, pr[1].timed or pr[1].stopped,
                                                            pr[0], -(pr[1].best_accuracy or 0), pr[1].params or 0))
        rows = [row for _, row in ranked]
        counts: dict[str, int] = {}
        for x in solved:
            key = revealed_key(x.exercise_id) if x.revealed else x.exercise_id
            counts[key] = counts.get(key, 0) + 1
        return rows, counts

    # -- housekeeping
    def cleanup_idle(self, days: float | None = None) -> int:
        """Remove workspaces not seen for ``days`` (default: the limit; None there: none go); returns how many went."""
        days = self.limits.idle_days if days is None else days
        if days is None:  # CNN_PLAYGROUND_IDLE_DAYS=never
            return 0
        cutoff = now() - dt.timedelta(days=days)
        with self._session.begin() as s:
            ids = list(s.scalars(select(Workspace.id).where(Workspace.last_seen_at < cutoff)))
            if ids:
                # Explicit deletes, children first: the same on SQLite with or without foreign keys.
                s.execute(delete(Run).where(Run.workspace_id.in_(ids)))
                s.execute(delete(ExerciseSolved).where(ExerciseSolved.workspace_id.in_(ids)))
                s.execute(delete(RoomMember).where(RoomMember.workspace_id.in_(ids)))
                s.execute(delete(Workspace).where(Workspace.id.in_(ids)))
                self._shrink_after_commit(s)
        return len(ids)

    def _maybe_cleanup(self) -> None:
        due = self._last_cleanup is None or time.monotonic() - self._last_cleanup >= CLEANUP_EVERY_S
        if not due or not self._cleanup_lock.acquire(False):
            return
        try:
            self._last_cleanup = time.monotonic()
            self.cleanup_idle()
        finally:
            self._cleanup_lock.release()

    def database_bytes(self) -> int:
        """Size of the whole database on disk (SQLite file or PostgreSQL database)."""
        with self.engine.connect() as conn:
            if self.engine.dialect.name == "sqlite":
                pages = conn.execute(text("PRAGMA page_count")).scalar()
                size = conn.execute(text("PRAGMA page_size")).scalar()
                return int(pages * size)
            return int(conn.execute(text("SELECT pg_database_size(current_database())")).scalar())


# Every public call is bounded in time and says so in one way (see _bounded).
for _name, _fn in list(vars(Storage).items()):
    if callable(_fn) and not _name.startswith("_") and _name not in ("close",):
        setattr(Storage, _name, _bounded(_fn))
del _name, _fn

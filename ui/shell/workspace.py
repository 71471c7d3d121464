"""The visitor's workspace: their runs, models, Train settings and exercise progress, kept in the database.

Anonymous: the workspace is created the first time the visitor trains, loads a
model or solves an exercise, and its code travels in the URL (``?ws=…``); the
sidebar offers that link to bookmark. Opening the link (a reload, another
device) brings everything back. This module is the app's side of
:mod:`cnn_core.store.storage`: it keeps the session's copy of the workspace in step
with the database, and caches what a rerun would otherwise read again (the run
list, loaded models). It draws nothing but the sidebar's link box.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING

import streamlit as st

from cnn_core.base.errors import PlaygroundError, RunGoneError, StorageDownError, WorkspaceGoneError
from cnn_core.data import registry as datasets
from cnn_core.nn.architecture import PRESETS, layer_table
from cnn_core.store.storage import NewRun, RunInfo, Storage, model_digest
from ui.base import state
from ui.base.i18n import t
from ui.shell import resources

if TYPE_CHECKING:  # torch: imported where a model is read, not by a fresh server's first page
    from cnn_core.nn.checkpoint import SavedModel
    from cnn_core.store.modelcache import ModelCache

log = logging.getLogger(__name__)
VISIT_TOUCH_S = 600  # a session notes its visit at most this often (idle cleanup counts in hours at the least)
_LAST_VISIT = "_ws_visit"  # monotonic time this session last noted its visit


@st.cache_resource(show_spinner=False)
def _open_store() -> Storage:
    s = resources.settings()
    return Storage(s.database_url, s.storage_limits(), timeout_s=s.db_timeout_s)


@st.cache_resource(show_spinner=False)
def _models() -> ModelCache:
    """Every session's loaded run models, bounded by MODEL_CACHE_MB and keyed by the model's digest."""
    from cnn_core.store.modelcache import ModelCache

    s = resources.settings()
    return ModelCache(int(s.model_cache_mb * 2**20), memory_limit_mb=s.memory_limit_mb)


def store() -> Storage | None:
    """The process's Storage, or None when the database cannot be reached (the app then keeps nothing)."""
    try:
        return _open_store()
    except Exception as exc:  # the app stays usable without a database; the visitor is told once
        log.error("database unavailable: %s", exc)
        _storage_down()
        return None


def _storage_down() -> None:
    """Say once per session that the database cannot be reached."""
    if not st.session_state.get(state.STORAGE_DOWN):
        st.session_state[state.STORAGE_DOWN] = True
        state.add_notice("notice.storage_down")


def code() -> str | None:
    return st.session_state.get(state.WS)


def client_address() -> str | None:
    """The visitor's address: Streamlit's, or behind a proxy on this machine the address the proxy added last
    (a client can write any X-Forwarded-For, but the entry the proxy appends is the one it saw). None for this
    machine itself with no proxy's word: a laptop's own browser (and the browser tests) start workspaces freely."""
    try:
        ip = st.context.ip_address
        headers = st.context.headers or {}
    except Exception:  # no browser behind this session (AppTest, a bare run)
        return None
    ip = ip if isinstance(ip, str) and ip else None
    if ip and ip not in ("127.0.0.1", "::1"):
        return ip
    forwarded = str(headers.get("X-Forwarded-For", "") or "").split(",")[-1].strip()
    return forwarded or str(headers.get("X-Real-Ip", "") or "").strip() or None


def _replace_gone_workspace() -> None:
    """The session's workspace was removed (idle cleanup, another server): forget it and say so; the next thing
    kept starts a new one."""
    ss = st.session_state
    log.info("workspace removed while in use; the session starts a new one")
    ss[state.WS] = None
    ss[state.SAVED_SETTINGS] = None  # the new workspace gets the kept settings on creation
    runs_changed()
    st.query_params.pop("ws", None)
    state.add_notice("notice.ws_gone")


def _in_workspace(action, create: bool = True):
    """``action(db, code)`` on this session's workspace; a removed workspace is replaced by a new one (once) and
    an unreachable database said, never a traceback. Returns what ``action`` returns, or None."""
    for attempt in range(2):
        ws = ensure() if create else code()
        db = store()
        if ws is None or db is None:
            return None
        try:
            return action(db, ws)
        except WorkspaceGoneError:
            _replace_gone_workspace()
            if attempt or not create:
                return None
        except StorageDownError as exc:
            log.error("database call failed: %s", exc.__cause__ or exc)
            _storage_down()
            return None
    return None


def visit() -> None:
    """Every page: keep the workspace's last visit fresh (so a workspace in use is never idle) and find out
    when it was removed meanwhile."""
    ss = st.session_state
    if not code() or time.monotonic() - ss.get(_LAST_VISIT, float("-inf")) < VISIT_TOUCH_S:
        return
    db = store()
    if db is None:
        return
    ss[_LAST_VISIT] = time.monotonic()
    try:
        if not db.touch(code()):
            _replace_gone_workspace()
    except StorageDownError:
        _storage_down()


# ------------------------------------------------------------------ opening and creating

OPENED, GONE, UNREACHABLE = "opened", "gone", "unreachable"  # what restore_from_url found


def restore_from_url(ws: str | None) -> str | None:
    """On a session's first run: adopt the workspace named in the URL (or kept by the tab), bringing back what it
    holds. Returns OPENED, GONE (no such workspace: said), UNREACHABLE (no database now: said) or None (no code).
    A room's member gets their room back, and their code stays out of the address (:func:`keep_url`)."""
    if not ws:
        return None
    db = store()
    if db is None:
        return UNREACHABLE
    from cnn_core.store.storage import WORKSPACE_CODE

    try:
        opened = db.open_workspace(ws) if WORKSPACE_CODE.fullmatch(ws) else None
        rooms = db.member_rooms(ws) if opened is not None else []
    except StorageDownError:
        _storage_down()
        return UNREACHABLE
    if opened is None:
        if WORKSPACE_CODE.fullmatch(ws):  # a real code, since removed
            days = resources.settings().idle_days
            if days is None:  # workspaces are kept for ever: it was never there, or removed by hand
                state.add_notice("notice.ws_unknown_kept")
            else:
                state.add_notice("notice.ws_unknown", days=round(days))
        else:  # never a workspace code: a mistyped or cut link
            state.add_notice("notice.ws_invalid")
        st.query_params.pop("ws", None)
        return GONE
    kept = opened.settings
    ss = st.session_state
    ss[state.WS] = ws
    if rooms:  # a member of an open room: the latest joined, and no code in the address from now on
        ss[state.ROOM], ss[state.UNSHOWN_WS] = rooms[-1], True
        st.query_params.pop("ws", None)
    ss[state.EX_SEED] = opened.variation
    from cnn_core.lessons.exercises import REVEALED, SOLVED  # torch: imported when a workspace opens, not before

    ss[state.EXERCISES] = {**{ex_id: REVEALED for ex_id in opened.revealed}, **{ex_id: SOLVED for ex_id in opened.solved}}
    ss[state.KEPT_SETTINGS] = dict(kept)
    ss[state.SAVED_SETTINGS] = dict(kept)
    ss[_LAST_VISIT] = time.monotonic()  # open_workspace noted the visit
    if kept.get(state.DATASET) in datasets.names() and state.param("ds") is None:
        ss[state.DATASET] = kept[state.DATASET]
    edited = kept.get(state.KEPT_ARCH)
    if isinstance(edited, dict) and not state.url_names_arch():  # the network being edited, not a default
        try:
            arch = state.arch_from_params({str(k): str(v) for k, v in edited.items()})
            layer_table(arch)
        except (PlaygroundError, ValueError, TypeError, IndexError, OverflowError):
            return OPENED  # kept by an older version with other rules: the default network stays
        preset = str(edited.get("preset", ""))
        ss[state.ARCH], ss[state.PRESET] = arch, preset if preset in PRESETS else "tutorial"
    return OPENED


def ensure() -> str | None:
    """The workspace's code, creating the workspace now if the visitor has none yet.

    Raises :class:`cnn_core.base.errors.ServerFullError` when the visitor's address started too many
    workspaces this hour (nothing is written); None when the database cannot be reached.
    """
    ss = st.session_state
    if ss.get(state.WS):
        return ss[state.WS]
    db = store()
    if db is None:
        return None
    try:
        ss[state.WS] = db.create_workspace(client=client_address())
        ss[_LAST_VISIT] = time.monotonic()
        keep_url()
        save_settings()
        if ss.get(state.EX_SEED):  # a variation chosen before the workspace existed
            db.set_variation(ss[state.WS], ss[state.EX_SEED])
    except StorageDownError:
        _storage_down()
    return ss.get(state.WS)


def keep_url() -> None:
    """Keep ``?ws=`` in the address bar (page switches drop query parameters), except in a workshop: in instructor
    mode (the screen is projected) and for a room's member (students pass their address around), the code there
    would hand the workspace's runs, deletion included, to whoever sees it. Their tab keeps the code instead
    (ui/shell/tab_memory.py, for a reload); the workspace link stays in its own sidebar box. Once kept out, it
    stays out for the session (state.UNSHOWN_WS): leaving instructor mode does not write it back."""
    ws = code()
    if code_unshown():
        st.query_params.pop("ws", None)
    elif ws and st.query_params.get("ws") != ws:
        st.query_params["ws"] = ws


def code_unshown() -> bool:
    """Whether this session's workspace code stays out of its address (:func:`keep_url`): once in instructor mode
    or a room, for the rest of the session (state.UNSHOWN_WS, sticky)."""
    ss = st.session_state
    if ss.get(state.INSTRUCTOR) or ss.get(state.ROOM):
        ss[state.UNSHOWN_WS] = True
    return bool(ss.get(state.UNSHOWN_WS))


def link(base_url: str = "") -> str:
    return f"{base_url}?ws={code()}"


def link_box() -> None:
    """The sidebar's "bookmark this link" with Streamlit's copy button; nothing before a workspace exists."""
    if not code():
        return
    with st.sidebar.expander(t("ws.title"), expanded=False):
        st.caption(t("ws.help"))
        base = str(getattr(st.context, "url", "") or "").split("?")[0]
        st.code(link(base), language=None)


# ------------------------------------------------------------------ settings that outlive page switches

def keep_widgets(defaults: dict) -> None:
    """Give the widgets in ``defaults`` their kept value (or the default) before they are drawn.

    Streamlit forgets a widget's value when a page without it runs; the kept
    copy lives under a plain key and in the workspace.
    """
    ss = st.session_state
    kept = ss.setdefault(state.KEPT_SETTINGS, {})
    for key, default in defaults.items():
        if key not in ss:
            ss[key] = kept.get(key, default)


def remember_widgets(keys) -> None:
    """Copy the widgets' values into the kept settings, and into the workspace if they changed."""
    ss = st.session_state
    kept = ss.setdefault(state.KEPT_SETTINGS, {})
    for key in keys:
        if key in ss:
            kept[key] = ss[key]
    kept[state.DATASET] = ss[state.DATASET]
    save_settings()


def remember_arch() -> None:
    """Keep the network being edited with the settings, so the workspace link brings it back."""
    ss = st.session_state
    kept = ss.setdefault(state.KEPT_SETTINGS, {})
    edited = state.arch_to_params(ss[state.ARCH], ss[state.PRESET])
    if kept.get(state.KEPT_ARCH) != edited:
        kept[state.KEPT_ARCH] = edited
        save_settings()


def save_settings() -> None:
    ss = st.session_state
    kept = ss.get(state.KEPT_SETTINGS) or {}
    if not code() or kept == ss.get(state.SAVED_SETTINGS):
        return
    db = store()
    if db is not None:
        try:
            db.save_settings(code(), kept)
        except StorageDownError:
            _storage_down()
            return
        ss[state.SAVED_SETTINGS] = dict(kept)


# ------------------------------------------------------------------ runs

def runs() -> list[RunInfo]:
    """This workspace's runs, oldest first (read once per change, not on every rerun)."""
    ss = st.session_state
    if not code():
        return []
    if _GONE_DOWNLOADS and _gone_download(code()):
        state.add_notice("notice.run_gone")
        runs_changed()
    if ss.get(state.RUNS_CACHE) is None:
        db = store()
        try:
            ss[state.RUNS_CACHE] = db.runs(code()) if db is not None else []
        except StorageDownError:
            _storage_down()
            return []
    return ss[state.RUNS_CACHE]


def runs_read_again() -> list[RunInfo] | None:
    """This workspace's runs read from the database now, the session's list replaced by them; None when the
    database cannot be reached, the list then kept as it was (an empty list would say the workspace has none)."""
    ss = st.session_state
    kept = ss.get(state.RUNS_CACHE), ss.get(state.RUNS_FULL)
    runs_changed()
    listed = runs()
    if code() and ss.get(state.RUNS_CACHE) is None:  # the read failed (said once per session)
        ss[state.RUNS_CACHE], ss[state.RUNS_FULL] = kept
        return None
    return listed


def runs_in_full(run_ids) -> list[RunInfo]:
    """These runs with their curves, per-class accuracy and confusion matrix, in the given order (cached too)."""
    ss = st.session_state
    cache = ss.get(state.RUNS_FULL)
    if cache is None:
        cache = ss[state.RUNS_FULL] = {}
    missing = [i for i in run_ids if i not in cache]
    db = store() if missing and code() else None
    if db is not None:
        try:
            cache.update((r.id, r) for r in db.runs_in_full(code(), missing))
        except StorageDownError:
            _storage_down()
    return [cache[i] for i in run_ids if i in cache]


_OPENED_PAGE = "_ws_opened_page"  # the page this session last opened (opened_page)


def opened_page(url_path: str) -> None:
    """A page opened (app.py, before it runs): the workspace's runs are read again on the way in, so a run
    another tab deleted, renamed or added shows as it is now in the pickers (Draw, Inside, Runs) instead of the
    list read when this session last looked; reruns of the same page (a stroke on Draw) keep the list read."""
    ss = st.session_state
    if ss.get(_OPENED_PAGE, url_path) != url_path:
        runs_changed()
    ss[_OPENED_PAGE] = url_path


def runs_changed() -> None:
    """Read the workspace's runs again at the next look (one was added, renamed or deleted, here or elsewhere)."""
    st.session_state[state.RUNS_CACHE] = None
    st.session_state[state.RUNS_FULL] = None


def add_run(new: NewRun) -> int | None:
    """Store a run in the workspace (creating it if needed); say which old runs made room for it.

    A workspace removed meanwhile (a training longer than the idle limit) is replaced by a new one that gets
    the run. Raises :class:`cnn_core.base.errors.WorkspaceFullError` (or its ServerFullError: the server's
    bound, its disk full) when the run cannot be kept; nothing was removed then.
    """
    done = _in_workspace(lambda db, ws: db.add_run(ws, new))
    if done is None:
        return None
    run_id, removed = done
    db = store()
    runs_changed()
    st.session_state[state.LAST_RUN] = run_id
    if removed:
        state.add_notice("notice.runs_removed", names=", ".join(removed), limit=db.limits.max_runs,
                         limit_mb=db.limits.max_mb)
    return run_id


def run_holding(model: bytes) -> int | None:
    """The id of this workspace's run whose model is exactly these bytes, or None (no workspace, no database)."""
    return _in_workspace(lambda db, ws: db.run_holding(ws, model_digest(model)), create=False)


def _on_run(action) -> bool:
    """A run's action (rename, pin, delete); a run deleted in another tab is said and the list refreshed. True when
    it was done (not with the database down, said by _in_workspace)."""
    def done(db, ws) -> bool:
        action(db, ws)
        return True

    try:
        return bool(_in_workspace(done, create=False))  # None: the database down (said there)
    except RunGoneError:
        state.add_notice("notice.run_gone")
        return False
    finally:
        runs_changed()


def rename(run_id: int, name: str) -> bool:
    """Rename a run; False (said, the list refreshed) when it no longer exists."""
    return _on_run(lambda db, ws: db.rename_run(ws, run_id, name))


def pin(run_id: int, pinned: bool) -> bool:
    return _on_run(lambda db, ws: db.pin_run(ws, run_id, pinned))


def delete(run_id: int) -> bool:
    """Delete a run; False (said) when it could not be: gone already (another tab), or the database down."""
    done = _on_run(lambda db, ws: db.delete_run(ws, run_id))
    st.session_state.get(state.MODEL_CACHE, {}).pop(run_id, None)
    return done


# Downloads of runs deleted meanwhile, (workspace, run id): the file is made outside the session's script (no
# notice can be added there), so the session's next run says it and refreshes the list.
_GONE_DOWNLOADS: set[tuple[str, int]] = set()
_GONE_LOCK = threading.Lock()


def _gone_download(ws: str) -> bool:
    with _GONE_LOCK:
        gone = {g for g in _GONE_DOWNLOADS if g[0] == ws}
        _GONE_DOWNLOADS.difference_update(gone)
    return bool(gone)


def model_file(run_id: int):
    """What a download button calls when pressed: the run's model file, read then.

    A run deleted meanwhile raises :class:`RunGoneError` (the browser gets no file rather than an empty one)
    and the session's next run says so and refreshes the list.
    """
    db, ws = store(), code()

    def read() -> bytes:
        try:
            raw = db.model_bytes(ws, run_id) if db is not None and ws else None
        except StorageDownError:  # no file rather than an error page; the next rerun says the database is down
            raw = None
        if raw is None:
            with _GONE_LOCK:
                _GONE_DOWNLOADS.add((ws, run_id))
            raise RunGoneError()
        return raw

    return read


def model_bytes(run_id: int) -> bytes | None:
    """The run's model file, or None when it no longer exists (or the database cannot be reached)."""
    return _in_workspace(lambda db, ws: db.model_bytes(ws, run_id), create=False)


def model(run_id: int) -> SavedModel | None:
    """A run's model, from the server's model cache (bounded in bytes, keyed by the model's digest); None when
    the run no longer exists and the cache does not hold its model (a cached model is returned without asking the
    database: an action on a run that may have been deleted elsewhere reads the list again first,
    :func:`runs_read_again`, as the shift test does; the Draw and Inside pages' pickers read it again when their
    page is opened, :func:`opened_page`).
    Raises :class:`cnn_core.base.errors.ModelFileError` for a model this version cannot read."""
    digests = st.session_state.setdefault(state.MODEL_CACHE, {})
    digest = digests.get(run_id) or next((r.model_sha256 for r in runs() if r.id == run_id), None)
    raw = None
    if digest is None:  # a run an older version stored without its digest, or one not listed yet
        raw = model_bytes(run_id)
        if raw is None:
            return None
        digest = model_digest(raw)
    saved = _models().get(digest, lambda: raw if raw is not None else model_bytes(run_id))
    if saved is not None:
        digests[run_id] = digest
    return saved


def adopt_model(run_id: int, saved: SavedModel, raw: bytes | None = None) -> None:
    """Put a model this session already holds into the server's cache, so it is not read back from the database."""
    digest = next((r.model_sha256 for r in runs() if r.id == run_id), None)
    if digest is None:
        digest = model_digest(raw if raw is not None else saved.to_bytes())
    st.session_state.setdefault(state.MODEL_CACHE, {})[run_id] = digest
    _models().put(digest, saved)


def promised_accuracy(dataset: str) -> dict[str, str]:
    """The accuracies Home may promise, as measured here: the shipped model's test accuracy ("shipped") and
    this server's best finished training on ``dataset`` ("best", "" before there is one)."""
    from ui.base.i18n import pct

    shipped = resources.shipped_meta().get("test_accuracy")
    db, best = store(), None
    try:
        best = db.best_accuracy(dataset) if db is not None else None
    except StorageDownError:  # the promise then rests on the shipped model alone
        _storage_down()
    return {"shipped": pct(shipped) if isinstance(shipped, (int, float)) else "–",
            "best": t("home.train_best", best=pct(best)) if best is not None else ""}


# ------------------------------------------------------------------ exercises

def mark_solved(exercise_id: str, revealed: bool = False) -> bool | None:
    """Keep a solved exercise (or with ``revealed``, one whose solution was shown) in the workspace, creating it;
    a server that refuses a new workspace is said. Returns whether the exercise counts as revealed as kept (the
    first note stays: another tab of the workspace may have shown the solution, or solved it, since this one was
    drawn), or None where nothing could be kept (no database, unreachable, full)."""
    from cnn_core.base.errors import ServerFullError

    try:
        return _in_workspace(lambda db, ws: db.mark_solved(ws, exercise_id, revealed=revealed))
    except ServerFullError as err:
        state.add_notice(err.key, **err.params)
        return None


def join_room(room_code: str, nickname: str = "") -> bool:
    """Join an open room (creating the workspace; a removed one replaced by a new one, an unreachable database
    or a server refusing a new workspace said); False when the room is closed or unknown or nothing was kept."""
    from cnn_core.base.errors import ServerFullError

    try:
        return bool(_in_workspace(lambda db, ws: db.join_room(room_code, ws, nickname)))
    except ServerFullError as err:
        state.add_notice(err.key, **err.params)
        return False


def set_variation(variation: int) -> None:
    """Keep the exercises' variation in the workspace (which clears what was solved there, not what was seen)."""
    _in_workspace(lambda db, ws: db.set_variation(ws, variation), create=False)


def reset_exercises() -> None:
    _in_workspace(lambda db, ws: db.unmark_all(ws), create=False)


# ------------------------------------------------------------------ the instructor key

@st.cache_resource(show_spinner=False)
def _key_guard():
    from cnn_core.base.keyguard import KeyGuard

    return KeyGuard()


def check_instructor_key(given: str, key: str):
    """Whether ``given`` is the instructor ``key``, slowed for guessers: a :class:`cnn_core.base.keyguard.KeyCheck`
    whose ``wait_s`` (> 0 after a wrong key) says how long this session and address must wait before the next try
    (``t("instructor.wait", seconds=...)``). Compared in constant time; neither key is kept or logged."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    session = ctx.session_id if ctx is not None else "bare"
    return _key_guard().check(given, key, session, client_address())

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

import streamlit as st

from cnn_core.base.errors import PlaygroundError
from cnn_core.data import registry as datasets
from cnn_core.lessons.exercises import REVEALED, SOLVED
from cnn_core.nn.architecture import PRESETS, layer_table
from cnn_core.nn.checkpoint import SavedModel
from cnn_core.store import runs as core_runs
from cnn_core.store.storage import NewRun, RunInfo, Storage, model_digest
from ui.base import state
from ui.base.i18n import t
from ui.shell import resources

log = logging.getLogger(__name__)
MODELS_KEPT = 4  # loaded run models a session keeps in memory


@st.cache_resource(show_spinner=False)
def _open_store() -> Storage:
    s = resources.settings()
    return Storage(s.database_url, s.storage_limits())


def store() -> Storage | None:
    """The process's Storage, or None when the database cannot be reached (the app then keeps nothing)."""
    try:
        return _open_store()
    except Exception as exc:  # the app stays usable without a database; the visitor is told once
        log.error("database unavailable: %s", exc)
        if not st.session_state.get(state.STORAGE_DOWN):
            st.session_state[state.STORAGE_DOWN] = True
            state.add_notice("notice.storage_down")
        return None


def code() -> str | None:
    return st.session_state.get(state.WS)


# ------------------------------------------------------------------ opening and creating

def restore_from_url(ws: str | None) -> None:
    """On a session's first run: adopt the workspace named in the URL, bringing back what it holds."""
    if not ws:
        return
    db = store()
    if db is None:
        return
    from cnn_core.store.storage import WORKSPACE_CODE

    opened = db.open_workspace(ws) if WORKSPACE_CODE.fullmatch(ws) else None
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
        return
    kept = opened.settings
    ss = st.session_state
    ss[state.WS] = ws
    ss[state.EX_SEED] = opened.variation
    ss[state.EXERCISES] = {**{ex_id: REVEALED for ex_id in opened.revealed}, **{ex_id: SOLVED for ex_id in opened.solved}}
    ss[state.KEPT_SETTINGS] = dict(kept)
    ss[state.SAVED_SETTINGS] = dict(kept)
    if kept.get(state.DATASET) in datasets.names() and state.param("ds") is None:
        ss[state.DATASET] = kept[state.DATASET]
    edited = kept.get(state.KEPT_ARCH)
    if isinstance(edited, dict) and not state.url_names_arch():  # the network being edited, not a default
        try:
            arch = state.arch_from_params({str(k): str(v) for k, v in edited.items()})
            layer_table(arch)
        except (PlaygroundError, ValueError, TypeError, IndexError, OverflowError):
            return  # kept by an older version with other rules: the default network stays
        preset = str(edited.get("preset", ""))
        ss[state.ARCH], ss[state.PRESET] = arch, preset if preset in PRESETS else "tutorial"


def ensure() -> str | None:
    """The workspace's code, creating the workspace now if the visitor has none yet."""
    ss = st.session_state
    if ss.get(state.WS):
        return ss[state.WS]
    db = store()
    if db is None:
        return None
    ss[state.WS] = db.create_workspace()
    keep_url()
    save_settings()
    if ss.get(state.EX_SEED):  # a variation chosen before the workspace existed
        db.set_variation(ss[state.WS], ss[state.EX_SEED])
    return ss[state.WS]


def keep_url() -> None:
    """Keep ``?ws=`` in the address bar (page switches drop query parameters)."""
    ws = code()
    if ws and st.query_params.get("ws") != ws:
        st.query_params["ws"] = ws


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
        db.save_settings(code(), kept)
        ss[state.SAVED_SETTINGS] = dict(kept)


# ------------------------------------------------------------------ runs

def runs() -> list[RunInfo]:
    """This workspace's runs, oldest first (read once per change, not on every rerun)."""
    ss = st.session_state
    if not code():
        return []
    if ss.get(state.RUNS_CACHE) is None:
        db = store()
        ss[state.RUNS_CACHE] = db.runs(code()) if db is not None else []
    return ss[state.RUNS_CACHE]


def runs_in_full(run_ids) -> list[RunInfo]:
    """These runs with their curves, per-class accuracy and confusion matrix, in the given order (cached too)."""
    ss = st.session_state
    cache = ss.get(state.RUNS_FULL)
    if cache is None:
        cache = ss[state.RUNS_FULL] = {}
    missing = [i for i in run_ids if i not in cache]
    db = store() if missing and code() else None
    if db is not None:
        cache.update((r.id, r) for r in db.runs_in_full(code(), missing))
    return [cache[i] for i in run_ids if i in cache]


def _changed() -> None:
    st.session_state[state.RUNS_CACHE] = None
    st.session_state[state.RUNS_FULL] = None


def add_run(new: NewRun) -> int | None:
    """Store a run in the workspace (creating it if needed); say which old runs made room for it."""
    ws = ensure()
    db = store()
    if ws is None or db is None:
        return None
    run_id, removed = db.add_run(ws, new)
    _changed()
    st.session_state[state.LAST_RUN] = run_id
    if removed:
        state.add_notice("notice.runs_removed", names=", ".join(removed), limit=db.limits.max_runs,
                         limit_mb=db.limits.max_mb)
    return run_id


def run_holding(model: bytes) -> int | None:
    """The id of this workspace's run whose model is exactly these bytes, or None (no workspace, no database)."""
    db = store() if code() else None
    return db.run_holding(code(), model_digest(model)) if db is not None else None


def rename(run_id: int, name: str) -> None:
    store().rename_run(code(), run_id, name)
    _changed()


def pin(run_id: int, pinned: bool) -> None:
    store().pin_run(code(), run_id, pinned)
    _changed()


def delete(run_id: int) -> None:
    store().delete_run(code(), run_id)
    st.session_state.get(state.MODEL_CACHE, {}).pop(run_id, None)
    _shared_model.clear(code(), run_id)  # SQLite may give this id to the next run: never serve the old model
    _changed()


def model_bytes(run_id: int) -> bytes:
    return store().model_bytes(code(), run_id) or b""


@st.cache_resource(max_entries=64, show_spinner=False)
def _shared_model(ws: str, run_id: int) -> SavedModel | None:
    """A run's model loaded once per server process, shared read-only like the shipped model.

    A reload (a new session with the same link) then finds it at once. Keyed by
    the workspace's code too, so only its holders reach it.
    """
    raw = store().model_bytes(ws, run_id)
    return core_runs.load_model(raw) if raw is not None else None


def model(run_id: int) -> SavedModel | None:
    """A run's model (the session keeps the few it used last)."""
    cache = st.session_state.setdefault(state.MODEL_CACHE, {})
    if run_id not in cache:
        saved = _shared_model(code(), run_id) if code() and store() is not None else None
        if saved is None:
            _shared_model.clear(code(), run_id)  # a deleted run: forget it rather than keep a None
            return None
        cache[run_id] = saved
        while len(cache) > MODELS_KEPT:
            cache.pop(next(iter(cache)))
    return cache[run_id]


def adopt_model(run_id: int, saved: SavedModel) -> None:
    """Put a model this session already holds into the cache, so it is not read back from the database."""
    cache = st.session_state.setdefault(state.MODEL_CACHE, {})
    cache[run_id] = saved


def promised_accuracy(dataset: str) -> dict[str, str]:
    """The accuracies Home may promise, as measured here: the shipped model's test accuracy ("shipped") and
    this server's best finished training on ``dataset`` ("best", "" before there is one)."""
    from ui.base.i18n import pct

    shipped = resources.pretrained().meta.get("test_accuracy")
    db = store()
    best = db.best_accuracy(dataset) if db is not None else None
    return {"shipped": pct(shipped) if isinstance(shipped, (int, float)) else "–",
            "best": t("home.train_best", best=pct(best)) if best is not None else ""}


# ------------------------------------------------------------------ exercises

def mark_solved(exercise_id: str, revealed: bool = False) -> None:
    """Keep a solved exercise (or with ``revealed``, one whose solution was shown) in the workspace."""
    ws = ensure()
    if ws is not None:
        store().mark_solved(ws, exercise_id, revealed=revealed)


def set_variation(variation: int) -> None:
    """Keep the exercises' variation in the workspace (which also clears its progress there)."""
    if code() and store() is not None:
        store().set_variation(code(), variation)


def reset_exercises() -> None:
    if code() and store() is not None:
        store().unmark_all(code())

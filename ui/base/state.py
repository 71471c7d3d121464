"""Session state behind named keys, and the URL that mirrors it.

Every page calls :func:`init_state` first (a page can be opened by URL). The
architecture and dataset live in ``st.session_state`` as plain values and in
the URL's query parameters, so a link restores them; a bad link falls back to
the defaults with a notice, never an exception.
"""

from __future__ import annotations

import re

import streamlit as st

from cnn_core.base import texts
from cnn_core.base.errors import PlaygroundError
from cnn_core.data import registry as datasets
from cnn_core.nn.architecture import (
    OVERRIDE_KEYS,
    PRESETS,
    Architecture,
    apply_overrides,
    layer_table,
    snap_to_choices,
    to_overrides,
)

LANG = "lang"
ARCH = "arch"  # the Architecture the sliders describe
PRESET = "preset"
DATASET = "dataset"  # a name in cnn_core.data.registry, or UPLOAD
JOB = "job"  # the TrainingJob of this session, running or finished
ADOPTED_JOB = "adopted_job"  # the finished job whose model became TRAINED
ADOPTED_RUN = "adopted_run"  # the run ADOPTED_JOB became (None if the workspace did not keep it)
LIVE_CHARTS = "_live_charts"  # ui.sections.train.HeldCharts: what the live charts of a running training last drew
LOOK_REQUEST = "look_request"  # (block from 1, kernel from 0) the Train page asked Inside's "what a kernel looks for"
TRAINED = "trained"  # SavedModel from the last training or upload
UPLOADED_DATA = "uploaded_data"  # ImageData decoded from the user's zip
EXERCISES = "exercises"  # {exercise id: SOLVED or REVEALED (cnn_core.lessons.exercises)} for the variation EX_SEED
EX_SEED = "ex_seed"  # the exercises' variation (0 = the tutorial's numbers)
PENDING_VARIATION = "pending_variation"  # a variation typed while there was work to lose: asked before switching
CANVAS_IMAGE = "canvas_image"  # (canvas key, RGBA) of the last drawing the canvas sent that was accepted
BUILD_STARTED = "build_started"  # the "build the network" exercise loaded its starting network
NOTICES = "notices"  # [(key, params)] to show once
KERNEL_PATTERNS = "kernel_patterns"  # {(model choice, model id, block, kernel): what the Inside page's ascent found}
LAB_KERNEL = "lab_kernel"  # {kernel lab preset: the last kernel typed for it that the lab accepted}
DRAWING = "drawing"  # last prepared 28×28 drawing (uint8) for the Inside page
DRAW_MISTAKES = "draw_mistakes"  # [(what the user drew, what the model said)] for the exercises
PLAYING = "playing"  # {"conv": bool, "pool": bool}: which step-through animation is running
FRAME_AT = "frame_at"  # {"conv": the sweep the browser is playing: {t0 (time.monotonic()), start, speed, out_w, total}}
CLICKS = "clicks"  # {"conv": n}: clicks on a step-through's map so far (its chart key, so it starts unselected)
OVERVIEW_DETAIL = "overview_detail"  # the layer ("pool2") whose Details the network overview shows, or None
OVERVIEW_JUMPS = "overview_jumps"  # clicks on the overview's layers so far
OVERVIEW_SCROLLED = "overview_scrolled"  # the click whose detail was last scrolled into view
URL_READ = "_url_read"
WS = "ws"  # the workspace's code (cnn_core.store.storage), once the visitor has one
KEPT_SETTINGS = "kept_settings"  # {widget key: value} of the Train page, kept across pages and in the workspace
KEPT_ARCH = "edited_arch"  # in KEPT_SETTINGS: the network being edited, as URL parameters (arch_to_params)
SAVED_SETTINGS = "_saved_settings"  # what the workspace holds of KEPT_SETTINGS, to write only changes
RUNS_CACHE = "_runs"  # the workspace's runs as last read, None after a change
RUNS_FULL = "_runs_full"  # {run id: RunInfo with curves} of the runs the Runs view showed, emptied by a change
MODEL_CACHE = "_models"  # {run id: model digest} of runs whose model the session loaded (ui.shell.workspace)
LAST_RUN = "last_run"  # id of the run this session added last
SHIFT_RESULTS = "shift_results"  # {run id: [ShiftPoint]} the Runs page's shift test measured
COMPARISON = "comparison"  # the ready comparison (cnn_core.train.comparison.Comparison) of this session, or None
COMPARED_RUNS = "compared_runs"  # {index in the comparison's plan: run id, None if not kept} of its adopted trainings
STORAGE_DOWN = "_storage_down"  # the database could not be reached (said once)
EX_ANSWER = re.compile(r"ex_\w+?_(?:\d+|choice)")  # an exercise's answer boxes: answer_key, choice_key
ROOM = "room"  # code of the room this session joined
# True once the workspace code must never be written into this session's address: instructor mode (a projected
# screen), a room's member (an address passed around), or a code the tab kept (ui/shell/tab_memory.py). Sticky:
# leaving instructor mode or a room that closed does not put it back (workspace.keep_url).
UNSHOWN_WS = "_ws_unshown"
# exercise id → the variation whose solution this session was shown (a seen mark is the exercise's, in every
# variation; its answer shows only in the variation it was asked for: ui/sections/exercises.py)
REVEALED_IN = "_revealed_in"
INSTRUCTOR = "instructor"  # True once the instructor key was given in this session

UPLOAD = "upload"  # the dataset choice for the user's own zip of images
MAX_PARAM_LEN = 64  # longer query values are not even parsed


def _leave_legacy_pages_mode() -> None:
    """Make sure the app runs through app.py's st.navigation, even on a fresh server's first visit.

    Streamlit keeps its legacy `pages/` directory mode until some session has
    run st.navigation; the first visitor of a new server who lands on a deep
    link (a shared /architecture?… URL) would get file names for a menu and no
    translated titles. Leaving that mode and rerunning routes the visit through
    app.py. The flag is Streamlit's own (there is no public switch); without it
    this does nothing. tests/app/test_private_apis.py pins it to the installed
    Streamlit and says so when an upgrade changes it.
    """
    try:
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:
        return
    if getattr(PagesManager, "uses_pages_directory", False):
        PagesManager.uses_pages_directory = False
        st.rerun()


def answer_key(exercise_id: str, box: int) -> str:
    """The widget key of an exercise's answer box number ``box``."""
    return f"ex_{exercise_id}_{box}"


RELABELLED = "_relabelled"  # keys of the choice widgets whose options read in the session's language (relabelled)


def relabelled(key: str) -> str:
    """``key``, noted as a choice widget whose options are labelled in the reader's language.

    Streamlit sends a choice between browser and server as its option's label. After a language switch the
    browser still holds the old language's label, which names no option: a radio fell back to its first option
    (Train then trained on MNIST), a picker kept the old text. On a switch every noted choice is set again from
    the server (ui.shell.layout), and so sent in the new language.
    """
    st.session_state.setdefault(RELABELLED, set()).add(key)
    return key


def choice_key(exercise_id: str) -> str:
    """The widget key of a multiple-choice exercise's options."""
    return relabelled(f"ex_{exercise_id}_choice")


def init_state() -> bool:
    """Named keys and their defaults, read from the URL on the session's first run; True on that first run.

    Call it through :func:`ui.shell.session.init_state`, which also brings back the visitor's workspace.
    """
    _leave_legacy_pages_mode()
    ss = st.session_state
    first = URL_READ not in ss
    if first:
        ss[URL_READ] = True
        ss[NOTICES] = []
        ss[LANG] = _lang_from_url()
        ss[ARCH], ss[PRESET] = _arch_from_url()
        ds = param("ds")
        ss[DATASET] = ds if ds in datasets.names() else datasets.DEFAULT
        if ds is not None and ds not in datasets.names():
            ss[NOTICES].append(bad_link_notice(["ds"]))
        ss[EXERCISES] = {}
    return first


def keep_widgets() -> None:
    """Keep the values of widgets a page does not draw, and set every key's default."""
    ss = st.session_state
    for key in ss.get(KEPT_SETTINGS, {}):  # Streamlit drops the values of widgets a page does not draw;
        if key in ss:  # assigning them keeps them (Streamlit's documented way across pages)
            ss[key] = ss[key]
    for key in [k for k in ss if EX_ANSWER.fullmatch(str(k))]:  # answers typed or picked, not checked yet
        ss[key] = ss[key]
    ss.setdefault(JOB, None)
    ss.setdefault(COMPARISON, None)
    ss.setdefault(COMPARED_RUNS, {})
    ss.setdefault(TRAINED, None)
    ss.setdefault(UPLOADED_DATA, None)
    ss.setdefault(DRAWING, None)
    ss.setdefault(DRAW_MISTAKES, [])
    ss.setdefault(EX_SEED, 0)
    ss.setdefault(BUILD_STARTED, False)
    ss.setdefault(PLAYING, {})
    ss.setdefault(FRAME_AT, {})
    ss.setdefault(CLICKS, {})
    ss.setdefault(OVERVIEW_DETAIL, None)
    ss.setdefault(OVERVIEW_JUMPS, 0)
    ss.setdefault(OVERVIEW_SCROLLED, 0)


def param(name: str) -> str | None:
    """The URL's value of a key, cut to MAX_PARAM_LEN; None when the URL has none."""
    value = st.query_params.get(name)
    if value is None:
        return None
    return str(value)[:MAX_PARAM_LEN]


def _lang_from_url() -> str:
    lang = (param("lang") or texts.DEFAULT_LANG).lower()
    return lang if lang in texts.languages() else texts.DEFAULT_LANG


def arch_from_params(params: dict[str, str]) -> Architecture:
    """Build an architecture from query parameters; raises PlaygroundError on anything wrong."""
    base = PRESETS.get(params.get("preset", "tutorial"), PRESETS["tutorial"])
    return apply_overrides(base, {k: v for k, v in params.items() if k in OVERRIDE_KEYS})


URL_KEYS = ("preset", *OVERRIDE_KEYS)


def _arch_from_url() -> tuple[Architecture, str]:
    params = {k: param(k) for k in URL_KEYS if param(k) is not None}
    preset = params.get("preset", "tutorial")
    if preset not in PRESETS:
        st.session_state[NOTICES].append(bad_link_notice(["preset"]))
        preset = "tutorial"
    if not params:
        return PRESETS["tutorial"], "tutorial"
    try:
        arch = arch_from_params(params)
        shown, changed = snap_to_choices(arch)
        if changed:  # values between the sliders' choices: the nearest ones, and say so
            layer_table(shown)
            st.session_state[NOTICES].append(("notice.link_adjusted", {
                "params": ", ".join(f"{k}={params.get(k, '')}" for k in changed),
                "shown": ", ".join(f"{k}={to_overrides(shown)[k]}" for k in changed)}))
        return shown, preset
    except (PlaygroundError, ValueError, TypeError, IndexError, OverflowError):
        st.session_state[NOTICES].append(bad_link_notice(_faulty_params(params, preset)))
        return PRESETS["tutorial"], "tutorial"


# What each of a link's parameters sets, as a notice names it (a link said "invalid value (pe)" and nothing more)
URL_FIELDS = {"preset": "field.preset", "ds": "field.dataset", "in": "field.input", "f": "field.filters",
              "k": "field.kernel_size", "pad": "field.padding", "pool": "field.pool", "ps": "field.pool_size",
              "pe": "field.pool_every", "dense": "field.dense", "cls": "field.num_classes", "bn": "field.batch_norm"}


def bad_link_notice(keys: list[str]) -> tuple[str, dict]:
    """The notice for a link whose ``keys`` held values it could not use: the settings by name, then the keys."""
    lang = st.session_state.get(LANG, texts.DEFAULT_LANG)
    fields = ", ".join(texts.translate(lang, URL_FIELDS[k]) for k in keys)
    return "notice.bad_link", {"fields": fields, "param": ", ".join(keys)}


def _faulty_params(params: dict, preset: str) -> list[str]:
    """The link's parameters to blame ("k", "f"): those refused alone, else all that together made no network."""
    given = [k for k in OVERRIDE_KEYS if k in params]

    def refused(key: str) -> bool:
        try:
            arch_from_params({"preset": preset, key: params[key]})
        except (PlaygroundError, ValueError, TypeError, IndexError, OverflowError):
            return True
        return False

    return [k for k in given if refused(k)] or given


def arch_to_params(arch: Architecture, preset: str) -> dict[str, str]:
    return {"preset": preset, **to_overrides(arch)}


def url_params() -> dict[str, str]:
    """Language, dataset and architecture as query parameters (an upload cannot travel in a link)."""
    ss = st.session_state
    return {"lang": ss[LANG], "ds": ss[DATASET] if ss[DATASET] != UPLOAD else datasets.DEFAULT,
            **arch_to_params(ss[ARCH], ss[PRESET])}


def url_names_arch() -> bool:
    """Whether the address names a network (then it wins over what a workspace kept)."""
    return any(param(k) is not None for k in URL_KEYS)


def sync_url() -> None:
    """Write language, architecture and dataset into the URL (only what changed)."""
    wanted = url_params()
    if {k: st.query_params.get(k) for k in wanted} != wanted:
        st.query_params.update(wanted)


def share_link(base_url: str = "") -> str:
    return base_url + "?" + "&".join(f"{k}={v}" for k, v in url_params().items())


def add_notice(key: str, **params) -> None:
    """A message for the next page header to show once (``key`` in the locale files)."""
    st.session_state.setdefault(NOTICES, []).append((key, params))


def dataset_choices() -> tuple[str, ...]:
    """The Train page's dataset choices: every registered dataset, then the user's own images."""
    return (*datasets.names(), UPLOAD)


def pop_notices() -> list[tuple[str, dict]]:
    notices = st.session_state.get(NOTICES, [])
    st.session_state[NOTICES] = []
    return notices

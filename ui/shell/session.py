"""The first call of every page: session state, the server's settings, the URL and the visitor's workspace.

:mod:`ui.base.state` owns the keys and the URL; the workspace (:mod:`ui.shell.workspace`) builds on it, so the
call that needs both lives here, above them. A server whose settings are invalid shows what to fix on every
page and nothing else (:func:`require_settings`).
"""

from __future__ import annotations

import logging
import threading

import streamlit as st

from cnn_core.base import env, numbers
from cnn_core.settings import Settings
from ui.base import state
from ui.base.i18n import lang, t, t_literal
from ui.shell import resources, workspace

log = logging.getLogger(__name__)
_logged: set[str] = set()  # each bad setting is logged once per server process, not once per page view
_logged_lock = threading.Lock()


def init_state() -> None:
    """Every page calls this first (a page can be opened by URL)."""
    fresh = state.init_state()
    require_settings()
    if fresh:
        workspace.restore_from_url(state.param("ws"))
    else:
        workspace.keep_url()
    workspace.visit()
    state.keep_widgets()


def allowed_text(var: env.Var) -> str:
    """A setting's allowed values in the reader's language: 'un número entero de 1 a 10.000, o la palabra «never»'."""
    def bound(x: float | None) -> str:
        if x is None:
            return "∞"
        return numbers.trimmed(float(f"{x:.4g}"), lang(), 6)  # as the English message: 1/24 → 0,04167

    text = t(f"setting.allowed_{var.kind}", low=bound(var.low), high=bound(var.high))
    return t("setting.allowed_word", range=text, word=var.word) if var.word else text


def require_settings() -> Settings:
    """The server's settings; when any is invalid, the page names each (variable, value, allowed range) and stops.

    The operator's message goes to the log once, at ERROR (the command line exits with it, status 2).
    """
    try:
        return resources.settings()
    except env.SettingError as first:
        problems = env.check_all() or [first]
    with _logged_lock:
        for err in problems:
            if str(err) not in _logged:
                _logged.add(str(err))
                log.error("%s", err)
    for err in problems:
        value = t("setting.hidden") if err.value == env.HIDDEN else err.value  # a refused key is never repeated
        st.error(t_literal("err.setting", name=err.name, value=value, allowed=allowed_text(err.var)))
    st.stop()

"""The instructor key: which one this server has, and the line its log gives when it has none.

Light on purpose (no pandas, plotly or torch): the log line is said when the server
starts (``streamlit run server.py``: Streamlit's start-up hook) or else at its first
page (``app.py``), before anything heavy is imported. The Room page
(:mod:`ui.sections.room`) checks keys and draws the rest.
"""

from __future__ import annotations

import logging
import threading

import streamlit as st

from cnn_core.base import env
from cnn_core.settings import Settings
from ui.shell import resources

log = logging.getLogger(__name__)
_said_lock = threading.Lock()
_said = False  # whether this process has said its key's state
_refused_said = False  # whether this process has logged that the secrets' key is refused
# The teacher's guide's laptop command, word for word (tests/app/test_room.py checks the guide holds it).
NO_KEY_LINE = f"CNN_PLAYGROUND_INSTRUCTOR_KEY={env.EXAMPLE_KEY} streamlit run server.py --server.address 0.0.0.0"


def instructor_key(settings: Settings | None = None) -> str:
    key = (settings or resources.settings()).instructor_key
    if key:
        return key
    secret = _secret()
    if secret and not env.acceptable_key(secret):  # the same rule as the variable's: no public or short key
        global _refused_said
        with _said_lock:
            if not _refused_said:  # once per process: this is read several times a page
                _refused_said = True
                log.error("instructor_key in Streamlit's secrets is refused (%s): this server has no instructor key",
                          env.BY_NAME["INSTRUCTOR_KEY"].allowed())
        return ""
    return secret


def _secret() -> str:
    """``instructor_key`` in Streamlit's secrets, unchecked ("" when there is none)."""
    try:
        return str(st.secrets.get("instructor_key", "") or "").strip()
    except Exception:  # no secrets.toml at all: Streamlit raises rather than returning nothing
        return ""


def secret_refused() -> bool:
    """Whether Streamlit's secrets hold an ``instructor_key`` that :func:`instructor_key` refused."""
    secret = _secret()
    return bool(secret) and not env.acceptable_key(secret)


def log_key_state(settings: Settings | None = None) -> bool:
    """Say once per process, in its log, when no instructor key is set (nobody could open a room); whether one is.

    ``streamlit run app.py`` runs none of the app's code until a browser connects, so there this is said at the
    first page; ``streamlit run server.py`` says it as the server starts (its ``st.App`` start-up hook).
    """
    global _said
    has_key = bool(instructor_key(settings))
    with _said_lock:
        if _said:
            return has_key
        _said = True
    if not has_key:
        log.warning("No instructor key: nobody can open a room or use instructor mode (learners can still ask for "
                    "each exercise's solution, after a confirmation). Start the server "
                    "with one, e.g. `%s`, with a key of your own in place of %s: at least 12 characters (the example "
                    "itself is refused: anyone can read it). Docker, Streamlit Cloud, Kubernetes: "
                    "docs/teachers-guide.en.md.", NO_KEY_LINE, env.EXAMPLE_KEY)
    return has_key

"""The instructor key: which one this server has, and the line its log gives when it has none.

Light on purpose (no pandas, plotly or torch): ``app.py`` logs the key's state on a
fresh server's first page, before anything heavy is imported. The Room page
(:mod:`ui.sections.room`) checks keys and draws the rest.
"""

from __future__ import annotations

import logging

import streamlit as st

from ui.shell import resources

log = logging.getLogger(__name__)
NO_KEY_LINE = "CNN_PLAYGROUND_INSTRUCTOR_KEY=choose-a-long-phrase streamlit run app.py"  # the guide's first command


def instructor_key() -> str:
    key = resources.settings().instructor_key
    if key:
        return key
    try:
        return str(st.secrets.get("instructor_key", "") or "")
    except Exception:  # no secrets.toml at all: Streamlit raises rather than returning nothing
        return ""


@st.cache_resource(show_spinner=False)
def log_key_state() -> bool:
    """Say once per server, in its log, when no instructor key is set (nobody could open a room).

    Streamlit runs no code of an app when its server starts (``streamlit run`` reads the script only
    when the first browser connects; ``st.App``'s start-up hooks need another entry point than
    ``streamlit run app.py``), so this is said at the first page, the earliest moment there is.
    """
    if not instructor_key():
        log.warning("No instructor key: nobody can open a room or see the exercises' answers. Start the server "
                    "with one, e.g. `%s` (Docker, Streamlit Cloud, Kubernetes: docs/teachers-guide.en.md).",
                    NO_KEY_LINE)
        return False
    return True

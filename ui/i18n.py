"""The session's language: the switch, and :func:`t` for every text a page shows.

Pages never write user-facing text themselves: they call :func:`t` with a key
from the translation files (``cnn_core/locales/*.toml``, one per language, read
by :mod:`cnn_core.texts`). Errors from the core carry a key and parameters and
are translated here too (:func:`error_text`). Numbers a reader sees go through
:func:`num` and :func:`pct`, so Spanish reads "25.088" and "99,50 %".
"""

from __future__ import annotations

import streamlit as st

from cnn_core import texts
from cnn_core.errors import PlaygroundError

def lang() -> str:
    return st.session_state.get("lang", texts.DEFAULT_LANG)


def t(key: str, **params) -> str:
    """The text for ``key`` in the session's language, with ``params`` filled in."""
    return texts.translate(lang(), key, **params)


def num(value: float, decimals: int = 0) -> str:
    """A number as the session's language writes it: 25.088 / 25,088."""
    return texts.format_number(value, lang(), decimals)


def pct(fraction: float, decimals: int = 2) -> str:
    """A fraction as a percentage in the session's language: 99,50 % / 99.50%."""
    return texts.format_percent(fraction, lang(), decimals)


def labeller(prefix: str):
    """A widget's format_func showing ``t(prefix + option)``, fixed to the language of this run."""
    code = lang()
    return lambda option: texts.translate(code, f"{prefix}{option}")


def error_text(err: PlaygroundError) -> str:
    return t(err.key, **err.params)


def _set_lang() -> None:
    st.session_state["lang"] = st.session_state["w_lang"]


def page_header(title_key: str, intro_key: str, share: bool = True) -> None:
    """Language switch in the sidebar, any pending notices, then the page's title and intro.

    ``share=False`` leaves the share box to the page, for a page that changes
    the architecture during its run and must show the link after that.
    """
    from ui import state

    st.session_state["w_lang"] = st.session_state["lang"]
    st.sidebar.radio(t("lang.label"), texts.languages(), key="w_lang", on_change=_set_lang,
                     format_func=lambda code: texts.table(code)["_meta.name"], horizontal=True)
    for key, params in state.pop_notices():
        st.warning(t(key, **params))
    st.title(t(title_key))
    st.caption(t(intro_key))
    if share:
        share_box()


def share_box() -> None:
    """The sidebar's link to this network, language and dataset, with Streamlit's copy button."""
    from ui import state

    state.sync_url()
    with st.sidebar.expander(t("share.title")):
        st.caption(t("share.help"))
        base = str(getattr(st.context, "url", "") or "").split("?")[0]
        st.code(state.share_link(base), language=None)

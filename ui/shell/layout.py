"""What every page shows around its own content: the language switch, notices, title, share box.

The texts come from :mod:`ui.base.i18n`; the state they read and write from
:mod:`ui.base.state`. Pages call :func:`page_header` right after ``init_state()``.
"""

from __future__ import annotations

import streamlit as st

from cnn_core.base import texts
from ui.base import state
from ui.base.i18n import t, t_literal
from ui.shell import address
from ui.shell import tab_memory as memory
from ui.shell.component_texts import component_texts


def _set_lang() -> None:
    ss = st.session_state
    ss[state.LANG] = ss["w_lang"]
    for key in ss.get(state.RELABELLED, ()):  # every choice sent again, in the new language (state.relabelled)
        if key in ss:
            ss[key] = ss[key]


def language_switch() -> None:
    """The sidebar's radio of every language that has a locale file."""
    st.session_state["w_lang"] = st.session_state[state.LANG]
    st.sidebar.radio(t("lang.label"), texts.languages(), key="w_lang", on_change=_set_lang,
                     format_func=lambda code: texts.table(code)["_meta.name"], horizontal=True)


def page_header(title_key: str, intro_key: str, share: bool = True, tab_memory: bool = True) -> None:
    """Language switch in the sidebar, any pending notices, then the page's title and intro.

    ``share=False`` leaves the share box to the page, for a page that changes
    the architecture during its run and must show the link after that. ``tab_memory=False`` leaves the tab's
    memory of a room member's workspace (a reload, ui/shell/tab_memory.py) to the page: the Room page, which
    makes a member's workspace during its run.
    """
    if tab_memory:
        memory.on_every_page()
    language_switch()
    component_texts()
    for key, params in state.pop_notices():
        st.warning(t_literal(key, **params))  # their values can come from the URL or a file
    from ui.shell import workspace

    workspace.link_box()
    st.title(t(title_key))
    st.caption(t(intro_key))
    if share:
        share_box()


def share_box() -> None:
    """The sidebar's link to this network, language and dataset, with Streamlit's copy button.

    The workspace keeps the same network, so its own link (``?ws=``) brings back what is being edited."""
    from ui.shell import workspace

    state.sync_url()
    workspace.remember_arch()
    with st.sidebar.expander(t("share.title")):
        st.caption(t("share.help"))
        link = state.share_link(address.link_base("w_share_host"))  # never a localhost link on a phone
        st.code(link, language=None)
        st.image(qr_png(link), caption=t("share.qr"), width=180)


@st.cache_data(max_entries=256, show_spinner=False)
def qr_png(link: str) -> bytes:
    """The link as a QR code (PNG), for a phone's camera in a classroom."""
    import io

    import segno

    buf = io.BytesIO()
    segno.make(link, error="m").save(buf, kind="png", scale=8, border=2)  # sharp on a projector too
    return buf.getvalue()

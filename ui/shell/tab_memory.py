"""The browser tab's memory of its workspace: a reload keeps a room's member in their room and their runs.

A member's address never names the workspace, on any page (``workspace.keep_url``: students pass their address
around), and a reload starts a new session, so the tab keeps the code itself, in ``sessionStorage``
(``static/tab_memory.js``: this tab only, gone when it closes). :func:`remember` stores it on every page run of
a member (the Room page: of any visitor with a workspace; a student who joined has one); :func:`recall` asks
for it on any page's run that has none, and the page reruns with it; a code that opens no workspace any more is
tried once and :func:`forget` clears it. ``ui.shell.layout.page_header`` does both on every page but Room,
which does them itself around its own work (joining makes the workspace).
"""

from __future__ import annotations

import streamlit as st

from ui.base import state
from ui.base.scripts import script
from ui.shell import workspace

_memory = st.components.v2.component("cnn_playground_tab_memory", js=script(__file__, "tab_memory.js"))


def remember(ws: str) -> None:
    """Keep ``ws`` in this tab (no space on the page). A run may both ask (before a student joins) and keep;
    it keeps or forgets, never both (one element key)."""
    _memory(data={"keep": ws}, key="tab_memory_keep", height=0)


def forget() -> None:
    """Clear this tab's code (it opened no workspace)."""
    _memory(data={"forget": "1"}, key="tab_memory_keep", height=0)


def recall() -> str | None:
    """The workspace this tab kept, once the browser has answered (the page reruns then); None before or never."""
    result = _memory(data={"ask": "1"}, key="tab_memory_ask", height=0, on_kept_change=lambda: None)
    kept = getattr(result, "kept", None)
    return kept if isinstance(kept, str) and kept else None


TRIED = "_tab_memory_tried"  # the code the tab gave back that this session tried


def bring_back() -> bool:
    """A run with no workspace (a reload): adopt the one this tab kept and rerun the page. Each code is tried
    once a session (again after a database that did not answer); True when the tab's code opened none (a removed
    workspace: said once, then forgotten). A code the tab kept never goes into the address (state.UNSHOWN_WS)."""
    if workspace.code() is not None:
        return False
    kept = recall()
    if not kept or st.session_state.get(TRIED) == kept:
        return False
    found = workspace.restore_from_url(kept)
    if found != workspace.UNREACHABLE:  # a database down for a moment: the tab keeps its code, tried again later
        st.session_state[TRIED] = kept
    if found == workspace.OPENED:
        st.session_state[state.UNSHOWN_WS] = True
        st.query_params.pop("ws", None)
        st.rerun()
    return found == workspace.GONE


def on_every_page() -> bool:
    """A page's start (all but Room): a reload brings the tab's workspace back, and a workspace whose code stays out
    of the address (an instructor's, a member's: state.UNSHOWN_WS) is kept in the tab. Returns whether the tab's
    code opened no workspace (said, then forgotten)."""
    stale = bring_back()
    if workspace.code_unshown():
        keep(stale)
    elif stale:
        forget()
    return stale


def keep(stale: bool) -> None:
    """At the end of a run: keep this session's workspace in the tab, or forget a ``stale`` code it gave back."""
    if workspace.code():
        remember(workspace.code())
    elif stale:
        forget()

"""Room: the instructor opens a room (link and QR code); students join it; everyone sees the board."""

import streamlit as st

from cnn_core.base.errors import StorageDownError
from ui.base import state
from ui.base.i18n import t
from ui.sections import room as room_ui
from ui.shell import session, tab_memory
from ui.shell.layout import page_header

session.init_state()
page_header("room.page_title", "room.intro", share=False, tab_memory=False)  # the tab's memory: below
state.sync_url()  # language and network stay in the address, without the share box
instructor = room_ui.instructor_login()
# A reload: the tab may know the workspace its address never names (ui/shell/tab_memory.py).
stale_memory = tab_memory.bring_back()
if not room_ui.instructor_key():
    room_ui.no_key_ui()  # the exact line that starts the server with a key
joining = (state.param(room_ui.JOIN_PARAM) or "").strip().upper()
try:  # every part below reads the database: one that stops answering is said, never an error page
    if not joining and not instructor and not state.param(room_ui.OPEN_PARAM):
        joining = room_ui.remembered_room() or ""  # a learner already in a room, come back by the menu
        if joining:
            st.query_params[room_ui.JOIN_PARAM] = joining  # the address names it again (a reload, a shared link)
    if joining:
        room_ui.join_ui(joining)
    elif instructor:
        room_ui.open_room_ui()
    elif room_ui.open_room_exists(opened := (state.param(room_ui.OPEN_PARAM) or "").strip().upper()):
        st.info(t("room.reopen_key"))  # a reload of the instructor's board: the key again, then the same room
        room_ui.board_ui(opened, instructor=False)
    else:
        if opened:  # an instructor's address for a room that is not (or no longer) open
            st.warning(t("room.not_open"))
        st.info(t("room.how"))
        room_ui.enter_code_form()
except StorageDownError:
    st.error(t("notice.storage_down"))
# The room's address is for sharing with the room: a workspace code in it would hand this learner's runs to
# whoever copies it (the workspace link lives in its own sidebar box).
st.query_params.pop("ws", None)
tab_memory.keep(stale_memory)  # ... so the tab keeps it instead (an instructor's too: it stays out of the address)

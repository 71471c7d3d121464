"""The workshop room: the instructor's key, opening a room with its link and QR code, joining, the board.

The instructor key comes from ``CNN_PLAYGROUND_INSTRUCTOR_KEY`` or Streamlit's
secrets (``instructor_key``); without one nobody is an instructor. Giving it
once in a session unlocks rooms and the Exercises page's answers. Students
join with the room's link and an optional nickname, shown as plain text only.
The board reads the database (:meth:`cnn_core.store.storage.Storage.board`).
"""

from __future__ import annotations

import hmac
import io
import re

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from cnn_core.base.usertext import spreadsheet_cell
from cnn_core.lessons.exercises import make_exercises
from cnn_core.store.storage import MAX_NICKNAME_LEN, ROOM_CODE, ROOM_CODE_LEN
from ui.base import state
from ui.base.i18n import dataset_name, lang, num, pct, plain, separators, t
from ui.charts.figures import chart_config, percent_axis, text_label
from ui.shell import resources, workspace

JOIN_PARAM = "room"
OPEN_PARAM = "open"  # the instructor's open room, so a reload of the projected board keeps it (the key is never in it)


def instructor_key() -> str:
    key = resources.settings().instructor_key
    if key:
        return key
    try:
        return str(st.secrets.get("instructor_key", "") or "")
    except Exception:  # no secrets.toml at all: Streamlit raises rather than returning nothing
        return ""


def is_instructor() -> bool:
    return bool(st.session_state.get(state.INSTRUCTOR))


def _check_key() -> None:
    given = st.session_state.get("w_instructor_key", "")
    key = instructor_key()
    ok = bool(key) and hmac.compare_digest(given.encode(), key.encode())
    st.session_state[state.INSTRUCTOR] = ok
    st.session_state["w_instructor_key"] = ""  # never kept in the session's widgets
    if not ok:
        st.session_state["_instructor_refused"] = True


def instructor_login() -> bool:
    """The sidebar's instructor box: a key field, or who is logged in; returns whether this is the instructor."""
    with st.sidebar.expander(t("instructor.title"), expanded=False):
        if is_instructor():
            st.caption(t("instructor.on"))
            if st.button(t("instructor.leave"), key="instructor_leave"):
                st.session_state[state.INSTRUCTOR] = False
                st.rerun()
        elif not instructor_key():
            st.caption(t("instructor.no_key"))
        else:
            st.text_input(t("instructor.key"), type="password", key="w_instructor_key", on_change=_check_key)
            if st.session_state.pop("_instructor_refused", False):
                st.error(t("instructor.refused"))
    return is_instructor()


# ------------------------------------------------------------------ room page parts

def room_link(room_code: str) -> str:
    base = str(getattr(st.context, "url", "") or "").split("?")[0]
    return f"{base}?{JOIN_PARAM}={room_code}&lang={lang()}"  # students see the instructor's language


def qr_png(text: str) -> bytes:
    import segno

    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="png", scale=8, border=2)
    return out.getvalue()


def open_room_ui() -> None:
    """Instructor: open a new room, or pick one of the rooms already open."""
    db = workspace.store()
    if db is None:
        return
    with st.form("open_room"):
        title = st.text_input(t("room.title_field"), max_chars=60, key="w_room_title")
        if st.form_submit_button(t("room.open"), type="primary"):
            st.session_state["w_room_pick"] = db.create_room(title)
    open_rooms = [r for r in db.rooms() if not r.closed]
    if not open_rooms:
        st.info(t("room.none_open"))
        return
    codes = [r.code for r in open_rooms]
    titles = {r.code: r.title for r in open_rooms}
    if st.session_state.get("w_room_pick") not in codes:
        in_url = (state.param(OPEN_PARAM) or "").strip().upper()
        st.session_state["w_room_pick"] = in_url if in_url in codes else codes[0]
    room_code = st.selectbox(t("room.pick"), codes, key="w_room_pick",
                             format_func=lambda c: f"{c} · {titles[c]}" if titles[c] else c)
    if st.query_params.get(OPEN_PARAM) != room_code:
        st.query_params[OPEN_PARAM] = room_code
    link = room_link(room_code)
    left, right = st.columns([1, 2])
    left.image(qr_png(link), caption=room_code, width=260)
    with right:
        st.subheader(t("room.link"))
        st.code(link, language=None)
        st.caption(t("room.link_help", code=plain(room_code)))
    board_ui(room_code, instructor=True)


def join_ui(room_code: str) -> None:
    """Student: join the room in the link with an optional nickname; then the board."""
    db = workspace.store()
    if db is None:
        return
    if not ROOM_CODE.fullmatch(room_code):  # not a code at all: never echoed (it came from an address)
        st.error(t("room.bad_code", n=ROOM_CODE_LEN))
        enter_code_form()
        return
    room = db.room(room_code)
    if room is None:
        st.error(t("room.unknown", code=plain(room_code)))
        enter_code_form()
        return
    if room.closed:
        st.warning(t("room.closed"))
        enter_code_form()
        return
    if room.title:
        st.subheader(plain(room.title))  # a person typed it: shown as text, never Markdown
    joined = in_rooms(room_code)
    with st.form("join_room"):
        nickname = st.text_input(t("room.nickname"), max_chars=MAX_NICKNAME_LEN, key="w_nickname",
                                 help=t("room.nickname_help"))
        if st.form_submit_button(t("room.join") if not joined else t("room.rename"), type="primary"):
            ws = workspace.ensure()
            if ws is not None and db.join_room(room_code, ws, nickname):
                st.session_state[state.ROOM] = room_code
                joined = True
                st.success(t("room.joined"))
    if joined:
        st.caption(t("room.member_help"))
    board_ui(room_code, instructor=False)
    with st.expander(t("room.other")):  # today's room, when yesterday's (still open) is the one remembered
        enter_code_form()


def enter_code_form() -> None:
    """The box where a student types the code they were given; sending it opens that room's page."""
    with st.form("enter_room"):
        typed = st.text_input(t("room.code"), max_chars=3 * ROOM_CODE_LEN, key="w_room_code")
        if st.form_submit_button(t("room.go")) and typed.strip():
            code = re.sub(r"[\s-]", "", typed).upper()  # "abc def", "ABC-DEF" as read off a projector
            if ROOM_CODE.fullmatch(code):
                st.query_params[JOIN_PARAM] = code
                st.rerun()
            st.error(t("room.bad_typed_code", n=ROOM_CODE_LEN))  # what was typed stays in the box


def open_room_exists(room_code: str) -> bool:
    """Whether ``room_code`` (from an instructor's address) is a room that is still open."""
    db = workspace.store()
    room = db.room(room_code) if db is not None and ROOM_CODE.fullmatch(room_code) else None
    return room is not None and not room.closed


def remembered_room() -> str | None:
    """The room a learner is in when the address names none (the menu's link to this page drops it, and so
    does a bookmark of the workspace): the open room this session joined, else the workspace's latest."""
    ws = workspace.code()
    db = workspace.store() if ws else None
    rooms = db.member_rooms(ws) if db is not None else []
    mine = st.session_state.get(state.ROOM)
    return mine if mine in rooms else (rooms[-1] if rooms else None)


def in_rooms(room_code: str) -> bool:
    ws = workspace.code()
    db = workspace.store()
    return bool(ws and db and room_code in db.member_rooms(ws))


def board_frame(rows) -> pd.DataFrame:
    return pd.DataFrame([{
        t("room.col_rank"): n, t("room.col_nickname"): r.nickname,
        t("room.col_accuracy"): round(100 * r.best_accuracy, 2) if r.best_accuracy is not None else None,
        t("room.col_params"): r.params, t("room.col_seconds"): round(r.seconds, 1) if r.seconds is not None else None,
        t("room.col_dataset"): dataset_name(r.dataset), t("room.col_runs"): r.runs,
        t("room.col_diverged"): r.diverged, t("room.col_solved"): r.solved,
    } for n, r in enumerate(rows, start=1)])


def board_csv(frame: pd.DataFrame) -> bytes:
    """The board as CSV for the instructor's spreadsheet: no cell of user text is run as a formula."""
    return frame.map(spreadsheet_cell).to_csv(index=False).encode()


def shown_numbers(frame: pd.DataFrame) -> pd.DataFrame:
    """The board with its numbers written the reader's way (the CSV keeps plain numbers)."""
    shown = frame.copy()
    for key, decimals in (("room.col_accuracy", 2), ("room.col_params", 0), ("room.col_seconds", 1)):
        shown[t(key)] = shown[t(key)].map(lambda v, d=decimals: "–" if pd.isna(v) else num(v, d))
    return shown


def scatter(rows) -> go.Figure:
    scored = [r for r in rows if r.best_accuracy is not None]
    fig = go.Figure(go.Scatter(
        x=[r.params for r in scored], y=[r.best_accuracy for r in scored], mode="markers+text",
        text=[text_label(r.nickname) for r in scored],  # Plotly reads tags in labels; a nickname is text
        textposition="top center", marker={"size": 12},
        customdata=[[num(r.params), pct(r.best_accuracy)] for r in scored],
        hovertemplate=f"%{{text}}<br>{t('room.col_params')}: %{{customdata[0]}}<br>"
                      f"{t('room.col_accuracy')}: %{{customdata[1]}}<extra></extra>"))
    fig.update_layout(xaxis={"title": t("room.col_params"), "type": "log", "exponentformat": "none",
                             "separatethousands": True},  # 100.000, not 100k
                      yaxis={"title": t("room.col_accuracy"), **percent_axis()}, title=t("room.scatter"),
                      height=420, margin={"t": 50, "b": 40, "l": 50, "r": 20}, separators=separators())
    return fig


def board_ui(room_code: str, instructor: bool) -> None:
    st.fragment(_board, run_every=5.0)(room_code, instructor)


def _board(room_code: str, instructor: bool) -> None:
    db = workspace.store()
    rows, counts = db.board(room_code)
    st.subheader(t("room.board", count=len(rows)))
    if not rows:
        st.info(t("room.empty"))
    else:
        frame = board_frame(rows)
        st.dataframe(shown_numbers(frame), hide_index=True, key=f"board_{room_code}")
        st.plotly_chart(scatter(rows), key=f"scatter_{room_code}", config=chart_config())
        exercises = make_exercises(0)
        st.dataframe(pd.DataFrame({t("room.col_exercise"): [t(f"ex.{ex.id}.title") for ex in exercises],
                                   t("room.col_students"): [counts.get(ex.id, 0) for ex in exercises]}),
                     hide_index=True, key=f"solved_{room_code}")
        if instructor:
            st.download_button(t("room.csv"), board_csv(frame), file_name=f"room-{room_code}.csv",
                               mime="text/csv", key=f"csv_{room_code}")
    if instructor and st.button(t("room.close"), key=f"close_{room_code}"):
        db.close_room(room_code)
        st.session_state.pop("w_room_pick", None)
        st.query_params.pop(OPEN_PARAM, None)
        st.rerun(scope="app")

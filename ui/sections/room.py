"""The workshop room: the instructor's key, opening a room with its link and QR code, joining, the board.

The instructor key comes from ``CNN_PLAYGROUND_INSTRUCTOR_KEY`` or Streamlit's
secrets (``instructor_key``); without one nobody is an instructor. Giving it
once in a session unlocks rooms and the Exercises page's answers. Students
join with the room's link and an optional nickname, shown as plain text only.
The board reads the database (:meth:`cnn_core.store.storage.Storage.board`).
"""

from __future__ import annotations

import logging
import math
import re

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from cnn_core.base import env
from cnn_core.base.errors import ServerFullError, StorageDownError
from cnn_core.base.usertext import spreadsheet_cell
from cnn_core.lessons.exercises import make_exercises
from cnn_core.store.storage import MAX_NICKNAME_LEN, ROOM_CODE, ROOM_CODE_LEN, revealed_key
from ui.base import state
from ui.base.i18n import dataset_name, lang, num, pct, plain, separators, t
from ui.charts.figures import chart_config, figure, named_points, percent_axis, text_label
from ui.shell import address, workspace
from ui.shell.instructor import NO_KEY_LINE, instructor_key, secret_refused
from ui.shell.layout import qr_png

log = logging.getLogger(__name__)
BOARD_REFRESH_S = 5.0  # how often an open board reads the database again (a closed room shows within one)
JOIN_PARAM = "room"
OPEN_PARAM = "open"  # the instructor's open room, so a reload of the projected board keeps it (the key is never in it)


def is_instructor() -> bool:
    return bool(st.session_state.get(state.INSTRUCTOR))


def _check_key() -> None:
    given = st.session_state.get("w_instructor_key", "")
    key = instructor_key()
    check = workspace.check_instructor_key(given, key)  # constant time, throttled per tab and per address
    st.session_state[state.INSTRUCTOR] = check.ok
    st.session_state["w_instructor_key"] = ""  # never kept in the session's widgets
    if not check.ok:  # a key typed while the tab still had to wait was never compared: it may be the right one
        st.session_state["_instructor_refused"] = (check.checked, max(1, math.ceil(check.wait_s)))


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
            refused = st.session_state.pop("_instructor_refused", None)
            if refused is not None:
                checked, seconds = refused
                if not checked:
                    st.warning(t("instructor.not_checked", seconds=seconds))
                elif seconds > 1:
                    st.error(t("instructor.wait", seconds=seconds))
                else:
                    st.error(t("instructor.refused"))
    return is_instructor()


# ------------------------------------------------------------------ room page parts

LABELLED = 5  # scatter points named on the chart (the best ones); the rest say who they are on hover


def no_key_ui() -> None:
    """The Room page on a server without a key: say so, with the exact line that starts one with a key."""
    st.warning(t("room.no_key"))
    if secret_refused():  # an instructor_key in the secrets, too short or the guide's example
        shortest = int(env.BY_NAME["INSTRUCTOR_KEY"].low)
        st.error(t("room.secret_refused", allowed=t("setting.allowed_secret", low=shortest)))
    st.code(NO_KEY_LINE, language="bash")
    st.caption(t("room.no_key_more"))


def room_link(room_code: str, base: str) -> str:
    """The link students open: the room and the language, never anyone's workspace."""
    return f"{base}?{JOIN_PARAM}={room_code}&lang={lang()}"  # students see the instructor's language


def _room_label(room) -> str:
    """How the picker names a room: its code, its title, and whether it is closed (past rooms are picked here)."""
    parts = [room.code] + ([room.title] if room.title else []) + ([t("room.closed_mark")] if room.closed else [])
    return " · ".join(parts)


def _open_room(db) -> None:
    """The form's button: a new room, picked, and its name gone from the box (a second press opened a second room
    of the same name). A database that does not answer, or a full disk, is said; the name stays for another try."""
    try:
        st.session_state["w_room_pick"] = db.create_room(st.session_state.get("w_room_title", ""))
    except ServerFullError as err:
        state.add_notice(err.key, **err.params)
        return
    except StorageDownError:
        state.add_notice("notice.storage_down")
        return
    st.session_state["w_room_title"] = ""


def open_room_ui() -> None:
    """Instructor: open a new room, or pick one of the rooms (open ones first, then the past, closed ones)."""
    db = workspace.store()
    if db is None:
        return
    with st.form("open_room"):
        st.text_input(t("room.title_field"), max_chars=60, key="w_room_title")
        st.form_submit_button(t("room.open"), type="primary", on_click=_open_room, args=(db,))
    rooms = sorted(db.rooms(), key=lambda r: r.closed)  # newest first within each group
    if not any(not r.closed for r in rooms):
        st.info(t("room.none_open"))
    if not rooms:
        return
    codes = [r.code for r in rooms]
    closed = {r.code for r in rooms if r.closed}
    labels = {r.code: _room_label(r) for r in rooms}  # now, in the page's language (Streamlit may call later)
    picked = st.session_state.get("w_room_pick")
    if picked not in codes:  # a closed room stays picked: closing never jumps
        in_url = (state.param(OPEN_PARAM) or "").strip().upper()
        picked = in_url if in_url in codes else codes[0]
    # Set at every run: Streamlit sends a choice as its label, and the picked room's label changes when it closes
    # (or the language does); the browser then kept showing the old label ("· Martes" without "· cerrada").
    st.session_state["w_room_pick"] = picked
    room_code = st.selectbox(t("room.pick"), codes, key="w_room_pick", format_func=labels.get)
    if st.query_params.get(OPEN_PARAM) != room_code:
        st.query_params[OPEN_PARAM] = room_code
    st.title(room_code, anchor=False)  # large, to read off a projector and type
    if room_code in closed:
        st.info(t("room.closed_board"))
    else:
        link = room_link(room_code, address.link_base("w_room_host"))
        left, right = st.columns([1, 2])
        left.image(qr_png(link), caption=room_code, width=260)
        with right:
            st.subheader(t("room.link"))
            st.code(link, language=None)
            st.caption(t("room.link_help", code=plain(room_code)))
            # Read again at every board refresh: another instructor tab's change shows here within one, untouched.
            st.fragment(_solutions_ui, run_every=BOARD_REFRESH_S)(room_code)
    board_ui(room_code, instructor=True)
    if room_code in closed:
        _delete_ui(room_code)
    else:
        _close_ui(room_code)
    if past := [r for r in rooms if r.closed]:
        with st.expander(t("room.past", count=len(past))):  # each one's board and CSV: pick it above
            st.table(pd.DataFrame({t("room.code"): [r.code for r in past], t("room.col_title"): [plain(r.title)
                                                                                                 for r in past],
                                   t("room.opened_at"): [r.created_at.strftime("%Y-%m-%d %H:%M") for r in past]}))


def solutions_key(room_code: str, allowed: bool) -> str:
    """The room's solutions switch, keyed by the value it was drawn with: a tab that has not yet heard another
    tab's change sends its old value with its next click, which that switch's callback ignores (see
    docs/architecture.md, callbacks that act)."""
    return f"w_room_solutions_{room_code}_{int(allowed)}"


def _solutions_ui(room_code: str) -> None:
    """Instructor: whether the room's members may ask for solutions (a room starts without). The switch shows
    what the database holds at each run; a change goes there at once and members see it at their next click."""
    db = workspace.store()
    try:
        info = db.room(room_code) if db is not None else None
    except StorageDownError:  # the page says so at its next run; no switch that would show a guess
        return
    if info is None or info.closed:  # removed or closed by another tab meanwhile: a closed room has no switch
        return
    allowed = info.solutions
    key = solutions_key(room_code, allowed)
    st.session_state[key] = allowed
    st.toggle(t("room.solutions"), key=key, help=t("room.solutions_help"), on_change=_set_solutions,
              args=(room_code, allowed))


def _set_solutions(room_code: str, drawn: bool) -> None:
    wanted = bool(st.session_state[solutions_key(room_code, drawn)])
    db = workspace.store()
    if wanted == drawn or db is None:  # an echo of what this switch showed: nothing was asked
        return
    try:
        db.allow_solutions(room_code, wanted)
    except StorageDownError:  # said on the page; the switch shows the database's value again at the next run
        state.add_notice("notice.storage_down")


WITHHELD_NO_ROOM = "-"  # withholding_rooms: no room of this learner allows solutions, on a workshop server


def withholding_rooms() -> list[str]:
    """Why this session gets no solutions, as room codes; empty when it may ask for them.

    A server without an instructor key is a self-learner's: solutions on request. On a workshop server (a key
    is set) only members of open rooms that all allow them may ask: the codes of those that do not, or
    [WITHHELD_NO_ROOM] for a learner in no open room (a fresh tab must not be a way round the room's rule) or
    whose rooms cannot be read now.
    """
    if not instructor_key():
        return []
    ws = workspace.code()
    db = workspace.store()
    if not ws or db is None:
        return [WITHHELD_NO_ROOM]
    try:
        if not db.member_rooms(ws):
            return [WITHHELD_NO_ROOM]
        return db.rooms_withholding_solutions(ws)
    except StorageDownError:
        return [WITHHELD_NO_ROOM]


def _asked(action: str, room_code: str) -> bool:
    """A button that asks before it acts: True once the instructor has said yes (keys ``<action>_<code>``,
    ``<action>_yes_<code>``, ``<action>_no_<code>``; texts ``room.<action>``, ``room.<action>_confirm``, …)."""
    asking = f"confirm_{action}_{room_code}"
    if not st.session_state.get(asking):
        if st.button(t(f"room.{action}"), key=f"{action}_{room_code}"):
            st.session_state[asking] = True
            st.rerun()
        return False
    st.warning(t(f"room.{action}_confirm", code=room_code))
    yes, no = st.columns(2)
    if yes.button(t(f"room.{action}_yes"), key=f"{action}_yes_{room_code}", type="primary"):
        st.session_state.pop(asking, None)
        return True
    if no.button(t("room.cancel"), key=f"{action}_no_{room_code}"):
        st.session_state.pop(asking, None)
        st.rerun()
    return False


def _close_ui(room_code: str) -> None:
    """Closing asks first; the closed room stays picked, with its board, among the past rooms."""
    if _asked("close", room_code):
        workspace.store().close_room(room_code)
        st.rerun()


def _delete_ui(room_code: str) -> None:
    """A past room goes only when the instructor deletes it, a separate, confirmed action."""
    if _asked("delete", room_code):
        workspace.store().delete_room(room_code)
        st.session_state.pop("w_room_pick", None)
        st.query_params.pop(OPEN_PARAM, None)
        st.rerun()


JOIN_PRESSED = "_room_join_pressed"  # the room whose join button was pressed, joined by the page's run


def _join_pressed(room_code: str) -> None:
    """The join form's button notes the press only: the page joins before it draws the form (so its button says
    "change my nickname" at once), after the tab's workspace is brought back (pages/room.py; a callback runs
    before that, and would join with a new, empty workspace)."""
    st.session_state[JOIN_PRESSED] = room_code


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
    just_joined = False
    if st.session_state.pop(JOIN_PRESSED, None) == room_code and workspace.join_room(
            room_code, st.session_state.get("w_nickname", "")):
        st.session_state[state.ROOM] = room_code
        just_joined = True
    joined = in_rooms(room_code)
    if joined:  # a member (come back by the menu, a reload): their address keeps no workspace code on any page
        st.session_state[state.ROOM] = room_code
    with st.form("join_room"):
        st.text_input(t("room.nickname"), max_chars=MAX_NICKNAME_LEN, key="w_nickname", help=t("room.nickname_help"))
        st.form_submit_button(t("room.join") if not joined else t("room.rename"), type="primary",
                              on_click=_join_pressed, args=(room_code,))
    if just_joined:
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
    """The board as data (the CSV writes it as it is): whole numbers stay whole where a row has none, a member
    with no result yet has no place, and a run trained for a time budget or stopped before its end says so in its
    work's cell (it ranks after every run of a set work done to its end)."""
    frame = pd.DataFrame([{
        # a place only with a result: a member who has trained nothing yet is not 25th of 25
        t("room.col_rank"): n if r.best_accuracy is not None else None, t("room.col_nickname"): r.nickname,
        t("room.col_accuracy"): round(100 * r.best_accuracy, 2) if r.best_accuracy is not None else None,
        t("room.col_params"): r.params,
        t("room.col_epochs"): t("room.timed_work") if r.timed else t("room.stopped_work") if r.stopped else r.epochs,
        t("room.col_speed"): round(r.images_per_s) if r.images_per_s is not None else None,
        t("room.col_seconds"): round(r.seconds, 1) if r.seconds is not None else None,
        t("room.col_dataset"): dataset_name(r.dataset), t("room.col_runs"): r.runs,
        t("room.col_diverged"): r.diverged, t("room.col_solved"): r.solved,
        t("room.col_revealed"): r.revealed,  # solutions seen are not solved: a column of their own
    } for n, r in enumerate(rows, start=1)])
    for key in ("room.col_rank", "room.col_params", "room.col_speed"):  # 208982, never 208982.0 beside an empty cell
        if t(key) in frame:
            frame[t(key)] = frame[t(key)].astype("Int64")
    return frame


def exercise_counts(exercises, counts: dict[str, int]) -> pd.DataFrame:
    """Per exercise: how many members solved it, and apart, how many saw its solution."""
    return pd.DataFrame({t("room.col_exercise"): [t(f"ex.{ex.id}.title") for ex in exercises],
                         t("room.col_students"): [counts.get(ex.id, 0) for ex in exercises],
                         t("room.col_students_revealed"): [counts.get(revealed_key(ex.id), 0) for ex in exercises]})


def board_csv(frame: pd.DataFrame) -> bytes:
    """The board as CSV for the instructor's spreadsheet, in the reader's language: UTF-8 with a BOM (Excel
    then reads accents right), and for a decimal comma (Spanish) ';' between cells and 2,5 in them, as a
    Spanish-locale spreadsheet expects. No cell of user text is run as a formula."""
    decimal = separators()[0]
    cells = frame.map(spreadsheet_cell)
    for column in cells.select_dtypes(include=["object", "str"]).columns:  # numbers and words (a timed run's work):
        cells[column] = cells[column].map(  # pandas writes its numbers with a point whatever ``decimal`` says
            lambda v: repr(v).replace(".", decimal) if isinstance(v, float) and not pd.isna(v) else v)
    text = cells.to_csv(index=False, sep=";" if decimal == "," else ",", decimal=decimal)
    return text.encode("utf-8-sig")


def shown_board(frame: pd.DataFrame) -> pd.DataFrame:
    """The board with its numbers written the reader's way (the CSV keeps plain numbers)."""
    shown = frame.copy()
    for key, decimals in (("room.col_rank", 0), ("room.col_accuracy", 2), ("room.col_params", 0),
                          ("room.col_epochs", None), ("room.col_speed", 0), ("room.col_seconds", 1)):
        shown[t(key)] = shown[t(key)].map(lambda v, d=decimals: v if isinstance(v, str) else "–" if pd.isna(v)
                                          else num(v, _fewest_decimals(v) if d is None else d))
    for key in ("room.col_nickname", "room.col_dataset"):  # a student's nickname, a zip's name: st.table shows
        shown[t(key)] = shown[t(key)].map(plain)           # Markdown, so they go as text (the CSV keeps them raw)
    return shown.astype(str)


def _fewest_decimals(value: float, most: int = 2) -> int:
    """The decimals a work needs on the board, up to ``most``: 1 epoch is "1", 1.5 is "1,5", never "1,00" (the CSV
    keeps the plain number, 1.0, for the spreadsheet)."""
    return next((d for d in range(most) if round(value, d) == round(value, most)), most)


def scatter(rows) -> go.Figure:
    """Accuracy against parameters: the board's first LABELLED members named beside the chart, in its order
    (figures.named_points: a timed or stopped run ranks after, however accurate), every point on hover."""
    scored = [r for r in rows if r.best_accuracy is not None]
    names = [text_label(r.nickname) for r in scored]  # Plotly reads tags in labels; a nickname is text
    points = go.Scatter(
        x=[r.params for r in scored], y=[r.best_accuracy for r in scored], mode="markers", marker={"size": 12},
        customdata=[[name, num(r.params), pct(r.best_accuracy)] for r, name in zip(scored, names)],
        hovertemplate=f"%{{customdata[0]}}<br>{t('room.col_params')}: %{{customdata[1]}}<br>"
                      f"{t('room.col_accuracy')}: %{{customdata[2]}}<extra></extra>")
    labels, xaxis = named_points([(r.params, r.best_accuracy) for r in scored], names, LABELLED, ranked=True)
    return figure([points], dict(xaxis={"title": t("room.col_params"), **xaxis},
                                 yaxis={"title": t("room.col_accuracy"), **percent_axis()},
                                 title=t("room.scatter"), annotations=labels, height=480,
                                 margin={"t": 50, "b": 40, "l": 50, "r": 20}))


def board_ui(room_code: str, instructor: bool) -> None:
    st.fragment(_board, run_every=BOARD_REFRESH_S)(room_code, instructor)


def _board(room_code: str, instructor: bool) -> None:
    db = workspace.store()
    try:
        if db is None:
            raise StorageDownError()
        if not instructor:
            room = db.room(room_code)
            if room is None or room.closed:  # closed (or deleted) since this tab drew it: the page says so
                st.rerun(scope="app")
        rows, counts = db.board(room_code)
    except StorageDownError:  # the board tries again at its next refresh
        st.error(t("notice.storage_down"))
        return
    st.subheader(t("room.board", count=len(rows)))
    if not rows:
        st.info(t("room.empty"))
        return
    st.caption(t("room.rule"))
    frame = board_frame(rows)
    # A static table: every row on the page (a projected board scrolls the page, not a 400-pixel frame).
    st.table(shown_board(frame).set_index(t("room.col_rank")))
    st.plotly_chart(scatter(rows), key=f"scatter_{room_code}", config=chart_config())
    exercises = make_exercises(0)
    st.table(exercise_counts(exercises, counts).set_index(t("room.col_exercise")))
    if instructor:
        st.download_button(t("room.csv"), board_csv(frame), file_name=f"room-{room_code}.csv",
                           mime="text/csv", key=f"csv_{room_code}")

"""Exercises: the tutorial's questions and the concepts behind them, checked instantly by the core."""

import streamlit as st

from cnn_core.lessons.exercises import make_exercises
from ui.base import state
from ui.base.i18n import t
from ui.sections import exercises as exercises_ui
from ui.sections import room as room_ui
from ui.shell import session
from ui.shell.layout import page_header

session.init_state()
page_header("ex.title", "ex.intro")
instructor = room_ui.instructor_login()  # the instructor key, never a switch every visitor can flip
seed = exercises_ui.variation_ui()
exercises = make_exercises(seed)
solved = st.session_state[state.EXERCISES]
exercises_ui.progress_ui(exercises, solved)
if instructor:
    st.button(t("ex.reset"), key="reset_progress", on_click=exercises_ui.reset)
exercises_ui.downloads(exercises, seed, instructor)
withheld = [] if instructor else room_ui.withholding_rooms()  # a room's members get solutions if it allows them
for n, ex in enumerate(exercises, start=1):
    exercises_ui.exercise_ui(n, ex, solved, withheld)

"""Exercises: the tutorial's questions, checked instantly by the core."""

import streamlit as st

from cnn_core.exercises import check_answers, check_task, make_exercises
from ui import state
from ui.i18n import t
from ui.layout import page_header


def session_facts() -> dict:
    job = st.session_state[state.JOB]
    result = job.snapshot().result if job is not None and job.finished else None
    return {"arch": st.session_state[state.ARCH],
            "test_accuracy": result.test_accuracy if result is not None else None,
            "draw_mistakes": st.session_state[state.DRAW_MISTAKES]}


def expected_text(ex) -> str:
    parts = []
    for value in ex.expected:
        if isinstance(value, tuple):
            parts.append(", ".join(map(str, value)))
        elif isinstance(value, int):
            parts.append(f"{value:,}")
        else:
            parts.append(f"{value:.3f}")
    return " · ".join(parts)


def worksheet(exercises) -> str:
    lines = [f"# {t('ex.worksheet_title')}", ""]
    for n, ex in enumerate(exercises, start=1):
        lines += [f"## {n}. {t(f'ex.{ex.id}.title')}", "", t(f"ex.{ex.id}.text", **ex.params), ""]
        if ex.kind == "answer":
            lines += [f"- {t(f'ex.{ex.id}.a{i}')}: ________" for i in range(len(ex.expected))] + [""]
    return "\n".join(lines)


def check(ex) -> None:
    """Button callback: runs before the page, so the progress bar already counts it."""
    if ex.kind == "answer":
        answers = [st.session_state.get(f"ex_{ex.id}_{i}", "") for i in range(len(ex.expected))]
        ok = check_answers(ex, answers)
    else:
        ok = check_task(ex, session_facts())
    solved = st.session_state[state.EXERCISES]
    solved[ex.id] = solved.get(ex.id, False) or ok
    st.session_state[f"ex_feedback_{ex.id}"] = ok


def reset() -> None:
    st.session_state[state.EXERCISES].clear()
    for key in [k for k in st.session_state if str(k).startswith("ex_")]:
        del st.session_state[key]


def exercise_ui(n, ex, solved: dict) -> None:
    done = solved.get(ex.id, False)
    with st.expander(f"{'✅' if done else '⬜'} {n}. {t(f'ex.{ex.id}.title')}", expanded=not done):
        st.markdown(t(f"ex.{ex.id}.text", **ex.params))
        if ex.kind == "answer":
            cols = st.columns(len(ex.expected))
            for i in range(len(ex.expected)):
                cols[i].text_input(t(f"ex.{ex.id}.a{i}"), key=f"ex_{ex.id}_{i}")
        st.button(t("ex.check"), key=f"check_{ex.id}", on_click=check, args=(ex,))
        feedback = st.session_state.get(f"ex_feedback_{ex.id}")
        if feedback is True:
            st.success(t("ex.right"))
        elif feedback is False:
            st.error(t("ex.wrong") if ex.kind == "answer" else t("ex.not_yet"))
        with st.popover(t("ex.hint")):
            st.markdown(t(f"ex.{ex.id}.hint", **ex.params))
        if st.session_state.get("w_instructor"):
            st.info(t("ex.answer", answer=expected_text(ex) if ex.kind == "answer" else t("ex.task_answer")))


state.init_state()
page_header("ex.title", "ex.intro")
st.sidebar.toggle(t("ex.instructor"), key="w_instructor")
seed = st.number_input(t("ex.variation"), 0, 9999, 0, key="w_seed", help=t("ex.variation_help"))
exercises = make_exercises(int(seed))
solved = st.session_state[state.EXERCISES]
count = sum(solved.get(ex.id, False) for ex in exercises)
st.progress(count / len(exercises), text=t("ex.progress", done=count, total=len(exercises)))
if st.session_state.get("w_instructor"):
    st.button(t("ex.reset"), key="reset_progress", on_click=reset)
st.download_button(t("ex.download"), worksheet(exercises), file_name="cnn-worksheet.md",
                   mime="text/markdown", key="worksheet")
for n, ex in enumerate(exercises, start=1):
    exercise_ui(n, ex, solved)

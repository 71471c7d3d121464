"""The Exercises page's sections: one exercise with its answer boxes and feedback, the worksheet downloads,
and the button callbacks (check, reveal, start the build, reset, new variation)."""

from functools import partial

import streamlit as st

from cnn_core.lessons.exercises import (
    BUILD_START,
    REVEALED,
    SOLVED,
    answer_labels,
    answer_text,
    check_answers,
    check_task,
    exercise_text,
    option_texts,
    solved_count,
    usual_mistake,
    worksheet_html,
    worksheet_markdown,
)
from ui.base import state
from ui.base.i18n import lang, t
from ui.charts.figures import chart_config, loss_curves
from ui.sections import room as room_ui
from ui.sections.architecture import forget_arch_widgets
from ui.shell import workspace
from ui.shell.instructor import instructor_key


def session_facts() -> dict:
    ss = st.session_state
    job = ss[state.JOB]
    result = job.snapshot().result if job is not None and job.finished else None
    return {"arch": ss[state.ARCH], "build_started": ss[state.BUILD_STARTED],
            "test_accuracy": result.test_accuracy if result is not None else None,
            "draw_mistakes": ss[state.DRAW_MISTAKES]}


def given_answers(ex) -> list[str]:
    if ex.kind == "choice":
        choice = st.session_state.get(state.choice_key(ex.id))
        return [] if choice is None else [str(choice)]
    return [st.session_state.get(state.answer_key(ex.id, i), "") for i in range(len(ex.expected))]


def check(ex) -> None:
    """Button callback: runs before the page, so the progress bar already counts it.

    A revealed exercise stays revealed: typing the answer it showed is not solving it."""
    answers = given_answers(ex)
    ok = check_answers(ex, answers) if ex.kind != "task" else check_task(ex, session_facts())
    progress = st.session_state[state.EXERCISES]
    if ok and ex.id not in progress:
        # Creates the workspace on a first success. What is kept decides: another tab may have shown the solution
        # since this one was drawn, and then this right answer does not make it solved here either.
        progress[ex.id] = REVEALED if workspace.mark_solved(ex.id) is True else SOLVED
    st.session_state[f"ex_feedback_{ex.id}"] = ok
    st.session_state[f"ex_mistake_{ex.id}"] = None if ok else usual_mistake(ex, answers)


def ask_reveal(ex) -> None:
    """«Show the solution» first asks: a revealed exercise never counts as solved."""
    st.session_state[f"ex_confirm_{ex.id}"] = True


def cancel_reveal(ex) -> None:
    st.session_state[f"ex_confirm_{ex.id}"] = False


def reveal(ex) -> None:
    st.session_state[f"ex_confirm_{ex.id}"] = False
    if room_ui.withholding_rooms():  # closed to solutions since the button was drawn (a callback outlives it)
        return
    progress = st.session_state[state.EXERCISES]
    if progress.get(ex.id) == SOLVED:  # a solved exercise stays solved
        return
    if progress.get(ex.id) != REVEALED:  # (seen already, in another variation: asked for again, nothing to note)
        kept = workspace.mark_solved(ex.id, revealed=True)
        if kept is None and instructor_key():  # a workshop's solution shows only once the board can count it
            state.add_notice("notice.reveal_not_kept")
            return
        progress[ex.id] = SOLVED if kept is False else REVEALED  # (as kept: another tab may have solved it)
    if progress[ex.id] == REVEALED:
        st.session_state.setdefault(state.REVEALED_IN, {})[ex.id] = st.session_state[state.EX_SEED]


def ask_start_build() -> None:
    """The build exercise replaces the network being edited: it asks first (unless that is its start already)."""
    if st.session_state[state.ARCH] == BUILD_START:
        start_build()
    else:
        st.session_state["ex_confirm_build"] = True


def cancel_start_build() -> None:
    st.session_state["ex_confirm_build"] = False


def start_build() -> None:
    """Load the build exercise's starting network, so only building the target solves it."""
    ss = st.session_state
    ss["ex_confirm_build"] = False
    ss[state.ARCH], ss[state.PRESET] = BUILD_START, "small"
    forget_arch_widgets()  # the Architecture page's sliders are re-seeded from the new network
    ss[state.BUILD_STARTED] = True


def forget_answers() -> None:
    """This session's progress, typed answers and feedback, gone (the workspace is the caller's business)."""
    st.session_state[state.EXERCISES].clear()
    st.session_state[state.BUILD_STARTED] = False
    for key in [k for k in st.session_state if str(k).startswith("ex_") and k != state.EX_SEED]:  # feedback too
        del st.session_state[key]


def reset() -> None:
    st.session_state.pop(state.PENDING_VARIATION, None)
    forget_answers()
    workspace.reset_exercises()


def work_to_lose() -> bool:
    """Whether switching variation would lose something: an exercise solved, or an answer typed (a solution seen
    stays seen: :func:`switch_variation`)."""
    ss = st.session_state
    answered = any(state.EX_ANSWER.fullmatch(str(k)) and v is not None and str(v).strip() for k, v in ss.items())
    solved = any(mark == SOLVED for mark in ss[state.EXERCISES].values())
    return solved or bool(ss.get(state.BUILD_STARTED)) or answered  # typed or picked


def change_variation() -> None:
    """A new number in the box: switched at once when nothing would be lost, asked first otherwise (the box is a
    click away from every exercise, and a slip of its +/− wiped a whole workshop's progress)."""
    wanted = int(st.session_state["w_seed"])
    if wanted == st.session_state[state.EX_SEED]:
        return
    if work_to_lose():
        st.session_state[state.PENDING_VARIATION] = wanted
    else:
        switch_variation(wanted)


def switch_variation(seed: int) -> None:
    """A new variation asks new numbers: what was solved and typed starts from zero, here and in the workspace. A
    solution seen stays seen, in every variation: switching there and back and typing the answer it showed would
    otherwise count as solving it (Storage.set_variation)."""
    st.session_state.pop(state.PENDING_VARIATION, None)
    st.session_state[state.EX_SEED] = int(seed)
    seen = {ex_id: mark for ex_id, mark in st.session_state[state.EXERCISES].items() if mark == REVEALED}
    forget_answers()
    st.session_state[state.EXERCISES].update(seen)
    workspace.set_variation(st.session_state[state.EX_SEED])
    state.add_notice("ex.variation_reset", seed=st.session_state[state.EX_SEED])


def keep_variation() -> None:
    st.session_state.pop(state.PENDING_VARIATION, None)


def exercise_ui(n, ex, progress: dict, withheld: list[str]) -> None:
    """One exercise; ``withheld``: the open rooms this learner is in that show no solutions (room.withholding_rooms)."""
    code = lang()
    done, revealed = progress.get(ex.id) == SOLVED, progress.get(ex.id) == REVEALED
    mark = "✅" if done else "👁️" if revealed else "⬜"
    with st.expander(f"{mark} {n}. {exercise_text(ex, 'title', code)}", expanded=True):
        st.markdown(exercise_text(ex, "text", code))
        if ex.id == "overfitting":  # the two curves the question is about, drawn
            st.plotly_chart(loss_curves([v.value for v in ex.params["train"]], [v.value for v in ex.params["val"]],
                                        {k: t(f"curve.{k}") for k in ("loss", "validation", "epoch", "train_epoch")}),
                            key="overfitting_curves", config=chart_config())
        if ex.kind == "answer":
            cols = st.columns(len(ex.expected))
            for i, label in enumerate(answer_labels(ex, code)):
                cols[i].text_input(label, key=state.answer_key(ex.id, i))
        elif ex.kind == "choice":
            options = option_texts(ex, code)
            st.radio(t("ex.choose"), range(len(options)), index=None, key=state.choice_key(ex.id),
                     format_func=options.__getitem__)
        elif ex.id == "build_tutorial":
            if st.session_state.get("ex_confirm_build"):
                st.warning(t("ex.start_build_confirm"))
                yes, no = st.columns(2)
                yes.button(t("ex.start_build_yes"), key="start_build_yes", on_click=start_build)
                no.button(t("ex.start_build_no"), key="start_build_no", on_click=cancel_start_build)
            else:
                st.button(t("ex.start_build"), key="start_build", on_click=ask_start_build)
            if st.session_state[state.BUILD_STARTED]:
                st.caption(t("ex.build_started", start=BUILD_START.out_channels[0]))
        st.button(t("ex.check"), key=f"check_{ex.id}", on_click=check, args=(ex,))
        feedback = st.session_state.get(f"ex_feedback_{ex.id}")
        mistake = st.session_state.get(f"ex_mistake_{ex.id}")
        if done:  # a solved exercise keeps its answer and the reason for it in view
            st.success(t("ex.right") + " " + t("ex.answer", answer=answer_text(ex, code)), icon="✅")
        elif feedback is False:
            st.error(t(f"ex.mistake.{mistake}") if mistake else
                     t({"answer": "ex.wrong", "choice": "ex.wrong_choice"}.get(ex.kind, "ex.not_yet")))
        elif feedback and revealed:  # right, after its solution was seen (here or in another tab): said so
            st.info(t("ex.right_seen"), icon="👁️")
        # A solution seen stays seen in every variation, but its answer (and the explanation, which works it out)
        # shows only in the variation it was asked for, while this learner may ask for solutions: another
        # variation's answer, or one a room closed to them since, is never handed out unasked.
        asked_here = st.session_state.get(state.REVEALED_IN, {}).get(ex.id) == st.session_state[state.EX_SEED]
        if done or (revealed and asked_here and not withheld) or room_ui.is_instructor():  # the instructor: all
            if revealed:
                st.warning(t("ex.revealed") + " " + t("ex.answer", answer=answer_text(ex, code)), icon="👁️")
            st.info(f"**{t('ex.explanation')}.** {exercise_text(ex, 'explain', code)}", icon="💡")
        else:
            if revealed:
                st.warning(t("ex.revealed_hidden" if withheld else "ex.revealed_elsewhere"), icon="👁️")
            left, right = st.columns(2)
            with left.popover(t("ex.hint")):
                st.markdown(exercise_text(ex, "hint", code))
            if withheld == [room_ui.WITHHELD_NO_ROOM]:  # a workshop server: solutions come with a room
                right.caption(t("ex.solutions_workshop"))
            elif withheld:  # a member of a room whose instructor has not allowed solutions
                right.caption(t("ex.solutions_withheld", code=withheld[0]))
            else:  # a self-learner, or a room that allows them: on request, after a confirmation
                if st.session_state.get(f"ex_confirm_{ex.id}"):
                    right.warning(t("ex.reveal_confirm"))
                    yes, no = right.columns(2)
                    yes.button(t("ex.reveal_yes"), key=f"reveal_yes_{ex.id}", on_click=reveal, args=(ex,))
                    no.button(t("ex.reveal_no"), key=f"reveal_no_{ex.id}", on_click=cancel_reveal, args=(ex,))
                else:
                    right.button(t("ex.show_solution"), key=f"reveal_{ex.id}", on_click=ask_reveal, args=(ex,))
        if room_ui.is_instructor():
            st.info(t("ex.answer", answer=answer_text(ex, code)))


def downloads(exercises, seed: int, instructor: bool) -> None:
    """The worksheet (and, for the instructor, the answer key) as Markdown and HTML, each written when its button
    is pressed, not on every rerun (the four were 5 % of every run of this page), in the language of the page it
    was pressed on. No rerun follows the press (``on_click="ignore"``; Train's model download says why)."""
    code = lang()  # fixed now: the file is written outside this run, where the session's language is not read
    c1, c2 = st.columns(2)
    c1.download_button(t("ex.download"), partial(worksheet_markdown, exercises, seed, code),
                       file_name=f"cnn-worksheet-{seed}.md", mime="text/markdown", key="worksheet", on_click="ignore")
    c2.download_button(t("ex.download_html"), partial(worksheet_html, exercises, seed, code),
                       file_name=f"cnn-worksheet-{seed}.html", mime="text/html", key="worksheet_html",
                       on_click="ignore")
    if instructor:  # the answer key stays with the instructor
        c1.download_button(t("ex.download_key"), partial(worksheet_markdown, exercises, seed, code, key=True),
                           file_name=f"cnn-answer-key-{seed}.md", mime="text/markdown", key="answer_key",
                           on_click="ignore")
        c2.download_button(t("ex.download_key_html"), partial(worksheet_html, exercises, seed, code, key=True),
                           file_name=f"cnn-answer-key-{seed}.html", mime="text/html", key="answer_key_html",
                           on_click="ignore")


def variation_ui() -> int:
    """The variation number box; a new number asks new numbers (see change_variation). The box shows the variation
    in use; one typed over work in progress waits for a yes."""
    st.session_state["w_seed"] = st.session_state[state.EX_SEED]
    seed = int(st.number_input(t("ex.variation"), 0, 9999, key="w_seed", help=t("ex.variation_help"),
                               on_change=change_variation))
    pending = st.session_state.get(state.PENDING_VARIATION)
    if pending is not None:
        with st.container(key="variation_confirm"):
            st.warning(t("ex.variation_confirm", new=pending, old=seed))
            yes, no = st.columns(2)
            yes.button(t("ex.variation_yes", new=pending), key="variation_yes", on_click=switch_variation,
                       args=(pending,))
            no.button(t("ex.variation_no", old=seed), key="variation_no", on_click=keep_variation)
    return seed


def progress_ui(exercises, progress: dict) -> None:
    """Solved exercises fill the bar; those whose solution was seen are counted apart."""
    count = solved_count(progress, exercises)
    seen = sum(progress.get(ex.id) == REVEALED for ex in exercises)
    st.progress(count / len(exercises), text=t("ex.progress", done=count, total=len(exercises), revealed=seen))

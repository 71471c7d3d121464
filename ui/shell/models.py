"""Which model a page uses: the shipped one or one of the workspace's runs, picked by the visitor.

A finished (or stopped) training becomes a run here, whichever page sees it
first; an uploaded model becomes a run in the Train page. Nothing replaces
anything: the Draw and Inside pages list every model that fits and say which
one they use.
"""

from __future__ import annotations

import streamlit as st

from cnn_core.base import numbers, texts
from cnn_core.base.errors import ModelFileError, WorkspaceFullError
from cnn_core.nn.checkpoint import SavedModel
from cnn_core.store import runs as core_runs
from cnn_core.train.trainer import pick_device
from ui.base import state
from ui.base.i18n import class_names, dataset_name, lang, pct, plain, t, t_literal
from ui.shell import resources, workspace

SHIPPED = "shipped"


def adopt_finished_training() -> bool:
    """Make a finished (or stopped) training a run of the workspace and the session's model (the Train page's
    and each of the ready comparison's).

    Returns True the first time a training is adopted.
    """
    adopted = adopt_compared_trainings()
    job = st.session_state.get(state.JOB)
    if job is None or not job.finished or st.session_state.get(state.ADOPTED_JOB) is job:
        return adopted
    st.session_state[state.ADOPTED_JOB] = job
    st.session_state[state.ADOPTED_RUN] = _adopt(job)
    return True


def adopt_compared_trainings() -> bool:
    """Make each finished training of the session's ready comparison a run; True if one was adopted now."""
    comparison = st.session_state.get(state.COMPARISON)
    if comparison is None:
        return False
    kept = st.session_state[state.COMPARED_RUNS]
    adopted = False
    for index, job in enumerate(comparison.jobs):
        if index not in kept and job.finished:
            kept[index] = _adopt(job)
            adopted = True
    return adopted


def _adopt(job) -> int | None:
    """A finished job's model becomes the session's model and a run of the workspace; returns the run's id."""
    result = job.snapshot().result
    if result is None or not result.steps:
        return None
    saved = SavedModel(job.model, list(job.data.classes), {
        "dataset": job.data.name, "test_accuracy": result.test_accuracy, "reason": result.reason})
    st.session_state[state.TRAINED] = saved
    new = core_runs.from_job(job, device=str(pick_device(job.cfg.device)))
    try:
        run_id = workspace.add_run(new) if new is not None else None
    except WorkspaceFullError as err:  # the session keeps the model it trained; nothing else changed
        state.add_notice("notice.run_not_kept", reason=texts.Message(err.key, err.params))
        run_id = None
    if run_id is not None:
        workspace.adopt_model(run_id, saved, new.model)
        state.add_notice("notice.run_saved", name=new.name)
    return run_id


def add_upload(saved: SavedModel, raw: bytes, filename: str) -> int | None:
    """An uploaded model becomes a run of its own (and the session's model); returns its id.

    The run first: a run the workspace refuses (:class:`WorkspaceFullError`)
    leaves the session's model as it was.
    """
    run_id = workspace.add_run(core_runs.from_upload(saved, raw, filename))
    st.session_state[state.TRAINED] = saved
    if run_id is not None:
        workspace.adopt_model(run_id, saved, raw)
    return run_id


def use_held_upload(raw: bytes):
    """The workspace's run that already holds this model file, made the session's model; None if there is none.

    Looked up in the database by the file's digest before anything is parsed:
    a burst of presses of "Use this model" reruns the page once per press,
    each rerun interrupting the last, and whichever stored the run first is
    found by all the others (session state could miss a run stored just
    before an interruption). Nothing is added, so nothing is removed.
    """
    run_id = workspace.run_holding(raw)
    run = next((r for r in workspace.runs() if r.id == run_id), None) if run_id is not None else None
    saved = workspace.model(run_id) if run is not None else None  # ModelFileError: this version cannot read it
    if saved is None:
        return None
    st.session_state[state.TRAINED] = saved
    st.session_state[state.LAST_RUN] = run_id
    return run


def _why(err: ModelFileError) -> texts.Message:
    """What is wrong with a stored model, without the upload's framing ("this file is not a model...")."""
    reason = err.params.get("reason")
    if err.key == "err.model_corrupt" and isinstance(reason, texts.Message):
        return reason
    if err.key in STORED_REASONS:  # the upload's sentence ("your current model is unchanged") would not fit
        return texts.Message(STORED_REASONS[err.key], err.params)
    return texts.Message(err.key, err.params)


# Errors whose upload wording does not fit "the model of your run cannot be opened (…)": a reason's wording.
STORED_REASONS = {"err.model_too_big": "reason.run_model_too_big",
                  "err.model_needs_memory": "reason.run_model_needs_memory"}


def how_it_ended(run, code: str) -> str:
    """ "diverged", "stopped early": how a run that did not finish its training ended; "" for one that did.

    Said wherever a run is named (the pickers, the Runs table), so a blown-up or stopped run is never taken
    for a good one.
    """
    return "" if core_runs.finished(run) else texts.translate(code, f"models.reason_{run.reason}")


CHOSEN = "_model_chosen"  # the run the visitor picked last, on Draw or Inside (or from the Runs page): both use it


def choose(page: str, run_id: int) -> None:
    """The visitor picks run ``run_id`` for ``page`` ("draw", "inside") from elsewhere (the Runs page): kept as
    their own choice, like a pick in the page's selectbox."""
    st.session_state[f"w_model_{page}"] = st.session_state[CHOSEN] = run_id


def model_picker(page: str) -> SavedModel:
    """A selectbox of the shipped model and the workspace's runs that fit the page; returns the chosen model.

    Draw (``page="draw"``) lists 28×28×1 models and colour ones (a photo for those), Inside every run. Both
    start on the most accurate model that fits the page, the shipped one included
    (:func:`cnn_core.store.runs.default_run`): never a run that blew up or was stopped. A model the visitor
    picks stays picked, across pages too: picked on Draw, Inside opens on it, and the other way round (where
    it fits: Draw lists only models it can draw for), so the same drawing meets the same model on both.
    Captions say which model is shown and, for the default, why; a grey model that knows other classes than
    digits says so on Draw.
    """
    adopt_finished_training()
    runs = [r for r in workspace.runs() if page != "draw" or core_runs.fits_draw(r)]
    by_id = {r.id: r for r in runs}
    options = [SHIPPED] + [r.id for r in reversed(runs)]  # newest first after the shipped model
    key, chosen = f"w_model_{page}", CHOSEN  # the widget; the visitor's own pick, kept for both pages
    ss = st.session_state
    shipped_accuracy = resources.pretrained().meta.get("test_accuracy")
    candidates = [r for r in runs if core_runs.reads_digits(r)] if page == "draw" else runs
    best = core_runs.default_run(candidates, shipped_accuracy if isinstance(shipped_accuracy, float) else None)
    default = best.id if best is not None else SHIPPED
    if ss.get(key) not in options:  # a page opened afresh: the visitor's pick if it is still there, else the default
        ss[key] = ss[chosen] if ss.get(chosen) in options else default

    def remember() -> None:
        ss[chosen] = ss[key]

    code = lang()  # fixed now: Streamlit may call the label function outside this run
    datasets_shown = {r.dataset: dataset_name(r.dataset) for r in runs}  # "MNIST (dígitos)", as the Train page

    def label(option) -> str:
        if option == SHIPPED:
            return texts.translate(code, "models.shipped")
        run = by_id[option]
        acc = numbers.format_percent(run.test_accuracy, code) if run.test_accuracy is not None else "–"
        shown = texts.translate(code, "models.run", name=run.name, dataset=datasets_shown[run.dataset], accuracy=acc)
        if how_it_ended(run, code):  # blown up or stopped: said in the list, never picked for the visitor
            shown += " · " + how_it_ended(run, code)
        return shown

    saved, unreadable = None, None
    if ss[key] != SHIPPED:  # loaded before the selectbox is drawn, so a model that fails can still switch it
        try:
            saved = workspace.model(ss[key])
        except ModelFileError as err:  # a stored model this version cannot read: say so, use the shipped one
            unreadable = (by_id[ss[key]], _why(err))
            ss[key] = SHIPPED
    choice = st.selectbox(t("models.pick"), options, key=state.relabelled(key), format_func=label, on_change=remember)
    if unreadable is not None:
        st.warning(t_literal("models.unreadable", name=unreadable[0].name, reason=unreadable[1]))
    if choice == SHIPPED:
        saved = resources.pretrained()
    elif saved is None:  # deleted meanwhile (another tab)
        ss.pop(key, None)
        saved, choice = resources.pretrained(), SHIPPED
    accuracy = saved.meta.get("test_accuracy")
    accuracy_text = pct(accuracy) if isinstance(accuracy, (int, float)) else "–"
    if choice == SHIPPED:
        st.caption(t("draw.model_shipped", accuracy=accuracy_text))
    else:
        st.caption(t("models.using_run", name=plain(by_id[choice].name), dataset=plain(dataset_name(by_id[choice].dataset)),
                     accuracy=accuracy_text))
    if choice == default and ss.get(chosen) != choice:  # the page's own choice: say why
        st.caption(t("models.why_default"))
    elif choice != SHIPPED and not core_runs.finished(by_id[choice]):
        st.warning(t(f"models.picked_{by_id[choice].reason}"))
    if page == "draw" and saved.arch.in_channels == 1 and not core_runs.knows_digits(saved.classes):
        names = [plain(n) for n in class_names(saved.meta.get("dataset"), saved.classes)]  # users' names: literal
        st.warning(t("models.other_classes", classes=", ".join(names[:12]), example=names[0]))
    return saved

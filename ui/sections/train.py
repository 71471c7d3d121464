"""The Train page's sections: dataset choice, settings, the live run, its results, model files.

Each function draws one section and returns plain values (an ImageData, a
TrainConfig, an Architecture); ``pages/train.py`` calls them top to bottom.
"""

import math
import time
from dataclasses import replace
from typing import NamedTuple

import streamlit as st

from cnn_core.base.errors import PlaygroundError
from cnn_core.data.loading import spread_of
from cnn_core.data.registry import DEFAULT_IMAGE_SIZE, IMAGE_SIZES
from cnn_core.nn import checkpoint
from cnn_core.nn.architecture import adapt_to_data, layer_table, totals
from cnn_core.nn.inspection import layer_names
from cnn_core.nn.model import build_model
from cnn_core.train import config as training_config
from cnn_core.train import trainer as training  # training.pick_device looked up at each call: tests stand in a device
from cnn_core.train.config import (
    BATCH_SIZES,
    LEARNING_RATES,
    OPTIMIZERS,
    PRECISIONS,
    SUGGESTED_TIME_BUDGET_S,
    TrainConfig,
)
from cnn_core.train.jobs import PAGE_REFRESH_S, said_wait
from cnn_core.train.trainer import (
    check_fits,
    kept_key,
    overfitting_gap,
    per_class_accuracy,
    resolve_precision,
    validation_ahead,
)
from ui.base import state
from ui.base.i18n import (
    class_names,
    dataset_name,
    dec,
    dec_labeller,
    error_text,
    filters_text,
    labeller,
    lang,
    layer_label,
    num,
    pct,
    plain,
    t,
    t_literal,
)
from ui.charts.figures import chart_config, confusion, image_grid, training_curves
from ui.sections.learning import learning_view
from ui.shell import resources, workspace
from ui.shell.component_texts import zip_uploader
from ui.shell.models import add_upload, adopt_finished_training, use_held_upload

PLOT_POINTS = 400  # training points drawn; more only costs the browser and the server
SHOWN_MISTAKES = 24  # the Mistakes tab's images: a fixed spread of the test set's mistakes (spread_sample)
FIRST_POINT_WAIT_S = 1.0  # after Train, how long the page waits for the first point before drawing without it
# How often the live view's charts (curves, gradients, kernels and maps) take in the training's latest points; the
# progress bar and its figures follow every PAGE_REFRESH_S. A chart drawn again unchanged costs the browser nothing,
# a changed one a Plotly redraw: the live view cost Chromium 0.27 CPU-seconds a second with its two charts changing
# every second, 0.08 with them unchanged (the 2-core machine); on a phone, and on a server drawing a room's views,
# that is the page's cost.
CHART_REFRESH_S = 2.0


class HeldCharts(NamedTuple):
    """What the live charts last took in (state.LIVE_CHARTS): the job, when (time.monotonic()), its snapshot, and
    the figures built from it ({name: (what they were built with, figure)})."""
    job: object
    at: float
    snap: object
    figures: dict


def dataset_ui():
    """The dataset radio and, for your own images, the zip upload; returns ImageData or None."""
    ss = st.session_state
    ss.setdefault("w_dataset", ss[state.DATASET])
    choice = st.radio(t("train.dataset"), state.dataset_choices(), key=state.relabelled("w_dataset"), horizontal=True,
                      format_func=labeller("dataset."))
    ss[state.DATASET] = choice
    state.sync_url()  # the address names the dataset now, not one rerun later (the header synced before the pick)
    if choice == state.UPLOAD:
        st.caption(t("train.upload_help"))
        size = st.select_slider(t("train.image_size"), IMAGE_SIZES, value=DEFAULT_IMAGE_SIZE, key="w_image_size")
        upload = zip_uploader(t("train.upload"), "w_zip", upload_limit_mb())
        if upload is not None and st.button(t("train.load_zip"), key="load_zip"):
            load_upload(upload, size)
        data = ss[state.UPLOADED_DATA]
        if data is None:
            st.info(t("train.no_upload"))
        return data
    try:
        with st.spinner(t("train.loading", dataset=t(f"dataset.{choice}"))):
            return resources.dataset(choice)
    except PlaygroundError as err:
        st.error(error_text(err), icon="📁")
        return None


def upload_limit_mb() -> float:
    """The largest file a visitor can upload: the app's setting, or Streamlit's own limit when that is smaller."""
    return min(resources.settings().max_upload_mb, float(st.get_option("server.maxUploadSize")))


def load_upload(upload, size: int) -> None:
    from cnn_core.data.loading import load_image_archive

    limit = resources.settings().max_upload_mb
    if upload.size > limit * 2**20:
        st.error(t("err.upload_too_big", size_mb=round(upload.size / 2**20, 1), limit_mb=limit))
        return
    try:
        with st.spinner(t("train.decoding")):
            data = load_image_archive(upload.getvalue(), size=size, name=upload.name.rsplit(".", 1)[0],
                                      limits=resources.settings().archive_limits())
    except PlaygroundError as err:
        st.error(error_text(err), icon="🗜️")  # the previous dataset stays as it was
        return
    st.session_state[state.UPLOADED_DATA] = data


# The Train settings' widgets and their first values; kept across pages and in the workspace (ui/shell/workspace.py).
SETTINGS_DEFAULTS = {"w_mode": "epochs", "w_epochs": int(TrainConfig.epochs), "w_budget": SUGGESTED_TIME_BUDGET_S,
                     "w_batch": TrainConfig.batch_size, "w_lr": TrainConfig.lr, "w_optimizer": TrainConfig.optimizer,
                     "w_augment": TrainConfig.augment, "w_precision": TrainConfig.precision}


# Each kept setting's label and what it may be now: a limit lowered since, or a choice this version dropped.
SETTINGS_LABELS = {"w_mode": "train.length", "w_epochs": "train.epochs", "w_budget": "train.seconds",
                   "w_batch": "train.batch_size", "w_lr": "train.lr", "w_optimizer": "train.optimizer",
                   "w_augment": "train.augment", "w_precision": "train.precision"}


def kept_within_limits(limits) -> None:
    """Bring the kept Train settings within this server's limits and choices before the widgets are drawn, and
    say which changed (a workspace saved with 20 epochs meets a server restarted with MAX_EPOCHS=5)."""
    ss = st.session_state
    rules = {"w_mode": {"choices": ("epochs", "time")},
             "w_epochs": {"low": 1, "high": int(limits.max_epochs)},
             "w_budget": {"low": 5, "high": max(5, int(limits.max_train_seconds)), "step": 5},
             "w_batch": {"choices": BATCH_SIZES}, "w_lr": {"choices": LEARNING_RATES},
             "w_optimizer": {"choices": OPTIMIZERS}, "w_augment": {"choices": (True, False)},
             "w_precision": {"choices": PRECISIONS}}
    changes = []
    for key, rule in rules.items():
        default = SETTINGS_DEFAULTS[key]
        if "high" in rule:
            default = min(max(default, rule["low"]), rule["high"])
        value, changed = training_config.within(ss.get(key, default), default, **rule)
        if changed:
            old = ss.get(key)
            changes.append(f"{t(SETTINGS_LABELS[key])}: {_setting_text(old)} → {_setting_text(value)}")
            ss[key] = value
            ss.setdefault(state.KEPT_SETTINGS, {})[key] = value
    if changes:
        st.warning(t_literal("notice.settings_clamped", changes="; ".join(changes)))


def _setting_text(value) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)[:40]
    return num(value) if float(value).is_integer() else dec(value)


def settings_ui() -> TrainConfig:
    """A beginner's three choices in view; batch size, optimizer and precision under "Advanced".

    Each widget starts at TrainConfig's default (SETTINGS_DEFAULTS).
    """
    limits = resources.settings()
    workspace.keep_widgets(SETTINGS_DEFAULTS)
    kept_within_limits(limits)
    c1, c2, c3 = st.columns(3)
    with c1:
        mode = st.radio(t("train.length"), ("epochs", "time"), key=state.relabelled("w_mode"), horizontal=True,
                        format_func=labeller("train.mode_"))
        if mode == "epochs":
            epochs = st.slider(t("train.epochs"), 1, int(limits.max_epochs), key="w_epochs")
            budget = None
        else:
            epochs = TrainConfig.epochs
            budget = st.slider(t("train.seconds"), 5, int(limits.max_train_seconds), step=5, key="w_budget",
                               help=t("train.seconds_help"))
    with c2:
        lr = st.select_slider(t("train.lr"), LEARNING_RATES, key=state.relabelled("w_lr"), help=t("train.lr_help"),
                              format_func=dec_labeller())
    with c3:
        augment = st.checkbox(t("train.augment"), key="w_augment", help=t("train.augment_help"))
    with st.expander(t("train.advanced")):
        a1, a2, a3 = st.columns(3)
        batch = a1.select_slider(t("train.batch_size"), BATCH_SIZES, key="w_batch",
                                 help=t("train.batch_help"))
        optimizer = a2.radio(t("train.optimizer"), OPTIMIZERS, key=state.relabelled("w_optimizer"), horizontal=True,
                             format_func=labeller("train.opt_"))
        precision = a3.radio(t("train.precision"), PRECISIONS, key=state.relabelled("w_precision"),
                             format_func=labeller("train.precision_"), help=t("train.precision_help"))
        device = training.pick_device()
        # On a cluster a node trains, not this server: its processor, which this server cannot see, decides.
        cluster = resources.on_cluster()
        if precision == "auto":
            a3.caption(t("train.precision_auto_cluster" if cluster
                         else f"train.precision_auto_{resolve_precision('auto', device)}"))
    if precision == "bf16" and (cluster or training.imitated_bf16(device)):
        # Outside the (closed) expander, just above Train: a choice restored from the workspace is said too.
        st.warning(t("train.precision_bf16_cluster" if cluster else "train.precision_bf16_emulated"))
    workspace.remember_widgets(SETTINGS_DEFAULTS)
    return TrainConfig(epochs=epochs, time_budget_s=budget, batch_size=batch, lr=lr, optimizer=optimizer,
                       augment=augment, memory_limit_mb=limits.memory_limit_mb, precision=precision)


def adapted_architecture(data):
    """The Architecture page's network with the dataset's input and classes, and a note if it changed."""
    arch = st.session_state[state.ARCH]
    h, w, c = data.shape
    adapted = adapt_to_data(arch, h, w, c, data.num_classes)
    if adapted != arch:
        old_in, new_in = f"{arch.in_height}×{arch.in_width}×{arch.in_channels}", f"{h}×{w}×{c}"
        if old_in == new_in:  # "entrada 32×32×3 → 32×32×3" says nothing: only the classes changed
            st.info(t("train.adapted_classes", old_classes=arch.num_classes, new_classes=data.num_classes))
        elif arch.num_classes != data.num_classes:
            st.info(t("train.adapted", old_in=old_in, new_in=new_in, old_classes=arch.num_classes,
                      new_classes=data.num_classes))
        else:  # "clases 10 → 10" says nothing
            st.info(t("train.adapted_input", old_in=old_in, new_in=new_in))
    problem = network_problem(adapted)
    if problem is not None:  # the reason first, and no count of a network that cannot be built
        st.error(error_text(problem), icon="⚠️")
        st.caption(t("train.fix_network"))
        return adapted
    st.caption(t("train.network", filters=filters_text(adapted),
                 params=num(totals(layer_table(adapted)).params),
                 device=t("train.on_cluster") if resources.on_cluster() else str(training.pick_device()).upper()))
    return adapted


def network_problem(arch) -> PlaygroundError | None:
    """Why ``arch`` cannot be built (its layer table's error), or None: the Train button waits for a fix."""
    try:
        layer_table(arch)
    except PlaygroundError as err:
        return err
    return None


def start(arch, data, cfg) -> None:
    try:
        layer_table(arch)
        check_fits(arch, cfg)
        resolve_precision(cfg.precision, training.pick_device(cfg.device))
    except PlaygroundError as err:
        st.error(error_text(err), icon="⚠️")
        return
    cfg = replace(cfg, hflip=data.mirror_safe)
    model = build_model(arch, seed=cfg.seed)
    builtin = st.session_state[state.DATASET] if st.session_state[state.DATASET] != "upload" else None
    job = resources.executor().start(model, data, cfg, dataset=builtin, owner_alive=resources.session_liveness(),
                                     owner_grace_s=resources.settings().orphan_grace_s)
    st.session_state[state.JOB] = job
    # Draw the first point in this very run rather than at the live view's next tick, a second later.
    job.wait_first_step(FIRST_POINT_WAIT_S)


def curve_labels():
    return {k: t(f"curve.{k}") for k in ("loss", "accuracy", "train", "validation", "step", "epoch")}


def empty_curves() -> None:
    """The live plot's empty axes before a first run: where the curves will come, and Plotly already loaded.

    The browser fetches and starts Plotly's script (4.7 MB) for a page's first
    chart; drawn now, while the student picks settings, it is not part of the
    wait between pressing Train and the first point.
    """
    st.plotly_chart(training_curves([], [], curve_labels()), key="empty_curves", config=chart_config())


def stop_control(job, started: bool = True) -> None:
    """The Stop button; once pressed, what happens now, so the button is not left there looking ignored: a
    started run ends at its next step, then its network is measured on the validation and test images (a few
    seconds on a busy machine); a queued one leaves the queue."""
    if job.stop_requested:
        st.info(t("train.stopping" if started else "train.cancelling"), icon="⏹️")
    else:
        st.button(t("train.stop"), key="stop", on_click=job.stop, type="secondary")


def whose_run(job, arch, data) -> None:
    """When the network above (``arch``) or the data chosen (``data``) is no longer what the last run trained,
    say whose curves, kernels, gradients and results follow: that run's, named by its filters and parameters,
    or by its dataset."""
    trained = job.model.arch
    trained_on = getattr(job.data, "name", None)
    if trained_on is not None and trained_on != data.name:
        st.info(t_literal("train.previous_run_data", trained=dataset_name(trained_on), chosen=dataset_name(data.name)),
                icon="🕘")
    elif trained.to_dict() != arch.to_dict():
        st.info(t("train.previous_run", filters=filters_text(trained),
                  params=num(totals(layer_table(trained)).params)), icon="🕘")


def done_fraction(last) -> float:
    """How much of the training is done, as the bar draws it and its text says it (one figure for both): all of
    it once no training second is left (the last step reports the progress before it)."""
    return 1.0 if last.eta_s <= 0 else min(last.progress, 1.0)


def progress_text(last, stopping: bool = False) -> str:
    """The bar's text: the training seconds left, then, once the training is over (or Stop was pressed: it ends at
    its next step), what the run still does (its last validation and the test set: seconds, which "0 s left", or
    the seconds a stopped run would have had, said nothing of)."""
    percent, ips = pct(done_fraction(last), 0), num(last.images_per_s)
    if stopping and last.eta_s > 0:  # stopped before its end: said as such, not "training done"
        return t("train.progress_stopped", percent=percent, ips=ips)
    if stopping or last.eta_s <= 0:
        return t("train.progress_scoring", percent=percent, ips=ips)
    return t("train.progress", percent=percent, ips=ips, eta=num(math.ceil(last.eta_s)))  # never "0 s left"


def queue_wait_text(wait_s: float | None) -> str:
    """The queued run's estimated wait as said under its position (:func:`~cnn_core.train.jobs.said_wait`)."""
    if wait_s is None or not math.isfinite(wait_s):
        return t("train.queue_wait_measuring")
    soon, seconds = said_wait(wait_s)
    return t("train.queue_wait_soon") if soon else t("train.queue_wait", seconds=seconds)


def live_view(job) -> None:
    workspace.visit()  # a training longer than the idle limit keeps its workspace (at most one write in 10 minutes)
    snap = job.snapshot()
    if snap.status == "queued":  # nothing to plot yet: keep the once-a-second refresh cheap
        if snap.queue_position:
            st.info(t("train.queued", position=snap.queue_position))
            st.caption(queue_wait_text(snap.wait_s))
        else:  # not in line yet (on a cluster: connecting)
            st.info(t("train.starting"))
        stop_control(job, started=False)
        return
    if not snap.finished and snap.last is not None:
        st.progress(done_fraction(snap.last), text=progress_text(snap.last, job.stop_requested))
    elif not snap.finished:
        st.info(t("train.starting"))
    if not snap.finished:  # right under the bar: below the charts it was a screen away (several, on a phone)
        stop_control(job)
    drawn, figures = charted(job, snap)
    labels = (lang(), curve_labels())
    if figures.get("curves", (None,))[0] != labels:  # built once per refresh of the charts (and language)
        nan_step = drawn.result.nan_step if drawn.result else None
        steps = drawn.steps[:: max(1, len(drawn.steps) // PLOT_POINTS)]
        figures["curves"] = (labels, training_curves(steps, drawn.evals, labels[1], nan_step))
    st.plotly_chart(figures["curves"][1], key="live_curves", config=chart_config())
    gap = overfitting_gap(drawn.steps, drawn.evals)
    if gap is not None:
        st.warning(t("train.overfitting", gap=pct(gap, 1)), icon="📈")
    elif validation_ahead(drawn.steps, drawn.evals):  # said under the curves, where a learner sees it
        st.caption(t("train.val_ahead", why=t("train.val_ahead_augment") if job.cfg.augment else ""))
    kept = st.session_state.get(state.ADOPTED_RUN) if st.session_state.get(state.ADOPTED_JOB) is job else None
    learning_view(drawn, [layer_label(n, short=True) for n in layer_names(job.model)],
                  has_conv=len(job.model.blocks) > 0, run_id=kept, figures=figures)
    if snap.finished and adopt_finished_training():
        st.rerun(scope="app")  # draw the results below the fragment


def charted(job, snap) -> tuple[object, dict]:
    """The snapshot the live charts draw: ``snap`` (the latest) every :data:`CHART_REFRESH_S`, and as soon as the
    training has its first step or has ended; the one they drew last in between, so that they are not drawn again.
    With it, a dict for the figures built from it, kept until the next refresh (the server builds them once).

    The live view runs every PAGE_REFRESH_S: the charts take in every other run's points (a run's time is
    a little over the period, so waiting for the whole CHART_REFRESH_S would make it every third). A finished
    training's view is drawn from its last snapshot and nothing is held (its figures are not kept in the session).
    """
    if snap.finished:
        st.session_state.pop(state.LIVE_CHARTS, None)
        return snap, {}
    held = st.session_state.get(state.LIVE_CHARTS)
    now = time.monotonic()
    if (held is None or held.job is not job or not held.snap.steps
            or now - held.at >= CHART_REFRESH_S - PAGE_REFRESH_S / 2):
        held = st.session_state[state.LIVE_CHARTS] = HeldCharts(job, now, snap, {})
    return held.snap, held.figures


def results(job) -> None:
    # The job may have ended after this run's live view drew it: keep its model before showing the result.
    adopt_finished_training()
    snap = job.snapshot()
    if snap.error is not None:
        st.error(error_text(snap.error), icon="⚠️")
        return
    result = snap.result
    if result is None or (result.reason == "stopped" and not result.steps):
        if snap.status == "stopped":  # stopped in the queue, while a cluster's worker started, or before step 1
            st.warning(t("train.stopped_before_start"))  # no accuracy of a network nothing trained
        return
    if result.reason == "nan":
        st.error(t("err.loss_nan", step=result.nan_step, lr=job.cfg.lr, kept=t(kept_key(result))), icon="💥")
    elif result.reason == "diverged":
        st.error(t("err.loss_diverged", step=result.diverged_step, lr=job.cfg.lr, kept=t(kept_key(result))), icon="💥")
    elif result.reason == "stopped":
        st.warning(t("train.stopped", steps=result.steps))
    if result.test_accuracy is None:
        return
    c1, c2, c3 = st.columns(3)
    c1.metric(t("train.test_accuracy"), pct(result.test_accuracy))
    c2.metric(t("train.seconds_taken"), t("unit.seconds", value=num(result.seconds, 1)))
    c3.metric(t("train.speed"), t("unit.images_per_s", value=num(result.images_per_s)))
    if snap.node is not None:
        st.caption(t("train.ran_on", node=snap.node, precision=t(f"train.precision_{result.precision}")))
    else:
        st.caption(t("train.precision_used", precision=t(f"train.precision_{result.precision}"),
                     device=str(training.pick_device(job.cfg.device)).upper()))
    data = job.data
    names = class_names(data.name, data.classes)  # "Botín", "pájaro"; a user's own folders as written
    tabs = st.tabs([t("train.confusion"), t("train.per_class"), t("train.mistakes")])
    with tabs[0]:
        st.plotly_chart(confusion(result.confusion, names, {
            "title": t("train.confusion"), "predicted": t("train.predicted"), "true": t("train.true")}),
            key="confusion", config=chart_config())
    with tabs[1]:
        acc = per_class_accuracy(result.confusion)
        st.table({t("train.class"): [plain(c) for c in names], t("train.accuracy"): [pct(a, 1) for a in acc]},
                 hide_index=True, width="content")
    with tabs[2]:
        wrong = (result.test_predictions != data.test_y).nonzero().flatten()
        if len(wrong):
            total, wrong = len(wrong), spread_of(wrong, SHOWN_MISTAKES)  # not the first classes' alone
            if total > len(wrong):
                st.caption(t("train.mistakes_shown", shown=len(wrong), total=num(total)))
            captions = [t("train.mistake_caption", true=names[int(data.test_y[i])],
                          pred=names[int(result.test_predictions[i])]) for i in wrong]
            st.plotly_chart(image_grid(data.test_x[wrong], captions), key="mistakes", config=chart_config())
        else:
            st.success(t("train.no_mistakes"))


def model_files_ui() -> None:
    ss = st.session_state
    st.subheader(t("train.model_files"))
    limit_mb = resources.settings().run_model_limit_mb()  # an uploaded model becomes a run
    upload = zip_uploader(t("train.upload_model"), "w_model_upload", min(upload_limit_mb(), limit_mb))
    if upload is not None and st.button(t("train.load_model"), key="load_model"):
        try:
            raw = upload.getvalue()
            held = use_held_upload(raw)  # the same file pressed again: its run, not a second one
            if held is not None:
                st.info(t_literal("train.model_already_run", name=held.name))
            else:
                add_upload(checkpoint.from_bytes(raw, limit_mb, memory_limit_mb=resources.settings().memory_limit_mb),
                           raw, upload.name)
                st.success(t("train.model_loaded", arch=filters_text(ss[state.TRAINED].arch)))
        except PlaygroundError as err:
            st.error(error_text(err), icon="📦")  # the session's model is untouched
    trained = ss[state.TRAINED]  # after the upload, so a model just loaded can be downloaded at once
    if trained is not None:
        st.download_button(t("train.download"), trained.to_bytes,  # zipped on click, not on every rerun
                           file_name="cnn-playground-model.cnn.zip", mime="application/zip", key="download",
                           on_click="ignore")  # no rerun: one racing the deferred file lost the download

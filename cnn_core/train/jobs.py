"""Training runs in background threads, with a process-wide limit on how many run at once.

A :class:`TrainingJob` owns one run: it trains in its own thread, collects the
trainer's events under a lock, and hands out consistent snapshots to whoever
draws them (a Streamlit fragment polling once a second, a test, the load
script). It outlives the script run that started it, so a user can switch pages
and come back. A :class:`Scheduler` lets at most ``max_running`` jobs train at
once and queues the rest in arrival order, dividing the CPU threads between
the running ones so concurrent runs do not thrash, and tells a queued job its
position and an estimated wait (what the running and queued runs will take, as
:class:`RunCosts` measured on this server's runs). A job told how to ask
whether its owner is still there (``owner_alive``) stops itself once the owner
has been gone a while, so a closed browser tab frees its worker.

This is the embedded executor: nothing to install, starts at once. Where a
room outgrows one machine, :mod:`cnn_core.train.executors` hands the same job shape
to a Ray cluster instead (:mod:`cnn_core.train.ray_executor`).
"""

from __future__ import annotations

import atexit
import bisect
import heapq
import os
import statistics
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from cnn_core.base.errors import PlaygroundError
from cnn_core.data.loading import ImageData
from cnn_core.nn.model import PlaygroundCNN
from cnn_core.train.trainer import (
    EvalEvent,
    GradEvent,
    History,
    ProbeEvent,
    StepEvent,
    TrainConfig,
    TrainResult,
    held_out,
    train,
    warm_up,
)

MAX_PLOT_POINTS = 2000  # step and gradient points kept for the live plots (thinned evenly beyond)
GUESS_IMAGES_PER_S = 1500.0  # speed assumed for a queued epoch-length run before any run was seen
PACE_WINDOW_S = 5.0  # a run's pace is over at least this many wall seconds (TrainingJob._window)
SETTLE_S = 10.0  # ... from this long after its first step on, once it has run twice that (its latest half before)
MARK_EVERY_S = 0.25  # how often a run keeps a step to measure its pace from
MAX_SPEEDS = 256  # settings whose speed a server keeps (RunCosts.speeds)
MAX_MARKS = 2400  # the steps kept to measure from (10 minutes' worth; a longer run's window starts at the oldest)
STEADY_TOLERANCE = 0.2  # a pace holds when its latest window is within this of the window before (TrainingJob.steady)
STEADY_MAX_S = 20.0  # ... or this many wall seconds after its first step (the cluster queue's own limit,
# UNTIMED_MAX_S, counts from the run's admission)


def expected_seconds(cfg: TrainConfig, train_images: int, images_per_s: float | None) -> float:
    """How long a run with ``cfg`` should train: its time budget, or its epochs at the given speed."""
    if cfg.time_budget_s:
        return float(cfg.time_budget_s)
    return cfg.epochs * train_images / max(images_per_s or GUESS_IMAGES_PER_S, 1.0)


PAGE_REFRESH_S = 1.0  # how often a page draws a training, queued or running (Train's live view, a comparison's progress)
# A queued run is seen to start on its page at the page's next drawing after it gets its slot: half a period later
# on average. Queue estimates count to that moment, what the student sees (without it, the first numbers a wave of
# ten saw on Ray were 0.61 and 0.65 of their real waits, the page's own drawing after the slot included).
NOTICE_S = PAGE_REFRESH_S / 2
# A short wait cannot be said within 30 %: the page says whole seconds and sees the start at a drawing once a
# second, and the wait is mostly the running run's end on a machine whose load changes by the second (a wave's
# first queued run was told "3 s" for waits of 2.1 to 4.2 s, and "3 s" or "4 s" for 2.0 to 6.0 s on the next day's
# runs, in the server's threads and on Ray: a second or two either way). A wait estimated so short that, if the
# estimate holds, it ends within SOON_S is said as "a few seconds", no number (the load test holds it to SOON_S):
# true whenever the estimate is, and a countdown never reads "7 s" and then a bigger number.
SOON_S = 10
ESTIMATE_TOLERANCE = 0.3  # how far (as a fraction) a queue's estimate may be from the real wait


def estimate_holds(estimate_s: float, real_s: float) -> bool:
    """Whether an estimated wait was true: within ESTIMATE_TOLERANCE of the real wait (estimate / real)."""
    return real_s > 0 and abs(estimate_s / real_s - 1) <= ESTIMATE_TOLERANCE + 1e-9  # (0.7 itself holds)


def said_wait(wait_s: float) -> tuple[bool, int]:
    """How a queue's estimated wait is said: ``(True, SOON_S)`` for "a few seconds" (at most SOON_S), else
    ``(False, seconds)``. Under SOON_S · (1 − ESTIMATE_TOLERANCE) a wait that holds (:func:`estimate_holds`) is
    under SOON_S."""
    if wait_s < SOON_S * (1 - ESTIMATE_TOLERANCE):
        return True, SOON_S
    return False, round(wait_s)


def estimate_wait(running_remaining_s: list[float], ahead_s: list[float], slots: int) -> float:
    """Seconds until a queued run starts: ``slots`` run at once, each freed slot takes the next in line.

    ``running_remaining_s`` is what the running runs have left, ``ahead_s`` the
    expected lengths of the runs queued in front, in order.
    """
    free_at = sorted(max(r, 0.0) for r in running_remaining_s)[:slots]
    free_at += [0.0] * (slots - len(free_at))  # idle slots
    heapq.heapify(free_at)
    for length in ahead_s:
        heapq.heappush(free_at, heapq.heappop(free_at) + max(length, 0.0))
    return free_at[0]


class RunCosts:
    """What a run costs on this server beyond its training seconds, as measured on the runs seen so far.

    A run holds its slot for longer than its budget: it starts (a worker, the
    data on the device), its training is interrupted by validation points and
    looks at the first layer (``stretch``: wall seconds per training second),
    and it ends with a validation and a test evaluation (``final_s_per_image``).
    Queue estimates built on the budget alone were 3 to 8 times too short.
    Every figure comes from a run of this process (the latest ones count most),
    so estimates follow the load of the machine: the running runs' validation
    points until a run has finished (``runs``), then the finished runs' own
    (one moment's timing is no guide: :meth:`TrainingJob._eval_estimate`);
    a queued run's end is counted at what the running runs' points cost now
    (:meth:`now_eval_s_per_image`). ``measured`` is False until a run has timed
    an evaluation, and a queue then shows no number rather than a guess.
    """

    # The running runs' latest validation points: what an evaluation costs on the machine as loaded now, which the
    # runs waiting in the queue will share. In a wave of ten, points cost up to three times what the previous wave
    # of three had taught (the ten pages' own drawing), and the queued runs' ends counted at the quieter figure
    # made the first numbers half the real wait.
    LIVE_POINTS = 3  # per running run, its latest

    def __init__(self, start_s: float = 0.5, stretch: float = 1.1, final_over_eval: float = 0.75):
        self._lock = threading.Lock()
        self._live: dict[int, deque[float]] = {}  # a running run's latest validation points, by id(run)
        self.start_s = start_s  # slot to first training step
        self.stretch = stretch  # wall seconds per training second while training
        self.eval_s_per_image: float | None = None  # a validation point's cost, per image
        # The end's cost per evaluated image, over its validation points' (measured; until a run has finished, what
        # the 2-core machine's runs took: 0.6 to 0.8, the end's 12,000 images in bigger batches than a point's)
        self.final_over_eval = final_over_eval
        # Images per training second of the finished runs (None before one), and by their settings (speed_key):
        # what a queued run of epochs is counted at (speed_for; from GUESS_IMAGES_PER_S alone a run of 3 MNIST
        # epochs was counted at five times its length)
        self.images_per_s: float | None = None
        self.speeds: dict[tuple, float] = {}
        self._live_speeds: dict[int, tuple[tuple, float]] = {}  # a running run's recent speed, by id(run)
        self.runs = 0  # finished runs that timed their training and a validation point (learn_costs): until
        # one has, the running runs' points teach; from then on only finished runs do

    @staticmethod
    def _mix(old: float | None, new: float, weight: float = 0.5) -> float:
        return new if old is None else (1 - weight) * old + weight * new

    def saw_eval(self, s_per_image: float) -> None:
        with self._lock:
            self.eval_s_per_image = self._mix(self.eval_s_per_image, s_per_image)

    def saw_point(self, run: object, s_per_image: float) -> None:
        """A running run's validation point (:meth:`now_eval_s_per_image`), until :meth:`run_ended`."""
        with self._lock:
            self._live.setdefault(id(run), deque(maxlen=self.LIVE_POINTS)).append(s_per_image)

    def run_ended(self, run: object) -> None:
        with self._lock:
            self._live.pop(id(run), None)
            self._live_speeds.pop(id(run), None)

    def saw_pace(self, run: object, key: tuple, images_per_s: float) -> None:
        """A running run's recent speed (:meth:`TrainingJob.recent_images_per_s`), until :meth:`run_ended`."""
        with self._lock:
            self._live_speeds[id(run)] = (key, images_per_s)

    def speed_for(self, key: tuple) -> float | None:
        """Images per training second a run of these settings (:attr:`TrainingJob.speed_key`) should train at now:
        the running runs' of the same settings; else what finished runs of those settings trained at, scaled by how
        the running runs compare with their own settings' finished runs now (the machine's load); else the running
        runs' speed, the finished runs' (any settings); None before any run has trained.

        Networks differ in speed far more than their multiply-adds say (on the 2-core machine the tutorial network
        trains 2.3 times slower per image than the fast preset, for 3.8 times the multiply-adds; LeNet's 5×5
        kernels are slower than the small preset's for fewer), so a queued run is counted at a speed measured on
        its own settings wherever this server has one."""
        with self._lock:
            live, learned, generic = list(self._live_speeds.values()), self.speeds.get(key), self.images_per_s
            ratios = [speed / self.speeds[k] for k, speed in live if k in self.speeds]
        same = [speed for k, speed in live if k == key]
        if same:
            return statistics.median(same)
        if learned is not None:
            return learned * (statistics.median(ratios) if ratios else 1.0)
        if live:
            return statistics.median([speed for _, speed in live])
        return generic

    def now_eval_s_per_image(self) -> float | None:
        """An evaluation's cost per image for a run starting soon: the latest points of the running runs that have
        two (a run's first may be a moment's, TrainingJob.timed_itself) with the finished runs' figure as one more
        (their median), else that figure."""
        with self._lock:
            points = [cost for run_points in self._live.values() if len(run_points) >= 2 for cost in run_points]
            learned, finished = self.eval_s_per_image, self.runs
        if not points:
            return learned
        return statistics.median([*points, learned] if learned is not None and finished else points)

    def saw_stretch(self, stretch: float) -> None:
        with self._lock:
            self.stretch = self._mix(self.stretch, min(max(stretch, 1.0), 100.0))

    def saw_speed(self, images_per_s: float, key: tuple | None = None) -> None:
        """A finished run's speed (images per training second), of the settings ``key``."""
        with self._lock:
            self.images_per_s = self._mix(self.images_per_s, images_per_s)
            if key is not None:
                self.speeds[key] = self._mix(self.speeds.pop(key, None), images_per_s)  # (now the newest)
                while len(self.speeds) > MAX_SPEEDS:  # the settings seen longest ago go first
                    self.speeds.pop(next(iter(self.speeds)))

    def saw_run(self, start_s: float | None, final_over_eval: float | None) -> None:
        with self._lock:
            if final_over_eval is not None:  # it timed a validation point and its end
                self.runs += 1
            if start_s is not None:
                self.start_s = self._mix(self.start_s, start_s)
            if final_over_eval is not None:
                self.final_over_eval = self._mix(self.final_over_eval, min(max(final_over_eval, 0.5), 5.0))

    @property
    def measured(self) -> bool:
        return self.eval_s_per_image is not None

    def final_s(self, images: int, own_eval_s_per_image: float | None = None) -> float:
        """The end of a run that evaluates ``images`` images, from its own validation points' cost (else this
        server's)."""
        return (own_eval_s_per_image or self.eval_s_per_image or 0.0) * self.final_over_eval * images


@dataclass
class Snapshot:
    """A consistent copy of a job's state for drawing."""

    status: str  # "queued", "running", "done", "stopped", "nan", "failed"
    queue_position: int  # 1 = next to start; 0 when not queued
    steps: list[StepEvent]
    evals: list[EvalEvent]
    last: StepEvent | None
    result: TrainResult | None
    error: PlaygroundError | None
    finished: bool
    probe: ProbeEvent | None = None  # the latest look at the first layer
    grads: list[GradEvent] = field(default_factory=list)  # per-layer gradient norms over the run
    wait_s: float | None = None  # estimated seconds until a queued run starts
    executor: str = "local"  # "local" (a thread of this process) or "ray"
    node: str | None = None  # where it trained, for the Ray executor


class TrainingJob:
    """One run in a thread of this process, admitted by a :class:`Scheduler`.

    What a job's worker may change is public and small, so a job that trains elsewhere
    (:class:`~cnn_core.train.ray_executor.RayTrainingJob`) writes through the same calls:
    :meth:`record` an event, :meth:`set_status`, ask :meth:`should_stop`, :meth:`keep_partial` on
    failure; it tells the page where it waits and where it runs by overriding :meth:`queue_info`
    and :meth:`node`. Readers take a :meth:`snapshot`.
    """

    executor = "local"

    def __init__(self, model: PlaygroundCNN, data: ImageData, cfg: TrainConfig,
                 scheduler: Scheduler | None = None, owner_alive: Callable[[], bool] | None = None,
                 owner_grace_s: float = 30.0):
        self.model = model
        self.data = data
        self.cfg = cfg
        self.scheduler = scheduler
        self.costs = scheduler.costs if scheduler is not None else RunCosts()  # what runs cost here, measured
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._history = History(max_points=MAX_PLOT_POINTS)  # written by record() under _lock
        self._error: PlaygroundError | None = None
        self._status = "queued"
        self._done = threading.Event()
        self._first_step = threading.Event()  # set at the first training step (or the end)
        # When it got its slot, and (monotonic wall, training seconds) at its first and latest step: what the
        # queue's estimates measure (remaining_s) and what this server learns from a finished run (RunCosts).
        self._started_at: float | None = None
        self._first_at: tuple[float, float] | None = None
        self._last_at: tuple[float, float] | None = None
        self._first_step_event: StepEvent | None = None  # its first step: its speed is counted from there
        # (wall, step) about every MARK_EVERY_S since its first step (the latest MAX_MARKS): its recent pace
        self._marks: deque[tuple[float, StepEvent]] = deque(maxlen=MAX_MARKS)
        self._eval_costs: deque[float] = deque(maxlen=64)  # its latest validation points' seconds per image
        self.estimated = False  # while queued: whether it has been given an estimated wait (Scheduler.queue_info)
        self.wait_for: set[TrainingJob] = set()  # the runs running when it queued (Scheduler.acquire)
        # Who started the job; once they have been gone for owner_grace_s, the job stops itself.
        self._owner_alive = owner_alive
        self._owner_grace_s = owner_grace_s
        self._owner_checked = 0.0
        self._owner_missing_since: float | None = None
        self._thread = threading.Thread(target=self._run, name="cnn-playground-training", daemon=True)

    # -- control
    def start(self) -> TrainingJob:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    @property
    def stop_requested(self) -> bool:
        """Stop was pressed (or its owner left): the run ends at its next step, then measures what it keeps."""
        return self._stop.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout)

    def wait_first_step(self, timeout: float) -> bool:
        """Wait until there is a first point to plot (or the run ended); False after ``timeout``."""
        return self._first_step.wait(timeout)

    @property
    def finished(self) -> bool:
        return self._done.is_set()

    def should_stop(self) -> bool:
        """Whether the worker should end the run now: Stop was pressed, or its owner has been gone too long."""
        return self._stop.is_set() or self._owner_gone()

    def _owner_gone(self) -> bool:
        if self._owner_alive is None:
            return False
        now = time.monotonic()
        if now - self._owner_checked < 1.0:  # asked once a second at most
            return False
        self._owner_checked = now
        if self._owner_alive():
            self._owner_missing_since = None
            return False
        if self._owner_missing_since is None:
            self._owner_missing_since = now
        if now - self._owner_missing_since >= self._owner_grace_s:
            self._stop.set()
            return True
        return False

    # -- what the worker writes (the trainer's callbacks, or a remote run's events as they arrive)
    def record(self, event, ago_s: float = 0.0) -> None:
        """Add a trainer event (step, evaluation, probe, done) to what :meth:`snapshot` shows.

        ``ago_s``: how long ago it happened (for a remote worker's batch of events, how long before the batch's
        newest, which is taken as now: :func:`cnn_core.train.ray_executor.ages`). Its events arrive a poll apart;
        timed at their arrival, a run's first seconds looked four times faster or slower than they were (Ray).
        """
        with self._lock:
            self._history(event)
        if isinstance(event, StepEvent):
            now = time.monotonic() - max(ago_s, 0.0)
            if self._first_at is None:
                self._first_at, self._first_step_event = (now, event.seconds), event
            self._last_at = (now, event.seconds)
            if not self._marks or now - self._marks[-1][0] >= MARK_EVERY_S:
                with self._lock:  # pages read them (queue_info) while it trains
                    self._marks.append((now, event))
                speed = self.recent_images_per_s()
                if speed:
                    self.costs.saw_pace(self, self.speed_key, speed)
            self._first_step.set()
        elif isinstance(event, EvalEvent) and event.wall_s > 0 and event.images:
            self._eval_costs.append(event.wall_s / event.images)
            self.costs.saw_point(self, event.wall_s / event.images)
            if not self.costs.runs:  # no finished run to learn from yet: the running runs' points are all there is
                self.costs.saw_eval(self._eval_s_per_image)  # the run's typical point: one slow one moves neither
                stretch = self._stretch_seen()
                if stretch is not None:
                    self.costs.saw_stretch(stretch)

    def set_status(self, status: str) -> None:
        """'queued', 'running', then how the run ended ('done', 'stopped', 'nan', ...; 'failed' is set by the job)."""
        if status == "running" and self._started_at is None:
            self._started_at = time.monotonic()
        elif status not in ("queued", "running"):  # it has ended: its points no longer tell the machine's load
            self.costs.run_ended(self)
        self._status = status

    @property
    def status(self) -> str:
        return self._status

    def keep_partial(self, step: int) -> None:
        """A failing run keeps the weights it has, of training ``step``, as a stopped run would (0: none)."""
        with self._lock:
            history = self._history
            if step and history.result is None and history.last is not None:
                history.result = TrainResult("stopped", step, history.last.seconds, history.last.images_per_s)

    def _run(self) -> None:
        _lower_priority()
        try:
            self._train()
        except PlaygroundError as err:
            self._error = err
            self.set_status("failed")
        except Exception as exc:  # keep the server alive and tell the user
            self._error = PlaygroundError("err.internal", reason=f"{type(exc).__name__}: {exc}"[:300])
            self.set_status("failed")
        finally:
            self.costs.run_ended(self)  # (set_status does too, but not on a path that ends without a status)
            self._done.set()
            self._first_step.set()

    def _train(self) -> None:
        slot = None
        try:
            if self.scheduler is not None:
                slot = self.scheduler.acquire(self, self.should_stop)
                if slot is None:  # stopped while waiting in the queue
                    self.set_status("stopped")
                    return
            threads = self.scheduler.threads_per_job() if self.scheduler else None
            cfg = self.cfg if threads is None else replace(self.cfg, threads=threads)
            self.set_status("running")
            result = train(self.model, self.data, cfg, on_event=self.record, should_stop=self.should_stop)
            self.learn_costs(result.reason)
            self.set_status(result.reason)
        finally:
            if slot is not None:
                self.scheduler.release(self)

    # -- what the queue needs to know
    def _train_images(self) -> int:
        return max(len(self.data.train_y) - self.cfg.val_size, 1)

    def _end_images(self) -> int:
        """Images evaluated once training ends: the held-out validation images and the test set."""
        return min(self.cfg.val_size, len(self.data.train_y)) + len(self.data.test_y)

    @property
    def _eval_s_per_image(self) -> float | None:
        """What its validation points cost per image: their median (None before the first). One point on cores
        shared with other runs can cost twice another (README, issue 21's figures); the end's estimate scales
        with it."""
        return statistics.median(self._eval_costs) if self._eval_costs else None

    def _stretch_seen(self) -> float | None:
        """Wall seconds per training second so far (validation points, probes and the machine's load included)."""
        if self._first_at is None or self._last_at is None:
            return None
        trained = self._last_at[1] - self._first_at[1]
        return (self._last_at[0] - self._first_at[0]) / trained if trained >= 1.0 else None

    @property
    def speed_key(self) -> tuple:
        """The settings its speed depends on: the network, the batch, the precision, augmenting, the images'
        shape (:meth:`RunCosts.speed_for`)."""
        cfg = self.cfg
        return (getattr(self.model, "arch", None), cfg.batch_size, cfg.precision, cfg.augment, self.data.shape)

    # A step's own speed is a tenth of a second's: on a machine shared with other runs and pages it swung a queue's
    # numbers by half either way from one drawing to the next (a run of the default 3 epochs, three students at
    # once: 85, 47, 67, 52, 92, 54, 75 s; the wait was 51 s). Its average since its first step is no better when
    # the load changes: a wave of ten students pressing Train at once slowed the first run's first seconds so that
    # the queue's first numbers were 1.3 to 1.6 times the real waits, the runs after it training a third faster.
    # Short windows are no better: the pace of a run on cores shared with ten pages swings by a third over tens of
    # seconds, and countdowns over its latest 5 s (or its latest half) held for a quarter to four fifths of their
    # waits, against nine tenths over its whole run (each judged when it appeared). A run's pace is its average
    # from SETTLE_S after its first step on once it has run twice that (its latest half until then, at least
    # PACE_WINDOW_S), leaving out the load of the moment it started; a queue gives no first number while the pace
    # is still changing (steady). In the server's threads a wave of ten's first numbers were still 1.3 to 1.7
    # times the real waits (README, Queue estimates): not solved there.
    def _window(self, end: tuple[float, StepEvent] | None = None,
                span_s: float | None = None) -> tuple[tuple[float, StepEvent], tuple[float, StepEvent]] | None:
        """Its steps ``span_s`` wall seconds before ``end`` (or its first kept one) and ``end`` (default: its
        latest step), once they are a moment of training apart. ``span_s`` by default: from SETTLE_S after its
        first step (half its time until then), at least PACE_WINDOW_S."""
        if end is None:
            last = self._history.last
            if last is None or self._last_at is None:
                return None
            end = (self._last_at[0], last)
        if span_s is None:
            span_s = self._settled_span_s(end[0], PACE_WINDOW_S)
        with self._lock:
            marks = list(self._marks)
        if not marks:
            return None
        # the latest mark at or before end - span_s (their times only grow), else the first
        start = marks[max(bisect.bisect_right([wall for wall, _ in marks], end[0] - span_s) - 1, 0)]
        if end[1].seconds <= start[1].seconds:
            return None
        return start, end

    def _settled_span_s(self, end_wall: float, least_s: float) -> float:
        """Wall seconds back from ``end_wall`` to SETTLE_S after its first step (or half way there), at least
        ``least_s``."""
        elapsed = end_wall - self._first_at[0] if self._first_at else 0.0
        return max(least_s, elapsed - min(elapsed / 2, SETTLE_S))

    def recent_images_per_s(self, end: tuple[float, StepEvent] | None = None,
                            span_s: float | None = None) -> float | None:
        """Images per training second since it settled (:meth:`_window`; None before a second step)."""
        span = self._window(end, span_s)
        if span is None:
            return None
        (_, first), (_, last) = span
        if last.step <= first.step:
            return None
        return (last.step - first.step) * self.cfg.batch_size / (last.seconds - first.seconds)

    def average_images_per_s(self) -> float | None:
        """Images per training second since its first step (None before a second step): what it teaches the
        server once finished (RunCosts.saw_speed)."""
        first, last = self._first_step_event, self._history.last
        if first is None or last is None or last.step <= first.step or last.seconds <= first.seconds:
            return None
        return (last.step - first.step) * self.cfg.batch_size / (last.seconds - first.seconds)

    def steady(self) -> bool:
        """Whether its pace holds: its latest PACE_WINDOW_S trained within STEADY_TOLERANCE of the PACE_WINDOW_S
        before (or it has trained for STEADY_MAX_S of wall time, or has no epochs to count)."""
        if self.cfg.time_budget_s:  # its training left is its budget's rest: no pace in it
            return True
        if self._first_at is None or self._last_at is None or self._history.last is None:
            return False
        if self._last_at[0] - self._first_at[0] >= STEADY_MAX_S:
            return True
        if self._last_at[0] - self._first_at[0] < 2 * PACE_WINDOW_S:
            return False
        span = self._window(span_s=PACE_WINDOW_S)
        if span is None:
            return False
        now = self.recent_images_per_s(span[1], PACE_WINDOW_S)  # (the same end: a step may land meanwhile)
        before = self.recent_images_per_s(span[0], PACE_WINDOW_S)
        return bool(now and before) and abs(now / before - 1) <= STEADY_TOLERANCE

    def _training_left_s(self, last: StepEvent) -> float:
        """Training seconds it has left: a time budget's rest; epochs' at its pace since it settled (:meth:`_window`)."""
        span = self._window()
        if self.cfg.time_budget_s or span is None or span[1][1].progress <= span[0][1].progress:
            return last.eta_s
        (_, first), (_, last) = span
        return (last.seconds - first.seconds) * (1 - last.progress) / (last.progress - first.progress)

    def expected_s(self) -> float:
        """Wall seconds the whole run should hold a slot: its start, its training as stretched here (epochs at the
        speed of its settings now: :meth:`RunCosts.speed_for`), its end (at what evaluations cost on the machine
        now: :meth:`RunCosts.now_eval_s_per_image`)."""
        costs = self.costs
        train_s = expected_seconds(self.cfg, self._train_images(), costs.speed_for(self.speed_key))
        return costs.start_s + train_s * costs.stretch + costs.final_s(self._end_images(), costs.now_eval_s_per_image())

    def length_is_guess(self) -> bool:
        """Whether :meth:`expected_s` is a guess: no run here has timed an evaluation, or its length is epochs and
        no run here has trained (GUESS_IMAGES_PER_S)."""
        return not self.costs.measured or (not self.cfg.time_budget_s and self.costs.speed_for(self.speed_key) is None)

    def remaining_s(self) -> float:
        """Wall seconds until it frees its slot: the training it has left, stretched as it has been, and its end."""
        started, last, last_at = self._started_at, self._history.last, self._last_at
        if started is None:
            return self.expected_s()
        now = time.monotonic()
        final = self.costs.final_s(self._end_images(), self._eval_estimate())
        if last is None or last_at is None:  # starting: not a step yet
            train_s = expected_seconds(self.cfg, self._train_images(), self.costs.speed_for(self.speed_key))
            return max(self.costs.start_s - (now - started), 0.0) + train_s * self.costs.stretch + final
        since = now - last_at[0]
        if last.eta_s > 0:
            return max(self._training_left_s(last) * self._stretch_estimate() - since, 0.0) + final
        return max(final - since, 0.0)  # training is over: the last validation and the test evaluation

    # A run's first timings can be a moment's: on Ray, the first validation point of a wave of ten's first run
    # cost 5 times its later ones (0.0021 s an image against 0.0004, while ten pages started their trainings)
    # and its first seconds trained 3 times slower than its end; the queue's first numbers were then 3.2 times
    # the real wait. What finished runs measured here weighs as PRIOR_POINTS validation points and PRIOR_TRAIN_S
    # seconds of training against the run's own, which take over as they accumulate. The run's own points are
    # at least two before a queue shows a number (timed_itself): with one point of the prior, a moment's point
    # is outvoted, and a machine that stays loaded (a wave of ten's points at three times the quieter wave's)
    # outvotes the prior; with two, the end of that loaded wave was counted at the prior and the first numbers
    # were 0.4 of the real wait.
    PRIOR_POINTS = 1
    PRIOR_TRAIN_S = 3.0

    def _eval_estimate(self) -> float | None:
        """What its end's evaluation will cost per image: the median of its validation points and, once this
        server has finished runs to learn from, their typical cost counted :attr:`PRIOR_POINTS` times."""
        if not self._eval_costs:
            return None
        prior = self.costs.eval_s_per_image if self.costs.runs else None
        return statistics.median([*self._eval_costs, *[prior] * self.PRIOR_POINTS] if prior else self._eval_costs)

    def _stretch_estimate(self) -> float:
        """Wall seconds per training second for the rest of its training: its own since it settled (:meth:`_window`),
        over at least 2 · PACE_WINDOW_S (a few validation points), weighed by the seconds it trained then against
        :attr:`PRIOR_TRAIN_S` of the finished runs' (once there are any)."""
        if self._stretch_seen() is None or self._first_at is None or self._last_at is None:  # not a second yet
            return self.costs.stretch
        span = self._window(span_s=self._settled_span_s(self._last_at[0], 2 * PACE_WINDOW_S))
        if span is None:
            return self.costs.stretch
        (start_wall, first), (end_wall, last) = span
        trained = last.seconds - first.seconds
        if trained < 1.0:  # a window that a long validation filled: its whole run's
            seen, trained = self._stretch_seen(), self._last_at[1] - self._first_at[1]
        else:
            seen = (end_wall - start_wall) / trained
        seen = min(max(seen, 1.0), 100.0)
        if not self.costs.runs:
            return seen
        return (seen * trained + self.costs.stretch * self.PRIOR_TRAIN_S) / (trained + self.PRIOR_TRAIN_S)

    def timed_itself(self) -> bool:
        """Whether this run has timed itself on the machine as it is now: a second of training, two validation
        points and, for a run of epochs, a pace that holds (:meth:`steady`); or its training is over.

        Until every run that was running when it queued has, a queued run that has not been given a number yet
        gets none (a run admitted later does not hold it back here; on Ray, see AdmissionQueue.join): the costs
        learned from earlier runs do not know what a new wave of students does to the machine (the first
        estimates of a wave of ten on Ray were then two thirds of the real wait).
        """
        last = self._history.last
        if last is not None and last.eta_s <= 0:
            return True
        validates = held_out(len(self.data.train_y), self.cfg.val_size) > 0
        return (self._stretch_seen() is not None and (len(self._eval_costs) >= 2 or not validates)
                and self.steady())

    def learn_costs(self, reason: str, start: bool = True) -> None:
        """A run that trained to its end tells this server what its start, training and end cost."""
        if reason != "done" or self._started_at is None or self._first_at is None or self._last_at is None:
            return
        end_s = time.monotonic() - self._last_at[0]
        own = self._eval_s_per_image
        stretch = self._stretch_seen()
        if stretch is not None:
            self.costs.saw_stretch(stretch)
        speed = self.average_images_per_s()
        if speed:
            self.costs.saw_speed(speed, self.speed_key)
        if own is not None and self.costs.runs:  # (before the first such run, points were learned as they came)
            self.costs.saw_eval(own)
        self.costs.saw_run(self._first_at[0] - self._started_at if start else None,
                           end_s / (own * self._end_images()) if own and stretch is not None else None)

    def queue_info(self) -> tuple[int, float | None]:
        """(position, estimated wait in seconds) while queued; (0, None) otherwise."""
        if self.scheduler is None or self._status != "queued":
            return 0, None
        return self.scheduler.queue_info(self)

    def node(self) -> str | None:
        """Where it trains, when that is another machine (None: this process)."""
        return None

    def snapshot(self) -> Snapshot:
        position, wait_s = self.queue_info()  # outside the lock: it reads the other jobs
        with self._lock:
            history = self._history
            return Snapshot(self._status, position, list(history.steps), list(history.evals), history.last,
                            history.result, self._error, self._done.is_set(), history.probe, list(history.grads),
                            wait_s if position else None, self.executor, self.node())


def _lower_priority(niceness: int = 10) -> None:
    """Run this thread (and the torch worker threads it starts) below the web server.

    Training saturates every core; at normal priority the server's event loop
    then answers pages in tens of seconds. On Linux a thread has its own nice
    value, inherited by the OpenMP workers it creates, so only training yields.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), niceness)
    except OSError:
        pass


class Scheduler:
    """At most ``max_running`` trainings at once; the others wait in arrival order."""

    def __init__(self, max_running: int | None = None, cpu_threads: int | None = None):
        cores = cpu_threads or os.cpu_count() or 1
        self.max_running = max_running or max(1, cores // 2)
        self.cpu_threads = cores
        self.costs = RunCosts()  # what a run costs beyond its budget on this server, measured on its runs
        self._cond = threading.Condition()
        self._running: set[TrainingJob] = set()
        self._queue: list[TrainingJob] = []

    def acquire(self, job: TrainingJob, should_stop: Callable[[], bool]) -> bool | None:
        with self._cond:
            self._queue.append(job)
            job.wait_for = set(self._running)  # whose own timing its first estimate waits for (queue_info)
            while True:
                if should_stop():
                    self._queue.remove(job)
                    self._cond.notify_all()
                    return None
                if self._queue[0] is job and len(self._running) < self.max_running:
                    self._queue.pop(0)
                    self._running.add(job)
                    self._cond.notify_all()
                    return True
                self._cond.wait(timeout=0.2)

    def release(self, job: TrainingJob) -> None:
        with self._cond:
            self._running.discard(job)
            self._cond.notify_all()

    def position(self, job: TrainingJob) -> int:
        with self._cond:
            return self._queue.index(job) + 1 if job in self._queue else 0

    def queue_info(self, job: TrainingJob) -> tuple[int, float | None]:
        """(position, estimated seconds until it starts) of a queued job; (0, None) otherwise."""
        with self._cond:
            if job not in self._queue:
                return 0, None
            position = self._queue.index(job) + 1
            running, ahead = list(self._running), self._queue[:position - 1]
        if not self.costs.measured:  # no run has timed an evaluation yet: no number rather than a guess
            return position, None
        # Until the runs that were running when it queued have timed themselves (TrainingJob.timed_itself).
        if not job.estimated and not all(j.timed_itself() for j in running if j in job.wait_for):
            return position, None
        job.estimated = True  # from now on its number follows the queue, never disappears
        wait = estimate_wait([j.remaining_s() for j in running], [j.expected_s() for j in ahead],
                             self.max_running) + NOTICE_S
        return position, wait

    def threads_per_job(self) -> int:
        # Each running job sets torch's (process-wide) thread count to this in train(): equal shares.
        return max(1, self.cpu_threads // self.max_running)

    def counts(self) -> tuple[int, int]:
        """(running, queued)."""
        with self._cond:
            return len(self._running), len(self._queue)


def start_training(model: PlaygroundCNN, data: ImageData, cfg: TrainConfig,
                   scheduler: Scheduler | None = None,
                   owner_alive: Callable[[], bool] | None = None, owner_grace_s: float = 30.0) -> TrainingJob:
    return TrainingJob(model, data, cfg, scheduler, owner_alive, owner_grace_s).start()




_warm_up_lock = threading.Lock()
_warm_up_thread: threading.Thread | None = None
_warm_up_stop = threading.Event()


def _end_warm_up() -> None:
    # A process leaving while a thread is inside torch aborts ("terminate called without an active
    # exception"): a server stopped within a second of its start would. Stop the warm-up and wait for it.
    _warm_up_stop.set()
    if _warm_up_thread is not None:
        _warm_up_thread.join(10)


def warm_up_in_background() -> threading.Thread:
    """Start, once per process, :func:`~cnn_core.train.trainer.warm_up` in a low-priority thread.

    A server calls it at start so that the first Train press does not pay
    torch's one-time set-up. Later calls return the same thread.
    """
    global _warm_up_thread
    with _warm_up_lock:
        if _warm_up_thread is None:
            def run():
                _lower_priority()
                try:
                    warm_up(should_stop=_warm_up_stop.is_set)
                except Exception:  # a warm-up is an optimisation: the first training then pays the set-up
                    pass

            _warm_up_thread = threading.Thread(target=run, name="cnn-playground-warm-up", daemon=True)
            _warm_up_thread.start()
            atexit.register(_end_warm_up)
    return _warm_up_thread

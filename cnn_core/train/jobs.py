"""Training runs in background threads, with a process-wide limit on how many run at once.

A :class:`TrainingJob` owns one run: it trains in its own thread, collects the
trainer's events under a lock, and hands out consistent snapshots to whoever
draws them (a Streamlit fragment polling once a second, a test, the load
script). It outlives the script run that started it, so a user can switch pages
and come back. A :class:`Scheduler` lets at most ``max_running`` jobs train at
once and queues the rest in arrival order, dividing the CPU threads between
the running ones so concurrent runs do not thrash, and tells a queued job its
position and an estimated wait (from the running jobs' remaining time). A job told how to ask
whether its owner is still there (``owner_alive``) stops itself once the owner
has been gone a while, so a closed browser tab frees its worker.

This is the embedded executor: nothing to install, starts at once. Where a
room outgrows one machine, :mod:`cnn_core.train.executors` hands the same job shape
to a Ray cluster instead (:mod:`cnn_core.train.ray_executor`).
"""

from __future__ import annotations

import atexit
import heapq
import os
import sys
import threading
import time
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
    train,
    warm_up,
)

MAX_PLOT_POINTS = 2000  # step and gradient points kept for the live plots (thinned evenly beyond)
GUESS_IMAGES_PER_S = 1500.0  # speed assumed for a queued epoch-length run before any run was seen


def expected_seconds(cfg: TrainConfig, train_images: int, images_per_s: float | None) -> float:
    """How long a run with ``cfg`` should train: its time budget, or its epochs at the given speed."""
    if cfg.time_budget_s:
        return float(cfg.time_budget_s)
    return cfg.epochs * train_images / max(images_per_s or GUESS_IMAGES_PER_S, 1.0)


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
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._history = History(max_points=MAX_PLOT_POINTS)  # written by record() under _lock
        self._error: PlaygroundError | None = None
        self._status = "queued"
        self._done = threading.Event()
        self._first_step = threading.Event()  # set at the first training step (or the end)
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
    def record(self, event) -> None:
        """Add a trainer event (step, evaluation, probe, done) to what :meth:`snapshot` shows."""
        with self._lock:
            self._history(event)
        if isinstance(event, StepEvent):
            self._first_step.set()

    def set_status(self, status: str) -> None:
        """'queued', 'running', then how the run ended ('done', 'stopped', 'nan', ...; 'failed' is set by the job)."""
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
            self.set_status(result.reason)
        finally:
            if slot is not None:
                self.scheduler.release(self)

    # -- what the queue needs to know
    def expected_s(self, images_per_s: float | None = None) -> float:
        """Expected training seconds of the whole run."""
        train_images = max(len(self.data.train_y) - self.cfg.val_size, 1)
        return expected_seconds(self.cfg, train_images, images_per_s)

    def remaining_s(self) -> float:
        """Training seconds left: the trainer's own estimate once it runs."""
        last = self._history.last
        return last.eta_s if last is not None else self.expected_s()

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
        self._cond = threading.Condition()
        self._running: set[TrainingJob] = set()
        self._queue: list[TrainingJob] = []

    def acquire(self, job: TrainingJob, should_stop: Callable[[], bool]) -> bool | None:
        with self._cond:
            self._queue.append(job)
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
        speeds = [j._history.last.images_per_s for j in running if j._history.last is not None]
        speed = sum(speeds) / len(speeds) if speeds else None
        wait = estimate_wait([j.remaining_s() for j in running], [j.expected_s(speed) for j in ahead],
                             self.max_running)
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

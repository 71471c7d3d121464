"""Training runs in background threads, with a process-wide limit on how many run at once.

A :class:`TrainingJob` owns one run: it trains in its own thread, collects the
trainer's events under a lock, and hands out consistent snapshots to whoever
draws them (a Streamlit fragment polling once a second, a test, the load
script). It outlives the script run that started it, so a user can switch pages
and come back. A :class:`Scheduler` lets at most ``max_running`` jobs train at
once and queues the rest in arrival order, dividing the CPU threads between
the running ones so concurrent runs do not thrash. A job told how to ask
whether its owner is still there (``owner_alive``) stops itself once the owner
has been gone a while, so a closed browser tab frees its worker.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Callable

from .data import ImageData
from .errors import PlaygroundError
from .model import PlaygroundCNN
from .training import EvalEvent, GradEvent, History, ProbeEvent, StepEvent, TrainConfig, TrainResult, train

MAX_PLOT_POINTS = 2000  # step and gradient points kept for the live plots (thinned evenly beyond)


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


class TrainingJob:
    def __init__(self, model: PlaygroundCNN, data: ImageData, cfg: TrainConfig,
                 scheduler: "Scheduler | None" = None, owner_alive: Callable[[], bool] | None = None,
                 owner_grace_s: float = 30.0):
        self.model = model
        self.data = data
        self.cfg = cfg
        self.scheduler = scheduler
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._history = History(max_points=MAX_PLOT_POINTS)  # written by the worker under _lock
        self._error: PlaygroundError | None = None
        self._status = "queued"
        self._done = threading.Event()
        # Who started the job; once they have been gone for owner_grace_s, the job stops itself.
        self._owner_alive = owner_alive
        self._owner_grace_s = owner_grace_s
        self._owner_checked = 0.0
        self._owner_missing_since: float | None = None
        self._thread = threading.Thread(target=self._run, name="cnn-playground-training", daemon=True)

    # -- control
    def start(self) -> "TrainingJob":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout)

    @property
    def finished(self) -> bool:
        return self._done.is_set()

    def _should_stop(self) -> bool:
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

    # -- the worker
    def _on_event(self, event) -> None:
        with self._lock:
            self._history(event)

    def _run(self) -> None:
        slot = None
        _lower_priority()
        try:
            if self.scheduler is not None:
                slot = self.scheduler.acquire(self, self._should_stop)
                if slot is None:  # stopped while waiting in the queue
                    self._status = "stopped"
                    return
            threads = self.scheduler.threads_per_job() if self.scheduler else None
            cfg = self.cfg if threads is None else replace(self.cfg, threads=threads)
            self._status = "running"
            result = train(self.model, self.data, cfg, on_event=self._on_event,
                           should_stop=self._should_stop)
            self._status = result.reason
        except PlaygroundError as err:
            self._error = err
            self._status = "failed"
        except Exception as exc:  # keep the server alive and tell the user
            self._error = PlaygroundError("err.internal", reason=f"{type(exc).__name__}: {exc}"[:300])
            self._status = "failed"
        finally:
            if slot is not None:
                self.scheduler.release(self)
            self._done.set()

    def snapshot(self) -> Snapshot:
        with self._lock:
            position = self.scheduler.position(self) if self.scheduler and self._status == "queued" else 0
            history = self._history
            return Snapshot(self._status, position, list(history.steps), list(history.evals), history.last,
                            history.result, self._error, self._done.is_set(), history.probe, list(history.grads))


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



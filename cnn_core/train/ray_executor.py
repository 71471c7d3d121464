"""Trainings on a Ray cluster: one actor per run, one admission queue for every app replica.

A :class:`RayTrainingJob` has the face of :class:`~cnn_core.train.jobs.TrainingJob`
(``snapshot``, ``stop``, ``wait``). Its thread in the app process waits its
turn in the cluster-wide :class:`AdmissionQueue`, starts a
:class:`TrainingActor` with the run's resource request (CPUs, and a fraction of
a GPU where the cluster has GPUs), and polls it a few times a second for the
trainer's events and, at each validation point, the weights. The actor calls
the same :func:`~cnn_core.train.trainer.train` as the in-process executor; this
module is plumbing, not a second trainer.

Lifetimes, so nothing runs forever:

* a training actor is owned by the app process that started it: Ray kills it
  when that process dies (an app restart stops its trainings); it also stops
  itself when nobody polled it for ``LEASE_S`` (an app that hangs);
* queue entries are leased the same way, so a dead replica's entries expire;
* an actor whose run ended well waits ``IDLE_KEEP_S`` in its app process's
  pool for the next run of that process (a new actor is a new worker process
  that imports torch: seconds), then is killed, freeing its CPUs;
* the queue and the per-node dataset caches (:class:`DatasetCache`) are
  detached named actors shared by every replica; they hold no training.

The cluster's code is this package, shipped with the connection
(``runtime_env`` ``py_modules``), so app and workers never disagree. Datasets
are read on each node from its own ``CNN_PLAYGROUND_DATA_DIR`` (downloaded
there when missing), once per node. Ray is imported lazily: the app runs
without it.
"""

from __future__ import annotations

import math
import socket
import threading
import time
import uuid
from dataclasses import replace
from pathlib import Path

from cnn_core.base import env
from cnn_core.base.errors import PlaygroundError
from cnn_core.base.texts import Message
from cnn_core.train.jobs import NOTICE_S, RunCosts, TrainingJob, estimate_wait
from cnn_core.train.trainer import DoneEvent, EvalEvent, warm_up

DEFAULT_CPUS_PER_TRAINING = env.BY_NAME["RAY_CPUS"].default  # CPUs each training asks for (its torch threads)
DEFAULT_GPUS_PER_TRAINING = env.BY_NAME["RAY_GPU_FRACTION"].default  # a GPU's fraction, where there are GPUs

NAMESPACE = "cnn_playground"  # named actors live here, shared by every app replica
# Versioned: the queue is a detached actor that outlives an app upgrade (a call with arguments its methods do not
# take fails, and changed rules would not apply); a new version gets a new queue. An old one stays, idle and
# empty (its entries expire), until the cluster restarts.
QUEUE_NAME = "admission-4"  # 4: no number from a length guessed before its app timed a run (poll's ``guessing``)
UNTIMED_MAX_S = 30.0  # a running run that never says it has timed itself (an older replica) stops holding numbers back
POLL_S = 0.25  # how often a job asks its actor for events (the page draws at 1 Hz)
LEASE_S = 20.0  # an actor or queue entry nobody asked about for this long stops / expires
CALL_TIMEOUT_S = 10.0  # one answer from the cluster
LOST_AFTER_S = 30.0  # an actor that answered before and is unreachable this long counts as lost
START_TIMEOUT_S = 300.0  # an actor that never answered yet (a worker process starting on a busy node)
PROBE_TIMEOUT_S = 3.0
IDLE_KEEP_S = 10.0  # an actor whose run ended is kept this long for the next run of this app process


def _ray():
    try:
        import ray
    except ImportError:
        raise PlaygroundError("err.ray_missing") from None
    return ray


def _short(exc: BaseException) -> str:
    """The exception's text and its cause's (Ray says "Failed to connect" and puts the why in the cause)."""
    parts = []
    while exc is not None and len(parts) < 3:
        parts.append(" ".join(str(exc).split()) or type(exc).__name__)
        exc = exc.__cause__
    return ": ".join(parts)[:300]


def _probe(address: str) -> None:
    """Fail in seconds, not minutes, when nothing listens at ``host:port``."""
    if address == "auto":
        return
    hostport = address.removeprefix("ray://")
    host, _, port = hostport.rpartition(":")
    try:
        with socket.create_connection((host or "127.0.0.1", int(port)), timeout=PROBE_TIMEOUT_S):
            pass
    except (OSError, ValueError) as exc:
        raise PlaygroundError("err.ray_unreachable", address=address, reason=_short(exc)) from None


_connect_lock = threading.Lock()


def connect(address: str):
    """Connect this process to the cluster once (thread-safe); returns the ``ray`` module."""
    ray = _ray()
    with _connect_lock:
        if ray.is_initialized():
            return ray
        _probe(address)
        package = str(Path(__file__).resolve().parents[1])  # the whole cnn_core package
        try:
            ray.init(address=address, namespace=NAMESPACE, log_to_driver=False, logging_level="warning",
                     runtime_env={"py_modules": [package]})
        except Exception as exc:  # refused, wrong token, version mismatch: all say the same to a user
            try:
                ray.shutdown()
            except Exception:
                pass
            hint = "" if env.ray_auth_is_token() else " (RAY_AUTH_MODE=token not set)"
            raise PlaygroundError("err.ray_unreachable", address=address, reason=_short(exc) + hint) from None
    return ray


# ---------------------------------------------------------------- on the cluster

class AdmissionQueue:
    """One fair queue for the whole cluster: first come, first trained; entries are leased."""

    def __init__(self):
        self._queue: list[dict] = []  # waiting, in arrival order
        self._running: dict[str, dict] = {}

    def _expire(self, now: float) -> None:
        self._queue = [e for e in self._queue if now - e["touched"] < e["lease_s"]]
        self._running = {k: e for k, e in self._running.items() if now - e["touched"] < e["lease_s"]}

    def join(self, job_id: str, expected_s: float, lease_s: float = LEASE_S, estimated: bool = False,
             guessing: bool = False) -> None:
        """Queue a run at the back. ``estimated``: it has been shown a number before (a run whose entry expired
        joins again), so it keeps getting one. Until it has one, it waits for the runs running now to time
        themselves (poll). ``guessing``: its length is a guess (TrainingJob.length_is_guess: its app has timed no
        evaluation, or, for a run of epochs, no run has trained there);
        joining with nothing running, it waits for the next run admitted to time itself. Runs that joined a
        fresh server's queue together were otherwise given a number from the first one's guess before it had
        trained (1 s for a 9.5 s wait, on Ray); an app that has timed runs gives numbers from them at once."""
        now = time.monotonic()
        self._expire(now)  # a dead replica's run is nothing to wait for
        self._queue.append({"id": job_id, "expected_s": expected_s, "touched": now,
                            "lease_s": lease_s, "estimated": estimated, "wait_for": list(self._running),
                            "waits_for_next": guessing and not self._running, "guessing": guessing,
                            "joined": now})

    def poll(self, job_id: str, capacity: int, remaining_s: float | None = None,
             expected_s: float | None = None, timed: bool | None = None,
             guessing: bool | None = None) -> tuple[str, int, float | None]:
        """("running", 0, None) once admitted, else ("queued", position, estimated wait); ("gone", 0, None).

        A running run's poll brings what it has left (``remaining_s``) and whether it has timed itself on the
        machine as it is now (``timed``, TrainingJob.timed_itself), a queued one's its expected length as
        measured now (``expected_s``): both change as the app learns what runs cost. A queued run gets no
        number (None) until every run that was running when it joined (or the next one admitted: join's
        ``guessing``) has timed itself (or has run ``UNTIMED_MAX_S`` without saying so), nor while a run ahead of it
        has a guessed length (``guessing``, for at most ``UNTIMED_MAX_S`` after it
        joined: a fresh server's first polls, before the first run's timing reached its app, gave lengths with
        no end in them; the second in line of a fresh cluster was shown 14 s for a wait of 24 s); once it has
        had one, it always gets one.
        """
        now = time.monotonic()
        self._expire(now)
        if job_id in self._running:
            entry = self._running[job_id]
            entry["touched"] = now
            if remaining_s is not None:
                entry["remaining_s"], entry["at"] = remaining_s, now
            if timed is not None:
                entry["timed"] = timed
            return "running", 0, None
        ids = [e["id"] for e in self._queue]
        if job_id not in ids:
            return "gone", 0, None
        position = ids.index(job_id) + 1
        entry = self._queue[position - 1]
        entry["touched"] = now
        if expected_s is not None:
            entry["expected_s"] = expected_s
        if guessing is not None:
            entry["guessing"] = guessing
        if position == 1 and len(self._running) < capacity:
            self._queue.pop(0)
            self._running[job_id] = {"touched": now, "lease_s": entry["lease_s"],
                                     "remaining_s": entry["expected_s"], "at": now, "timed": False, "since": now}
            for waiting in self._queue:  # those that joined guessing, with nothing running, wait for its timing
                if waiting.pop("waits_for_next", False) and not waiting["estimated"]:
                    waiting["wait_for"].append(job_id)
            return "running", 0, None
        untimed = [k for k in entry["wait_for"] if k in self._running and not self._running[k]["timed"]
                   and now - self._running[k]["since"] < UNTIMED_MAX_S]
        if not entry["estimated"] and (untimed or entry.get("waits_for_next")
                                       or any(e.get("guessing") and now - e["joined"] < UNTIMED_MAX_S
                                              for e in self._queue[:position - 1])):
            return "queued", position, None
        entry["estimated"] = True
        running = [max(e["remaining_s"] - (now - e["at"]), 0.0) for e in self._running.values()]
        ahead = [e["expected_s"] for e in self._queue[:position - 1]]
        return "queued", position, estimate_wait(running, ahead, capacity)

    def leave(self, job_id: str) -> None:
        self._queue = [e for e in self._queue if e["id"] != job_id]
        self._running.pop(job_id, None)

    def counts(self) -> tuple[int, int]:
        self._expire(time.monotonic())
        return len(self._running), len(self._queue)


class DatasetCache:
    """The built-in datasets of one node, loaded once from its data directory into its object store."""

    def __init__(self):
        self._refs: dict = {}
        self.loads = 0

    def get(self, name: str) -> list:
        import ray

        from cnn_core.data.loading import default_data_dir, load_dataset

        if name not in self._refs:
            self._refs[name] = ray.put(load_dataset(name, default_data_dir(), download=True))
            self.loads += 1
        return [self._refs[name]]  # in a list: the caller gets the reference, not a copy through this actor

    def load_count(self) -> int:
        return self.loads


def node_dataset(name: str):
    """``name`` from this node's :class:`DatasetCache` (created on first use)."""
    import ray
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    node_id = ray.get_runtime_context().get_node_id()
    cache = ray.remote(DatasetCache).options(
        name=f"data-{node_id}", namespace=NAMESPACE, lifetime="detached", get_if_exists=True, num_cpus=0,
        scheduling_strategy=NodeAffinitySchedulingStrategy(node_id, soft=False)).remote()
    [ref] = ray.get(cache.get.remote(name))
    return ray.get(ref)


def node_name() -> str:
    import ray

    ctx = ray.get_runtime_context()
    return f"{socket.gethostname()} ({ray.util.get_node_ip_address()}, node {ctx.get_node_id()[:8]})"


def ages(events: list[tuple[float, object]]) -> list[float]:
    """How long before a batch's newest event each (worker's wall time, event) happened: the newest is taken as
    arriving now. Differences of the worker's own clock, so the app's and the worker's clocks may disagree."""
    newest = max((stamp for stamp, _ in events), default=0.0)
    return [newest - stamp for stamp, _ in events]


class TrainingActor:
    """One run on a worker: trains in ``run`` while ``poll`` and ``stop`` answer beside it."""

    def __init__(self, lease_s: float = LEASE_S):
        self._lock = threading.Lock()
        self._events: list = []
        self._weights: tuple[int, dict] | None = None
        self._stop = threading.Event()
        self._lease_s = lease_s
        self._model = None
        self._datasets: dict = {}  # built-in datasets this worker process has read, for its next runs
        # This worker process's one-time torch set-up, paid here rather than inside its first run (where its first
        # validation point cost up to three times a later one, and the queue read the run's end from it). Only a
        # speed-up: a failure here is the first run's to report, if it happens again there.
        try:
            warm_up()
        except Exception:
            pass
        self._polled = time.monotonic()  # the lease starts once it can answer

    def node(self) -> str:
        return node_name()

    def reset(self) -> bool:
        """Ready for another run (a pooled actor): no stop request, events or weights left over."""
        with self._lock:
            self._events, self._weights, self._model = [], None, None
            self._stop.clear()
            self._polled = time.monotonic()
        return True

    def run(self, model, data, cfg, dataset: str | None):
        from cnn_core.train.trainer import train

        if data is None:
            if dataset not in self._datasets:
                try:
                    self._datasets = {dataset: node_dataset(dataset)}  # one at a time: memory stays one dataset
                except PlaygroundError as err:  # this node's folder lacks it: say which node and which folder
                    raise PlaygroundError("err.ray_node_data", node=node_name(), dataset=dataset,
                                          reason=Message(err.key, err.params)) from None
            data = self._datasets[dataset]
        self._model = model
        result = train(model, data, cfg, on_event=self._on_event, should_stop=self._should_stop)
        return result, model.state_dict()

    def _on_event(self, event) -> None:
        weights = None
        if isinstance(event, EvalEvent) and math.isfinite(event.loss):  # a good point: ship its weights
            weights = (event.step, {k: v.detach().to("cpu").clone(memory_format=_contiguous())
                                    for k, v in self._model.state_dict().items()})
        with self._lock:
            self._events.append((time.time(), event))  # stamped: the app measures how late events arrive
            if weights is not None:
                self._weights = weights

    def _should_stop(self) -> bool:
        return self._stop.is_set() or time.monotonic() - self._polled > self._lease_s

    def poll(self) -> tuple[list, tuple[int, dict] | None]:
        """The (wall time, event) pairs since the last poll and the newest good weights (or None)."""
        with self._lock:
            events, weights = self._events, self._weights
            self._events, self._weights = [], None
            self._polled = time.monotonic()
        return events, weights

    def stop(self) -> None:
        self._stop.set()


def _contiguous():
    import torch

    return torch.contiguous_format


# ---------------------------------------------------------------- in the app

class ActorPool:
    """This app process's idle training actors, by resource request, each kept ``IDLE_KEEP_S``.

    Starting an actor costs a worker process that imports torch (several
    seconds on a busy node); reusing one whose run has ended costs one call.
    An idle actor still holds its CPUs, so it is killed soon after: another
    replica's run then waits at most that long for them.
    """

    def __init__(self, keep_s: float = IDLE_KEEP_S):
        self.keep_s = keep_s
        self._lock = threading.Lock()
        self._idle: list[tuple[float, tuple, object]] = []  # (since, resources, actor handle)
        self.reused = 0

    def take(self, ray, resources: tuple):
        """An idle actor with these resources that still answers, reset for a new run; None if there is none."""
        while True:
            with self._lock:
                found = next((e for e in reversed(self._idle) if e[1] == resources), None)
                if found is None:
                    return None
                self._idle.remove(found)
            since, _, actor = found
            try:
                if time.monotonic() - since < self.keep_s and ray.get(actor.reset.remote(), timeout=CALL_TIMEOUT_S):
                    self.reused += 1
                    return actor
            except Exception:  # its node died meanwhile: try the next one
                pass
            _kill(ray, actor)

    def give_back(self, ray, resources: tuple, actor) -> None:
        with self._lock:
            self._idle.append((time.monotonic(), resources, actor))
        timer = threading.Timer(self.keep_s, self.expire, args=(ray,))
        timer.daemon = True
        timer.start()

    def expire(self, ray) -> None:
        now = time.monotonic()
        with self._lock:
            old = [e for e in self._idle if now - e[0] >= self.keep_s]
            self._idle = [e for e in self._idle if e not in old]
        for _, _, actor in old:
            _kill(ray, actor)

    def __len__(self) -> int:
        with self._lock:
            return len(self._idle)


_pool = ActorPool()  # one per app process, as its connection to the cluster is
_costs = RunCosts(start_s=1.0)  # what this app process's runs cost on the cluster (a pooled actor starts in ~1 s)


def _kill(ray, actor) -> None:
    try:
        ray.kill(actor, no_restart=True)
    except Exception:
        pass


class RayExecutor:
    name = "ray"

    def __init__(self, address: str, cpus_per_training: float = DEFAULT_CPUS_PER_TRAINING,
                 gpus_per_training: float = DEFAULT_GPUS_PER_TRAINING, max_running: int | None = None):
        self.address = address
        self.cpus_per_training = cpus_per_training
        self.gpus_per_training = gpus_per_training
        self.max_running = max_running
        self._lock = threading.Lock()
        self._actor_class = None
        self._resources: tuple[float, dict] = (0.0, {})
        self.pool = _pool
        self.costs = _costs

    def connect(self):
        ray = connect(self.address)
        with self._lock:
            if self._actor_class is None:
                self._actor_class = ray.remote(TrainingActor)
        return ray

    def new_actor(self, resources: tuple[float, float]):
        """A new :class:`TrainingActor` asking for (CPUs, GPUs), spread over the cluster's nodes."""
        self.connect()  # makes the actor class
        return self._actor_class.options(num_cpus=resources[0], num_gpus=resources[1], max_concurrency=4,
                                         scheduling_strategy="SPREAD", max_restarts=0).remote(LEASE_S)

    def queue(self):
        ray = self.connect()
        return ray.remote(AdmissionQueue).options(
            name=QUEUE_NAME, namespace=NAMESPACE, lifetime="detached", get_if_exists=True, num_cpus=0,
            max_restarts=-1).remote()

    def cluster_resources(self) -> dict:
        """Ray's total resources, refreshed at most every 5 s (nodes come and go)."""
        ray = self.connect()
        at, resources = self._resources
        if time.monotonic() - at > 5.0:
            resources = ray.cluster_resources()
            self._resources = (time.monotonic(), resources)
        return resources

    def check_a_node_fits(self) -> None:
        """Refuse at once, naming the numbers, when no live node has the CPUs one training asks for.

        Ray would otherwise keep the actor pending for ever (a cluster of a head without CPUs, or workers
        smaller than ``CNN_PLAYGROUND_RAY_CPUS``), and the student would read "starting" until the timeout.
        """
        ray = self.connect()
        largest = max((node.get("Resources", {}).get("CPU", 0.0) for node in ray.nodes() if node.get("Alive")),
                      default=0.0)
        if largest < self.cpus_per_training:
            raise PlaygroundError("err.ray_no_worker", cpus=_cpus(self.cpus_per_training), largest=_cpus(largest))

    def capacity(self) -> int:
        """Trainings the cluster runs at once: the setting, else as many as its CPUs hold."""
        if self.max_running:
            return self.max_running
        return max(1, int(self.cluster_resources().get("CPU", 0) // self.cpus_per_training))

    def gpus_for(self, cfg) -> float:
        """A fraction of a GPU when the cluster has GPUs and the run may use CUDA."""
        if cfg.device not in (None, "cuda") or self.cluster_resources().get("GPU", 0) <= 0:
            return 0.0
        return self.gpus_per_training

    def start(self, model, data, cfg, dataset=None, owner_alive=None, owner_grace_s=30.0) -> RayTrainingJob:
        return RayTrainingJob(model, data, cfg, self, dataset, owner_alive, owner_grace_s).start()


def _cpus(n: float) -> str:
    return str(int(n)) if float(n).is_integer() else f"{n:g}"


class RayTrainingJob(TrainingJob):
    """A :class:`~cnn_core.train.jobs.TrainingJob` whose training runs in a :class:`TrainingActor`."""

    executor = "ray"

    def __init__(self, model, data, cfg, ray_executor: RayExecutor, dataset: str | None = None,
                 owner_alive=None, owner_grace_s: float = 30.0):
        super().__init__(model, data, cfg, None, owner_alive, owner_grace_s)
        self.ray_executor = ray_executor
        self.costs = ray_executor.costs
        self.dataset = dataset
        self._position, self._wait_s = 0, None
        self._node_name: str | None = None
        self._weights_step = 0  # the step of the weights that reached the app (0: none yet)
        self.delivery_s: list[float] = []  # seconds from an event on the worker to this process (last 1000)

    def queue_info(self):
        return (self._position, self._wait_s) if self.status == "queued" else (0, None)

    def node(self):
        return self._node_name

    def _train(self) -> None:
        ray = self.ray_executor.connect()
        self.ray_executor.check_a_node_fits()
        try:
            self._queue_and_train(ray)
        except ray.exceptions.RayError as exc:  # the cluster went away between two answers
            self.keep_partial(self._weights_step)
            raise PlaygroundError("err.ray_unreachable", address=self.ray_executor.address,
                                  reason=_short(exc)) from None

    def _queue_and_train(self, ray) -> None:
        ex = self.ray_executor
        job_id = uuid.uuid4().hex
        queue = ex.queue()
        ray.get(queue.join.remote(job_id, self.expected_s(), LEASE_S, guessing=self.length_is_guess()),
                timeout=CALL_TIMEOUT_S)
        try:
            if not self._wait_turn(ray, queue, job_id):
                self.set_status("stopped")
                return
            self.set_status("running")
            self._run_actor(ray, queue, job_id)
        finally:
            try:
                queue.leave.remote(job_id)
            except Exception:
                pass  # the entry's lease ends it anyway

    def _wait_turn(self, ray, queue, job_id: str) -> bool:
        while True:
            if self.should_stop():
                return False
            state, position, wait_s = ray.get(queue.poll.remote(job_id, self.ray_executor.capacity(),
                                                                expected_s=self.expected_s(),
                                                                guessing=self.length_is_guess()),
                                              timeout=CALL_TIMEOUT_S)
            if state == "running":
                return True
            if state == "gone":  # our entry expired (the app stalled): queue again at the back
                ray.get(queue.join.remote(job_id, self.expected_s(), LEASE_S, estimated=self._wait_s is not None,
                                          guessing=self.length_is_guess()), timeout=CALL_TIMEOUT_S)
            # No number before a run of this app has timed an evaluation: a guess would be the budget alone (and
            # the queue shows none behind a length that is a guess: length_is_guess).
            # It hears of its slot at its next poll (every 2 POLL_S), its page at its next drawing: both on average.
            wait_s = wait_s + POLL_S + NOTICE_S if wait_s is not None else None
            self._position, self._wait_s = position, wait_s if self.costs.measured else None
            time.sleep(POLL_S * 2)

    def _run_actor(self, ray, queue, job_id: str) -> None:
        ex = self.ray_executor
        threads = max(1, int(ex.cpus_per_training))
        cfg = replace(self.cfg, threads=threads)
        resources = (ex.cpus_per_training, ex.gpus_for(cfg))
        actor = ex.pool.take(ray, resources)
        reused = actor is not None  # it has answered before (reset): no start to wait for
        if actor is None:
            actor = ex.new_actor(resources)
        reusable = False
        data = None if self.dataset else ray.put(self.data)
        run_ref = actor.run.remote(self.model, data, cfg, self.dataset)
        node_ref = actor.node.remote()
        stop_sent, unreachable_since, beat = False, None, 0.0

        def heartbeat(now: bool = False):  # tell the queue how long this run still needs (also while it starts)
            nonlocal beat
            if now or time.monotonic() - beat > 2.0:
                queue.poll.remote(job_id, 0, self.remaining_s(), timed=self.timed_itself())
                beat = time.monotonic()

        try:
            if not reused and not self._wait_actor_start(ray, node_ref, heartbeat):
                self.set_status("stopped")  # Stop while its worker process started: nothing trained, nothing kept
                return
            while True:
                heartbeat()
                if self.should_stop() and not stop_sent:
                    actor.stop.remote()
                    stop_sent = True
                done = bool(ray.wait([run_ref], timeout=0)[0])
                try:
                    events, weights = ray.get(actor.poll.remote(), timeout=CALL_TIMEOUT_S)
                    unreachable_since = None
                except (ray.exceptions.GetTimeoutError, ray.exceptions.ActorUnavailableError):
                    unreachable_since = unreachable_since or time.monotonic()
                    if time.monotonic() - unreachable_since > LOST_AFTER_S:  # it answered before: a lost node
                        raise PlaygroundError("err.ray_node_lost", node=self._node_name or "?") from None
                    time.sleep(POLL_S)
                    continue
                except ray.exceptions.RayActorError:
                    raise PlaygroundError("err.ray_node_lost", node=self._node_name or "?") from None
                if self._node_name is None and ray.wait([node_ref], timeout=0)[0]:
                    self._node_name = ray.get(node_ref)
                now = time.time()
                for (stamp, event), ago_s in zip(events, ages(events)):
                    if not isinstance(event, DoneEvent):  # the result comes with the weights, below
                        self.record(event, ago_s=ago_s)  # the run's pace, not the polls'
                    self.delivery_s.append(now - stamp)
                if any(isinstance(event, EvalEvent) for _, event in events):
                    # A validation point times the run's end (its final evaluation): the queue hears the new
                    # remaining time at once, not up to 2 s later from a figure that left the end out (the first
                    # estimates a queue showed were then a quarter of the real wait).
                    heartbeat(now=True)
                del self.delivery_s[:-1000]
                if weights is not None:
                    self.model.load_state_dict(weights[1])
                    self._weights_step = weights[0]
                if done:
                    break
                time.sleep(POLL_S)
            try:
                result, state = ray.get(run_ref, timeout=CALL_TIMEOUT_S)
            except ray.exceptions.RayTaskError as exc:
                if isinstance(exc.cause, PlaygroundError):
                    raise exc.cause from None
                raise PlaygroundError("err.internal", reason=_short(exc.cause or exc)) from None
            except ray.exceptions.RayActorError:
                raise PlaygroundError("err.ray_node_lost", node=self._node_name or "?") from None
            self.model.load_state_dict(state)
            self.record(DoneEvent(result))
            # What a pooled actor's start costs is what the next run of this process pays; a new one's is not.
            self.learn_costs(result.reason, start=reused)
            self.set_status(result.reason)
            reusable = True
        except PlaygroundError:
            self.keep_partial(self._weights_step)
            raise
        finally:
            if reusable:  # the next run of this app process starts without a new worker process
                ex.pool.give_back(ray, resources, actor)
            else:
                _kill(ray, actor)

    def _wait_actor_start(self, ray, node_ref, heartbeat) -> bool:
        """Wait for a new actor's first answer (its worker process imports torch: seconds); False on Stop.

        Nothing is asked of the actor meanwhile (a call would queue behind its
        start), so Stop is seen within ``POLL_S`` rather than after the start.
        """
        started = time.monotonic()
        while not ray.wait([node_ref], timeout=POLL_S)[0]:
            heartbeat()
            if self.should_stop():
                return False
            if time.monotonic() - started > START_TIMEOUT_S:
                raise PlaygroundError("err.ray_start_timeout", seconds=round(START_TIMEOUT_S))
        try:
            self._node_name = ray.get(node_ref, timeout=CALL_TIMEOUT_S)
        except ray.exceptions.RayError as exc:  # it died starting: its node went away, its runtime_env or
            # worker process failed, or no node can hold its resources
            raise PlaygroundError("err.ray_start_failed", reason=_short(exc)) from None
        return True

"""The ready comparison of dense networks and a CNN: which networks, and training them one after the other.

The tutorial argues that a convolution learns with far fewer parameters than a
dense layer. :func:`plan` picks three networks from the architecture arithmetic:
a dense network with about the CNN's parameters, the CNN, and a dense network
with many more (to see what accuracy those buy back). A :class:`Comparison`
trains them in turn, each a job started by the caller's executor (the Train
page's machinery), in a thread of its own so that it outlives the page that
started it. It knows nothing of who draws it: readers look at :attr:`Comparison.jobs`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from cnn_core.base.errors import PlaygroundError
from cnn_core.nn.architecture import PRESETS, Architecture, layer_table, similar_params_dense, totals

BUDGET_S = 20  # seconds of training for each network: three in a minute, long enough to tell them apart
DATASET = "mnist"  # 28×28 gray digits: the tutorial's data, and the shift test's
ROLES = ("dense_same_params", "cnn", "dense_bigger")  # the plan's order: the order they train in
CNN = PRESETS["small"]  # the convolutional network compared: trains in seconds
BIGGER = PRESETS["dense_wide"]  # the dense network with many more parameters


@dataclass(frozen=True)
class Entry:
    """One network of the comparison."""

    role: str  # one of ROLES
    arch: Architecture

    @property
    def params(self) -> int:
        return totals(layer_table(self.arch)).params


def plan(cnn: Architecture = CNN, bigger: Architecture = BIGGER) -> list[Entry]:
    """A dense network with about ``cnn``'s parameters, ``cnn``, then ``bigger`` (with ``cnn``'s input and classes)."""
    bigger = bigger.replace(in_height=cnn.in_height, in_width=cnn.in_width, in_channels=cnn.in_channels,
                            num_classes=cnn.num_classes)
    return [Entry("dense_same_params", similar_params_dense(cnn)), Entry("cnn", cnn), Entry("dense_bigger", bigger)]


class Comparison:
    """Trains each entry of a plan after the previous one has ended, through ``start(arch)`` → a started job.

    Stop (or a job that stopped because its owner left) ends the comparison: the
    networks not started yet are not trained.
    """

    def __init__(self, entries: list[Entry], start: Callable[[Architecture], object]):
        self.entries = list(entries)
        self._start = start
        self._lock = threading.Lock()
        self._jobs: list = []
        self._stop = threading.Event()
        self._done = threading.Event()
        self.error: PlaygroundError | None = None
        self._thread = threading.Thread(target=self._run, name="cnn-playground-comparison", daemon=True)

    def start(self) -> Comparison:
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            for entry in self.entries:
                if self._stop.is_set():
                    break
                job = self._start(entry.arch)
                with self._lock:
                    self._jobs.append(job)
                if self._stop.is_set():  # Stop pressed while this job was being started
                    job.stop()
                job.wait()
                if job.stop_requested:  # stopped by hand or because its owner left: the rest would be too
                    break
        except PlaygroundError as err:
            self.error = err
        except Exception as exc:  # a job that cannot start: said on the page, the server stays up
            self.error = PlaygroundError("err.internal", reason=f"{type(exc).__name__}: {exc}"[:300])
        finally:
            self._done.set()

    @property
    def jobs(self) -> list:
        """The jobs started so far, in the plan's order."""
        with self._lock:
            return list(self._jobs)

    def stop(self) -> None:
        self._stop.set()
        for job in self.jobs:
            job.stop()

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    @property
    def finished(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout)

"""Where trainings run: threads of this process (the default) or a Ray cluster.

An executor turns (model, data, config) into a started job with the
:class:`~cnn_core.train.jobs.TrainingJob` face: ``snapshot()``, ``stop()``,
``wait()``, ``finished``, ``model``. The page, the command line and the load
test only talk to that face, so the user sees the same thing on either.

* :class:`LocalExecutor`: a thread per run behind the process's
  :class:`~cnn_core.train.jobs.Scheduler`. Nothing to install, starts at once.
* ``RayExecutor`` (:mod:`cnn_core.train.ray_executor`): an actor per run on a Ray
  cluster, one admission queue shared by every app replica. Chosen by an
  address (``CNN_PLAYGROUND_RAY_ADDRESS`` or ``--ray``): ``auto``,
  ``host:port`` or ``ray://host:port``. Ray is imported only then.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from cnn_core.data.loading import ImageData
from cnn_core.nn.model import PlaygroundCNN
from cnn_core.train.jobs import Scheduler, TrainingJob, start_training
from cnn_core.train.trainer import TrainConfig


class Executor(Protocol):
    name: str  # "local" or "ray"

    def start(self, model: PlaygroundCNN, data: ImageData, cfg: TrainConfig, dataset: str | None = None,
              owner_alive: Callable[[], bool] | None = None, owner_grace_s: float = 30.0) -> TrainingJob:
        """Start a run; ``dataset`` names a built-in dataset the worker may load itself (None: send ``data``)."""


class LocalExecutor:
    name = "local"

    def __init__(self, scheduler: Scheduler | None = None):
        self.scheduler = scheduler

    def start(self, model, data, cfg, dataset=None, owner_alive=None, owner_grace_s=30.0) -> TrainingJob:
        return start_training(model, data, cfg, self.scheduler, owner_alive, owner_grace_s)


def make_executor(ray_address: str | None, scheduler: Scheduler | None = None, **ray_options) -> Executor:
    """The Ray executor when an address is given, else the in-process one."""
    if ray_address:
        from cnn_core.train.ray_executor import RayExecutor

        return RayExecutor(ray_address, **ray_options)
    return LocalExecutor(scheduler)

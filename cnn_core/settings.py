"""Server-wide settings, from environment variables or ``streamlit run app.py -- --flag``.

Defaults suit a laptop and a small hosted workshop; an instructor running a
bigger server raises them. Every limit a user can hit is one of these.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from pathlib import Path

from .config import RAY_ADDRESS_ENV
from .data import ArchiveLimits, default_data_dir

HOME_ENV = "CNN_PLAYGROUND_HOME"
DATABASE_URL_ENV = "CNN_PLAYGROUND_DATABASE_URL"
INSTRUCTOR_KEY_ENV = "CNN_PLAYGROUND_INSTRUCTOR_KEY"


def default_home() -> Path:
    """Where the app keeps its own files (the SQLite database): ~/.cache/cnn_playground unless set."""
    return Path(os.environ.get(HOME_ENV) or Path.home() / ".cache" / "cnn_playground")


def _env_float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


@dataclass(frozen=True)
class Settings:
    data_dir: Path  # where datasets are found or downloaded to
    max_concurrent: int  # trainings running at once; the rest queue
    max_train_seconds: float  # longest training one user may ask for
    max_epochs: float
    memory_limit_mb: float  # activation + weight memory one training may need
    max_upload_mb: float  # image zips and model files
    orphan_grace_s: float  # a training whose browser session has been gone this long stops
    database_url: str  # SQLAlchemy URL; default: a SQLite file in the app's home
    max_runs: int  # runs kept per workspace; past it the oldest unpinned go
    max_workspace_mb: float  # model megabytes kept per workspace; same rule
    idle_days: float  # workspaces nobody opened for this long are removed
    instructor_key: str  # unlocks rooms and the exercises' answers; empty: nobody can (see ui/workspace.py)
    ray_address: str | None = None  # train on this Ray cluster (auto, host:port, ray://host:port); None: in-process
    ray_cpus_per_training: float = 2.0  # CPUs each training asks the cluster for (its torch threads)
    ray_gpus_per_training: float = 0.25  # fraction of a GPU each training asks for, where the cluster has GPUs
    ray_max_running: int | None = None  # trainings at once on the cluster; None: as many as its CPUs hold
    max_decode_megapixels: int = ArchiveLimits.max_total_megapixels  # an image zip's pixels, all images together

    @classmethod
    def load(cls, argv: list[str] | None = None) -> "Settings":
        parser = argparse.ArgumentParser(add_help=False)
        parser.add_argument("--data-dir")
        parser.add_argument("--ray", help="Ray cluster address: auto, host:port or ray://host:port")
        args, _ = parser.parse_known_args(argv if argv is not None else [])
        cores = os.cpu_count() or 1
        return cls(
            data_dir=Path(args.data_dir) if args.data_dir else default_data_dir(),
            max_concurrent=max(1, int(_env_float("CNN_PLAYGROUND_MAX_CONCURRENT", max(1, cores // 2)))),
            max_train_seconds=_env_float("CNN_PLAYGROUND_MAX_TRAIN_SECONDS", 300),
            max_epochs=_env_float("CNN_PLAYGROUND_MAX_EPOCHS", 20),
            memory_limit_mb=_env_float("CNN_PLAYGROUND_MEMORY_MB", 2048),
            max_upload_mb=_env_float("CNN_PLAYGROUND_MAX_UPLOAD_MB", 200),
            orphan_grace_s=_env_float("CNN_PLAYGROUND_ORPHAN_GRACE_S", 30),
            database_url=os.environ.get(DATABASE_URL_ENV) or f"sqlite:///{default_home() / 'playground.db'}",
            max_runs=max(1, int(_env_float("CNN_PLAYGROUND_MAX_RUNS", 30))),
            max_workspace_mb=_env_float("CNN_PLAYGROUND_MAX_WORKSPACE_MB", 100),
            idle_days=_env_float("CNN_PLAYGROUND_IDLE_DAYS", 90),
            instructor_key=os.environ.get(INSTRUCTOR_KEY_ENV, ""),
            ray_address=args.ray or os.environ.get(RAY_ADDRESS_ENV) or None,
            ray_cpus_per_training=max(_env_float("CNN_PLAYGROUND_RAY_CPUS", cls.ray_cpus_per_training), 0.1),
            ray_gpus_per_training=min(max(_env_float("CNN_PLAYGROUND_RAY_GPU_FRACTION", cls.ray_gpus_per_training),
                                          0.0), 1.0),
            ray_max_running=int(_env_float("CNN_PLAYGROUND_RAY_MAX_RUNNING", 0)) or None,
            max_decode_megapixels=max(1, int(_env_float("CNN_PLAYGROUND_MAX_DECODE_MEGAPIXELS",
                                                        cls.max_decode_megapixels))),
        )

    def archive_limits(self) -> ArchiveLimits:
        """The limits on an uploaded image zip: its expanded size follows the upload limit."""
        return ArchiveLimits(max_total_mb=int(self.max_upload_mb * 5), max_total_megapixels=self.max_decode_megapixels)

    def storage_limits(self):
        from .checkpoint import MAX_RUN_MODEL_MB
        from .storage import Limits

        return Limits(max_runs=self.max_runs, max_bytes=int(self.max_workspace_mb * 2**20), idle_days=self.idle_days,
                      max_run_bytes=int(MAX_RUN_MODEL_MB * 2**20))

    def run_model_limit_mb(self) -> float:
        """The largest model file that may become a run: uploadable, within one workspace's megabytes, and
        readable back as a run (:data:`cnn_core.checkpoint.MAX_RUN_MODEL_MB`)."""
        from .checkpoint import MAX_RUN_MODEL_MB

        limit = min(self.max_upload_mb, self.max_workspace_mb, MAX_RUN_MODEL_MB)
        return int(limit) if float(limit).is_integer() else limit  # "100 MB", not "100,0 MB"

    def ray_options(self) -> dict:
        """The keyword arguments of :class:`~cnn_core.ray_executor.RayExecutor`."""
        return {"cpus_per_training": self.ray_cpus_per_training, "gpus_per_training": self.ray_gpus_per_training,
                "max_running": self.ray_max_running}

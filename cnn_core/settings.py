"""Server-wide settings, from environment variables (read and checked by :mod:`cnn_core.base.env`) or flags.

Defaults suit a laptop and a small hosted workshop; an instructor running a
bigger server raises them. Every limit a user can hit is one of these.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, fields
from pathlib import Path

from cnn_core.base import env

# The field each CNN_PLAYGROUND_* variable fills where its name is not the variable's in lower case.
_FIELD = {"MEMORY_MB": "memory_limit_mb", "RAY_CPUS": "ray_cpus_per_training", "RAY_GPU_FRACTION": "ray_gpus_per_training"}


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
    idle_days: float | None  # workspaces nobody used for this long are removed; None: never
    instructor_key: str  # unlocks rooms and the exercises' answers; empty: nobody can (see ui/shell/workspace.py)
    public_url: str = ""  # the address students reach this server at; empty: the page's own address
    ray_address: str | None = None  # train on this Ray cluster (auto, host:port, ray://host:port); None: in-process
    # the env table's defaults (cnn_core.train.ray_executor reads the same): importing it would load torch, and
    # a fresh server's first page reads these settings before anything needs torch
    ray_cpus_per_training: float = env.BY_NAME["RAY_CPUS"].default
    ray_gpus_per_training: float = env.BY_NAME["RAY_GPU_FRACTION"].default
    cpu_threads: int = env.BY_NAME["CPU_THREADS"].default  # the torch threads the running trainings share
    ray_max_running: int | None = None  # trainings at once on the cluster; None: as many as its CPUs hold
    max_decode_megapixels: int = env.BY_NAME["MAX_DECODE_MEGAPIXELS"].default  # an image zip's pixels, all together
    max_database_mb: float = 2048  # model megabytes the whole server keeps
    new_workspaces_per_hour: int = 60  # per client address
    model_cache_mb: float = 512  # stored models kept loaded, all together
    db_timeout_s: float = 10  # the longest one database call may take

    @classmethod
    def load(cls, argv: list[str] | None = None) -> Settings:
        """Read the flags and every ``CNN_PLAYGROUND_*`` variable; raises :class:`cnn_core.base.env.SettingError`."""
        parser = argparse.ArgumentParser(add_help=False)
        parser.add_argument("--data-dir")
        parser.add_argument("--ray", help="Ray cluster address: auto, host:port or ray://host:port")
        args, _ = parser.parse_known_args(argv if argv is not None else [])
        problems = env.check_all()
        if problems:
            raise problems[0]
        names = {f.name for f in fields(cls)}
        values = {field: env.get(var.name) for var in env.VARS if (field := _FIELD.get(var.name, var.name.lower()))
                  in names}
        values.update(data_dir=Path(args.data_dir) if args.data_dir else env.data_dir(),
                      database_url=env.database_url(), ray_address=args.ray or values["ray_address"] or None)
        return cls(**values)

    def archive_limits(self):
        """The limits on an uploaded image zip: its expanded size follows the upload limit."""
        from cnn_core.data.loading import ArchiveLimits

        return ArchiveLimits(max_total_mb=int(self.max_upload_mb * 5), max_total_megapixels=self.max_decode_megapixels)

    def storage_limits(self):
        from cnn_core.nn.checkpoint import MAX_RUN_MODEL_MB
        from cnn_core.store.storage import Limits

        return Limits(max_runs=self.max_runs, max_bytes=int(self.max_workspace_mb * 2**20), idle_days=self.idle_days,
                      max_run_bytes=int(MAX_RUN_MODEL_MB * 2**20), max_total_bytes=int(self.max_database_mb * 2**20),
                      new_workspaces_per_hour=self.new_workspaces_per_hour)

    def run_model_limit_mb(self) -> float:
        """The largest model file that may become a run: uploadable, within one workspace's megabytes, and
        readable back as a run (:data:`cnn_core.nn.checkpoint.MAX_RUN_MODEL_MB`)."""
        from cnn_core.nn.checkpoint import MAX_RUN_MODEL_MB

        limit = min(self.max_upload_mb, self.max_workspace_mb, MAX_RUN_MODEL_MB)
        return int(limit) if float(limit).is_integer() else limit  # "100 MB", not "100,0 MB"

    def ray_options(self) -> dict:
        """The keyword arguments of :class:`~cnn_core.train.ray_executor.RayExecutor`."""
        return {"cpus_per_training": self.ray_cpus_per_training, "gpus_per_training": self.ray_gpus_per_training,
                "max_running": self.ray_max_running}

"""Server-wide settings, from environment variables or ``streamlit run app.py -- --flag``.

Defaults suit a laptop and a small hosted workshop; an instructor running a
bigger server raises them. Every limit a user can hit is one of these.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from pathlib import Path

from .data import default_data_dir


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

    @classmethod
    def load(cls, argv: list[str] | None = None) -> "Settings":
        parser = argparse.ArgumentParser(add_help=False)
        parser.add_argument("--data-dir")
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
        )

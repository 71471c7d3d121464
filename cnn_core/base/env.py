"""Every environment variable the playground reads, in one table, each parsed and checked against its range.

This is the only module that reads ``os.environ`` for the playground's own
settings (Ray's ``RAY_AUTH_MODE`` included, for the hint it gives). A value
that does not parse or lies outside its range raises :class:`SettingError`,
which names the variable, what it got and what it takes; the app shows it on
every page and logs it once, the command line exits with status 2. Nothing
falls back silently to a default: ``CNN_PLAYGROUND_MAX_RUNS=3O`` is refused,
not read as 30.

Two values have a word instead of a number: ``CNN_PLAYGROUND_IDLE_DAYS=never``
keeps workspaces for ever, and ``CNN_PLAYGROUND_RAY_MAX_RUNNING=auto`` lets the
cluster's CPUs decide. Zero is never a hidden "off": where 0 would mean
"remove everything" or "allow nothing" it is outside the range.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

PREFIX = "CNN_PLAYGROUND_"
NEVER = "never"
AUTO = "auto"


class SettingError(ValueError):
    """A setting that cannot be used; ``str()`` is the operator's message (English: logs and terminals)."""

    def __init__(self, name: str, value: str, allowed: str):
        self.name, self.value, self.allowed = name, value, allowed
        super().__init__(f"{name}={value!r} is not valid: {allowed}.")


@dataclass(frozen=True)
class Var:
    name: str  # without the prefix
    kind: str  # "int", "float", "path", "text", "secret"
    default: object  # None: unset (no value)
    low: float | None = None  # smallest allowed (inclusive)
    high: float | None = None  # largest allowed (inclusive)
    word: str | None = None  # a word allowed instead of a number (NEVER, AUTO); read as None
    doc: str = ""

    @property
    def env(self) -> str:
        return PREFIX + self.name

    def allowed(self) -> str:
        if self.kind in ("int", "float"):
            what = "a whole number" if self.kind == "int" else "a number"
            text = f"{what} from {_fmt(self.low)} to {_fmt(self.high)}"
            return text + (f", or '{self.word}'" if self.word else "")
        return "a path" if self.kind == "path" else "text"


def _fmt(x: float | None) -> str:
    return "any" if x is None else (str(int(x)) if float(x).is_integer() else str(x))


CORES = os.cpu_count() or 1

# One row per setting. README's settings table is written from these rows (tests/test_settings.py checks).
VARS = (
    Var("HOME", "path", None, doc="the app's own files (the SQLite database); default ~/.cache/cnn_playground"),
    Var("DATABASE_URL", "secret", None, doc="SQLAlchemy URL of the database; default a SQLite file in HOME"),
    Var("INSTRUCTOR_KEY", "secret", "", doc="unlocks rooms and the exercises' answers; unset: nobody can"),
    Var("PUBLIC_URL", "text", "", doc="the address students reach this server at (room link and QR codes)"),
    Var("DATA_DIR", "path", None, doc="datasets are found or downloaded here; default ~/.cache/cnn_playground/data"),
    Var("CACHE_DIR", "path", None, doc="decoded image zips; default ~/.cache/cnn_playground/decoded"),
    Var("CACHE_MB", "float", 2048, 0, 10**7, doc="decoded image zips kept on disk, megabytes; 0 keeps none"),
    Var("MAX_CONCURRENT", "int", max(1, CORES // 2), 1, 1024, doc="trainings running at once; the rest queue"),
    Var("MAX_TRAIN_SECONDS", "float", 300, 1, 86400, doc="the longest training one user may ask for"),
    Var("MAX_EPOCHS", "float", 20, 0.1, 1000, doc="the most epochs one training may ask for"),
    Var("MEMORY_MB", "float", 2048, 16, 10**7, doc="activation + weight memory one training may need"),
    Var("MAX_UPLOAD_MB", "float", 200, 1, 10**5, doc="an image zip or model file, megabytes"),
    Var("ORPHAN_GRACE_S", "float", 30, 1, 86400,
        doc="a training whose browser session has been gone this long stops"),
    Var("MAX_RUNS", "int", 30, 1, 10**4, doc="runs kept per workspace; past it the oldest unpinned go"),
    Var("MAX_WORKSPACE_MB", "float", 100, 1, 10**5, doc="model megabytes kept per workspace; same rule"),
    Var("MAX_DATABASE_MB", "float", 2048, 10, 10**7,
        doc="model megabytes kept by the whole server; past it new runs are refused"),
    Var("NEW_WORKSPACES_PER_HOUR", "int", 60, 1, 10**6,
        doc="workspaces one client address may create in an hour"),
    Var("MODEL_CACHE_MB", "float", 512, 16, 10**6, doc="stored models kept loaded in memory, all together"),
    Var("IDLE_DAYS", "float", 90, 1 / 24, 36500, word=NEVER,
        doc="workspaces nobody used for this long are removed; 'never' keeps them"),
    Var("DB_TIMEOUT_S", "float", 10, 0.5, 600, doc="the longest one database call may take"),
    Var("RAY_ADDRESS", "text", "", doc="train on this Ray cluster (auto, host:port, ray://host:port); unset: in-process"),
    Var("RAY_CPUS", "float", 2.0, 0.1, 1024, doc="CPUs each training asks the cluster for"),
    Var("RAY_GPU_FRACTION", "float", 0.25, 0, 1, doc="the fraction of a GPU each training asks for, where there are GPUs"),
    Var("RAY_MAX_RUNNING", "int", None, 1, 10**5, word=AUTO,
        doc="trainings at once on the cluster; 'auto' (or unset): as many as its CPUs hold"),
    Var("MAX_DECODE_MEGAPIXELS", "int", 1500, 1, 10**6, doc="an image zip's pixels, all images together"),
)
BY_NAME = {v.name: v for v in VARS}


def raw(name: str) -> str | None:
    """The variable's text as set (stripped), or None when unset or empty."""
    value = os.environ.get(PREFIX + name if not name.startswith(PREFIX) else name)
    return value.strip() if value and value.strip() else None


def get(name: str):
    """The checked value of ``CNN_PLAYGROUND_<name>``: its default when unset; raises :class:`SettingError`."""
    var = BY_NAME[name]
    text = raw(name)
    if text is None:
        return var.default
    if var.kind in ("path",):
        return Path(text).expanduser()
    if var.kind in ("text", "secret"):
        return text
    if var.word and text.lower() == var.word:
        return None
    try:
        value = int(text) if var.kind == "int" else float(text)
    except ValueError:
        raise SettingError(var.env, text, var.allowed()) from None
    if not math.isfinite(value) or (var.low is not None and value < var.low) or (
            var.high is not None and value > var.high):
        raise SettingError(var.env, text, var.allowed())
    return value


def check_all() -> list[SettingError]:
    """Every setting's problem, so an operator fixes them in one go."""
    problems = []
    for var in VARS:
        try:
            get(var.name)
        except SettingError as exc:
            problems.append(exc)
    return problems


def cache_home() -> Path:
    return Path.home() / ".cache" / "cnn_playground"


def home() -> Path:
    return get("HOME") or cache_home()


def data_dir() -> Path:
    return get("DATA_DIR") or cache_home() / "data"


def cache_dir() -> Path:
    return get("CACHE_DIR") or cache_home() / "decoded"


def database_url() -> str:
    """CNN_PLAYGROUND_DATABASE_URL, or a SQLite file in the app's home."""
    return get("DATABASE_URL") or f"sqlite:///{home() / 'playground.db'}"


def ray_auth_is_token() -> bool:
    """Whether this process asks Ray for token authentication (Ray reads it once, at its first import)."""
    return os.environ.get("RAY_AUTH_MODE") == "token"

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
HIDDEN = "(hidden)"  # what an error says of a secret's value
EXAMPLE_KEY = "choose-a-long-phrase"  # the teacher's guide's and the keyless Room page's example: public, so refused


class SettingError(ValueError):
    """A setting that cannot be used; ``str()`` is the operator's message (English: logs and terminals).

    ``var`` is the table's row, so the app can say the allowed range in the reader's language.
    """

    def __init__(self, var: Var, value: str):
        if var.kind == "secret":  # a refused key is still someone's key: never in a log or on a page
            value = HIDDEN
        self.var, self.name, self.value, self.allowed = var, var.env, value, var.allowed()
        super().__init__(f"{self.name}={value!r} is not valid: {self.allowed}.")


@dataclass(frozen=True)
class Var:
    name: str  # without the prefix
    kind: str  # "int", "float", "path", "text", "secret"
    default: object  # None: unset (no value)
    low: float | None = None  # smallest allowed (inclusive)
    high: float | None = None  # largest allowed (inclusive)
    word: str | None = None  # a word allowed instead of a number (NEVER, AUTO); read as None
    doc: str = ""  # what it does, for README's table (Markdown)
    shown: str = ""  # the default as README says it, where the value is not the whole story ("cores / 2")

    @property
    def env(self) -> str:
        return PREFIX + self.name

    def allowed(self) -> str:
        if self.kind in ("int", "float"):
            what = "a whole number" if self.kind == "int" else "a number"
            text = f"{what} from {_fmt(self.low)} to {_fmt(self.high)}"
            return text + (f", or '{self.word}'" if self.word else "")
        if self.kind == "secret" and self.low:
            return f"a phrase of at least {int(self.low)} characters, not the guide's example ({EXAMPLE_KEY})"
        return "a path" if self.kind == "path" else "text"

    def shown_default(self) -> str:
        """The default as README's table says it: ``shown`` when set, else the value (``90``, ``0.25``)."""
        return self.shown or _fmt(self.default)


def _fmt(x: float | None) -> str:
    return "any" if x is None else (str(int(x)) if float(x).is_integer() else f"{x:.4g}")  # 1/24 → 0.04167


CORES = os.cpu_count() or 1

# One row per setting. README's settings table is written from these rows (python -m scripts.settings_table;
# tests/core/test_settings.py checks), so a row's doc is what an operator reads there.
VARS = (
    Var("DATA_DIR", "path", None, shown="`~/.cache/cnn_playground/data`",
        doc="datasets are found or downloaded here (also `-- --data-dir`)"),
    Var("CACHE_DIR", "path", None, shown="`~/.cache/cnn_playground/decoded`",
        doc="decoded image zips (CIFAR JPEGs decode once)"),
    Var("CACHE_MB", "float", 2048, 0, 10**7, doc="decoded image zips kept on disk, megabytes; 0 keeps none"),
    Var("MAX_CONCURRENT", "int", max(1, CORES // 2), 1, 1024, shown="cores / 2",
        doc="trainings at once; the rest queue and see their place"),
    Var("CPU_THREADS", "int", CORES, 1, 1024, shown="cores",
        doc="CPU threads the server's trainings share, split equally among the ones running; lower it when the "
            "machine also runs other work (two servers or test processes on one machine: cores / 2 each)"),
    Var("MAX_TRAIN_SECONDS", "float", 300, 1, 86400, doc="the longest time budget a user may pick"),
    Var("MAX_EPOCHS", "float", 20, 0.1, 1000, doc="the most epochs a user may pick"),
    Var("MEMORY_MB", "float", 2048, 16, 10**7,
        doc="activation + weight memory one training may need; networks needing more are refused, with the estimate"),
    Var("MAX_UPLOAD_MB", "float", 200, 1, 10**5,
        doc="image zips and model files, megabytes (a model file becomes a run, so it must also fit "
            "`MAX_WORKSPACE_MB`)"),
    Var("MAX_DECODE_MEGAPIXELS", "int", 1500, 1, 10**6,
        doc="the pixels decoding an image zip produces, all images together, read from their headers before "
            "decoding (JPEGs at the reduced scale they are read at, every image at least 12,000 pixels, its opening "
            "and text chunks: 10,000 photos fit, or 3,000 PNGs of 0.5 megapixels, or the 100,000 files a zip may "
            "hold; the worst zip at this limit is 20–40 s of one core)"),
    Var("ORPHAN_GRACE_S", "float", 30, 1, 86400,
        doc="a training whose browser tab has been closed this long stops, freeing its slot"),
    Var("RAY_ADDRESS", "text", "", shown="none (in-process)",
        doc="train on this Ray cluster: `auto`, `host:port` or `ray://host:port` (also `-- --ray ADDRESS`, and "
            "`--ray` on `train`); see \"A room bigger than one machine\""),
    Var("RAY_CPUS", "float", 2.0, 0.1, 1024, doc="CPUs each training asks the cluster for (its torch threads)"),
    Var("RAY_GPU_FRACTION", "float", 0.25, 0, 1,
        doc="share of a GPU each training asks for when the cluster has GPUs (device automatic or CUDA): "
            "four trainings per GPU"),
    Var("RAY_MAX_RUNNING", "int", None, 1, 10**5, word=AUTO, shown="cluster CPUs / `RAY_CPUS`",
        doc="trainings at once on the whole cluster; the rest wait in one queue shared by every replica; "
            "`auto` (or unset): as many as its CPUs hold, recomputed as nodes join"),
    Var("HOME", "path", None, shown="`~/.cache/cnn_playground`",
        doc="the app's own files: the SQLite database `playground.db`"),
    Var("DATABASE_URL", "secret", None, shown="SQLite file in the home",
        doc="a SQLAlchemy URL; `postgresql://user:pass@host/db` for several replicas"),
    Var("DB_TIMEOUT_S", "float", 10, 0.5, 600, doc="the longest one database call may take"),
    Var("MAX_RUNS", "int", 30, 1, 10**4,
        doc="runs a workspace keeps; past it the oldest unpinned run goes, with a notice"),
    Var("MAX_WORKSPACE_MB", "float", 100, 0.1, 10**5,
        doc="megabytes of models a workspace keeps (tutorial network: 0.8 MB), same rule; a run that cannot fit "
            "even with every unpinned run removed is refused, and nothing is removed"),
    Var("MAX_DATABASE_MB", "float", 2048, 10, 10**7,
        doc="model megabytes the whole server keeps; past it new runs are refused"),
    Var("NEW_WORKSPACES_PER_HOUR", "int", 60, 1, 10**6, doc="workspaces one client address may create in an hour"),
    Var("MODEL_CACHE_MB", "float", 512, 16, 10**6, doc="stored models kept loaded in memory, all together"),
    Var("IDLE_DAYS", "float", 90, 1 / 24, 36500, word=NEVER,
        doc="workspaces nobody opened for this long are removed (the server checks once an hour); "
            "`never` keeps them"),
    Var("INSTRUCTOR_KEY", "secret", "", 12, shown="none",
        doc="unlocks rooms and the exercises' answer key; also `instructor_key` in `.streamlit/secrets.toml`. "
            "Without a key nobody is an instructor, and the Room page and the log say so. At least 12 characters, "
            f"and not the guide's example (`{EXAMPLE_KEY}`, public): such a variable stops the server; such a secret "
            "is refused (logged once; the Room page says so)"),
    Var("PUBLIC_URL", "text", "", shown="the page's own address",
        doc="the address students reach the server at (`https://cnn.school.example`); the room's link and the QR "
            "codes start with it. Unset: the page's own address, or, for a page opened at `localhost`/`127.0.0.1`, "
            "one of the machine's network addresses the instructor picks"),
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
    if var.name == "INSTRUCTOR_KEY" and not acceptable_key(text):
        raise SettingError(var, text)  # a guessable or public key (its value is never said)
    if var.kind in ("text", "secret"):
        return text
    if var.word and text.lower() == var.word:
        return None
    try:
        value = int(text) if var.kind == "int" else float(text)
    except ValueError:
        raise SettingError(var, text) from None
    if not math.isfinite(value) or (var.low is not None and value < var.low) or (
            var.high is not None and value > var.high):
        raise SettingError(var, text)
    return value


def acceptable_key(key: str) -> bool:
    """Whether an instructor key (the variable's or ``instructor_key`` in Streamlit's secrets) may be used: long
    enough not to be guessed, and not the guide's example, which every keyless Room page prints."""
    key = key.strip()
    return len(key) >= BY_NAME["INSTRUCTOR_KEY"].low and key != EXAMPLE_KEY


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

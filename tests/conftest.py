"""Shared fixtures: the real data directory, small synthetic datasets, image zips.

Tests that need real data fail (never skip) with a clear reason when the data
directory is missing, so CI cannot go green without having run them.
"""

from __future__ import annotations

import atexit
import functools
import gc
import io
import os
import secrets
import shutil
import socket
import struct
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest

from cnn_core.base.env import BY_NAME

if TYPE_CHECKING:
    from streamlit.testing.v1 import AppTest

    from cnn_core.data.loading import ImageData

# torch, Streamlit and PIL are imported where they are used, not here: under pytest-xdist the controller loads this
# file too, before any worker starts, and runs no test (importing them took it 2 s).

DATA_DIR_ENV = BY_NAME["DATA_DIR"].env
CACHE_DIR_ENV = BY_NAME["CACHE_DIR"].env

REPO = Path(__file__).resolve().parents[1]

# The app's own files (its SQLite database) go to a fresh folder per test process, never the user's: pytest-xdist's
# workers inherit the controller's environment, so a folder this file chose is chosen again in each worker.
# The folder goes when the process that made it ends (835 of them had piled up in /tmp over a day's runs).
chosen_by = os.environ.get("CNNP_TESTS_CHOSE_HOME")  # the process that chose it (a worker inherits it)
if (chosen_by and chosen_by != str(os.getpid())) or "CNN_PLAYGROUND_HOME" not in os.environ:
    os.environ["CNN_PLAYGROUND_HOME"] = tempfile.mkdtemp(prefix="cnnp-home-")
    os.environ["CNNP_TESTS_CHOSE_HOME"] = str(os.getpid())
    atexit.register(shutil.rmtree, os.environ["CNN_PLAYGROUND_HOME"], ignore_errors=True)

# Each test process gets its share of the cores: two processes running torch with every core's worth of threads
# each spend most of their time waiting on each other (OpenMP's workers spin; measured on 2 cores: a training step
# 2.5 times slower than with one thread each). The servers, command lines and Ray nodes the tests start inherit it.
_TEST_PROCESSES = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
if _TEST_PROCESSES > 1:
    _share = str(max(1, (os.cpu_count() or 1) // _TEST_PROCESSES))
    for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", BY_NAME["CPU_THREADS"].env):
        os.environ.setdefault(_var, _share)
    if "torch" in sys.modules:  # else torch reads OMP_NUM_THREADS when it is first imported
        sys.modules["torch"].set_num_threads(int(os.environ["OMP_NUM_THREADS"]))

# libgomp (torch's OpenMP) keeps an idle thread spinning 300,000 rounds before it sleeps, on cores the other test
# process, the servers and the browser need: the processes the tests start with two threads (Ray's trainings, the
# allocator's fault probe) took 2.4 times as long beside another training (README, "Several training processes on
# one machine"). Idle threads sleep sooner; what any test checks is the same. Read when torch is imported.
os.environ.setdefault("GOMP_SPINCOUNT", "1000")

# Ray reads RAY_AUTH_MODE and the token once, when a process first imports it, so the test cluster's token is
# chosen here, before any test module can import Ray; the `ray_cluster` fixture starts its cluster with it.
os.environ.setdefault("RAY_AUTH_MODE", "token")
os.environ.setdefault("RAY_AUTH_TOKEN", secrets.token_hex(32))


def _scan_installed_components_once() -> None:
    """Every new AppTest scans the metadata of every installed distribution for Streamlit components: most of a
    page's first run here (about 0.3 s, 1 s on a busy machine, with ~580 distributions installed) and the same
    answer each time, since nothing is installed during a test session. The scan runs once; each AppTest still
    registers what it found in its own component manager, as before. (A Streamlit without this private function
    is left alone: the tests are then only slower.)"""
    try:
        from streamlit.components.v2 import manifest_scanner

        scan = functools.cache(manifest_scanner.scan_component_manifests)
    except (ImportError, AttributeError):
        return
    manifest_scanner.scan_component_manifests = lambda max_workers=None: list(scan(max_workers))


# Python's cycle collector looks at the young objects every 700 allocations and at the whole heap every hundred of
# those: over a test process's heap (torch, Streamlit, Plotly, pandas: 0.6 million objects) that was 2.6 CPU-seconds
# of each fast-tier process (gc.callbacks), 1.0 with these thresholds.
TEST_GC_THRESHOLDS = (20_000, 20, 20)


def pytest_configure(config):
    """In pytest's own processes only (the controller and its workers): the app, its servers and the programs the
    tests start keep Python's collector as it is, as does a child that imports this file for its helpers (the peak
    memory of a hostile input is measured as a server would see it)."""
    gc.set_threshold(*TEST_GC_THRESHOLDS)
    if not getattr(config.option, "numprocesses", None) or os.environ.get("PYTEST_XDIST_WORKER"):  # runs tests
        _scan_installed_components_once()


def pytest_unconfigure(config):
    """One full garbage collection, then the heap frozen: pytest's own clean-up at the end of each process collects
    five times over (for objects whose finalizers complain only once others are gone), and over a test process's
    heap (torch, Streamlit, Plotly: 0.6 million objects) the four after the first took 1.2-1.3 s in each
    process, at the end of every run. The first collection still reports what it finds (pytest's hook for
    unraisable exceptions is installed until its clean-up, which runs after this hook:
    ``Config._ensure_unconfigure``); garbage that a finalizer leaves behind, or that other plugins' clean-up
    releases later, is not collected, and its warnings are not seen."""
    gc.collect()
    gc.freeze()


def data_dir() -> Path:
    value = os.environ.get(DATA_DIR_ENV)
    if not value:
        pytest.fail(f"{DATA_DIR_ENV} is not set: point it at the real datasets (e.g. ../shared/data); "
                    "see README 'Run the tests'", pytrace=False)
    path = Path(value)
    if not (path / "MNIST" / "raw" / "train-images-idx3-ubyte").exists():
        pytest.fail(f"real MNIST not found under {path}/MNIST/raw (set {DATA_DIR_ENV} correctly)", pytrace=False)
    return path


# torchvision, torch.optim's first step and FlopCounterMode import torch's compiler (torch._dynamo): 1.7 CPU-seconds
# of each process that does. The fast tier's tests that do share one test process under ``--dist loadgroup`` (README's
# fast-tier command; scripts/test.sh), so one process pays it, not both.
TORCH_COMPILER = pytest.mark.xdist_group("torch_compiler")

REAL_DATA_FIXTURES = {"real_data_dir", "mnist", "cifar_decoded"}
# A parameter's value becomes its test's id unless the test names it: a 10 MB file made a 40 MB id, escaped byte by
# byte in every process that collected it (2.2 s each) and sent from each xdist worker to the controller.
MAX_TEST_ID = 300
REAL_DATA_DIR = os.environ.get(DATA_DIR_ENV)  # as the run was started; tests not marked realdata never see it
# Tiers allowed the real datasets and the network (a browser test's server, a Ray cluster's nodes).
REAL_WORLD_MARKERS = ("realdata", "browser", "ray")


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's own hook reads the groups
def pytest_collection_modifyitems(config, items):
    """A test asking for real data must be marked ``realdata``, so the fast tier never needs the datasets.

    Under pytest-xdist (``-n 2``, as scripts/test.sh runs the suite; ``--dist loadgroup`` is pyproject.toml's) the
    browser tests share one worker, one at a time (one Streamlit server and one Chromium serve them all), the Ray
    tests another (one local Ray cluster serves them, stopped when they are done), and the tests of real CIFAR-10
    one (its JPEGs decoded once, ``cifar_decoded``); every other test goes to whichever worker is free. Each process trains
    with its share of the cores (above), so the groups' trainings do not fight over threads."""
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.xdist_group("browser"))
        elif item.get_closest_marker("ray") or "ray_cluster" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("ray"))
        elif "cifar_decoded" in getattr(item, "fixturenames", ()):  # one decoding of CIFAR-10 serves them all
            item.add_marker(pytest.mark.xdist_group("cifar"))
    unmarked = [item.nodeid for item in items
                if REAL_DATA_FIXTURES & set(getattr(item, "fixturenames", ())) and not item.get_closest_marker("realdata")]
    if unmarked:
        raise pytest.UsageError("mark these @pytest.mark.realdata (they use real data): " + ", ".join(unmarked))
    long_ids = [item.nodeid[:120] + "…" for item in items if len(item.nodeid) > MAX_TEST_ID]
    if long_ids:
        raise pytest.UsageError(f"give these parameters short ids (ids=...): a test id over {MAX_TEST_ID} characters "
                                "is written out by every process that collects it: " + ", ".join(long_ids))


@pytest.fixture(scope="session")
def real_data_dir() -> Path:
    return data_dir()


@pytest.fixture(scope="session")
def cifar_decoded(real_data_dir, tmp_path_factory) -> tuple[ImageData, Path]:
    """Real CIFAR-10 decoded from its JPEG zip with an empty cache (the decoding itself runs), and that cache's folder.

    The cache file is then copied into the decoded-images cache every other load reads (the Train page's, the
    bench's, cats and dogs'), so a test session decodes the 60,000 JPEGs once, not once per test that needs them
    (about 25 s each on two busy cores). The tests that ask for it share one test process (``cifar`` group)."""
    from cnn_core.data.loading import default_cache_dir, load_dataset, trim_cache

    fresh = tmp_path_factory.mktemp("cifar-decoded")
    data = load_dataset("cifar10", real_data_dir, download=False, cache_dir=fresh)
    shared = default_cache_dir()
    shared.mkdir(parents=True, exist_ok=True)
    for file in fresh.glob("*.pt"):
        if not (shared / file.name).exists():
            partial = shared / f"{file.name}.{os.getpid()}.tmp"
            shutil.copyfile(file, partial)
            partial.replace(shared / file.name)
    trim_cache(shared)  # the cache's own bound (CNN_PLAYGROUND_CACHE_MB) holds, as after a load
    return data, fresh


@pytest.fixture(scope="session")
def mnist(real_data_dir) -> ImageData:
    from cnn_core.data.loading import load_dataset

    return load_dataset("mnist", real_data_dir, download=False)


# ------------------------------------------------------------------ the fast tier: synthetic data, no network

SYNTHETIC_DATASETS = {"MNIST": (600, 200), "FashionMNIST": (600, 200)}  # torchvision's folder: (train, test)


def write_idx(path: Path, array: np.ndarray) -> None:
    """``array`` (uint8) in the IDX format of the MNIST files: magic (type 0x08, the rank), sizes, bytes."""
    path.write_bytes(struct.pack(f">I{array.ndim}I", 0x0800 | array.ndim, *array.shape) + array.tobytes())


def synthetic_mnist(folder: Path, n_train: int, n_test: int) -> None:
    """An MNIST-format dataset torchvision reads as the real one: 28×28 gray images of 10 classes, each class a
    bright 7×7 patch in its own place on a noisy background (easy to learn, so a short training learns it)."""
    raw = folder / "raw"
    raw.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for split, n in (("train", n_train), ("t10k", n_test)):
        labels = np.arange(n, dtype=np.uint8) % 10
        images = rng.integers(0, 60, (n, 28, 28), dtype=np.uint8)
        for i, c in enumerate(labels):
            r0, c0 = 2 + 8 * (c // 4), 1 + 7 * (c % 4)
            images[i, r0:r0 + 7, c0:c0 + 7] += 180
        write_idx(raw / f"{split}-images-idx3-ubyte", images)
        write_idx(raw / f"{split}-labels-idx1-ubyte", labels)


@pytest.fixture(scope="session")
def empty_cache_dir(tmp_path_factory) -> Path:
    """A decoded-images cache that starts empty: the fast tier never reads what an earlier run kept."""
    return tmp_path_factory.mktemp("decoded")


@pytest.fixture(scope="session")
def synthetic_data_dir(tmp_path_factory) -> Path:
    """A data directory with small synthetic MNIST and Fashion-MNIST (no CIFAR-10: asking for it fails)."""
    path = tmp_path_factory.mktemp("synthetic-data")
    for folder, (n_train, n_test) in SYNTHETIC_DATASETS.items():
        synthetic_mnist(path / folder, n_train, n_test)
    return path


def _local_only(getaddrinfo):
    def resolve(host, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else host
        if name not in (None, "", "localhost", "127.0.0.1", "::1"):
            raise socket.gaierror(socket.EAI_NONAME, f"the fast tier has no network (asked for {name})")
        return getaddrinfo(host, *args, **kwargs)
    return resolve


_data_dir_in_use: list[str | None] = [REAL_DATA_DIR]


@pytest.fixture(autouse=True)
def fast_tier_world(request, monkeypatch):
    """A test not marked realdata, browser or ray sees small synthetic datasets and an empty decoded-images cache
    (here and in the programs it starts) and no network (here): the fast tier needs neither the real datasets,
    nor what earlier runs cached, nor the internet; a download fails at once, as offline. The app's loaded
    datasets and settings are forgotten whenever the data directory changes between tests."""
    if any(request.node.get_closest_marker(m) for m in REAL_WORLD_MARKERS):
        wanted = REAL_DATA_DIR
    else:
        wanted = str(request.getfixturevalue("synthetic_data_dir"))
        monkeypatch.setenv(DATA_DIR_ENV, wanted)
        monkeypatch.setenv(CACHE_DIR_ENV, str(request.getfixturevalue("empty_cache_dir")))
        monkeypatch.setattr(socket, "getaddrinfo", _local_only(socket.getaddrinfo))
    if wanted != _data_dir_in_use[0] and "ui.shell.resources" in sys.modules:
        resources = sys.modules["ui.shell.resources"]
        resources.dataset.clear()
        resources.settings.clear()
    _data_dir_in_use[0] = wanted


@pytest.fixture(autouse=True)
def fresh_key_guard():
    """The app's instructor-key guard (one per server process) forgets the wrong keys earlier tests typed: a test
    waits only for its own (AppTest sessions share one address, "?")."""
    yield
    workspace = sys.modules.get("ui.shell.workspace")
    if workspace is not None and hasattr(workspace, "_key_guard"):
        workspace._key_guard.clear()


@pytest.fixture
def tiny_data() -> ImageData:
    """Two easy synthetic classes (bright top half vs bright bottom half), 28×28×1."""
    import torch

    from cnn_core.data.loading import ImageData

    g = torch.Generator().manual_seed(0)
    n = 512
    y = torch.randint(0, 2, (n,), generator=g)
    x = torch.randint(0, 60, (n, 1, 28, 28), generator=g, dtype=torch.uint8)
    for i in range(n):
        if y[i] == 0:
            x[i, :, :14] += 150
        else:
            x[i, :, 14:] += 150
    return ImageData("tiny", ["top", "bottom"], x[:400], y[:400], x[400:], y[400:])


def png_bytes(color: int = 128, size: int = 12, mode: str = "RGB") -> bytes:
    from PIL import Image

    img = Image.fromarray(np.full((size, size, 3), color, dtype=np.uint8)).convert(mode)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def make_zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


# ------------------------------------------------------------------ databases (cnn_core.store.storage)

@pytest.fixture(scope="session")
def postgres_server_url():
    """A real PostgreSQL server started for this test session (see scripts/pgserver.py)."""
    from scripts.pgserver import postgres_server

    with postgres_server() as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request, tmp_path):
    """An empty database: a SQLite file, or a fresh database on the test PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'playground.db'}"
    from scripts.pgserver import fresh_database

    return fresh_database(request.getfixturevalue("postgres_server_url"))


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory) -> Path:
    """A SQLite file at the newest revision, migrated once per test process (:func:`store` copies it)."""
    from cnn_core.store.storage import Storage

    path = tmp_path_factory.mktemp("migrated") / "playground.db"
    Storage(f"sqlite:///{path}").close()
    return path


@pytest.fixture(scope="session")
def migrated_postgres(postgres_server_url) -> str:
    """The name of a database at the newest revision on the test PostgreSQL server, the template of :func:`store`'s."""
    from cnn_core.store.storage import Storage
    from scripts.pgserver import fresh_database

    url = fresh_database(postgres_server_url)
    Storage(url).close()  # no connection stays open: PostgreSQL copies only a template nobody is connected to
    return url.rsplit("/", 1)[1]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request, tmp_path):
    """An empty :class:`Storage` at the newest revision, a SQLite file or a PostgreSQL database: a copy of one
    migrated once per test process. Building the schema for each test (35 ms on SQLite, more on PostgreSQL) took 3
    of the fast tier's 90 CPU-s; the migrations themselves are tested on empty databases (:func:`database_url`)."""
    from cnn_core.store.storage import Storage

    if request.param == "sqlite":
        path = tmp_path / "playground.db"
        shutil.copyfile(request.getfixturevalue("migrated_sqlite"), path)
        url = f"sqlite:///{path}"
    else:
        from scripts.pgserver import fresh_database

        url = fresh_database(request.getfixturevalue("postgres_server_url"),
                             template=request.getfixturevalue("migrated_postgres"))
    s = Storage(url)
    yield s
    s.close()


# ------------------------------------------------------------------ Ray (cnn_core.train.ray_executor)

@pytest.fixture(scope="module")
def ray_cluster(real_data_dir):
    """A real local Ray cluster (a head and one worker node, token authentication on), this process joined to it.

    One per test module (they are all in tests/cluster/test_ray.py): an idle cluster costs about 7 % of a core
    (its head, dashboard and raylets), which the rest of the suite's ten minutes should not pay.

    Fails, never skips, when Ray is missing: `pip install -r requirements-ray.txt`.
    """
    import importlib.util

    if importlib.util.find_spec("ray") is None:
        pytest.fail("Ray is not installed: pip install -r requirements-ray.txt (the `ray` tests need a real "
                    "local cluster)", pytrace=False)

    from scripts.ray_cluster import LocalRayCluster

    cluster = LocalRayCluster(workers=1, cpus_per_worker=2, data_dir=str(real_data_dir),
                                     token=os.environ["RAY_AUTH_TOKEN"]).start()
    assert all(os.environ.get(k) == v for k, v in cluster.client_env.items())  # set at the top of this file
    import ray

    try:
        yield cluster
    finally:
        ray.shutdown()
        cluster.stop()


def open_page(name: str, timeout: float = 60, **params) -> AppTest:
    """Run ``pages/<name>.py`` in AppTest with these query parameters (None values left out)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(REPO / "pages" / f"{name}.py"), default_timeout=timeout)
    for key, value in params.items():
        if value is not None:
            at.query_params[key] = value
    return at.run()


def preset_selector(at):
    """The Architecture page's preset selector; its key names the entry it was drawn with (ui.sections.architecture
    .preset_key), and that is the entry it shows."""
    from ui.sections.architecture import preset_key

    boxes = [box for box in at.selectbox if str(box.key).startswith(preset_key(""))]
    assert len(boxes) == 1, [box.key for box in at.selectbox]
    assert boxes[0].key == preset_key(boxes[0].value), (boxes[0].key, boxes[0].value)
    return boxes[0]


def no_exceptions(at) -> None:
    assert not at.exception, [e.value for e in at.exception]


def shown_table(element):
    """What a person reads in an AppTest dataframe: a Styler's display values where the frame has one."""
    import pyarrow as pa

    styler = element.proto.arrow_data.styler
    if not styler.display_values:
        return element.value
    return pa.ipc.open_stream(styler.display_values).read_all().to_pandas()


def app_store():
    """The storage the app's pages use (the test session's SQLite file unless a test points elsewhere)."""
    from ui.shell import workspace

    return workspace._open_store()


@pytest.fixture
def app_env(monkeypatch):
    """Server settings for one test: ``app_env(CNN_PLAYGROUND_MEMORY_MB="100")``.

    The app reads its settings once per server (``ui.shell.resources.settings``): they are read again now and,
    once the test's environment is back, after it.
    """
    from ui.shell import resources

    def set_env(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name, value)
        resources.settings.clear()

    yield set_env
    resources.settings.clear()


INSTRUCTOR_KEY = "s3cret-key-for-tests"


def start_timed_training(at, seconds: int = 5):
    """On the Train page's AppTest: train for a time budget of ``seconds``; returns the job started."""
    at.radio(key="w_mode").set_value("time").run()
    at.slider(key="w_budget").set_value(seconds).run()
    at.button(key="start").click().run()
    return at.session_state["job"]


def start_short_training(at, epochs: int = 1):
    """On the Train page's AppTest: train for ``epochs`` passes; returns the job started. On the fast tier's small
    synthetic datasets a pass is a few steps (a test that needs a run, not what it learns, takes this)."""
    at.radio(key="w_mode").set_value("epochs").run()
    at.slider(key="w_epochs").set_value(epochs).run()
    at.button(key="start").click().run()
    return at.session_state["job"]


def draw_default(digit_runs) -> int | str:
    """What the Draw page starts on among these digits runs and the shipped model, by the app's rule
    (``cnn_core.store.runs.default_run``): the most accurate; "shipped" where no run beats it. A run on the small
    synthetic digits can (100 %), one on real MNIST in a test's seconds cannot."""
    from cnn_core.nn.pretrained import load_pretrained
    from cnn_core.store import runs as core_runs

    best = core_runs.default_run(list(digit_runs), load_pretrained().meta["test_accuracy"])
    return "shipped" if best is None else best.id


def open_room(page, title: str | None = None):
    """The instructor (key INSTRUCTOR_KEY, set with ``app_env``) opens a room; returns (their AppTest, its code).

    ``page(name, **params)`` opens a page the calling test's way (its language).
    """
    teacher = page("room")
    teacher.text_input(key="w_instructor_key").input(INSTRUCTOR_KEY).run()
    if title is not None:
        teacher.text_input(key="w_room_title").input(title)
    teacher.button[0].click().run()  # the form's submit button: open a room
    no_exceptions(teacher)
    return teacher, teacher.session_state["w_room_pick"]


def join_room(page, room: str, nickname: str):
    """A student opens the room's link and joins under ``nickname``; returns their AppTest."""
    student = page("room", room=room)
    student.text_input(key="w_nickname").input(nickname)  # in a form: sent with its button
    student.button[0].click().run()
    return student


# ------------------------------------------------------------------ browsers (tests/browsing.py)

@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright, one per test session (each test's page is a visitor of its own)."""
    from browsing import chromium

    with chromium() as b:
        yield b


@pytest.fixture(scope="session")
def server():
    """A real `streamlit run app.py` shared by every browser test that needs no server of its own (one with other
    settings, or whose first visit must be the server's first); yields its URL. Each test's page is a fresh
    visitor (its own session and workspace), and a test that starts a training ends it before it returns."""
    from browsing import streamlit_server

    with streamlit_server() as url:
        yield url


@pytest.fixture(scope="session")
def workshop_server():
    """A real server as a hosted workshop runs it (`streamlit run server.py`, the deployment files' command) with an
    instructor key (INSTRUCTOR_KEY), shared by the browser tests of rooms: each opens rooms of its own.
    (The shared ``server`` has no key: on it every visitor is a self-learner, with solutions on request.)"""
    from browsing import streamlit_server

    with streamlit_server("server.py", CNN_PLAYGROUND_INSTRUCTOR_KEY=INSTRUCTOR_KEY) as url:
        yield url


@pytest.fixture(scope="session")
def shared_context(browser, server):
    """The browser context whose tabs the browser tests' visitors are (tests/browsing.visitors_context)."""
    from browsing import visitors_context

    with visitors_context(browser, server) as context:
        yield context


@pytest.fixture
def visitors(shared_context):
    """The shared context, for a test that opens visitors' tabs (tests/browsing.visitor_tab); what they kept in it
    (cookies, localStorage) is cleared after the test (tests/browsing.forget_visits)."""
    from browsing import forget_visits

    yield shared_context
    forget_visits(shared_context)


@pytest.fixture
def page(visitors):
    """A fresh visitor's page in Chromium: a new tab, its own Streamlit session and workspace, nothing kept."""
    from browsing import visitor_tab

    with visitor_tab(visitors) as tab:
        yield tab


# ------------------------------------------------------------------ shared inputs

# Hostile text: markup, scripts, links, Markdown and LaTeX that must reach every page as plain text.
PAYLOADS = ["<img src=x onerror=alert(1)>", "<script>alert(2)</script>", "[x](javascript:alert(3))",
            "![t](http://127.0.0.1:1/t.png)", "# big", "$\\href{javascript:alert(4)}{x}$", ":red[x]",
            "&lt;b&gt;", "line\nbreak", "*a* _b_ `c` ~~d~~ | e |"]


def canvas_sends(monkeypatch, data_url) -> None:
    """From now on the canvas component answers with ``data_url``, as the browser's message after a stroke.

    The component itself is stood in for (AppTest has no browser to draw in),
    so everything the app does with the message runs for real.
    """
    sent = {"drawing": {"raw": {"objects": []}, "data": data_url}, "backgroundFit": None}
    monkeypatch.setattr(sys.modules["streamlit_drawable_canvas"], "out", lambda **kwargs: sent)


def seven() -> np.ndarray:
    rgba = np.zeros((280, 280, 4), dtype=np.uint8)
    rgba[50:70, 60:220] = 255  # the top bar
    for i in range(150):
        rgba[70 + i, 200 - i // 2:220 - i // 2] = 255
    return rgba

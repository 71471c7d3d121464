"""A fresh server's warm-up, in the background: the heavy imports, then a throwaway training.

On a fresh server several sessions start at once, and a live-plot fragment
can be the first code to touch pandas or Plotly's figures. Two threads
importing a package with internal cycles at the same moment can see it
half-initialised ("partially initialized module 'pandas'"). So the heavy
modules are imported once, under one lock (:func:`import_heavy_modules`).

``app.py`` calls :func:`start_warm_up` at the first page: a thread takes the
lock and imports them (torch alone takes seconds), then trains a throwaway
network for a few steps (:func:`cnn_core.train.jobs.warm_up_in_background`), so the first Train press
does not pay torch's one-time set-up (see ``benchmarks/bench_first_point.py``).
No visitor waits for that: Home, a fresh server's first page, imports none of
these modules (``tests/app/test_app_pages.py`` checks it) and is drawn at once;
every other page calls :func:`import_heavy_modules` first, which waits for the
thread's imports only if they are still under way.
"""

from __future__ import annotations

import importlib
import threading

MODULES = ("numpy", "pandas", "pyarrow", "plotly.graph_objects", "plotly.io",
           "PIL.Image", "torch", "torch.nn.functional")
_lock = threading.Lock()  # held while the heavy modules are imported
_done = False
_start_lock = threading.Lock()
_started = False


def import_heavy_modules() -> None:
    global _done
    if _done:
        return
    with _lock:
        if not _done:
            for name in MODULES:
                importlib.import_module(name)
            _done = True


def start_warm_up(on_ray: bool | None = None) -> bool:
    """Start, once per process, the warm-up thread: the heavy imports, then (for trainings in this process, not
    on a Ray cluster) the throwaway training; True the first time. Without ``on_ray`` it reads the server's
    settings (from a script run)."""
    global _started
    with _start_lock:
        if _started:
            return False
        _started = True
    train_here = (_on_ray() if on_ray is None else on_ray) is False  # None: a wrong setting, said on every page

    def run():
        import_heavy_modules()
        if train_here:
            from cnn_core.train.jobs import warm_up_in_background

            warm_up_in_background()

    threading.Thread(target=run, name="cnn-playground-warm-up-imports", daemon=True).start()
    return True


def _on_ray() -> bool | None:
    """Whether trainings run on a Ray cluster; None when a setting is wrong."""
    from cnn_core.base.env import SettingError
    from ui.shell import resources

    try:
        return bool(resources.settings().ray_address)
    except SettingError:
        return None

"""Import, once and under one lock, the modules that fragments and charts would otherwise import lazily.

On a fresh server several sessions start at once, and a live-plot fragment
can be the first code to touch pandas or plotly.subplots. Two threads
importing a package with internal cycles at the same moment can see it
half-initialised ("partially initialized module 'pandas'"). ``app.py`` calls
:func:`import_heavy_modules` before any page or fragment runs; the lock makes
the first session do the imports while the others wait, then it costs nothing.

:func:`warm_up_training` also trains a throwaway network for a few steps in
a low-priority thread, so the first Train press of a fresh server does not pay
torch's one-time set-up (see ``benchmarks/bench_first_point.py``).
"""

from __future__ import annotations

import importlib
import threading

MODULES = ("numpy", "pandas", "pyarrow", "plotly.graph_objects", "plotly.subplots", "plotly.io",
           "PIL.Image", "torch", "torch.nn.functional")
_lock = threading.Lock()
_done = False


def import_heavy_modules() -> None:
    global _done
    if _done:
        return
    with _lock:
        if not _done:
            for name in MODULES:
                importlib.import_module(name)
            _done = True


def warm_up_training() -> None:
    """Once per server process, in the background: not when trainings run on a Ray cluster."""
    from cnn_core.base.env import SettingError
    from cnn_core.train.jobs import warm_up_in_background
    from ui.shell import resources

    try:
        on_ray = bool(resources.settings().ray_address)
    except SettingError:  # every page says what to fix (ui/shell/session.py) and the app stops there
        return
    if not on_ray:
        warm_up_in_background()

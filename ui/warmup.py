"""Import, once and under one lock, the modules that fragments and charts would otherwise import lazily.

On a fresh server several sessions start at once, and a live-plot fragment
can be the first code to touch pandas or plotly.subplots. Two threads
importing a package with internal cycles at the same moment can see it
half-initialised ("partially initialized module 'pandas'"). ``app.py`` calls
:func:`import_heavy_modules` before any page or fragment runs; the lock makes
the first session do the imports while the others wait, then it costs nothing.
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

"""The first call of every page: session state, the URL and the visitor's workspace.

:mod:`ui.base.state` owns the keys and the URL; the workspace (:mod:`ui.shell.workspace`) builds on it, so the
call that needs both lives here, above them.
"""

from __future__ import annotations

from ui.base import state
from ui.shell import workspace


def init_state() -> None:
    """Every page calls this first (a page can be opened by URL)."""
    if state.init_state():
        workspace.restore_from_url(state.param("ws"))
    else:
        workspace.keep_url()
    workspace.visit()
    state.keep_widgets()

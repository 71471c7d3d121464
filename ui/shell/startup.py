"""What a server does as it starts, before any visitor: say whether it has an instructor key, start the warm-up.

Called by ``server.py``'s start-up hook (``streamlit run server.py``). Under
``streamlit run app.py`` Streamlit runs no app code until the first browser
connects, and ``app.py`` does the same two things at that first page.
"""

from __future__ import annotations

import logging
import sys

from cnn_core.base.env import SettingError
from cnn_core.settings import Settings
from ui.shell import instructor, warmup

log = logging.getLogger(__name__)


def at_server_start() -> None:
    try:
        settings = Settings.load(sys.argv[1:])  # `streamlit run server.py -- --data-dir DIR`: the flags after it
    except SettingError as err:  # said now, where the operator looks, and on every page (ui/shell/session.py)
        log.error("The app cannot start: %s Every page says so until the server is started again with it "
                  "fixed.", err)  # the variable and what it takes; a refused key's value is never said
        return
    instructor.log_key_state(settings)
    warmup.start_warm_up(on_ray=bool(settings.ray_address))

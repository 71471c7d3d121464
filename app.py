"""CNN Playground: `streamlit run app.py` (add `-- --data-dir DIR` to point at existing datasets)."""

import streamlit as st

from ui.shell.component_texts import hide_builtin_hints
from ui.shell.warmup import import_heavy_modules, warm_up_training

st.set_page_config(page_title="CNN Playground", page_icon="🧠", layout="wide")
hide_builtin_hints()  # first, so Streamlit's own English ("Stop", input hints) is hidden before anything shows
import_heavy_modules()  # before any page or live-plot fragment can race another session on a first import
warm_up_training()  # the first Train press then does not pay torch's one-time set-up

from ui.base.i18n import t  # noqa: E402
from ui.base.nav import PAGES  # noqa: E402
from ui.sections.room import log_key_state  # noqa: E402
from ui.shell import session  # noqa: E402

session.init_state()
log_key_state()  # once per server: the log says when nobody could open a room
st.navigation([st.Page(p.path, title=t(p.title_key), icon=p.icon, url_path=p.url_path, default=p.default)
               for p in PAGES]).run()

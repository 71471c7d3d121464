"""CNN Playground: `streamlit run app.py` (add `-- --data-dir DIR` to point at existing datasets)."""

import streamlit as st

from ui.shell.component_texts import hide_builtin_hints
from ui.shell.warmup import import_heavy_modules, start_warm_up

st.set_page_config(page_title="CNN Playground", page_icon="🧠", layout="wide")
hide_builtin_hints()  # first, so Streamlit's own English ("Stop", input hints) is hidden before anything shows

from ui.base.i18n import t  # noqa: E402
from ui.base.nav import PAGES  # noqa: E402
from ui.shell import session, workspace  # noqa: E402
from ui.shell.instructor import log_key_state  # noqa: E402

session.init_state()
log_key_state()  # once per server, at its first page (Streamlit runs no app code at start): the log says when
# nobody could open a room
page = st.navigation([st.Page(p.path, title=t(p.title_key), icon=p.icon, url_path=p.url_path, default=p.default)
                      for p in PAGES])
workspace.opened_page(page.url_path)  # a page opened anew reads the workspace's runs as they are now
if page.url_path:  # every page but Home (a fresh server's first) draws charts or trains: the heavy modules first,
    import_heavy_modules()  # waiting for the warm-up's imports if they are under way (never racing them)
try:
    page.run()
finally:  # once per process, after the page (the imports' Python would slow its drawing): torch's imports and
    start_warm_up()  # one-time set-up in the background (at once under `streamlit run server.py`)

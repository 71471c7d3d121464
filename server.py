"""`streamlit run server.py`: the app of app.py, with what a server does at start done as it starts.

`streamlit run app.py` runs none of the app's code until the first browser
connects, so only then can its log say the server has no instructor key, and
only then does the warm-up (torch's imports and set-up) begin. Streamlit's
ASGI entry point, an ``st.App`` that `streamlit run` finds in this file, has a
start-up hook: here it says the key's state in the log and starts the warm-up
before anyone opens a page (ui/shell/startup.py). Everything else is app.py.
"""

import contextlib

import streamlit as st


@contextlib.asynccontextmanager
async def lifespan(_app):
    from ui.shell.startup import at_server_start

    at_server_start()
    yield


app = st.App("app.py", lifespan=lifespan)

"""Home: what the playground teaches, and where each part is."""

import streamlit as st

from ui import state
from ui.i18n import page_header, t

state.init_state()
page_header("home.title", "home.intro")
for page, icon in (("architecture", "🧱"), ("train", "🏋️"), ("draw", "✏️"), ("inside", "🔬"),
                   ("exercises", "🎓")):
    st.page_link(f"pages/{page}.py", label=t(f"nav.{page}"), icon=icon)
    st.caption(t(f"home.{page}"))
st.info(t("home.tutorial_numbers"))

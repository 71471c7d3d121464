"""Home: what the playground teaches, and where each part is."""

import streamlit as st

from ui import state
from ui.i18n import t
from ui.layout import page_header
from ui.nav import PAGES

state.init_state()
page_header("home.title", "home.intro")
for page in PAGES:
    if page.default:
        continue  # this page
    st.page_link(page.path, label=t(page.title_key), icon=page.icon)
    st.caption(t(page.home_key))
st.info(t("home.tutorial_numbers"))

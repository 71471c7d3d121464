"""Home: what a CNN is, the suggested 90-minute path through the pages, and the teacher's guide."""

import streamlit as st

from ui.base.i18n import lang, t
from ui.base.nav import PAGES
from ui.shell import resources, session, workspace
from ui.shell.layout import page_header

session.init_state()
page_header("home.title", "home.intro")
st.subheader(t("home.cnn_title"))
st.markdown(t("home.cnn_text"))
st.info(t("home.tutorial_numbers"))
st.subheader(t("home.path_title"))
st.caption(t("home.path_intro"))
steps = [page for page in PAGES if page.minutes]
measured = workspace.promised_accuracy("mnist")  # what this server measured, never a figure typed in a text
for n, page in enumerate(steps, start=1):
    st.page_link(page.path, label=t("home.step", n=n, page=t(page.title_key), minutes=page.minutes),
                 icon=page.icon)
    st.caption(t(page.home_key, **measured))
for page in PAGES:  # pages beside the path (your runs, the workshop room)
    if not page.default and not page.minutes:
        st.page_link(page.path, label=t(page.title_key), icon=page.icon)
        st.caption(t(page.home_key))
st.download_button(t("home.guide"), resources.teachers_guide(lang()), file_name=f"teachers-guide.{lang()}.md",
                   mime="text/markdown", key="teachers_guide", help=t("home.guide_help"))

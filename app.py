"""CNN Playground: `streamlit run app.py` (add `-- --data-dir DIR` to point at existing datasets)."""

import streamlit as st

from ui import state
from ui.i18n import t

st.set_page_config(page_title="CNN Playground", page_icon="🧠", layout="wide")
state.init_state()

PAGES = [
    st.Page("pages/home.py", title=t("nav.home"), icon="🏠", default=True),
    st.Page("pages/architecture.py", title=t("nav.architecture"), icon="🧱", url_path="architecture"),
    st.Page("pages/train.py", title=t("nav.train"), icon="🏋️", url_path="train"),
    st.Page("pages/draw.py", title=t("nav.draw"), icon="✏️", url_path="draw"),
    st.Page("pages/inside.py", title=t("nav.inside"), icon="🔬", url_path="inside"),
    st.Page("pages/exercises.py", title=t("nav.exercises"), icon="🎓", url_path="exercises"),
]
st.navigation(PAGES).run()

"""The app's pages, listed once: app.py builds the menu from this list and Home links to it.

Adding a page is one entry here (plus its file in ``pages/`` and its texts
``nav.<name>`` and ``home.<name>`` in every locale file). This module holds
data only; it does not import Streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NavPage:
    name: str  # "train": the title is t("nav.train"), Home's line about it t("home.train")
    icon: str
    path: str  # the script, relative to the repository root
    url_path: str | None  # None for the default page, which lives at "/"

    @property
    def title_key(self) -> str:
        return f"nav.{self.name}"

    @property
    def home_key(self) -> str:
        return f"home.{self.name}"

    @property
    def default(self) -> bool:
        return self.url_path is None


PAGES = (
    NavPage("home", "🏠", "pages/home.py", None),
    NavPage("architecture", "🧱", "pages/architecture.py", "architecture"),
    NavPage("train", "🏋️", "pages/train.py", "train"),
    NavPage("draw", "✏️", "pages/draw.py", "draw"),
    NavPage("inside", "🔬", "pages/inside.py", "inside"),
    NavPage("exercises", "🎓", "pages/exercises.py", "exercises"),
)

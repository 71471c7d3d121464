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
    minutes: int = 0  # its step in Home's suggested 90-minute path (0: not a step)

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
    NavPage("architecture", "🧱", "pages/architecture.py", "architecture", minutes=15),
    NavPage("train", "🏋️", "pages/train.py", "train", minutes=20),
    NavPage("draw", "✏️", "pages/draw.py", "draw", minutes=10),
    NavPage("inside", "🔬", "pages/inside.py", "inside", minutes=20),
    NavPage("exercises", "🎓", "pages/exercises.py", "exercises", minutes=25),
    NavPage("runs", "📊", "pages/runs.py", "runs"),
    NavPage("room", "👥", "pages/room.py", "room"),
)

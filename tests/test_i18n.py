"""Spanish and English everywhere: complete tables, and no text on a page from outside them."""

import re

import pytest
from streamlit.testing.v1 import AppTest

from cnn_core.errors import MESSAGES_EN, NOTES_EN
from ui import i18n

from conftest import REPO

TITLE_KEYS = {"architecture": "arch.title", "train": "train.title", "draw": "draw.title",
              "inside": "inside.title", "exercises": "ex.title"}
PAGES = list(TITLE_KEYS)
SOURCES = [*REPO.glob("pages/*.py"), *REPO.glob("ui/*.py"), REPO / "app.py"]


def test_every_key_has_both_languages():
    for key, pair in i18n.TEXTS.items():
        assert len(pair) == 2 and all(isinstance(s, str) and s.strip() for s in pair), key


def test_both_languages_take_the_same_placeholders():
    for key, (es, en) in i18n.TEXTS.items():
        assert set(re.findall(r"{(\w+)", es)) == set(re.findall(r"{(\w+)", en)), key


def test_every_core_error_and_note_is_translated():
    for key in [*MESSAGES_EN, *NOTES_EN]:
        assert key in i18n.TEXTS, key


def test_every_literal_key_used_in_the_app_exists():
    used = set()
    for path in SOURCES:
        text = path.read_text()
        used |= set(re.findall(r'\bt\("([a-z_.\-]+)"', text))
        for title, intro in re.findall(r'page_header\("([a-z_.]+)", "([a-z_.]+)"\)', text):
            used |= {title, intro}
        for prefix in re.findall(r'labeller\("([a-z_.\-]+)"\)', text):
            assert any(k.startswith(prefix) for k in i18n.TEXTS), prefix
    missing = sorted(k for k in used if k not in i18n.TEXTS)
    assert not missing, missing


MARK = "\u27e6"  # ⟦: every translated text starts with it in the next test


def visible_texts(at: AppTest) -> list[str]:
    texts = []
    for kind in ("title", "header", "subheader", "caption", "info", "success", "warning", "error"):
        texts += [e.value for e in getattr(at, kind)]
    texts += [m.value for m in at.markdown if not m.value.startswith("<div")]
    for kind in ("button", "radio", "slider", "select_slider", "selectbox", "checkbox", "toggle",
                 "text_input", "number_input", "expander", "tabs"):
        texts += [w.label for w in getattr(at, kind)]
    texts += [m.label for m in at.metric]
    return [t for t in texts if t and not re.fullmatch(r"[\d\s.,%×→·-]*", t)]


@pytest.mark.realdata
@pytest.mark.parametrize("name", PAGES)
def test_pages_show_no_text_that_is_not_in_the_tables(name, monkeypatch, real_data_dir):
    marked = {k: (f"{MARK}{es}", f"{MARK}{en}") for k, (es, en) in i18n.TEXTS.items()}
    monkeypatch.setattr(i18n, "TEXTS", marked)
    at = AppTest.from_file(str(REPO / "pages" / f"{name}.py"), default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    texts = visible_texts(at)
    assert texts
    stray = [t for t in texts if MARK not in t]
    assert not stray, f"{name} shows text outside the translation tables: {stray}"


@pytest.mark.realdata
@pytest.mark.parametrize("name", PAGES)
def test_language_switch_changes_every_page(name, real_data_dir):
    at = AppTest.from_file(str(REPO / "pages" / f"{name}.py"), default_timeout=60)
    at.run()
    assert at.session_state["lang"] == "es"  # Spanish by default: the course is Spanish
    spanish = at.title[0].value
    assert spanish == i18n.TEXTS[TITLE_KEYS[name]][0]
    at.radio(key="w_lang").set_value("en").run()
    assert not at.exception
    assert at.session_state["lang"] == "en"
    assert at.title[0].value != spanish
    assert at.sidebar.radio(key="w_lang").value == "en"
    assert at.query_params["lang"] in ("en", ["en"])


def test_language_from_the_url_and_bad_values_fall_back():
    at = AppTest.from_file(str(REPO / "pages" / "architecture.py"), default_timeout=60)
    at.query_params["lang"] = "en"
    at.run()
    assert at.title[0].value.endswith("Architecture")
    bad = AppTest.from_file(str(REPO / "pages" / "architecture.py"), default_timeout=60)
    bad.query_params["lang"] = "xx<script>"
    bad.run()
    assert not bad.exception and bad.session_state["lang"] == "es"

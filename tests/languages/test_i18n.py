"""Spanish and English everywhere: complete tables, and no text on a page from outside them."""

import re

import pytest
from conftest import REPO
from streamlit.testing.v1 import AppTest

from cnn_core.base import texts

TITLE_KEYS = {"architecture": "arch.title", "train": "train.title", "draw": "draw.title",
              "inside": "inside.title", "exercises": "ex.title", "runs": "runs.title", "room": "room.page_title"}
PAGES = list(TITLE_KEYS)
SOURCES = [*REPO.glob("pages/*.py"), *REPO.glob("ui/**/*.py"), REPO / "app.py"]


ALL_KEYS = set(texts.table(texts.DEFAULT_LANG))


def test_every_page_of_the_menu_is_opened_by_the_page_tests():
    # The "add a page" recipe (docs/architecture.md): a new NavPage is opened below in both languages.
    from ui.base.nav import PAGES as MENU

    assert {p.name for p in MENU if not p.default} == set(PAGES)


def test_languages_come_from_the_files_default_first():
    assert texts.languages()[0] == "es"
    assert set(texts.languages()) == {p.stem for p in texts.LOCALES_DIR.glob("*.toml")} >= {"es", "en"}


@pytest.mark.parametrize("lang", texts.languages())
def test_every_file_has_every_key_with_text(lang):
    table = texts.table(lang)
    assert set(table) == ALL_KEYS, sorted(set(table) ^ ALL_KEYS)
    assert all(isinstance(v, str) and v.strip() for v in table.values())


@pytest.mark.parametrize("lang", texts.languages())
def test_every_file_takes_the_same_placeholders(lang):
    base, table = texts.table(texts.DEFAULT_LANG), texts.table(lang)
    for key in ALL_KEYS:
        assert set(re.findall(r"{(\w+)", base[key])) == set(re.findall(r"{(\w+)", table[key])), (lang, key)


def test_the_drawing_hint_speaks_to_a_finger_as_well_as_a_mouse():
    """Phones draw too: the Draw page's hint names no mouse, nor letting go of its button (the walk checks that the
    page shows it, tests/browser/test_spanish_walk.py)."""
    es, en = texts.table("es")["draw.intro"], texts.table("en")["draw.intro"].lower()
    assert "ratón" not in es and "suelta" not in es, es
    assert "mouse" not in en and "release" not in en, en


def test_every_core_error_and_note_is_translated():
    core = "\n".join(p.read_text() for p in (REPO / "cnn_core").rglob("*.py"))
    used = set(re.findall(r'"((?:err|note)\.[a-z_0-9]+)"', core))
    assert used and used <= ALL_KEYS, sorted(used - ALL_KEYS)


def test_every_literal_key_used_in_the_app_exists():
    used = set()
    for path in SOURCES:
        text = path.read_text()
        used |= set(re.findall(r'\bt\("([a-z_.\-]+)"', text))
        for title, intro in re.findall(r'page_header\("([a-z_.]+)", "([a-z_.]+)"\)', text):
            used |= {title, intro}
        for prefix in re.findall(r'labeller\("([a-z_.\-]+)"\)', text):
            assert any(k.startswith(prefix) for k in ALL_KEYS), prefix
    missing = sorted(k for k in used if k not in ALL_KEYS)
    assert not missing, missing


MARK = "\u27e6"  # ⟦: every translated text starts with it in the next test
MARKED: dict[str, dict[str, str]] = {}


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
    for lang in texts.languages():
        marked = {k: v if k.startswith("_meta.") else f"{MARK}{v}" for k, v in texts.table(lang).items()}
        monkeypatch.setitem(MARKED, lang, marked)
    monkeypatch.setattr(texts, "table", MARKED.__getitem__)
    at = AppTest.from_file(str(REPO / "pages" / f"{name}.py"), default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    shown = visible_texts(at)
    assert shown
    stray = [t for t in shown if MARK not in t]
    assert not stray, f"{name} shows text outside the translation tables: {stray}"


@pytest.mark.realdata
@pytest.mark.parametrize("name", PAGES)
def test_language_switch_changes_every_page(name, real_data_dir):
    at = AppTest.from_file(str(REPO / "pages" / f"{name}.py"), default_timeout=60)
    at.run()
    assert at.session_state["lang"] == "es"  # Spanish by default: the course is Spanish
    spanish = at.title[0].value
    assert spanish == texts.table("es")[TITLE_KEYS[name]]
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


def test_every_page_in_the_menu_has_its_texts_and_file():
    from ui.base.nav import PAGES as MENU

    for page in MENU:
        assert (REPO / page.path).exists(), page.path
        assert page.title_key in ALL_KEYS and (page.default or page.home_key in ALL_KEYS), page.name


@pytest.mark.parametrize("key, value", [("f", "x"), ("dense", "x"), ("k", "x"), ("ps", "x"), ("pe", "x"),
                                        ("pe", "9"), ("cls", "x")])
def test_a_bad_number_in_a_link_names_its_field_in_every_language(key, value):
    from cnn_core.nn.architecture import PRESETS, ArchitectureError, apply_overrides

    with pytest.raises(ArchitectureError) as caught:
        apply_overrides(PRESETS["tutorial"], {key: value})
    field = caught.value.params["field"]
    for lang in texts.languages():
        assert f"field.{field}" in texts.table(lang), (lang, field)  # else the reader sees the core's name

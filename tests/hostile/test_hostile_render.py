"""Text from users, files and URLs never reaches HTML: the source is checked, and the escaping itself.

The browser test (test_hostile_browser.py) proves it in Chromium; these run
in a second and guard every future page.
"""

from __future__ import annotations

import ast
import re

import pytest
from conftest import PAYLOADS, REPO

SOURCES = sorted([REPO / "app.py", *REPO.glob("pages/*.py"), *REPO.glob("ui/**/*.py")])
# Streamlit calls that render their text argument as Markdown (HTML only with unsafe_allow_html).
MARKDOWN_CALLS = {"markdown", "caption", "write", "title", "header", "subheader", "success", "info", "warning", "table",
                  "error", "toast", "latex", "help"}


# The one module that puts a script in the page with st.html: the Inside player and its scroll (their scripts are
# ui/charts/static/*.js). It sends data as JSON (every "<" escaped) and its script sets every text with
# textContent; tests/app/test_player.py feeds it hostile text.
SCRIPT_MODULE = "player.py"
# The one module that lets Markdown through as HTML: Streamlit's own English hidden by a constant style sheet
# (ui/shell/component_texts.py, HINTS_MARKUP), the first element of every run; checked below to be that and only that.
STYLE_MODULE = "component_texts.py"


def test_no_html_rendering_anywhere_in_the_app():
    offenders = []
    for path in SOURCES:
        text = path.read_text()
        for pattern in (r"unsafe_allow_html", r"\bst\.html\(", r"components\.v1", r"components\.html",
                        r"\.iframe\(", r"innerHTML", r"insertAdjacentHTML", r"document\.write"):
            if path.name == SCRIPT_MODULE and pattern == r"\bst\.html\(":
                continue
            if path.name == STYLE_MODULE and pattern == r"unsafe_allow_html":
                continue
            offenders += [f"{path.name}: {pattern}" for _ in re.finditer(pattern, text)]
    assert not offenders, offenders


def test_the_browser_scripts_write_text_never_markup():
    """The app's JavaScript (ui/*/static/*.js, the only place it lives: tests/core/test_scripts.py) sets texts with
    textContent / nodeValue / attributes: nothing it is given is ever parsed as HTML or run as code."""
    scripts = sorted(REPO.glob("ui/*/static/*.js"))
    assert scripts
    offenders = [f"{path.name}: {pattern}" for path in scripts for pattern in
                 (r"innerHTML", r"outerHTML", r"insertAdjacentHTML", r"document\.write", r"\beval\(",
                  r"new Function", r"createContextualFragment", r"DOMParser")
                 for _ in re.finditer(pattern, path.read_text())]
    assert not offenders, offenders


def test_the_one_html_markdown_is_the_constant_style_sheet():
    """In ui/shell/component_texts.py exactly one call passes unsafe_allow_html: st.markdown(HINTS_MARKUP), a constant
    that is one <style> element and no other markup (no value from anywhere can reach it)."""
    from ui.shell import component_texts

    tree = ast.parse((REPO / "ui" / "shell" / STYLE_MODULE).read_text())
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)
             and any(k.arg == "unsafe_allow_html" for k in node.keywords)]
    assert len(calls) == 1 and ast.unparse(calls[0]) == "st.markdown(HINTS_MARKUP, unsafe_allow_html=True)"
    assigned = [node for node in tree.body if isinstance(node, ast.Assign)
                and any(getattr(t, "id", None) == "HINTS_MARKUP" for t in node.targets)]
    assert len(assigned) == 1  # bound once, at module level, from constants only
    assert all(isinstance(n, (ast.Constant, ast.Name, ast.Load, ast.BinOp, ast.Add)) for n in ast.walk(assigned[0].value))
    assert all(n.id == "HIDDEN_HINTS_CSS" for n in ast.walk(assigned[0].value) if isinstance(n, ast.Name))
    # ... and the one name in it is itself one literal, bound once: no text of a user, a file or a URL can reach it
    css = [node for node in tree.body if isinstance(node, ast.Assign)
           and any(getattr(t, "id", None) == "HIDDEN_HINTS_CSS" for t in node.targets)]
    assert len(css) == 1 and isinstance(css[0].value, ast.Constant) and isinstance(css[0].value.value, str)
    assert not [node for node in ast.walk(tree) if isinstance(node, (ast.AugAssign, ast.Global))
                and any(name in ast.unparse(node) for name in ("HIDDEN_HINTS_CSS", "HINTS_MARKUP"))]
    markup = component_texts.HINTS_MARKUP
    assert re.fullmatch(r"<style data-cnn-hints>[^<]*</style>", markup), markup


# Calls whose result is safe inside Markdown: translated texts, escaped values, formatted numbers.
SAFE_CALLS = {"t", "plain", "num", "pct", "error_text", "exercise_text", "answer_text", "str"}


def _unsafe_parts(node) -> list[ast.AST]:
    """Pieces of an f-string or a concatenation that are neither constants nor safe calls."""
    if isinstance(node, ast.JoinedStr):
        return [p for v in node.values for p in _unsafe_parts(v)]
    if isinstance(node, ast.FormattedValue):
        return _unsafe_parts(node.value)
    if isinstance(node, ast.BinOp):
        return _unsafe_parts(node.left) + _unsafe_parts(node.right)
    if isinstance(node, ast.Constant):
        return []
    if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) in SAFE_CALLS:
        return []
    return [node]


def test_no_value_is_pasted_into_markdown_unescaped():
    """Markdown text is t(key, ...) (user values through plain()), or built only of such pieces."""
    offenders = []
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in MARKDOWN_CALLS and node.args
                    and isinstance(node.args[0], (ast.JoinedStr, ast.BinOp)) and _unsafe_parts(node.args[0])):
                offenders.append(f"{path.name}:{node.lineno} st.{node.func.attr}: {ast.unparse(node.args[0])}")
    assert not offenders, offenders



@pytest.mark.parametrize("payload", PAYLOADS)
def test_plain_leaves_no_markdown_or_html_active(payload):
    from ui.base.i18n import plain

    out = plain(payload)
    # Every ASCII punctuation character is backslash-escaped, so CommonMark shows it as itself.
    punct = r"[!-/:-@\[-`{-~]"
    assert re.fullmatch(rf"(?:\\{punct}|(?!{punct}).)*", out) and "\n" not in out
    assert re.sub(r"\\(.)", r"\1", out) == payload.replace("\n", " ")


def test_plotly_labels_are_escaped_entities():
    import torch

    from ui.charts.figures import confusion, probabilities, text_label

    names = ["<b>bold</b>", "<a href='javascript:alert(1)'>x</a>"]
    assert text_label(names[1]) == "&lt;a href='javascript:alert(1)'&gt;x&lt;/a&gt;"  # Plotly shows &#x27; literally
    fig = probabilities([0.4, 0.6], names, "t")
    assert all("<" not in x for x in fig.data[0].x)
    fig = confusion(torch.ones(2, 2, dtype=torch.long), names, {"title": "t", "predicted": "p", "true": "q"})
    assert all("<" not in x for x in fig.data[0].x + fig.data[0].y)


def test_errors_show_file_text_literally():
    from cnn_core.base.errors import DataError, ModelFileError
    from cnn_core.base.texts import Message
    from ui.base.i18n import error_text

    text = error_text(DataError("err.zip_one_class", classes="[x](javascript:alert(1))"))
    assert "\\[x\\]\\(javascript\\:alert\\(1\\)\\)" in text
    nested = error_text(ModelFileError("err.model_corrupt", reason=Message(
        "err.bad_choice", {"field": "padding", "choices": "same, valid", "value": "<img src=x>"})))
    assert "\\<img src\\=x\\>" in nested


@pytest.mark.parametrize("lang", ["es", "en"])
def test_an_error_starting_with_a_file_name_keeps_it_exactly(lang, monkeypatch):
    from cnn_core.base.errors import ArchitectureError, DataError
    from cnn_core.base.texts import Message
    from ui.base import i18n

    monkeypatch.setattr(i18n, "lang", lambda: lang)
    text = i18n.error_text(DataError("err.zip_member", path="a/big.png", reason=Message("reason.zip_bad_checksum")))
    assert text.startswith("a\\/big\\.png ")  # Markdown-escaped, shown as a/big.png, never "A/big.png"
    field = i18n.error_text(ArchitectureError("err.bad_choice", field="padding", choices="same", value="x"))
    assert field[0].isupper()  # a field's name from the translation files still starts the sentence


@pytest.mark.parametrize("params, adjusted", [
    ({"k": "2", "pad": "valid"}, "k=2"), ({"f": "33,65"}, "f=33,65"), ({"dense": "99"}, "dense=99"),
    ({"k": "4", "pad": "valid", "f": "33"}, "k=4"),
])
def test_link_values_the_sliders_cannot_show_fall_back_with_a_notice(params, adjusted):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(REPO / "pages" / "architecture.py"), default_timeout=120)
    at.query_params["lang"] = "en"
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    notices = [w.value for w in at.warning if "cannot show" in w.value]
    assert notices and adjusted.replace(",", "\\,").replace("=", "\\=") in notices[0], [w.value for w in at.warning]
    arch = at.session_state["arch"]
    from cnn_core.nn.architecture import FILTER_CHOICES, KERNEL_SIZES, UNIT_CHOICES

    assert arch.kernel_size in KERNEL_SIZES and set(arch.out_channels) <= set(FILTER_CHOICES)
    assert set(arch.dense) <= set(UNIT_CHOICES)


@pytest.mark.parametrize("params", [{"bn": "yes"}, {"k": "<img src=x onerror=alert(1)>"},
                                    {"f": "[x](javascript:alert(1))"}, {"ds": "<b>x</b>"}])
def test_bad_link_values_are_named_without_markup(params):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(REPO / "pages" / "architecture.py"), default_timeout=120)
    at.query_params["lang"] = "en"
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception
    warnings = [w.value for w in at.warning]
    assert any("invalid value" in w for w in warnings), warnings
    assert not any("<img" in w or "](" in w for w in warnings)

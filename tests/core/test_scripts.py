"""The app's JavaScript lives in ui/*/static/*.js files only, each loaded by the module it belongs to.

A script inside a Python string cannot be linted or read as JavaScript and
invites pasting values into code; here the Python reads a .js file and hands
it its data as JSON (ui/base/scripts.py).
"""

from __future__ import annotations

import ast
import re

import pytest
from conftest import REPO

PYTHON = sorted([REPO / "app.py", *REPO.glob("pages/*.py"), *REPO.glob("ui/**/*.py")])
SCRIPTS = sorted(REPO.glob("ui/*/static/*.js"))
# What JavaScript looks like, and never a Python string in the app: an arrow or a function, the DOM,
# a script element with code written into it (a data element, or a script that is all interpolation, is fine).
JAVASCRIPT = re.compile(r"=>|\bfunction\s*\(|\bdocument\.|querySelector|addEventListener|MutationObserver"
                        r"|<script>(?!$)|<script(?![^>]*application/json)[^>]+>(?!$)")


def _string_parts(tree: ast.AST):
    """Every piece of literal text in a module but its docstrings (prose): strings, f-strings' literal parts."""
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node.lineno, node.value


def test_no_javascript_in_python_strings():
    offenders = []
    for path in PYTHON:
        for line, text in _string_parts(ast.parse(path.read_text(), str(path))):
            if JAVASCRIPT.search(text):
                offenders.append(f"{path.relative_to(REPO)}:{line}: {text[:60]!r}")
    assert not offenders, "JavaScript belongs in ui/<layer>/static/*.js: " + "; ".join(offenders)


def test_the_check_recognises_javascript_in_a_string():
    """The check above is not vacuous: the forms the app's scripts used to take inside Python are caught."""
    samples = ['export default function(component) {', "(() => { go(); })();",
               "<script>(() => { let tries = 0; })();</script>", "document.getElementById(x)"]
    assert all(JAVASCRIPT.search(s) for s in samples)
    assert not any(JAVASCRIPT.search(s) for s in ['<script type="application/json" id="', "<script>", "a => b"[:2]])


def test_every_script_is_loaded_by_its_module_and_nothing_loads_a_missing_one():
    loaded = set()
    for path in PYTHON:
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "script":
                assert [ast.unparse(a) for a in node.args[:1]] == ["__file__"], f"{path}: script(__file__, name)"
                loaded.add(path.parent / "static" / node.args[1].value)
    assert loaded == set(SCRIPTS), sorted(str(p.relative_to(REPO)) for p in loaded ^ set(SCRIPTS))


def _requirement(name: str) -> str:
    lines = (REPO / "requirements.txt").read_text().splitlines()
    return next(line.split("#")[0].strip() for line in lines if line.lower().startswith(name + ">"))


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: p.name)
def test_every_script_says_why_it_exists_and_what_it_is_pinned_to(path):
    """A header comment: what mounts it and why no Streamlit option does it; a script that reaches into
    Streamlit's or the canvas's own page names the version ranges of requirements.txt it was written for."""
    text = path.read_text()
    header = "\n".join(line for line in text.splitlines()[:30] if line.startswith("//"))
    assert "Why" in header and ".py" in header, path.name
    if re.search(r"data-testid|shadowRoot|st-key-", text.split("\n", len(header.splitlines()))[-1]):
        assert "PINNED" in header and _requirement("streamlit") in header, path.name
    if "shadowRoot" in text:
        assert _requirement("streamlit-drawable-canvas") in header, path.name


def test_the_texts_observer_is_batched_and_leaves_the_player_alone():
    """Streamlit redraws parts of the page often and the Inside player many times a second: the texts script
    looks at the page at most once per animation frame, and not at all for the player's own changes."""
    text = (REPO / "ui" / "shell" / "static" / "component_texts.js").read_text()
    observer = re.search(r"new MutationObserver\((\w+)\)", text).group(1)
    callback = re.search(rf"const {observer} = \(records\) => \{{(.*?)\n  \}};", text, re.S).group(1)
    assert "requestAnimationFrame" in callback and "records.every(inPlayer)" in callback
    assert ".cnnp-player" in re.search(r"const inPlayer = .*?\n  \};", text, re.S).group(0)


def test_the_app_compiles_without_warnings_and_silences_none():
    """No invalid escape sequence (a script's "\\d" in a plain Python string) and no filter hiding one."""
    import warnings

    for path in PYTHON:
        text = path.read_text()
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a SyntaxWarning becomes an error naming the file and line
            compile(text, str(path), "exec")
        assert not re.search(r"warnings\.(filterwarnings|simplefilter)", text), path.relative_to(REPO)

"""The codebase's shape: one place for each fact, no import circles, a command line that stays light.

Adding a dataset is one registry entry plus its texts; adding a language is
one locale file; ``cnn_core`` has no import cycles; ``summary`` does not load
torch. Each is shown here the way a contributor would do it.
"""

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from conftest import REPO
from streamlit.testing.v1 import AppTest

from cnn_core.base import texts
from cnn_core.cli import main as cli
from cnn_core.data import registry as datasets
from cnn_core.data.loading import ImageData, load_dataset

TIMEOUT = 60


# ------------------------------------------------------------------ imports

def _tool(name: str) -> str:
    path = shutil.which(name) or str(Path(sys.executable).parent / name)
    if not Path(path).exists():
        pytest.fail(f"{name} is not installed: pip install -r requirements-dev.txt", pytrace=False)
    return path


def test_the_layers_hold_as_import_linter_checks_them():
    # The contracts live in pyproject.toml: cnn_core's layers, ui's groups, no Streamlit in the engine.
    out = subprocess.run([_tool("lint-imports")], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    assert "Contracts: 3 kept, 0 broken." in out.stdout


def test_ruff_passes():
    out = subprocess.run([_tool("ruff"), "check", "."], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout[-3000:]


@pytest.mark.slow  # a fresh interpreter importing every engine module, torch included: seconds of CPU
def test_the_engine_imports_without_streamlit_at_run_time():
    # import-linter sees the static imports; this imports every module for real, the lazy ones included.
    code = ("import importlib, pkgutil, sys, cnn_core\n"
            "for m in pkgutil.walk_packages(cnn_core.__path__, 'cnn_core.'):\n"
            "    if not m.name.endswith('__main__') and '.migrations.' not in m.name:\n"
            "        importlib.import_module(m.name)\n"
            "assert 'cnn_core.cli.train' in sys.modules and 'cnn_core.store.storage' in sys.modules\n"
            "assert 'streamlit' not in sys.modules, 'cnn_core imported streamlit'")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


@pytest.mark.slow  # Ray's client among them: a few seconds of imports
def test_every_benchmark_imports_as_the_readme_runs_it():
    # `python -m benchmarks.NAME` (README, "Benchmarks"): one benchmark once imported a sibling by its bare name,
    # which only worked from inside benchmarks/.
    names = sorted(p.stem for p in (REPO / "benchmarks").glob("*.py") if p.stem != "__init__")
    code = "import importlib, sys\nfor name in sys.argv[1:]:\n    importlib.import_module('benchmarks.' + name)"
    out = subprocess.run([sys.executable, "-c", code, *names], cwd=REPO, capture_output=True, text=True,
                         timeout=TIMEOUT)
    assert len(names) >= 10 and out.returncode == 0, out.stderr[-2000:]


def test_summary_runs_without_importing_torch():
    code = ("import sys; from cnn_core.cli.main import main; rc = main(['summary', '--json']); "
            "assert rc == 0; assert 'torch' not in sys.modules, 'summary imported torch'")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert '"total_params": 208982' in out.stdout


# ------------------------------------------------------------------ a new dataset is one entry

def tiny_loader(data_dir, download) -> ImageData:
    """Two synthetic classes of 12×12 grey images: bright on the left or on the right."""
    g = torch.Generator().manual_seed(0)
    y = torch.randint(0, 2, (300,), generator=g)
    x = torch.randint(0, 40, (300, 1, 12, 12), generator=g, dtype=torch.uint8)
    x[y == 0, :, :, :6] += 200
    x[y == 1, :, :, 6:] += 200
    return ImageData("tiny", ["left", "right"], x[:240], y[:240], x[240:], y[240:])


@pytest.fixture
def tiny_dataset(monkeypatch):
    """A dataset registered as a contributor would: one entry, its name and class names in every language."""
    info = datasets.DatasetInfo("tiny", ("left", "right"), (12, 12, 1), mirror_safe=False, load=tiny_loader)
    monkeypatch.setitem(datasets.REGISTRY, "tiny", info)
    for lang, words in (("es", ("Diminuto", "izquierda", "derecha")), ("en", ("Tiny", "left", "right"))):
        table = texts.table(lang)
        monkeypatch.setitem(table, "dataset.tiny", words[0])
        monkeypatch.setitem(table, "class.tiny.0", words[1])
        monkeypatch.setitem(table, "class.tiny.1", words[2])
    yield info
    from ui.shell import resources

    resources.dataset.clear()


def test_a_registered_dataset_is_offered_by_the_command_line(tiny_dataset, capsys):
    parser = cli.build_parser()
    assert parser.parse_args(["train", "--dataset", "tiny"]).dataset == "tiny"
    assert parser.parse_args(["fetch"]).datasets.split(",")[-1] == "tiny"
    with pytest.raises(SystemExit):
        parser.parse_args(["train", "--dataset", "nope"])
    assert "tiny" in capsys.readouterr().err  # the error lists the choices
    data = load_dataset("tiny")
    assert data.classes == ["left", "right"] and not data.mirror_safe


def test_a_registered_dataset_is_offered_and_loaded_by_the_train_page(tiny_dataset):
    at = AppTest.from_file(str(REPO / "pages" / "train.py"), default_timeout=TIMEOUT)
    at.query_params["lang"] = "es"
    at.query_params["ds"] = "tiny"  # a link to it works too
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    radio = at.radio(key="w_dataset")
    assert radio.value == "tiny" and "Diminuto" in radio.options
    assert any("12×12×1" in i.value for i in at.info)  # the network was adapted to its images
    assert datasets.display_class("tiny", 1, "right", "es") == "derecha"
    assert datasets.display_class("tiny", 1, "derecha", "es") == "derecha"  # names not its own: as written


def test_display_class_translates_registered_classes_only():
    assert datasets.display_class("fashion-mnist", 9, "Ankle boot", "es") == "Botín"
    assert datasets.display_class("cifar10", 2, "bird", "es") == "pájaro"
    assert datasets.display_class("cifar10", 2, "bird", "en") == "bird"
    assert datasets.display_class("mnist", 7, "7", "es") == "7"
    assert datasets.display_class("cifar10", 0, "cats", "es") == "cats"  # an upload called cifar10.zip
    assert datasets.display_class("pets", 0, "gato", "en") == "gato"
    for name, info in datasets.REGISTRY.items():  # every class of every dataset reads in every language
        for lang in texts.languages():
            for i, raw in enumerate(info.classes):
                assert datasets.display_class(name, i, raw, lang).strip()
            assert f"dataset.{name}" in texts.table(lang)


# ------------------------------------------------------------------ a new language is one file

@pytest.fixture
def locales_with_a_copy(tmp_path, monkeypatch):
    """The locale folder plus en.toml copied as ``xx.toml`` (its name changed, so the switch can show it)."""
    for path in texts.LOCALES_DIR.glob("*.toml"):
        shutil.copy(path, tmp_path / path.name)
    english = (tmp_path / "en.toml").read_text()
    (tmp_path / "xx.toml").write_text(english.replace('"_meta.name" = "English"', '"_meta.name" = "Xx test"'))
    assert "Xx test" in (tmp_path / "xx.toml").read_text()
    monkeypatch.setattr(texts, "LOCALES_DIR", tmp_path)
    texts.languages.cache_clear()
    texts.table.cache_clear()
    yield tmp_path
    texts.languages.cache_clear()
    texts.table.cache_clear()


def test_a_new_locale_file_is_a_new_language_in_the_switch(locales_with_a_copy):
    assert "xx" in texts.languages()
    at = AppTest.from_file(str(REPO / "pages" / "architecture.py"), default_timeout=TIMEOUT).run()
    switch = at.sidebar.radio(key="w_lang")
    assert "Xx test" in switch.options
    switch.set_value("xx").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["lang"] == "xx"
    assert at.title[0].value == texts.table("en")["arch.title"]


def test_train_page_widgets_start_at_the_trainers_defaults(tiny_dataset):
    from cnn_core.train.config import SUGGESTED_TIME_BUDGET_S, TrainConfig

    at = AppTest.from_file(str(REPO / "pages" / "train.py"), default_timeout=TIMEOUT)
    at.query_params["ds"] = "tiny"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.slider(key="w_epochs").value == TrainConfig.epochs == 3
    assert at.select_slider(key="w_batch").value == TrainConfig.batch_size
    assert at.select_slider(key="w_lr").value == TrainConfig.lr
    assert at.radio(key="w_optimizer").value == TrainConfig.optimizer
    assert at.radio(key="w_precision").value == TrainConfig.precision
    assert at.checkbox(key="w_augment").value == TrainConfig.augment
    at.radio(key="w_mode").set_value("time").run()
    assert at.slider(key="w_budget").value == SUGGESTED_TIME_BUDGET_S
    assert cli.build_parser().parse_args(["train"]).epochs == TrainConfig.epochs  # the CLI agrees


# ------------------------------------------------------------------ pages

PAGE_LINES_MAX = 100  # a page reads top to bottom; its sections live in ui/*_ui.py


def long_pages(folder) -> dict[str, int]:
    """{file name: line count} of the page scripts in ``folder`` longer than PAGE_LINES_MAX."""
    counts = {path.name: len(path.read_text().splitlines()) for path in sorted(folder.glob("*.py"))}
    return {name: n for name, n in counts.items() if n > PAGE_LINES_MAX}


def test_every_page_is_short():
    assert len(list((REPO / "pages").glob("*.py"))) >= 8
    assert long_pages(REPO / "pages") == {}, "move the long pages' sections into ui/ modules"


def test_the_apps_code_never_asks_for_reduced_motion():
    """The browser tests' pages ask for reduced motion (tests/browsing.new_page) to spare the software renderer:
    that is only harmless while nothing of the app's own behaves differently under it (Streamlit's decorations do)."""
    tracked = subprocess.run(["git", "ls-files", "*.py", "*.js", "*.css"], cwd=REPO, capture_output=True,
                             text=True, check=True).stdout.split()
    sources = [REPO / name for name in tracked if not name.startswith("tests/")]
    assert len(sources) > 50
    assert [p for p in sources if "reduced-motion" in p.read_text(errors="replace")] == []


# ------------------------------------------------------------------ JavaScript lives in .js files

# What JavaScript looks like and Python's prose, Markdown and HTML do not: an arrow after its parameters, a function,
# the page's globals in use. (tests/core/test_scripts.py holds the app's own strings to a stricter rule.)
JAVASCRIPT = re.compile(r"[\w)\]]\s*=>|\bfunction\s*\(|\bdocument\.\w|\bwindow\.\w")
_STRING = (r"""[rRbBuUfF]{0,2}(?:"{3}[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*"{3}|'{3}[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*'{3}"""
           r"""|"[^"\\\n]*(?:\\.[^"\\\n]*)*"|'[^'\\\n]*(?:\\.[^'\\\n]*)*')""")
# A comment, or a run of string literals that Python reads as one (only blanks, comments or a backslash at a line's
# end between them), in the order Python's tokenizer meets them.
LITERALS = re.compile(rf"#[^\n]*|{_STRING}(?:(?:\s|\\\n|#[^\n]*)*{_STRING})*", re.DOTALL)


def python_files() -> list[Path]:
    """Every .py file of the checkout, but none under a hidden folder (.git, .venv) or a virtual environment."""
    found = []
    for root, folders, names in os.walk(REPO):
        folders[:] = [f for f in folders if not f.startswith(".") and f not in ("__pycache__", "node_modules")
                      and not os.path.exists(os.path.join(root, f, "pyvenv.cfg"))]
        found += [Path(root, name) for name in names if name.endswith(".py")]
    return found


def javascript_in_strings(path: Path) -> list[int]:
    """The lines of ``path``'s string literals (docstrings aside) that hold JavaScript across lines: the value has a
    line break, or the literal is several pieces on several lines."""
    source = path.read_text(encoding="utf-8")
    # Parsed only when a run of literals looks like JavaScript and spans lines (parsing every file took 0.7 s).
    if not any(m[0][0] != "#" and ("\n" in m[0] or "\\n" in m[0]) and JAVASCRIPT.search(m[0])
               for m in LITERALS.finditer(source)):
        return []
    tree = ast.parse(source, str(path))
    prose = {id(node.body[0].value) for node in ast.walk(tree)
             if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
             and node.body and isinstance(node.body[0], ast.Expr)}
    lines = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):  # an f-string: its text, each {value} read as a name
            text = "".join(part.value if isinstance(part, ast.Constant) else "x" for part in node.values)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in prose:
            text = node.value
        else:
            continue
        if ("\n" in text or node.end_lineno > node.lineno) and JAVASCRIPT.search(text):
            lines.add(node.lineno)
    return sorted(lines)


def test_no_python_string_holds_a_script_across_lines():
    """A browser script in a Python string is neither linted nor read as JavaScript, and invites pasting values into
    its code. The app's live in ui/<layer>/static/, the tests' in tests/js/, the benchmarks' in benchmarks/js/, one
    function a file, read by ui/base/scripts.py, tests/browsing.py's js() and benchmarks/jsfiles.py's js() and given
    its values as arguments. (A short one-line condition may stay in a wait_for_function call.)"""
    files = python_files()
    assert len(files) > 100 and REPO / "app.py" in files and REPO / "tests" / "browsing.py" in files
    found = [f"{path.relative_to(REPO)}:{line}" for path in sorted(files) for line in javascript_in_strings(path)]
    assert not found, ("JavaScript in a Python string, across lines: move the script into a .js file (tests/js/, "
                       "benchmarks/js/, ui/<layer>/static/) and read it from there: " + ", ".join(found))


# ------------------------------------------------------------------ test tiers

def pytest_ini() -> dict:
    import tomllib

    return tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]


def test_ci_runs_every_test_and_the_readmes_fast_tier_needs_no_data_and_no_browser():
    assert "bash scripts/test.sh" in (REPO / ".ci" / "run").read_text()
    runs = [line.split("#")[0].strip() for line in (REPO / "scripts" / "test.sh").read_text().splitlines()
            if "pytest" in line.split("#")[0]]
    # no -m, no -k: CI runs the whole suite (in two processes; the browser and Ray tests grouped on one each)
    assert runs == ['python -m pytest -n "${TEST_WORKERS:-2}" "$@"']
    addopts = pytest_ini()["addopts"].split()
    assert "--strict-markers" in addopts and "-m" not in addopts and "-k" not in addopts
    assert "--dist loadgroup" in pytest_ini()["addopts"]  # the groups hold for the fast tier's `-n 2` too
    markers = {line.split(":")[0].strip() for line in pytest_ini()["markers"]}
    fast = re.findall(r'^python -m pytest -q (?:-n \d+ )?-m "([^"]+)"$', (REPO / "README.md").read_text(),
                      re.MULTILINE)
    assert fast, "README.md shows the fast tier's command"
    for expression in fast:
        assert "not realdata" in expression and "not browser" in expression
        named = set(re.findall(r"[a-z_]+", expression)) - {"not", "and", "or"}
        assert named <= markers, f"unregistered markers in README's fast tier: {named - markers}"


def test_tests_are_organised_by_subject_and_no_test_module_imports_another():
    # Shared helpers live in conftest.py, browsing.py, zipcraft.py and spanish_leaks.py; tests in their subject's folder.
    folders = {"core", "app", "hostile", "languages", "browser", "cluster"}
    modules = sorted((REPO / "tests").rglob("test_*.py"))
    assert modules and {p.parent.name for p in modules} == folders
    assert not list((REPO / "tests").glob("test_*.py"))  # none left outside a subject
    # Every import statement, at any depth (an import is a line of its own here; ruff's isort keeps them so). Read
    # line by line: walking every node of seventy modules' syntax trees was most of a second.
    statement = re.compile(r"^[ \t]*(?:from[ \t]+([\w.]+)[ \t]+import\b|import[ \t]+([\w., \t]+))", re.MULTILINE)
    for path in modules:
        for source, imported in statement.findall(path.read_text()):
            names = [source] if source else [name.split(" as ")[0].strip() for name in imported.split(",")]
            assert not [n for n in names if n.split(".")[0].startswith("test_")], f"{path.name} imports a test module"


def test_the_benchmark_results_kept_are_the_benchs_json_and_the_readme_links_them():
    """benchmarks/results: the JSON `python -m cnn_core bench` printed for the README's dated rows, curves and all."""
    import json

    kept = sorted((REPO / "benchmarks" / "results").glob("*"))
    assert kept and all(re.fullmatch(r"\d{4}-\d\d-\d\d-[a-z0-9-]+\.json", p.name) for p in kept), kept
    for path in kept:
        report = json.loads(path.read_text(encoding="utf-8"))
        runs = report.get("accuracy_runs", report.get("runs", []))
        assert all(r["accuracy_curve"] for r in runs), path.name  # every accuracy run keeps its curve
    assert "(benchmarks/results/)" in (REPO / "README.md").read_text(encoding="utf-8")

"""The server's settings: each environment variable parsed and checked against its range, in one table
(:data:`cnn_core.base.env.VARS`); a bad one named, with its range, by the app on every page, by the log once
and by the command line (status 2), never a traceback; README's table written from the same rows."""

from __future__ import annotations

import logging
import math
import os
import re
from unittest import mock

import pytest
from conftest import REPO, open_page
from hypothesis import given, settings
from hypothesis import strategies as st

from cnn_core.base import env
from cnn_core.settings import Settings
from scripts import settings_table

NUMERIC = [v for v in env.VARS if v.kind in ("int", "float")]
IDS = [v.name for v in NUMERIC]


def read(var: env.Var, text: str):
    with mock.patch.dict(os.environ, {var.env: text}):
        return env.get(var.name)


def refused(var: env.Var, text: str) -> env.SettingError:
    with pytest.raises(env.SettingError) as caught:
        read(var, text)
        pytest.fail(f"{var.env}={text!r} was accepted")
    err = caught.value
    assert (err.name, err.value, err.var) == (var.env, text.strip(), var)
    assert var.env in str(err) and var.allowed() in str(err)  # names the variable and what it takes
    return err


def as_text(x: float, var: env.Var) -> str:
    return str(int(x)) if var.kind == "int" else repr(float(x))


# ------------------------------------------------------------------ each variable, its range

@pytest.mark.parametrize("var", NUMERIC, ids=IDS)
def test_a_non_number_or_a_non_finite_one_is_refused(var):
    for text in ("3O", "abc", "1,5", "0x10", "1 000", "inf", "-inf", "Infinity", "nan", "NaN"):  # each named if accepted
        refused(var, text)


@pytest.mark.parametrize("var", NUMERIC, ids=IDS)
def test_the_default_and_both_bounds_are_accepted(var):
    with mock.patch.dict(os.environ, {var.env: ""}):
        assert env.get(var.name) == var.default  # unset (or empty): the default, which is in range itself
    if var.default is not None:
        assert var.low <= var.default <= var.high
        assert read(var, as_text(var.default, var)) == var.default
    for bound in (var.low, var.high):  # inclusive; spaces around a value are no error
        assert read(var, f" {as_text(bound, var)} ") == bound


@pytest.mark.parametrize("var", NUMERIC, ids=IDS)
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_values_outside_the_range_are_refused_and_inside_accepted(var, data):
    if var.kind == "int":
        below = st.integers(max_value=int(var.low) - 1, min_value=int(var.low) - 10**12)
        above = st.integers(min_value=int(var.high) + 1, max_value=int(var.high) + 10**12)
        inside = st.integers(int(var.low), int(var.high))
    else:
        below = st.floats(max_value=var.low, exclude_max=True, min_value=-1e300)
        above = st.floats(min_value=var.high, exclude_min=True, max_value=1e300)
        inside = st.floats(var.low, var.high)
    refused(var, as_text(data.draw(below, "below"), var))
    refused(var, as_text(data.draw(above, "above"), var))
    value = data.draw(inside, "inside")
    assert read(var, as_text(value, var)) == value
    if var.kind == "int":
        refused(var, f"{value}.5")  # a whole number is asked for


def test_never_keeps_workspaces_and_auto_leaves_the_cluster_to_decide():
    assert read(env.BY_NAME["IDLE_DAYS"], "never") is None
    assert read(env.BY_NAME["IDLE_DAYS"], " Never ") is None
    assert read(env.BY_NAME["RAY_MAX_RUNNING"], "auto") is None
    refused(env.BY_NAME["MAX_RUNS"], "never")  # a word only where the table allows it
    with mock.patch.dict(os.environ, {"CNN_PLAYGROUND_IDLE_DAYS": "never"}):
        assert Settings.load([]).idle_days is None


def test_the_settings_raise_the_first_problem_and_the_check_lists_them_all():
    bad = {"CNN_PLAYGROUND_MAX_RUNS": "3O", "CNN_PLAYGROUND_IDLE_DAYS": "0", "CNN_PLAYGROUND_RAY_CPUS": "nan"}
    with mock.patch.dict(os.environ, bad):
        assert sorted(e.name for e in env.check_all()) == sorted(bad)
        with pytest.raises(env.SettingError) as caught:
            Settings.load([])
        assert caught.value.name == next(v.env for v in env.VARS if v.env in bad)


def test_every_setting_is_read_from_its_variable():
    """Settings.load fills each field from the VARS row of its name: none is left at a default of its own."""
    import dataclasses

    from cnn_core import settings as settings_module

    filled = {settings_module._FIELD.get(v.name, v.name.lower()) for v in env.VARS}
    fields = {f.name for f in dataclasses.fields(Settings)}
    assert fields <= filled  # data_dir and database_url then get their defaults from env.data_dir, env.database_url
    changed = {"CNN_PLAYGROUND_MEMORY_MB": "100", "CNN_PLAYGROUND_RAY_CPUS": "3", "CNN_PLAYGROUND_MAX_RUNS": "7",
               "CNN_PLAYGROUND_RAY_GPU_FRACTION": "0.5", "CNN_PLAYGROUND_RAY_ADDRESS": "auto"}
    with mock.patch.dict(os.environ, changed):
        loaded = Settings.load([])
    assert (loaded.memory_limit_mb, loaded.ray_cpus_per_training, loaded.max_runs, loaded.ray_gpus_per_training,
            loaded.ray_address) == (100, 3, 7, 0.5, "auto")



def test_the_servers_trainings_share_the_cpu_threads_it_is_given(app_env):
    """CNN_PLAYGROUND_CPU_THREADS reaches the server's scheduler: its running trainings split those threads."""
    from ui.shell import resources

    try:
        for threads, running, each in (("1", "1", 1), ("8", "2", 4)):
            app_env(CNN_PLAYGROUND_CPU_THREADS=threads, CNN_PLAYGROUND_MAX_CONCURRENT=running)
            resources.scheduler.clear()
            assert resources.scheduler().threads_per_job() == each
    finally:
        resources.scheduler.clear()


# ------------------------------------------------------------------ who says so: the app, the log, the CLI

def _unescaped(markdown: str) -> str:
    return re.sub(r"\\(.)", r"\1", markdown)  # t_literal escaped the operator's text for Markdown


@pytest.mark.parametrize("lang, words", [("es", ["no es válida", "un número entero de 1 a 10.000"]),
                                         ("en", ["is not valid", "a whole number from 1 to 10,000"])])
def test_a_page_with_a_bad_setting_says_which_and_stops_without_a_traceback(lang, words, app_env, caplog):
    app_env(CNN_PLAYGROUND_MAX_RUNS="3O")
    from ui.shell import session

    session._logged.clear()
    with caplog.at_level(logging.ERROR, logger="ui.shell.session"):
        for page in ("architecture", "train", "runs"):  # every page: its first call is session.init_state()
            at = open_page(page, lang=lang)
            assert not at.exception, [e.value for e in at.exception]
            shown = [_unescaped(e.value) for e in at.error]
            assert len(shown) == 1 and "CNN_PLAYGROUND_MAX_RUNS='3O'" in shown[0], shown
            assert all(w in shown[0] for w in words), shown
            assert not at.title and not at.button  # stopped: nothing of the page itself
    logged = [r for r in caplog.records if r.name == "ui.shell.session"]
    assert [(r.levelno, r.getMessage()) for r in logged] == [
        (logging.ERROR, "CNN_PLAYGROUND_MAX_RUNS='3O' is not valid: a whole number from 1 to 10000.")]


@pytest.mark.parametrize("key", [env.EXAMPLE_KEY, "clave123", " " + env.EXAMPLE_KEY + " "])
def test_a_guessable_or_public_instructor_key_is_refused_and_never_said(key):
    """The guide's example is printed on every keyless server's Room page: copied as it is, anyone could be the
    instructor. It, and a key under 12 characters, stop the server; the error never repeats the key."""
    var = env.BY_NAME["INSTRUCTOR_KEY"]
    with pytest.raises(env.SettingError) as caught:
        read(var, key)
    assert caught.value.value == env.HIDDEN and f"{var.env}='{env.HIDDEN}'" in str(caught.value)
    assert key.strip() == env.EXAMPLE_KEY or key.strip() not in str(caught.value)
    assert read(var, "twelve chars") == "twelve chars"  # 12 are enough


def test_a_page_on_a_server_with_a_short_instructor_key_says_so_without_the_key(app_env):
    app_env(CNN_PLAYGROUND_INSTRUCTOR_KEY="clave123")
    at = open_page("room", lang="es")
    assert not at.exception
    shown = [_unescaped(e.value) for e in at.error]
    assert len(shown) == 1 and "CNN_PLAYGROUND_INSTRUCTOR_KEY='(oculta)'" in shown[0], shown
    assert "una frase de al menos 12 caracteres que no sea el ejemplo de la guía" in shown[0]
    said = [str(e.value) for e in (*at.error, *at.warning, *at.info, *at.markdown, *at.caption, *at.code)]
    assert said and not any("clave123" in text for text in said)


def test_every_bad_setting_is_shown_with_its_range_in_the_readers_language(app_env):
    app_env(CNN_PLAYGROUND_IDLE_DAYS="soon", CNN_PLAYGROUND_RAY_CPUS="inf")
    at = open_page("architecture", lang="es")
    assert not at.exception
    shown = [_unescaped(e.value) for e in at.error]
    assert len(shown) == 2
    assert "CNN_PLAYGROUND_RAY_CPUS='inf'" in shown[0] and "un número de 0,1 a 1.024" in shown[0]
    assert "CNN_PLAYGROUND_IDLE_DAYS='soon'" in shown[1]
    assert "un número de 0,04167 a 36.500, o la palabra «never»" in shown[1]


def test_the_whole_app_stops_on_a_bad_setting_before_its_warm_up(app_env):
    """app.py warms training up before the page's first call: a bad setting must not be a traceback there."""
    from streamlit.testing.v1 import AppTest

    app_env(CNN_PLAYGROUND_MEMORY_MB="lots")
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    assert "CNN_PLAYGROUND_MEMORY_MB='lots'" in _unescaped(at.error[0].value)


def test_the_command_line_exits_2_naming_the_setting(capsys, monkeypatch):
    from cnn_core.cli.main import main

    monkeypatch.setenv("CNN_PLAYGROUND_MAX_RUNS", "3O")
    assert main(["train", "--epochs", "0.1"]) == 2
    err = capsys.readouterr().err
    assert err == "error: CNN_PLAYGROUND_MAX_RUNS='3O' is not valid: a whole number from 1 to 10000.\n"


# ------------------------------------------------------------------ README

def test_readme_settings_table_is_the_one_written_from_the_table():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert settings_table.readme_table(readme) == settings_table.table(), (
        "README's settings table differs from cnn_core/base/env.py VARS: run python -m scripts.settings_table --write")
    for var in env.VARS:
        row = next(line for line in readme.splitlines() if line.startswith(f"| `{var.env}` |"))
        assert f"| {var.shown_default()} |" in row
        if var.default is not None and not var.shown and var.kind in ("int", "float"):
            assert math.isclose(float(row.split("|")[2]), var.default)

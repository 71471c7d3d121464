"""Findings of the outside walk (notes/walk.md), each checked on the real pages with AppTest: cheap, no training."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from cnn_core import checkpoint, runs as core_runs
from cnn_core.architecture import PRESETS
from cnn_core.model import build_model
from conftest import REPO
import zipcraft

TIMEOUT = 90


def page(name: str, lang: str = "es", ws: str | None = None, **params) -> AppTest:
    at = AppTest.from_file(str(REPO / "pages" / f"{name}.py"), default_timeout=TIMEOUT)
    at.query_params["lang"] = lang
    if ws:
        at.query_params["ws"] = ws
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def no_exceptions(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def store():
    from ui import workspace

    return workspace._open_store()


def tiny_model(**meta) -> bytes:
    return checkpoint.to_bytes(build_model(PRESETS["lenet"]), list("0123456789"), dataset="mnist", **meta)


def workspace_with_two_runs() -> tuple[str, list]:
    """Two runs with curves (a few steps and evaluations), made without training."""
    code = store().create_workspace()
    for n, (preset, acc) in enumerate((("lenet", 0.1646), ("tutorial", 0.5))):
        raw = checkpoint.to_bytes(build_model(PRESETS[preset]), list("0123456789"), dataset="mnist")
        new = core_runs.from_upload(checkpoint.from_bytes(raw), raw, f"{preset}.cnn.zip")
        new.source, new.test_accuracy, new.seconds = "trained", acc, 5.25
        new.curves = {"steps": [[s, s * 0.002, s * 1.5, 2.3 - 0.1 * s, 0.1 + 0.02 * s] for s in range(1, 4)],
                      "evals": [[3, 4.5, 2.0, 0.16]], "steps_per_epoch": 500}
        store().add_run(code, new)
    return code, store().runs(code)


def figure(at: AppTest, n: int = 0) -> dict:
    return json.loads(at.get("plotly_chart")[n].proto.spec)


# ------------------------------------------------------------------ P1: numbers in the reader's language

def test_runs_table_and_compare_charts_write_numbers_the_spanish_way():
    code, kept = workspace_with_two_runs()
    at = page("runs", ws=code)
    no_exceptions(at)
    table = at.dataframe[0].value
    assert sorted(table["Parámetros"]) == sorted(f"{r.params:,}".replace(",", ".") for r in kept)
    assert "16,46" in set(table[table.columns[7]])  # the accuracy column, in percent with a decimal comma
    assert set(table["Segundos"]) <= {"5,2", "5,3"}
    fig = figure(at)
    assert fig["layout"]["separators"] == ",."
    assert fig["layout"]["yaxis2"]["tickformat"] == ".0%"  # accuracy as a percentage, as on Train


def test_room_scatter_axes_are_spanish_numbers_and_accuracy_a_percentage(monkeypatch):
    from ui import resources
    from ui.room_ui import scatter

    monkeypatch.setenv("CNN_PLAYGROUND_INSTRUCTOR_KEY", "s3cret-key")
    resources.settings.clear()
    try:
        teacher = page("room")
        teacher.text_input(key="w_instructor_key").input("s3cret-key").run()
        teacher.button[0].click().run()  # open a room
        room = teacher.session_state["w_room_pick"]
        student = page("room", room=room)
        student.text_input(key="w_nickname").input("Ana")
        student.button[0].click().run()
        no_exceptions(student)
        raw = tiny_model()
        new = core_runs.from_upload(checkpoint.from_bytes(raw), raw, "x.zip")
        new.source, new.test_accuracy = "trained", 0.1646
        store().add_run(student.session_state["ws"], new)
        teacher.run()
        no_exceptions(teacher)
        board = teacher.dataframe[0].value
        assert board.iloc[0, 1] == "Ana"  # a plain nickname is shown on the board
        assert board.iloc[0, 2] == "16,46" and board.iloc[0, 3] == f"{new.params:,}".replace(",", ".")
        fig = figure(teacher)
        assert fig["layout"]["separators"] == ",."
        assert fig["layout"]["xaxis"]["exponentformat"] == "none" and fig["layout"]["xaxis"]["separatethousands"]
        assert fig["layout"]["yaxis"]["tickformat"].endswith("%") and fig["data"][0]["y"] == [0.1646]
    finally:
        resources.settings.clear()


def test_a_too_big_model_upload_names_the_limit_applied_in_spanish(monkeypatch):
    from ui import resources

    monkeypatch.setenv("CNN_PLAYGROUND_MAX_UPLOAD_MB", "1000")  # uploads may be big; a kept model may not
    resources.settings.clear()
    try:
        claims_300mb = zipcraft.patch(tiny_model(), "weights.pt", size=300 * 2**20)
        at = page("train")
        at.file_uploader(key="w_model_upload").set_value(("big.cnn.zip", claims_300mb, "application/zip")).run()
        at.button(key="load_model").click().run()
        no_exceptions(at)
        limit = checkpoint.MAX_RUN_MODEL_MB
        assert any(f"El modelo ocupa 300,0 MB, más que el límite de {limit} MB." in e.value for e in at.error), \
            [e.value for e in at.error]
    finally:
        resources.settings.clear()

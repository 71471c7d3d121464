"""Streamlit's own English is hidden and the app says the same in the reader's language (no browser needed).

The browser side (nothing English shows on any page) is tests/browser/test_spanish_walk.py.
"""

from __future__ import annotations

import re

import pytest
import streamlit as st
from conftest import no_exceptions
from spanish_leaks import leaks as walk_leaks  # the walk's checks run here too, in the fast tier
from streamlit.testing.v1 import AppTest

from cnn_core.base import texts


@pytest.mark.parametrize("lang, sizes", [
    ("es", {12595: "12,3 KB", 200 * 2**20: "200 MB", 512: "512 B", 1536: "1,5 KB", 3 * 2**30: "3 GB"}),
    ("en", {12595: "12.3 KB", 200 * 2**20: "200 MB", 512: "512 B", 1536: "1.5 KB", 3 * 2**30: "3 GB"}),
])
def test_file_sizes_are_written_the_languages_way(lang, sizes):
    from ui.base.i18n import file_size

    st.session_state["lang"] = lang
    try:
        assert {n: file_size(n) for n in sizes} == sizes
    finally:
        st.session_state["lang"] = "es"


def test_the_hidden_hints_are_streamlits_own_and_the_style_sheet_holds_no_text():
    from ui.shell.component_texts import HIDDEN_HINTS_CSS

    for testid in ("InputInstructions", "stFileUploaderDropzoneInstructions", "stFileChipName", "stFileChip",
                   "stStatusWidget", "stConnectionStatus"):
        assert f'[data-testid="{testid}"]' in HIDDEN_HINTS_CSS
    assert "content" not in HIDDEN_HINTS_CSS  # hides only: no text of any language is written by CSS
    assert "<" not in HIDDEN_HINTS_CSS and "'" not in HIDDEN_HINTS_CSS  # no markup
    assert all(re.fullmatch("[A-Za-z]+", quoted) for quoted in re.findall('"([^"]*)"', HIDDEN_HINTS_CSS))


def _upload_box():
    import streamlit as st

    from ui.shell.component_texts import zip_uploader

    st.session_state.setdefault("lang", "es")
    zip_uploader("label", "w_zip", 200)


@pytest.mark.parametrize("lang", ["es", "en"])
def test_the_upload_box_says_its_rules_and_the_chosen_file_in_the_language(lang):
    at = AppTest.from_function(_upload_box)
    at.session_state["lang"] = lang
    at.run()
    no_exceptions(at)
    table = texts.table(lang)
    assert [c.value for c in at.caption] == [table["upload.rules"].format(size="200 MB")]
    at.file_uploader(key="w_zip").set_value(("<b>gatos</b>_2024.zip", b"x" * 12595, "application/zip")).run()
    no_exceptions(at)
    size = "12,3 KB" if lang == "es" else "12.3 KB"
    from ui.base.i18n import plain

    assert [c.value for c in at.caption] == [table["upload.chosen"].format(name=plain("<b>gatos</b>_2024.zip"),
                                                                           size=size)]
    assert r"\<b\>" in at.caption[0].value  # the name is text: Markdown shows its tags literally


def test_every_chart_gets_plotlys_own_texts_in_the_language():
    """Each st.plotly_chart call passes chart_config(), which hands Plotly our translations of its mode bar."""
    import ast

    from conftest import REPO

    calls = []
    for path in [REPO / "app.py", *REPO.glob("pages/*.py"), *REPO.glob("ui/**/*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "plotly_chart":
                config = next((k.value for k in node.keywords if k.arg == "config"), None)
                ok = isinstance(config, ast.Call) and getattr(config.func, "id", None) == "chart_config"
                calls.append((f"{path.name}:{node.lineno}", ok))
    assert len(calls) >= 20 and [c for c, ok in calls if not ok] == []


@pytest.mark.parametrize("lang", ["es", "en"])
def test_chart_config_carries_plotlys_texts_for_the_language(lang):
    from ui.charts.figures import PLOTLY_TEXTS, chart_config

    st.session_state["lang"] = lang
    try:
        config = chart_config(displayModeBar=False)
    finally:
        st.session_state["lang"] = "es"
    assert config["locale"] == lang and config["displayModeBar"] is False and config["displaylogo"] is False
    dictionary = config["locales"][lang]["dictionary"]
    assert set(dictionary) == set(PLOTLY_TEXTS)
    assert dictionary["Reset axes"] == texts.table(lang)["plotly.reset_axes"]
    if lang == "es":
        assert not set(dictionary) & set(dictionary.values())  # every one of Plotly's texts replaced


def test_the_plotly_that_streamlit_serves_names_its_buttons_with_texts_we_translate():
    """The camera button's 'Download plot as a PNG' (Plotly 3) had stayed English beside '... as a png'."""
    import re
    from pathlib import Path

    from ui.charts.figures import PLOTLY_TEXTS

    bundle = next((Path(st.__file__).parent / "static" / "static" / "js").glob("PlotlyChart.*.js")).read_text()
    used = {"Download plot as a PNG", "Download plot as a png", "Zoom in", "Zoom out", "Autoscale", "Reset axes",
            "Pan", "Box Select", "Lasso Select", "Toggle Spike Lines", "Show closest data on hover",
            "Compare data on hover"}  # the 2-D charts' mode bar
    found = {title for title in used if re.search(r"[`\"']" + re.escape(title) + r"[`\"']", bundle)}
    assert "Download plot as a PNG" in found or "Download plot as a png" in found
    assert found <= set(PLOTLY_TEXTS), found - set(PLOTLY_TEXTS)


@pytest.mark.parametrize("lang, blur, minus", [("es", "0,1111", "−1"), ("en", "0.1111", "−1")])
def test_the_kernel_labs_cells_are_numbers_in_the_language_and_read_back(lang, blur, minus):
    import torch

    from cnn_core.nn.inspection import LAB_KERNELS
    from ui.sections.inside import kernel_cells, parse_kernel

    st.session_state["lang"] = lang
    try:
        cells = kernel_cells(LAB_KERNELS["blur"])
        edges = kernel_cells(LAB_KERNELS["edge_vertical"])
    finally:
        st.session_state["lang"] = "es"
    assert cells.iloc[0, 0] == blur and edges.iloc[0, 0] == minus and edges.iloc[1, 2] == "2"
    assert torch.allclose(parse_kernel(cells), torch.full((3, 3), 0.1111))
    assert parse_kernel(edges).tolist() == LAB_KERNELS["edge_vertical"]
    import pandas as pd

    typed = pd.DataFrame([["0,5", "0.5", "-1"], ["1", " 2 ", "−3"], ["0", "0", "0"]])
    assert parse_kernel(typed).tolist() == [[0.5, 0.5, -1], [1, 2, -3], [0, 0, 0]]
    with pytest.raises(ValueError):
        parse_kernel(pd.DataFrame([["uno", "0", "0"]]))


def test_the_leak_detector_catches_what_it_is_for():
    """tests/browser/test_spanish_walk.py's checks, on Streamlit's English and English numbers: the walk can fail."""
    assert walk_leaks("Press Enter to apply")["english"] == ["Press Enter to apply"]
    assert walk_leaks("Drag and drop a file here • Limit 200MB per file")["size"] == ["0MB"]
    assert walk_leaks("25,088 neuronas y 1,234,567 pesos")["grouping"] == ["1,234,567", "25,088"]
    assert walk_leaks("6,272 neuronas")["grouping"] == ["6,272"]
    assert walk_leaks("suma 1,696", three_decimals=True) == {} and walk_leaks("25,088", three_decimals=True)
    assert walk_leaks("mi_red.cnn.zip 12.3KB")["size"] == ["3KB"]
    assert walk_leaks("25.088 neuronas, 99,50 %, 0,659, pérdida 2,30, (3, 4)") == {}


def test_the_walks_further_rules_catch_what_they_are_for():
    """The whole walk's rules on numbers, keys, internal names and the app's own English: each can fail, and
    none fails on Spanish written right."""
    from spanish_leaks import app_english, english_fragments, numbers_not_spanish, raw_ids, raw_keys

    from cnn_core.base import texts

    assert numbers_not_spanish("lr 0.002, 30.0 s, 98.5%, 98,5%, 1e-05") == ["0.002", "1e-05", "30.0", "5%", "98.5"]
    assert numbers_not_spanish("25.088 neuronas, 1.234.567, 0,97, 98,5 %, 2,56 · 10⁻⁵, http://10.0.0.1:8501/x.zip") == []
    es = texts.table("es")
    assert raw_keys("Pulsa train.start o nav.home; torch.nn.functional.conv2d", es) == ["nav.home", "train.start"]
    ids = {"mnist", "fashion-mnist", "adam", "max"}
    assert raw_ids("#1 mnist 16 · 14:05\tadam\tmax 2\n· fashion-mnist ·", ids) == ["#1 mnist 16", "adam",
                                                                                     "fashion-mnist", "max 2"]
    assert raw_ids("MNIST (dígitos)\tmáximo\tfiltros 16 · 14:05", ids) == []
    fragments = english_fragments(texts.table("en"), es)
    assert app_english("Bloques convolucionales: " + texts.table("en")["train.seconds_help"], fragments)
    assert app_english("\n".join(es.values()), fragments) == []

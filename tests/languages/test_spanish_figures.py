"""Percentages in charts follow the language: "50 %" and "99,50 %" in Spanish, "50%" and "99.50%" in English.

Plotly's own ``%`` format glues the sign to the number, so every percent axis,
bar text and hover is written by the app (:func:`ui.base.i18n.pct`). The figures
are built for real, in each language, and read back as Plotly would get them.
"""

from __future__ import annotations

import json
import re
from types import SimpleNamespace

import pytest
import streamlit as st

from cnn_core.train.trainer import EvalEvent, StepEvent

LABELS = {"loss": "L", "accuracy": "A", "train": "t", "validation": "v", "step": "S", "epoch": "E"}
PERCENT = {"es": re.compile(r"^\d+ %$"), "en": re.compile(r"^\d+%$")}
HOVER = {"es": "99,50 %", "en": "99.50%"}
D3_PERCENT = re.compile(r"%\{[^}]*:[^}]*%\}|\"tickformat\": \"[^\"]*%\"")  # "%{y:.0%}", tickformat ".0%"


@pytest.fixture(params=["es", "en"])
def lang(request):
    st.session_state["lang"] = request.param
    yield request.param
    st.session_state["lang"] = "es"


def figures():
    from ui.charts.figures import probabilities, training_curves
    from ui.sections.room import scatter

    steps = [StepEvent(s, s / 100, 2.0, 0.995, 1e-3, s, 100, s / 250, 1) for s in range(1, 51)]
    rows = [SimpleNamespace(params=208982, best_accuracy=0.995, nickname="Ana")]
    return {"curves": (training_curves(steps, [EvalEvent(50, 3, 2.0, 0.995)], LABELS), "yaxis2"),
            "probabilities": (probabilities([0.005, 0.995], ["a", "b"], "p"), "yaxis"),
            "room": (scatter(rows), "yaxis")}


def test_percent_axes_and_hovers_are_written_the_languages_way(lang):
    for name, (fig, axis) in figures().items():
        spec = fig.to_plotly_json()
        ticks = spec["layout"][axis]["ticktext"]
        assert ticks and all(PERCENT[lang].match(tick) for tick in ticks), (name, ticks)
        assert "100 %" in ticks if lang == "es" else "100%" in ticks
        assert not D3_PERCENT.search(json.dumps(spec)), name  # no percentage left for Plotly to write
        shown = [c if isinstance(c, str) else c[-1] for trace in spec["data"] for c in trace.get("customdata", [])]
        assert HOVER[lang] in shown, (name, shown[:3])
        assert spec["layout"]["separators"] == (",." if lang == "es" else ".,")


def test_probability_bars_say_their_percentage_in_the_language(lang):
    from ui.charts.figures import probabilities

    bars = probabilities([0.25, 0.75], ["a", "b"], "p").data[0]
    assert list(bars.text) == (["25 %", "75 %"] if lang == "es" else ["25%", "75%"])
    assert list(bars.customdata) == (["25,00 %", "75,00 %"] if lang == "es" else ["25.00%", "75.00%"])


def test_the_runs_overlay_says_which_line_is_training_and_which_validation(lang):
    """Each run is a thin line and a thick one with points; the legend named only the run."""
    from cnn_core.base import texts
    from ui.sections.runs import overlay

    run = SimpleNamespace(id=1, name="r", curves={"steps": [[1, 0.1, 1.0, 2.0, 0.5]], "evals": [],
                                                   "steps_per_epoch": 10})
    fig = overlay([run], "epochs")
    table = texts.table(lang)
    styles = {tr.name: tr for tr in fig.data if tr.legendgroup == "styles"}
    assert set(styles) == {table["curve.train_epoch"], table["curve.validation"]}
    train, validation = styles[table["curve.train_epoch"]], styles[table["curve.validation"]]
    drawn = [tr for tr in fig.data if tr.legendgroup == "1"]  # the run's own: thin lines, thick with markers
    assert {tr.line.width for tr in drawn if tr.mode == "lines"} == {train.line.width}
    assert {tr.line.width for tr in drawn if tr.mode == "lines+markers"} == {validation.line.width}
    assert validation.mode == "lines+markers" and train.mode == "lines"


def test_every_titled_figure_leaves_its_top_row_to_the_toolbar(lang):
    """Plotly's toolbar sits in the figure's top row; a title or the top subplot titles start below it."""
    import torch

    from cnn_core.nn.architecture import PRESETS, layer_table
    from ui.charts.figures import TITLE_PX, TOOLBAR_PX, confusion, heatmap, image_grid, loss_curves, network_diagram
    from ui.sections.room import scatter
    from ui.sections.runs import overlay
    from ui.sections.runs_compare import params_chart
    from ui.sections.runs_shift import shift_chart

    run = SimpleNamespace(id=1, name="r", curves={"steps": [[1, 0.1, 1.0, 2.0, 0.5]], "evals": [],
                                                   "steps_per_epoch": 10})
    built = {name: fig for name, (fig, _) in figures().items()}
    built |= {"loss": loss_curves([1.0, 0.5], [1.1, 0.6], {"train_epoch": "t", "validation": "v", "loss": "L",
                                                            "epoch": "E"}),
              "heatmap": heatmap(torch.zeros(4, 4), "h"),
              "grid": image_grid(torch.zeros(2, 1, 4, 4, dtype=torch.uint8), ["a", "b"]),
              "confusion": confusion(torch.eye(2, dtype=torch.int64), ["a", "b"], {"title": "C", "predicted": "p", "true": "t"}),
              "overlay": overlay([run], "epochs"),
              # the Runs page's shift and parameter charts, and the room's board: each shown with the toolbar too
              "shift": shift_chart([run], {1: [SimpleNamespace(shift=0, accuracy=0.9)]}),
              "params": params_chart([SimpleNamespace(**vars(run), architecture={}, params=100, test_accuracy=0.9)]),
              "board": scatter([SimpleNamespace(nickname="Ana", params=100, best_accuracy=0.9)]),
              "diagram": network_diagram(layers := layer_table(PRESETS["small"]), {x.name: x.name for x in layers},
                                         "Diagrama")}
    for name, fig in built.items():
        layout = fig.layout
        top_titles = [a for a in layout.annotations if a.yanchor == "bottom" and a.y is not None and a.y >= 0.999]
        if layout.title.text:
            assert layout.title.yref == "container" and layout.title.pad.t >= TOOLBAR_PX, name
        if layout.title.text or top_titles:
            assert layout.margin.t >= TOOLBAR_PX + TITLE_PX * (bool(layout.title.text) + bool(top_titles)), name


def test_a_long_title_comes_in_lines_that_fit_a_phone_and_the_figure_grows_for_them():
    """Plotly never wraps a title: on a 390 px phone "28×28 = 784 neuronas, centrado por centro de masa" ran past
    the figure's edge. Long titles come in lines of at most TITLE_CHARS, with room above the plot for each."""
    import torch

    from cnn_core.base import texts
    from ui.charts.figures import TITLE_CHARS, TITLE_PX, TOOLBAR_PX, heatmap

    title = texts.table("es")["draw.seen_caption"]
    fig = heatmap(torch.zeros(4, 4), title, height=300)
    lines = fig.layout.title.text.split("<br>")
    assert len(lines) >= 2 and all(len(line) <= TITLE_CHARS for line in lines) and " ".join(lines) == title
    assert fig.layout.margin.t >= TOOLBAR_PX + TITLE_PX * len(lines)
    assert heatmap(torch.zeros(4, 4), "Indicios de 7").layout.title.text == "Indicios de 7"  # a short one as it is

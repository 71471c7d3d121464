"""Details of every page that a walk through the app found (numbers, names, links, tables), checked with AppTest."""

from __future__ import annotations

import json

import pytest
import zipcraft
from conftest import INSTRUCTOR_KEY, REPO, join_room, no_exceptions, open_page, open_room, shown_table
from conftest import app_store as store
from streamlit.testing.v1 import AppTest

from cnn_core.base import texts
from cnn_core.nn import checkpoint
from cnn_core.nn.architecture import PRESETS
from cnn_core.nn.model import build_model
from cnn_core.store import runs as core_runs

TIMEOUT = 90
ES = texts.table("es")


def page(name: str, lang: str = "es", ws: str | None = None, **params) -> AppTest:
    return open_page(name, TIMEOUT, lang=lang, ws=ws or None, **params)


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
    table = shown_table(at.dataframe[0])
    assert sorted(table["Parámetros"]) == sorted(f"{r.params:,}".replace(",", ".") for r in kept)
    assert "16,46" in set(table[table.columns[7]])  # the accuracy column, in percent with a decimal comma
    assert set(table["Segundos"]) <= {"5,2", "5,3"}
    numbers = at.dataframe[0].value  # kept as numbers underneath, so a click on the header sorts them as numbers
    assert [str(numbers[c].dtype) for c in ("Parámetros", numbers.columns[7], "Segundos")] == [
        "int64", "float64", "float64"]


def test_a_comparison_emptied_says_in_spanish_what_to_do_and_its_picker_speaks_spanish():
    """A walk cleared the picker: it read Streamlit's own "Choose options" and the chart vanished unexplained."""
    code, kept = workspace_with_two_runs()
    at = page("runs", ws=code)
    assert at.multiselect(key="w_compare").proto.placeholder == ES["runs.compare_placeholder"]
    assert ES["runs.compare_none"] not in [i.value for i in at.info]
    charts = len(at.get("plotly_chart"))
    at.multiselect(key="w_compare").set_value([]).run()
    no_exceptions(at)
    assert ES["runs.compare_none"] in [i.value for i in at.info]
    assert len(at.get("plotly_chart")) == charts - 1  # the overlay, gone, and said why


def test_the_runs_comparison_and_model_pickers_name_things_as_the_rest_of_the_app():
    code = store().create_workspace()
    for n, dataset in enumerate(("mnist", "fashion-mnist")):
        raw = checkpoint.to_bytes(build_model(PRESETS["tutorial"]), list("0123456789"), dataset=dataset)
        new = core_runs.from_upload(checkpoint.from_bytes(raw), raw, f"run{n}.cnn.zip")
        new.source, new.dataset, new.precision, new.test_accuracy = "trained", dataset, "bf16", 0.9
        new.train_config = {"epochs": 3, "time_budget_s": 30.0, "batch_size": 128, "lr": 0.002, "optimizer": "adam",
                            "augment": False}
        store().add_run(code, new)
    at = page("runs", ws=code)
    no_exceptions(at)
    compared = shown_table(at.dataframe[1])
    cells = {row.iloc[0]: set(row.iloc[1:3]) for _, row in compared.iterrows()}
    assert cells[ES["runs.row_dataset"]] == {ES["dataset.mnist"], ES["dataset.fashion-mnist"]}
    assert cells[ES["runs.row_lr"]] == {"0,002"} and cells[ES["runs.row_time_budget_s"]] == {"30"}
    assert cells[ES["runs.row_optimizer"]] == {ES["train.opt_adam"]}
    assert cells[ES["runs.row_precision"]] == {ES["train.precision_bf16"]}
    assert cells[ES["runs.row_padding"]] == {ES["arch.padding_same"]}
    assert cells[ES["runs.row_pool"]] == {f"{ES['arch.pool_max']} 2×2"}
    shown = {v for values in cells.values() for v in values}
    assert not shown & {"0.002", "30.0", "mnist", "fashion-mnist", "adam", "bf16", "same", "max 2"}
    inside = page("inside", ws=code)
    labels = inside.selectbox(key="w_model_inside").options
    assert any(f" · {ES['dataset.fashion-mnist']} · " in label for label in labels), labels
    assert not any(" · mnist · " in label or " · fashion-mnist · " in label for label in labels)
    fig = figure(at)
    assert fig["layout"]["separators"] == ",."
    assert fig["layout"]["yaxis2"]["ticktext"][-1] == "100 %"  # accuracy as a percentage, as on Train, Spanish style


def test_room_scatter_axes_are_spanish_numbers_and_accuracy_a_percentage(app_env):
    app_env(CNN_PLAYGROUND_INSTRUCTOR_KEY=INSTRUCTOR_KEY)
    teacher, room = open_room(page)
    student = join_room(page, room, "Ana")
    no_exceptions(student)
    raw = tiny_model()
    new = core_runs.from_upload(checkpoint.from_bytes(raw), raw, "x.zip")
    new.source, new.test_accuracy = "trained", 0.1646
    store().add_run(student.session_state["ws"], new)
    teacher.run()
    no_exceptions(teacher)
    board = teacher.table[0].value  # indexed by rank
    assert board.iloc[0, 0] == "Ana"  # a plain nickname is shown on the board
    assert any(f"?room={room}&lang=es" in c.value for c in teacher.code)  # students land in Spanish
    assert board.iloc[0, 1] == "16,46" and board.iloc[0, 2] == f"{new.params:,}".replace(",", ".")
    fig = figure(teacher)
    assert fig["layout"]["separators"] == ",."
    ticks = fig["layout"]["xaxis"]["ticktext"]  # powers of ten, thousands grouped the Spanish way
    assert [int(x.replace(".", "")) for x in ticks] == fig["layout"]["xaxis"]["tickvals"]
    vals = fig["layout"]["xaxis"]["tickvals"]
    assert vals[0] <= new.params <= vals[-1] and all("." in x for x, v in zip(ticks, vals) if v >= 1000)
    assert fig["layout"]["yaxis"]["ticktext"][1] == "20 %" and fig["data"][0]["y"] == [0.1646]
    assert fig["data"][0]["customdata"][0][2] == "16,46 %"  # the hover, written by the app


def test_a_too_big_model_upload_names_the_limit_applied_in_spanish(app_env):
    app_env(CNN_PLAYGROUND_MAX_UPLOAD_MB="1000")  # uploads may be big; a kept model may not (the workspace's 100 MB)
    claims_300mb = zipcraft.patch(tiny_model(), "weights.pt", size=300 * 2**20)
    at = page("train")
    at.file_uploader(key="w_model_upload").set_value(("big.cnn.zip", claims_300mb, "application/zip")).run()
    at.button(key="load_model").click().run()
    no_exceptions(at)
    limit = 100  # min(MAX_UPLOAD_MB, MAX_WORKSPACE_MB, checkpoint.MAX_RUN_MODEL_MB): what Settings.run_model_limit_mb says
    # 300 MB of weights and the architecture's few bytes, rounded up: a size over a limit never reads as less
    assert any(f"El modelo ocupa 300,1 MB, más que el límite de {limit} MB." in e.value for e in at.error), \
        [e.value for e in at.error]


# ------------------------------------------------------------------ P2: no internal or English words in Spanish

def with_architecture(raw: bytes, **changes) -> bytes:
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        members = {name: z.read(name) for name in z.namelist()}
    header = json.loads(members["architecture.json"])
    header["architecture"].update(changes)
    members["architecture.json"] = json.dumps(header).encode()
    return zipcraft.make(members)


@pytest.mark.parametrize("changes, expected", [
    ({"in_height": 4096}, "el alto de la entrada debe estar entre 4 y 256 (es 4.096)"),
    ({"out_channels": [1000000000]}, "el número de filtros de un bloque debe estar entre 1 y 256 (es 1.000.000.000)"),
    ({"num_classes": 10000000}, "el número de clases debe estar entre 2 y 100 (es 10.000.000)"),
])
def test_a_bad_model_names_the_field_in_spanish_with_grouped_numbers(changes, expected):
    at = page("train")
    bad = with_architecture(tiny_model(), **changes)
    at.file_uploader(key="w_model_upload").set_value(("huge.cnn.zip", bad, "application/zip")).run()
    at.button(key="load_model").click().run()
    no_exceptions(at)
    shown = " ".join(e.value for e in at.error)
    assert expected in shown and "_" not in shown.split(":")[-1], shown


def test_a_bad_architecture_error_alone_starts_with_a_capital():

    at = AppTest.from_string("""
import streamlit as st
from cnn_core.base.errors import ArchitectureError
from ui.base.i18n import error_text
st.session_state["lang"] = "es"
st.text(error_text(ArchitectureError("err.bad_choice", field="padding", choices="same", value="x")))
""").run()
    assert at.text[0].value == "El relleno debe ser uno de: same (es x)."


@pytest.mark.parametrize(("preset", "shape", "classes", "key", "values"), [
    ("cifar", (32, 32, 3), 2, "train.adapted_classes", {"old_classes": 10, "new_classes": 2}),  # cats and dogs
    ("tutorial", (32, 32, 3), 10, "train.adapted_input", {"old_in": "28×28×1", "new_in": "32×32×3"}),
    ("tutorial", (32, 32, 3), 2, "train.adapted", {"old_in": "28×28×1", "new_in": "32×32×3", "old_classes": 10,
                                                   "new_classes": 2}),
    ("tutorial", (28, 28, 1), 10, None, {}),
])
def test_the_adapted_network_note_names_only_what_changed(preset, shape, classes, key, values):
    """A walk read "entrada 32×32×3 → 32×32×3, clases 10 → 2" for the CIFAR network on cats and dogs."""
    at = AppTest.from_string(f"""
import streamlit as st
from types import SimpleNamespace
from cnn_core.nn.architecture import PRESETS
from ui.base import state
from ui.sections.train import adapted_architecture
st.session_state["lang"] = "es"
st.session_state[state.ARCH] = PRESETS[{preset!r}]
adapted_architecture(SimpleNamespace(shape={shape!r}, num_classes={classes}))
""").run()
    assert not at.exception
    assert [i.value for i in at.info] == ([ES[key].format(**values)] if key else [])


def test_spanish_says_exactitud_wherever_english_says_accuracy():
    import tomllib

    tables = {lang: tomllib.loads((REPO / "cnn_core" / "locales" / f"{lang}.toml").read_text()) for lang in ("es", "en")}
    for key, english in tables["en"].items():
        if "accuracy" in english.lower() and "{accuracy}" not in english:
            assert "exactitud" in tables["es"][key].lower() and "precisión" not in tables["es"][key].lower(), key


@pytest.mark.realdata  # the Inside page follows a real MNIST test image
def test_inside_overview_names_layers_as_the_architecture_table_does(real_data_dir):
    at = page("inside")
    no_exceptions(at)
    shown = {m.value for m in at.markdown}
    assert {"**conv 1**", "**pool 1**", "**densa 1**", "**Salida**"} <= shown, shown
    assert not {"**conv1**", "**dense1**"} & shown
    assert "conv 1" in at.button(key="overview_conv1").help
    assert "1 posición/s" in at.select_slider(key="w_conv_speed").options  # not "1 posiciones/s"
    patch = next(d.value for d in at.table if d.value.shape == (6, 6))  # section 1's 6×6 patch, where the ink is
    rows, cols = [int(r) for r in patch.index], [int(c) for c in patch.columns]
    assert rows == list(range(rows[0], rows[0] + 6)) and cols == list(range(cols[0], cols[0] + 6))
    assert any(not str(v).startswith("0 →") for v in patch.to_numpy().ravel())  # some ink in it, not all zeros


# ------------------------------------------------------------------ P3: layout

def test_gradient_chart_shares_the_loss_plots_whole_steps_and_labels_only_powers_of_ten():
    from types import SimpleNamespace as NS

    from ui.charts.figures import training_curves
    from ui.sections.learning import gradient_curves

    steps = [NS(step=s, loss=2.3 - 0.1 * s, accuracy=0.1, epoch=0.002 * s) for s in (1, 2, 3)]
    grads = [NS(step=s, norms=(10.0 ** -s, 2.0, 30.0)) for s in (1, 2, 3)]
    grad = gradient_curves(grads, ["conv 1", "densa 1", "salida"], "g", "paso", (1, 3)).layout
    loss = training_curves(steps, [], {"loss": "l", "accuracy": "a", "train": "t", "validation": "v",
                                       "step": "paso"}).layout
    assert grad.xaxis.range == loss.xaxis.range and grad.xaxis.range[0] < 1 < 3 < grad.xaxis.range[1]
    assert grad.xaxis.dtick == loss.xaxis.dtick == 1 and grad.xaxis.tickformat == "d"  # 1, 2, 3: never 1,5
    assert grad.yaxis.type == "log" and grad.yaxis.dtick == 1  # 10⁻³, 10⁻², …: no crowded 2 3 … 9 labels


# ------------------------------------------------------------------ P4: behaviour and wording

def test_negative_numbers_have_a_real_minus_and_no_negative_zero():
    at = AppTest.from_string("""
import streamlit as st
from ui.base.i18n import num
from ui.sections.inside_conv import _factor
st.session_state["lang"] = "es"
st.text(" ".join([num(-0.25, 2), num(-0.001, 2), num(-25088), _factor(0.78) + "×" + _factor(-0.25)]))
""").run()
    assert at.text[0].value == "−0,25 0,00 −25.088 0,78×(−0,25)"


def test_a_nickname_longer_than_the_limit_is_cut_not_dropped():
    from cnn_core.store.storage import MAX_NICKNAME_LEN

    db = store()
    room, ws = db.create_room("t"), db.create_workspace()
    long_name = "<img src=x onerror=\"window.__pwned=9\"><script>alert(1)</script>**b**"
    assert db.join_room(room, ws, long_name)
    rows, _ = db.board(room)
    assert [r.nickname for r in rows] == [long_name[:MAX_NICKNAME_LEN]]


def test_a_garbled_workspace_link_says_it_is_not_valid():
    at = page("runs", ws="garbage")
    no_exceptions(at)
    shown = " ".join(w.value for w in at.warning)
    assert "no es válido" in shown and "ya no existe" not in shown, shown


def test_adapting_to_data_names_the_classes_only_when_they_change():
    at = AppTest.from_string("""
from types import SimpleNamespace as NS
import streamlit as st
from cnn_core.nn.architecture import PRESETS
from ui.base import state
from ui.sections.train import adapted_architecture
st.session_state["lang"] = "es"
st.session_state[state.ARCH] = PRESETS["tutorial"]
adapted_architecture(NS(shape=(32, 32, 3), num_classes=10))
adapted_architecture(NS(shape=(32, 32, 3), num_classes=2))
""").run()
    assert not at.exception, [e.value for e in at.exception]
    first, second = (i.value for i in at.info)
    assert "28×28×1 → 32×32×3" in first and "clases" not in first
    assert "clases 10 → 2" in second


def test_plotly_labels_keep_quotes_as_quotes_and_tags_as_text():
    from ui.charts.figures import text_label

    payload = '<img src=x onerror="window.__pwned=1">'
    # Plotly decodes &lt; &gt; &amp; but shows &quot; literally: quotes are left as they are, tags are not tags.
    assert text_label(payload) == '&lt;img src=x onerror="window.__pwned=1"&gt;'


@pytest.mark.parametrize("params, named", [({"f": "999999"}, "para los filtros por bloque (f)"),
                                           ({"k": "3", "pad": "x"}, "para el relleno (pad)"),
                                           ({"pe": "x"}, "para el número de bloques por pooling (pe)"),
                                           ({"ds": "nope"}, "para los datos (ds)")])
def test_a_bad_link_names_the_setting_at_fault_and_its_parameter(params, named):
    from ui.base.state import URL_FIELDS, URL_KEYS

    assert set(URL_FIELDS) == {*URL_KEYS, "ds"}  # every key a link may carry is named
    """A link said "invalid value (pe)": the setting is named as the page names it, then the link's key."""
    at = page("architecture", **params)
    no_exceptions(at)
    shown = " ".join(w.value for w in at.warning)
    assert "valor no válido " + named in shown and "(arch)" not in shown, shown


def test_the_instructors_room_survives_a_reload_with_the_key_typed_again(app_env):
    app_env(CNN_PLAYGROUND_INSTRUCTOR_KEY=INSTRUCTOR_KEY)
    teacher, second = open_room(page)
    store().create_room("other")  # a newer room: the reload must keep the one that was shown
    assert teacher.query_params["open"] in (second, [second])
    reloaded = page("room", open=second)  # a new session with only the address
    no_exceptions(reloaded)
    assert any("clave docente" in i.value for i in reloaded.info)
    assert INSTRUCTOR_KEY not in str(dict(reloaded.query_params))
    reloaded.text_input(key="w_instructor_key").input(INSTRUCTOR_KEY).run()
    assert reloaded.session_state["w_room_pick"] == second


def test_the_empty_live_plot_draws_both_panels_before_the_first_run():
    """Plotly leaves a subplot with no trace blank: the accuracy panel's 0–100 % axis must already show."""
    from ui.charts.figures import training_curves

    fig = training_curves([], [], {"loss": "l", "accuracy": "a", "train": "t", "validation": "v", "step": "s"})
    assert {(trace.xaxis, trace.yaxis) for trace in fig.data} == {("x", "y"), ("x2", "y2")}
    assert all(len(trace.x) == 0 and not trace.showlegend for trace in fig.data)  # nothing drawn, no legend
    assert fig.layout.yaxis.range == (0, 3) and fig.layout.yaxis2.range[0] == 0


def test_the_live_plots_legend_is_one_row_under_the_panels_and_their_ticks_have_room():
    """At its default place on the right the legend took half a phone's width (each panel about 60 px)."""
    from types import SimpleNamespace as NS

    from ui.charts.figures import training_curves

    steps = [NS(step=s, loss=2.3 - 0.1 * s, accuracy=0.1, epoch=0.002 * s) for s in (1, 2, 3)]
    evals = [NS(step=3, loss=2.0, accuracy=0.2)]
    layout = training_curves(steps, evals, {"loss": "l", "accuracy": "a", "train": "t", "validation": "v",
                                            "step": "s"}).layout
    assert layout.legend.orientation == "h" and layout.legend.y < 0 and layout.legend.yanchor == "top"
    assert layout.yaxis.automargin and layout.yaxis2.automargin  # "1,5" whole at the left edge


@pytest.mark.parametrize("lang, shown", [("es", ["0,482", "12,3", "4.917", "9,82 · 10⁻⁶", "−1,20 · 10⁻⁵"]),
                                         ("en", ["0.482", "12.3", "4,917", "9.82 · 10⁻⁶", "−1.20 · 10⁻⁵"])])
def test_tiny_numbers_are_written_as_a_book_writes_them(lang, shown):
    """Not d3's '0,00000982' or '9,8e-9', not SI's '10μ', not '2,56·10^-5'."""
    import streamlit as st
    import torch

    from ui.base.i18n import short_number
    from ui.charts.step_figures import DIVERGING, bars, number_grids

    st.session_state["lang"] = lang
    try:
        assert [short_number(v) for v in (0.482, 12.34, 4917.248, 9.82e-6, -0.000012)] == shown
        fig = bars(["conv 1", "salida"], [9.82e-6, 0.482], "g", log=True)
        tiny = torch.tensor([[9.8e-9, -1.1e-6], [0.0, 2.0e-7]])
        grid = number_grids([("∂L/∂w", tiny, DIVERGING)], scale_tiny=True)
        pixels = number_grids([("p", tiny, "gray")])  # not a gradient grid: its values as they are
    finally:
        st.session_state["lang"] = "es"
    assert list(fig.data[0].text) == [shown[3], shown[0]]
    assert fig.layout.yaxis.exponentformat == "power"
    assert grid.layout.annotations[0].text == "∂L/∂w (× 10⁻⁶)"  # one power of ten for the grid
    assert float(abs(grid.data[0].z).max()) == pytest.approx(1.1) and grid.data[0].texttemplate == "%{z:.2f}"
    assert grid.data[0].hovertemplate == "%{z:.2f} × 10⁻⁶<extra></extra>"
    assert float(abs(pixels.data[0].z).max()) == pytest.approx(1.1e-6) and pixels.layout.annotations[0].text == "p"


@pytest.mark.parametrize("lang, digits", [("es", "MNIST (dígitos)"), ("en", "MNIST (digits)")])
def test_a_dataset_is_named_the_way_the_dataset_picker_names_it(lang, digits):
    """'tu entrenamiento … con MNIST (dígitos)', not '… con mnist'; a zip's own name stays literal text."""
    import streamlit as st

    from ui.base.i18n import dataset_name

    st.session_state["lang"] = lang
    try:
        assert dataset_name("mnist") == digits
        assert dataset_name("gatos_y_perros") == "gatos_y_perros"  # a zip's own name, as typed
    finally:
        st.session_state["lang"] = "es"


def test_the_outer_grid_titles_start_and_end_at_their_grids_edges():
    """A title wider than its 3×3 grid, centred on the first grid, ran off the figure: 'íxeles bajo el kernel'."""
    import torch

    from ui.charts.step_figures import number_grids

    grids = [(title, torch.zeros(3, 3), "gray") for title in ("Píxeles bajo el kernel", "Kernel", "Productos")]
    first, middle, last = number_grids(grids).layout.annotations
    assert (first.xanchor, first.x) == ("left", -0.5)  # the figure's left edge
    assert (middle.xanchor, middle.x) == ("center", 5.0)
    assert (last.xanchor, last.x) == ("right", 10.5)  # its right edge
    (alone,) = number_grids(grids[:1]).layout.annotations
    assert alone.xanchor == "center"


def test_the_kept_answer_keys_are_the_answer_boxes_and_nothing_else():
    from ui.base import state

    for key in (state.answer_key("receptive_field", 0), state.answer_key("normalise", 12),
                state.choice_key("padding")):
        assert state.EX_ANSWER.fullmatch(key), key
    for key in ("ex_feedback_receptive_field", "ex_revealed_normalise", state.EX_SEED, "w_room_code"):
        assert not state.EX_ANSWER.fullmatch(key), key

"""Numbers in both languages, and every new exercise's checker against an independent computation.

Each concept exercise is generated for many seeds; the answer is recomputed
here by plain arithmetic (not by the functions the core uses) and typed as a
Spanish and as an English reader would write it.
"""

import html
import math
import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from cnn_core.base import numbers, texts
from cnn_core.lessons.exercises import (
    answer_text,
    check_answers,
    check_task,
    exercise_text,
    make_exercises,
    option_texts,
    parse_number,
    worksheet_html,
    worksheet_markdown,
)
from cnn_core.nn.architecture import PRESETS

# Every variation the Exercises page offers (its number box goes from 0 to 9999); 0 is the tutorial's numbers.
SEEDS = st.integers(0, 9999)


def over_variations(test):
    """A property of every variation: checked on the tutorial's (0) and on 60 drawn by Hypothesis."""
    return settings(max_examples=60, deadline=None)(example(seed=0)(given(seed=SEEDS)(test)))


def by_id(seed):
    return {ex.id: ex for ex in make_exercises(seed)}


# ------------------------------------------------------------------ numbers

@pytest.mark.parametrize("lang, n, text", [("es", 25088, "25.088"), ("en", 25088, "25,088"),
                                           ("es", 208982, "208.982"), ("en", 208982, "208,982"),
                                           ("es", 4917248, "4.917.248"), ("en", 784, "784")])
def test_whole_numbers_are_grouped_the_languages_way(lang, n, text):
    assert numbers.format_number(n, lang) == text
    assert texts.translate(lang, "ex.worksheet_variation", seed=n).endswith(text)


@pytest.mark.parametrize("lang, value, decimals, text", [("es", 0.5, 1, "0,5"), ("en", 0.5, 1, "0.5"),
                                                         ("es", 1234.5, 2, "1.234,50"),
                                                         ("en", 1234.5, 2, "1,234.50")])
def test_decimals_use_the_languages_mark(lang, value, decimals, text):
    assert numbers.format_number(value, lang, decimals) == text


def test_percentages():
    assert numbers.format_percent(0.995, "es") == "99,50 %"
    assert numbers.format_percent(0.995, "en") == "99.50%"
    assert numbers.format_percent(0.5, "es", 0) == "50 %"


@settings(max_examples=200, deadline=None)
@given(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(["es", "en"]), st.integers(0, 4))
def test_a_kept_percentage_is_the_one_written_afresh(value, lang, decimals):
    """Percentages of floats are kept (a live plot's hover texts): the same text as one written anew, whatever
    the language, the decimals or the values written before it; NaN and infinities are never kept."""
    kept = numbers.format_percent(value, lang, decimals)
    assert kept == numbers.format_percent(value, lang, decimals) == numbers._percent_text(value, lang, decimals)
    assert numbers.format_percent(value, "en" if lang == "es" else "es", decimals) == numbers._percent_text(
        value, "en" if lang == "es" else "es", decimals)
    if value != value or value in (float("inf"), float("-inf")):
        before = numbers._percent_of_float.cache_info().currsize
        numbers.format_percent(value, lang, decimals)
        assert numbers._percent_of_float.cache_info().currsize == before


@settings(max_examples=300, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15), st.integers(0, 6))
def test_numbers_round_as_python_does_with_one_minus_sign_rule(value, decimals):
    """CLDR's marks on Python's own rounding; a real minus, and no sign on what rounds to zero."""
    python = f"{value:,.{decimals}f}"
    expected = python.lstrip("-") if not python.strip("-0.,") else python.replace("-", "−")
    assert numbers.format_number(value, "en", decimals) == expected
    swapped = expected.translate(str.maketrans({",": ".", ".": ","}))
    assert numbers.format_number(value, "es", decimals) == swapped


def test_every_place_writes_a_negative_number_alike():
    """The core's texts and the exercises share one formatter with the app (tests/app/test_page_details.py): "−8"."""
    ex = by_id(0)["gradient_step"]
    assert answer_text(ex, "es").startswith("−8 ")
    assert "−25.088" in texts.translate("es", "ex.worksheet_variation", seed=-25088)
    assert numbers.trimmed(-0.0001, "es") == "0" and numbers.trimmed(-8.0, "en") == "−8"
    assert parse_number(answer_text(ex, "en").split(" · ")[0], integer=False) == -8  # typed back, it is read


@pytest.mark.parametrize("lang, shown", [("pt", ["25.088", "0,5", "99,50%"]), ("fr", ["25 088", "0,5", "99,50 %"]),
                                         ("de", ["25.088", "0,5", "99,50 %"])])
def test_a_new_language_writes_numbers_by_its_code_without_number_keys(lang, shown):
    written = [numbers.format_number(25088, lang), numbers.format_number(0.5, lang, 1),
               numbers.format_percent(0.995, lang)]
    assert [w.replace("\u202f", " ") for w in written] == shown


def test_a_language_that_groups_otherwise_is_grouped_its_way():
    assert numbers.format_number(123456789, "hi") == "12,34,56,789"  # CLDR's Indian grouping, through Babel
    assert numbers.format_number(-1234567.891, "hi", 2) == "−12,34,567.89"


def test_exercise_texts_write_numbers_the_readers_way():
    ex = by_id(0)
    assert "6.272" in exercise_text(ex["dense_compare"], "text", "es")
    assert "6,272" in exercise_text(ex["dense_compare"], "text", "en")
    assert "2,0; 1,0; 0,1" in exercise_text(ex["softmax"], "text", "es")
    assert "2.0; 1.0; 0.1" in exercise_text(ex["softmax"], "text", "en")
    assert answer_text(ex["dense_compare"], "es") == "4.917.248"
    assert answer_text(ex["gradient_step"], "es") == "−8 · 1,3"
    assert answer_text(ex["gradient_step"], "en") == "−8 · 1.3"


# ------------------------------------------------------------------ the concept exercises

def test_at_least_eight_concept_exercises_several_multiple_choice_all_explained():
    concept = ["relu", "maxpool_grid", "receptive_field", "padding", "most_params", "softmax_shift",
               "overfitting", "gradient_step", "weight_sharing"]
    exercises = by_id(0)
    assert set(concept) <= set(exercises)
    assert sum(exercises[c].kind == "choice" for c in concept) >= 3
    for ex in exercises.values():
        for lang in texts.languages():
            assert exercise_text(ex, "explain", lang).strip()


@over_variations
def test_relu(seed):
    ex = by_id(seed)["relu"]
    out = [max(0, v) for v in ex.params["values"]]
    assert check_answers(ex, [", ".join(map(str, out))])
    assert check_answers(ex, ["; ".join(map(str, out))])
    assert not check_answers(ex, [", ".join(map(str, ex.params["values"]))]) or min(ex.params["values"]) >= 0
    assert not check_answers(ex, [", ".join(map(str, out[:-1]))])


@over_variations
def test_maxpool_grid(seed):
    ex = by_id(seed)["maxpool_grid"]
    g = ex.params["grid"].rows
    out = [max(g[r][c], g[r][c + 1], g[r + 1][c], g[r + 1][c + 1]) for r in (0, 2) for c in (0, 2)]
    assert check_answers(ex, [" ".join(map(str, out))])
    assert not check_answers(ex, [", ".join(map(str, [min(g[r][c], g[r][c + 1], g[r + 1][c], g[r + 1][c + 1])
                                                      for r in (0, 2) for c in (0, 2)]))]) or len(set(out)) == 1
    assert not check_answers(ex, [", ".join(map(str, out[::-1]))]) or out == out[::-1]


@over_variations
def test_receptive_field(seed):
    ex = by_id(seed)["receptive_field"]
    k, n = ex.params["k"], ex.params["n"]
    assert check_answers(ex, [str(1 + n * (k - 1))])
    assert not check_answers(ex, [str(n * k)])
    if seed == 0:
        assert check_answers(ex, ["5"])


@over_variations
def test_padding(seed):
    ex = by_id(seed)["padding"]
    size, k = ex.params["size"], ex.params["k"]
    assert check_answers(ex, [str(size), str(size - k + 1)])
    assert not check_answers(ex, [str(size - k + 1), str(size)])


@over_variations
def test_most_params(seed):
    ex = by_id(seed)["most_params"]
    p = ex.params
    counts = [9 * 1 * p["f1"] + p["f1"], 9 * p["f1"] * p["f2"] + p["f2"], 9 * p["f2"] * p["f3"] + p["f3"],
              p["flat"] * p["units"] + p["units"], p["units"] * 10 + 10]
    assert p["flat"] == 3 * 3 * p["f3"]
    best = counts.index(max(counts))
    shown = ex.options.index(best)  # where the right option appears on the page
    assert check_answers(ex, [str(shown)])
    assert all(not check_answers(ex, [str(i)]) for i in range(5) if i != shown)
    assert p["best_params"] == max(counts)
    assert answer_text(ex, "es") == option_texts(ex, "es")[shown]


@over_variations
def test_softmax_shift(seed):
    ex = by_id(seed)["softmax_shift"]
    scores = [s.value for s in ex.params["scores"]]
    shifted = [s + ex.params["shift"] for s in scores]
    p = [math.exp(s) / sum(math.exp(t) for t in scores) for s in scores]
    q = [math.exp(s) / sum(math.exp(t) for t in shifted) for s in shifted]
    assert p == pytest.approx(q)  # so "they do not change" (opt0) is right
    assert check_answers(ex, [str(ex.options.index(0))])
    assert sum(check_answers(ex, [str(i)]) for i in range(4)) == 1


@over_variations
def test_overfitting(seed):
    ex = by_id(seed)["overfitting"]
    val = [v.value for v in ex.params["val"]]
    train = [v.value for v in ex.params["train"]]
    stop = val.index(min(val)) + 1
    assert val.count(min(val)) == 1 and 1 < stop < len(val)
    assert all(a >= b for a, b in zip(train, train[1:]))  # training loss never rises
    assert val[-1] > min(val)  # validation rises: overfitting is visible
    assert check_answers(ex, [str(stop)])
    assert not check_answers(ex, [str(len(val))])


@over_variations
def test_gradient_step(seed):
    ex = by_id(seed)["gradient_step"]
    w, x, y, lr = ex.params["w"].value, ex.params["x"], ex.params["y"], ex.params["lr"].value
    grad = 2 * (w * x - y) * x
    new_w = w - lr * grad
    assert grad != 0
    assert check_answers(ex, [f"{grad:g}", f"{new_w:.2f}"])
    assert check_answers(ex, [f"{grad:g}".replace(".", ","), f"{new_w:.2f}".replace(".", ",")])
    assert not check_answers(ex, [f"{-grad:g}", f"{w + lr * grad:.2f}"])


@over_variations
def test_weight_sharing(seed):
    ex = by_id(seed)["weight_sharing"]
    assert sorted(ex.options) == [0, 1, 2, 3]
    right = ex.options.index(0)
    assert check_answers(ex, [str(right)]) and not check_answers(ex, [str((right + 1) % 4)])
    assert not check_answers(ex, [""])


def test_the_build_exercise_is_not_solved_by_the_default_network():
    ex = by_id(0)["build_tutorial"]
    assert not check_task(ex, {"arch": PRESETS["tutorial"]})  # not started: the default is the answer
    assert check_task(ex, {"arch": PRESETS["tutorial"], "build_started": True})
    from cnn_core.lessons.exercises import BUILD_START
    assert not check_task(ex, {"arch": BUILD_START, "build_started": True})
    other = by_id(5)["build_tutorial"]
    target = PRESETS["tutorial"].replace(out_channels=(32, 64, other.params["target_c"]))
    assert check_task(other, {"arch": target, "build_started": True})


def test_the_sixth_question_does_not_give_away_the_seventh():
    exercises = make_exercises(0)
    sixth, seventh = exercises[5], exercises[6]
    text = exercise_text(sixth, "text", "es") + exercise_text(sixth, "hint", "es")
    assert answer_text(seventh, "es") not in text and answer_text(seventh, "en") not in text


# ------------------------------------------------------------------ worksheet and answer key

@pytest.mark.parametrize("lang", ["es", "en"])
def test_worksheet_carries_the_variation_and_no_answers(lang):
    exercises = make_exercises(7)
    sheet = worksheet_markdown(exercises, 7, lang)
    key = worksheet_markdown(exercises, 7, lang, key=True)
    assert texts.translate(lang, "ex.worksheet_variation", seed=7) in sheet
    assert texts.translate(lang, "ex.worksheet_variation", seed=7) in key
    assert answer_text({e.id: e for e in exercises}["dense_compare"], lang) not in sheet
    for ex in exercises:
        assert answer_text(ex, lang) in key


def test_every_variation_writes_its_four_files_in_every_language():
    """The Exercises page writes them only when a button is pressed (a deferred download, which AppTest cannot
    press): each file is written here for variations across the box's range, in every language."""
    for seed in (0, 1, 4321, 9999):
        exercises = make_exercises(seed)
        for lang in texts.languages():
            variation = texts.translate(lang, "ex.worksheet_variation", seed=seed)
            for key in (False, True):
                sheet = worksheet_markdown(exercises, seed, lang, key)
                page = html.unescape(worksheet_html(exercises, seed, lang, key))
                assert variation in sheet and variation in page, (seed, lang, key)
                for ex in exercises:
                    title = exercise_text(ex, "title", lang)
                    assert title in sheet and title in page, (seed, lang, key, ex.id)


def test_printable_html_escapes_every_value():
    exercises = make_exercises(0)
    page = worksheet_html(exercises, 0, "es")
    assert page.startswith("<!doctype html>") and "Variante 0" in page
    assert "<table class='grid'>" in page and "&lt;" not in page.replace("&lt;", "", 0)
    key = worksheet_html(exercises, 0, "es", key=True)
    assert "4.917.248" in key
    # text with markup (as a translator or a future parameter could bring) comes out as text
    hostile = [e if e.id != "relu" else type(e)(e.id, e.kind, {"values": "<script>alert(1)</script>"},
                                                e.expected) for e in exercises]
    page = worksheet_html(hostile, 0, "en")
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert re.search(r"<strong>[^<]*</strong>", worksheet_html(exercises, 0, "en", key=True))
    assert html.unescape("&lt;b&gt;") == "<b>"

"""Exercises are answered by the core's own functions, for the tutorial and for variations."""

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from cnn_core.lessons.exercises import check_answers, check_task, make_exercises, parse_number
from cnn_core.nn.architecture import PRESETS, layer_table


def by_id(seed=0):
    return {ex.id: ex for ex in make_exercises(seed)}


def over_variations(examples: int, first: int = 0):
    """A property of every variation from ``first`` up (the page's number box offers 0-9999; 0 is the tutorial's
    numbers): checked on ``first`` and on ``examples`` more drawn by Hypothesis."""
    def wrap(test):
        return settings(max_examples=examples, deadline=None)(
            example(seed=first)(given(seed=st.integers(first, 9999))(test)))
    return wrap


def test_at_least_ten_exercises_cover_the_tutorial():
    ids = set(by_id())
    assert len(ids) >= 10
    assert {"input_gray", "input_colour", "normalise", "conv_neurons", "conv_params", "dense_compare",
            "pool_neurons", "build_tutorial", "output_size", "one_hot", "softmax", "train_target",
            "draw_mistake"} <= ids


def test_seed_zero_asks_the_tutorials_numbers():
    ex = by_id(0)
    assert check_answers(ex["input_gray"], ["784"])
    assert check_answers(ex["input_colour"], ["2,352"])
    assert check_answers(ex["conv_neurons"], ["25.088"])  # Spanish thousands separator
    assert check_answers(ex["conv_params"], ["288", "320"])
    assert check_answers(ex["dense_compare"], ["4917248"])
    assert check_answers(ex["pool_neurons"], ["6272"])
    assert check_answers(ex["normalise"], ["0,502"])  # Spanish decimal comma: 128/255
    assert check_answers(ex["output_size"], ["2", "3", "10"])
    assert check_answers(ex["one_hot"], ["0, 0, 1"])
    assert check_answers(ex["softmax"], ["0.659"])


@pytest.mark.parametrize("answers, exercise", [
    (["785"], "input_gray"), (["784"], "input_colour"), (["320", "288"], "conv_params"),
    (["0.6"], "normalise"), (["1,0,0"], "one_hot"), (["abc"], "pool_neurons"), ([""], "softmax"),
    (["2", "3"], "output_size"),
])
def test_wrong_answers_are_rejected(answers, exercise):
    assert not check_answers(by_id(0)[exercise], answers)


@over_variations(30, first=1)
def test_variations_are_checked_with_independently_computed_answers(seed):
    ex = by_id(seed)
    h, w = ex["input_gray"].params["h"], ex["input_gray"].params["w"]
    f = ex["conv_neurons"].params["filters"]
    assert check_answers(ex["input_gray"], [str(h * w)])
    assert check_answers(ex["conv_neurons"], [str(h * w * f)])
    assert check_answers(ex["conv_params"], [str(9 * f), str(9 * f + f)])
    assert check_answers(ex["pool_neurons"], [str((h // 2) * (w // 2) * f)])
    assert check_answers(ex["dense_compare"], [str(h * w * (h // 2) * (w // 2) * f)])
    v = ex["normalise"].params["value"]
    assert check_answers(ex["normalise"], [f"{v / 255:.3f}"])
    assert not check_answers(ex["input_gray"], [str(h * w + 1)])


def test_tasks_are_checked_against_the_session():
    ex = by_id(0)
    started = {"build_started": True}
    assert check_task(ex["build_tutorial"], {"arch": PRESETS["tutorial"], **started})
    assert not check_task(ex["build_tutorial"], {"arch": PRESETS["lenet"], **started})
    assert not check_task(ex["build_tutorial"], {"arch": PRESETS["tutorial"].replace(out_channels=(32,) * 5),
                                                 **started})
    assert layer_table(PRESETS["tutorial"])[-4].output_shape == (3, 3, 128)
    assert check_task(ex["train_target"], {"test_accuracy": 0.985})
    assert not check_task(ex["train_target"], {"test_accuracy": 0.95})
    assert not check_task(ex["train_target"], {})
    assert check_task(ex["draw_mistake"], {"draw_mistakes": [("4", "9")]})
    assert not check_task(ex["draw_mistake"], {"draw_mistakes": []})


@pytest.mark.parametrize("text, integer, value", [
    ("25.088", True, 25088), ("25,088", True, 25088), (" 1 152 ", True, 1152), ("6272", True, 6272),
    ("6272.0", True, 6272), ("6272,0", True, 6272), ("6.272", True, 6272), ("6,272", True, 6272),
    ("4.917.248", True, 4917248), ("4,917,248", True, 4917248), ("25.088,0", True, 25088),
    ("0,5", False, 0.5), ("0.5", False, 0.5), ("0,502", False, 0.502), ("1,234.5", False, 1234.5),
    ("1.234,5", False, 1234.5), ("-8", False, -8), ("−0,46", False, -0.46), ("+3", True, 3),
])
def test_number_parsing_reads_both_languages(text, integer, value):
    assert parse_number(text, integer=integer) == pytest.approx(value)


@pytest.mark.parametrize("text", ["x", "", "1.2.3,4,5", "6.27", "--3", ".5.", "1e5", "12 34"])
def test_number_parsing_refuses_what_is_not_a_number(text):
    assert parse_number(text, integer=True) is None or text == "6.27"  # 6.27 is read, and is not 6272
    assert parse_number("6.27", integer=True) == pytest.approx(6.27)


def test_tutorial_answers_typed_every_way_are_accepted():
    ex = by_id(0)
    for typed in ("6272", "6272.0", "6.272", "6,272", "6 272"):
        assert check_answers(ex["pool_neurons"], [typed]), typed
    assert not check_answers(ex["pool_neurons"], ["6.27"])


VARIATIONS = range(0, 60)


def test_the_right_option_is_not_always_first_and_no_option_is_much_longer_than_the_others():
    """Length and place give no answer away: over every variation and language."""
    from statistics import median

    from cnn_core.lessons.exercises import option_texts

    firsts: dict[str, set[int]] = {}
    for seed in VARIATIONS:
        for ex in make_exercises(seed):
            if ex.kind != "choice":
                continue
            firsts.setdefault(ex.id, set()).add(ex.expected[0])
            for lang in ("es", "en"):
                lengths = [len(text) for text in option_texts(ex, lang)]
                assert max(lengths) <= 2 * median(lengths), (ex.id, seed, lang, option_texts(ex, lang))
    assert firsts and all(len(places) > 1 for places in firsts.values()), firsts
    tutorial = [ex.expected[0] for ex in make_exercises(0) if ex.kind == "choice"]
    assert any(tutorial), tutorial  # the tutorial's own numbers too: the answer is not first in every question


@over_variations(60)
def test_usual_mistakes_are_computed_from_the_exercises_numbers_and_named(seed):
    from cnn_core.lessons.exercises import usual_mistake

    ex = by_id(seed)
    h, w = ex["input_gray"].params["h"], ex["input_gray"].params["w"]
    f = ex["conv_neurons"].params["filters"]
    ch, cw = ex["input_colour"].params["h"], ex["input_colour"].params["w"]
    assert usual_mistake(ex["conv_params"], [str(9 * f), str(9 * f)]) == "bias"
    assert usual_mistake(ex["input_colour"], [str(ch * cw)]) == "colours"
    assert usual_mistake(ex["conv_neurons"], [str(h * w)]) == "filters"  # a grey input: the maps
    assert usual_mistake(ex["pool_neurons"], [str((h // 2) * (w // 2))]) == "filters"
    size, k = ex["padding"].params["size"], ex["padding"].params["k"]
    assert usual_mistake(ex["padding"], [str(size - k + 1), str(size)]) == "padding"
    g = ex["gradient_step"].params
    w0, x, y, lr = g["w"].value, g["x"], g["y"], g["lr"].value
    grad = 2 * (w0 * x - y) * x
    assert usual_mistake(ex["gradient_step"], [str(grad / 2), "0"]) == "factor2"
    assert usual_mistake(ex["gradient_step"], [str(grad), str(w0 + lr * grad)]) == "step_sign"
    assert usual_mistake(ex["conv_params"], [str(9 * f), str(10 * f)]) is None  # right: no mistake
    assert usual_mistake(ex["input_gray"], [str(h * w + 1)]) is None  # wrong, but not a usual slip


@over_variations(60)
def test_no_usual_mistake_is_a_right_answer(seed):
    for ex in make_exercises(seed):
        for _, wrong in ex.mistakes:
            assert any(w is not None and w != e for w, e in zip(wrong, ex.expected)), (ex.id, wrong)


def test_each_usual_mistake_has_its_feedback_in_every_language_and_names_what_was_left_out():
    """A grey input's maps were once told to multiply by "the input's 3 colours": each slip has its own text."""
    from cnn_core.base import texts

    keys = {key for ex in make_exercises(0) for key, _ in ex.mistakes}
    for lang in texts.languages():
        for key in keys:
            assert texts.table(lang).get(f"ex.mistake.{key}"), (lang, key)
    kinds = {ex.id: {key for key, _ in ex.mistakes} for ex in make_exercises(0)}
    assert kinds["input_colour"] == {"colours"}  # 28 × 28 × 3: the colour channels left out
    assert kinds["conv_neurons"] == kinds["pool_neurons"] == kinds["dense_compare"] == {"filters"}  # one map each


@over_variations(20)
def test_the_why_texts_show_the_working_with_the_exercises_numbers(seed):
    from cnn_core.base.numbers import trimmed as short_number
    from cnn_core.lessons.exercises import exercise_text

    ex = by_id(seed)
    g = ex["gradient_step"]
    w0, x, y, lr = g.params["w"].value, g.params["x"], g.params["y"], g.params["lr"].value
    grad = 2 * (w0 * x - y) * x
    for lang in ("es", "en"):
        why = exercise_text(g, "explain", lang)
        yhat, y_shown = short_number(w0 * x, lang), short_number(y, lang)
        assert f"2 · ({yhat} − {y_shown if y >= 0 else f'({y_shown})'}) · {x} = {short_number(grad, lang)}" in why
        assert short_number(w0 - lr * grad, lang, 2).rstrip("0") in why
        params = exercise_text(ex["conv_params"], "explain", lang)
        f = ex["conv_params"].params["filters"]
        assert f"3 × 3 × 1 × {f}" in params and short_number(9 * f, lang) in params
        pad = exercise_text(ex["padding"], "explain", lang)
        size, k = ex["padding"].params["size"], ex["padding"].params["k"]
        assert f"{size} − {k} + 1 = {size - k + 1}" in pad


def test_the_experiments_exercises_ask_the_tutorials_numbers():
    ex = by_id(0)
    assert check_answers(ex["dense_network_params"], ["79.510"])  # 784×100 + 100 + 100×10 + 10
    assert check_answers(ex["photo_cost"], ["150,528", "15052900"])  # 224×224×3, × 100 + 100
    assert check_answers(ex["cats_dogs"], ["3072", "2"])
    for choice in (ex["shift_test"], ex["kernel_ascent"]):  # the right option's place is shuffled per variation
        assert choice.options[choice.expected[0]] == 0  # the first written option is the right one
        assert check_answers(choice, [str(choice.expected[0])])
    assert not check_answers(ex["cats_dogs"], ["3072", "10"])


@over_variations(11, first=1)
def test_the_experiments_exercises_vary_and_are_checked_independently(seed):
    ex = by_id(seed)
    side, units = ex["dense_network_params"].params["h"], ex["dense_network_params"].params["units"]
    assert check_answers(ex["dense_network_params"], [str(side * side * units + units + units * 10 + 10)])
    side, units = ex["photo_cost"].params["h"], ex["photo_cost"].params["units"]
    n = side * side * 3
    assert check_answers(ex["photo_cost"], [str(n), str(n * units + units)])
    side = ex["cats_dogs"].params["h"]
    assert check_answers(ex["cats_dogs"], [str(side * side * 3), "2"])


def test_the_experiments_come_after_the_tutorials_exercises_and_before_the_tasks():
    """After every exercise drawing from the variation's random stream, so those keep their numbers."""
    ids = [ex.id for ex in make_exercises(7)]
    assert ids.index("weight_sharing") < ids.index("dense_network_params") < ids.index("train_target")


@pytest.mark.parametrize("seed", range(6))
def test_the_parameter_explanations_show_their_working_and_it_adds_up(seed):
    """A student who got it wrong reads every step, with the numbers in it (one step lacked its 784), and a
    comparison with the tutorial's network that its own table confirms (it claimed fewer weights)."""
    from cnn_core.lessons.exercises import answer_text, exercise_text, make_exercises
    from cnn_core.nn.architecture import PRESETS, layer_table, totals

    by_id = {ex.id: ex for ex in make_exercises(seed)}
    dense, photo = by_id["dense_network_params"], by_id["photo_cost"]
    p = dense.params
    assert p["inputs"] == p["h"] * p["w"] and p["hidden"] + p["output"] == dense.expected[0]
    tutorial = totals(layer_table(PRESETS["tutorial"])).params
    assert p["tutorial"] == tutorial == p["tutorial_kernels"] + p["tutorial_dense"] and tutorial > dense.expected[0]
    text = exercise_text(dense, "explain", "en")
    assert f"{p['h']} × {p['w']} = {p['inputs']:,} inputs" in text and f"In all, {answer_text(dense, 'en')}." in text
    assert f"= {p['hidden']:,};" in text and f"more parameters ({tutorial:,})" in text
    q = photo.params
    assert (q["inputs"], q["params"]) == tuple(photo.expected)
    text = exercise_text(photo, "explain", "es")
    assert f"{q['h']} × {q['w']} × 3 = {q['inputs']:,} neuronas".replace(",", ".") in text
    assert f"+ {q['units']} = {q['params']:,} parámetros".replace(",", ".") in text

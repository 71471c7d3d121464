"""Exercises are answered by the core's own functions, for the tutorial and for variations."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnn_core.lessons.exercises import check_answers, check_task, make_exercises, parse_number
from cnn_core.nn.architecture import PRESETS, layer_table


def by_id(seed=0):
    return {ex.id: ex for ex in make_exercises(seed)}


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


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(1, 9999))  # every variation but the tutorial's (0) the page's number box offers
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

"""The tutorial's exercises: generated from a seed, answered by the core's own functions.

Seed 0 asks exactly the tutorial's numbers (28×28 digits, 32 filters, ...);
other seeds vary image sizes, filter counts, scores, grids and curves, and the
expected answers are computed by :mod:`cnn_core.nn.architecture`,
:mod:`cnn_core.nn.inspection` and torch (ReLU, max-pooling, a gradient), never
written in, so every variation is still checked correctly.

Texts live in the translation files under ``ex.<id>.*`` (``title``, ``text``,
``hint``, ``explain``, ``a0``… for answer boxes, ``opt<i>`` for choices);
:func:`exercise_text` fills them in, with numbers written the reader's way.
The printable worksheet and the instructor's answer key are built here too, so
they can be produced without the app. This module does not import Streamlit.
"""

from __future__ import annotations

import dataclasses
import html
import random
import re
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F

from cnn_core.base import numbers, texts
from cnn_core.nn.architecture import (
    PRESETS,
    Architecture,
    conv_output_size,
    fully_connected_comparison,
    input_cost,
    layer_table,
    totals,
)
from cnn_core.nn.inspection import one_hot, softmax


@dataclass(frozen=True)
class Number:
    """A decimal shown to the reader: written with the reader's decimal mark."""

    value: float
    decimals: int = 2


@dataclass(frozen=True)
class Term:
    """A number inside a worked formula: in parentheses when negative, so '5 − (−3)' never reads '5 − -3'."""

    value: float | int | Number


@dataclass(frozen=True)
class Grid:
    """A small table of integers (a 4×4 patch) shown as a table in the question."""

    rows: tuple[tuple[int, ...], ...]


@dataclass(frozen=True)
class Exercise:
    id: str  # also the translation key prefix
    kind: str  # "answer": typed answers; "choice": pick one option; "task": done in the app
    params: dict = field(default_factory=dict)  # values shown in the question
    expected: tuple = ()  # one entry per answer box (numbers, or a tuple for a vector); choice: (index,)
    tolerance: float = 0.0  # absolute, for fractional answers
    options: tuple[int, ...] = ()  # choice: the order the option texts ``opt<i>`` are shown in
    decimals: int = 3  # how an expected decimal answer is written in the answer key
    # The usual wrong answers, computed from this exercise's own numbers: ((mistake key, answers), ...), an
    # answer of None matching whatever is typed in that box. The key names the text ``ex.mistake.<key>``.
    mistakes: tuple = ()


# What a learner's exercise is, in the session and in the workspace: solved by their answer, or revealed by
# "Show the solution" (never counted as solved, even if the revealed answer is typed afterwards).
SOLVED = "solved"
REVEALED = "revealed"


def solved_count(progress: dict, exercises: list[Exercise]) -> int:
    """How many of ``exercises`` the learner solved (``progress``: {exercise id: SOLVED or REVEALED})."""
    return sum(progress.get(ex.id) == SOLVED for ex in exercises)


# ------------------------------------------------------------------ reading answers

_GROUPED = re.compile(r"\d{1,3}([.,' ]\d{3})+")  # fullmatch: "$" would let a final newline through


def parse_number(text: str, integer: bool) -> float | None:
    """Read what a person types: '25088', '25.088', '25,088', '6272.0', '0,5', '-1.5', '1.234,5'.

    For a whole-number answer a single mark followed by three digits groups
    thousands (the Spanish '6.272' and the English '6,272'); otherwise one mark
    is the decimal mark. None if unreadable.
    """
    s = str(text).strip().replace("\u00a0", " ").replace("\u202f", " ").replace("\u2212", "-")
    s = s.replace("_", "")
    sign = -1.0 if s.startswith("-") else 1.0
    s = s[1:].strip() if s[:1] in "+-" and s else s
    if not s or not re.fullmatch(r"[\d.,' ]+", s) or not s[0].isdigit():
        return None
    marks = [c for c in s if c in ".,"]
    if "." in marks and "," in marks:  # both: the last one is the decimal mark
        dec = s.rfind(".") if s.rfind(".") > s.rfind(",") else s.rfind(",")
        whole, frac = s[:dec], s[dec + 1:]
        if not _GROUPED.fullmatch(whole) and not whole.isdigit():
            return None
        s = re.sub(r"[.,' ]", "", whole) + "." + frac
    elif " " in s or "'" in s or len(marks) > 1 or (integer and _GROUPED.fullmatch(s)):
        if not _GROUPED.fullmatch(s):
            return None
        s = re.sub(r"[.,' ]", "", s)
    else:
        s = s.replace(",", ".")
    try:
        return sign * float(s)
    except ValueError:
        return None


def parse_vector(text: str) -> tuple[float, ...] | None:
    """'0, 0, 1', '[3; 0; 5]', '3 0 5' → numbers; separated by commas, semicolons or spaces."""
    s = str(text).replace("[", " ").replace("]", " ").replace("(", " ").replace(")", " ")
    parts = [p for p in re.split(r"[;,\s]+", s) if p]
    values = [parse_number(p, integer=False) for p in parts]
    return None if not values or any(v is None for v in values) else tuple(values)


def _matches(given: str, expected, tolerance: float) -> bool:
    if isinstance(expected, tuple):
        values = parse_vector(given)
        return values is not None and len(values) == len(expected) and all(
            abs(v - e) <= tolerance + 1e-9 for v, e in zip(values, expected))
    value = parse_number(given, integer=isinstance(expected, int))
    return value is not None and abs(value - expected) <= tolerance + 1e-9


def check_answers(ex: Exercise, answers: list[str]) -> bool:
    if ex.kind == "choice":
        return len(answers) == 1 and str(answers[0]).strip() == str(ex.expected[0])
    if ex.kind != "answer" or len(answers) != len(ex.expected):
        return False
    return all(_matches(given, expected, ex.tolerance) for given, expected in zip(answers, ex.expected))


def usual_mistake(ex: Exercise, answers: list[str]) -> str | None:
    """The usual mistake that wrong ``answers`` show ("bias", "colours", "filters", "padding", ...), or None."""
    if ex.kind != "answer" or len(answers) != len(ex.expected) or check_answers(ex, answers):
        return None
    for key, wrong in ex.mistakes:
        if all(w is None or _matches(a, w, ex.tolerance) for a, w in zip(answers, wrong)):
            return key
    return None


BUILD_START = Architecture(out_channels=(8,), dense=(32,))  # where "build the network" starts from


def check_task(ex: Exercise, session: dict) -> bool:
    """Tasks are done in the app: ``session`` holds 'arch', 'build_started', 'test_accuracy', 'draw_mistakes'."""
    if ex.id == "build_tutorial":
        arch = session.get("arch")
        if not session.get("build_started") or arch is None:
            return False  # the exercise starts from another network, so it is solved only by building
        try:
            layers = layer_table(arch)
        except Exception:
            return False
        maps = [layer for layer in layers if len(layer.output_shape) == 3]
        target = (ex.params["target_h"], ex.params["target_w"], ex.params["target_c"])
        return maps[0].output_shape == (28, 28, 1) and len(maps) > 1 and maps[-1].output_shape == target
    if ex.id == "train_target":
        acc = session.get("test_accuracy")
        return acc is not None and acc >= ex.params["target"] / 100
    if ex.id == "draw_mistake":
        return any(drawn != predicted for drawn, predicted in session.get("draw_mistakes", []))
    return False


# ------------------------------------------------------------------ the exercises


def _choice(ex_id: str, params: dict, correct: int, count: int, rng: random.Random) -> Exercise:
    """A multiple-choice exercise: options ``opt0``…, shown in an order shuffled for every variation."""
    order = list(range(count))
    rng.shuffle(order)
    return Exercise(ex_id, "choice", params, (order.index(correct),), options=tuple(order))


def _relu(rng: random.Random, seed: int) -> Exercise:
    values = [-3, 2, 0, -1, 5] if seed == 0 else [rng.randint(-9, 9) for _ in range(5)]
    out = torch.relu(torch.tensor(values, dtype=torch.float32)).tolist()  # (5,)
    return Exercise("relu", "answer", {"values": tuple(values)}, (tuple(out),))


def _maxpool_grid(rng: random.Random, seed: int) -> Exercise:
    if seed == 0:
        rows = ((1, 3, 2, 0), (4, 6, 1, 1), (0, 2, 9, 5), (3, 1, 4, 7))
    else:
        rows = ((0,) * 4,) * 4
        while len({max(rows[r][c], rows[r][c + 1], rows[r + 1][c], rows[r + 1][c + 1])
                   for r in (0, 2) for c in (0, 2)}) < 3:  # windows with different maxima
            rows = tuple(tuple(rng.randint(0, 9) for _ in range(4)) for _ in range(4))
    pooled = F.max_pool2d(torch.tensor(rows, dtype=torch.float32)[None, None], 2)[0, 0]  # (2, 2)
    return Exercise("maxpool_grid", "answer", {"grid": Grid(rows)}, (tuple(pooled.flatten().tolist()),))


def _receptive_field(rng: random.Random, seed: int) -> Exercise:
    k, n = (3, 2) if seed == 0 else (rng.choice([3, 5, 7]), rng.choice([2, 3]))
    arch = Architecture(in_height=64, in_width=64, out_channels=(8,) * n, kernel_size=k, pool="none")
    last_conv = [layer for layer in layer_table(arch) if layer.kind == "conv"][-1]
    return Exercise("receptive_field", "answer", {"k": k, "n": n}, (last_conv.receptive_field,))


def _padding(rng: random.Random, seed: int) -> Exercise:
    size, k = (28, 3) if seed == 0 else (rng.choice([16, 20, 24, 32, 48]), rng.choice([3, 5, 7]))
    same, valid = conv_output_size(size, k, "same"), conv_output_size(size, k, "valid")
    # 'same' and 'valid' read the wrong way round: one box holds the other's size
    return Exercise("padding", "answer", {"size": size, "k": k, "valid": valid}, (same, valid),
                    mistakes=(("padding", (valid, None)), ("padding", (None, same))))


def _most_params(rng: random.Random, seed: int) -> Exercise:
    """Which layer holds most parameters; the options are the network's own layers."""
    while True:
        if seed == 0:
            arch = Architecture()
        else:
            arch = Architecture(out_channels=tuple(sorted(rng.sample([16, 32, 64, 128], 3))),
                                dense=(rng.choice([32, 64, 100, 128, 256]),))
        layers = [layer for layer in layer_table(arch) if layer.params]
        counts = sorted(layer.params for layer in layers)
        if counts[-1] > counts[-2]:  # one clear answer
            break
    names = ("conv1", "conv2", "conv3", "dense1", "output")
    best = max(layers, key=lambda layer: layer.params)
    flat = next(layer for layer in layer_table(arch) if layer.kind == "flatten")
    ex = _choice("most_params", {
        "f1": arch.out_channels[0], "f2": arch.out_channels[1], "f3": arch.out_channels[2],
        "units": arch.dense[0], "flat": flat.neurons, "best_params": best.params,
    }, names.index(best.name), len(names), rng)
    return ex


def _softmax_shift(rng: random.Random, seed: int) -> Exercise:
    scores = [2.0, 1.0, 0.1] if seed == 0 else [round(rng.uniform(-2, 3), 1) for _ in range(3)]
    shift = 5 if seed == 0 else rng.choice([1, 2, 3, 10, 100])
    probs = softmax(scores).tolist()
    return _choice("softmax_shift", {"scores": tuple(Number(s, 1) for s in scores),
                                     "probs": tuple(Number(p, 2) for p in probs), "shift": shift},
                   0, 4, rng)


def _overfitting(rng: random.Random, seed: int) -> Exercise:
    """Two loss curves; the answer is the epoch with the lowest validation loss (where to stop)."""
    epochs = 8
    best = 4 if seed == 0 else rng.randint(3, 6)
    train = [round(0.9 * 0.72 ** e, 2) for e in range(epochs)]
    val = []
    for e in range(1, epochs + 1):
        dip = 0.95 * 0.8 ** min(e, best)
        rise = 0.06 * max(0, e - best) + (0.01 * rng.random() if seed else 0)
        val.append(round(dip + rise + 0.03 * (e > best), 2))
    stop = val.index(min(val)) + 1  # the first epoch with the lowest validation loss
    return Exercise("overfitting", "answer", {"train": tuple(Number(v, 2) for v in train),
                                              "val": tuple(Number(v, 2) for v in val), "epochs": epochs},
                    (stop,))


def _gradient_step(rng: random.Random, seed: int) -> Exercise:
    """One weight, prediction w·x, loss (w·x − y)²: the gradient and the weight after one step."""
    if seed == 0:
        w0, x, y, lr = 0.5, 2, 3, 0.1
    else:
        w0, x, lr = rng.choice([0.5, 1.0, 1.5, -0.5, 2.0]), rng.choice([1, 2, 3]), rng.choice([0.1, 0.05, 0.01])
        y = rng.choice([v for v in range(-3, 7) if v != w0 * x])  # a wrong prediction: the gradient is not 0
    w = torch.tensor(w0, dtype=torch.float64, requires_grad=True)
    loss = (w * x - y) ** 2
    loss.backward()
    grad = float(w.grad)
    new_w = w0 - lr * grad
    working = {"yhat": float(w0 * x), "y_term": Term(y), "grad": round(grad, 4), "grad_term": Term(round(grad, 4)),
               "new_w": round(new_w, 4)}  # for the explanation's worked steps
    return Exercise("gradient_step", "answer", {"w": Number(w0, 1), "x": x, "y": y, "lr": Number(lr, 2), **working},
                    (round(grad, 4), round(new_w, 4)), tolerance=0.01, decimals=2,
                    mistakes=(("factor2", (round(grad / 2, 4), None)),  # d(e²)/de = 2e: the 2 left out
                              ("step_sign", (None, round(w0 + lr * grad, 4)))))  # a step up the gradient


# ------------------------------------------------------------------ the tutorial's arguments as experiments
# (dense networks, the shift test, cats and dogs, what a kernel looks for: the Architecture, Runs and Inside pages)


def _dense_network_params(rng: random.Random, seed: int) -> Exercise:
    """A network with no conv block: pixels → one dense layer → softmax; its parameters from the layer table."""
    side, units = (28, 100) if seed == 0 else (rng.choice([16, 20, 24, 28, 32]), rng.choice([32, 64, 100, 128]))
    arch = Architecture(in_height=side, in_width=side, out_channels=(), dense=(units,))
    tutorial = layer_table(PRESETS["tutorial"])  # the comparison the explanation draws, counted, not written in
    working = {"inputs": side * side, "hidden": side * side * units + units, "output": units * 10 + 10,
               "tutorial": totals(tutorial).params,
               "tutorial_kernels": sum(layer.params for layer in tutorial if layer.kind == "conv"),
               "tutorial_dense": sum(layer.params for layer in tutorial if layer.kind in ("dense", "output"))}
    return Exercise("dense_network_params", "answer", {"h": side, "w": side, "units": units, **working},
                    (totals(layer_table(arch)).params,))


def _photo_cost(rng: random.Random, seed: int) -> Exercise:
    """What a colour photo costs a dense layer: its input neurons and the first layer's parameters."""
    side, units = (224, 100) if seed == 0 else (rng.choice([64, 96, 128, 160, 224]), rng.choice([64, 100, 128]))
    cost = input_cost((side, side, 3), units)
    return Exercise("photo_cost", "answer", {"h": side, "w": side, "units": units, "inputs": cost.neurons,
                                             "params": cost.dense_params},  # for the explanation's working
                    (cost.neurons, cost.dense_params))


def _cats_dogs(rng: random.Random, seed: int) -> Exercise:
    """The cats-and-dogs dataset: CIFAR-10's 32×32×3 images, two classes."""
    side = 32 if seed == 0 else rng.choice([32, 48, 64])
    return Exercise("cats_dogs", "answer", {"h": side, "w": side},
                    (input_cost((side, side, 3), 1).neurons, 2))


def make_exercises(seed: int = 0) -> list[Exercise]:
    rng = random.Random(seed)
    if seed == 0:
        side, colour_side, filters, pixel = 28, 28, 32, 128
        scores = [2.0, 1.0, 0.1]
    else:
        side = rng.choice([16, 20, 24, 32, 48, 64])
        colour_side = rng.choice([24, 32, 48, 64])
        filters = rng.choice([8, 16, 24, 48, 64])
        pixel = rng.randint(1, 254)
        scores = [round(rng.uniform(-2, 3), 1) for _ in range(3)]
    classes_a = 2 if seed == 0 else rng.choice([2, 4, 5])
    gray = Architecture(in_height=side, in_width=side, in_channels=1, out_channels=(filters,))
    gray_layers = layer_table(gray)
    colour = Architecture(in_height=colour_side, in_width=colour_side, in_channels=3, out_channels=(filters,))
    cmp = fully_connected_comparison(gray)
    probs = softmax(scores).tolist()
    exps = torch.exp(torch.tensor(scores, dtype=torch.float64)).tolist()  # (3,): softmax's working
    conv, pool = gray_layers[1], gray_layers[2]
    # the usual slips, computed like the answers: one channel instead of three or of one per filter
    colour_one_channel = layer_table(colour.replace(in_channels=1))[0].neurons
    one_map = layer_table(gray.replace(out_channels=(1,)))
    label = 2 if seed == 0 else rng.randrange(3)
    target_c = 128 if seed == 0 else rng.choice([64, 96, 128, 192])
    target = 98 if seed == 0 else rng.choice([95, 97, 98])
    return [
        Exercise("input_gray", "answer", {"h": side, "w": side}, (gray_layers[0].neurons,)),
        Exercise("input_colour", "answer", {"h": colour_side, "w": colour_side},
                 (layer_table(colour)[0].neurons,), mistakes=(("colours", (colour_one_channel,)),)),
        Exercise("normalise", "answer", {"value": pixel}, (round(pixel / 255, 4),), tolerance=0.005),
        Exercise("conv_neurons", "answer", {"h": side, "w": side, "filters": filters},
                 (conv.neurons,), mistakes=(("filters", (one_map[1].neurons,)),)),
        Exercise("conv_params", "answer", {"filters": filters, "h": side, "w": side, "k": gray.kernel_size,
                                           "weights": conv.weights, "params": conv.params},
                 (conv.weights, conv.params), mistakes=(("bias", (None, conv.weights)),)),
        # pooling before the dense comparison: the comparison's text states the pooled count
        Exercise("pool_neurons", "answer", {"h": side, "w": side, "filters": filters,
                                            "ph": pool.output_shape[0], "pw": pool.output_shape[1]},
                 (pool.neurons,), mistakes=(("filters", (one_map[2].neurons,)),)),
        Exercise("dense_compare", "answer",
                 {"inputs": cmp.input_neurons, "pooled": cmp.pooled_neurons, "h": side // 2, "w": side // 2,
                  "filters": filters}, (cmp.dense_to_pooled_weights,),
                 mistakes=(("filters", (cmp.input_neurons * one_map[2].neurons,)),)),
        Exercise("build_tutorial", "task", {"target_h": 3, "target_w": 3, "target_c": target_c,
                                            "start": BUILD_START.out_channels[0]}),
        Exercise("output_size", "answer", {"a": classes_a, "b": 3, "c": 10}, (classes_a, 3, 10)),
        Exercise("one_hot", "answer", {"classes": 3, "label": label, "label_human": label + 1},
                 (tuple(float(v) for v in one_hot(label, 3)),)),
        Exercise("softmax", "answer", {"scores": tuple(Number(s, 1) for s in scores),
                                       **{f"s{i + 1}": Number(s, 1) for i, s in enumerate(scores)},
                                       **{f"e{i + 1}": Number(e, 2) for i, e in enumerate(exps)},
                                       "total": Number(sum(exps), 2)},
                 (round(probs[0], 3),), tolerance=0.01),
        # the concepts behind the counts
        _relu(rng, seed),
        _maxpool_grid(rng, seed),
        _receptive_field(rng, seed),
        _padding(rng, seed),
        _most_params(rng, seed),
        _softmax_shift(rng, seed),
        _overfitting(rng, seed),
        _gradient_step(rng, seed),
        _choice("weight_sharing", {}, 0, 4, rng),
        # the tutorial's arguments as experiments (after the others, whose variations stay as they were)
        _dense_network_params(rng, seed),
        _photo_cost(rng, seed),
        _cats_dogs(rng, seed),
        _choice("shift_test", {}, 0, 4, rng),
        _choice("kernel_ascent", {}, 0, 4, rng),
        Exercise("train_target", "task", {"target": target}),
        Exercise("draw_mistake", "task", {}),
    ]


# ------------------------------------------------------------------ texts


def render_value(value, lang: str, html_table: bool = False) -> str:
    """A parameter or answer as the reader's language writes it."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return numbers.format_number(value, lang)
    if isinstance(value, Number):
        return numbers.format_number(value.value, lang, value.decimals)
    if isinstance(value, Term):
        shown = render_value(value.value, lang)
        return f"({shown})" if float(getattr(value.value, "value", value.value)) < 0 else shown
    if isinstance(value, float):
        return numbers.trimmed(value, lang)
    if isinstance(value, Grid):
        if html_table:
            body = "".join("<tr>" + "".join(f"<td>{v}</td>" for v in row) + "</tr>" for row in value.rows)
            return f"<table class='grid'>{body}</table>"
        width = max(len(str(v)) for row in value.rows for v in row)
        body = "\n".join("  ".join(str(v).rjust(width) for v in row) for row in value.rows)
        return f"\n\n```\n{body}\n```\n\n"  # a code block: aligned in Streamlit and in a .md file
    if isinstance(value, (tuple, list)):
        parts = [render_value(v, lang) for v in value]
        decimal = any(isinstance(v, (float, Number)) and not float(getattr(v, "value", v)).is_integer()
                      for v in value)
        return ("; " if decimal else ", ").join(parts)  # '0,5; 1,2' keeps Spanish decimals readable
    return str(value)


def answer_text(ex: Exercise, lang: str) -> str:
    """The expected answer as the reader would write it (the option's text for a choice)."""
    if ex.kind == "task":
        return texts.translate(lang, "ex.task_answer")
    if ex.kind == "choice":
        return exercise_text(ex, f"opt{ex.options[ex.expected[0]]}", lang)
    parts = []
    for value in ex.expected:
        if isinstance(value, tuple):
            parts.append(render_value(tuple(int(v) if float(v).is_integer() else v for v in value), lang))
        elif isinstance(value, float):
            parts.append(numbers.trimmed(value, lang, ex.decimals))
        else:
            parts.append(render_value(value, lang))
    return " · ".join(parts)


def exercise_text(ex: Exercise, part: str, lang: str, html_table: bool = False) -> str:
    """``ex.<id>.<part>`` in ``lang`` with the exercise's values written the reader's way."""
    params = {k: render_value(v, lang, html_table) for k, v in ex.params.items()}
    if part == "explain":
        params["answer"] = answer_text(ex, lang)
    return texts.translate(lang, f"ex.{ex.id}.{part}", **params)


def option_texts(ex: Exercise, lang: str) -> list[str]:
    """A choice's options in the order shown (index = the value to check)."""
    return [exercise_text(ex, f"opt{i}", lang) for i in ex.options]


def answer_labels(ex: Exercise, lang: str) -> list[str]:
    return [texts.translate(lang, f"ex.{ex.id}.a{i}") for i in range(len(ex.expected))] if ex.kind == "answer" else []


# ------------------------------------------------------------------ worksheet and answer key

_LETTERS = "abcdefgh"


def worksheet_markdown(exercises: list[Exercise], seed: int, lang: str, key: bool = False) -> str:
    """The worksheet for students, or with ``key=True`` the instructor's answer key, in Markdown."""
    tr = lambda k, **p: texts.translate(lang, k, **p)  # noqa: E731
    title = tr("ex.key_title" if key else "ex.worksheet_title")
    lines = [f"# {title}", "", tr("ex.worksheet_variation", seed=seed), ""]
    if not key:
        lines += [tr("ex.worksheet_name"), ""]
    for n, ex in enumerate(exercises, start=1):
        lines += [f"## {n}. {exercise_text(ex, 'title', lang)}", ""]
        if key:
            lines += [f"**{tr('ex.answer', answer=answer_text(ex, lang))}**", "",
                      exercise_text(ex, "explain", lang), ""]
            continue
        lines += [exercise_text(ex, "text", lang), ""]
        if ex.kind == "answer":
            lines += [f"- {label}: ________" for label in answer_labels(ex, lang)] + [""]
        elif ex.kind == "choice":
            lines += [f"- ({_LETTERS[i]}) {text}" for i, text in enumerate(option_texts(ex, lang))] + [""]
    return "\n".join(lines)


_BOLD = re.compile(r"\*\*(.+?)\*\*")


def _html_text(text: str) -> str:
    """Escape first, then turn the translations' **bold** into <strong>."""
    return _BOLD.sub(r"<strong>\1</strong>", html.escape(text)).replace("\n", "<br>")


def _without_grid(ex: Exercise) -> Exercise:
    """The exercise with its grid left out of the text (the HTML sheet draws it as a table)."""
    return dataclasses.replace(ex, params={k: "" if isinstance(v, Grid) else v for k, v in ex.params.items()})


def worksheet_html(exercises: list[Exercise], seed: int, lang: str, key: bool = False) -> str:
    """The same sheet as a printable HTML page (every value escaped); print it or save it as PDF."""
    tr = lambda k, **p: texts.translate(lang, k, **p)  # noqa: E731
    title = tr("ex.key_title" if key else "ex.worksheet_title")
    out = [f"<!doctype html><html lang='{html.escape(lang)}'><head><meta charset='utf-8'>",
           f"<title>{html.escape(title)}</title><style>body{{font-family:sans-serif;max-width:48rem;margin:2rem auto}}"
           "h2{font-size:1.1rem;margin-top:1.6rem}.blank{display:inline-block;min-width:10rem;"
           "border-bottom:1px solid #000}table.grid td{border:1px solid #555;width:2rem;height:2rem;"
           "text-align:center}table.grid{border-collapse:collapse}section{break-inside:avoid}</style></head><body>",
           f"<h1>{html.escape(title)}</h1>", f"<p>{_html_text(tr('ex.worksheet_variation', seed=seed))}</p>"]
    if not key:
        out.append(f"<p>{_html_text(tr('ex.worksheet_name'))}</p>")
    for n, ex in enumerate(exercises, start=1):
        out.append(f"<section><h2>{n}. {html.escape(exercise_text(ex, 'title', lang))}</h2>")
        if key:
            out.append(f"<p><strong>{html.escape(tr('ex.answer', answer=answer_text(ex, lang)))}</strong></p>")
            out.append(f"<p>{_html_text(exercise_text(ex, 'explain', lang))}</p></section>")
            continue
        grid = next((v for v in ex.params.values() if isinstance(v, Grid)), None)
        text = exercise_text(_without_grid(ex), "text", lang)
        out.append(f"<p>{_html_text(text)}</p>")
        if grid is not None:
            out.append(render_value(grid, lang, html_table=True))
        if ex.kind == "answer":
            out.append("<ul>" + "".join(f"<li>{html.escape(label)}: <span class='blank'></span></li>"
                                        for label in answer_labels(ex, lang)) + "</ul>")
        elif ex.kind == "choice":
            out.append("<ul>" + "".join(f"<li>({_LETTERS[i]}) {html.escape(text)}</li>"
                                        for i, text in enumerate(option_texts(ex, lang))) + "</ul>")
        out.append("</section>")
    out.append("</body></html>")
    return "".join(out)

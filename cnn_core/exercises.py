"""The tutorial's exercises: generated from a seed, answered by the core's own functions.

Seed 0 asks exactly the tutorial's numbers (28×28 digits, 32 filters, ...);
other seeds vary image sizes, filter counts, class counts and scores, and the
expected answers are computed by :mod:`cnn_core.architecture` and
:mod:`cnn_core.inspection`, never written in, so every variation is still checked
correctly. Texts live in the app's translation tables under ``ex.<id>.*``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from .architecture import Architecture, fully_connected_comparison, layer_table
from .inspection import one_hot, softmax


@dataclass(frozen=True)
class Exercise:
    id: str  # also the translation key prefix
    kind: str  # "answer": typed answers; "task": done in the app, checked from the session
    params: dict = field(default_factory=dict)  # values shown in the question
    expected: tuple = ()  # one entry per answer box (numbers, or a tuple for a vector)
    tolerance: float = 0.0  # absolute, for fractional answers


def parse_number(text: str, integer: bool) -> float | None:
    """Read '25088', '25,088', '25.088' (Spanish thousands), '0,5' or '0.5'; None if unreadable."""
    s = str(text).strip().replace(" ", "").replace("\u00a0", "")
    if not s:
        return None
    try:
        if integer:
            return float(int(s.replace(",", "").replace(".", "").replace("_", "")))
        if "," in s and "." not in s:
            s = s.replace(",", ".")  # decimal comma
        return float(s.replace(",", ""))
    except ValueError:
        return None


def parse_vector(text: str) -> tuple[int, ...] | None:
    parts = [p for p in str(text).replace("[", "").replace("]", "").replace(";", ",").replace(" ", ",").split(",") if p]
    try:
        return tuple(int(p) for p in parts)
    except ValueError:
        return None


def check_answers(ex: Exercise, answers: list[str]) -> bool:
    if ex.kind != "answer" or len(answers) != len(ex.expected):
        return False
    for given, expected in zip(answers, ex.expected):
        if isinstance(expected, tuple):
            if parse_vector(given) != expected:
                return False
            continue
        value = parse_number(given, integer=isinstance(expected, int))
        if value is None or abs(value - expected) > ex.tolerance + 1e-9:
            return False
    return True


def check_task(ex: Exercise, session: dict) -> bool:
    """Tasks are done in the app: ``session`` holds 'arch', 'test_accuracy', 'draw_mistakes'."""
    if ex.id == "build_tutorial":
        arch = session.get("arch")
        try:
            layers = layer_table(arch)
        except Exception:
            return False
        maps = [layer for layer in layers if len(layer.output_shape) == 3]
        return len(maps) > 1 and maps[-1].output_shape == tuple(ex.params["target"])
    if ex.id == "train_target":
        acc = session.get("test_accuracy")
        return acc is not None and acc >= ex.params["target"] / 100
    if ex.id == "draw_mistake":
        return any(drawn != predicted for drawn, predicted in session.get("draw_mistakes", []))
    return False


def make_exercises(seed: int = 0) -> list[Exercise]:
    rng = random.Random(seed)
    if seed == 0:
        side, colour_side, filters, pixel = 28, 28, 32, 128
        classes_a, scores = 2, [2.0, 1.0, 0.1]
    else:
        side = rng.choice([16, 20, 24, 32, 48, 64])
        colour_side = rng.choice([24, 32, 48, 64])
        filters = rng.choice([8, 16, 24, 48, 64])
        pixel = rng.randint(1, 254)
        classes_a = rng.choice([2, 4, 5])
        scores = [round(rng.uniform(-2, 3), 1) for _ in range(3)]
    gray = Architecture(in_height=side, in_width=side, in_channels=1, out_channels=(filters,))
    gray_layers = layer_table(gray)
    colour = Architecture(in_height=colour_side, in_width=colour_side, in_channels=3, out_channels=(filters,))
    cmp = fully_connected_comparison(gray)
    probs = softmax(scores).tolist()
    label = 2 if seed == 0 else rng.randrange(3)
    return [
        Exercise("input_gray", "answer", {"h": side, "w": side}, (gray_layers[0].neurons,)),
        Exercise("input_colour", "answer", {"h": colour_side, "w": colour_side},
                 (layer_table(colour)[0].neurons,)),
        Exercise("normalise", "answer", {"value": pixel}, (round(pixel / 255, 4),), tolerance=0.005),
        Exercise("conv_neurons", "answer", {"h": side, "w": side, "filters": filters},
                 (gray_layers[1].neurons,)),
        Exercise("conv_params", "answer", {"filters": filters, "h": side, "w": side},
                 (gray_layers[1].weights, gray_layers[1].params)),
        Exercise("dense_compare", "answer",
                 {"inputs": cmp.input_neurons, "pooled": cmp.pooled_neurons, "h": side // 2, "w": side // 2,
                  "filters": filters}, (cmp.dense_to_pooled_weights,)),
        Exercise("pool_neurons", "answer", {"h": side, "w": side, "filters": filters},
                 (gray_layers[2].neurons,)),
        Exercise("build_tutorial", "task", {"target": (3, 3, 128)}),
        Exercise("output_size", "answer", {"a": classes_a, "b": 3, "c": 10}, (classes_a, 3, 10)),
        Exercise("one_hot", "answer", {"classes": 3, "label": label, "label_human": label + 1},
                 (tuple(one_hot(label, 3)),)),
        Exercise("softmax", "answer", {"scores": ", ".join(f"{s:g}" for s in scores)},
                 (round(probs[0], 3),), tolerance=0.01),
        Exercise("train_target", "task", {"target": 98 if seed == 0 else rng.choice([95, 97, 98])}),
        Exercise("draw_mistake", "task", {}),
    ]

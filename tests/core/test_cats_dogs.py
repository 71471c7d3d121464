"""Cats and dogs: the tutorial's two-class photo example, CIFAR-10's cat and dog images as a dataset of its own."""

import pytest
import torch

from cnn_core.data import registry
from cnn_core.data.loading import ImageData, class_subset


def test_cats_dogs_is_registered_with_two_classes_and_named_in_both_languages():
    info = registry.get("cats-dogs")
    assert info.classes == ("cat", "dog") and info.shape == (32, 32, 3) and info.mirror_safe
    assert [registry.get("cifar10").classes[i] for i in info.parent_classes] == ["cat", "dog"]
    assert [registry.display_class("cats-dogs", i, c, "es") for i, c in enumerate(info.classes)] == ["gato", "perro"]
    from cnn_core.base import texts
    assert texts.translate("es", "dataset.cats-dogs").startswith("Gatos y perros")


def test_class_subset_keeps_cats_and_dogs_by_name_whatever_the_parents_order():
    names = list(registry.get("cifar10").classes)
    shuffled = names[::-1]  # a copy whose folders come in another order
    y = torch.arange(20) % 10
    x = y.view(-1, 1, 1, 1).expand(20, 3, 2, 2).to(torch.uint8).contiguous()  # each image holds its label
    data = ImageData("cifar10", shuffled, x, y, x[:10], y[:10])
    sub = class_subset(data, registry.get("cats-dogs"))
    cat, dog = shuffled.index("cat"), shuffled.index("dog")
    assert sub.classes == ["cat", "dog"] and sub.name == "cats-dogs"
    assert sub.train_y.tolist() == [1, 0, 1, 0]  # in the images' order: dog (index 4) comes first here
    assert sub.train_x[:, 0, 0, 0].tolist() == [dog, cat, dog, cat]
    assert sub.test_y.tolist() == [1, 0]


@pytest.mark.realdata
@pytest.mark.usefixtures("cifar_decoded")  # CIFAR-10 decoded once for the session
def test_the_train_page_offers_cats_and_dogs_and_trains_a_two_way_softmax(real_data_dir):
    from conftest import no_exceptions, open_page, start_timed_training

    at = open_page("train", 120, lang="es", ds="cats-dogs")
    no_exceptions(at)
    assert at.radio(key="w_dataset").value == "cats-dogs"
    job = start_timed_training(at, 2)
    assert job.wait(120), "the training did not finish"
    arch = job.model.arch
    assert (arch.in_height, arch.in_width, arch.in_channels, arch.num_classes) == (32, 32, 3, 2)


@pytest.mark.realdata
@pytest.mark.usefixtures("cifar_decoded")  # CIFAR-10 decoded once for the session
@pytest.mark.parametrize(("flag", "dataset", "classes", "sizes", "seeds", "preset"),
                         [("--cats-dogs", "cats-dogs", 2, (10_000, 2_000), 2, "small"),
                          ("--cifar10", "cifar10", 10, None, 1, None)])
def test_the_benchmark_reports_photo_accuracy_after_each_time_budget_over_seeds(
        real_data_dir, capsys, monkeypatch, flag, dataset, classes, sizes, seeds, preset):
    import json

    from cnn_core.cli import main as cli
    from cnn_core.nn.architecture import PRESETS, adapt_to_data, layer_table, totals

    monkeypatch.setattr(cli, "keep_freed_memory", lambda: True)  # a process-wide setting: not this test's to make
    budgets = [0.2, 0.4] if seeds > 1 else [0.4]
    assert cli.main(["bench", "--data-dir", str(real_data_dir), flag, "--seeds", str(seeds),
                     "--budgets", ",".join(map(str, budgets)), *(["--preset", preset] if preset else [])]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["dataset"], report["input"], report["hflip"], report["seeds"]) == (dataset, [32, 32, 3], True, seeds)
    if sizes:
        assert (report["train_images"], report["test_images"]) == sizes
    network = preset or "cifar"  # the photos' own preset unless --preset names another, adapted to them
    assert report["architecture"] == network
    assert report["params"] == totals(layer_table(adapt_to_data(PRESETS[network], 32, 32, 3, classes))).params
    runs = report["runs"]
    assert [(r["budget_s"], r["seed"]) for r in runs] == [(b, s) for b in budgets for s in range(seeds)]
    assert all(r["steps"] >= 1 and 0 <= r["test_accuracy"] <= 1 for r in runs)
    # How each ended, said: a budget this short reaches the peak learning rate within a few steps, where a network
    # may blow up (the trainer keeps its last good weights and says "diverged"; 30 s runs warm up over 7.5 s).
    assert all(r["reason"] in ("done", "diverged") for r in runs), [r["reason"] for r in runs]
    for r in runs:  # the curve: test accuracy at points on the way, ending with the run's own figure at its end
        seconds = [s for s, _ in r["accuracy_curve"]]
        assert seconds == sorted(seconds)
        assert r["accuracy_curve"][-1] == [r["train_seconds"], r["test_accuracy"]]
    if len(runs) > 2:  # points on the way (one run alone may be a single slow step: oneDNN's first on a busy machine)
        assert max(len(r["accuracy_curve"]) for r in runs) >= 2
    for budget in budgets:  # each budget's mean and spread over its seeds
        accs = [r["test_accuracy"] for r in runs if r["budget_s"] == budget]
        assert report["accuracy_after_s"][f"{budget:g}"] == {
            "mean": round(sum(accs) / len(accs), 4), "min": min(accs), "max": max(accs), "reached": f"{seeds} of {seeds}"}
    assert cli.main(["bench", flag, "--budgets", "-1"]) == 2  # refused before anything loads
    assert cli.main(["bench", "--cifar10", "--cats-dogs"]) == 2
    assert cli.main(["bench", flag, "--budgets", "30,30"]) == 2  # one budget twice: two figures under one name
    assert cli.main(["bench", "--preset", "fast", "--skip-accuracy"]) == 2  # no accuracy run for it to name
    assert cli.build_parser().parse_args(["bench"]).budgets == [30.0, 300.0]  # the two figures

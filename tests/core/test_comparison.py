"""The ready comparison of dense networks and a CNN: which networks it picks, and that they train one at a time."""

import threading

from hypothesis import given, settings
from hypothesis import strategies as st

from cnn_core.nn.architecture import PRESETS, UNIT_CHOICES, Architecture, layer_table, similar_params_dense, totals
from cnn_core.nn.model import build_model
from cnn_core.train import comparison
from cnn_core.train.config import TrainConfig
from cnn_core.train.jobs import Scheduler, start_training


def dense_params_by_hand(inputs: int, units: int, classes: int) -> int:
    """A one-hidden-layer dense network's weights and biases, counted apart from the library."""
    return inputs * units + units + units * classes + classes


def test_the_small_cnns_partner_is_784_32_10_and_the_tutorials_is_784_256_10():
    # 26,698 parameters against 25,450; the tutorial's 208,982 against 203,530 (the nearest slider step)
    assert totals(layer_table(PRESETS["small"])).params == 26_698
    small = similar_params_dense(PRESETS["small"])
    assert small == Architecture(out_channels=(), dense=(32,), kernel_size=3) and small.out_channels == ()
    assert totals(layer_table(small)).params == dense_params_by_hand(784, 32, 10) == 25_450
    assert similar_params_dense(PRESETS["tutorial"]).dense == (256,)


@settings(max_examples=60, deadline=None)
@given(filters=st.lists(st.sampled_from([4, 8, 16, 32, 64]), min_size=1, max_size=3),
       units=st.sampled_from([16, 64, 128]), side=st.sampled_from([28, 32]), channels=st.sampled_from([1, 3]),
       classes=st.integers(2, 20))
def test_no_other_slider_width_comes_closer_to_the_cnns_parameter_count(filters, units, side, channels, classes):
    cnn = Architecture(in_height=side, in_width=side, in_channels=channels, out_channels=tuple(filters),
                       dense=(units,), num_classes=classes)
    target = totals(layer_table(cnn)).params
    picked = similar_params_dense(cnn)
    assert (picked.out_channels, len(picked.dense)) == ((), 1)
    assert (picked.in_height, picked.in_channels, picked.num_classes) == (side, channels, classes)
    inputs = side * side * channels
    best = min(abs(dense_params_by_hand(inputs, u, classes) - target) for u in UNIT_CHOICES)
    assert abs(dense_params_by_hand(inputs, picked.dense[0], classes) - target) == best
    assert sum(p.numel() for p in build_model(picked).parameters()) == dense_params_by_hand(inputs, picked.dense[0],
                                                                                            classes)


def test_the_plan_is_a_dense_network_of_the_cnns_size_the_cnn_and_a_much_bigger_dense_one():
    entries = comparison.plan()
    assert [e.role for e in entries] == list(comparison.ROLES)
    same, cnn, bigger = entries
    assert cnn.arch == PRESETS["small"] and bigger.arch == PRESETS["dense_wide"]
    assert not same.arch.out_channels and not bigger.arch.out_channels and cnn.arch.out_channels
    assert abs(same.params - cnn.params) / cnn.params < 0.1
    assert bigger.params > 10 * cnn.params


def test_the_networks_train_one_after_the_other_each_through_the_executors_jobs(tiny_data):
    scheduler = Scheduler(max_running=3)  # room for all three at once: the comparison must still wait
    cfg = TrainConfig(time_budget_s=0.3, val_size=50, probe_every_s=None)
    jobs, ended_before = [], []

    def start(arch):
        ended_before.append([job.finished for job in jobs])  # what had ended when this one began
        jobs.append(start_training(build_model(arch), tiny_data, cfg, scheduler))
        return jobs[-1]

    entries = comparison.plan(PRESETS["small"].replace(num_classes=2))
    run = comparison.Comparison(entries, start).start()
    assert run.wait(120) and run.error is None
    assert run.jobs == jobs and [j.model.arch for j in jobs] == [e.arch for e in entries]
    assert all(j.finished and j.snapshot().result.test_accuracy is not None for j in jobs)
    assert ended_before == [[], [True], [True, True]]


def test_stop_ends_the_running_network_and_starts_no_other(tiny_data):
    cfg = TrainConfig(time_budget_s=60, val_size=50, probe_every_s=None)
    first_started = threading.Event()

    def start(arch):
        job = start_training(build_model(arch), tiny_data, cfg)
        first_started.set()
        return job

    run = comparison.Comparison(comparison.plan(PRESETS["small"].replace(num_classes=2)), start).start()
    assert first_started.wait(30)
    run.jobs[0].wait_first_step(30)
    run.stop()
    assert run.wait(60)
    assert len(run.jobs) == 1 and run.jobs[0].snapshot().result.reason == "stopped"

"""Real training on real MNIST, stopping, NaN, background jobs, model files."""

import copy
import io
import math
import os
import pickle
import platform
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pytest
import torch

from cnn_core import PRESETS
from cnn_core.base.errors import ArchitectureError, ModelFileError, PlaygroundError
from cnn_core.nn import checkpoint
from cnn_core.nn.model import build_model, predict_proba
from cnn_core.train import jobs
from cnn_core.train.jobs import Scheduler, TrainingJob, estimate_wait, expected_seconds
from cnn_core.train.trainer import (
    EvalEvent,
    History,
    StepEvent,
    TrainConfig,
    check_fits,
    confusion_matrix,
    eval_batch_size,
    evaluate,
    lr_at,
    native_bf16,
    pick_device,
    resolve_precision,
    train,
)

# The precisions the app trains in on this machine: fp32, and bf16 where "auto" picks it (a processor that
# multiplies bf16). Where bf16 is only imitated (a 2-core AVX2 machine: 208 images/s against fp32's 2,372, 79 s of
# the suite) nobody trains in it unless they ask by name and the page warns them; its path is checked there by
# test_training_multiplies_in_the_chosen_precision_and_keeps_fp32_weights[bf16-dtype1] (a tiny dataset), and its
# accuracy here on processors that have it.
APP_PRECISIONS = sorted({"fp32", resolve_precision("auto", pick_device())})


@pytest.mark.realdata
@pytest.mark.parametrize("precision", APP_PRECISIONS)
def test_a_hundred_steps_on_real_mnist_reach_97_percent(mnist, precision):
    """The floor of the app's recipe (TrainConfig's defaults): 100 steps (a ninth of an epoch at its batch of 64)
    reach 97 % on the test set (97.5 % measured in both precisions on 2026-12-05, 97.65 % in emulated bf16; the
    recipe before, Adam 2e-3 with a 3 % warm-up, needed 200 steps of 128)."""
    torch.manual_seed(0)
    model = build_model(PRESETS["tutorial"])
    history = History()
    steps = 100
    # One validation point, the end's (what is checked): points along the way are a second each of CPU here.
    cfg = TrainConfig(epochs=steps / math.ceil(58_000 / TrainConfig.batch_size), eval_every_s=1e9, precision=precision)
    result = train(model, mnist, cfg, on_event=history)
    assert result.reason == "done" and result.steps == steps and result.precision == precision
    assert result.test_accuracy >= 0.97, result.test_accuracy
    first = sum(s.loss for s in history.steps[:20]) / 20
    last = sum(s.loss for s in history.steps[-20:]) / 20
    assert last < first / 4  # the loss falls
    assert history.evals and history.evals[-1].accuracy >= 0.96
    assert result.confusion.sum() == len(mnist.test_y)
    assert result.confusion.trace() == round(result.test_accuracy * len(mnist.test_y))


@pytest.mark.realdata
@pytest.mark.parametrize("precision", APP_PRECISIONS)
def test_the_fast_preset_reaches_98_percent_in_a_third_of_an_epoch(mnist, precision):
    """The fast preset's floor with the app's recipe: 300 steps of 64 (a third of an epoch, about a second here)
    reach 98 % on the test set (98.42–98.73 % measured in both precisions over 3 seeds on 2026-12-07, by hand);
    one epoch passes 99 % (README, Benchmarks)."""
    steps = 300
    trained_on = len(mnist.train_y) - TrainConfig.val_size
    cfg = TrainConfig(epochs=steps / math.ceil(trained_on / TrainConfig.batch_size), eval_every_s=1e9,
                      precision=precision)
    result = train(build_model(PRESETS["fast"], seed=0), mnist, cfg)
    assert result.reason == "done" and result.steps == steps and result.precision == precision
    assert result.test_accuracy >= 0.98, result.test_accuracy


def test_stop_ends_training_and_keeps_the_trained_model(tiny_data):
    model = build_model(PRESETS["small"].replace(num_classes=2))
    before = [p.detach().clone() for p in model.parameters()]
    history = History()
    result = train(model, tiny_data, TrainConfig(epochs=1000, batch_size=32, val_size=50),
                   on_event=history, should_stop=lambda: len(history.steps) >= 10)
    assert result.reason == "stopped" and result.steps == 10
    assert any(not torch.equal(a, b) for a, b in zip(before, model.parameters()))
    assert result.test_accuracy is not None  # the stopped model is still scored and usable


def test_nan_loss_is_detected_and_the_last_good_weights_are_kept(tiny_data):
    torch.manual_seed(0)
    model = build_model(PRESETS["small"].replace(num_classes=2))
    history = History()
    # lr 100 is the largest the core accepts; SGD at it reaches NaN within a few steps.
    result = train(model, tiny_data, TrainConfig(epochs=50, lr=100.0, optimizer="sgd", batch_size=32, val_size=50),
                   on_event=history)
    # The loss explodes before it becomes NaN, and the trainer now sees that at the first such step ("diverged");
    # a NaN that comes at once is still "nan". Either way the step is named and the kept weights are finite.
    assert result.reason in ("nan", "diverged")
    went_wrong = result.nan_step if result.reason == "nan" else result.diverged_step
    assert went_wrong is not None and went_wrong == result.steps
    assert math.isnan(history.steps[-1].loss) if result.reason == "nan" else history.steps[-1].loss > 10
    assert all(torch.isfinite(p).all() for p in model.parameters())


@pytest.mark.parametrize("precision, dtype", [("fp32", torch.float32), ("bf16", torch.bfloat16)])
def test_training_multiplies_in_the_chosen_precision_and_keeps_fp32_weights(tiny_data, precision, dtype):
    model = build_model(PRESETS["small"].replace(num_classes=2), seed=0)
    training_maps, evaluation_maps = [], []

    def record(module, inputs, output):
        (training_maps if torch.is_grad_enabled() else evaluation_maps).append(output.dtype)

    hook = model.blocks[0].conv.register_forward_hook(record)
    result = train(model, tiny_data, TrainConfig(epochs=1, batch_size=32, val_size=50, precision=precision))
    hook.remove()
    assert result.precision == precision
    assert training_maps and set(training_maps) == {dtype}
    assert evaluation_maps and set(evaluation_maps) == {torch.float32}  # validation and test stay fp32
    assert all(p.dtype == torch.float32 for p in model.parameters())
    assert result.test_accuracy > 0.9


def test_automatic_precision_is_bf16_only_where_the_processor_multiplies_it(monkeypatch):
    from cnn_core.train import trainer as training

    cpu = torch.device("cpu")
    monkeypatch.setattr(training, "native_bf16", lambda device: True)
    assert resolve_precision("auto", cpu) == "bf16"
    monkeypatch.setattr(training, "native_bf16", lambda device: False)
    assert resolve_precision("auto", cpu) == "fp32"
    assert resolve_precision("fp32", cpu) == "fp32"
    assert resolve_precision("bf16", cpu) == "bf16"  # asked for by name: emulated where not native, but it runs
    with pytest.raises(PlaygroundError) as err:
        resolve_precision("bf16", torch.device("mps"))
    assert err.value.key == "err.no_bf16" and err.value.params == {"device": "MPS"}
    with pytest.raises(ValueError):
        resolve_precision("fp16", cpu)


def test_bf16_is_called_imitated_only_on_x86_processors_without_it(monkeypatch):
    from cnn_core.train import trainer as training

    cpu = torch.device("cpu")
    for machine, native, imitated in (("x86_64", False, True), ("x86_64", True, False), ("AMD64", False, True),
                                      ("aarch64", False, False), ("arm64", False, False)):
        monkeypatch.setattr(training.platform, "machine", lambda m=machine: m)
        monkeypatch.setattr(training, "native_bf16", lambda device, n=native: n)
        assert training.imitated_bf16(cpu) is imitated, (machine, native)
        assert not training.imitated_bf16(torch.device("cuda"))  # a GPU's bf16 is judged by CUDA (err.no_bf16)


@pytest.mark.skipif(not Path("/proc/cpuinfo").exists(), reason="reads the processor flags Linux publishes")
def test_native_bf16_agrees_with_the_processor_flags():
    flags = set()
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("flags"):
            flags |= set(line.split(":", 1)[1].split())
    assert native_bf16(torch.device("cpu")) == bool(flags & {"avx512_bf16", "amx_tile"})
    assert not native_bf16(torch.device("cuda"))  # GPUs keep fp32 under "auto"


def test_too_big_architecture_is_refused_before_training():
    huge = PRESETS["tutorial"].replace(in_height=256, in_width=256, out_channels=(256, 256, 256))
    with pytest.raises(ArchitectureError) as err:
        check_fits(huge, TrainConfig(batch_size=256, memory_limit_mb=2048))
    assert err.value.key == "err.too_big" and err.value.params["need_mb"] > 2048


def test_learning_rate_warms_up_then_decays_to_zero():
    cfg = TrainConfig(lr=1.0, warmup=0.1)
    assert lr_at(0.05, cfg) == pytest.approx(0.5)
    assert lr_at(0.1, cfg) == pytest.approx(1.0)
    assert lr_at(1.0, cfg) == 0.0


def test_confusion_matrix_counts():
    m = confusion_matrix(torch.tensor([0, 0, 1, 2]), torch.tensor([0, 1, 1, 2]), 3)
    assert m.tolist() == [[1, 1, 0], [0, 1, 0], [0, 0, 1]]


@pytest.mark.slow  # seconds of training: the CI tier, not the edit loop
# ------------------------------------------------------------------ background jobs

def test_scheduler_queues_beyond_its_limit_and_a_queued_job_can_be_stopped(tiny_data):
    sched = Scheduler(max_running=1, cpu_threads=2)
    arch = PRESETS["small"].replace(num_classes=2)
    long_cfg = TrainConfig(time_budget_s=30, batch_size=32, val_size=50)
    first = TrainingJob(build_model(arch), tiny_data, long_cfg, sched).start()
    second = TrainingJob(build_model(arch), tiny_data, long_cfg, sched).start()
    for _ in range(200):
        if first.snapshot().steps and second.snapshot().queue_position == 1:
            break
        threading.Event().wait(0.05)
    assert first.snapshot().status == "running"
    assert second.snapshot().status == "queued" and second.snapshot().queue_position == 1
    # No number before a run has timed an evaluation (its first validation point, 2 s into training)...
    assert second.snapshot().wait_s is None or first.snapshot().evals
    for _ in range(400):
        if second.snapshot().wait_s is not None:
            break
        threading.Event().wait(0.05)
    # ...then at least what the running job has left of its 30 s budget (its end and stretch come on top).
    wait = second.snapshot().wait_s
    assert first.snapshot().last.eta_s <= wait <= 30 * 10 + 60
    assert first.snapshot().wait_s is None and first.snapshot().executor == "local"
    second.stop()
    assert second.wait(5) and second.snapshot().status == "stopped"
    first.stop()
    assert first.wait(5)
    snap = first.snapshot()
    assert snap.status == "stopped" and snap.result is not None and snap.steps
    assert sched.counts() == (0, 0)


@pytest.fixture
def jobs_clock(monkeypatch) -> list[float]:
    """The scheduler's clock (``time.monotonic`` in cnn_core.train.jobs), at 100 s until a test moves it:
    ``clock[0] = ...``."""
    clock = [100.0]
    monkeypatch.setattr(jobs, "time", type("Clock", (), {"monotonic": staticmethod(lambda: clock[0])}))
    return clock


def test_estimated_wait_fills_the_earliest_free_slot_in_queue_order():
    assert estimate_wait([], [], slots=2) == 0  # a free slot: no wait
    assert estimate_wait([10.0], [], slots=2) == 0
    assert estimate_wait([10.0, 4.0], [], slots=2) == 4
    assert estimate_wait([10.0, 4.0], [20.0], slots=2) == 10  # the one ahead takes the slot free at 4 s
    assert estimate_wait([10.0, 4.0], [20.0, 5.0], slots=2) == 15
    assert estimate_wait([30.0], [20.0, 20.0], slots=1) == 70


def test_a_queue_estimate_counts_the_start_the_stretched_training_and_the_final_evaluation(tiny_data, jobs_clock):
    clock = jobs_clock
    sched = Scheduler(max_running=1, cpu_threads=2)
    arch = PRESETS["small"].replace(num_classes=2)
    cfg = TrainConfig(time_budget_s=10, val_size=50)
    running, queued = (TrainingJob(build_model(arch), tiny_data, cfg, sched) for _ in range(2))
    end_images = 50 + len(tiny_data.test_y)  # the last validation and the test set
    f = sched.costs.final_over_eval  # the end's cost per image over a point's, as assumed before a run has finished
    assert not sched.costs.measured

    def step(at: float, seconds: float) -> None:
        clock[0] = at
        running.record(StepEvent(1, 0.0, 0.5, 0.5, 1e-3, seconds, 100.0, seconds / 10, 10 - seconds))

    running.set_status("running")  # its slot, at 100 s
    step(101.0, 0.1)  # started in 1 s
    step(105.0, 2.1)  # 2 s of training took 4 s of wall time: stretched 2×
    running.record(EvalEvent(1, 2.1, 0.5, 0.5, wall_s=0.5, images=50))  # 10 ms an image
    assert sched.costs.measured
    assert running.remaining_s() == pytest.approx(7.9 * 2 + 0.01 * f * end_images)
    clock[0] = 107.0
    assert running.remaining_s() == pytest.approx(7.9 * 2 - 2 + 0.01 * f * end_images)  # it counts down
    step(121.0, 10.0)  # training over: the final evaluations are what is left
    clock[0] = 122.0
    assert running.remaining_s() == pytest.approx(0.01 * f * end_images - 1)
    clock[0] = 121.0 + 0.02 * end_images  # the end took twice a validation point's cost per image
    running.learn_costs("done")
    assert sched.costs.start_s == pytest.approx((0.5 + 1.0) / 2)  # the prior, then what was seen
    # A queued run of the same settings is expected to take what this one took, as measured so far.
    costs = sched.costs
    assert queued.expected_s() == pytest.approx(costs.start_s + 10 * costs.stretch + costs.final_s(end_images))
    assert costs.final_over_eval == pytest.approx((f + 2.0) / 2) and costs.stretch > 1.5


def test_one_slow_validation_point_does_not_swing_the_ends_estimate(tiny_data, jobs_clock):
    """On cores shared with other runs one validation point cost anything from 0.3 to 0.8 ms an image; the
    end's estimate (and what the server learns from a finished run) follows the run's typical point."""
    clock = jobs_clock
    sched = Scheduler(max_running=1, cpu_threads=2)
    cfg = TrainConfig(time_budget_s=10, val_size=50)
    run = TrainingJob(build_model(PRESETS["small"].replace(num_classes=2)), tiny_data, cfg, sched)
    end_images = 50 + len(tiny_data.test_y)
    run.set_status("running")
    clock[0] = 101.0
    run.record(StepEvent(1, 0.0, 0.5, 0.5, 1e-3, 0.1, 100.0, 0.01, 9.9))
    for seconds, wall_s in ((2.0, 0.5), (4.0, 0.5), (6.0, 0.6), (8.0, 1.5)):  # 10, 10, 12 ms, then one of 30
        run.record(EvalEvent(1, seconds, 0.5, 0.5, wall_s=wall_s, images=50))
    run.record(StepEvent(1, 0.0, 0.5, 0.5, 1e-3, 10.0, 100.0, 1.0, 0.0))  # training over
    f = sched.costs.final_over_eval
    assert run.remaining_s() == pytest.approx(0.011 * f * end_images)  # the median point, not the latest
    clock[0] = 101.0 + 0.022 * end_images  # the end took twice a typical point's cost per image
    run.learn_costs("done")
    assert sched.costs.final_over_eval == pytest.approx((f + 2.0) / 2)


def test_a_runs_first_timings_weigh_against_what_finished_runs_took_until_its_own_accumulate(tiny_data, jobs_clock):
    """On Ray the first run of a wave of ten timed its first validation point at 5 times its later ones and its
    first seconds at 3 times its end, while ten pages started their trainings: the queue's first numbers were 3.2
    times the real wait. A server that has finished runs weighs them as one point and 3 s of training (and a queue
    shows no number before a run has two points of its own: TrainingJob.timed_itself)."""
    clock = jobs_clock
    sched = Scheduler(max_running=1, cpu_threads=2)
    cfg = TrainConfig(time_budget_s=10, val_size=50)
    arch = PRESETS["small"].replace(num_classes=2)
    end_images = 50 + len(tiny_data.test_y)

    def run_until(job, eval_costs: list[float], trained: float, wall: float) -> None:
        clock[0] = 100.0
        job.set_status("running")
        job.record(StepEvent(1, 0.0, 0.5, 0.5, 1e-3, 0.0, 100.0, 0.0, 10.0))
        for cost in eval_costs:
            job.record(EvalEvent(1, trained, 0.5, 0.5, wall_s=cost * 50, images=50))
        clock[0] = 100.0 + wall
        job.record(StepEvent(1, 0.0, 0.5, 0.5, 1e-3, trained, 100.0, trained / 10, 10 - trained))

    first = TrainingJob(build_model(arch), tiny_data, cfg, sched)
    run_until(first, [0.0004, 0.0004], trained=10.0, wall=13.0)  # a finished run: 1.3 wall s a training second
    clock[0] = 113.0 + 0.0004 * end_images
    first.learn_costs("done")
    assert sched.costs.runs == 1 and sched.costs.eval_s_per_image == pytest.approx(0.0004)
    prior_stretch, final = sched.costs.stretch, 0.0004 * sched.costs.final_over_eval * end_images

    slow_start = TrainingJob(build_model(arch), tiny_data, cfg, sched)
    run_until(slow_start, [0.002, 0.0004], trained=2.0, wall=6.0)  # a first point at 5 times, training at 3 times
    assert slow_start.timed_itself()
    stretch = (3.0 * 2.0 + prior_stretch * 3.0) / 5.0
    assert slow_start.remaining_s() == pytest.approx(8.0 * stretch + final)  # the moment's point is outvoted
    assert sched.costs.eval_s_per_image == pytest.approx(0.0004)  # a running run's points teach it nothing now

    loaded = TrainingJob(build_model(arch), tiny_data, cfg, sched)  # the machine stays slow: its own points win
    run_until(loaded, [0.0032, 0.0033], trained=3.0, wall=9.0)  # a wave of ten's points, after a quieter wave
    assert loaded._eval_estimate() == pytest.approx(0.0032)  # the median of 2 own points and 1 of the prior
    assert loaded.remaining_s() == pytest.approx(7.0 * (3.0 * 3.0 + prior_stretch * 3.0) / 6.0
                                                 + 0.0032 * sched.costs.final_over_eval * end_images)


def test_a_queued_runs_expected_end_is_counted_at_what_evaluations_cost_now(tiny_data, jobs_clock):
    """A wave of ten after a wave of three: the running run's validation points cost three times the finished runs'
    (ten pages drawing), and the runs queued behind it were counted at the quieter figure (first numbers half the
    real wait). Their ends are counted at the running runs' latest points, with the finished runs' as one more; once
    those runs have ended, their points are the machine as it was, and the finished runs' figure is left.
    (The scheduler's clock stands still: ``jobs_clock``.)"""
    sched = Scheduler(max_running=1, cpu_threads=2)
    cfg = TrainConfig(time_budget_s=5, val_size=50)
    arch = PRESETS["small"].replace(num_classes=2)
    end_images = 50 + len(tiny_data.test_y)
    sched.costs.saw_eval(0.001)
    sched.costs.saw_run(0.5, 1.0)  # a finished run of the quieter wave: 1 ms an image
    running, queued = (TrainingJob(build_model(arch), tiny_data, cfg, sched) for _ in range(2))
    quiet = queued.expected_s()
    f = sched.costs.final_over_eval
    assert quiet == pytest.approx(sched.costs.start_s + 5 * sched.costs.stretch + 0.001 * f * end_images)
    running.set_status("running")
    running.record(EvalEvent(1, 2.0, 0.5, 0.5, wall_s=0.8, images=50))  # 16 ms: a first point may be a moment's
    assert queued.expected_s() == pytest.approx(quiet)
    running.record(EvalEvent(1, 2.0, 0.5, 0.5, wall_s=0.16, images=50))  # 3.2 ms
    assert queued.expected_s() == pytest.approx(quiet + (0.0032 - 0.001) * f * end_images)  # median of 16, 3.2, 1
    running.record(EvalEvent(1, 2.0, 0.5, 0.5, wall_s=0.165, images=50))  # 3.3 ms
    assert queued.expected_s() == pytest.approx(quiet + (0.00325 - 0.001) * f * end_images)  # of 16, 3.2, 3.3, 1
    running.set_status("done")  # its points were the machine while it ran
    assert queued.expected_s() == pytest.approx(quiet)


def test_a_finished_run_that_timed_no_validation_point_leaves_the_running_runs_points_teaching(tiny_data, jobs_clock):
    """A run on a training split too small to hold images out finishes without a validation point: it must not
    count as a finished run that measured the end, or the server would learn nothing more until another finished."""
    clock = jobs_clock
    sched = Scheduler(max_running=1, cpu_threads=2)
    arch = PRESETS["small"].replace(num_classes=2)
    blind = TrainingJob(build_model(arch), tiny_data, TrainConfig(time_budget_s=5, val_size=50), sched)
    blind.set_status("running")
    for at, seconds in ((101.0, 0.0), (106.0, 5.0)):
        clock[0] = at
        blind.record(StepEvent(1, 0.0, 0.5, 0.5, 1e-3, seconds, 100.0, seconds / 5, 5 - seconds))
    blind.learn_costs("done")
    assert sched.costs.runs == 0 and not sched.costs.measured
    timed = TrainingJob(build_model(arch), tiny_data, TrainConfig(time_budget_s=5, val_size=50), sched)
    timed.record(EvalEvent(1, 1.0, 0.5, 0.5, wall_s=0.05, images=50))
    assert sched.costs.measured and sched.costs.eval_s_per_image == pytest.approx(0.001)


def test_a_queued_run_gets_its_first_number_once_the_running_run_has_timed_itself(tiny_data, jobs_clock):
    """Costs learned from an earlier, quieter wave do not know what a new wave of students does to the machine
    (a wave of ten's first estimates were two thirds of the real wait): the first number waits for the running
    run's own second of training and two validation points."""
    clock = jobs_clock
    sched = Scheduler(max_running=1, cpu_threads=2)
    sched.costs.saw_eval(0.01)  # this server has timed evaluations before
    arch = PRESETS["small"].replace(num_classes=2)
    cfg = TrainConfig(time_budget_s=10, val_size=50)
    running, queued = (TrainingJob(build_model(arch), tiny_data, cfg, sched) for _ in range(2))
    assert sched.acquire(running, lambda: False)
    running.set_status("running")
    gave_up = threading.Event()
    waiter = threading.Thread(target=sched.acquire, args=(queued, gave_up.is_set), daemon=True)
    waiter.start()
    try:
        for _ in range(250):
            if sched.position(queued) == 1:
                break
            threading.Event().wait(0.02)
        assert sched.position(queued) == 1, "the second run did not queue"
        assert sched.queue_info(queued) == (1, None)  # not started training yet

        def step(at: float, seconds: float) -> None:
            clock[0] = at
            running.record(StepEvent(1, 0.0, 0.5, 0.5, 1e-3, seconds, 100.0, seconds / 10, 10 - seconds))

        step(101.0, 0.1)
        step(103.5, 1.6)  # 1.5 s of training in 2.5 s: stretched, but no validation point of its own yet
        assert sched.queue_info(queued) == (1, None)
        clock[0] = 104.5
        running.record(EvalEvent(1, 1.6, 0.5, 0.5, wall_s=1.0, images=50))  # 20 ms an image on today's machine
        assert sched.queue_info(queued) == (1, None)  # one point may be a moment's
        running.record(EvalEvent(1, 1.6, 0.5, 0.5, wall_s=1.1, images=50))  # 22 ms
        position, wait = sched.queue_info(queued)
        assert position == 1 and wait == pytest.approx(running.remaining_s() + jobs.NOTICE_S)  # as its page sees
        assert wait == pytest.approx((10 - 1.6) * 2.5 / 1.5 - 1.0
                                     + 0.021 * sched.costs.final_over_eval * (50 + len(tiny_data.test_y)) + 0.5)
    finally:
        gave_up.set()
        waiter.join(5)


def test_the_clusters_queue_gives_a_first_number_once_every_running_run_has_timed_itself():
    from cnn_core.train.ray_executor import AdmissionQueue

    queue = AdmissionQueue()  # the cluster's one queue, as its actor runs it
    for job in ("a", "b"):
        queue.join(job, expected_s=10.0)
    assert queue.poll("a", 2)[0] == "running" and queue.poll("b", 2)[0] == "running"
    for job in ("c", "d"):
        queue.join(job, expected_s=10.0)
    queue.poll("a", 0, remaining_s=6.0, timed=True)
    assert queue.poll("c", 2) == ("queued", 1, None)  # b has not timed itself yet
    queue.poll("b", 0, remaining_s=4.0, timed=True)
    state, position, wait = queue.poll("c", 2)
    assert (state, position) == ("queued", 1) and wait == pytest.approx(4.0, abs=0.5)
    assert queue.poll("d", 2)[2] == pytest.approx(6.0, abs=0.5)
    queue.leave("b")
    assert queue.poll("c", 2)[0] == "running"  # a new run, not timed yet...
    assert queue.poll("d", 2)[:2] == ("queued", 1) and queue.poll("d", 2)[2] is not None  # ...takes no number away
    queue.join("e", expected_s=10.0)
    assert queue.poll("e", 2) == ("queued", 2, None)  # a newcomer waits for c's own timing
    queue.poll("c", 0, remaining_s=9.0, timed=True)
    assert queue.poll("e", 2)[2] is not None


def test_a_remote_runs_steps_are_timed_when_they_happened_not_when_their_batch_arrived(tiny_data, jobs_clock):
    """A Ray worker's events reach the app a poll apart, in batches: timed at their arrival, a run's first
    seconds looked four times faster or slower than they were, and the queue's numbers followed. (The scheduler's
    clock stands still: ``jobs_clock``.)"""
    run = TrainingJob(build_model(PRESETS["small"].replace(num_classes=2)), tiny_data, TrainConfig(time_budget_s=10))
    run.set_status("running")
    for seconds, ago_s in ((0.1, 2.0), (0.9, 1.0), (1.6, 0.0)):  # one batch: 1.5 s of training in 2 s of wall
        run.record(StepEvent(1, 0.0, 0.5, 0.5, 1e-3, seconds, 100.0, seconds / 10, 10 - seconds), ago_s=ago_s)
    assert run._stretch_seen() == pytest.approx(2.0 / 1.5)


def test_a_batch_of_remote_events_is_timed_on_the_workers_clock_against_its_newest():
    from cnn_core.train.ray_executor import ages
    from cnn_core.train.trainer import DoneEvent

    step = StepEvent(1, 0.0, 0.5, 0.5, 1e-3, 1.0, 100.0, 0.1, 9.0)
    # The worker's clock may be anywhere against the app's: only its differences count. The end counts as an event.
    assert ages([(5000.0, step), (5001.5, step), (5002.0, DoneEvent(None))]) == [2.0, 0.5, 0.0]
    assert ages([]) == []


def test_runs_that_join_a_fresh_servers_queue_together_wait_for_the_first_ones_own_timing():
    """Three students pressed Train together on a fresh server: nothing was running when they joined, and the
    two queued runs were shown 1 s and 7 s (waits of 9.5 s and 22 s), read from the first run's guess before it
    had trained. They wait for the run admitted first to time itself, as a later joiner would. (An app that has
    timed runs gives numbers from them at once: the test after this one.)"""
    from cnn_core.train.ray_executor import AdmissionQueue

    queue = AdmissionQueue()
    for job in ("a", "b", "c"):
        queue.join(job, expected_s=10.0, guessing=True)  # their app has not timed a run yet
    assert queue.poll("b", 1) == ("queued", 2, None)  # b asks before a is admitted: nothing to read yet either
    assert queue.poll("a", 1)[0] == "running"
    queue.poll("a", 0, remaining_s=3.0)  # starting: its guess, not yet timed
    assert queue.poll("b", 1) == ("queued", 1, None) and queue.poll("c", 1) == ("queued", 2, None)
    queue.poll("a", 0, remaining_s=9.0, timed=True)
    assert queue.poll("b", 1, guessing=False)[2] == pytest.approx(9.0, abs=0.5)  # a's timing reached their app
    assert queue.poll("c", 1)[2] == pytest.approx(19.0, abs=0.5)


def test_no_queued_run_gets_a_number_from_a_length_guessed_before_its_app_timed_a_run(monkeypatch):
    """On a fresh cluster the runs queued behind the first polled lengths with no end in them (nothing timed yet)
    until the first run's timing reached their app: the second in line was shown 14 s for a wait of 24 s."""
    from cnn_core.train import ray_executor
    from cnn_core.train.ray_executor import UNTIMED_MAX_S, AdmissionQueue

    clock = [100.0]
    monkeypatch.setattr(ray_executor, "time", type("Clock", (), {"monotonic": staticmethod(lambda: clock[0])}))
    queue = AdmissionQueue()
    queue.join("a", expected_s=6.5, guessing=True)
    assert queue.poll("a", 1)[0] == "running"
    for job in ("b", "c"):
        queue.join(job, expected_s=6.5, guessing=True)
    queue.poll("a", 0, remaining_s=7.0, timed=True)
    assert queue.poll("b", 1, expected_s=10.7, guessing=False)[2] == pytest.approx(7.0, abs=0.5)
    queue.join("d", expected_s=6.5, guessing=True)  # a newcomer whose app has not heard yet
    assert queue.poll("c", 1, expected_s=10.7, guessing=False)[2] == pytest.approx(17.7, abs=0.5)
    assert queue.poll("d", 1)[2] == pytest.approx(7.0 + 2 * 10.7, abs=0.5)  # its own guess is not ahead of it
    queue.join("f", expected_s=10.7)
    assert queue.poll("f", 1)[2] is None  # d, ahead of it, still has a guessed length
    queue.poll("d", 1, expected_s=10.7, guessing=False)
    assert queue.poll("f", 1)[2] == pytest.approx(7.0 + 3 * 10.7, abs=0.5)
    queue.join("g", expected_s=6.5, guessing=True)  # an app that never times a run holds nobody back for long
    queue.join("h", expected_s=10.7)
    for job in "abcdefg":
        queue.poll(job, 0 if job == "a" else 1, remaining_s=7.0 if job == "a" else None)
    assert queue.poll("h", 1)[2] is None
    for _ in range(2):  # they keep polling (their leases hold); g still guesses
        clock[0] += UNTIMED_MAX_S / 2 + 1
        for job in "abcdfg":
            queue.poll(job, 0 if job == "a" else 1, remaining_s=7.0 if job == "a" else None)
        waited = queue.poll("h", 1)
    assert waited[:2] == ("queued", 6) and waited[2] is not None


def test_a_ray_run_tells_the_queue_whether_its_app_has_timed_a_run(tiny_data, monkeypatch):
    """The queue's side of the rule is tested above; this is the app's: it joins guessing until it has timed one."""
    from cnn_core.train import ray_executor

    queue, joined = ray_executor.AdmissionQueue(), []

    class Remote:  # the queue's methods as its actor handle offers them, answered at once
        def __init__(self, method):
            self.method = method

        def remote(self, *args, **kwargs):
            if self.method == "join":
                joined.append(kwargs.get("guessing"))
            return getattr(queue, self.method)(*args, **kwargs)

    handle = type("Handle", (), {m: Remote(m) for m in ("join", "poll", "leave")})()
    costs = jobs.RunCosts()
    executor = type("Executor", (), {"costs": costs, "queue": lambda self: handle, "capacity": lambda self: 1})()
    fake_ray = type("Ray", (), {"get": staticmethod(lambda value, timeout=None: value)})
    monkeypatch.setattr(ray_executor.RayTrainingJob, "_run_actor", lambda self, ray, queue, job_id: None)
    model = build_model(PRESETS["small"].replace(num_classes=2))
    for _ in range(2):
        ray_executor.RayTrainingJob(model, tiny_data, TrainConfig(time_budget_s=5), executor)._queue_and_train(fake_ray)
        costs.saw_eval(0.001)  # now this app has timed an evaluation
    assert joined == [True, False]


def test_an_app_that_has_timed_runs_gets_a_number_at_once_even_when_it_joins_with_nothing_running():
    from cnn_core.train.ray_executor import AdmissionQueue

    queue = AdmissionQueue()
    for job in ("a", "b"):
        queue.join(job, expected_s=10.0)  # guessing=False: their app's costs come from runs it has timed
    assert queue.poll("a", 1)[0] == "running"
    assert queue.poll("b", 1)[2] == pytest.approx(10.0, abs=0.5)  # from what a should take, not held back


def test_a_queued_run_waits_only_for_the_runs_running_when_it_joined(monkeypatch):
    """With many slots and a full queue a run is admitted whenever one ends: waiting for every running run to
    time itself would leave a newcomer without a number for its whole turn."""
    from cnn_core.train import ray_executor

    clock = [100.0]
    monkeypatch.setattr(ray_executor, "time", type("Clock", (), {"monotonic": staticmethod(lambda: clock[0])}))
    queue = ray_executor.AdmissionQueue()
    for job in ("a", "b", "c"):
        queue.join(job, expected_s=10.0)
    assert queue.poll("a", 1)[0] == "running"
    queue.poll("a", 0, remaining_s=5.0, timed=True)
    queue.leave("a")
    assert queue.poll("b", 1)[0] == "running"  # admitted after c joined, not timed yet
    state, position, wait = queue.poll("c", 1)
    assert (state, position) == ("queued", 1) and wait is not None  # c waited for a only
    # A running run that never says it has timed itself (an older app replica) holds numbers back 30 s at most.
    queue.join("d", expected_s=10.0)
    assert queue.poll("d", 1) == ("queued", 2, None)
    for _ in range(3):  # every 10 s (within the entries' leases) each app polls, b without a `timed`
        clock[0] += 10
        queue.poll("b", 0, remaining_s=3.0)
        assert queue.poll("c", 1)[:2] == ("queued", 1)
        waited = queue.poll("d", 1)[2]
        assert (waited is None) == (clock[0] - 100.0 < ray_executor.UNTIMED_MAX_S)
    assert waited is not None
    # An entry that expired and joins again keeps its number.
    queue.join("e", expected_s=10.0, estimated=True)
    assert queue.poll("e", 1)[2] is not None


def test_expected_length_is_the_budget_or_the_epochs_at_the_speed_seen():
    assert expected_seconds(TrainConfig(time_budget_s=20), 58000, 5000) == 20
    assert expected_seconds(TrainConfig(epochs=2), 58000, 5800) == pytest.approx(20)


def test_a_job_reports_a_refusal_instead_of_crashing(tiny_data):
    huge = PRESETS["tutorial"].replace(in_height=28, in_width=28, out_channels=(256, 256, 256))
    job = TrainingJob(build_model(huge.replace(num_classes=2)), tiny_data,
                      TrainConfig(batch_size=256, memory_limit_mb=1), None).start()
    assert job.wait(10)
    snap = job.snapshot()
    assert snap.status == "failed" and snap.error.key == "err.too_big"


# ------------------------------------------------------------------ model files

def test_networks_are_kept_channels_last_like_their_images_when_built_trained_and_loaded(tiny_data):
    """Images go in channels-last (to_float); a network kept row-major has every layer's maps converted at each
    evaluation (2.5 times slower on the 2-core machine: benchmarks/bench_layout.py). Built, after a training and
    loaded from its file, a network's kernels are channels-last, and its file is the same bytes either way."""
    def layout(model) -> list[bool]:  # per convolution with more than one input channel (one channel fits both)
        return [w.is_contiguous(memory_format=torch.channels_last) and not w.is_contiguous()
                for w in (b.conv.weight for b in model.blocks) if w.shape[1] > 1]

    model = build_model(PRESETS["lenet"].replace(num_classes=2))
    assert layout(model) == [True]
    train(model, tiny_data, TrainConfig(epochs=0.1, batch_size=32, val_size=50))
    assert layout(model) == [True]
    file = checkpoint.to_bytes(model, tiny_data.classes)
    loaded = checkpoint.from_bytes(file)
    assert layout(loaded.model) == [True] and loaded.to_bytes() == file
    row_major = copy.deepcopy(model).to(memory_format=torch.contiguous_format)  # as networks were kept before
    assert checkpoint.to_bytes(row_major, tiny_data.classes) == file  # so a file written then is the same run


def test_save_and_load_give_identical_predictions(tiny_data, tmp_path):
    model = build_model(PRESETS["lenet"].replace(num_classes=2))
    train(model, tiny_data, TrainConfig(epochs=0.25, batch_size=32, val_size=50))  # a few steps: trained weights
    path = tmp_path / "m.cnn.zip"
    checkpoint.save(path, model, tiny_data.classes, dataset="tiny")
    loaded = checkpoint.load(path)
    x = tiny_data.test_x.float() / 255
    assert torch.equal(predict_proba(model, x), predict_proba(loaded.model, x))
    assert loaded.arch == model.arch and loaded.classes == ["top", "bottom"]
    assert loaded.meta["dataset"] == "tiny"


class Payload:
    def __reduce__(self):
        import os

        return (os.system, ("touch /tmp/cnn_playground_pwned",))


def _zip_with(weights: bytes, header: dict | None = None) -> bytes:
    import json

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("architecture.json", json.dumps(header or {
            "format": checkpoint.FORMAT, "architecture": PRESETS["small"].to_dict(), "classes": list("0123456789")}))
        z.writestr("weights.pt", weights)
    return buf.getvalue()


def test_a_pickle_carrying_code_is_refused_without_running_it(tmp_path):
    import os

    marker = "/tmp/cnn_playground_pwned"
    if os.path.exists(marker):
        os.remove(marker)
    buf = io.BytesIO()
    torch.save({"blocks.0.conv.weight": Payload()}, buf)
    for raw in (_zip_with(buf.getvalue()), pickle.dumps(Payload()), buf.getvalue()):
        with pytest.raises(ModelFileError):
            checkpoint.from_bytes(raw)
    assert not os.path.exists(marker)


@pytest.mark.parametrize("mutate, key", [
    (lambda good: good[: len(good) // 2], "err.model_corrupt"),  # truncated
    (lambda good: b"not a zip at all", "err.model_corrupt"),
    (lambda good: b"\0" * (3 * 2**20), "err.model_too_big"),  # over a 2 MB limit below
])
def test_damaged_or_huge_model_files_are_refused(mutate, key):
    good = checkpoint.to_bytes(build_model(PRESETS["small"]), list("0123456789"))
    with pytest.raises(ModelFileError) as err:
        checkpoint.from_bytes(mutate(good), max_mb=2)
    assert err.value.key == key


def test_weights_of_another_architecture_are_refused():
    other = io.BytesIO()
    torch.save(build_model(PRESETS["tutorial"]).state_dict(), other)
    with pytest.raises(ModelFileError) as err:
        checkpoint.from_bytes(_zip_with(other.getvalue()))
    assert "weights do not match the architecture" in str(err.value)
    bad_arch = {"format": checkpoint.FORMAT, "architecture": {"out_channels": [32] * 9}}
    with pytest.raises(ModelFileError):
        checkpoint.from_bytes(_zip_with(other.getvalue(), bad_arch))


def test_evaluate_reports_accuracy_and_predictions(tiny_data):
    model = build_model(PRESETS["small"].replace(num_classes=2))
    loss, acc, pred = evaluate(model, tiny_data.test_x, tiny_data.test_y)
    assert pred.shape == tiny_data.test_y.shape
    assert acc == pytest.approx((pred == tiny_data.test_y).float().mean().item())
    assert loss > 0


@pytest.mark.slow  # seconds of training: the CI tier, not the edit loop
def test_a_job_whose_owner_is_gone_stops_itself(tiny_data):
    alive = threading.Event()
    alive.set()
    job = TrainingJob(build_model(PRESETS["small"].replace(num_classes=2)), tiny_data,
                      TrainConfig(time_budget_s=60, batch_size=32, val_size=50), None,
                      owner_alive=alive.is_set, owner_grace_s=0.2).start()
    threading.Event().wait(0.5)
    assert not job.finished  # the owner is there: it keeps training
    alive.clear()  # the browser tab closes
    assert job.wait(10)
    snap = job.snapshot()
    assert snap.status == "stopped" and snap.result.steps > 0


class ElsewhereJob(TrainingJob):
    """A job that trains "elsewhere" (here: its own History, as a remote worker would) and reports only through
    the public calls a job offers, as the Ray job does: record, set_status, should_stop, keep_partial, node."""

    executor = "elsewhere"

    def __init__(self, *args, fail_after: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fail_after = fail_after

    def node(self):
        return "worker-7"

    def _train(self):
        remote = History()  # the worker's own record, delivered event by event
        self.set_status("running")

        def deliver(event):
            remote(event)
            self.record(event)
            if self.fail_after is not None and len(remote.steps) >= self.fail_after:
                raise RuntimeError("node lost")

        try:
            result = train(self.model, self.data, self.cfg, on_event=deliver, should_stop=self.should_stop)
        except RuntimeError:
            self.keep_partial(remote.steps[-1].step)
            raise PlaygroundError("err.ray_node_lost", node=self.node()) from None
        self.set_status(result.reason)


def test_a_job_training_elsewhere_reports_through_the_public_calls(tiny_data):
    cfg = TrainConfig(epochs=1000, batch_size=32, val_size=50)
    job = ElsewhereJob(build_model(PRESETS["small"].replace(num_classes=2)), tiny_data, cfg).start()
    assert job.wait_first_step(60)
    job.stop()
    assert job.wait(60)
    snap = job.snapshot()
    assert (snap.status, snap.executor, snap.node, snap.result.reason) == ("stopped", "elsewhere", "worker-7",
                                                                           "stopped")
    assert snap.steps and snap.steps[-1].step == snap.result.steps
    failing = ElsewhereJob(build_model(PRESETS["small"].replace(num_classes=2)), tiny_data, cfg, fail_after=5)
    failing.start().wait(60)
    snap = failing.snapshot()
    assert snap.status == "failed" and snap.error.key == "err.ray_node_lost"
    assert (snap.result.reason, snap.result.steps) == ("stopped", 5)  # the weights it had, kept as a stopped run


def test_the_ray_job_writes_no_private_state_of_the_job_it_extends():
    """RayTrainingJob reaches TrainingJob's state only through its public calls (no self._status = ...)."""
    import ast
    import inspect

    from cnn_core.train import ray_executor

    base_private = {n for n in vars(TrainingJob) if n.startswith("_") and not n.startswith("__")}
    base_private |= {"_status", "_lock", "_history", "_error", "_done", "_stop", "_first_step"}
    tree = ast.parse(inspect.getsource(ray_executor.RayTrainingJob))
    used = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name) and node.value.id == "self"}
    assert used & base_private <= {"_train"}, used & base_private  # _train: the one hook it overrides


@pytest.mark.realdata
def test_cli_train_prints_json_and_saves_a_loadable_model(real_data_dir, tmp_path):
    import json
    import subprocess
    import sys

    from conftest import REPO

    out = subprocess.run([sys.executable, "-m", "cnn_core", "train", "--dataset", "mnist", "--data-dir",
                          str(real_data_dir), "--preset", "small", "--epochs", "0.3", "--save",
                          str(tmp_path / "m.cnn.zip"), "--precision", "fp32", "--json"],
                         cwd=REPO, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    # 0.3 of an epoch (about 17,400 images) gave 97.4 % in 7 CPU-seconds here, one epoch 98.5 % in 14: a real training
    assert report["test_accuracy"] > 0.9 and report["images_per_s"] > 0 and report["seconds"] > 0
    assert report["precision"] == "fp32"
    assert checkpoint.load(tmp_path / "m.cnn.zip").arch == PRESETS["small"]


def test_the_bench_scores_each_accuracy_point_once_and_its_figure_is_the_curves_end(tiny_data, monkeypatch):
    """Each test-set scoring is a pass over 10,000 images (a second of CPU each on one thread): the end's point
    is scored once, by the curve, not again by train(), and its figure is that point's."""
    from cnn_core.cli import bench
    from cnn_core.train import trainer

    scored = []
    real_evaluate = trainer.evaluate

    def counting(model, x, y, *args, **kwargs):
        if x is tiny_data.test_x:
            scored.append(1)
        return real_evaluate(model, x, y, *args, **kwargs)

    monkeypatch.setattr(bench, "evaluate", counting)
    monkeypatch.setattr(trainer, "evaluate", counting)
    run = bench.accuracy_run(PRESETS["small"].replace(num_classes=2), tiny_data, epochs=2.0)
    curve = run["accuracy_curve"]
    assert curve and len(scored) == len(curve), (len(scored), curve)
    assert run["test_accuracy"] == curve[-1][1] and curve[-1][0] == run["train_seconds"]
    # bench --augment: the same runs with the Train page's augmentation, said in the JSON
    seen = []
    monkeypatch.setattr(bench, "train", lambda model, data, cfg, **kw: seen.append(cfg) or trainer.train(
        model, data, cfg, **kw))
    assert bench.accuracy_run(PRESETS["small"].replace(num_classes=2), tiny_data, 0.5, augment=True)["augment"]
    assert [cfg.augment for cfg in seen] == [True]
    from cnn_core.cli import main as cli

    assert cli.build_parser().parse_args(["bench", "--augment"]).augment is True


@pytest.mark.realdata
def test_cli_bench_prints_the_figures_the_issue_names(real_data_dir):
    import json

    from conftest import REPO

    out = subprocess.run([sys.executable, "-m", "cnn_core", "bench", "--data-dir", str(real_data_dir),
                          "--steps", "3", "--rounds", "1", "--epochs", "0.005", "--seeds", "2", "--preset", "cifar"],
                         cwd=REPO, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    for key in ("matmul_gflops", "train_gflops", "ratio_to_matmul", "images_per_s", "baseline_images_per_s",
                "speedup_vs_baseline", "baseline_in_this_process_images_per_s"):
        assert report[key] > 0, key
    ratio = report["images_per_s"] / report["baseline_images_per_s"]
    # Printed to two decimals, from the unrounded speeds: within half a hundredth of the printed speeds' ratio.
    assert report["speedup_vs_baseline"] == pytest.approx(ratio, abs=0.006)
    # The app's default precision on this machine, and the same loop in fp32 beside it.
    assert report["precision"] == resolve_precision("auto", torch.device("cpu"))
    fp32 = report["fp32"]
    assert fp32["speedup_vs_baseline"] == pytest.approx(fp32["images_per_s"] / report["baseline_images_per_s"],
                                                        abs=0.006)
    assert fp32["ratio_to_matmul"] == pytest.approx(fp32["train_gflops"] / report["matmul_gflops"], abs=0.01)
    if report["precision"] == "bf16":
        assert report["bf16_matmul_gflops"] > 0 and len(report["per_round"]["ours_fp32"]) == 1
        assert report["ratio_to_bf16_matmul"] == pytest.approx(
            report["train_gflops"] / report["bf16_matmul_gflops"], abs=0.01)
    else:
        assert fp32["images_per_s"] == report["images_per_s"]
    assert report["train_mflop_per_image"] == pytest.approx(44.95, abs=0.1)  # the tutorial network, fwd + bwd
    # --preset: the accuracy runs' network, a colour one here, adapted to MNIST's 28×28×1 digits
    assert report["architecture"] == "tutorial" and report["accuracy_architecture"] == "cifar"
    from cnn_core.nn.architecture import adapt_to_data, layer_table, totals

    assert report["accuracy_params"] == totals(layer_table(adapt_to_data(PRESETS["cifar"], 28, 28, 1, 10))).params
    # Accuracy: each figure's mean and spread over the seeds, every seed's run and curve beside them.
    runs = report["accuracy_runs"]
    assert report["seeds"] == 2 and [r["seed"] for r in runs] == [0, 1] and all(r["accuracy_curve"] for r in runs)
    assert all(r["reason"] in ("done", "diverged") for r in runs)  # how each ended (5 steps: the peak rate at once)
    assert runs[0]["accuracy_curve"] != runs[1]["accuracy_curve"]  # two seeds, two networks, two curves
    # A run's test accuracy is its curve's end (the test set scored at the training's last validation point, the
    # weights train() ends with): the same figure as train()'s own scoring gave, which the bench no longer asks for.
    assert all(r["test_accuracy"] == r["accuracy_curve"][-1][1] and r["accuracy_curve"][-1][0] == r["train_seconds"]
               for r in runs), runs
    accuracy = report["test_accuracy"]
    assert accuracy["mean"] == pytest.approx(sum(r["test_accuracy"] for r in runs) / 2, abs=1e-4)
    assert accuracy["min"] <= accuracy["mean"] <= accuracy["max"] and accuracy["reached"] == "2 of 2"
    for mark in ("98", "99", "99_5"):  # 0.005 epoch: a mark is reached by both seeds, one, or neither
        figure, reached = report[f"seconds_to_{mark}"], [r[f"seconds_to_{mark}"] for r in runs]
        assert figure["reached"] == f"{sum(v is not None for v in reached)} of 2"
        assert (figure["mean"] is None) == (None in reached)
    # Where the step's time goes: the groups name nearly all of it, the convolutions are found by their input's
    # shape (28×28×1, 14×14×32, 7×7×64), each with its own FLOPs and rate, their times are the groups' conv time,
    # and the profiled step is the timed loop's (its batch and precision: their times are the JSON's, never compared
    # here, since a step profiled on a shared machine took 3.8 times the timed loop's once, in CI).
    profile = report["profile"]
    assert profile["precision"] == report["precision"] and profile["steps"] >= 5
    assert profile["groups_share"]["other"] < 0.15, profile["groups_share"]
    layers = profile["conv_layers"]
    assert [layer["input"] for layer in layers] == [[1, 28, 28], [32, 14, 14], [64, 7, 7]]
    assert all(layer["forward_ms"] > 0 and layer["backward_ms"] > 0 and layer["gflops_per_s"] > 0 for layer in layers)
    for part in ("forward", "backward"):
        found = sum(layer[f"{part}_ms"] for layer in layers)
        assert found == pytest.approx(profile["groups_ms"][f"conv_{part}"], rel=0.05, abs=0.05), part
    assert profile["batch_size"] == report["batch_size"] and profile["step_ms"] > 0
    conv_gflop = sum(layer["gflop"] for layer in layers)
    step_gflop = report["train_mflop_per_image"] * report["batch_size"] / 1000
    assert profile["conv_share_of_flops"] == pytest.approx(conv_gflop / step_gflop, abs=0.01)
    assert 0.9 < profile["conv_share_of_flops"] < 1 and 0 < profile["conv_share_of_time"] < 1


@pytest.mark.slow
def test_cli_train_on_an_image_folder_zip(tmp_path):
    import json
    import os
    import subprocess
    import sys

    from conftest import REPO, make_zip, png_bytes

    members = {f"cats/{i}.png": png_bytes(10 + i) for i in range(12)}
    members |= {f"dogs/{i}.png": png_bytes(240 - i) for i in range(12)}
    (tmp_path / "pets.zip").write_bytes(make_zip(members))
    out = subprocess.run([sys.executable, "-m", "cnn_core", "train", "--dataset", f"folder:{tmp_path / 'pets.zip'}",
                          "--image-size", "28", "--preset", "small", "--epochs", "3", "--json"],
                         cwd=REPO, capture_output=True, text=True,
                         env={**os.environ, "CNN_PLAYGROUND_CACHE_DIR": str(tmp_path / "cache")})
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["architecture"]["num_classes"] == 2 and report["test_accuracy"] is not None
    bad = subprocess.run([sys.executable, "-m", "cnn_core", "train", "--dataset", "folder:/nonexistent.zip"],
                         cwd=REPO, capture_output=True, text=True)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_scheduler_divides_the_cpu_threads_between_running_trainings():
    assert Scheduler(max_running=2, cpu_threads=8).threads_per_job() == 4
    assert Scheduler(max_running=1, cpu_threads=2).threads_per_job() == 2
    assert Scheduler(max_running=4, cpu_threads=2).threads_per_job() == 1
    assert Scheduler(cpu_threads=2).max_running == 1  # default: half the cores, at least one



FAULT_PROBE = """
import resource, sys
import cnn_core.train.trainer as training
from cnn_core import PRESETS
from cnn_core.base import process
from cnn_core.data.loading import load_dataset
from cnn_core.nn.model import build_model

if sys.argv[1] == "keep-freed-memory":
    assert process.keep_freed_memory()  # what the train and bench commands do first
data = load_dataset("mnist", sys.argv[2], download=False)
faults = {}

def count(event):
    if isinstance(event, training.StepEvent) and event.step in (5, 15):
        faults[event.step] = resource.getrusage(resource.RUSAGE_SELF).ru_minflt

# fp32 and batch 128: maps of megabytes, as the app's trainings have, far above the pinned mmap threshold (the
# test's 128 KiB). No validation split: with one, the count varied between runs (68 against 34 once).
# Two threads, whatever the test process's share, so that every run of the probe trains the same way.
cfg = training.TrainConfig(epochs=16 / 453, batch_size=128, val_size=0, eval_every_s=1e9, precision="fp32",
                           threads=2)
training.train(build_model(PRESETS["tutorial"], seed=0), data, cfg, on_event=count, evaluate_test=False)
print((faults[15] - faults[5]) / 10)
"""


def _glibc_with_tunables() -> bool:
    name, version = platform.libc_ver()
    return name == "glibc" and tuple(int(p) for p in version.split(".")[:2]) >= (2, 26)  # GLIBC_TUNABLES: 2.26


@pytest.mark.realdata
@pytest.mark.skipif(not sys.platform.startswith("linux") or not _glibc_with_tunables(),
                    reason="the allocator settings are glibc's (the probe pins one with GLIBC_TUNABLES, from 2.26)")
def test_training_steps_reuse_freed_memory_instead_of_faulting_it_in_again(real_data_dir, monkeypatch):
    # Each in a fresh interpreter, as the command line runs: with glibc's defaults the freed
    # activations go back to the kernel and every step page-faults them in again.
    from conftest import REPO

    from cnn_core.cli import bench
    from cnn_core.cli import main as cli
    from cnn_core.cli import train as train_cli

    def faults_per_step(mode: str, tunables: str) -> float:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}  # glibc's older spelling
        env["GLIBC_TUNABLES"] = ":".join(filter(None, [os.environ.get("GLIBC_TUNABLES"), tunables]))  # the last wins
        out = subprocess.run([sys.executable, "-c", FAULT_PROBE, mode, str(real_data_dir)],
                             capture_output=True, text=True, check=True, cwd=REPO, env=env)
        return float(out.stdout.split()[-1])

    # Both under glibc's starting mmap threshold (128 KiB), pinned: its dynamic rule raises it after the first free,
    # or not, depending on the machine. Unpinned, the default allocator faulted 45 times a step on one run and 0.1
    # on another (CI, 2026-12-05), so neither the setting's effect nor the probe's sensitivity showed reliably.
    pinned = "glibc.malloc.mmap_threshold=131072"
    kept = faults_per_step("keep-freed-memory", pinned)
    returned = faults_per_step("default-allocator", pinned)
    assert kept < 500, f"{kept:.0f} page faults per step"  # 0.05-157 here; returned is about 18,700
    assert returned > 10 * kept, (returned, kept)  # the probe does see memory given back and faulted in again

    class LoadingStarted(Exception):
        pass

    def stop_at_loading(*args, **kwargs):
        raise LoadingStarted

    calls = []
    monkeypatch.setattr(cli, "keep_freed_memory", lambda: calls.append(1))
    monkeypatch.setattr(train_cli, "load_dataset", stop_at_loading)
    monkeypatch.setattr(bench, "load_dataset", stop_at_loading)
    for command in ("train", "bench"):
        with pytest.raises(LoadingStarted):
            cli.main([command, "--data-dir", str(real_data_dir)])
    assert calls == [1, 1]  # both commands set it before loading anything


def test_warm_up_trains_a_throwaway_network_and_leaves_the_thread_count_alone():
    from cnn_core.train.trainer import warm_up

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        assert warm_up(steps=2) > 0
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(threads)


@pytest.mark.parametrize("kind", ["adam", "sgd"])
def test_the_optimizers_make_their_state_at_the_first_step_only(kind, monkeypatch):
    """A parameter's state is made at its first step with a gradient, never again (not even to be thrown away)."""
    from cnn_core.train.optim import FusedAdam, NesterovSGD

    model = build_model(PRESETS["small"], seed=0)
    opt = FusedAdam(model.parameters(), lr=1e-3) if kind == "adam" else NesterovSGD(model.parameters(), lr=1e-3)
    x, y = torch.rand(4, 1, 28, 28), torch.randint(0, 10, (4,))

    def step():
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()

    assert not opt.state
    step()
    made = {id(t) for state in opt.state.values() for t in state.values()}
    assert len(opt.state) == len(list(model.parameters()))
    calls = []
    for name in ("zeros", "zeros_like"):
        monkeypatch.setattr(torch, name, lambda *a, _real=getattr(torch, name), **k: calls.append(1) or _real(*a, **k))
    step()
    step()
    assert calls == [] and {id(t) for state in opt.state.values() for t in state.values()} == made


@pytest.mark.slow  # a fresh interpreter importing torch: seconds of CPU
def test_a_training_its_evaluation_and_model_file_never_import_the_compiler():
    """torch.optim imports the compiler, which the app never uses (cnn_core/train/optim.py says what it costs):
    a training with either optimizer, its evaluation and a model file's round trip leave it out."""
    code = ("import sys\n"
            "import torch\n"
            "from cnn_core import PRESETS\n"
            "from cnn_core.data.loading import ImageData\n"
            "from cnn_core.nn import checkpoint\n"
            "from cnn_core.nn.model import build_model\n"
            "from cnn_core.train.config import TrainConfig\n"
            "from cnn_core.train.trainer import train, warm_up\n"
            "warm_up(PRESETS['small'], steps=3)\n"
            "x, y = torch.randint(0, 256, (300, 1, 28, 28), dtype=torch.uint8), torch.randint(0, 10, (300,))\n"
            "data = ImageData('t', list('0123456789'), x, y, x[:50], y[:50])\n"
            "train(build_model(PRESETS['small'], seed=0), data, TrainConfig(epochs=1, optimizer='sgd', val_size=50))\n"
            "checkpoint.from_bytes(checkpoint.to_bytes(build_model(PRESETS['small'], seed=0), list('0123456789')))\n"
            "assert 'torch._dynamo' not in sys.modules, 'the compiler was imported'\n")
    from conftest import REPO

    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]


def test_the_split_index_holds_out_a_seeded_part_and_trains_on_the_rest():
    from cnn_core.train.trainer import split_indices

    train_idx, val_idx = split_indices(1500, 300, seed=0)
    assert len(val_idx) == 300 and sorted(torch.cat([train_idx, val_idx]).tolist()) == list(range(1500))
    assert torch.equal(split_indices(1500, 300, seed=0)[1], val_idx)  # the same seed holds out the same images
    assert not torch.equal(split_indices(1500, 300, seed=1)[1], val_idx)
    assert len(split_indices(100, 300, seed=0)[1]) == 20  # at most a fifth


def test_evaluation_batches_keep_a_wide_networks_maps_in_cache_and_give_the_same_answers():
    """On a CPU, evaluate() takes as many images at once as keep the widest layer's maps within EVAL_BATCH_BYTES
    (README, *Evaluation*: about twice as fast for the tutorial network as 1000 at once), with the same answers."""
    from cnn_core.train.trainer import EVAL_BATCH_BYTES

    tutorial = build_model(PRESETS["tutorial"], seed=0).eval()
    assert eval_batch_size(tutorial, (28, 28)) == EVAL_BATCH_BYTES // (28 * 28 * 32 * 4)  # conv1's maps
    assert eval_batch_size(build_model(PRESETS["cifar"]), (32, 32)) < eval_batch_size(tutorial, (28, 28))
    unpooled = build_model(PRESETS["tutorial"].replace(pool="none"))  # conv3 is the widest: 28×28×128
    assert eval_batch_size(unpooled, (28, 28)) == EVAL_BATCH_BYTES // (28 * 28 * 128 * 4)
    assert eval_batch_size(build_model(PRESETS["dense"]), (28, 28)) == 1000  # no maps: as before
    assert eval_batch_size(tutorial, (28, 28), torch.device("cuda")) == 1000  # a GPU's memory is not a cache

    g = torch.Generator().manual_seed(0)
    x = torch.randint(0, 256, (700, 1, 28, 28), dtype=torch.uint8, generator=g)
    y = torch.randint(0, 10, (700,), generator=g)
    seen = []
    hook = tutorial.register_forward_pre_hook(lambda module, args: seen.append(args[0].shape[0]))
    try:
        loss, accuracy, pred = evaluate(tutorial, x, y)
    finally:
        hook.remove()
    assert seen[0] == eval_batch_size(tutorial, (28, 28)) and sum(seen) == 700
    loss_1000, accuracy_1000, pred_1000 = evaluate(tutorial, x, y, batch_size=1000)
    assert torch.equal(pred, pred_1000) and accuracy == accuracy_1000 and loss == pytest.approx(loss_1000, rel=1e-5)


def test_the_live_speed_is_the_runs_own_images_per_second_when_batches_take_uneven_times():
    """Batches of 128 images taking 20 ms, then 150 ms, over and over (a shared machine): the live figure
    must be the run's images / seconds, not the 1.6 to 2 times it read when each batch's rate was averaged."""
    from cnn_core.train.trainer import Speed

    speed, images, seconds = Speed(), 0, 0.0
    for i in range(400):
        dt = 0.02 if i % 2 else 0.15
        speed.add(128, dt)
        images, seconds = images + 128, seconds + dt
    assert speed.images_per_s == pytest.approx(images / seconds, rel=0.05)
    steady = Speed()
    for _ in range(5):
        steady.add(100, 0.05)
    assert steady.images_per_s == pytest.approx(2000.0)
    assert Speed().images_per_s == 0.0  # nothing measured yet
    warming = Speed()
    warming.add(128, 2.0)  # a first batch that pays the network's set-up
    assert warming.images_per_s == pytest.approx(64.0)
    for _ in range(9):
        warming.add(128, 0.128)
    assert warming.images_per_s == pytest.approx(1000.0)  # not the 164 a 2 s first batch would leave


@pytest.mark.realdata
def test_bench_concurrency_starts_trainings_at_once_through_the_apps_scheduler(mnist):
    import argparse

    from cnn_core.cli.bench import run_concurrency
    from cnn_core.data.loading import ImageData

    few = ImageData(mnist.name, mnist.classes, mnist.train_x[:6000], mnist.train_y[:6000], mnist.test_x[:500],
                    mnist.test_y[:500])  # the final evaluations of 10,000 images would be most of the time here
    report = run_concurrency(argparse.Namespace(data_dir=None, concurrency=[2], concurrency_budget=0.3), few)
    together = report["together"][0]
    assert report["one"]["trainings"] == 1 and together["trainings"] == 2
    assert together["statuses"] == ["done", "done"] and all(n > 0 for n in together["images_each"])
    fair = sum(together["images_each"]) / 2
    assert together["largest_gap_to_fair_share"] == pytest.approx(
        max(abs(n - fair) for n in together["images_each"]) / fair, abs=0.002)
    assert together["ratio_to_one"] == pytest.approx(
        together["total_images_per_s"] / report["one"]["total_images_per_s"], abs=0.002)


def test_two_blocks_per_pooling_trains_saves_and_reloads_as_the_same_network(tiny_data):
    arch = PRESETS["small"].replace(out_channels=(4, 4, 8), pool_every=2, num_classes=2)
    model = build_model(arch, seed=0)
    train(model, tiny_data, TrainConfig(epochs=0.1, batch_size=32, val_size=50))
    loaded = checkpoint.from_bytes(checkpoint.to_bytes(model, tiny_data.classes))
    assert loaded.arch == arch and loaded.arch.pool_every == 2
    assert [type(b.pool).__name__ for b in loaded.model.blocks] == ["MaxPool2d", "Identity", "MaxPool2d"]
    x = tiny_data.test_x[:8].float().div(255)
    assert torch.equal(predict_proba(loaded.model, x), predict_proba(model, x))


def test_the_layer_profile_tells_blocks_reading_one_map_shape_apart_by_their_kernels(tiny_data):
    """Two blocks per pooling: blocks 2 and 3 both read 14×14×4 maps; block 3's kernels are 8×4×3×3 and block 2's
    4×4×3×3, so each gets its own time, not half of the two together."""
    from cnn_core.cli.bench import layer_profile

    arch = PRESETS["small"].replace(out_channels=(4, 4, 8), pool_every=2, num_classes=2)
    profile = layer_profile(arch, tiny_data, batch_size=32, precision="fp32", steps=3)
    layers = profile["conv_layers"]
    assert [layer["input"] for layer in layers] == [[1, 28, 28], [4, 14, 14], [4, 14, 14]]
    assert not any("time_split_evenly_with" in layer for layer in layers), layers
    assert all(layer["forward_ms"] > 0 and layer["backward_ms"] > 0 for layer in layers), layers
    for part in ("forward", "backward"):
        found = sum(layer[f"{part}_ms"] for layer in layers)
        assert found == pytest.approx(profile["groups_ms"][f"conv_{part}"], rel=0.05, abs=0.05), part


def test_the_load_test_scores_an_estimate_by_its_ratio_and_an_under_claim_by_the_wait():
    """benchmarks/load_test.py: "about N s" is true within 30 % of the wait it was followed by, "a few seconds"
    when the wait was at most SOON_S; the recorder reads the page's own English for both."""
    import re

    from benchmarks import load_test
    from cnn_core.base import texts

    records = [{"estimate": 10, "under": False, "shownAt": 0, "leftAt": 8_000},  # 1.25: true
               {"estimate": 3, "under": False, "shownAt": 0, "leftAt": 2_100},  # 1.43: false
               {"estimate": 10, "under": True, "shownAt": 1_000, "leftAt": 5_200},  # "a few seconds", 4.2 s: true
               {"estimate": 10, "under": True, "shownAt": 0, "leftAt": 10_400},  # 10.4 s: false
               {"estimate": None, "under": False, "shownAt": None, "leftAt": 3_000},  # never said a number: left out
               None]
    scored = load_test.estimate_accuracy(records)
    assert [q["true"] for q in scored] == [True, False, True, False]
    assert scored[0] == {"estimate_s": 10, "real_wait_s": 8.0, "ratio": 1.25, "true": True}
    assert scored[2] == {"under_s": 10, "real_wait_s": 4.2, "true": True}
    queued, about, soon = load_test.queue_patterns()
    en = texts.table("en")
    assert en["train.queued"].format(position=2).startswith(queued)
    assert re.search(about, en["train.queue_wait"].format(seconds=41)).group(1) == "41"
    assert not re.search(about, soon) and soon == en["train.queue_wait_soon"] and soon not in en["train.queue_wait"]
    # The countdown after the first number: each number shown is scored against the wait then left, weighed by
    # how long it was shown (the last second is not scored: the page sees the start at a drawing once a second).
    # Each number is judged when it appeared and when it was replaced (half its time each): a number that stops
    # counting down is caught.
    trace = [[0, 20, False], [4_000, 40, False], [8_000, 10, True], [10_000, 10, True]]  # left: 20, 16, 12, 10 s
    scored = load_test.estimate_accuracy([{"estimate": 20, "under": False, "shownAt": 0, "leftAt": 20_000,
                                           "trace": trace}])
    # 20 for 20 then 16 s left: held (4 s); 40 for 16 then 12 s: not (4 s); "a few seconds" for 12 then 10 s: half
    # (1 s of 2); for 10 s then 1 s before the start (the last second is not judged): held (10 s of 10)
    assert scored[0]["held_share"] == pytest.approx((4 + 1 + 10) / (4 + 4 + 2 + 10), abs=1e-3)
    assert scored[0]["ratios"] == [1.0, 3.33]
    frozen = load_test.countdown_accuracy([[0, 20, False]], 20_000)  # "20 s" shown all the way
    assert frozen == {"held_share": 0.5, "ratios": [1.0, 20.0]}
    assert load_test.countdown_accuracy([[0, 5, False]], 500) == {}  # under a second left: nothing to score


def test_a_run_of_epochs_is_counted_at_its_recent_pace_and_numbered_once_that_pace_holds(tiny_data, jobs_clock):
    """A step's own speed is a tenth of a second's (three students with the default 3 epochs were told 85, 47, 67,
    52, 92 s for a wait of 51 s); its average since its first step keeps a moment's load (a wave of ten pressing
    Train at once: first numbers 1.3 to 1.6 times the real waits, the runs after it a third faster). A run's
    training left, and the speed the runs queued behind it are counted at, are from SETTLE_S after its first step
    on (half way there until then; at least PACE_WINDOW_S), and so is its stretch (at least twice that); a queue
    gives no first number until its pace holds
    (two windows of PACE_WINDOW_S within STEADY_TOLERANCE), or STEADY_MAX_S of wall time after its first step."""
    from cnn_core.train.jobs import MARK_EVERY_S, PACE_WINDOW_S, STEADY_MAX_S

    clock = jobs_clock
    sched = Scheduler(max_running=1, cpu_threads=2)
    arch = PRESETS["small"].replace(num_classes=2)
    cfg = TrainConfig(epochs=20, batch_size=10, val_size=50)
    running, queued = (TrainingJob(build_model(arch), tiny_data, cfg, sched) for _ in range(2))
    total = 20 * len(tiny_data.train_y[50:]) // 10
    running.set_status("running")
    sched._running.add(running)
    sched._queue.append(queued)
    queued.wait_for = {running}
    state = {"at": 101.0, "n": 0}

    def ticks(count: int, steps_per_tick: int) -> None:  # a tick is MARK_EVERY_S of wall and of training
        for _ in range(count):
            state["at"] += MARK_EVERY_S
            state["n"] += steps_per_tick
            clock[0] = state["at"]
            n = state["n"]
            running.record(StepEvent(n, 0.0, 0.5, 0.5, 1e-3, state["at"] - 101.0, 1.0, n / total, 1.0))

    ticks(1, 1)
    for _ in range(2):  # its two validation points (nearly free: wall and training seconds stay the same)
        running.record(EvalEvent(state["n"], 0.0, 0.5, 0.5, wall_s=1e-3, images=50))
    slow = int(6 / MARK_EVERY_S)
    ticks(slow, 1)  # 6 s at 40 images a second: ten pages starting at once
    assert not running.steady() and sched.queue_info(queued) == (1, None)  # (the old rule gave a number here)
    ticks(int(PACE_WINDOW_S / MARK_EVERY_S), 4)  # then 160 images a second, for one window
    assert running.recent_images_per_s(span_s=PACE_WINDOW_S) == pytest.approx(160.0)
    assert not running.steady() and sched.queue_info(queued) == (1, None)  # its pace changed: still no number
    ticks(int(PACE_WINDOW_S / MARK_EVERY_S), 4)  # and for another: it holds
    assert running.steady()
    final = sched.costs.final_s(running._end_images(), running._eval_estimate())
    left_s = (total - state["n"]) * 10 / 160.0
    assert running.remaining_s() == pytest.approx(left_s * running._stretch_estimate() + final)
    assert running._stretch_estimate() == pytest.approx(1.0)
    average = running.average_images_per_s()
    assert average < 0.8 * 160.0  # what the old rule counted at: 1.3 times too long and more
    position, wait = sched.queue_info(queued)
    assert position == 1 and wait == pytest.approx(running.remaining_s() + jobs.NOTICE_S)
    # The run queued behind it, of the same settings, is counted at its recent speed.
    costs = sched.costs
    assert costs.speed_for(queued.speed_key) == pytest.approx(160.0)
    assert queued.expected_s() == pytest.approx(costs.start_s + 20 * queued._train_images() / 160.0 * costs.stretch
                                                + costs.final_s(queued._end_images(), costs.now_eval_s_per_image()))
    # A pace that never settles still gets a number STEADY_MAX_S (wall) after its first step.
    swinging = TrainingJob(build_model(arch), tiny_data, cfg, sched)
    swinging.set_status("running")
    running, state["n"] = swinging, 0
    start = state["at"]
    while state["at"] - start < STEADY_MAX_S - 1:
        ticks(int(PACE_WINDOW_S / MARK_EVERY_S), 1 if int((state["at"] - start) / PACE_WINDOW_S) % 2 else 4)
        assert not swinging.steady()
    ticks(int(2 / MARK_EVERY_S), 4)
    assert swinging.steady()
    # A time budget's training left is its budget's rest: its pace holds nothing back.
    budget = TrainingJob(build_model(arch), tiny_data, TrainConfig(time_budget_s=5, batch_size=10, val_size=50),
                         sched)
    assert budget.steady()


def test_a_queued_run_of_epochs_is_counted_at_its_own_settings_speed(tiny_data, jobs_clock):
    """Networks differ in speed far more than their multiply-adds say: a queued run is counted at the speed
    measured on its own settings (network, batch, precision, augmenting, images), scaled by the machine's load
    now, not at the running run's; with none measured, at any run's; with none at all, its length is a guess
    (length_is_guess: on Ray, the runs behind it then get no number; a fresh app's first wave was told 192 s for
    115 s)."""
    costs = jobs.RunCosts()
    a, b, c = ("a",), ("b",), ("c",)
    assert costs.speed_for(a) is None
    costs.saw_speed(100.0, a)
    costs.saw_speed(400.0, b)
    assert costs.speed_for(a) == pytest.approx(100.0) and costs.speed_for(c) == pytest.approx(250.0)
    run = object()
    costs.saw_pace(run, b, 200.0)  # a run of b is training at half what b's finished runs did: the machine is busy
    assert costs.speed_for(b) == pytest.approx(200.0)
    assert costs.speed_for(a) == pytest.approx(50.0)
    assert costs.speed_for(c) == pytest.approx(200.0)  # never measured: the running run's
    costs.run_ended(run)
    assert costs.speed_for(a) == pytest.approx(100.0)

    sched = Scheduler(max_running=1, cpu_threads=2)
    cfg = TrainConfig(epochs=2, batch_size=10, val_size=50)
    small, lenet = (TrainingJob(build_model(PRESETS[name].replace(num_classes=2)), tiny_data, cfg, sched)
                    for name in ("small", "lenet"))
    budget = TrainingJob(build_model(PRESETS["small"].replace(num_classes=2)), tiny_data,
                         TrainConfig(time_budget_s=5, batch_size=10, val_size=50), sched)
    assert small.speed_key != lenet.speed_key
    assert small.length_is_guess() and budget.length_is_guess()  # nothing timed yet
    sched.costs.saw_eval(1e-4)
    assert small.length_is_guess() and not budget.length_is_guess()  # a budget's length needs no speed
    sched.costs.saw_speed(300.0, small.speed_key)
    sched.costs.saw_speed(100.0, lenet.speed_key)
    sched.costs.saw_pace(budget, small.speed_key, 150.0)  # a running run of small's settings, at half speed
    assert not small.length_is_guess()
    costs = sched.costs
    end = costs.final_s(lenet._end_images(), costs.now_eval_s_per_image())
    assert lenet.expected_s() == pytest.approx(costs.start_s + 2 * lenet._train_images() / 50.0 * costs.stretch + end)


def test_a_runs_stretch_and_pace_leave_out_the_load_it_started_in(tiny_data, jobs_clock):
    """The load of the moment a run started is left out: its stretch (wall seconds per training second) and its
    pace are from SETTLE_S after its first step on (at least 2 · PACE_WINDOW_S and PACE_WINDOW_S), not its whole
    run's."""
    from cnn_core.train.jobs import MARK_EVERY_S

    clock = jobs_clock
    sched = Scheduler(max_running=1, cpu_threads=2)
    cfg = TrainConfig(epochs=50, batch_size=10, val_size=50)
    run = TrainingJob(build_model(PRESETS["small"].replace(num_classes=2)), tiny_data, cfg, sched)
    total = 50 * len(tiny_data.train_y[50:]) // 10
    run.set_status("running")
    state = {"at": 100.0, "trained": 0.0, "n": 0}

    def ticks(count: int, stretch: float, steps: int) -> None:
        for _ in range(count):
            state["at"] += MARK_EVERY_S
            state["trained"] += MARK_EVERY_S / stretch
            state["n"] += steps
            clock[0] = state["at"]
            run.record(StepEvent(state["n"], 0.0, 0.5, 0.5, 1e-3, state["trained"], 1.0, state["n"] / total, 1.0))

    ticks(int(10 / MARK_EVERY_S), 3.0, 1)  # 10 s of wall, a third of it training: ten pages starting
    ticks(int(30 / MARK_EVERY_S), 1.0, 2)  # then 30 s with nothing but training
    assert run._stretch_seen() == pytest.approx(40 / (10 / 3 + 30), rel=0.01)  # the whole run's: 1.2
    assert run._stretch_estimate() == pytest.approx(1.0)  # from 10 s on
    assert run.recent_images_per_s() == pytest.approx(80.0)  # 2 steps of 10 images a quarter second
    ticks(int(20 / MARK_EVERY_S), 1.0, 4)  # 20 s more at 160 images a second: from 10 s on, (30·80 + 20·160) / 50
    assert run.recent_images_per_s() == pytest.approx(112.0, rel=0.01)  # (latest half: 133; latest 5 s: 160)
    # A long validation (12 s of wall with no training in them) counts in its stretch
    clock[0] = state["at"] = state["at"] + 12.0
    ticks(1, 1.0, 2)
    assert 1.0 < run._stretch_estimate() < 2.0

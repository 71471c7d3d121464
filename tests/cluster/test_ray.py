"""Trainings on a real local Ray cluster: progress, Stop, a worker node dying, an unreachable cluster.

The cluster (conftest's ``ray_cluster``) is real: `ray start --head` and one
more `ray start` worker node, on free ports, with token authentication on.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import time

import pytest
from conftest import REPO, data_dir

from cnn_core import PRESETS
from cnn_core.nn.architecture import adapt_to_data
from cnn_core.nn.model import build_model
from cnn_core.train.trainer import TrainConfig, evaluate

pytestmark = [pytest.mark.ray, pytest.mark.realdata]

SMALL = PRESETS["tutorial"]


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


def executor(cluster, **options):
    from cnn_core.train.ray_executor import RayExecutor

    return RayExecutor(cluster.address, **options)


def model_for(data):
    h, w, c = data.shape
    return build_model(adapt_to_data(SMALL, h, w, c, data.num_classes), seed=0)


def free_address() -> str:
    from scripts.ports import free_port

    return f"127.0.0.1:{free_port()}"


PAGE_WITH_UNREACHABLE_CLUSTER = """
import json, sys
from streamlit.testing.v1 import AppTest
at = AppTest.from_file(sys.argv[1], default_timeout=60)
at.query_params["lang"] = "en"
at.run()
at.button(key="start").click().run()
finished = at.session_state["job"].wait(30)
at.run()
print(json.dumps({"finished": finished, "exceptions": [e.value for e in at.exception],
                  "errors": [e.value for e in at.error],
                  "train_enabled": any(b.label == "Train" and not b.disabled for b in at.button)}))
"""


def test_an_unreachable_cluster_gives_the_clear_message_on_the_train_page(real_data_dir):
    if importlib.util.find_spec("ray") is None:
        pytest.fail("Ray is not installed: pip install -r requirements-ray.txt", pytrace=False)
    address = free_address()  # nothing listens there
    # A fresh interpreter: a process joins one Ray cluster, once, and this one may have joined the test cluster.
    out = subprocess.run([sys.executable, "-c", PAGE_WITH_UNREACHABLE_CLUSTER, str(REPO / "pages" / "train.py")],
                         cwd=REPO, capture_output=True, text=True, timeout=180,
                         env={**os.environ, "CNN_PLAYGROUND_RAY_ADDRESS": address, "PYTHONPATH": str(REPO),
                              "CNN_PLAYGROUND_DATA_DIR": str(real_data_dir)})
    assert out.returncode == 0, out.stderr[-3000:]
    page = json.loads(out.stdout.strip().splitlines()[-1])
    assert page["finished"], "the connection attempt hung"
    assert not page["exceptions"], page["exceptions"]
    shown = [e.replace("\\", "") for e in page["errors"]]  # the page escapes Markdown in the address
    assert any(f"The training cluster at {address} cannot be reached" in e for e in shown), shown
    assert page["train_enabled"]  # the page still works: Train can be pressed again


def test_the_command_line_says_the_cluster_cannot_be_reached(real_data_dir):
    address = free_address()
    out = subprocess.run([sys.executable, "-m", "cnn_core", "train", "--ray", address, "--time-budget", "1",
                          "--json"], cwd=REPO, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "CNN_PLAYGROUND_DATA_DIR": str(real_data_dir)})
    assert out.returncode == 2
    assert f"The training cluster at {address} cannot be reached" in out.stderr


def test_a_training_on_the_cluster_reports_progress_and_test_accuracy(ray_cluster, mnist):
    job = executor(ray_cluster).start(model_for(mnist), mnist, TrainConfig(time_budget_s=4, eval_every_s=1),
                                      dataset="mnist")
    assert job.wait(240), "the training never finished"
    snap = job.snapshot()
    assert snap.error is None, snap.error
    assert snap.status == "done" and snap.executor == "ray" and snap.node
    # It trained its whole budget (a step's progress is read before it: on a busy machine one step is a fifth of 4 s).
    assert snap.steps and snap.evals and snap.last.seconds >= 4
    assert 0 <= snap.result.test_accuracy <= 1 and snap.result.confusion.sum() == len(mnist.test_y)
    # The weights came back: the app's copy of the model scores what the worker scored.
    _, accuracy, _ = evaluate(job.model, mnist.test_x, mnist.test_y)
    assert accuracy == pytest.approx(snap.result.test_accuracy, abs=1e-4)


def training_actors(cluster) -> set[str]:
    """Ids of the cluster's training actors not dead yet (one still starting is PENDING_CREATION, not ALIVE)."""
    from ray.util.state import list_actors

    return {a.actor_id for a in list_actors(address=cluster.address, filters=[("state", "!=", "DEAD")])
            if a.class_name == "TrainingActor"}


def test_stop_while_a_new_actor_starts_ends_the_run_without_waiting_for_the_start(ray_cluster, mnist):
    """A new actor is a worker process importing torch (15-20 s here); Stop must not wait for it."""
    from cnn_core.train.ray_executor import ActorPool

    ex = executor(ray_cluster)
    ex.pool = ActorPool()  # nothing to reuse: this run starts a new actor
    before = training_actors(ray_cluster)
    job = ex.start(model_for(mnist), mnist, TrainConfig(time_budget_s=120), dataset="mnist")
    try:
        wait_for(lambda: job.snapshot().status == "running", 60, "the run to be admitted (its actor then starts)")
        assert not job.snapshot().steps  # still starting
        job.stop()
        assert job.wait(5), "Stop waited for the actor's start"
        snap = job.snapshot()
        assert snap.status == "stopped" and snap.result is None and not snap.steps and snap.error is None
        assert len(ex.pool) == 0  # the half-started actor is killed, not kept for a next run
        wait_for(lambda: not training_actors(ray_cluster) - before, 60, "the cancelled run's actor to be let go")
    finally:
        job.stop()
        job.wait(60)


def test_an_actor_that_cannot_start_fails_the_run_with_a_message_and_is_let_go(ray_cluster, mnist, monkeypatch):
    """Resources no node has (64 CPUs on a 2-CPU worker): Ray keeps the actor pending; the run must not hang."""
    from cnn_core.train import ray_executor

    monkeypatch.setattr(ray_executor, "START_TIMEOUT_S", 3.0)
    ex = executor(ray_cluster, cpus_per_training=64, max_running=1)
    monkeypatch.setattr(ex, "check_a_node_fits", lambda: None)  # as if a node had them, then went busy
    ex.pool = ray_executor.ActorPool()
    before = training_actors(ray_cluster)
    job = ex.start(model_for(mnist), mnist, TrainConfig(time_budget_s=30), dataset="mnist")
    try:
        assert job.wait(60), "the run hung on an actor that cannot start"
        snap = job.snapshot()
        assert snap.status == "failed" and snap.error.key == "err.ray_start_timeout" and not snap.steps, snap.error
        assert "3 s" in str(snap.error) and "Nothing was trained" in str(snap.error)
        wait_for(lambda: not training_actors(ray_cluster) - before, 60, "the pending actor to be let go")
    finally:
        job.stop()
        job.wait(60)


def test_a_cluster_with_no_node_big_enough_says_so_at_once(ray_cluster, mnist):
    from cnn_core.train import ray_executor

    ex = executor(ray_cluster, cpus_per_training=64, max_running=1)
    job = ex.start(model_for(mnist), mnist, TrainConfig(time_budget_s=30), dataset="mnist")
    try:
        assert job.wait(ray_executor.START_TIMEOUT_S / 10), "the run waited for a node that cannot exist"
        snap = job.snapshot()
        assert snap.status == "failed" and snap.error.key == "err.ray_no_worker" and not snap.steps
        assert "64 CPUs" in str(snap.error) and "largest machine there has 2" in str(snap.error)
    finally:
        job.stop()
        job.wait(60)


def test_a_node_without_the_dataset_is_named_with_its_data_folder(ray_cluster, mnist):
    # The node looks the name up in its own registry and folder; one it cannot load stands for a node whose
    # CNN_PLAYGROUND_DATA_DIR lacks the files. The error crosses back from the node as itself (it pickles by key).
    ex = executor(ray_cluster, max_running=1)
    job = ex.start(model_for(mnist), mnist, TrainConfig(time_budget_s=30), dataset="not-on-this-node")
    try:
        assert job.wait(300)
        snap = job.snapshot()
        assert snap.status == "failed" and snap.error.key == "err.ray_node_data", snap.error
        text = str(snap.error)
        assert "CNN_PLAYGROUND_DATA_DIR" in text and "node " in text and "not-on-this-node" in text
        assert "deserialize" not in text
    finally:
        job.stop()
        job.wait(60)


def test_replicas_share_one_fair_queue_with_position_and_estimated_wait(ray_cluster, mnist):
    first_replica, second_replica = executor(ray_cluster, max_running=1), executor(ray_cluster, max_running=1)
    first = first_replica.start(model_for(mnist), mnist, TrainConfig(time_budget_s=30), dataset="mnist")
    wait_for(lambda: first.snapshot().status == "running", 120, "the first training to be admitted")
    second = second_replica.start(model_for(mnist), mnist, TrainConfig(time_budget_s=30), dataset="mnist")
    snap = wait_for(lambda: (s := second.snapshot()).queue_position and s, 60, "the second to queue")
    assert snap.status == "queued" and snap.queue_position == 1
    # A number once this app has timed an evaluation (the first run's first validation point, 2 s into it): the
    # rest of the first run's 30 s, stretched as measured, and its final evaluation (the load test checks how close)
    snap = wait_for(lambda: (s := second.snapshot()).wait_s is not None and s, 120, "an estimated wait")
    assert snap.status == "queued" and snap.queue_position == 1
    assert 0 < snap.wait_s <= 30 * 10 + 60
    second.stop()
    assert second.wait(30) and second.snapshot().status == "stopped" and second.snapshot().result is None
    first.stop()
    assert first.wait(60)


def test_a_queued_runs_first_estimate_counts_the_running_runs_final_evaluation(ray_cluster, mnist, monkeypatch):
    """On an app that has not timed an evaluation yet, a queue's first number comes with the running run's first
    validation point: it must count that run's end (its final evaluation), not the figure the queue heard before,
    which left the end out (the load test's first estimates were then a quarter of the real wait)."""
    from cnn_core.train import ray_executor
    from cnn_core.train.jobs import ESTIMATE_TOLERANCE, RunCosts

    monkeypatch.setattr(ray_executor, "_costs", RunCosts(start_s=1.0))  # a fresh app: nothing timed yet
    ex = executor(ray_cluster, max_running=1)
    tutorial = build_model(PRESETS["tutorial"], seed=0)  # an end of seconds: 12,000 images evaluated
    first = ex.start(tutorial, mnist, TrainConfig(time_budget_s=5), dataset="mnist")
    wait_for(lambda: first.snapshot().status == "running", 120, "the first training to be admitted")
    second = ex.start(model_for(mnist), mnist, TrainConfig(time_budget_s=5), dataset="mnist")
    snap = wait_for(lambda: (s := second.snapshot()).wait_s is not None and s, 120, "an estimated wait")
    left = first.remaining_s()
    assert snap.status == "queued" and snap.wait_s >= (1 - ESTIMATE_TOLERANCE) * left, (snap.wait_s, left)
    second.stop()
    assert first.wait(120) and second.wait(60)


def test_a_worker_node_dying_mid_run_fails_the_run_with_a_message_and_keeps_curves_and_weights(ray_cluster, mnist):
    model = model_for(mnist)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    job = executor(ray_cluster).start(model, mnist, TrainConfig(time_budget_s=300, eval_every_s=0.5),
                                      dataset="mnist")
    wait_for(lambda: job._weights_step, 240, "weights from a validation point")
    worker = ray_cluster.workers[0]
    ray_cluster.kill(worker)
    ray_cluster.workers.remove(worker)
    try:
        assert job.wait(120), "the run hung after its node died"
        snap = job.snapshot()
        assert snap.status == "failed" and snap.error.key == "err.ray_node_lost"
        assert "stopped answering" in str(snap.error)
        assert snap.steps and snap.evals  # the curves so far are kept
        assert snap.result is not None and snap.result.steps >= job._weights_step > 0
        assert any(not (before[k] == v).all() for k, v in job.model.state_dict().items())  # trained weights kept
    finally:
        ray_cluster.add_worker()  # later tests need a worker again


def test_trainings_of_an_app_that_dies_are_stopped(ray_cluster):
    """The app process owns its actors: when it is killed, Ray ends its trainings."""
    from ray.util.state import list_actors

    executor(ray_cluster).connect()  # this process asks the cluster which actors live
    script = (
        "import sys; from cnn_core.data.loading import load_dataset; from cnn_core.train.ray_executor import RayExecutor\n"
        "from cnn_core.nn.model import build_model; from cnn_core import PRESETS\n"
        "from cnn_core.train.trainer import TrainConfig\n"
        f"data = load_dataset('mnist', {str(data_dir())!r}, download=False)\n"
        f"job = RayExecutor({ray_cluster.address!r}).start(build_model(PRESETS['tutorial']), data,"
        " TrainConfig(time_budget_s=600), dataset='mnist')\n"
        "import time\n"
        "while not job.snapshot().steps: time.sleep(0.1)\n"
        "print('training', flush=True); time.sleep(600)\n")
    app = subprocess.Popen([sys.executable, "-c", script], cwd=REPO, stdout=subprocess.PIPE, text=True,
                           env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        assert app.stdout.readline().strip() == "training"

        def alive():
            return [a for a in list_actors(address=ray_cluster.address, filters=[("state", "=", "ALIVE")])
                    if a.class_name == "TrainingActor"]

        assert alive()
        app.kill()
        app.wait(10)
        wait_for(lambda: not alive(), 90, "Ray to end the dead app's training")
    finally:
        app.kill()


def test_the_command_line_trains_on_the_cluster_and_says_where(ray_cluster, real_data_dir):
    out = subprocess.run([sys.executable, "-m", "cnn_core", "train", "--ray", ray_cluster.address,
                          "--time-budget", "2", "--json"], cwd=REPO, capture_output=True, text=True, timeout=300,
                         env={**os.environ, "CNN_PLAYGROUND_DATA_DIR": str(real_data_dir)})
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["executor"] == "ray" and report["node"] and 0 <= report["test_accuracy"] <= 1
    assert "each node reads mnist from its own data folder" in out.stderr  # not this command's --data-dir


def test_a_second_run_reuses_the_first_runs_actor_and_dataset_stops_and_idle_actors_are_let_go(ray_cluster, mnist):
    """The second run, on the reused actor, is then stopped: Stop ends a cluster training and keeps its weights."""
    import ray
    from ray.util.state import list_actors

    from cnn_core.train.ray_executor import NAMESPACE, ActorPool

    ex = executor(ray_cluster)
    ex.pool = ActorPool(keep_s=8)  # long enough for the second run (started at once) to find it; waited for below
    first = ex.start(model_for(mnist), mnist, TrainConfig(time_budget_s=0.5, val_size=200), dataset="mnist")
    assert first.wait(240) and first.snapshot().status == "done", first.snapshot().error
    assert len(ex.pool) == 1  # kept for the next run of this process
    second = ex.start(model_for(mnist), mnist, TrainConfig(time_budget_s=120), dataset="mnist")
    wait_for(lambda: second.snapshot().steps, 240, "the second run's first step")
    assert ex.pool.reused == 1 and len(ex.pool) == 0  # no new worker process: the idle actor took the run
    second.stop()  # the reused actor forgot nothing it should not: this Stop still ends its run
    assert second.wait(60), "Stop did not end the run"
    snap = second.snapshot()

    def idle_actors():
        return [a for a in list_actors(address=ray_cluster.address, filters=[("state", "=", "ALIVE")])
                if a.class_name == "TrainingActor"]

    # Back in the pool, alive, before its keep_s is up (read at once: the checks below take seconds on a busy machine)
    assert len(ex.pool) == 1
    assert idle_actors()
    assert snap.status == "stopped" and snap.result.reason == "stopped" and snap.result.seconds < 100
    # A stopped run keeps its weights: the app's copy of the model scores what the worker scored.
    _, accuracy, _ = evaluate(second.model, mnist.test_x, mnist.test_y)
    assert accuracy == pytest.approx(snap.result.test_accuracy, abs=1e-4)
    assert snap.steps[0].step == 1  # its own curve, none of the first run's events
    caches = [a for a in ray.util.list_named_actors(all_namespaces=True)
              if a["namespace"] == NAMESPACE and a["name"].startswith("data-")]
    assert caches
    loads = [ray.get(ray.get_actor(a["name"], namespace=NAMESPACE).load_count.remote()) for a in caches]
    assert loads == [1] * len(caches)  # one worker node here: one cache, MNIST read once for both runs (and earlier ones)
    wait_for(lambda: len(ex.pool) == 0 and not idle_actors(), 120, "the idle actor to be let go")

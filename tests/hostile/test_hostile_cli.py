"""The command line against hostile flags: every number checked before work, one line, exit status 2.

Each case runs the real ``python -m cnn_core`` in a subprocess with a timeout,
so a flag that would hang (a negative time budget, a FIFO) fails the test
instead of the suite.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from conftest import REPO

FLAGS = [
    ["train", "--batch-size", "0"], ["train", "--batch-size", "-5"], ["train", "--batch-size", "99999999"],
    ["train", "--epochs", "0"], ["train", "--epochs", "-1"], ["train", "--epochs", "nan"],
    ["train", "--epochs", "inf"], ["train", "--time-budget", "-1"], ["train", "--time-budget", "0"],
    ["train", "--time-budget", "nan"], ["train", "--time-budget", "inf"], ["train", "--lr", "0"],
    ["train", "--lr", "-0.1"], ["train", "--lr", "nan"], ["train", "--lr", "inf"], ["train", "--lr", "1e400"],
    ["train", "--seed", "-1"], ["train", "--seed", str(2**64)], ["train", "--image-size", "0"],
    ["train", "--image-size", "100000"], ["train", "--batch-size", "abc"], ["train", "--kernel", "99"],
    ["train", "--classes", "0"], ["train", "--input", "99999x99999x1"], ["train", "--filters", "0,-3"],
    ["train", "--pool-size", "-2"], ["train", "--dense", "1e9"],
    ["summary", "--kernel", "-1"], ["summary", "--input", "nonsense"],
    ["bench", "--steps", "0"], ["bench", "--rounds", "-1"], ["bench", "--epochs", "nan"],
    ["train", "--save", "/nonexistent-folder/model.cnn.zip"], ["train", "--save", "/proc/model.cnn.zip"],
    ["train", "--save", "/tmp"], ["train", "--dataset", "folder:/dev/zero"],
]


def run_cli(args: list[str], timeout: float = 60) -> subprocess.CompletedProcess:
    env = {**os.environ, "CNN_PLAYGROUND_DATA_DIR": "/nonexistent-data-dir"}  # no dataset may even be looked at
    return subprocess.run([sys.executable, "-m", "cnn_core", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=timeout, env=env)


def run_in_process(args: list[str], capsys) -> tuple[int, str, str]:
    from cnn_core.cli.main import main

    try:
        code = main(args)
    except SystemExit as exc:  # argparse's own refusals
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("args", FLAGS, ids=" ".join)
def test_bad_flags_exit_2_with_one_line_before_any_work(args, capsys, monkeypatch):
    monkeypatch.setenv("CNN_PLAYGROUND_DATA_DIR", "/nonexistent-data-dir")  # no dataset may even be looked at
    code, stdout, stderr = run_in_process(args, capsys)
    lines = stderr.strip().splitlines()
    assert code == 2, (code, stderr[-500:])
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    assert stdout == "" and "files were not found" not in lines[0]  # refused before the dataset was looked for


@pytest.mark.parametrize("args", [["train", "--time-budget", "-1"], ["train", "--lr", "nan", "--epochs", "inf"]],
                         ids=" ".join)
def test_bad_flags_in_a_real_process_never_hang_nor_show_a_traceback(args):
    out = run_cli(args)
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr


@pytest.mark.slow  # a fresh interpreter importing torch: seconds of CPU
def test_a_fifo_as_folder_is_refused_at_once(tmp_path):
    fifo = tmp_path / "images.zip"
    os.mkfifo(fifo)
    out = run_cli(["train", "--dataset", f"folder:{fifo}"], timeout=30)
    assert out.returncode == 2 and "not a regular file or folder" in out.stderr


@pytest.mark.realdata
def test_save_to_an_unwritable_place_is_refused_before_training(real_data_dir):
    env = {**os.environ, "CNN_PLAYGROUND_DATA_DIR": str(real_data_dir)}
    out = subprocess.run([sys.executable, "-m", "cnn_core", "train", "--time-budget", "600", "--save",
                          "/proc/m.cnn.zip"], cwd=REPO, capture_output=True, text=True, timeout=60, env=env)
    assert out.returncode == 2 and "Nothing was trained" in out.stderr and "test accuracy" not in out.stdout


@pytest.mark.realdata
def test_a_learning_rate_of_30_is_stopped_as_divergence_with_the_hint(real_data_dir, tmp_path):
    env = {**os.environ, "CNN_PLAYGROUND_DATA_DIR": str(real_data_dir)}
    out = subprocess.run([sys.executable, "-m", "cnn_core", "train", "--preset", "small", "--lr", "30",
                          "--epochs", "1", "--precision", "fp32", "--json"], cwd=REPO, capture_output=True,
                         text=True, timeout=300, env=env)
    assert out.returncode == 1, out.stderr[-500:]
    assert '"reason": "diverged"' in out.stdout or '"reason": "nan"' in out.stdout
    assert "10 times smaller" in out.stderr and "Traceback" not in out.stderr

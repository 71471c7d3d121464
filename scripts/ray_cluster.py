"""A real Ray cluster on this machine: a head and worker nodes, each its own `ray start` process.

For the tests, the benchmark and trying the Ray executor by hand. Every port is
a free one and the cluster has its own temporary directory and its own token
(token authentication on), so it never meets another cluster on the machine.
It is stopped by killing its own process groups, never with `ray stop` (which
stops every Ray cluster of the machine).

    python -m scripts.ray_cluster --workers 2 --cpus 2   # prints the address and the token, Ctrl-C stops it

The head has no CPUs for trainings (`--num-cpus=0`): trainings land on the
workers, as in a deployment where the head only coordinates. Worker nodes run
at a lower priority (nice 10) by default, as the app's own training threads
do, so on a shared machine the app (and the browser of a test) stays
responsive while they train; on their own machines it changes nothing.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scripts.ports import free_port

STARTED = "Ray runtime started"




class LocalRayCluster:
    def __init__(self, workers: int = 1, cpus_per_worker: int = 2, data_dir: str | None = None,
                 start_timeout_s: float = 90.0, token: str | None = None, worker_niceness: int = 10):
        self.workers_wanted = workers
        self.cpus_per_worker = cpus_per_worker
        self.data_dir = data_dir or os.environ.get("CNN_PLAYGROUND_DATA_DIR", "")
        self.start_timeout_s = start_timeout_s
        self.worker_niceness = worker_niceness
        self.token = token or secrets.token_hex(32)
        self.temp_dir = tempfile.mkdtemp(prefix="rc", dir="/tmp")  # short: Ray's socket paths have a length limit
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.head: subprocess.Popen | None = None
        self.workers: list[subprocess.Popen] = []

    @property
    def client_env(self) -> dict[str, str]:
        """What a client (the app) needs in its environment to join this authenticated cluster."""
        return {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": self.token}

    def _spawn(self, args: list[str], log: str, niceness: int = 0) -> subprocess.Popen:
        env = {**os.environ, **self.client_env, "RAY_USAGE_STATS_ENABLED": "0",
               "CNN_PLAYGROUND_DATA_DIR": self.data_dir}
        out = open(Path(self.temp_dir) / log, "w")
        proc = subprocess.Popen([shutil.which("ray") or "ray", "start", "--block", *args], env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True,  # its own process group
                                preexec_fn=(lambda: os.nice(niceness)) if niceness else None)
        proc.log_path = Path(self.temp_dir) / log
        return proc

    def _wait_started(self, proc: subprocess.Popen) -> None:
        deadline = time.monotonic() + self.start_timeout_s
        while time.monotonic() < deadline:
            if STARTED in proc.log_path.read_text(errors="replace"):
                return
            if proc.poll() is not None:
                break
            time.sleep(0.2)
        tail = proc.log_path.read_text(errors="replace")[-2000:]
        self.stop()
        raise RuntimeError(f"a Ray node did not start:\n{tail}")

    def start(self) -> LocalRayCluster:
        self.head = self._spawn([
            "--head", f"--port={self.port}", f"--dashboard-port={free_port()}",
            f"--dashboard-agent-listen-port={free_port()}", f"--ray-client-server-port={free_port()}",
            f"--metrics-export-port={free_port()}", "--num-cpus=0", f"--temp-dir={self.temp_dir}",
            "--node-ip-address=127.0.0.1", "--disable-usage-stats"], "head.log")
        self._wait_started(self.head)
        for _ in range(self.workers_wanted):
            self.add_worker()
        return self

    def add_worker(self) -> subprocess.Popen:
        proc = self._spawn([f"--address={self.address}", f"--num-cpus={self.cpus_per_worker}",
                            f"--dashboard-agent-listen-port={free_port()}", f"--metrics-export-port={free_port()}",
                            "--node-ip-address=127.0.0.1", "--disable-usage-stats"],
                           f"worker{len(self.workers)}.log", self.worker_niceness)
        self._wait_started(proc)
        self.workers.append(proc)
        return proc

    @staticmethod
    def kill(proc: subprocess.Popen) -> None:
        """Kill a node: its `ray start` process and everything it started (its process group)."""
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(10)

    def stop(self) -> None:
        for proc in [*self.workers, *([self.head] if self.head else [])]:
            self.kill(proc)
        self.workers, self.head = [], None
        shutil.rmtree(self.temp_dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--cpus", type=int, default=2, help="CPUs each worker node offers")
    args = parser.parse_args()
    # SIGTERM (`kill`, `timeout`) stops the cluster as Ctrl-C does: its nodes are in their own process groups.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with LocalRayCluster(args.workers, args.cpus) as cluster:
        print(f"CNN_PLAYGROUND_RAY_ADDRESS={cluster.address} RAY_AUTH_MODE=token RAY_AUTH_TOKEN={cluster.token}",
              flush=True)
        try:
            signal.pause()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A throwaway PostgreSQL server for the tests: initdb + pg_ctl on a free port, in a temporary folder.

Uses the PostgreSQL binaries on PATH, in /usr/lib/postgresql/*/bin, or installs
Debian's `postgresql` package with apt when none are found. PostgreSQL refuses
to run as root, so under root the server runs as the `postgres` user (created
with the package). Anything missing fails the test with the reason, never a skip.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
import uuid

import pytest

from scripts.ports import free_port


def _bin_dir() -> str | None:
    found = shutil.which("pg_ctl")
    if found:
        return os.path.dirname(found)
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return os.path.dirname(versions[-1]) if versions else None


def _install() -> None:
    if not shutil.which("apt-get"):
        pytest.fail("PostgreSQL binaries (pg_ctl, initdb) not found and apt-get is unavailable: "
                    "install PostgreSQL 13+ and put its bin folder on PATH", pytrace=False)
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (sudo + ["apt-get", "update", "-qq"], sudo + ["apt-get", "install", "-y", "-qq", "postgresql"]):
        done = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            pytest.fail(f"installing Debian's postgresql failed ({' '.join(cmd)}):\n{done.stderr[-2000:]}",
                        pytrace=False)




def _as_user() -> tuple[list[str], str]:
    """The command prefix that runs a server binary as a non-root user, and that user's name."""
    if os.geteuid() != 0:
        return [], pwd.getpwuid(os.geteuid()).pw_name
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "postgres"], check=True)
    return ["runuser", "-u", "postgres", "--"], "postgres"


RAM_FOLDER_MIN_FREE = 2 * 2**30  # a test session creates some hundred databases of about 8 MB each, never dropped
RAM_MIN_AVAILABLE = 4 * 2**30  # and /dev/shm's files are memory: the machine's (MemAvailable) must have room too


def _memory_available() -> int:
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def _ram_folder() -> str | None:
    """/dev/shm when it is there with room to spare, else None (the usual temporary folder).

    The server is thrown away, so its files need not reach a disk: each test's CREATE DATABASE took 0.23 s on the
    2-core machine's disk (fsync off) and 0.04 s in memory, some hundred of them per test session."""
    folder = "/dev/shm"
    try:
        stats = os.statvfs(folder)
    except OSError:
        return None
    room = stats.f_bavail * stats.f_frsize >= RAM_FOLDER_MIN_FREE and _memory_available() >= RAM_MIN_AVAILABLE
    return folder if room and os.access(folder, os.W_OK) else None


@contextlib.contextmanager
def postgres_server(in_memory: bool = True):
    """Yield the URL (without a database name) of a fresh PostgreSQL server; stopped and removed afterwards.

    ``in_memory``: its files in /dev/shm where there is room (the tests); False keeps them on disk, as a real
    server's are (benchmarks/bench_storage.py)."""
    bindir = _bin_dir()
    if bindir is None:
        _install()
        bindir = _bin_dir()
        if bindir is None:
            pytest.fail("the postgresql package installed no pg_ctl", pytrace=False)
    prefix, user = _as_user()
    root = tempfile.mkdtemp(prefix="cnnp-pg-", dir=_ram_folder() if in_memory else None)
    data = os.path.join(root, "data")
    started = False
    try:  # the folder goes whatever happens (in /dev/shm it holds memory until the machine restarts)
        os.chmod(root, 0o777)
        if prefix:
            shutil.chown(root, user=user)
        port = free_port()
        done = subprocess.run(prefix + [f"{bindir}/initdb", "-D", data, "-U", user, "--auth=trust", "-E", "UTF8",
                                        "--no-sync"], capture_output=True, text=True)
        if done.returncode != 0:
            pytest.fail(f"initdb failed:\n{done.stderr[-2000:]}", pytrace=False)
        opts = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        done = subprocess.run(prefix + [f"{bindir}/pg_ctl", "-D", data, "-o", opts, "-l", f"{root}/log", "-w",
                                        "-t", "60", "start"], capture_output=True, text=True)
        started = done.returncode == 0
        if not started:
            log = open(f"{root}/log").read() if os.path.exists(f"{root}/log") else ""
            pytest.fail(f"pg_ctl start failed:\n{done.stderr[-1000:]}\n{log[-2000:]}", pytrace=False)
        yield f"postgresql+psycopg://{user}@127.0.0.1:{port}"
    finally:
        if started:
            subprocess.run(prefix + [f"{bindir}/pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"],
                           capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def fresh_database(server_url: str, template: str | None = None) -> str:
    """Create an empty database on the server (a copy of database ``template``, if given); return its URL."""
    from sqlalchemy import create_engine, text

    name = "t_" + uuid.uuid4().hex[:12]
    engine = create_engine(f"{server_url}/postgres", isolation_level="AUTOCOMMIT")
    deadline = time.time() + 20
    while True:
        try:
            with engine.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
            break
        except Exception:
            if time.time() > deadline:
                raise
            time.sleep(0.2)
    engine.dispose()
    return f"{server_url}/{name}"

"""Install Python requirements into this interpreter: `python -m scripts.install -r requirements-dev.txt ...`.

The arguments are pip's (requirements, ``-r`` files). Where uv can be had (it is
on PyPI), uv installs them, with the indexes, wheel folders and constraints
that pip is configured with (``pip config list``: its files and ``PIP_*``
variables), so both choose from the same places. Otherwise, or when uv fails,
pip does. On the 2-core machine, a fresh environment's test requirements with
torch (its CUDA libraries are 3 GB unpacked) took pip 150 s and uv 28 s: uv
downloads and unpacks in parallel.
"""

from __future__ import annotations

import shlex
import subprocess
import sys

# pip's settings that say where packages come from, and uv's option for each
# (uv reads no pip configuration). With several indexes pip takes the best
# version from any of them; uv's default is the first index that has the package.
UV_OPTIONS = {"index-url": "--index-url", "extra-index-url": "--extra-index-url", "find-links": "--find-links",
              "constraint": "--constraint"}


def uv_arguments(pip_config: str) -> list[str]:
    """uv's options for what ``pip config list`` printed (``section.key='value'`` lines; values may hold several
    space-separated entries). A variable (``:env:``) replaces a file's value, as it does for pip."""
    values: dict[str, str] = {}
    for line in pip_config.splitlines():
        name, sep, value = line.partition("=")
        key = name.rpartition(".")[2]
        if not sep or key not in UV_OPTIONS:
            continue
        value = value.strip().strip("'\"")
        if name.startswith(":env:") or key not in values:
            values[key] = value
    args = ["--index-strategy", "unsafe-best-match"]
    for key, option in UV_OPTIONS.items():
        for entry in shlex.split(values.get(key, "")):
            args += [option, entry]
    return args


def _run(cmd: list[str]) -> bool:
    return subprocess.run(cmd).returncode == 0


def install(requirements: list[str]) -> int:
    python = sys.executable
    config = subprocess.run([python, "-m", "pip", "config", "list"], capture_output=True, text=True).stdout
    if (_run([python, "-m", "pip", "install", "-q", "uv"])
            and _run([python, "-m", "uv", "pip", "install", "-q", "--python", python, *uv_arguments(config),
                      *requirements])):
        return 0
    print("install: uv could not install them; pip does", file=sys.stderr)
    return subprocess.run([python, "-m", "pip", "install", "-q", *requirements]).returncode


if __name__ == "__main__":
    sys.exit(install(sys.argv[1:]))

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

import ast
import os
import subprocess
import sys

# pip's settings that say where packages come from, and uv's option for each
# (uv reads no pip configuration). With several indexes pip takes the best
# version from any of them; uv's default is the first index that has the package.
UV_OPTIONS = {"index-url": "--index-url", "extra-index-url": "--extra-index-url", "find-links": "--find-links",
              "constraint": "--constraint", "trusted-host": "--allow-insecure-host"}
UV_FLAGS = {"no-index": "--no-index"}
# Settings uv is not given here: with one of them set, pip installs (it knows what they mean).
PIP_ONLY = {"client-cert", "proxy", "no-binary", "only-binary", "pre", "require-hashes", "use-feature"}
SECTIONS = (":env:", "install", "global")  # what `pip install` reads, the first that has a key winning


def pip_settings(pip_config: str) -> dict[str, str]:
    """The settings ``pip install`` uses, from what ``pip config list`` printed: ``section.key=<Python repr>``
    lines (a variable is section ``:env:``), the environment before ``[install]`` before ``[global]``."""
    found: dict[str, dict[str, str]] = {}
    for line in pip_config.splitlines():
        name, sep, value = line.partition("=")
        section, _, key = name.rpartition(".")
        if not sep or section not in SECTIONS:
            continue
        try:
            text = ast.literal_eval(value.strip())
        except (ValueError, SyntaxError):
            text = value.strip()
        found.setdefault(key, {})[section] = str(text)
    return {key: next(by[s] for s in SECTIONS if s in by) for key, by in found.items()}


def uv_arguments(pip_config: str) -> list[str] | None:
    """uv's options for the pip configuration ``pip config list`` printed (a value may hold several entries,
    separated by white space, as pip reads them); None when it holds a setting only pip is told of here."""
    settings = pip_settings(pip_config)
    if PIP_ONLY & settings.keys():
        return None
    args = ["--index-strategy", "unsafe-best-match"]
    for key, option in UV_OPTIONS.items():
        for entry in settings.get(key, "").split():
            args += [option, entry]
    for key, flag in UV_FLAGS.items():
        if settings.get(key, "").lower() in ("1", "true", "yes", "on"):
            args.append(flag)
    return args


def _run(cmd: list[str], env: dict[str, str] | None = None) -> bool:
    return subprocess.run(cmd, env=env).returncode == 0


def install(requirements: list[str]) -> int:
    python = sys.executable
    config = subprocess.run([python, "-m", "pip", "config", "list"], capture_output=True, text=True).stdout
    uv_args = uv_arguments(config)
    cert = pip_settings(config).get("cert")
    env = {**os.environ, **({"SSL_CERT_FILE": cert} if cert else {})}  # pip's certificate authorities, for uv too
    if (uv_args is not None and _run([python, "-m", "pip", "install", "-q", "uv"])
            and _run([python, "-m", "uv", "pip", "install", "-q", "--python", python, *uv_args, *requirements], env)):
        return 0
    print("install: pip installs them (uv could not be had, or pip's configuration holds what only pip is told of)",
          file=sys.stderr)
    return subprocess.run([python, "-m", "pip", "install", "-q", *requirements]).returncode


if __name__ == "__main__":
    sys.exit(install(sys.argv[1:]))

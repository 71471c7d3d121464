#!/usr/bin/env bash
# Install what the tests need and run the whole suite: `bash scripts/test.sh`.
#
# Datasets are read from CNN_PLAYGROUND_DATA_DIR (default: ../shared/data, the
# offline copies beside a workshop checkout). Browser tests use Debian's
# chromium-headless-shell (Playwright's own choice for headless tests: a seventh
# less CPU than the full browser; scripts/chromium.py) or CHROMIUM_PATH; it is
# installed with apt when missing, with the full browser the benchmarks use.
# Storage tests (marker `postgres`) start a throwaway PostgreSQL with initdb/pg_ctl
# (scripts/pgserver.py), installing Debian's `postgresql` with apt when its
# binaries are missing. Extra arguments go to pytest, e.g. `bash scripts/test.sh -k architecture`.
set -euo pipefail
cd "$(dirname "$0")/.."

export CNN_PLAYGROUND_DATA_DIR="${CNN_PLAYGROUND_DATA_DIR:-$(cd .. && pwd)/shared/data}"
export CNN_PLAYGROUND_CACHE_DIR="${CNN_PLAYGROUND_CACHE_DIR:-$HOME/.cache/cnn_playground/decoded}"

# Debian's Chromium (browser tests) and docker-compose (validates the Compose files without an engine), installed
# in the background while the Python requirements install (on a fresh machine, 41 s and 28 s one after the other).
missing=""
shell=""
if [ -n "${CHROMIUM_PATH:-}" ]; then
    [ -x "$CHROMIUM_PATH" ] || missing="$missing chromium"
else
    [ -x /usr/bin/chromium ] || missing="$missing chromium"
    # Installed on its own below: where a release has no such package, the full browser still installs.
    [ -x /usr/bin/chromium-headless-shell ] || shell="chromium-headless-shell"
fi
command -v docker-compose >/dev/null || missing="$missing docker-compose"
apt_pid=""
if [ -n "$missing$shell" ] && command -v apt-get >/dev/null; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    ( $SUDO apt-get update -qq \
      && { [ -z "$missing" ] || $SUDO apt-get install -y -qq $missing >/dev/null; } \
      && { [ -z "$shell" ] || $SUDO apt-get install -y -qq $shell >/dev/null \
           || echo "test.sh: no $shell package here; the browser tests use the full Chromium" >&2; } ) &
    apt_pid=$!
    trap '[ -z "$apt_pid" ] || kill "$apt_pid" 2>/dev/null || true' EXIT  # never left holding dpkg's lock
fi
# Ray: the `ray` tests run too. TEST_REQUIREMENTS: more to install with them (CI's pinned torch), separated by spaces.
# uv where it can be had, else pip (scripts/install.py).
read -ra extra <<< "${TEST_REQUIREMENTS:-}"
python -m scripts.install "${extra[@]}" -r requirements-dev.txt -r requirements-ray.txt
if [ -n "$apt_pid" ]; then
    # The tests that need what is missing say so, by name.
    wait "$apt_pid" || echo "test.sh: apt-get could not install$missing" >&2
    apt_pid=""
fi
# Compiled modules are kept (__pycache__, ignored by git) even where the environment says not to write them
# (PYTHONDONTWRITEBYTECODE=1 on the 2-core machine): the suite starts some sixty Python processes (servers, command
# lines, Ray workers, test workers that rewrite every test module's asserts), each compiling the same sources again.
unset PYTHONDONTWRITEBYTECODE
# Two processes (pytest-xdist): the browser tests one after another on one, the Ray tests on one, the rest on either.
# (The two cores are saturated while it runs: three processes only add contention. README, "Run the tests".)
python -m pytest -n "${TEST_WORKERS:-2}" "$@"  # --dist loadgroup: pyproject.toml

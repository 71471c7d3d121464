"""Settings of a whole process, for the entry points that own theirs.

The command line's ``train`` and ``bench`` and ``scripts/train_shipped_model.py``
exist to train, so they call :func:`keep_freed_memory` first. The library code
(the trainer, the jobs) never changes process-wide settings by itself, and the
app's server keeps glibc's defaults (see below). The one exception is
:func:`calm_idle_threads`, which ``cnn_core/__init__.py`` calls: it only works
before torch is loaded, so it runs at the package's import, in every process
that imports cnn_core before torch (the servers, the command line, Ray
workers, the tests; tests/core/test_training.py follows each entry point to
torch's first import). Imports neither torch nor Streamlit.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import platform

# Rounds an idle OpenMP thread of torch's spins before it sleeps (GOMP_SPINCOUNT; libgomp's own default is 300,000).
OPENMP_SPIN = 1000


def calm_idle_threads() -> None:
    """Let torch's idle CPU threads sleep almost at once instead of spinning, unless the operator chose otherwise.

    torch's Linux wheels run their CPU kernels on libgomp, which keeps a thread
    that finished its share of a layer spinning for 300,000 rounds before it
    sleeps. Alone on the machine that is harmless; beside another busy process
    (a second training process, a Ray worker, the student's own browser, a test
    worker) the spinning threads take the cores the others need. Measured with
    ``python -m benchmarks.bench_threads`` on the 2-core machine: two processes
    training the tutorial network at once took about twice as long with the
    default as with 1,000 rounds, and one alone the same either way.

    Sets ``GOMP_SPINCOUNT`` (inherited by child processes) unless it or
    ``OMP_WAIT_POLICY`` is already set: an operator's choice stands. libgomp
    reads it once, when torch loads it, so a process that loaded torch before
    this call keeps libgomp's default.
    """
    if "GOMP_SPINCOUNT" not in os.environ and "OMP_WAIT_POLICY" not in os.environ:
        os.environ["GOMP_SPINCOUNT"] = str(OPENMP_SPIN)


_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters (malloc.h)
_allocator_tuned = False


def keep_freed_memory(mmap_threshold_mb: int = 64, trim_threshold_mb: int = 256) -> bool:
    """Let glibc's malloc reuse freed blocks instead of handing them back to the kernel.

    Each training step frees and allocates again the same activations (the
    tutorial network's first maps are 12.8 MB at batch 128). With glibc's
    defaults blocks that large are handed back to the kernel on free, and the
    next step page-faults them in again, 4 KB at a time: 230 to 1,200 faults a
    step when the command line trains MNIST, at times a quarter slower.
    Raising the two thresholds keeps that memory mapped (about 30 faults a
    step). In bf16 mixed precision the maps are half the size and glibc's own
    adaptive threshold already keeps them; the setting is for fp32.
    Process-wide and done once; returns whether it is in force (only glibc
    has these settings; elsewhere it does nothing).

    For processes that exist to train (the command line). The app's server does
    not call it: its trainings run in threads, where glibc's defaults cost
    little, and a long-lived server would keep a couple of hundred MB more.
    """
    global _allocator_tuned
    if _allocator_tuned:
        return True
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        ok = (libc.mallopt(_M_MMAP_THRESHOLD, mmap_threshold_mb << 20) == 1
              and libc.mallopt(_M_TRIM_THRESHOLD, trim_threshold_mb << 20) == 1)
    except (OSError, AttributeError):
        return False
    _allocator_tuned = ok
    return ok

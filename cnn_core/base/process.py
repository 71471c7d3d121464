"""Settings of a whole process, for the entry points that own theirs.

The command line's ``train`` and ``bench`` and ``scripts/train_shipped_model.py``
exist to train, so they call :func:`keep_freed_memory` first. The library code
(the trainer, the jobs) never changes process-wide settings by itself, and the
app's server keeps glibc's defaults (see below). Imports neither torch nor
Streamlit.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import platform

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

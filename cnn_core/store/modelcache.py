"""The server's loaded run models, bounded by the bytes they take in memory and keyed by their model digest.

Opening a run's model (the Draw and Inside pages, a reload of a workspace's
link) parses its checkpoint once per server process; every session that holds
the run's digest (:func:`cnn_core.store.storage.model_digest`, what each run
stores) shares the loaded model read-only. Keyed by the digest, never the
run's id: an id names another model after a delete on another server, a
digest never does. The least recently used models go first once their
weights and buffers together pass ``max_bytes``; a model larger than the
whole bound is loaded but not kept, and any model needing more than
``memory_limit_mb`` (the limit a training has) is refused before it is built. It is not
where a model in training lives (that is the session's).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

from cnn_core.nn.checkpoint import MAX_RUN_MODEL_MB, SavedModel, from_bytes


def model_bytes_in_memory(saved: SavedModel) -> int:
    """What a loaded model holds in memory: its parameters' and buffers' bytes."""
    tensors = list(saved.model.parameters()) + list(saved.model.buffers())
    return sum(t.numel() * t.element_size() for t in tensors)


class ModelCache:
    """Loaded models by digest, least recently used first out; thread-safe (one per server process)."""

    def __init__(self, max_bytes: int, memory_limit_mb: float | None = None):
        self.max_bytes = int(max_bytes)
        self.memory_limit_mb = memory_limit_mb
        self._models: OrderedDict[str, tuple[SavedModel, int]] = OrderedDict()
        self._lock = threading.Lock()
        self._loading: dict[str, threading.Lock] = {}

    @property
    def bytes(self) -> int:
        """The bytes the cached models take (what ``max_bytes`` bounds)."""
        with self._lock:
            return sum(size for _, size in self._models.values())

    def __len__(self) -> int:
        return len(self._models)

    def __contains__(self, digest: str) -> bool:
        return digest in self._models

    def get(self, digest: str, read: Callable[[], bytes | None]) -> SavedModel | None:
        """The model with this digest, loaded from ``read()`` (its file's bytes, None: gone) when not cached.

        A stored model that needs more memory than ``memory_limit_mb`` is refused
        (:class:`cnn_core.base.errors.ModelFileError`, ``err.model_needs_memory``)
        before its weights are allocated.
        """
        with self._lock:
            hit = self._models.get(digest)
            if hit is not None:
                self._models.move_to_end(digest)
                return hit[0]
            loading = self._loading.setdefault(digest, threading.Lock())
        with loading:  # two sessions opening one model parse it once
            with self._lock:
                hit = self._models.get(digest)
            if hit is not None:
                return hit[0]
            raw = read()
            if raw is None:
                return None
            saved = from_bytes(raw, max_mb=MAX_RUN_MODEL_MB, memory_limit_mb=self.memory_limit_mb)
            self.put(digest, saved)
            with self._lock:
                self._loading.pop(digest, None)
            return saved

    def put(self, digest: str, saved: SavedModel) -> None:
        """Keep a model already loaded (a session's finished training), evicting the least recently used."""
        size = model_bytes_in_memory(saved)
        with self._lock:
            self._models.pop(digest, None)
            if size > self.max_bytes:
                return  # never cached: the caller still holds it for as long as it needs it
            self._models[digest] = (saved, size)
            total = sum(s for _, s in self._models.values())
            while total > self.max_bytes:
                _, (_, gone) = self._models.popitem(last=False)
                total -= gone

    def forget(self, digest: str) -> None:
        with self._lock:
            self._models.pop(digest, None)

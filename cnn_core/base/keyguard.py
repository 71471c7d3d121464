"""Guessing the instructor key, slowed down: a growing wait after each wrong key, per session and per address.

The key is compared in constant time (:func:`hmac.compare_digest`), and while
a session or an address must wait no key is compared at all, the right one
included. Each attempt is logged with its address and outcome, never with
the key given. One guard per server process; it keeps at most ``max_clients``
sessions and addresses (the least recently seen go first). Nothing here
knows of Streamlit: the app calls it where the key is checked
(``ui.shell.workspace.check_instructor_key``).
"""

from __future__ import annotations

import hmac
import logging
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class KeyCheck:
    ok: bool  # the key was given and is the instructor's
    wait_s: float  # how long this session must wait before the next try (0: it may try now)
    checked: bool = True  # False: not compared at all, this session or address still had to wait (the right key too)


class KeyGuard:
    """Wrong keys double the wait (``first_wait_s``, then twice that, ... up to ``max_wait_s``)."""

    def __init__(self, first_wait_s: float = 1.0, max_wait_s: float = 300.0, max_clients: int = 10_000,
                 clock: Callable[[], float] = time.monotonic):
        self.first_wait_s = first_wait_s
        self.max_wait_s = max_wait_s
        self.max_clients = max_clients
        self._clock = clock
        self._lock = threading.Lock()
        self._clients: OrderedDict[str, tuple[int, float]] = OrderedDict()  # who: (wrong keys, may try at)

    def wait_s(self, session: str, address: str | None = None) -> float:
        """Seconds before this session (and address) may try a key again."""
        now = self._clock()
        with self._lock:
            return max((self._clients.get(w, (0, now))[1] - now for w in self._who(session, address)), default=0.0)

    def check(self, given: str, key: str, session: str, address: str | None = None) -> KeyCheck:
        """Compare ``given`` with ``key`` unless this session or address must still wait."""
        who = self._who(session, address)
        now = self._clock()
        with self._lock:
            wait = max(self._clients.get(w, (0, now))[1] - now for w in who)
            if wait > 0:
                log.warning("instructor key: not checked, %d s of waiting left (address %s)", math.ceil(wait),
                            address or "?")
                return KeyCheck(False, wait, checked=False)
            ok = bool(key) and hmac.compare_digest(str(given).encode("utf-8", "replace"), key.encode("utf-8"))
            if ok:
                for w in who:
                    self._clients.pop(w, None)
                log.info("instructor key: accepted (address %s)", address or "?")
                return KeyCheck(True, 0.0)
            wait = 0.0
            for w in who:
                wrong = self._clients.pop(w, (0, now))[0] + 1
                wait = max(wait, min(self.max_wait_s, self.first_wait_s * 2 ** (wrong - 1)))
                self._clients[w] = (wrong, now + min(self.max_wait_s, self.first_wait_s * 2 ** (wrong - 1)))
            while len(self._clients) > self.max_clients:
                self._clients.popitem(last=False)
        log.warning("instructor key: wrong key (address %s); next try in %d s", address or "?", math.ceil(wait))
        return KeyCheck(False, wait)

    @staticmethod
    def _who(session: str, address: str | None) -> list[str]:
        return [f"s:{session}"] + ([f"a:{address}"] if address else [])

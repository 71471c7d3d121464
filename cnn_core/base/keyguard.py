"""Guessing the instructor key, slowed down: a growing wait after each wrong key, per session and per address.

A session waits from its first wrong key (1 s, then 2, 4, … up to ``max_wait_s``). An address waits only after
``address_free`` wrong keys, and forgets them after ``address_forget_s`` without one: a class behind one address
(a school's network, a proxy) is one address, and a few students' wrong keys must not lock the instructor's own
fresh tab out, while a guesser who opens a new tab for every try still waits as long as a session would after
those few. (With a key of 12 characters or more, even ten tries every ten minutes find nothing.)

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
    """Wrong keys double the wait (``first_wait_s``, then twice that, ... up to ``max_wait_s``); an address's count
    starts after its first ``address_free`` and is forgotten after ``address_forget_s`` without a wrong key."""

    def __init__(self, first_wait_s: float = 1.0, max_wait_s: float = 300.0, max_clients: int = 10_000,
                 clock: Callable[[], float] = time.monotonic, address_free: int = 10,
                 address_forget_s: float = 600.0):
        self.first_wait_s = first_wait_s
        self.max_wait_s = max_wait_s
        self.max_clients = max_clients
        self.address_free = address_free
        self.address_forget_s = address_forget_s
        self._clock = clock
        self._lock = threading.Lock()
        # who: (wrong keys, may try at, last wrong key at)
        self._clients: OrderedDict[str, tuple[int, float, float]] = OrderedDict()

    def wait_s(self, session: str, address: str | None = None) -> float:
        """Seconds before this session (and address) may try a key again."""
        now = self._clock()
        with self._lock:
            return max((self._may_try_at(w, now) - now for w in self._who(session, address)), default=0.0)

    def _may_try_at(self, who: str, now: float) -> float:
        return self._clients.get(who, (0, now, now))[1]

    def _wrong_keys(self, who: str, now: float) -> int:
        """Wrong keys counted against ``who`` so far: an address forgets them after a quiet while."""
        wrong, _, last = self._clients.get(who, (0, now, now))
        return 0 if who.startswith("a:") and now - last > self.address_forget_s else wrong

    def _wait_after(self, who: str, wrong: int) -> float:
        counted = wrong - self.address_free if who.startswith("a:") else wrong
        return 0.0 if counted <= 0 else min(self.max_wait_s, self.first_wait_s * 2 ** (counted - 1))

    def check(self, given: str, key: str, session: str, address: str | None = None) -> KeyCheck:
        """Compare ``given`` with ``key`` unless this session or address must still wait."""
        who = self._who(session, address)
        now = self._clock()
        with self._lock:
            wait = max(self._may_try_at(w, now) - now for w in who)
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
                wrong = self._wrong_keys(w, now) + 1
                self._clients.pop(w, None)
                wait = max(wait, self._wait_after(w, wrong))
                self._clients[w] = (wrong, now + self._wait_after(w, wrong), now)
            while len(self._clients) > self.max_clients:
                self._clients.popitem(last=False)
        log.warning("instructor key: wrong key (address %s); next try in %d s", address or "?", math.ceil(wait))
        return KeyCheck(False, wait)

    @staticmethod
    def _who(session: str, address: str | None) -> list[str]:
        return [f"s:{session}"] + ([f"a:{address}"] if address else [])

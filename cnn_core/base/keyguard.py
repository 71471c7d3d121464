"""Guessing the instructor key, slowed down: a growing wait after each wrong key, per session and per address.

A session waits from its first wrong key (1 s, then 2, 4, … up to ``max_wait_s``). An address waits only after
``address_free`` wrong keys within the last ``address_forget_s`` seconds (a sliding window; a right key clears
the tab's count, never the address's): a class behind one address
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
    """Wrong keys double the wait (``first_wait_s``, then twice that, ... up to ``max_wait_s``); an address waits
    once it gave more than ``address_free`` wrong keys in the last ``address_forget_s`` seconds."""

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
        # who: (the times of its wrong keys counted now, may try at); an address's, those of the last
        # address_forget_s only (a sliding window), at most KEPT_TIMES of them (the wait is long capped by then)
        self._clients: OrderedDict[str, tuple[tuple[float, ...], float]] = OrderedDict()

    KEPT_TIMES = 64

    def wait_s(self, session: str, address: str | None = None) -> float:
        """Seconds before this session (and address) may try a key again."""
        now = self._clock()
        with self._lock:
            return max((self._may_try_at(w, now) - now for w in self._who(session, address)), default=0.0)

    def _may_try_at(self, who: str, now: float) -> float:
        return self._clients.get(who, ((), now))[1]

    def _wrong_keys(self, who: str, now: float) -> tuple[float, ...]:
        """The wrong keys counted against ``who`` now: a session's all, an address's of the last few minutes."""
        times = self._clients.get(who, ((), now))[0]
        return tuple(t for t in times if now - t <= self.address_forget_s) if who.startswith("a:") else times

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
            if ok:  # this tab starts over; the address keeps its count (a guesser there gets no fresh tries)
                self._clients.pop(who[0], None)
                log.info("instructor key: accepted (address %s)", address or "?")
                return KeyCheck(True, 0.0)
            wait = 0.0
            for w in who:
                times = (self._wrong_keys(w, now) + (now,))[-self.KEPT_TIMES:]
                self._clients.pop(w, None)
                wait = max(wait, self._wait_after(w, len(times)))
                self._clients[w] = (times, now + self._wait_after(w, len(times)))
            while len(self._clients) > self.max_clients:
                self._clients.popitem(last=False)
        log.warning("instructor key: wrong key (address %s); next try in %d s", address or "?", math.ceil(wait))
        return KeyCheck(False, wait)

    @staticmethod
    def _who(session: str, address: str | None) -> list[str]:
        return [f"s:{session}"] + ([f"a:{address}"] if address else [])

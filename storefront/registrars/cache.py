"""Availability answers remembered for a short time, per process, bounded in size.

Only definite answers are kept: an "unknown" is never cached, so a registry that was down a
moment ago is asked again on the next search.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable

from storefront.registrars.base import Availability

DEFAULT_MAX_ENTRIES = 10_000


class AvailabilityCache:
    def __init__(self, ttl_seconds: float, max_entries: int = DEFAULT_MAX_ENTRIES,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_seconds = float(ttl_seconds)
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, Availability]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, name: str) -> Availability | None:
        with self._lock:
            entry = self._entries.get(name)
            if entry is None:
                return None
            stored_at, answer = entry
            if self._clock() - stored_at >= self.ttl_seconds:
                del self._entries[name]
                return None
            return answer

    def put(self, name: str, answer: Availability) -> None:
        if self.ttl_seconds <= 0 or not answer.is_known:
            return
        with self._lock:
            self._entries[name] = (self._clock(), answer)
            self._entries.move_to_end(name)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def forget(self, names: Iterable[str] | str) -> None:
        if isinstance(names, str):
            names = [names]
        with self._lock:
            for name in names:
                self._entries.pop(name, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

"""Outlook's concurrency limit: at most N requests in flight per (identity, mailbox)."""

import collections
import threading


class ConcurrencyLimiter:
    def __init__(self):
        self._lock = threading.Lock()
        self._in_flight = collections.Counter()

    def try_acquire(self, key, limit: int) -> bool:
        with self._lock:
            if self._in_flight[key] >= limit:
                return False
            self._in_flight[key] += 1
            return True

    def release(self, key):
        with self._lock:
            self._in_flight[key] -= 1
            if self._in_flight[key] <= 0:
                del self._in_flight[key]

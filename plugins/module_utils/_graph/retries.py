# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One retry policy for every request this collection sends."""

from __future__ import annotations

import email.utils
import random
import time

# Graph photo calls are throttled per app and mailbox (429), and the service sheds load with 503/504.
# Every other 4xx means the request itself is wrong: retrying it only repeats the error.
RETRYABLE_STATUSES = frozenset((429, 503, 504))
MAX_RETRY_AFTER_SECONDS = 120.0
BACKOFF_BASE_SECONDS = 0.5
BACKOFF_MAX_SECONDS = 30.0


def parse_retry_after(value: str | None, *, now: float | None = None, limit: float | None = MAX_RETRY_AFTER_SECONDS) -> float | None:
    """Seconds to wait from a Retry-After header: integer or fractional seconds, or an HTTP date.

    limit: the longest wait taken (None: as long as it says; the throttle gate never cuts a budget's wait short).
    """
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    seconds = max(seconds, 0.0)
    return seconds if limit is None else min(seconds, limit)


class RetryPolicy:
    """Decides whether and how long to wait before the next attempt."""

    def __init__(self, retries: int, *, sleep=time.sleep, rng: random.Random | None = None):
        self.retries = max(0, retries)
        self.sleep = sleep
        self.rng = rng or random.Random()

    def should_retry_status(self, status: int, attempt: int) -> bool:
        """attempt counts from 0 (the first try)."""
        return status in RETRYABLE_STATUSES and attempt < self.retries

    def may_retry(self, attempt: int) -> bool:
        return attempt < self.retries

    def delay(self, attempt: int, retry_after: str | None = None) -> float:
        """Honour Retry-After when the service sent one; otherwise exponential backoff with full jitter."""
        seconds = parse_retry_after(retry_after)
        if seconds is not None:
            return seconds
        ceiling = min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * (2 ** attempt))
        return self.rng.uniform(0, ceiling)

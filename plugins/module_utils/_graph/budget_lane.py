# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the throttle gate knows of one budget (a lane): when it is closed, what landed, and when it lets the next
requests through. Not thread-safe on its own: the gate holds its lock around every call.

Graph's budgets count in one of two ways, and a lane learns which from its first budget 429:

- **Fixed windows** (a number of requests per window, a 429's Retry-After running to the window's end): the backlog
  spends the window's allowance early in the window, so its 429 asks for a long wait. The lane then lets each
  window's allowance (what landed in a window before its 429) go at the window's start, as fast as the workers send
  it, and holds the rest until the next window starts: nothing is refused, and the last window of a run is not
  spread over its whole length. (Even pacing under fixed windows lost up to one window per run: 1,000 writes under
  200 per 10 s took 49.5 s from the first write to the last, where the budget allows 40 s.) A window's start is only
  known from a reopening (the 429's Retry-After), so the windows after it are counted from there, WINDOW_MARGIN late
  rather than early; a window opened too early (its first requests refused with nothing landed) corrects the length.
- **A token bucket** (identity's throttling page: "based on a token bucket algorithm"): the budget refills
  continuously, and a 429's Retry-After is the time one request needs to refill, short against the period that led
  to it (less than BUCKET_SHARE of it). Bursting after such a reopening would be refused at once, so the lane paces
  requests one learned interval apart instead (what landed over the time until each reopening). A lane never goes
  back from a bucket to windows: even pacing is right under both, only slower under fixed windows.
"""

from __future__ import annotations

# A 429 whose Retry-After is less than this share of the period it ends (from the lane's last opening to its
# reopening) comes from a token bucket: a fixed window's 429 after a burst asks for most of the window.
BUCKET_SHARE = 0.25
# How late the lane counts a window's start after the last known one (its share of the window, at least the seconds):
# the length learned may be off by the latency of a $batch, and a window opened early costs its first requests a 429.
WINDOW_MARGIN = 0.02
WINDOW_MARGIN_MIN_SECONDS = 0.05
# Quiet periods (fixed windows: whole windows whose allowance was spent with requests still waiting; a bucket: as long
# as the last period) before the lane lets a tenth more through, in case the budget was shared with a run that has
# ended, or was learned from a window that another app had spent in part.
PROBE_AFTER_PERIODS = 5
PROBE_SPEEDUP = 0.9


class BudgetLane:
    """One budget as the gate sees it (a time of the gate's clock everywhere)."""

    def __init__(self, now: float):
        self.closed_until = 0.0
        self.closed_since = None  # the first 429 since something last landed: how long the budget has refused us
        self.closures = 0
        self.last_refusal = ''
        # What landed of the requests sent since period_start.
        self.period_start = now
        self.landed = 0
        # None until the first closure tells; True: fixed windows; False: a token bucket.
        self.fixed_windows = None
        # Fixed windows: the allowance per window, the window's length, window 0's start (the last reopening), the
        # window `landed` counts, the window admissions fill and how many they took in it.
        self.allowance = 0
        self.window = 0.0
        self.anchor = now
        self.counting = 0
        self.filling = 0
        self.admitted = 0
        self.full_windows = 0
        self.wanted_more = 0  # the last window whose allowance was spent with requests still waiting
        # A closed window whose allowance is learned when the lane reopens (answers still coming in count):
        # (its start, landed so far, whether it was opened too early), else None.
        self.learning = None
        # A token bucket: seconds per request, and what it was learned from.
        self.interval = 0.0
        self.next_slot = 0.0
        self.began = now
        self.all_landed = 0
        self.bucket_since = None
        self.bucket_landed = 0
        self.last_period = 0.0
        self.quiet_since = now

    # Fixed windows

    def paces_windows(self) -> bool:
        return bool(self.fixed_windows) and self.allowance > 0 and self.window > 0 and self.learning is None

    def window_start(self, index: int) -> float:
        if index <= 0:
            return self.anchor
        return self.anchor + index * self.window + max(WINDOW_MARGIN_MIN_SECONDS, WINDOW_MARGIN * self.window)

    def window_at(self, now: float) -> int:
        index = int((now - self.anchor) // self.window) if now >= self.anchor else 0
        while index > 0 and self.window_start(index) > now:
            index -= 1
        return index

    def roll(self, now: float) -> None:
        """Bring the lane to `now`: learn from a closed window once the lane has reopened, and count a new window."""
        if self.closed_until > now:
            return
        if self.learning is not None:
            self._learn_window()
        if not self.paces_windows():
            return
        index = self.window_at(now)
        if index <= self.counting:
            return
        if self.wanted_more > self.counting and index == self.counting + 1:
            self.full_windows += 1
            if self.full_windows >= PROBE_AFTER_PERIODS:
                self.allowance += max(1, self.allowance // 10)
                self.full_windows = 0
        else:
            self.full_windows = 0
        self.counting = index
        self.period_start = self.window_start(index)
        self.landed = 0

    def _learn_window(self) -> None:
        _started, landed, early = self.learning
        reopened = self.closed_until
        if early:
            # Window `counting` was opened before Graph's: its true start is this reopening.
            self.window = (reopened - self.anchor) / self.counting
        else:
            self.allowance = max(1, landed)
            self.window = (reopened - self.anchor) / (self.counting + 1)
        self.learning = None
        self.anchor = reopened
        self.counting = self.filling = self.admitted = self.wanted_more = 0
        self.full_windows = 0
        self.period_start = reopened
        self.landed = 0

    # Admission

    def earliest(self, now: float, count: int) -> float:
        """When `count` more requests may go (now or later). Nothing is taken: a thread that waits asks again when it
        wakes, so that a pace learned meanwhile applies to it (places booked ahead would keep a pace once too slow)."""
        if self.paces_windows():
            index, admitted = self.filling, self.admitted
            current = self.window_at(now)
            if index < current:
                index, admitted = current, 0
            if admitted > 0 and admitted + count > self.allowance:
                index += 1
                self.wanted_more = max(self.wanted_more, index)
            return max(now, self.window_start(index))
        if self.interval > 0 and self.fixed_windows is False:
            # A bucket holds no more than it refilled since it was last found empty (next_slot): `count` requests go
            # once that many have refilled, so that the first $batch after a 429 is not refused but for one request.
            return max(now, self.next_slot + count * self.interval)
        return max(now, self.next_slot)

    def take(self, now: float, count: int) -> None:
        """`count` requests go now (earliest() said they may)."""
        if self.paces_windows():
            current = self.window_at(now)
            if self.filling < current:
                self.filling, self.admitted = current, 0
            self.admitted += count
        elif self.interval > 0 and self.fixed_windows is False:
            self.next_slot = now

    # Answers

    def count_landed(self, now: float, count: int, sent_at: float | None) -> None:
        self.all_landed += count
        if self.bucket_since is not None and (sent_at is None or sent_at >= self.bucket_since):
            self.bucket_landed += count
        if sent_at is not None and sent_at < self.period_start:
            if self.learning is not None and sent_at >= self.learning[0]:
                started, landed, early = self.learning
                self.learning = (started, landed + count, early)
            return
        self.landed += count
        self.closed_since = None
        if (self.fixed_windows is False and self.interval > 0 and self.last_period > 0
                and now - self.quiet_since > PROBE_AFTER_PERIODS * self.last_period):
            self.interval *= PROBE_SPEEDUP
            self.quiet_since = now

    def close(self, now: float, retry_after: float, refusal: str, *, learn: bool = True) -> None:
        """A budget's 429 for a request sent in the current period: closed for retry_after, and what it teaches.
        learn=False: another budget that this lane's requests also spend (the resource units, which writes spend too)
        closes it; it waits, but learns nothing of its own budget's windows or pace from that."""
        self.last_refusal = refusal or self.last_refusal
        if self.closed_until > now or not learn:  # already closed (a request that was in flight), or not its budget
            if self.closed_until <= now and self.closed_since is None:
                self.closed_since = now
            self.closed_until = max(self.closed_until, now + retry_after)
            return
        self.closures += 1
        until = now + retry_after
        period = until - self.period_start
        # A bucket's pace: what landed since its first reopening (its capacity spent by then), over the time until this
        # one; measured over the whole run rather than the last period, which may have caught only a request or two of
        # a $batch. Until something lands after that reopening, what landed since the lane began (too fast by the
        # capacity) is better than none.
        if self.bucket_since is None:
            self.bucket_since = until
        since, landed = (self.bucket_since, self.bucket_landed) if self.bucket_landed else (self.began, self.all_landed)
        if landed and until > since and (self.bucket_landed or not self.interval):
            self.interval = (until - since) / landed
            self.last_period = period
        if self.fixed_windows is not False:
            if self.paces_windows() and self.counting > 0 and self.landed == 0:
                self.learning = (self.period_start, 0, True)
            elif period > 0 and retry_after < BUCKET_SHARE * period:
                self.fixed_windows = False
            else:
                self.fixed_windows = True
                self.learning = (self.period_start, self.landed, False)
        self.closed_until = until
        if self.closed_since is None:
            self.closed_since = now
        self.period_start = until
        self.quiet_since = until
        self.landed = 0
        self.next_slot = until

    def describe(self) -> dict:
        """What the lane learned, for results: how its budget counts and how fast it let requests through."""
        if self.fixed_windows and self.allowance > 0:
            return {'counts_in': 'fixed windows', 'allowance': self.allowance, 'window_seconds': round(self.window, 3),
                    'closures': self.closures}
        if self.fixed_windows is False:
            return {'counts_in': 'token bucket', 'seconds_per_request': round(self.interval, 4), 'closures': self.closures}
        return {'counts_in': 'not known yet', 'closures': self.closures}

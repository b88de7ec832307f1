# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A run of workers sending $batches through one throttle gate against one of Graph's budgets, in virtual time: real
threads and the real gate, a clock that jumps to the next wake-up once every worker waits, so a run of minutes takes
a fraction of a second and its figures do not depend on the machine."""

from __future__ import annotations

import math
import threading

from ansible_collections.graphops.msgraph.plugins.module_utils._graph.throttle_gate import WRITE, ThrottleGate


class VirtualTime:
    """clock() and sleep() for `workers` threads: time moves only when every one of them sleeps (or has ended)."""

    def __init__(self, workers: int, start: float = 100.0):
        self.now = start
        self.running = workers
        self.sleepers = {}
        self.condition = threading.Condition()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self.condition:
            token = object()
            self.sleepers[token] = self.now + max(0.0, seconds)
            self.running -= 1
            while token in self.sleepers:
                if self.running == 0:
                    self._advance()
                else:
                    self.condition.wait()

    def ended(self) -> None:
        with self.condition:
            self.running -= 1
            if self.running == 0 and self.sleepers:
                self._advance()

    def _advance(self) -> None:
        self.now = max(self.now, min(self.sleepers.values()))
        for token, wake in list(self.sleepers.items()):
            if wake <= self.now:
                del self.sleepers[token]
                self.running += 1
        self.condition.notify_all()


class FixedWindows:
    """A budget of `quota` per `window` in fixed windows from the first request; Retry-After to the window's end."""

    def __init__(self, quota: int, window: float, start: float):
        self.quota, self.window, self.start, self.index, self.used = quota, window, start, 0, 0

    def take(self, now: float):
        index = int((now - self.start) // self.window)
        if index != self.index:
            self.index, self.used = index, 0
        if self.used < self.quota:
            self.used += 1
            return None
        return self.start + (index + 1) * self.window - now


class TokenBucket:
    """The same budget as a token bucket (identity's page): refills continuously, Retry-After the time one request
    needs to refill."""

    def __init__(self, quota: int, window: float, start: float):
        self.quota, self.rate, self.tokens, self.at = quota, quota / window, float(quota), start

    def take(self, now: float):
        self.tokens = min(self.quota, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return None
        return (1 - self.tokens) / self.rate


class WholeSeconds:
    """A budget whose Retry-After is rounded up to whole seconds (Graph's is seen as "10" as well as "2.128")."""

    def __init__(self, budget):
        self.budget = budget

    def take(self, now: float):
        wait = self.budget.take(now)
        return None if wait is None else float(max(1, math.ceil(wait)))


def run_against(budget_type, writes: int, *, whole_seconds: bool = False, quota: int = 200, window: float = 10.0, workers: int = 8, batch: int = 20,
                latency: float = 0.3) -> dict:
    """`writes` requests in $batches of `batch` by `workers` threads, each batch answered `latency` after it went, every
    one through one gate, against budget_type(quota, window) (its Retry-After in whole seconds if whole_seconds): the
    seconds from the first request to the last landed, the budget 429s, and the gate."""
    time = VirtualTime(workers)
    gate = ThrottleGate(clock=time, sleep=time.sleep)
    budget = budget_type(quota, window, time.now)
    if whole_seconds:
        budget = WholeSeconds(budget)
    lock = threading.Lock()
    state = {'waiting': writes, 'landed': 0, 'refused': 0, 'last': time.now}
    started = time.now

    def worker():
        try:
            while True:
                with lock:
                    if state['landed'] >= writes:
                        return
                    count = min(batch, state['waiting'])
                    state['waiting'] -= count
                if not count:
                    time.sleep(latency)  # the others' answers may send some back
                    continue
                gate.admit((WRITE,), count)
                sent_at = time()
                with lock:
                    answers = [budget.take(sent_at) for dummy in range(count)]
                time.sleep(latency)
                landed = sum(1 for wait in answers if wait is None)
                if landed:
                    gate.landed((WRITE,), landed, sent_at=sent_at)
                for wait in answers:
                    if wait is not None:
                        gate.throttled((WRITE,), wait, sent_at=sent_at)
                with lock:
                    state['landed'] += landed
                    state['refused'] += count - landed
                    state['waiting'] += count - landed
                    if landed:
                        state['last'] = time()
        finally:
            time.ended()

    threads = [threading.Thread(target=worker) for dummy in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return {'seconds': state['last'] - started, 'refused': state['refused'], 'landed': state['landed'], 'gate': gate}

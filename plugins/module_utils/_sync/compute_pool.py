# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A few threads for CPU work (image decoding and comparing), taking the most urgent job first.

Many threads wait on the network; only about one per core should decode, or they fight over the interpreter
lock. Urgency matters too: finishing a chunk whose photos Graph already sent (so that its writes can go out)
is worth more than starting on a chunk that is still waiting for Graph.
"""

from __future__ import annotations

import itertools
import queue
import threading
from concurrent.futures import Future

# Lower runs first.
PRIORITY_FINISH = 0
PRIORITY_START = 1


class ComputePool:
    """submit(priority, fn, *args) -> Future; jobs of equal priority run in the order they came."""

    def __init__(self, threads: int):
        self._jobs = queue.PriorityQueue()
        self._order = itertools.count()
        self._threads = [threading.Thread(target=self._work, name='photo-compute-%d' % number, daemon=True)
                         for number in range(max(1, threads))]
        for thread in self._threads:
            thread.start()

    def submit(self, priority: int, fn, *args) -> Future:
        future = Future()
        self._jobs.put((priority, next(self._order), future, fn, args))
        return future

    def _work(self) -> None:
        while True:
            dummy, dummy, future, fn, args = self._jobs.get()
            if fn is None:
                return
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(fn(*args))
            except BaseException as exc:  # pylint: disable=broad-except  # handed to the waiting thread as is
                future.set_exception(exc)

    def shutdown(self) -> None:
        """Let the queued jobs finish, then stop the threads."""
        for dummy in self._threads:
            # After every real job, whatever its priority.
            self._jobs.put((PRIORITY_START + 1, next(self._order), None, None, None))
        for thread in self._threads:
            thread.join()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.shutdown()

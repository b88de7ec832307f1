# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Send many inner requests through $batch: mailbox slots taken first, inner 429/503/504 retried per item.

Every inner request passes the run's throttle gate (throttle_gate.py): one whose budget is closed waits until it
reopens, a batch goes when the learned pace lets all of its requests go, and an inner 429 that is a budget's closes the
gate for every thread and sends the item again once it reopens, spending none of its retries.

A batch answered 200 can hold an inner 429 for one request and a 200 for the next: each item keeps its own
attempt count and its own Retry-After, and only the items that must be retried go into a later batch. An inner 401
(the token expired or was revoked while the batch was on its way) renews the token when it is still the one in use
and sends the item again at once, without counting a retry: as often as it happens in a run.
"""

from __future__ import annotations

import collections
import threading
import time

from ansible_collections.graphops.msgraph.plugins.module_utils._graph.batch import (
    MAX_BATCH_BODY_BYTES,
    MAX_BATCH_REQUESTS,
    send_batch,
)
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.client import is_token_refusal, token_was_accepted
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.errors import GraphModuleError, GraphTokenRefused, parse_error_envelope
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.mailbox_limit import MailboxSlots, mailbox_of
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.throttle_gate import (
    MAILBOX_LANE_PREFIX,
    GraphBudgetExhausted,
    ThrottleGate,
    budget_wait_message,
    request_lanes,
)

# How long a thread that got no mailbox slot waits for another thread to release one before it looks again.
SLOT_POLL_SECONDS = 0.05


class BatchItemFailure(GraphModuleError):
    """The whole batch an item travelled in failed (after the client's own retries); str() is safe to show."""


class BatchStats:
    """Counters for one module run, shared by every thread."""

    def __init__(self):
        self._lock = threading.Lock()
        self.batches = 0
        self.inner_requests = 0
        self.inner_retries = 0
        # Items sent again because Graph refused the token they went with (no retry spent).
        self.token_resends = 0
        # Items answered 429 by a budget and sent again once the throttle gate reopened (no retry spent).
        self.budget_waits = 0

    def count_batch(self, size: int) -> None:
        with self._lock:
            self.batches += 1
            self.inner_requests += size

    def count_retry(self) -> None:
        with self._lock:
            self.inner_retries += 1

    def count_budget_wait(self) -> None:
        with self._lock:
            self.budget_waits += 1
            self.inner_retries += 1

    def count_token_resend(self) -> None:
        with self._lock:
            self.token_resends += 1


class BatchRunner:
    """Runs lists of BatchRequest; safe to call from several threads at once (they share the mailbox slots)."""

    def __init__(self, client, *, slots: MailboxSlots | None = None, retry_policy=None, stats: BatchStats | None = None, gate=None,
                 clock=time.monotonic, sleep=time.sleep, batch_size: int = MAX_BATCH_REQUESTS,
                 max_body_bytes: int = MAX_BATCH_BODY_BYTES):
        self.client = client
        self.slots = slots or MailboxSlots()
        # The client's RetryingTransport: its retry policy and retry log are shared with the batches.
        self.retry_policy = retry_policy or client.transport.policy
        self.on_retry = client.transport.on_retry
        self.stats = stats or BatchStats()
        # The client's gate (one per module run); a client without one (unit tests' fakes) gets a gate of its own.
        self.gate = gate or getattr(client, 'throttle_gate', None) or ThrottleGate(clock=clock, sleep=sleep)
        self.clock = clock
        self.sleep = sleep
        self.batch_size = batch_size
        self.max_body_bytes = max_body_bytes

    def run(self, requests: list) -> dict:
        """Return id -> BatchResponse (its final answer, error or not) or BatchItemFailure (the batch itself failed, or a
        budget stayed closed too long)."""
        results = {}
        pending = list(requests)
        attempts = {request.id: 0 for request in requests}
        not_before = {request.id: 0.0 for request in requests}
        refusals = {request.id: 0 for request in requests}
        lanes = {request.id: self._lanes(request) for request in requests}
        while pending:
            now = self.clock()
            ready = [request for request in pending if not_before[request.id] <= now]
            if not ready:
                self.sleep(max(0.0, min(not_before[request.id] for request in pending) - now))
                continue
            # Requests whose budget is closed wait for it at the gate's time (no retry spent); one closed too long fails.
            ready = self._open(ready, lanes, not_before, results, pending)
            if not ready:
                continue
            batch = self._take_slots(ready)
            if not batch:
                self.slots.wait_for_release(SLOT_POLL_SECONDS)
                continue
            try:
                answers, token, sent_at = self._send(batch, lanes)
            except GraphModuleError as exc:  # BatchProtocolError and GraphBudgetExhausted too
                failure = BatchItemFailure('the $batch request failed: %s' % exc)
                for request in batch:
                    results[request.id] = failure
                    pending.remove(request)
                continue
            for request in batch:
                answer = answers[request.id]
                if is_token_refusal(answer.status, parse_error_envelope(answer.json_body)[0]):
                    refusals[request.id] += 1
                    failure = self._renew_token(request, answer, token, refusals[request.id])
                    if failure is not None:
                        results[request.id] = failure
                        pending.remove(request)
                    continue
                if token_was_accepted(answer.status):
                    self.client.token_provider.accepted(token)
                if answer.status == 429 and self._waits_for_budget(request, answer, lanes[request.id], sent_at):
                    continue
                if answer.status < 500 and answer.status != 429:
                    self.gate.landed(lanes[request.id], sent_at=sent_at)
                if self.retry_policy.should_retry_status(answer.status, attempts[request.id]):
                    wait = self.retry_policy.delay(attempts[request.id], answer.retry_after)
                    attempts[request.id] += 1
                    not_before[request.id] = self.clock() + wait
                    self.stats.count_retry()
                    self.on_retry('%s %s (in $batch): HTTP %d, retry %d of %d in %.1fs' % (
                        request.method, request.path, answer.status, attempts[request.id], self.retry_policy.retries, wait))
                    continue
                results[request.id] = answer
                pending.remove(request)
        return results

    def _open(self, ready: list, lanes: dict, not_before: dict, results: dict, pending: list) -> list:
        """The ready requests whose lanes are open; the others wait until the gate reopens them, or fail when their
        budget has stayed closed longer than any documented window."""
        now = self.clock()
        open_now = []
        for request in ready:
            try:
                opens = self.gate.opens_at(lanes[request.id])
            except GraphBudgetExhausted as exc:
                results[request.id] = BatchItemFailure(str(exc))
                pending.remove(request)
                continue
            if opens > now:
                not_before[request.id] = opens
            else:
                open_now.append(request)
        return open_now

    def _waits_for_budget(self, request, answer, lanes: tuple, sent_at: float) -> bool:
        """An inner 429: True when it is a budget's (the gate closes what it spends; the item goes again when it
        reopens, spending no retry), False for a mailbox's concurrency 429 (retried per item as before)."""
        refusal = self.gate.budget_refusal(lanes, body=answer.json_body, headers=answer.headers, retry_after_header=answer.retry_after,
                                           sent_at=sent_at)
        if refusal is None:
            return False
        self.stats.count_budget_wait()
        self.on_retry('%s %s (in $batch): %s' % (request.method, request.path, budget_wait_message(*refusal)))
        return True

    @staticmethod
    def _lanes(request) -> tuple:
        lanes = request_lanes(request.method, request.path)
        if request.mailbox:
            lanes = tuple(lane for lane in lanes if not lane.startswith(MAILBOX_LANE_PREFIX)) + (MAILBOX_LANE_PREFIX + request.mailbox,)
        return lanes

    def _renew_token(self, request, answer, token, refusals: int):
        """After an inner 401: None when the item is to be sent again (with the renewed token, at once), else its
        BatchItemFailure (the token cannot be renewed, or Graph keeps refusing it for this item)."""
        error = answer.error(request)
        try:
            self.client.token_provider.refused(token, error, refusals=refusals)
        except GraphTokenRefused as exc:
            return BatchItemFailure(str(exc))
        self.stats.count_token_resend()
        self.on_retry('%s %s (in $batch): token refused (HTTP 401 %s), sent again with a renewed token' % (
            request.method, request.path, (error.graph_message or '').rstrip('.')))
        return None

    def _take_slots(self, ready: list) -> list:
        """The next batch: ready requests that got a mailbox slot, within the batch's count and size limits."""
        batch = []
        size = 0
        for request in ready:
            if len(batch) >= self.batch_size:
                break
            if batch and size + request.encoded_size > self.max_body_bytes:
                continue
            if self.slots.take([self._mailbox(request)]):
                batch.append(request)
                size += request.encoded_size
        return batch

    @staticmethod
    def _mailbox(request) -> str:
        return request.mailbox or mailbox_of(request.path)

    def _send(self, batch: list, lanes: dict) -> tuple:
        """Send one batch once the gate's pace lets its requests go (each counts on its own: Graph charges them so)."""
        try:
            spent = collections.Counter(lane for request in batch for lane in lanes[request.id])
            for lane, count in spent.items():
                self.gate.admit((lane,), count)
            self.stats.count_batch(len(batch))
            sent_at = self.gate.clock()
            answers, token = send_batch(self.client, batch, budget_lanes=tuple(spent))
            return answers, token, sent_at
        finally:
            self.slots.release([self._mailbox(request) for request in batch])

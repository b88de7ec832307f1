# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One throttle gate per module run: Graph's budgets are spent by every request of the run, so a budget's 429 pauses
every request that spends that budget, on every thread, and not only the request that got it.

Graph throttles by budgets per app and tenant ("Microsoft Graph service-specific throttling limits": resource units
per 10 s, 3,000 writes per 150 s per app and tenant, 18,000 per 5 min per tenant; Outlook 10,000 requests per 10 min
per app and mailbox). A large first run spends the write budget in seconds and then waits on it. Retrying each
refused request on its own (the retry policy) sends the whole backlog again when the window reopens, where most of it
is refused again, and an unlucky item runs out of retries although nothing was wrong with it. So:

- requests spend lanes: ``read`` (GET) or ``write`` (anything else), and ``mailbox:<mailbox>`` when Graph refused
  that mailbox's own budget (Outlook's per-mailbox limits);
- a budget's 429 closes its lanes until its Retry-After (never sooner; not clamped like the retry policy's waits);
  requests that spend a closed lane wait at the gate, spending no ``retries``;
- once the lane reopens, requests go at the pace the budget allowed so far, so that the next window is not met by the
  whole backlog at once (budget_lane.py): under fixed windows each window's allowance at the window's start, under a
  token bucket one request each learned interval; the lane tells which from its first 429;
- a lane that stays closed longer than STALL_SECONDS fails the requests still waiting, naming the budget.

Which 429 is a budget's (Graph documents no marker; see classify_throttling()): only one that names a mailbox's
concurrency (Outlook's "Application is over its MailboxConcurrency limit.") is not; it stays per mailbox and spends
a retry, as before. Whatever else answers 429 is treated as a budget: taking a budget for a concurrency limit costs
at most one Retry-After of waiting, while taking a budget's 429 for a fault costs items their retries.
"""

from __future__ import annotations

import threading
import time

from ansible_collections.graphops.msgraph.plugins.module_utils._graph.budget_lane import BudgetLane
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.errors import GraphModuleError, parse_error_envelope
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.mailbox_limit import mailbox_of
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.retries import parse_retry_after

READ = 'read'
WRITE = 'write'
MAILBOX_LANE_PREFIX = 'mailbox:'

# The longest window among the budgets photo requests may spend: Outlook's 10,000 requests per 10 minutes per app and
# mailbox (identity's are 10 s, 150 s and 5 min). A budget closed for two of those windows in a row, with nothing of
# ours landing in between, is not being spent by this run's pace any more but refused for some other reason (an app
# blocked, a tenant-wide incident): the requests still waiting fail then, naming the budget, rather than hold the task.
LONGEST_DOCUMENTED_WINDOW_SECONDS = 600.0
STALL_SECONDS = 2 * LONGEST_DOCUMENTED_WINDOW_SECONDS
# A concurrency 429 asks for a short wait (Outlook's are 1 s to a few seconds): one that names concurrency but asks for
# longer than this is waited out as a budget, whose windows run for minutes.
CONCURRENCY_MAX_RETRY_AFTER_SECONDS = 30.0
# A budget's 429 without Retry-After (Graph's throttling page: back off exponentially): 1, 2, 4 ... up to 64 s.
NO_RETRY_AFTER_BASE_SECONDS = 1.0
NO_RETRY_AFTER_MAX_SECONDS = 64.0
_WRITE_METHODS = frozenset(('POST', 'PUT', 'PATCH', 'DELETE'))


class GraphBudgetExhausted(GraphModuleError):
    """A budget stayed closed longer than any documented window; str() names it and what Graph last said."""


def request_lanes(method: str, path: str) -> tuple:
    """The lanes a request spends: its kind, and its mailbox (a mailbox's own budget closes only that mailbox)."""
    lanes = [WRITE if method.upper() in _WRITE_METHODS else READ]
    mailbox = mailbox_of(path.split('?', 1)[0])
    if '/' in mailbox or mailbox == 'me':
        lanes.append(MAILBOX_LANE_PREFIX + mailbox)
    return tuple(lanes)


def learning_lanes(closed: tuple) -> tuple:
    """The lanes whose own budget a 429 closing `closed` was: a 429 that closes reads and writes together is the
    resource units' (x-ms-throttle-scope ``ReadWrite``), a budget the reads spend and the writes spend a little of; the
    write lane waits for it but learns its own budget's windows from its own 429s only."""
    if READ in closed and WRITE in closed:
        return tuple(lane for lane in closed if lane != WRITE)
    return closed


def describe_lane(lane: str) -> str:
    if lane == WRITE:
        return "Graph's write budget"
    if lane == READ:
        return "Graph's read budget (resource units)"
    return "the budget of mailbox %s" % lane[len(MAILBOX_LANE_PREFIX):]


def classify_throttling(lanes: tuple, *, code: str | None, message: str | None, headers: dict, retry_after: float | None):
    """For a 429: None when it is a mailbox's concurrency limit (per mailbox, spends a retry), else the lanes the budget
    closes.

    Graph documents no marker that tells a budget's 429 from a concurrency 429, so this reads what it plausibly sends:
    - the message: Outlook names the limit ("Application is over its MailboxConcurrency limit."); one naming
      concurrency is a concurrency 429, unless its Retry-After is longer than a concurrency wait ever needs;
    - the headers: identity's budgets send ``x-ms-throttle-scope`` (``<Scope>/<Limit>/<app>/<tenant>``, Limit
      ``Read``, ``Write`` or ``ReadWrite``): that closes the lanes it names;
    - a message naming the mailbox's own limits (Outlook's requests or IncomingBytes per mailbox) closes that mailbox;
    - anything else (a bare "Too many requests.", no body) is a budget of the request's own kind: be safe.
    """
    text = ('%s %s' % (code or '', message or '')).lower()
    if 'concurren' in text and (retry_after is None or retry_after <= CONCURRENCY_MAX_RETRY_AFTER_SECONDS):
        return None
    scope = {str(name).lower(): value for name, value in (headers or {}).items()}.get('x-ms-throttle-scope')
    if scope:
        parts = str(scope).split('/')
        limit = parts[1].strip().lower() if len(parts) > 1 else ''
        named = {'read': (READ,), 'write': (WRITE,), 'readwrite': (READ, WRITE)}.get(limit)
        if named:
            return named
    mailbox_lanes = tuple(lane for lane in lanes if lane.startswith(MAILBOX_LANE_PREFIX))
    if mailbox_lanes and ('mailbox' in text or 'incomingbytes' in text):
        return mailbox_lanes
    return tuple(lane for lane in lanes if not lane.startswith(MAILBOX_LANE_PREFIX)) or tuple(lanes)


class ThrottleGate:
    """Shared by every request of one module run (GraphClient.throttle_gate); safe from any thread."""

    def __init__(self, *, clock=time.monotonic, sleep=time.sleep, stall_seconds: float = STALL_SECONDS):
        self.clock = clock
        self.sleep = sleep
        self.stall_seconds = stall_seconds
        self._lanes = {}
        self._lock = threading.Lock()
        # For results and the benchmark.
        self.budget_429s = 0
        self.closures = 0
        self.waited_seconds = 0.0

    def _lane(self, name: str, now: float, create: bool):
        lane = self._lanes.get(name)
        if lane is None and create:
            lane = self._lanes[name] = BudgetLane(now)
        return lane

    def opens_at(self, lanes) -> float:
        """When every one of lanes is open (a time of clock(); 0.0 when they are open now). Raises GraphBudgetExhausted
        when one has been closed too long."""
        with self._lock:
            return self._opens_at(lanes, self.clock())

    def _opens_at(self, lanes, now: float) -> float:
        opens = 0.0
        for name in lanes:
            lane = self._lanes.get(name)
            if lane is None or lane.closed_until <= now:
                continue
            if lane.closed_since is not None and lane.closed_until - lane.closed_since > self.stall_seconds:
                raise GraphBudgetExhausted(
                    '%s stayed closed for over %d minutes (twice the longest window Graph documents): the last answer was %s. '
                    'Another run or app may be spending it; run the task again later.' % (
                        describe_lane(name), self.stall_seconds // 60, lane.last_refusal or 'HTTP 429'))
            opens = max(opens, lane.closed_until)
        return opens

    def admit(self, lanes, count: int = 1) -> None:
        """Block until lanes are open and their pace lets `count` more requests go (one $batch's worth)."""
        while True:
            with self._lock:
                now = self.clock()
                opens = self._opens_at(lanes, now)
                if opens > now:
                    wait = opens - now
                else:
                    paced = [self._lane(name, now, create=not name.startswith(MAILBOX_LANE_PREFIX)) for name in lanes]
                    paced = [lane for lane in paced if lane is not None]
                    for lane in paced:
                        lane.roll(now)
                    start = max([now] + [lane.earliest(now, count) for lane in paced])
                    if start <= now:
                        for lane in paced:
                            lane.take(now, count)
                        return
                    wait = start - now
                self.waited_seconds += wait
            self.sleep(wait)

    def wait_open(self, lanes) -> None:
        """Block until lanes are open, taking no place in their pace (a $batch envelope, whose items took theirs)."""
        while True:
            with self._lock:
                now = self.clock()
                wait = self._opens_at(lanes, now) - now
                if wait <= 0:
                    return
                self.waited_seconds += wait
            self.sleep(wait)

    def landed(self, lanes, count: int = 1, *, sent_at: float | None = None) -> None:
        """Requests that Graph answered without a budget's 429: the pace is learned from these. sent_at: when they were
        sent (clock()); those sent before the lane last reopened belong to an earlier period and are not counted."""
        with self._lock:
            now = self.clock()
            for name in lanes:
                lane = self._lanes.get(name)
                if lane is not None:
                    lane.roll(now)
                    lane.count_landed(now, count, sent_at)

    def throttled(self, lanes, retry_after: float | None, refusal: str = '', *, sent_at: float | None = None) -> float:
        """A budget's 429 for lanes: close them until its Retry-After (never shortened by a later, shorter one) and learn
        the pace; returns the time they reopen.

        sent_at: when the refused request was sent (clock()). One sent before the lane last reopened was refused in a
        window the gate has already waited out (its answer came late, e.g. at the end of a long $batch): it neither
        closes the lane again nor teaches a pace, else each late answer would halve the pace."""
        with self._lock:
            now = self.clock()
            self.budget_429s += 1
            reopen = now
            learning = learning_lanes(lanes)
            for name in lanes:
                lane = self._lane(name, now, create=True)
                lane.roll(now)
                if sent_at is not None and sent_at < lane.period_start:
                    reopen = max(reopen, lane.closed_until)
                    continue
                if retry_after is None and lane.closed_until <= now:
                    wait = min(NO_RETRY_AFTER_MAX_SECONDS, NO_RETRY_AFTER_BASE_SECONDS * 2 ** min(lane.closures, 6))
                else:
                    wait = retry_after or 0.0
                closures = lane.closures
                lane.close(now, wait, refusal, learn=name in learning)
                self.closures += lane.closures - closures
                reopen = max(reopen, lane.closed_until)
            return reopen

    def describe(self) -> dict:
        """Each budget the run met, by lane: how it counts and what it let through (BudgetLane.describe)."""
        with self._lock:
            return {name: lane.describe() for name, lane in sorted(self._lanes.items()) if lane.closed_until}

    def pace(self, lane: str) -> float:
        """Seconds per request at the learned pace of a lane paced as a token bucket (0: none learned)."""
        with self._lock:
            found = self._lanes.get(lane)
            return found.interval if found is not None and found.fixed_windows is False else 0.0

    def windows(self, lane: str) -> tuple:
        """(allowance, seconds) of a lane paced in fixed windows, once learned; else None."""
        with self._lock:
            found = self._lanes.get(lane)
            if found is None or not found.fixed_windows or found.allowance <= 0:
                return None
            return found.allowance, found.window

    def budget_refusal(self, lanes: tuple, *, body, headers, retry_after_header: str | None, sent_at: float | None):
        """A 429 for a request spending lanes (a single request or an inner one of $batch): (the lanes it closed, its
        Retry-After in seconds or None) when it is a budget's, the gate now closed for them; None for a mailbox's
        concurrency 429, which the retry policy handles. body: the answer's JSON; headers: its headers (inner answers'
        names are lower case, a response's any case), retry_after_header: its Retry-After."""
        code, message, _request_id = parse_error_envelope(body)
        retry_after = parse_retry_after(retry_after_header, limit=None)
        closed = classify_throttling(lanes, code=code, message=message, headers=headers, retry_after=retry_after)
        if closed is None:
            return None
        self.throttled(closed, retry_after, refusal=describe_refusal(429, code, message), sent_at=sent_at)
        return closed, retry_after

    def ticket(self, method: str, path: str, *, lanes: tuple | None = None) -> 'BudgetTicket':
        """A single request's ticket; lanes given: a $batch envelope carrying requests that spend those lanes (they were
        admitted one by one, so the envelope only waits while one is closed, and its 429 closes them)."""
        if lanes is not None:
            return BudgetTicket(self, tuple(lanes), paced=False)
        return BudgetTicket(self, request_lanes(method, path))


class BudgetTicket:
    """One request's passage through the gate, for RetryingTransport (single requests and $batch envelopes)."""

    def __init__(self, gate: ThrottleGate, lanes: tuple, *, paced: bool = True):
        self.gate = gate
        self.lanes = lanes
        self.paced = paced
        self.sent_at = None

    def admit(self) -> None:
        if self.paced:
            self.gate.admit(self.lanes)
        else:
            self.gate.wait_open(self.lanes)
        self.sent_at = self.gate.clock()

    def landed(self) -> None:
        if self.paced:
            self.gate.landed(self.lanes, sent_at=self.sent_at)

    def budget_refusal(self, response):
        """(lanes, seconds) when the 429 response is a budget's (the gate is closed for them), else None."""
        try:
            body = response.json()
        except ValueError:
            body = None
        return self.gate.budget_refusal(self.lanes, body=body, headers=response.headers,
                                        retry_after_header=response.headers.get('Retry-After'), sent_at=self.sent_at)


def budget_wait_message(closed: tuple, retry_after: float | None) -> str:
    """How a budget's wait reads among the retries (graph_retries, -vvv), for single and inner requests alike."""
    return 'HTTP 429 on %s (Retry-After %s), sent again when it reopens (no retry spent)' % (
        ' and '.join(describe_lane(lane) for lane in closed), 'none' if retry_after is None else '%gs' % retry_after)


def describe_refusal(status: int, code: str | None, message: str | None) -> str:
    text = 'HTTP %d' % status
    if code:
        text += ' ' + code
    if message:
        text += ' (%s)' % message.rstrip('.')
    return text

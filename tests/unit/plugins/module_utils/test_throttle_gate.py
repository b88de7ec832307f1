# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The throttle gate (one per run): a budget's 429 closes what it spends until its Retry-After for every request,
the pace learned from what landed, no retry spent, a budget closed too long fails naming it; which 429 is a budget's."""

from __future__ import annotations

import collections
import math

import pytest

from ansible_collections.graphops.msgraph.plugins.module_utils._graph.batch import BatchRequest
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.batch_runner import BatchItemFailure, BatchRunner
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.retries import RetryPolicy
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.throttle_gate import (
    READ,
    STALL_SECONDS,
    WRITE,
    GraphBudgetExhausted,
    ThrottleGate,
    classify_throttling,
    request_lanes,
)
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.transport import RetryingTransport

from ansible_collections.graphops.msgraph.tests.unit.plugins.module_utils.budget_simulation import FixedWindows, TokenBucket, run_against
from ansible_collections.graphops.msgraph.tests.unit.plugins.module_utils.batch_fakes import (
    FakeBatchClient,
    FakeClock,
    concurrency_429_body,
    graph_error_body,
    inner,
)

JPEG = b'\xff\xd8\xff\xe0photo'
MAILBOX = 'mailbox:users/alice@contoso.com'


def gate_and_clock(**kwargs):
    clock = FakeClock()
    return ThrottleGate(clock=clock, sleep=clock.sleep, **kwargs), clock


@pytest.mark.parametrize('code, message, headers, retry_after, expected', [
    # Outlook names its concurrency limit: per mailbox, a retry spent (as before).
    ('ApplicationThrottled', 'Application is over its MailboxConcurrency limit.', {}, 1.0, None),
    ('TooManyRequests', 'Application is over its MailboxConcurrency limit.', {}, None, None),
    # ... unless it asks for a wait no concurrency limit needs: then it is waited out as that mailbox's budget.
    ('ApplicationThrottled', 'Application is over its MailboxConcurrency limit.', {}, 120.0, (MAILBOX,)),
    # Identity's budgets name their scope and limit.
    ('TooManyRequests', 'anything', {'x-ms-throttle-scope': 'Tenant_Application/Write/app/tenant'}, 2.0, (WRITE,)),
    ('TooManyRequests', 'anything', {'X-Ms-Throttle-Scope': 'Tenant_Application/Read/app/tenant'}, 2.0, (READ,)),
    ('TooManyRequests', 'anything', {'x-ms-throttle-scope': 'Tenant_Application/ReadWrite/app/tenant'}, 2.0, (READ, WRITE)),
    # Outlook's per-mailbox budgets close that mailbox only.
    ('ApplicationThrottled', 'Application is over its MailboxRequests limit.', {}, 30.0, (MAILBOX,)),
    ('ApplicationThrottled', 'Application is over its IncomingBytes limit.', {}, 30.0, (MAILBOX,)),
    # Anything else is a budget of the request's own kind: be safe.
    ('TooManyRequests', 'Too many requests.', {}, 1.0, (WRITE,)),
    (None, None, {}, None, (WRITE,)),
    ('TooManyRequests', 'anything', {'x-ms-throttle-scope': 'garbled'}, 2.0, (WRITE,)),
])
def test_which_429_is_a_budget_s(code, message, headers, retry_after, expected):
    lanes = request_lanes('PUT', '/users/alice@contoso.com/photo/$value')
    assert classify_throttling(lanes, code=code, message=message, headers=headers, retry_after=retry_after) == expected


def test_lanes_of_requests():
    assert request_lanes('GET', '/users/Alice@contoso.com/photo') == (READ, MAILBOX)
    assert request_lanes('DELETE', '/groups/G1/photo/$value') == (WRITE, 'mailbox:groups/g1')
    assert request_lanes('GET', '/users?$select=id') == (READ,)
    assert request_lanes('POST', '/$batch') == (WRITE,)


def test_a_budget_429_closes_the_lane_for_every_request_until_its_retry_after_never_sooner():
    gate, clock = gate_and_clock()
    gate.admit((WRITE,))
    gate.landed((WRITE,))
    gate.throttled((WRITE,), 2.5)
    # Another worker's write waits exactly until the budget reopens; a read does not wait at all.
    gate.admit((READ,))
    assert clock.sleeps == []
    gate.admit((WRITE,))
    assert clock.sleeps == [2.5]
    # A later 429 with a shorter Retry-After never reopens it sooner.
    gate.throttled((WRITE,), 10.0)
    gate.throttled((WRITE,), 1.0)
    gate.admit((WRITE,))
    assert clock.sleeps == [2.5, 10.0]


def spend_as_a_bucket(gate, clock, count=20, seconds=1.9, retry_after=0.1):
    """count writes landing over `seconds`, then a token bucket's 429: Retry-After the time one request refills."""
    for dummy in range(count):
        gate.admit((WRITE,))
        gate.landed((WRITE,))
        clock.now += seconds / count
    return gate.throttled((WRITE,), retry_after)


def test_under_a_token_bucket_requests_resume_one_learned_interval_apart_not_all_at_once():
    gate, clock = gate_and_clock()
    # 20 writes landed over 1.9 s, then a 429 asking for 0.1 s: 20 per 2 s, a request each 0.1 s.
    reopened = spend_as_a_bucket(gate, clock)
    assert gate.pace(WRITE) == pytest.approx(0.1)
    assert gate.windows(WRITE) is None
    # The bucket is empty when it reopens: each request goes once one has refilled.
    starts = []
    for dummy in range(5):
        gate.admit((WRITE,))
        starts.append(round(clock.now - reopened, 6))
    assert starts == [0.1, 0.2, 0.3, 0.4, 0.5]
    # A $batch of 20 goes once 20 have refilled, and the next request one interval later.
    gate.admit((WRITE,), 20)
    assert round(clock.now - reopened, 6) == 2.5
    gate.admit((WRITE,))
    assert round(clock.now - reopened, 6) == 2.6


def test_under_fixed_windows_each_window_s_allowance_goes_at_its_start_and_the_rest_waits_for_the_next():
    gate, clock = gate_and_clock()
    started = clock.now
    # 200 writes landed in the first second, then a 429 asking for the other 9 s of the window.
    for dummy in range(200):
        gate.admit((WRITE,))
        gate.landed((WRITE,))
    clock.now += 1.0
    reopened = gate.throttled((WRITE,), 9.0)
    assert reopened == started + 10.0
    gate.admit((WRITE,), 20)  # waits for the reopening, then learns the window
    assert clock.now == reopened
    assert gate.windows(WRITE) == (200, pytest.approx(10.0))
    assert gate.pace(WRITE) == 0.0
    # The window's allowance goes at once (nine more batches of 20), the next batch at the next window's start (a
    # little late rather than early: 2% of the window).
    for dummy in range(9):
        gate.admit((WRITE,), 20)
        gate.landed((WRITE,), 20)
    assert clock.now == reopened
    gate.admit((WRITE,), 20)
    assert clock.now == pytest.approx(reopened + 10.2)


def test_a_window_opened_before_graph_s_corrects_its_length_and_keeps_the_allowance():
    gate, clock = gate_and_clock()
    for dummy in range(10):
        gate.admit((WRITE,), 20)
        gate.landed((WRITE,), 20)
    clock.now += 1.0
    gate.throttled((WRITE,), 8.0)  # the run began 1 s into Graph's 10 s window: the lane thinks windows last 9 s
    gate.admit((WRITE,), 200)
    assert gate.windows(WRITE) == (200, pytest.approx(9.0))
    first = clock.now
    gate.landed((WRITE,), 200)
    gate.admit((WRITE,), 20)  # the next window, as the lane counts it: 9.18 s on, 0.82 s before Graph's
    assert clock.now == pytest.approx(first + 9.18)
    sent_at = clock.now
    gate.throttled((WRITE,), 0.82, sent_at=sent_at)  # refused with nothing landed: opened too early
    gate.admit((WRITE,), 20)
    assert clock.now == pytest.approx(first + 10.0)
    assert gate.windows(WRITE) == (200, pytest.approx(10.0))


def test_the_pace_is_raised_after_quiet_periods():
    gate, clock = gate_and_clock()
    spend_as_a_bucket(gate, clock, count=10, seconds=0.9)
    assert gate.pace(WRITE) == pytest.approx(0.1)
    clock.now += 1.0 + 6 * 1.0  # over five learned periods without a 429
    gate.landed((WRITE,))
    assert gate.pace(WRITE) == pytest.approx(0.09)


def test_under_fixed_windows_the_allowance_is_raised_after_five_full_windows():
    gate, clock = gate_and_clock()
    gate.admit((WRITE,), 20)
    gate.landed((WRITE,), 20)
    gate.throttled((WRITE,), 10.0)
    for dummy in range(6):
        gate.admit((WRITE,), 20)
        gate.landed((WRITE,), 20)
    assert gate.windows(WRITE) == (22, pytest.approx(10.0))


def test_a_budget_closed_longer_than_twice_the_longest_documented_window_fails_naming_it():
    gate, clock = gate_and_clock()
    gate.landed((WRITE,))
    gate.throttled((WRITE,), 600.0, refusal='HTTP 429 TooManyRequests (Application is over its write request limit)')
    gate.admit((WRITE,))  # one window: waited out
    gate.throttled((WRITE,), 600.0)
    gate.admit((WRITE,))  # two windows: still waited out (1,200 s)
    gate.throttled((WRITE,), 1.0)
    with pytest.raises(GraphBudgetExhausted, match=r"Graph's write budget stayed closed for over 20 minutes .*write request limit"):
        gate.admit((WRITE,))
    assert STALL_SECONDS == 1200
    # Something landing resets the count.
    gate.landed((WRITE,))
    gate.throttled((WRITE,), 1.0)
    gate.admit((WRITE,))


class Response:
    def __init__(self, status, body=None, headers=None):
        self.status_code = status
        self._body = body
        self.headers = dict(headers or {})

    def json(self):
        if self._body is None:
            raise ValueError('no JSON')
        return self._body

    def close(self):
        pass


class ScriptedSession:
    def __init__(self, *responses):
        self.responses = list(responses)
        self.sent = 0

    def request(self, method, url, **kwargs):
        self.sent += 1
        return self.responses.pop(0)


def test_a_single_request_waits_for_its_budget_without_spending_a_retry():
    gate, clock = gate_and_clock()
    throttled = Response(429, graph_error_body('TooManyRequests', 'Too many requests.'), {'Retry-After': '300'})
    session = ScriptedSession(throttled, throttled, Response(200))
    messages = []
    # retries 0, and a Retry-After above the retry policy's 120 s ceiling: honoured in full.
    transport = RetryingTransport(session, RetryPolicy(0, sleep=clock.sleep), timeout=5, on_retry=messages.append)
    response = transport.request('PUT', 'https://graph.test/v1.0/users/a/photo/$value', budget=gate.ticket('PUT', '/users/a/photo/$value'))
    assert response.status_code == 200 and session.sent == 3
    assert clock.sleeps == [300.0, 300.0]
    assert "HTTP 429 on Graph's write budget (Retry-After 300s), sent again when it reopens (no retry spent)" in messages[0]


def test_a_mailbox_concurrency_429_on_a_single_request_still_spends_retries():
    gate, clock = gate_and_clock()
    busy = Response(429, concurrency_429_body(), {'Retry-After': '1'})
    session = ScriptedSession(busy, busy)
    transport = RetryingTransport(session, RetryPolicy(1, sleep=clock.sleep), timeout=5)
    response = transport.request('GET', 'https://graph.test/v1.0/users/a/photo', budget=gate.ticket('GET', '/users/a/photo'))
    assert response.status_code == 429 and session.sent == 2
    assert gate.budget_429s == 0


def put(item_id, user):
    return BatchRequest(id=str(item_id), method='PUT', path='/users/%s/photo/$value' % user, body=JPEG, content_type='image/jpeg')


def test_inner_budget_429s_wait_for_the_gate_and_spend_no_retry():
    answered = collections.Counter()
    write_budget = {'Retry-After': '4', 'x-ms-throttle-scope': 'Tenant_Application/Write/app/tenant'}

    def handler(entry):
        answered[entry['id']] += 1
        if entry['id'] in ('2', '3') and answered[entry['id']] <= 3:
            return inner(entry['id'], 429, graph_error_body('TooManyRequests', 'Application is over its write request limit.'), headers=write_budget)
        return inner(entry['id'], 200)

    client = FakeBatchClient(handler, retries=0)
    clock = FakeClock()
    runner = BatchRunner(client, clock=clock, sleep=clock.sleep)
    results = runner.run([put(n, 'u%d' % n) for n in range(1, 5)])
    assert all(result.ok for result in results.values())
    assert [sorted(entry['id'] for entry in payload['requests']) for payload in client.payloads] == [['1', '2', '3', '4'], ['2', '3'], ['2', '3'], ['2', '3']]
    assert runner.stats.budget_waits == 6 and runner.gate.budget_429s == 6
    # Never sooner than Retry-After: 4 s between the batches (the pace learned spreads the two over them).
    assert sum(clock.sleeps) >= 12
    assert any("(in $batch): HTTP 429 on Graph's write budget (Retry-After 4s)" in line for line in client.retry_messages)


def test_items_waiting_on_a_budget_closed_too_long_fail_naming_it():
    client = FakeBatchClient(lambda entry: inner(entry['id'], 429, graph_error_body('TooManyRequests', 'Too many requests.'),
                                                 headers={'Retry-After': '300'}), retries=0)
    clock = FakeClock()
    runner = BatchRunner(client, clock=clock, sleep=clock.sleep)
    results = runner.run([BatchRequest(id='1', method='GET', path='/users/a/photo')])
    assert isinstance(results['1'], BatchItemFailure)
    assert "Graph's read budget (resource units) stayed closed for over 20 minutes" in str(results['1'])
    assert 'HTTP 429 TooManyRequests (Too many requests)' in str(results['1'])
    assert len(client.payloads) == 5  # 300 s each time: four waited out, the fifth 429 takes it past 1,200 s


def test_one_gate_is_shared_by_every_runner_on_a_client():
    client = FakeBatchClient(lambda entry: inner(entry['id'], 200))
    client.throttle_gate = ThrottleGate()
    assert BatchRunner(client).gate is BatchRunner(client).gate is client.throttle_gate


def test_a_late_429_for_a_request_sent_before_the_budget_reopened_changes_nothing():
    gate, clock = gate_and_clock()
    sent_before = clock.now
    spend_as_a_bucket(gate, clock)
    clock.now += 0.5  # reopened; then the answer of a $batch sent before the closure comes back, with its 429s
    gate.throttled((WRITE,), 1.5, sent_at=sent_before)
    gate.landed((WRITE,), sent_at=sent_before)
    assert gate.opens_at((WRITE,)) == 0.0
    assert gate.pace(WRITE) == pytest.approx(0.1)
    # A 429 right after reopening with nothing landed since keeps the pace learned (it does not halve it).
    gate.throttled((WRITE,), 0.1, sent_at=clock.now)
    assert gate.pace(WRITE) == pytest.approx(0.1)


@pytest.mark.parametrize('whole_seconds', [False, True])
@pytest.mark.parametrize('workers', [8, 32])
@pytest.mark.parametrize('writes', [1000, 5000])
def test_fixed_windows_take_within_a_tenth_of_what_the_budget_allows(writes, workers, whole_seconds):
    run = run_against(FixedWindows, writes, workers=workers, whole_seconds=whole_seconds)
    allowed = (math.ceil(writes / 200.0) - 1) * 10.0  # the last window's start
    assert run['landed'] == writes
    assert run['seconds'] <= 1.1 * allowed
    assert run['gate'].windows(WRITE) is not None


@pytest.mark.parametrize('workers', [8, 32])
@pytest.mark.parametrize('writes', [1000, 5000])
def test_a_token_bucket_is_paced_within_a_tenth_of_its_rate(writes, workers):
    run = run_against(TokenBucket, writes, workers=workers)
    allowed = (writes - 200) / 20.0  # the bucket's 200 at once, then 20 a second
    assert run['landed'] == writes
    assert run['seconds'] <= 1.1 * allowed
    assert run['gate'].pace(WRITE) == pytest.approx(0.05, rel=0.1)


@pytest.mark.parametrize('workers', [8, 32])
def test_a_token_bucket_whose_retry_after_is_rounded_up_to_seconds_still_takes_within_a_tenth(workers):
    # A wait of 1 s where one request refills in 0.05 s looks like a window's end: the gate may count the bucket in
    # short windows (about 33 per 1.3 s here), which it then fills at their starts. That holds the pace all the same.
    run = run_against(TokenBucket, 5000, workers=workers, whole_seconds=True)
    assert run['landed'] == 5000
    assert run['seconds'] <= 1.1 * (5000 - 200) / 20.0


@pytest.mark.parametrize('whole_seconds', [False, True])
@pytest.mark.parametrize('budget_type', [FixedWindows, TokenBucket])
def test_a_large_run_meets_at_most_one_budget_429_per_ten_writes(budget_type, whole_seconds):
    # 8 $batches of 20 in flight: the first burst, before the gate knows the budget, is most of what is refused.
    run = run_against(budget_type, 5000, workers=8, whole_seconds=whole_seconds)
    assert run['refused'] / 5000.0 <= 0.1


def test_the_resource_units_429_holds_writes_back_but_teaches_only_the_reads_lane():
    gate, clock = gate_and_clock()
    for dummy in range(10):
        gate.admit((WRITE,), 20)
        gate.landed((WRITE,), 20)
        gate.admit((READ,), 20)
        gate.landed((READ,), 20)
        clock.now += 0.1
    # The resource units' 429 (scope ReadWrite) asks for a short wait: reads are taken for a token bucket ...
    gate.throttled((READ, WRITE), 0.05)
    gate.admit((WRITE,), 20)
    assert clock.sleeps == [0.05]  # ... and writes waited for it too,
    assert gate.describe()['read']['counts_in'] == 'token bucket'
    assert gate.describe()['write'] == {'counts_in': 'not known yet', 'closures': 0}
    gate.landed((WRITE,), 20)
    # but the write lane learns its windows from the write budget's own 429.
    clock.now += 0.5
    gate.throttled((WRITE,), 8.0)
    gate.admit((WRITE,), 20)
    assert gate.describe()['write'] == {'counts_in': 'fixed windows', 'allowance': 220, 'window_seconds': pytest.approx(9.55, abs=0.01),
                                        'closures': 1}


def test_under_fixed_windows_an_allowance_that_batches_do_not_fill_is_raised_too():
    # 15 per window learned, batches of 10: one batch a window fits, the second waits, and only 10 land per window.
    gate, clock = gate_and_clock()
    gate.admit((WRITE,), 10)
    gate.landed((WRITE,), 10)
    gate.admit((WRITE,), 5)
    gate.landed((WRITE,), 5)
    gate.throttled((WRITE,), 10.0)
    for dummy in range(12):
        gate.admit((WRITE,), 10)
        gate.landed((WRITE,), 10)
    assert gate.windows(WRITE)[0] > 15

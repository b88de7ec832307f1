# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Many requests through $batch: inner 429s retried per item after their Retry-After, mailbox limit of 4."""

from __future__ import annotations

import collections
import threading
import time

import pytest

from ansible_collections.graphops.msgraph.plugins.module_utils._graph.batch_runner import BatchItemFailure, BatchRunner
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.batch import BatchRequest
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.errors import GraphConnectionError
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.mailbox_limit import MailboxSlots, mailbox_of

from ansible_collections.graphops.msgraph.tests.unit.plugins.module_utils.batch_fakes import (
    FakeBatchClient,
    FakeClock,
    concurrency_429_body,
    graph_error_body,
    inner,
)

JPEG = b'\xff\xd8\xff\xe0photo'


def get(item_id, path):
    return BatchRequest(id=str(item_id), method='GET', path=path)


def runner_for(client, **kwargs):
    clock = FakeClock()
    return BatchRunner(client, clock=clock, sleep=clock.sleep, **kwargs), clock


def test_only_the_items_a_mailbox_throttled_are_retried_after_their_own_retry_after():
    answered = collections.Counter()

    def handler(entry):
        answered[entry['id']] += 1
        if entry['id'] == '2' and answered['2'] == 1:
            return inner('2', 429, concurrency_429_body(), headers={'Retry-After': '1.5'})
        return inner(entry['id'], 200, JPEG)

    client = FakeBatchClient(handler)
    runner, clock = runner_for(client)
    results = runner.run([get(n, '/users/u%d/photo/$value' % n) for n in range(1, 4)])
    assert all(result.ok and result.body == JPEG for result in results.values())
    # The second batch holds the throttled item alone, sent after the Retry-After it came with.
    assert [[entry['id'] for entry in payload['requests']] for payload in client.payloads] == [['1', '2', '3'], ['2']]
    assert clock.sleeps == [1.5]
    assert runner.stats.inner_retries == 1 and runner.stats.batches == 2
    assert client.retry_messages == ['GET /users/u2/photo/$value (in $batch): HTTP 429, retry 1 of 5 in 1.5s']


def test_an_item_a_mailbox_throttled_beyond_the_retries_keeps_its_429_and_the_others_succeed():
    def handler(entry):
        if entry['id'] == '1':
            return inner('1', 429, concurrency_429_body(), headers={'Retry-After': '0.5'})
        return inner(entry['id'], 200, JPEG)

    client = FakeBatchClient(handler, retries=2)
    runner, clock = runner_for(client)
    results = runner.run([get(1, '/users/a/photo/$value'), get(2, '/users/b/photo/$value')])
    assert results['1'].status == 429 and results['2'].ok
    assert len(client.payloads) == 3 and clock.sleeps == [0.5, 0.5]


def test_errors_that_retrying_cannot_fix_are_returned_at_once():
    client = FakeBatchClient(lambda entry: inner(entry['id'], 403, graph_error_body('Authorization_RequestDenied')))
    runner, dummy = runner_for(client)
    results = runner.run([get(1, '/users/a/photo/$value')])
    assert results['1'].status == 403 and len(client.payloads) == 1


def test_a_failed_batch_fails_its_items_with_a_reason():
    def handler(entry):
        raise GraphConnectionError('Could not connect to graph.example (ConnectionError).')

    runner, dummy = runner_for(FakeBatchClient(handler))
    results = runner.run([get(1, '/users/a/photo/$value'), get(2, '/users/b/photo/$value')])
    assert all(isinstance(result, BatchItemFailure) for result in results.values())
    assert 'the $batch request failed: Could not connect' in str(results['1'])


def test_inner_401s_renew_the_token_each_time_it_is_revoked_without_spending_a_retry():
    calls = collections.Counter()
    client = None

    def handler(entry, token):
        calls['n'] += 1
        # Revoke every token issued so far at the 5th, 21st and 65th inner request. The 21st is the first of the second
        # batch, the first to go with the token renewed after the first revocation: a fresh token refused once is
        # still renewed.
        if calls['n'] in (5, 21, 65):
            revoked.update('token-%d' % number for number in range(1, client.tokens.count + 1))
        if token in revoked:
            return inner(entry['id'], 401, graph_error_body('InvalidAuthenticationToken', 'Lifetime validation failed, the token is expired.'))
        return inner(entry['id'], 200, JPEG)

    revoked = set()
    client = FakeBatchClient(handler, retries=0, handler_takes_token=True)
    runner, clock = runner_for(client)
    results = runner.run([get(n, '/users/u%d/photo/$value' % n) for n in range(60)])
    assert all(not isinstance(result, BatchItemFailure) and result.ok for result in results.values()), results
    # One renewal per revocation, whatever the number of items that met it; retries: 0 and still no item failed.
    assert client.tokens.count == 4
    assert runner.stats.inner_retries == 0 and runner.stats.token_resends >= 3
    assert clock.sleeps == []
    assert all('sent again with a renewed token' in message for message in client.retry_messages)
    # Nothing of a token in the messages.
    assert not any('token-' in message for message in client.retry_messages)


def test_an_item_whose_fresh_token_is_refused_twice_fails_naming_the_401():
    def handler(entry):
        return inner(entry['id'], 401, graph_error_body('InvalidAuthenticationToken', 'Access token validation failure. Invalid audience.'))

    client = FakeBatchClient(handler)
    runner, dummy = runner_for(client)
    results = runner.run([get(1, '/users/a/photo/$value'), get(2, '/users/b/photo/$value')])
    assert all(isinstance(result, BatchItemFailure) for result in results.values())
    message = str(results['1'])
    assert 'HTTP 401 InvalidAuthenticationToken (Access token validation failure. Invalid audience)' in message
    assert 'refused 2 freshly issued tokens in a row, so this is not an expiry' in message
    # Two tokens, then no more requests: no loop.
    assert client.tokens.count == 2 and len(client.payloads) == 2


def test_a_given_access_token_is_not_renewed_and_its_items_say_to_supply_a_fresh_one():
    client = FakeBatchClient(lambda entry: inner(entry['id'], 401, graph_error_body('InvalidAuthenticationToken', 'Lifetime validation '
                                                                                    'failed, the token is expired.')))
    client.tokens.can_refresh = False
    runner, dummy = runner_for(client)
    results = runner.run([get(1, '/users/a/photo/$value')])
    assert 'the access_token has expired or was revoked' in str(results['1'])
    assert 'supply a fresh one (access_token or GRAPH_ACCESS_TOKEN)' in str(results['1'])
    assert client.tokens.count == 1 and len(client.payloads) == 1


def test_more_than_four_requests_for_one_mailbox_never_share_the_wire():
    # Six contacts of one mailbox plus two other users: Outlook allows four in flight per mailbox.
    requests = [get('c%d' % n, '/users/alice@contoso.com/contacts/c%d/photo/$value' % n) for n in range(6)]
    requests += [get('b', '/users/bob@contoso.com/photo/$value'), get('g', '/groups/g1/photo/$value')]
    client = FakeBatchClient(lambda entry: inner(entry['id'], 200, JPEG))
    runner, dummy = runner_for(client)
    results = runner.run(requests)
    assert len(results) == 8
    per_batch = [collections.Counter(mailbox_of(entry['url']) for entry in payload['requests']) for payload in client.payloads]
    assert max(counts['users/alice@contoso.com'] for counts in per_batch) == 4
    assert sum(counts['users/alice@contoso.com'] for counts in per_batch) == 6


def test_threads_sharing_the_slots_stay_within_four_per_mailbox():
    slots = MailboxSlots()
    in_flight = collections.Counter()
    peak = collections.Counter()
    lock = threading.Lock()

    class SlowClient(FakeBatchClient):
        def send(self, method, path, **kwargs):
            import json
            mailboxes = [mailbox_of(entry['url']) for entry in json.loads(kwargs['data'])['requests']]
            with lock:
                in_flight.update(mailboxes)
                for mailbox in mailboxes:
                    peak[mailbox] = max(peak[mailbox], in_flight[mailbox])
            time.sleep(0.01)
            with lock:
                in_flight.subtract(mailboxes)
            return super().send(method, path, **kwargs)

    client = SlowClient(lambda entry: inner(entry['id'], 200, JPEG))
    runner = BatchRunner(client, slots=slots)
    work = [[get('%d-%d' % (thread, n), '/users/shared@contoso.com/contacts/%d-%d/photo/$value' % (thread, n)) for n in range(5)]
            for thread in range(6)]
    threads = [threading.Thread(target=runner.run, args=(requests,)) for requests in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert peak['users/shared@contoso.com'] == 4
    assert slots.peak == 4 and slots.in_flight('users/shared@contoso.com') == 0


@pytest.mark.parametrize('path, mailbox', [
    ('/users/Alice@Contoso.com/photo/$value', 'users/alice@contoso.com'),
    ('/users/alice@contoso.com/contactFolders/f/contacts/c/photo/$value', 'users/alice@contoso.com'),
    ('/teams/t1/photo/$value', 'groups/t1'),
    ('/groups/t1/photo/$value', 'groups/t1'),
    ('/me/photo/$value', 'me'),
])
def test_the_mailbox_of_a_request(path, mailbox):
    assert mailbox_of(path) == mailbox


@pytest.mark.parametrize('count, sizes', [(1, [1]), (20, [20]), (21, [20, 1]), (45, [20, 20, 5]), (0, [])])
def test_requests_go_in_batches_of_at_most_20_in_order(count, sizes):
    client = FakeBatchClient(lambda entry: inner(entry['id'], 200, JPEG))
    runner, dummy = runner_for(client)
    requests = [get(n, '/users/u%d/photo/$value' % n) for n in range(count)]
    results = runner.run(requests)
    assert [len(payload['requests']) for payload in client.payloads] == sizes
    assert [entry['id'] for payload in client.payloads for entry in payload['requests']] == [request.id for request in requests]
    assert all(result.ok for result in results.values()) and len(results) == count


def test_large_uploads_are_split_by_body_size_and_a_huge_one_goes_alone():
    big = [BatchRequest(id=str(n), method='PUT', path='/users/u%d/photo/$value' % n, body=b'x' * 1000, content_type='image/jpeg')
           for n in range(5)]
    sizes = []
    for max_body_bytes in (4500, 10):
        client = FakeBatchClient(lambda entry: inner(entry['id'], 204, None))
        runner, dummy = runner_for(client, max_body_bytes=max_body_bytes)
        runner.run(big)
        sizes.append([len(payload['requests']) for payload in client.payloads])
    # Each adds about 1,400 bytes once base64-encoded: three fit under 4,500, the fourth does not.
    assert sizes == [[3, 2], [1, 1, 1, 1, 1]]

# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The transport's retries and the client's token renewal, with a scripted fake session."""

from __future__ import annotations

import json

import pytest
import requests

from ansible_collections.graphops.msgraph.plugins.module_utils._auth.token_provider import TokenProvider
from ansible_collections.graphops.msgraph.plugins.module_utils._auth.token_provider import MAX_REFUSALS_PER_REQUEST
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.client import GraphClient, build_session
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.errors import GraphConnectionError, GraphError, GraphTokenRefused
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.transport import RetryingTransport
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.retries import RetryPolicy

from ansible_collections.graphops.msgraph.tests.unit.plugins.module_utils.batch_fakes import CountingTokens


def response(status, body=None, headers=None):
    answer = requests.Response()
    answer.status_code = status
    answer._content = json.dumps(body or {}).encode()  # pylint: disable=protected-access
    answer._content_consumed = True  # pylint: disable=protected-access
    answer.headers.update(headers or {})
    return answer


def graph_error_body(code, message='m', request_id='rid-1'):
    return {'error': {'code': code, 'message': message, 'innerError': {'request-id': request_id}}}


class ScriptedSession:
    """Answers each request with the next scripted item (a response or an exception to raise)."""

    def __init__(self, *script):
        self.script = list(script)
        self.calls = []

    def request(self, method, url, **kwargs):
        self.calls.append((method, url, kwargs))
        item = self.script.pop(0)
        if isinstance(item, Exception):
            raise item
        return item


def Tokens(can_refresh=True):  # pylint: disable=invalid-name
    """The real token provider over an auth method that gives token-1, token-2, ..."""
    return TokenProvider(CountingTokens(can_refresh=can_refresh))


def transport(session, retries=3):
    sleeps, messages = [], []
    policy = RetryPolicy(retries, sleep=sleeps.append)
    return RetryingTransport(session, policy, timeout=7, on_retry=messages.append), sleeps, messages


def test_throttling_and_unavailability_are_retried_honouring_retry_after():
    session = ScriptedSession(response(429, headers={'Retry-After': '2.128'}), response(503, headers={'Retry-After': '1'}),
                              requests.exceptions.ConnectionError('reset'), response(200))
    sender, sleeps, messages = transport(session)
    assert sender.request('GET', 'https://graph.test/v1.0/me').status_code == 200
    assert sleeps[:2] == [2.128, 1.0] and len(sleeps) == 3
    assert len(messages) == 3 and 'HTTP 429 (Retry-After 2.128), retry 1 of 3' in messages[0]
    assert all(call[2]['timeout'] == 7 for call in session.calls)


def test_retries_are_capped_and_the_last_answer_is_returned():
    session = ScriptedSession(*[response(503) for dummy in range(3)])
    sender, sleeps, dummy = transport(session, retries=2)
    assert sender.request('GET', 'https://graph.test/x').status_code == 503
    assert len(session.calls) == 3 and len(sleeps) == 2


@pytest.mark.parametrize('status', [400, 401, 403, 404, 409, 413, 500])
def test_other_statuses_are_not_retried(status):
    session = ScriptedSession(response(status))
    sender, sleeps, dummy = transport(session)
    assert sender.request('PUT', 'https://graph.test/x').status_code == status
    assert sleeps == []


def test_tls_errors_are_not_retried_and_mention_ca_path():
    session = ScriptedSession(requests.exceptions.SSLError('bad cert'))
    sender, sleeps, dummy = transport(session)
    client = GraphClient(base_url='https://graph.test', api_version='v1.0', token_provider=Tokens(), transport=sender)
    with pytest.raises(GraphConnectionError, match='TLS verification failed for graph.test: .* Set ca_path'):
        client.request('GET', '/users/a/photo/$value')
    assert sleeps == []


def test_connection_errors_past_the_retries_name_the_host():
    session = ScriptedSession(*[requests.exceptions.ConnectTimeout('slow') for dummy in range(2)])
    sender, dummy, dummy = transport(session, retries=1)
    client = GraphClient(base_url='https://graph.test:8443', api_version='v1.0', token_provider=Tokens(), transport=sender)
    with pytest.raises(GraphConnectionError, match='No answer from graph.test:8443 within the timeout'):
        client.request('GET', '/users/a/photo')


EXPIRED = graph_error_body('InvalidAuthenticationToken', 'Lifetime validation failed, the token is expired.')


def test_a_refused_token_is_renewed_each_time_without_spending_a_retry():
    # Accepted, then refused (expired), then the renewed token refused once more (revoked at once), then accepted.
    session = ScriptedSession(response(200), response(401, EXPIRED), response(401, EXPIRED), response(200))
    sender, sleeps, messages = transport(session, retries=0)
    tokens = Tokens()
    client = GraphClient(base_url='https://graph.test', api_version='v1.0', token_provider=tokens, transport=sender)
    assert client.request('GET', '/users/a/photo').status_code == 200
    assert client.request('GET', '/users/b/photo').status_code == 200
    assert [call[2]['headers']['Authorization'] for call in session.calls] == [
        'Bearer token-1', 'Bearer token-1', 'Bearer token-2', 'Bearer token-3']
    assert sleeps == [] and tokens.renewed_after_refusal == 2
    assert messages == ['GET /users/b/photo: token refused (HTTP 401 Lifetime validation failed, the token is expired), '
                        'sent again with a renewed token'] * 2


def test_two_fresh_tokens_refused_in_a_row_stop_the_run_naming_the_401():
    wrong = graph_error_body('InvalidAuthenticationToken', 'Access token validation failure. Invalid audience.', 'r-7')
    session = ScriptedSession(response(401, wrong), response(401, wrong))
    tokens = Tokens()
    client = GraphClient(base_url='https://graph.test', api_version='v1.0', token_provider=tokens, transport=transport(session)[0])
    with pytest.raises(GraphTokenRefused) as caught:
        client.request('GET', '/x')
    assert str(caught.value).startswith('HTTP 401 InvalidAuthenticationToken (Access token validation failure. Invalid audience), '
                                        'request-id r-7; Graph refused 2 freshly issued tokens in a row, so this is not an expiry')
    assert len(session.calls) == 2 and tokens.issued == 2
    # The run sends nothing more: every later request fails the same way at once.
    with pytest.raises(GraphTokenRefused, match='freshly issued tokens in a row'):
        client.request('GET', '/y')
    assert len(session.calls) == 2 and tokens.issued == 2


def test_a_given_access_token_is_never_renewed_and_its_401_says_to_supply_a_fresh_one():
    session = ScriptedSession(response(401, EXPIRED))
    tokens = Tokens(can_refresh=False)
    client = GraphClient(base_url='https://graph.test', api_version='v1.0', token_provider=tokens, transport=transport(session)[0])
    with pytest.raises(GraphTokenRefused) as caught:
        client.request('GET', '/x')
    message = str(caught.value)
    assert message.startswith('HTTP 401 InvalidAuthenticationToken (Lifetime validation failed, the token is expired), request-id rid-1; '
                              'the access_token has expired or was revoked')
    assert 'supply a fresh one (access_token or GRAPH_ACCESS_TOKEN)' in message
    assert 'token-1' not in message
    assert len(session.calls) == 1 and tokens.issued == 1


def test_a_request_whose_token_graph_keeps_refusing_stops():
    # Every other token is accepted elsewhere (so each refusal looks like an expiry), yet this request is always refused.
    tokens = Tokens()

    class AcceptingSession(ScriptedSession):
        def request(self, method, url, **kwargs):
            tokens.accepted(tokens.current())
            return super().request(method, url, **kwargs)

    session = AcceptingSession(*[response(401, EXPIRED)] * MAX_REFUSALS_PER_REQUEST)
    client = GraphClient(base_url='https://graph.test', api_version='v1.0', token_provider=tokens, transport=transport(session)[0])
    with pytest.raises(GraphTokenRefused, match='refused the token of this request %d times' % MAX_REFUSALS_PER_REQUEST):
        client.request('GET', '/x')
    assert len(session.calls) == MAX_REFUSALS_PER_REQUEST


def test_graph_error_carries_status_code_message_and_request_id_but_no_header():
    session = ScriptedSession(response(403, graph_error_body('Authorization_RequestDenied', 'Insufficient privileges.', 'r-9')))
    client = GraphClient(base_url='https://graph.test', api_version='beta', token_provider=Tokens(), transport=transport(session)[0])
    with pytest.raises(GraphError) as caught:
        client.request('PUT', '/groups/g/photo/$value', data=b'x', headers={'Content-Type': 'image/png'})
    assert str(caught.value) == 'HTTP 403 Authorization_RequestDenied (Insufficient privileges), request-id r-9'
    assert 'token-' not in str(caught.value)
    assert session.calls[0][1] == 'https://graph.test/beta/groups/g/photo/$value'


@pytest.mark.parametrize('validate_certs, ca_path, expected', [(True, None, True), (True, '/ca.pem', '/ca.pem'), (False, '/ca.pem', False)])
def test_the_tls_choice_is_passed_with_every_request(validate_certs, ca_path, expected):
    session = build_session(validate_certs=validate_certs, ca_path=ca_path)
    assert session.tls_verify == expected


@pytest.mark.parametrize('pool_size, expected', [(None, 10), (8, 10), (32, 32)])
def test_a_module_that_sends_from_many_threads_keeps_that_many_connections(pool_size, expected):
    session = build_session(validate_certs=True, ca_path=None, pool_size=pool_size)
    assert session.get_adapter('https://graph.test/')._pool_maxsize == expected  # pylint: disable=protected-access

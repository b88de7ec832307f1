# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The token of a run: expiry arithmetic with a fake clock, renewal on refusal, and what MSAL 1.39 hands back."""

from __future__ import annotations

import json
import threading
import time

import pytest

from ansible_collections.graphops.msgraph.plugins.module_utils._auth.method_choice import build_auth_method
from ansible_collections.graphops.msgraph.plugins.module_utils._auth.token_provider import (
    MAX_REFUSALS_PER_REQUEST,
    AccessToken,
    TokenProvider,
    renewal_time,
    token_expiry,
)
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.errors import GraphAuthError, GraphError, GraphTokenRefused

EXPIRED = GraphError(status=401, code='InvalidAuthenticationToken', message='Lifetime validation failed, the token is expired.',
                     request_id='r-1', method='GET', path='/users/a/photo')


class FakeClock:
    def __init__(self, now=1_000_000.0):
        self.now = now

    def __call__(self):
        return self.now


class ScriptedMethod:
    """An auth method whose token requests answer the given results in turn (the last one again and again)."""

    name = 'client_secret'
    is_app_only = True

    def __init__(self, *results, can_refresh=True):
        self.results = list(results) or [{'expires_in': 3599}]
        self.can_refresh = can_refresh
        self.calls = 0
        self.lock = threading.Lock()

    def acquire_token(self):
        with self.lock:
            result = dict(self.results[min(self.calls, len(self.results) - 1)])
            self.calls += 1
            result['access_token'] = 'token-%d' % self.calls
        return result


# --- the expiry arithmetic ---------------------------------------------------------------------------------------

@pytest.mark.parametrize('result, expected', [
    ({'expires_in': 3599}, (1003599.0, None)),
    ({'expires_in': '4500'}, (1004500.0, None)),  # AADv1-like endpoints send a string
    ({'expires_on': '1002000'}, (1002000.0, None)),  # a metadata service that answers only expires_on (epoch, a string)
    ({'expires_on': 1002000}, (1002000.0, None)),
    ({'expires_in': 60, 'expires_on': '1009999'}, (1000060.0, None)),  # expires_in wins: it needs no clock of theirs
    ({'expires_in': 7200, 'refresh_on': 1003600}, (1007200.0, 1003600.0)),  # MSAL's hint for long-lived tokens
    ({}, (None, None)),  # a given access_token: no expiry known
    ({'expires_in': 'soon'}, (None, None)),
    ({'expires_on': '999000'}, (None, None)),  # already past: nothing to plan from, renew when refused
    ({'expires_in': 0}, (None, None)),
])
def test_expiry_from_what_the_identity_platform_answered(result, expected):
    assert token_expiry(result, 1_000_000.0) == expected


@pytest.mark.parametrize('lifetime, renew_after', [
    (3599, 3299),  # 60 to 90 minutes (Entra's default): five minutes ahead
    (5400, 5100),
    (600, 300),  # 10 minutes (the shortest token lifetime policy): half-way, which is also five minutes ahead
    (300, 150),  # shorter: half-way
    (2, 1),  # seconds (test services): half-way, so a token is never renewed on every request
    (1, 0.5),
])
def test_renewal_comes_five_minutes_ahead_or_half_way_through_a_short_life(lifetime, renew_after):
    assert renewal_time(1000.0, 1000.0 + lifetime) == 1000.0 + renew_after
    assert renewal_time(1000.0, None) is None


def test_the_platforms_refresh_hint_is_followed_when_it_comes_earlier():
    assert renewal_time(0.0, 86400.0, refresh_on=43200.0) == 43200.0
    assert renewal_time(0.0, 3600.0, refresh_on=3500.0) == 3300.0
    assert renewal_time(0.0, 3600.0, refresh_on=-5.0) == 3300.0


def test_a_token_is_kept_until_its_renewal_time_and_then_renewed_once():
    clock = FakeClock()
    method = ScriptedMethod({'expires_in': 3599})
    provider = TokenProvider(method, clock=clock)
    first = provider.current()
    assert first.value == 'token-1' and first.expires_on == clock.now + 3599
    clock.now += 3298
    assert provider.get_token() == 'token-1' and method.calls == 1
    clock.now += 1
    assert provider.get_token() == 'token-2' and method.calls == 2
    assert [provider.get_token() for dummy in range(5)] == ['token-2'] * 5 and method.calls == 2


def test_a_token_of_two_seconds_is_renewed_every_second():
    clock = FakeClock()
    method = ScriptedMethod({'expires_in': 2})
    provider = TokenProvider(method, clock=clock)
    seen = []
    for dummy in range(10):  # five seconds, a request every half second
        seen.append(provider.get_token())
        clock.now += 0.5
    assert seen == ['token-1', 'token-1', 'token-2', 'token-2', 'token-3', 'token-3', 'token-4', 'token-4', 'token-5', 'token-5']


def test_a_token_without_known_expiry_is_kept_until_graph_refuses_it():
    clock = FakeClock()
    provider = TokenProvider(ScriptedMethod({}), clock=clock)
    token = provider.current()
    clock.now += 10 * 86400
    assert provider.current() is token


def test_a_token_never_shows_its_value_in_a_message():
    token = AccessToken('secret-value', serial=3, issued_at=0.0, expires_on=60.0)
    assert 'secret-value' not in repr(token) and 'secret-value' not in str(token) and '#3' in repr(token)


# --- refusals ----------------------------------------------------------------------------------------------------

def test_a_refused_token_in_use_is_replaced_as_often_as_it_happens():
    provider = TokenProvider(ScriptedMethod(), clock=FakeClock())
    for number in range(1, 8):
        token = provider.current()
        assert token.value == 'token-%d' % number
        provider.accepted(token)
        provider.refused(token, EXPIRED)
    assert provider.issued == 8 and provider.renewed_after_refusal == 7


def test_one_request_refused_again_and_again_stops_without_a_renewal_but_others_go_on():
    """The client and the batch runner count the refusals of each request; the limit is the provider's, for both."""
    method = ScriptedMethod()
    provider = TokenProvider(method, clock=FakeClock())
    token = provider.current()
    provider.accepted(token)
    for refusals in range(1, MAX_REFUSALS_PER_REQUEST):
        provider.refused(token, EXPIRED, refusals=refusals)
        token = provider.current()
        provider.accepted(token)
    assert method.calls == MAX_REFUSALS_PER_REQUEST
    with pytest.raises(GraphTokenRefused, match='refused the token of this request %d times' % MAX_REFUSALS_PER_REQUEST):
        provider.refused(token, EXPIRED, refusals=MAX_REFUSALS_PER_REQUEST)
    # No token asked for, and the run is not stopped: another request's refusal of the token still renews it.
    assert method.calls == MAX_REFUSALS_PER_REQUEST and provider.current() is token
    provider.refused(token, EXPIRED)
    assert provider.current() is not token


def test_a_refusal_of_a_token_already_replaced_changes_nothing():
    provider = TokenProvider(ScriptedMethod(), clock=FakeClock())
    old = provider.current()
    provider.accepted(old)
    provider.refused(old, EXPIRED)
    new = provider.current()
    # Requests in flight with the old token come back refused after the renewal: they just go again with the new one.
    for dummy in range(20):
        provider.refused(old, EXPIRED)
    assert provider.current() is new and provider.issued == 2


def test_a_fresh_token_refused_once_is_renewed_but_twice_in_a_row_is_not_an_expiry():
    method = ScriptedMethod()
    provider = TokenProvider(method, clock=FakeClock())
    first = provider.current()
    provider.accepted(first)
    provider.refused(first, EXPIRED)  # expired after use
    second = provider.current()
    provider.refused(second, EXPIRED)  # revoked before Graph accepted it once: renewed all the same
    third = provider.current()
    with pytest.raises(GraphTokenRefused) as caught:
        provider.refused(third, EXPIRED)  # the second fresh one refused in a row
    assert str(caught.value) == ('HTTP 401 InvalidAuthenticationToken (Lifetime validation failed, the token is expired), request-id r-1; '
                                 'Graph refused 2 freshly issued tokens in a row, so this is not an expiry: check that cloud matches '
                                 'graph_endpoint and that the app belongs to the tenant Graph serves')
    assert method.calls == 3
    # No loop: nothing more is asked of the identity platform, and every later request fails at once.
    with pytest.raises(GraphTokenRefused):
        provider.current()
    assert method.calls == 3


def test_an_accepted_token_between_refusals_starts_the_count_again():
    provider = TokenProvider(ScriptedMethod(), clock=FakeClock())
    for dummy in range(5):
        fresh = provider.current()
        provider.refused(fresh, EXPIRED)  # refused at once ...
        renewed = provider.current()
        provider.accepted(renewed)  # ... but the next one works for a while
        provider.refused(renewed, EXPIRED)
    assert provider.issued == 11


def test_a_given_access_token_is_never_renewed():
    method = ScriptedMethod({}, can_refresh=False)
    provider = TokenProvider(method, clock=FakeClock())
    token = provider.current()
    provider.accepted(token)
    with pytest.raises(GraphTokenRefused) as caught:
        provider.refused(token, EXPIRED)
    message = str(caught.value)
    assert message == ('HTTP 401 InvalidAuthenticationToken (Lifetime validation failed, the token is expired), request-id r-1; the '
                       'access_token has expired or was revoked (or is not meant for this Graph), and a token given to the module cannot '
                       'be renewed by it: supply a fresh one (access_token or GRAPH_ACCESS_TOKEN), or use an auth_method that gets its own '
                       'tokens, which the modules renew as often as needed')
    assert 'token-1' not in message and method.calls == 1


def all_at_once(count: int, request) -> list:
    """What request() returns in each of count threads started together."""
    start = threading.Barrier(count)
    seen = []

    def run():
        start.wait()
        seen.append(request())

    threads = [threading.Thread(target=run) for dummy in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return seen


def test_many_threads_refused_at_once_renew_the_token_once():
    method = ScriptedMethod()
    provider = TokenProvider(method, clock=FakeClock())
    old = provider.current()
    provider.accepted(old)

    def request_in_flight():
        provider.refused(old, EXPIRED)
        return provider.get_token()

    assert all_at_once(16, request_in_flight) == ['token-2'] * 16
    assert method.calls == 2


def test_many_threads_see_an_expiring_token_and_renew_it_once():
    clock = FakeClock()

    class SlowMethod(ScriptedMethod):
        def acquire_token(self):
            time.sleep(0.02)  # the token request takes a while: the other threads must wait for it, not ask again
            return super().acquire_token()

    method = SlowMethod({'expires_in': 60})
    provider = TokenProvider(method, clock=clock)
    provider.current()
    clock.now += 31
    assert all_at_once(12, provider.get_token) == ['token-2'] * 12
    assert method.calls == 2


def test_a_failed_renewal_is_not_remembered():
    class FlakyMethod(ScriptedMethod):
        def acquire_token(self):
            if self.calls == 1:
                self.calls += 1
                raise GraphAuthError('Could not connect to login.example (ConnectionError).')
            return super().acquire_token()

    provider = TokenProvider(FlakyMethod(), clock=FakeClock())
    token = provider.current()
    provider.accepted(token)
    with pytest.raises(GraphAuthError):
        provider.refused(token, EXPIRED)
    # The next request finds the refused token again, and its refusal renews it.
    assert provider.current() is token
    provider.refused(token, EXPIRED)
    assert provider.get_token() == 'token-3'


# --- what MSAL 1.39 hands back -----------------------------------------------------------------------------------

class FakeResponse:
    def __init__(self, payload):
        self.status_code = 200
        self.text = json.dumps(payload)
        self.headers = {'Content-Type': 'application/json'}

    def raise_for_status(self):
        pass


class IdentityEndpoints:
    """Entra's token endpoint and a managed identity endpoint, answering payloads of the given shapes."""

    def __init__(self, token_payload=None, identity_payload=None):
        self.token_payload = token_payload or {}
        self.identity_payload = identity_payload or {}

    def get(self, url, params=None, headers=None, **kwargs):
        if url.endswith('/.well-known/openid-configuration'):
            authority = url.split('/v2.0/.well-known', 1)[0]
            return FakeResponse({'token_endpoint': authority + '/oauth2/v2.0/token', 'authorization_endpoint': authority + '/authorize',
                                 'issuer': authority + '/v2.0'})
        return FakeResponse(dict(self.identity_payload, access_token='mi-token', token_type='Bearer'))

    def post(self, url, params=None, data=None, headers=None, **kwargs):
        return FakeResponse(dict(self.token_payload, access_token='app-token', token_type='Bearer'))

    def close(self):
        pass


AUTH_OPTIONS = dict(auth_method='auto', tenant_id='t', client_id='c', client_secret='s', client_certificate_path=None,
                    client_certificate_password=None, federated_token_file=None, access_token=None, cloud='global',
                    authority_host=None, timeout=30)


@pytest.fixture
def managed_identity_env(monkeypatch):
    for name in ('IDENTITY_ENDPOINT', 'IDENTITY_HEADER', 'IDENTITY_SERVER_THUMBPRINT', 'IMDS_ENDPOINT', 'MSI_ENDPOINT', 'MSI_SECRET'):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv('AZURE_POD_IDENTITY_AUTHORITY_HOST', 'http://127.0.0.1:9')
    return monkeypatch


def test_client_credentials_expire_when_the_token_endpoint_says(managed_identity_env):
    method = build_auth_method(dict(AUTH_OPTIONS), IdentityEndpoints(token_payload={'expires_in': 1800, 'ext_expires_in': 1800}))
    before = time.time()
    token = TokenProvider(method).current()
    assert token.value == 'app-token'
    assert before + 1800 <= token.expires_on <= time.time() + 1800
    assert token.refresh_on == token.expires_on - 300


@pytest.mark.parametrize('where, payload', [
    ('app_service', {'expires_on': 'IN_2000'}),  # App Service answers expires_on only; MSAL turns it into expires_in
    ('imds', {'expires_in': '2000', 'expires_on': 'IN_2000'}),  # the VM metadata service answers both, as strings
    ('imds', {'expires_on': 'IN_2000'}),  # a metadata service with expires_on only: MSAL passes it on as it came
])
def test_managed_identity_tokens_expire_when_the_endpoint_says(managed_identity_env, where, payload):
    if where == 'app_service':
        managed_identity_env.setenv('IDENTITY_ENDPOINT', 'http://localhost:42356/msi/token')
        managed_identity_env.setenv('IDENTITY_HEADER', 'header-value')
    expires_on = str(int(time.time()) + 2000)
    payload = {key: expires_on if value == 'IN_2000' else value for key, value in payload.items()}
    method = build_auth_method(dict(AUTH_OPTIONS, auth_method='managed_identity', client_id=None, client_secret=None),
                               IdentityEndpoints(identity_payload=payload))
    token = TokenProvider(method).current()
    assert token.value == 'mi-token'
    assert abs(token.expires_on - float(expires_on)) <= 2
    assert abs(token.refresh_on - (float(expires_on) - 300)) <= 2

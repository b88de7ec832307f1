# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The token of a module run: kept in memory with its expiry, renewed before it expires and when Graph refuses it.

Every request asks the one TokenProvider of the run (current()) and tells it what Graph made of the token it sent:
accepted (any answer that got past authentication) or refused (401 InvalidAuthenticationToken). A refused token is
replaced only while it is still the one in use, under a lock, so that the many requests in flight with it when it
expired or was revoked cause one renewal, not one each; they are then sent again with the new token. This is the
shape of azure-identity's AccessToken(token, expires_on) and its refresh_on: the identity platform says when a
token expires (expires_in, or expires_on from some managed identity endpoints) and the token is renewed ahead of that.
"""

from __future__ import annotations

import threading
import time

from ansible_collections.graphops.msgraph.plugins.module_utils._graph.errors import GraphTokenRefused

# A token is renewed when less than this is left of it (azure-identity and MSAL renew five minutes ahead too) ...
RENEWAL_MARGIN_SECONDS = 300.0
# ... or, for a token that lives less than twice that (a token lifetime policy can go down to 10 minutes; test
# services to seconds), when half of its life has passed.
RENEWAL_MARGIN_FRACTION = 0.5
# Tokens issued one after the other that Graph refused before it accepted any of them: the second such refusal is not
# an expiry (a token for another cloud or tenant, a Graph that refuses the app), so the run stops instead of looping.
MAX_FRESH_REFUSALS = 2
# How often one request may find its token refused although the token was renewed each time. Each refusal of a token
# in use costs a renewal, and a run may meet as many expiries and revocations as it lasts; but one request meets only
# those of its own few seconds, so more than this is a Graph that refuses every token for this request: a stop, not a loop.
MAX_REFUSALS_PER_REQUEST = 5

GIVEN_TOKEN_HINT = ('; the access_token has expired or was revoked (or is not meant for this Graph), and a token given to the module '
                    'cannot be renewed by it: supply a fresh one (access_token or GRAPH_ACCESS_TOKEN), or use an auth_method that '
                    'gets its own tokens, which the modules renew as often as needed')
TOO_MANY_REFUSALS_HINT = ('; Graph refused the token of this request %d times although it was renewed after each refusal'
                          % MAX_REFUSALS_PER_REQUEST)
FRESH_REFUSED_HINT = ('; Graph refused %d freshly issued tokens in a row, so this is not an expiry: check that cloud matches '
                      'graph_endpoint and that the app belongs to the tenant Graph serves' % MAX_FRESH_REFUSALS)


class AccessToken:
    """One token, its expiry and when to renew it (epoch seconds, None when the identity platform did not say).

    The value never shows in repr() or str(): these objects travel through the code that builds messages.
    """

    __slots__ = ('value', 'serial', 'issued_at', 'expires_on', 'refresh_on', 'accepted')

    def __init__(self, value: str, *, serial: int, issued_at: float, expires_on: float | None = None,
                 refresh_on: float | None = None):
        self.value = value
        self.serial = serial
        self.issued_at = issued_at
        self.expires_on = expires_on
        self.refresh_on = refresh_on
        # Whether Graph has let a request with this token past authentication.
        self.accepted = False

    def __repr__(self) -> str:
        return '<AccessToken #%d, expires_on %s>' % (self.serial, self.expires_on)

    __str__ = __repr__


def _seconds(value) -> float | None:
    """A number of seconds from an MSAL result (int, float, or a string from some endpoints), else None."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def token_expiry(result: dict, now: float) -> tuple:
    """(expires_on, refresh_on) in epoch seconds from what the identity platform answered, or None for each it did not say.

    MSAL hands back `expires_in` (seconds) for the token endpoint and most managed identity endpoints; when a metadata
    service answers only `expires_on` (epoch seconds, a string on some hosts), MSAL passes its payload on unchanged.
    `refresh_on` is MSAL's own hint (from the service's refresh_in, or half of a lifetime of two hours and more).
    """
    expires_in = _seconds(result.get('expires_in'))
    expires_on = now + expires_in if expires_in is not None else _seconds(result.get('expires_on'))
    if expires_on is not None and expires_on <= now:
        # Nothing can be planned from an expiry in the past (a clock far off, a broken endpoint): renew on refusal only.
        expires_on = None
    refresh_on = _seconds(result.get('refresh_on')) if expires_on is not None else None
    return expires_on, refresh_on


def renewal_time(issued_at: float, expires_on: float | None, refresh_on: float | None = None) -> float | None:
    """When a token issued at issued_at should be renewed: before the last RENEWAL_MARGIN_SECONDS of its life, or
    after half of a shorter one, or at the platform's refresh_on hint when that comes earlier; None: never ahead."""
    if expires_on is None:
        return None
    lifetime = expires_on - issued_at
    when = expires_on - min(RENEWAL_MARGIN_SECONDS, lifetime * RENEWAL_MARGIN_FRACTION)
    if refresh_on is not None and issued_at < refresh_on < when:
        when = refresh_on
    return when


class TokenProvider:
    """The token of one module run, in memory only; safe to use from many threads.

    current() returns a token valid for a while yet (renewing it ahead of its expiry); accepted() and refused()
    report what Graph made of a token a request carried.
    """

    def __init__(self, method, *, clock=time.time):
        self.method = method
        self.clock = clock
        self._lock = threading.Lock()
        self._token = None
        self._serial = 0
        self._fresh_refusals = 0
        # Set when the run can get no token Graph accepts: every later request fails with it, none is sent.
        self._failure = None
        # What happened, for tests and the logs: tokens obtained, and how many were replaced after a refusal.
        self.issued = 0
        self.renewed_after_refusal = 0

    @property
    def can_refresh(self) -> bool:
        return self.method.can_refresh

    @property
    def is_app_only(self) -> bool:
        return self.method.is_app_only

    @property
    def method_name(self) -> str:
        return self.method.name

    def current(self) -> AccessToken:
        """The token to send now: obtained on first use, and renewed once its renewal time has come."""
        with self._lock:
            self._raise_failure()
            token = self._token
            if token is None or (self.can_refresh and token.refresh_on is not None and self.clock() >= token.refresh_on):
                token = self._token = self._issue()
            return token

    def get_token(self) -> str:
        return self.current().value

    @staticmethod
    def accepted(token: AccessToken) -> None:
        """Graph let a request with token past authentication: a later refusal of it is an expiry or a revocation."""
        token.accepted = True

    def refused(self, token: AccessToken, error, *, refusals: int = 1) -> None:
        """Graph answered 401 InvalidAuthenticationToken (error, a GraphError) to a request sent with token; refusals:
        how many times that request has now been refused (the client and the batch runner count per request).

        Returns when the request should be sent again with current(): another request has renewed the token already,
        or this call renewed it. Raises GraphTokenRefused when it must not be: a given access_token, the second
        freshly issued token in a row that Graph refused, or a request refused MAX_REFUSALS_PER_REQUEST times.
        """
        if refusals >= MAX_REFUSALS_PER_REQUEST:
            raise GraphTokenRefused.from_error(error, TOO_MANY_REFUSALS_HINT)
        with self._lock:
            self._raise_failure()
            if token is not self._token:
                return
            if not self.can_refresh:
                self._failure = GraphTokenRefused.from_error(error, GIVEN_TOKEN_HINT)
                self._raise_failure()
            self._fresh_refusals = 0 if token.accepted else self._fresh_refusals + 1
            if self._fresh_refusals >= MAX_FRESH_REFUSALS:
                self._failure = GraphTokenRefused.from_error(error, FRESH_REFUSED_HINT)
                self._raise_failure()
            self._token = self._issue()
            self.renewed_after_refusal += 1

    def _raise_failure(self) -> None:
        if self._failure is not None:
            # A new exception each time: several threads may raise it at once.
            raise self._failure.copy()

    def _issue(self) -> AccessToken:
        result = self.method.acquire_token()
        now = self.clock()
        expires_on, refresh_hint = token_expiry(result, now)
        self._serial += 1
        self.issued += 1
        return AccessToken(result['access_token'], serial=self._serial, issued_at=now, expires_on=expires_on,
                           refresh_on=renewal_time(now, expires_on, refresh_hint))

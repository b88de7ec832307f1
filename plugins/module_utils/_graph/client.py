# -*- coding: utf-8 -*-
# Copyright: graphops.msgraph contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The HTTP client for Microsoft Graph: TLS settings, retries, token renewal and error envelopes."""

from __future__ import annotations

import traceback
import uuid
from urllib.parse import quote, urlsplit

from ansible_collections.graphops.msgraph.plugins.module_utils._graph.errors import (
    GraphConnectionError,
    GraphError,
)
from ansible_collections.graphops.msgraph.plugins.module_utils._graph.throttle_gate import ThrottleGate

try:
    import requests
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError:
    requests = None
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()

# What a request that got no answer raises, for code that sends through the session (MSAL's token requests);
# without requests the modules fail first, naming it, and nothing raises the stand-in.
RequestException = requests.exceptions.RequestException if requests is not None else ConnectionError


def is_token_refusal(status: int, code: str | None) -> bool:
    """Graph's answer to an expired or revoked token (also to one for another resource: the renewal rules tell them apart)."""
    return status == 401 and code == 'InvalidAuthenticationToken'


def token_was_accepted(status: int) -> bool:
    """Whether an answer shows that Graph let the token past authentication. Throttling and 5xx may come from a front
    end that has not looked at it yet, and are no proof."""
    return status < 500 and status not in (401, 429)


def quote_path_segment(value: str) -> str:
    """Quote an id or userPrincipalName for a URL path (guest UPNs hold '#')."""
    return quote(value, safe="@.-_~'")


if HAS_REQUESTS:
    class TLSSession(requests.Session):
        """A Session that passes its TLS setting with every request.

        requests lets REQUESTS_CA_BUNDLE in the environment win over Session.verify; passing verify per
        request makes an explicit ca_path (or validate_certs=false) win, also for the calls MSAL makes
        through this session.
        """

        def __init__(self, tls_verify):
            super().__init__()
            self.tls_verify = tls_verify

        def request(self, method, url, *args, **kwargs):  # pylint: disable=arguments-differ
            kwargs['verify'] = self.tls_verify
            return super().request(method, url, *args, **kwargs)


def build_session(*, validate_certs: bool, ca_path: str | None, pool_size: int | None = None):
    """One session per module run: connection reuse, proxies from the environment, our TLS choice.

    pool_size: connections kept per host, for modules that send from many threads at once (requests keeps 10
    and opens, handshakes and throws away the extra ones).
    """
    if not validate_certs:
        tls_verify = False
    elif ca_path:
        tls_verify = ca_path
    else:
        tls_verify = True
    session = TLSSession(tls_verify)
    if pool_size and pool_size > 10:
        adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=pool_size)
        session.mount('https://', adapter)
        session.mount('http://', adapter)
    return session


def describe_connection_error(exc, url: str) -> str:
    """A sentence about a transport failure that names the host and, for TLS, the fix."""
    host = urlsplit(url).netloc or url
    if requests is not None and isinstance(exc, requests.exceptions.SSLError):
        return ('TLS verification failed for %s: the server certificate is not trusted. Set ca_path to the CA bundle '
                'that signed it (or validate_certs: false for a test service).' % host)
    if requests is not None and isinstance(exc, requests.exceptions.Timeout):
        return 'No answer from %s within the timeout. Check the network path, proxy settings or raise timeout.' % host
    return 'Could not connect to %s (%s). Check graph_endpoint / authority_host, the network and proxy settings.' % (
        host, type(exc).__name__)


class GraphClient:
    """Sends requests to one Graph base URL with one token provider.

    Every request goes through send(): the run's throttle gate (a budget's 429 holds back every request spending that
    budget, throttle_gate.py), the transport's retries (429s that are not a budget's, 503/504 and connection errors,
    Retry-After honoured), the token's renewal when Graph refuses it (sent again without spending a retry), and Graph's error
    envelope turned into GraphError.
    """

    def __init__(self, *, base_url: str, api_version: str, token_provider, transport, throttle_gate: ThrottleGate | None = None):
        self.base_url = base_url.rstrip('/')
        self.api_version = api_version
        self.token_provider = token_provider
        self.transport = transport
        # One per module run, shared with every BatchRunner built on this client: Graph's budgets are the run's.
        self.throttle_gate = throttle_gate or ThrottleGate()

    def url(self, path: str) -> str:
        return '%s/%s%s' % (self.base_url, self.api_version, path)

    def request(self, method: str, path: str, *, data: bytes | None = None, headers: dict | None = None,
                ok_statuses=(200, 201, 204)):
        """Send one request; return the response when its status is in ok_statuses, else raise GraphError."""
        return self.send(method, path, data=data, headers=headers, ok_statuses=ok_statuses)[0]

    def send(self, method: str, path: str, *, data: bytes | None = None, headers: dict | None = None,
             ok_statuses=(200, 201, 204), answer_checks_token: bool = True, budget_lanes: tuple | None = None) -> tuple:
        """request(), returning (response, the AccessToken it went with).

        answer_checks_token: False when a success does not show that Graph accepted the token (a $batch envelope,
        whose inner requests may each be refused): the caller then tells the token provider itself.
        budget_lanes: for a $batch envelope, the throttle gate's lanes its requests spend (see ThrottleGate.ticket).
        """
        url = self.url(path)
        refusals = 0
        while True:
            token = self.token_provider.current()
            request_headers = {
                'Authorization': 'Bearer %s' % token.value,
                'client-request-id': str(uuid.uuid4()),
            }
            request_headers.update(headers or {})
            try:
                response = self.transport.request(method, url, data=data, headers=request_headers,
                                                  budget=self.throttle_gate.ticket(method, path, lanes=budget_lanes))
            except RequestException as exc:
                raise GraphConnectionError(describe_connection_error(exc, url)) from None
            if response.status_code in ok_statuses:
                if answer_checks_token:
                    self.token_provider.accepted(token)
                return response, token
            error = GraphError.from_response(response, method=method, path=path)
            if not is_token_refusal(response.status_code, error.code):
                if token_was_accepted(response.status_code):
                    self.token_provider.accepted(token)
                raise error
            # The token expired or was revoked since it was obtained: renew it (unless another request has already)
            # and send this request again with the new one. Not a retry: nothing went wrong with the request.
            refusals += 1
            self.token_provider.refused(token, error, refusals=refusals)
            self.transport.on_retry('%s %s: token refused (HTTP 401 %s), sent again with a renewed token' % (
                method, path, (error.graph_message or '').rstrip('.')))
